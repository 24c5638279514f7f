package transaction

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// relay lets an Endpoint deliver to a Layer created after it.
type relay struct{ l *Layer }

func (r *relay) HandleMessage(m *sip.Message, src transport.Addr) { r.l.HandleMessage(m, src) }
func (r *relay) HandleFlowError(a transport.Addr, err error)      { r.l.HandleFlowError(a, err) }

// outcome is what a request should end with on a perfect network: its
// final status, decided by the server from the Call-ID alone.
func outcome(callID string, invite bool) (final int, provisional bool) {
	h := fnv.New32a()
	h.Write([]byte(callID))
	v := h.Sum32()
	codes := []int{200, 404, 486, 503, 302}
	if !invite {
		codes = []int{200, 202, 404, 481}
	}
	return codes[v%uint32(len(codes))], v&8 != 0
}

// uas answers every request with its outcome, sending a provisional first
// for some, and retransmits its 2xx to INVITE until the ACK comes, as a UA
// core does (RFC 3261 §13.3.1.4).
type uas struct {
	clk     *testkit.Clock
	net     transport.Sender
	pending map[string]clock.Timer // Call-ID → 2xx retransmission timer
}

func (u *uas) OnRequest(tx *ServerTx, req *sip.Message) {
	final, prov := outcome(req.CallID(), req.Method() == "INVITE")
	if prov {
		p := sip.NewResponse(req, map[bool]int{true: 180, false: 100}[req.Method() == "INVITE"], "")
		p.SetToTag("uas")
		tx.Respond(p)
	}
	resp := sip.NewResponse(req, final, "")
	resp.SetToTag("uas")
	if final == 302 {
		resp.Add("Contact", "<sip:elsewhere@example.com>")
	}
	respond := func() { tx.Respond(resp) }
	if prov {
		u.clk.AfterFunc(100*time.Millisecond, respond) // answer a little later
	} else {
		respond()
	}
	if req.Method() == "INVITE" && final == 200 {
		u.retransmit2xx(tx, resp, 500*time.Millisecond, 0)
	}
}

func (u *uas) retransmit2xx(tx *ServerTx, resp *sip.Message, gap, spent time.Duration) {
	id := resp.CallID()
	if spent >= 64*500*time.Millisecond {
		delete(u.pending, id) // no ACK: give up (§13.3.1.4)
		return
	}
	u.pending[id] = u.clk.AfterFunc(gap, func() {
		u.net.Send(tx.dst, resp)
		u.retransmit2xx(tx, resp, min(2*gap, 4*time.Second), spent+gap)
	})
}

func (u *uas) OnStray(msg *sip.Message, _ transport.Addr) {
	if msg.Method() == "ACK" {
		if t := u.pending[msg.CallID()]; t != nil {
			t.Stop()
			delete(u.pending, msg.CallID())
		}
	}
}
func (u *uas) OnCancel(*ServerTx, *sip.Message) {}
func (u *uas) OnServerFailure(*ServerTx, error) {}

// uac starts transactions and records how each one ended.
type uac struct {
	net     transport.Sender
	dst     transport.Addr
	started map[*ClientTx]time.Time
	clk     *testkit.Clock
	ended   map[*ClientTx]string
	final   map[*ClientTx]int
	reqs    map[*ClientTx]*sip.Message // the TU's own copy: an Accepted transaction lets go of it
}

func (c *uac) OnResponse(tx *ClientTx, resp *sip.Message) {
	code := resp.StatusCode()
	if code < 200 {
		return
	}
	if _, seen := c.final[tx]; !seen {
		c.final[tx] = code
	}
	if tx.invite && code < 300 {
		// The ACK for a 2xx is the TU's, with a branch of its own.
		ack := sip.NewAck(c.reqs[tx], resp)
		ack.SetFirstValue("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch="+sip.NewBranch())
		c.net.Send(c.dst, ack)
	}
}

func (c *uac) OnFailure(tx *ClientTx, err error) {
	if errors.Is(err, ErrTimeout) {
		c.ended[tx] = fmt.Sprintf("timeout after %v", c.clk.Now().Sub(c.started[tx]))
		return
	}
	c.ended[tx] = err.Error()
}

func TestLossyNetworkProperty(t *testing.T) {
	const (
		n    = 10000
		loss = 0.30
	)
	clk := testkit.NewClock(t0)
	net := testkit.NewNetwork(clk, 4475)
	a, b := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	ra, rb := &relay{}, &relay{}
	epA := net.Endpoint(transport.UDP, a, ra)
	epB := net.Endpoint(transport.UDP, b, rb)
	net.Impair(a, b, testkit.Impairment{Loss: loss, Delay: 20 * time.Millisecond, Jitter: 30 * time.Millisecond})
	net.Impair(b, a, testkit.Impairment{Loss: loss, Delay: 20 * time.Millisecond, Jitter: 30 * time.Millisecond})

	client := &uac{net: epA, dst: epB.Addr(), clk: clk, started: map[*ClientTx]time.Time{}, ended: map[*ClientTx]string{}, final: map[*ClientTx]int{}, reqs: map[*ClientTx]*sip.Message{}}
	server := &uas{clk: clk, net: epB, pending: map[string]clock.Timer{}}
	ra.l = New(Config{Clock: clk, Transport: epA}, &tuOnlyStray{})
	rb.l = New(Config{Clock: clk, Transport: epB}, server)
	server.net = epB

	var txs []*ClientTx
	for i := range n {
		m := "OPTIONS"
		if i%2 == 0 {
			m = "INVITE"
		}
		clk.AfterFunc(time.Duration(i)*3*time.Millisecond, func() {
			req := newRequest(m, i)
			tx, err := ra.l.Request(req, epB.Addr(), client)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			client.started[tx] = clk.Now()
			client.reqs[tx] = req
			txs = append(txs, tx)
		})
	}
	for clk.Step() {
	}

	timeouts := 0
	for _, tx := range txs {
		req := client.reqs[tx]
		want, _ := outcome(req.CallID(), tx.invite)
		got, gotFinal := client.final[tx]
		end, failed := client.ended[tx]
		switch {
		case gotFinal && got == want && !failed:
		case !gotFinal && failed && end == "timeout after 32s":
			timeouts++ // Timer B or F, exactly 64*T1 after the start
		default:
			t.Fatalf("%s %s: final %d (want %d), ended %q, state %v",
				req.Method(), req.CallID(), got, want, end, tx.State())
		}
	}
	if len(txs) != n {
		t.Fatalf("%d transactions started, want %d", len(txs), n)
	}
	if c, s := ra.l.Len(); c+s != 0 {
		t.Errorf("client side leaks %d/%d transactions", c, s)
	}
	if c, s := rb.l.Len(); c+s != 0 {
		t.Errorf("server side leaks %d/%d transactions", c, s)
	}
	if p := clk.Pending(); p != 0 {
		t.Errorf("%d timers left armed", p)
	}
	st := net.Stats(a, b)
	t.Logf("%d transactions, %d timed out; a→b sent %d, dropped %d (%.1f%%)", n, timeouts, st.Sent, st.Dropped, 100*float64(st.Dropped)/float64(st.Sent))
	if timeouts > n/100 {
		t.Errorf("%d timeouts: retransmissions are not doing their job", timeouts)
	}
}

// tuOnlyStray is the client side's TU: it serves no requests.
type tuOnlyStray struct{}

func (tuOnlyStray) OnRequest(tx *ServerTx, req *sip.Message) {
	tx.Respond(sip.NewResponse(req, 405, ""))
}
func (tuOnlyStray) OnCancel(*ServerTx, *sip.Message)     {}
func (tuOnlyStray) OnStray(*sip.Message, transport.Addr) {}
func (tuOnlyStray) OnServerFailure(*ServerTx, error)     {}

func newRequest(method string, i int) *sip.Message {
	ruri, _ := sip.ParseURI("sip:bob@192.0.2.2")
	from, _ := sip.ParseNameAddr("<sip:alice@192.0.2.1>")
	to, _ := sip.ParseNameAddr("<sip:bob@192.0.2.2>")
	req, err := sip.NewRequest(sip.RequestSpec{
		Method: method, RequestURI: ruri, From: from, To: to, CSeq: 1,
		CallID: fmt.Sprintf("prop-%d", i),
		Via:    sip.Via{Transport: "UDP", Host: "192.0.2.1", Port: 5060},
	})
	if err != nil {
		panic(err)
	}
	return req
}
