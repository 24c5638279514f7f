package transaction

import (
	"errors"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

func TestClientInviteRetransmitsUntilTimerB(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	if _, err := f.l.Request(request("INVITE", "z9hG4bK1"), udpPeer, c); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(40 * time.Second)
	// Timer A doubles from T1 without a cap (RFC 3261 §17.1.1.2).
	eqTimes(t, "INVITE", f.w.times(method("INVITE")), secs(0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5))
	if len(c.failures) != 1 || !errors.Is(c.failures[0], ErrTimeout) {
		t.Fatalf("failures %v, want one timeout", c.failures)
	}
	f.done()
}

func TestClientInviteOverTCPDoesNotRetransmit(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	f.l.Request(request("INVITE", "z9hG4bK1"), tcpPeer, c)
	f.clk.Advance(31 * time.Second)
	if len(c.failures) != 0 {
		t.Fatal("timed out before Timer B")
	}
	f.clk.Advance(2 * time.Second)
	eqTimes(t, "INVITE", f.w.times(method("INVITE")), secs(0))
	if len(c.failures) != 1 {
		t.Fatalf("no Timer B over TCP: %v", c.failures)
	}
	f.done()
}

func TestClientInviteProvisionalThenRejected(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	req := request("INVITE", "z9hG4bK1")
	tx, _ := f.l.Request(req, udpPeer, c)
	f.clk.Advance(time.Second) // retransmitted once at 0.5
	f.l.HandleMessage(reply(req, 180, "b1"), udpPeer)
	if tx.State() != Proceeding {
		t.Fatalf("state %v", tx.State())
	}
	f.clk.Advance(40 * time.Second) // Proceeding: no retransmission, no Timer B
	eqTimes(t, "INVITE", f.w.times(method("INVITE")), secs(0, 0.5))
	if len(c.failures) != 0 {
		t.Fatalf("Timer B fired while Proceeding: %v", c.failures)
	}
	f.l.HandleMessage(reply(req, 486, "b1"), udpPeer)
	f.l.HandleMessage(reply(req, 486, "b1"), udpPeer) // retransmission: ACKed again, not passed up
	if got := len(f.w.times(method("ACK"))); got != 2 {
		t.Fatalf("%d ACKs, want 2", got)
	}
	ack := f.w.out[len(f.w.out)-1].msg
	if v, _ := ack.Via(); v.Branch() != "z9hG4bK1" {
		t.Errorf("ACK branch %q: the ACK for a non-2xx is part of the transaction (§17.1.1.3)", v.Branch())
	}
	if to, _ := ack.To(); to.Tag() != "b1" {
		t.Errorf("ACK To tag %q", to.Tag())
	}
	if len(c.responses) != 2 || c.responses[1] != 486 {
		t.Fatalf("responses %v", c.responses)
	}
	f.clk.Advance(31 * time.Second)
	if tx.State() != Completed {
		t.Fatalf("Timer D ended early: %v", tx.State())
	}
	f.clk.Advance(2 * time.Second)
	if tx.State() != Terminated {
		t.Fatalf("Timer D did not end it: %v", tx.State())
	}
	f.done()
}

func TestClientInviteAcceptedPassesEvery2xx(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	req := request("INVITE", "z9hG4bK1")
	tx, _ := f.l.Request(req, udpPeer, c)
	f.l.HandleMessage(reply(req, 200, "b1"), udpPeer)
	f.l.HandleMessage(reply(req, 200, "b1"), udpPeer) // retransmission
	f.l.HandleMessage(reply(req, 200, "b2"), udpPeer) // another fork
	f.l.HandleMessage(reply(req, 180, "b3"), udpPeer) // late provisional: ignored
	if tx.State() != Accepted {
		t.Fatalf("state %v, want Accepted (RFC 6026)", tx.State())
	}
	if len(c.responses) != 3 {
		t.Fatalf("responses %v, want three 2xx", c.responses)
	}
	if n := len(f.w.times(method("ACK"))); n != 0 {
		t.Fatalf("the transaction ACKed a 2xx (%d): that is the TU's job", n)
	}
	f.clk.Advance(32 * time.Second) // Timer M = 64*T1
	f.done()
}

func TestClientNonInviteTimerE(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	f.l.Request(request("OPTIONS", "z9hG4bK1"), udpPeer, c)
	f.clk.Advance(33 * time.Second)
	// Timer E doubles up to T2 = 4 s (RFC 3261 §17.1.2.2).
	eqTimes(t, "OPTIONS", f.w.times(method("OPTIONS")), secs(0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5))
	if len(c.failures) != 1 || !errors.Is(c.failures[0], ErrTimeout) {
		t.Fatalf("failures %v, want Timer F", c.failures)
	}
	f.done()
}

func TestClientNonInviteProceedingAndCompleted(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	req := request("REGISTER", "z9hG4bK1")
	tx, _ := f.l.Request(req, udpPeer, c)
	f.clk.Advance(600 * time.Millisecond) // sent at 0 and 0.5
	f.l.HandleMessage(reply(req, 100, ""), udpPeer)
	f.clk.Advance(9 * time.Second) // Proceeding: every T2 from the last send
	eqTimes(t, "REGISTER", f.w.times(method("REGISTER")), secs(0, 0.5, 1.5, 5.5, 9.5))
	f.l.HandleMessage(reply(req, 200, "r1"), udpPeer)
	f.l.HandleMessage(reply(req, 200, "r1"), udpPeer) // absorbed
	if len(c.responses) != 2 || c.responses[1] != 200 {
		t.Fatalf("responses %v", c.responses)
	}
	f.clk.Advance(4 * time.Second)
	if tx.State() != Completed {
		t.Fatalf("Timer K (T4) ended early")
	}
	f.clk.Advance(2 * time.Second)
	f.done()
}

func TestClientNonInviteOverTCPEndsAtOnce(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	req := request("OPTIONS", "z9hG4bK1")
	f.l.Request(req, tcpPeer, c)
	f.clk.Advance(10 * time.Second)
	f.l.HandleMessage(reply(req, 200, "x"), tcpPeer)
	f.clk.Advance(0) // Timer K is zero over TCP
	eqTimes(t, "OPTIONS", f.w.times(method("OPTIONS")), secs(0))
	f.done()
}

func TestCancelBeforeAndAfterProvisional(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	req := request("INVITE", "z9hG4bK1")
	tx, _ := f.l.Request(req, udpPeer, c)
	tx.Cancel(nil)
	f.clk.Advance(time.Second)
	if n := len(f.w.times(method("CANCEL"))); n != 0 {
		t.Fatal("CANCEL sent before any provisional (RFC 3261 §9.1)")
	}
	f.l.HandleMessage(reply(req, 180, "b1"), udpPeer)
	cancels := f.w.times(method("CANCEL"))
	eqTimes(t, "CANCEL", cancels, secs(1))
	cancel := f.w.out[len(f.w.out)-1].msg
	if v, _ := cancel.Via(); v.Branch() != "z9hG4bK1" {
		t.Errorf("CANCEL branch %q must be the INVITE's", v.Branch())
	}
	f.l.HandleMessage(reply(cancel, 200, "b1"), udpPeer)
	f.l.HandleMessage(reply(req, 487, "b1"), udpPeer)
	if got := c.responses; len(got) != 2 || got[1] != 487 {
		t.Fatalf("responses %v", got)
	}
	f.clk.Advance(40 * time.Second)
	f.done()

	// After a provisional: at once.
	f = newFixture(t)
	req = request("INVITE", "z9hG4bK2")
	tx, _ = f.l.Request(req, udpPeer, &client{})
	f.l.HandleMessage(reply(req, 183, "b1"), udpPeer)
	tx.Cancel(nil)
	eqTimes(t, "CANCEL", f.w.times(method("CANCEL")), secs(0))
	f.l.HandleMessage(reply(req, 487, "b1"), udpPeer)
	f.clk.Advance(40 * time.Second)
	f.done()
}

// A cancelled INVITE whose 487 never comes fails 64*T1 after the CANCEL
// (RFC 3261 §9.1) instead of staying Proceeding for ever.
func TestCancelledInviteWithoutFinalResponse(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	req := request("INVITE", "z9hG4bK1")
	tx, _ := f.l.Request(req, udpPeer, c)
	f.l.HandleMessage(reply(req, 180, "b1"), udpPeer)
	f.clk.Advance(10 * time.Second)
	tx.Cancel(nil)
	cancel := f.w.out[len(f.w.out)-1].msg
	f.l.HandleMessage(reply(cancel, 200, "b1"), udpPeer)
	f.clk.Advance(31 * time.Second)
	if len(c.failures) != 0 {
		t.Fatalf("failed %v before 64*T1", c.failures)
	}
	f.clk.Advance(time.Second)
	if len(c.failures) != 1 || !errors.Is(c.failures[0], ErrTimeout) {
		t.Fatalf("failures %v, want one ErrTimeout at 64*T1 after the CANCEL", c.failures)
	}
	f.done()
}

func TestTransportErrorFailsClient(t *testing.T) {
	f := newFixture(t)
	c := &client{}
	f.l.Request(request("OPTIONS", "z9hG4bK1"), tcpPeer, c)
	boom := errors.New("connection reset")
	f.l.HandleFlowError(tcpPeer, boom)
	if len(c.failures) != 1 || c.failures[0] != boom {
		t.Fatalf("failures %v", c.failures)
	}
	f.done()

	f = newFixture(t)
	f.w.fail = boom
	c = &client{}
	if _, err := f.l.Request(request("OPTIONS", "z9hG4bK1"), udpPeer, c); err != nil {
		t.Fatal(err)
	}
	if len(c.failures) != 1 {
		t.Fatalf("send error not reported: %v", c.failures)
	}
	f.done()
}

func TestClientRefusals(t *testing.T) {
	f := newFixture(t)
	f.l.Request(request("OPTIONS", "z9hG4bK1"), udpPeer, &client{})
	if _, err := f.l.Request(request("OPTIONS", "z9hG4bK1"), udpPeer, &client{}); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate branch: %v", err)
	}
	if _, err := f.l.Request(request("ACK", "z9hG4bK2"), udpPeer, &client{}); !errors.Is(err, ErrNotRequest) {
		t.Errorf("ACK as a transaction: %v", err)
	}
	small := New(Config{Clock: f.clk, Transport: f.w, MaxTransactions: 1}, f.u)
	small.Request(request("OPTIONS", "z9hG4bK3"), udpPeer, &client{})
	if _, err := small.Request(request("OPTIONS", "z9hG4bK4"), udpPeer, &client{}); !errors.Is(err, ErrOverload) {
		t.Errorf("overload: %v", err)
	}
}

func TestTimerCCancelsAnUnansweredInvite(t *testing.T) {
	f := newFixture(t)
	f.l = New(Config{Clock: f.clk, Transport: f.w, TimerC: 3 * time.Minute}, f.u)
	c := &client{}
	req := request("INVITE", "z9hG4bK1")
	f.l.Request(req, tcpPeer, c)
	f.clk.Advance(time.Second)
	f.l.HandleMessage(reply(req, 180, "b1"), tcpPeer)
	f.clk.Advance(100 * time.Second)
	f.l.HandleMessage(reply(req, 180, "b1"), tcpPeer) // restarts Timer C at 101 s
	f.clk.Advance(179 * time.Second)
	if n := len(f.w.times(method("CANCEL"))); n != 0 {
		t.Fatal("Timer C fired before 3 minutes without a provisional")
	}
	f.clk.Advance(2 * time.Second)
	eqTimes(t, "CANCEL", f.w.times(method("CANCEL")), secs(281))
	cancel := f.w.out[len(f.w.out)-1].msg
	f.l.HandleMessage(reply(cancel, 200, "b1"), tcpPeer)
	f.l.HandleMessage(reply(req, 487, "b1"), tcpPeer)
	if got := c.responses; len(got) != 3 || got[2] != 487 {
		t.Fatalf("responses %v", got)
	}
	f.clk.Advance(time.Second)
	f.done()
}

// keeper keeps every response it gets, as a handler may.
type keeper struct{ responses []*sip.Message }

func (k *keeper) OnResponse(_ *ClientTx, resp *sip.Message) { k.responses = append(k.responses, resp) }
func (k *keeper) OnFailure(*ClientTx, error)                {}

// borrower promises not to keep responses (ResponseBorrower) and, to
// show what the promise is for, breaks it.
type borrower struct{ keeper }

func (*borrower) BorrowsResponses() {}

// TestBorrowedResponsesAreReleased: the responses given to a
// ResponseBorrower, directly or through failover, go back to sip's pool
// once it returns, cleared at once (and under the race detector never
// reused), so a borrower that kept one would see it empty. Other handlers
// keep theirs intact.
func TestBorrowedResponsesAreReleased(t *testing.T) {
	f := newFixture(t)
	k, b := &keeper{}, &borrower{}
	reqK, reqB, reqF := request("INVITE", "z9hG4bK1"), request("INVITE", "z9hG4bK2"), request("INVITE", "z9hG4bK3")
	f.l.Request(reqK, udpPeer, k)
	f.l.Request(reqB, udpPeer, b)
	txF, err := f.l.RequestTargets(reqF, []transport.Addr{udpPeer}, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []*sip.Message{reqK, reqB, txF.Request()} {
		f.l.HandleMessage(reply(req, 180, "b1"), udpPeer)
	}
	if len(k.responses) != 1 || k.responses[0].StatusCode() != 180 || k.responses[0].Get("To") == "" {
		t.Fatalf("the keeper's response changed: %v", k.responses)
	}
	if len(b.responses) != 2 {
		t.Fatalf("the borrower heard %d responses, want 2", len(b.responses))
	}
	for i, r := range b.responses { // cleared on release (and, under -race, never reused)
		if r.StatusCode() != 0 || len(r.Headers()) != 0 {
			t.Errorf("borrowed response %d was not released: %d with %d headers", i, r.StatusCode(), len(r.Headers()))
		}
	}
	f.clk.Advance(time.Minute)
}

// TestBorrowedStraysAreReleased: the ACK of a 2xx and a stray response go
// back to the pool after a StrayBorrower's OnStray, cleared (and under the
// race detector never reused). A TU that does not borrow keeps them.
func TestBorrowedStraysAreReleased(t *testing.T) {
	for _, borrow := range []bool{false, true} {
		clk := testkit.NewClock(t0)
		var u interface {
			TU
			kept() []*sip.Message
		} = &keptStrays{}
		if borrow {
			u = &keptStraysBorrower{}
		}
		l := New(Config{Clock: clk, Transport: &wire{clk: clk}}, u)
		inv := request("INVITE", "z9hG4bKx")
		l.HandleMessage(request("ACK", "z9hG4bKack"), udpPeer) // no transaction: the ACK of a 2xx
		l.HandleMessage(reply(inv, 200, "b1"), udpPeer)        // no client transaction: stray
		got := u.kept()
		if len(got) != 2 {
			t.Fatalf("borrow=%v: %d strays, want 2", borrow, len(got))
		}
		for i, m := range got {
			released := m.Method() == "" && m.StatusCode() == 0
			if want := borrow; released != want {
				t.Errorf("borrow=%v: stray %d released %v, want %v", borrow, i, released, want)
			}
		}
	}
}

type keptStrays struct{ tu }

func (k *keptStrays) kept() []*sip.Message { return k.strays }

type keptStraysBorrower struct{ keptStrays }

func (*keptStraysBorrower) BorrowsStrays() {}
