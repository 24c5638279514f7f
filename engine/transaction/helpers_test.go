package transaction

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sent is one message handed to the transport, when, and where to.
type sent struct {
	at  time.Duration
	dst transport.Addr
	msg *sip.Message
}

// wire records what the layer sends, re-parsed as a peer would see it.
type wire struct {
	clk  *testkit.Clock
	out  []sent
	fail error // returned by Send when set
}

func (w *wire) Send(dst transport.Addr, msg *sip.Message) error {
	if w.fail != nil {
		return w.fail
	}
	m, err := sip.Parse(msg.AppendTo(nil))
	if err != nil {
		panic(fmt.Sprintf("layer sent an unparsable message: %v\n%s", err, msg))
	}
	w.out = append(w.out, sent{w.clk.Now().Sub(t0), dst, m})
	return nil
}

// times lists when messages matching the filter went out.
func (w *wire) times(match func(*sip.Message) bool) []time.Duration {
	var ts []time.Duration
	for _, s := range w.out {
		if match(s.msg) {
			ts = append(ts, s.at)
		}
	}
	return ts
}

func method(m string) func(*sip.Message) bool {
	return func(msg *sip.Message) bool { return msg.IsRequest() && msg.Method() == m }
}

func status(code int) func(*sip.Message) bool {
	return func(msg *sip.Message) bool { return msg.StatusCode() == code }
}

// tu records what the layer tells its transaction user.
type tu struct {
	requests []*ServerTx
	cancels  []*ServerTx
	strays   []*sip.Message
	failures []error
	answer   func(tx *ServerTx, req *sip.Message) // optional immediate answer
}

func (u *tu) OnRequest(tx *ServerTx, req *sip.Message) {
	u.requests = append(u.requests, tx)
	if u.answer != nil {
		u.answer(tx, req)
	}
}
func (u *tu) OnCancel(inv *ServerTx, _ *sip.Message)     { u.cancels = append(u.cancels, inv) }
func (u *tu) OnStray(msg *sip.Message, _ transport.Addr) { u.strays = append(u.strays, msg) }
func (u *tu) OnServerFailure(_ *ServerTx, err error)     { u.failures = append(u.failures, err) }

// client records what a client transaction passes up.
type client struct {
	responses []int
	failures  []error
}

func (c *client) OnResponse(_ *ClientTx, resp *sip.Message) {
	c.responses = append(c.responses, resp.StatusCode())
}
func (c *client) OnFailure(_ *ClientTx, err error) { c.failures = append(c.failures, err) }

type fixture struct {
	t   *testing.T
	clk *testkit.Clock
	w   *wire
	u   *tu
	l   *Layer
}

func newFixture(t *testing.T) *fixture {
	clk := testkit.NewClock(t0)
	w := &wire{clk: clk}
	u := &tu{}
	return &fixture{t: t, clk: clk, w: w, u: u, l: New(Config{Clock: clk, Transport: w}, u)}
}

// done checks that nothing is left behind: no transaction, no timer.
func (f *fixture) done() {
	f.t.Helper()
	if c, s := f.l.Len(); c+s != 0 {
		f.t.Errorf("transactions left: %d client, %d server", c, s)
	}
	if n := f.clk.Pending(); n != 0 {
		f.t.Errorf("%d timers left armed", n)
	}
}

var (
	udpPeer = transport.Addr{Proto: transport.UDP, Addr: netip.MustParseAddrPort("192.0.2.20:5060")}
	tcpPeer = transport.Addr{Proto: transport.TCP, Addr: netip.MustParseAddrPort("192.0.2.20:5060"), Flow: 7}
)

// request builds a request as a peer at 192.0.2.20 would send it.
func request(method, branch string, extra ...string) *sip.Message {
	s := method + " sip:bob@192.0.2.10 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=" + branch + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:alice@example.com>;tag=a1\r\n" +
		"To: <sip:bob@example.com>\r\n" +
		"Call-ID: call-" + branch + "\r\n" +
		"CSeq: 1 " + method + "\r\n" + strings.Join(extra, "")
	m, err := sip.Parse([]byte(s + "\r\n"))
	if err != nil {
		panic(err)
	}
	return m
}

// reply builds the response the far end sends to req.
func reply(req *sip.Message, code int, toTag string) *sip.Message {
	r := sip.NewResponse(req, code, "")
	if code > 100 {
		r.SetToTag(toTag)
	}
	m, err := sip.Parse(r.AppendTo(nil))
	if err != nil {
		panic(err)
	}
	return m
}

func secs(ss ...float64) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = time.Duration(s * float64(time.Second))
	}
	return out
}

func eqTimes(t *testing.T, what string, got, want []time.Duration) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s at %v, want %v", what, got, want)
	}
}
