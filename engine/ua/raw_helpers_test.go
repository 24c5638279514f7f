package ua

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// rawPeer is a scripted SIP peer: no stack, no transactions. It records
// every message that reaches it and sends the literal text the test
// writes, so a scenario states exactly what goes on the wire.
type rawPeer struct {
	t    *testing.T
	clk  *testkit.Clock
	addr netip.AddrPort
	ep   *testkit.Endpoint
	got  []rawMsg
	on   func(*sip.Message) // answers what arrives, when set
}

type rawMsg struct {
	at    time.Time
	msg   *sip.Message
	taken bool
}

// raw adds a scripted peer at ip:5060.
func (w *world) raw(ip string) *rawPeer {
	r := &rawPeer{t: w.t, clk: w.clk, addr: netip.MustParseAddrPort(ip + ":5060")}
	r.ep = w.net.Endpoint(transport.UDP, r.addr, r)
	return r
}

func (r *rawPeer) HandleMessage(m *sip.Message, _ transport.Addr) {
	r.got = append(r.got, rawMsg{at: r.clk.Now(), msg: m})
	if r.on != nil {
		r.on(m)
	}
}

func (r *rawPeer) HandleFlowError(transport.Addr, error) {}

// kind is how the tests name a message: its method, or its status code.
func kind(m *sip.Message) string {
	if m.IsRequest() {
		return m.Method()
	}
	return strconv.Itoa(m.StatusCode())
}

// take returns the first message not yet taken whose kind is what (a
// method, or a status code with the CSeq method: "200 INVITE"), and fails
// the test without one.
func (r *rawPeer) take(what string) *sip.Message {
	r.t.Helper()
	if m := r.next(what); m != nil {
		return m
	}
	r.t.Fatalf("%v: no %s arrived; got %s", r.addr, what, r.kinds())
	return nil
}

// next is take without failing: nil when nothing matches.
func (r *rawPeer) next(what string) *sip.Message {
	for i := range r.got {
		g := &r.got[i]
		if !g.taken && matches(g.msg, what) {
			g.taken = true
			return g.msg
		}
	}
	return nil
}

// count returns how many messages of kind what arrived, taken or not.
func (r *rawPeer) count(what string) int {
	n := 0
	for _, g := range r.got {
		if matches(g.msg, what) {
			n++
		}
	}
	return n
}

func matches(m *sip.Message, what string) bool {
	k, method, _ := strings.Cut(what, " ")
	if k != kind(m) {
		return false
	}
	cs, _ := m.CSeq()
	return method == "" || cs.Method == method
}

func (r *rawPeer) kinds() string {
	var s []string
	for _, g := range r.got {
		cs, _ := g.msg.CSeq()
		s = append(s, kind(g.msg)+"/"+cs.Method)
	}
	return strings.Join(s, " ")
}

// send parses text, a message written as in a trace with "\n" line ends
// and no Content-Length, adds Content-Length and body, and sends it to
// dst. {name} fields are filled from vars first.
func (r *rawPeer) send(dst netip.AddrPort, text, body string, vars map[string]string) {
	r.t.Helper()
	for k, v := range vars {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	text = strings.TrimLeft(text, "\n")
	text = strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\r\n")
	text += fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	m, err := sip.Parse([]byte(text))
	if err != nil {
		r.t.Fatalf("test message does not parse: %v\n%s", err, text)
	}
	if err := r.ep.Send(transport.Addr{Proto: transport.UDP, Addr: dst}, m); err != nil {
		r.t.Fatal(err)
	}
}

// reply answers req, sending text with req's Via, From, To, Call-ID and
// CSeq as {via}, {from}, {to}, {callid} and {cseq}, back to its sender.
func (r *rawPeer) reply(req *sip.Message, text, body string) {
	r.t.Helper()
	via, _ := req.Via()
	dst := netip.MustParseAddrPort(fmt.Sprintf("%s:%d", via.Host, via.Port))
	r.send(dst, text, body, msgVars(req))
}

// msgVars are the fields of m a scripted message copies.
func msgVars(m *sip.Message) map[string]string {
	var vias []string
	for v := range m.Values("Via") {
		vias = append(vias, v)
	}
	from, _ := m.From()
	to, _ := m.To()
	return map[string]string{
		"via": strings.Join(vias, ", "), "from": m.Get("From"), "to": m.Get("To"),
		"callid": m.CallID(), "cseq": m.Get("CSeq"),
		"fromtag": from.Tag(), "totag": to.Tag(), "branch": sip.NewBranch(),
	}
}

// rawSDP is a session description of the scripted peer, direction dir.
func rawSDP(version int, dir string) string {
	return fmt.Sprintf("v=0\r\no=raw 1 %d IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=%s\r\n", version, dir)
}

// rawInvite sends an INVITE from the scripted peer (sip:raw@10.0.0.9) to
// p, with extra header lines and body, and returns its Call-ID and the
// vars for the requests that follow.
func (r *rawPeer) invite(p *peer, extra, body string) map[string]string {
	r.t.Helper()
	vars := map[string]string{
		"callid": sip.NewCallID(), "fromtag": sip.NewTag(), "branch": sip.NewBranch(),
		"uaaddr": p.addr.String(), "user": p.name,
	}
	ctype := ""
	if body != "" {
		ctype = "Content-Type: application/sdp\n"
	}
	r.send(p.addr, `
INVITE sip:{user}@{uaaddr} SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: <sip:raw@10.0.0.9>;tag={fromtag}
To: <sip:{user}@{uaaddr}>
Call-ID: {callid}
CSeq: 1 INVITE
Contact: <sip:raw@10.0.0.9:5060>
Allow: INVITE, ACK, CANCEL, BYE, UPDATE, PRACK, INFO
`+extra+ctype, body, vars)
	return vars
}

// request sends a request of the scripted peer in the dialog of the
// INVITE whose vars v holds, answered by the scripted peer with To tag b1:
// From and To swapped. extra holds further header lines.
func (r *rawPeer) request(dst netip.AddrPort, method string, cseq int, v map[string]string, extra, body string) {
	r.t.Helper()
	vars := map[string]string{
		"method": method, "n": strconv.Itoa(cseq), "branch": sip.NewBranch(),
		"from": v["from"], "to": v["to"], "callid": v["callid"], "dst": dst.String(),
	}
	r.send(dst, `
{method} sip:{dst} SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: {to};tag=b1
To: {from}
Call-ID: {callid}
CSeq: {n} {method}
Contact: <sip:raw@10.0.0.9:5060>
`+extra, body, vars)
}

// countTx returns how many transactions of kind what arrived: messages
// with distinct top Via branches.
func (r *rawPeer) countTx(what string) int {
	seen := map[string]bool{}
	for _, g := range r.got {
		if matches(g.msg, what) {
			via, _ := g.msg.Via()
			seen[via.Branch()] = true
		}
	}
	return len(seen)
}
