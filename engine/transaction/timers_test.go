package transaction

import (
	"errors"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
)

// countingClock counts the clock timers a layer makes; re-arming one
// (clock.Resetter, which the test kit's timers implement) is not counted.
type countingClock struct {
	*testkit.Clock
	made int
}

func (c *countingClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	c.made++
	return c.Clock.AfterFunc(d, f)
}

// An unanswered INVITE over UDP is sent at 0, T1, 3*T1, 7*T1, ... (Timer A
// doubling, RFC 3261 §17.1.1.2) and fails at 64*T1 exactly (Timer B), with
// one armed timer for both all along.
func TestClientInviteTimersAAndBShareATimer(t *testing.T) {
	for _, t1 := range []time.Duration{500 * time.Millisecond, 130 * time.Millisecond} {
		f := newFixture(t)
		f.l = New(Config{Clock: f.clk, Transport: f.w, T1: t1}, f.u)
		c := &client{}
		f.l.Request(request("INVITE", "z9hG4bK1"), udpPeer, c)
		for f.clk.Now().Sub(t0) < 63*t1 {
			if n := f.clk.Pending(); n != 1 {
				t.Fatalf("T1 %v: %d timers armed at %v, want 1 for Timers A and B", t1, n, f.clk.Now().Sub(t0))
			}
			f.clk.Step()
		}
		var want []time.Duration
		for k := range 7 {
			want = append(want, time.Duration(1<<k-1)*t1)
		}
		eqTimes(t, "INVITE", f.w.times(method("INVITE")), want)
		f.clk.Advance(64*t1 - f.clk.Now().Sub(t0) - 1)
		if len(c.failures) != 0 {
			t.Fatalf("T1 %v: failed before 64*T1: %v", t1, c.failures)
		}
		f.clk.Advance(1)
		if len(c.failures) != 1 || !errors.Is(c.failures[0], ErrTimeout) {
			t.Fatalf("T1 %v: failures %v at 64*T1, want one timeout", t1, c.failures)
		}
		eqTimes(t, "INVITE", f.w.times(method("INVITE")), want)
		f.done()
	}
}

// When Timer E and Timer F fall due together, the transaction times out
// without sending again, as when they were two timers and F, armed first,
// ran first.
func TestClientNonInviteTimerFBeforeTimerEDueTogether(t *testing.T) {
	f := newFixture(t)
	// Sent at 0, 0.5, 1.5, 3.5 and then every T2: the eleventh T2 ends at
	// 64*T1 = 32 s.
	f.l = New(Config{Clock: f.clk, Transport: f.w, T2: 2850 * time.Millisecond}, f.u)
	c := &client{}
	f.l.Request(request("OPTIONS", "z9hG4bK1"), udpPeer, c)
	f.clk.Advance(40 * time.Second)
	sends := f.w.times(method("OPTIONS"))
	if last := sends[len(sends)-1]; last != 29150*time.Millisecond {
		t.Errorf("last OPTIONS at %v, want 29.15s and none at 32s (Timer F first)", last)
	}
	if len(c.failures) != 1 || !errors.Is(c.failures[0], ErrTimeout) {
		t.Fatalf("failures %v, want Timer F", c.failures)
	}
	f.done()
}

// A client transaction makes one clock timer for its whole life: Timers A
// and B (or E and F) and then M (or K) re-arm it. It used to take one for
// each arming: three for an INVITE answered straight away, plus one per
// retransmission.
func TestClientTxMakesOneTimer(t *testing.T) {
	for _, m := range []string{"INVITE", "OPTIONS"} {
		clk := &countingClock{Clock: testkit.NewClock(t0)}
		w := &wire{clk: clk.Clock}
		l := New(Config{Clock: clk, Transport: w}, &tu{})
		req := request(m, "z9hG4bK1")
		tx, _ := l.Request(req, udpPeer, &client{})
		clk.Advance(4 * time.Second) // sent at 0, 0.5, 1.5 and 3.5
		if n := clk.Pending(); n != 1 {
			t.Errorf("%s: %d timers armed, want 1 for Timers A and B or E and F", m, n)
		}
		l.HandleMessage(reply(req, 200, "b1"), udpPeer)
		if n := clk.Pending(); n != 1 {
			t.Errorf("%s: %d timers armed, want 1 for Timer M or K", m, n)
		}
		clk.Advance(time.Minute)
		if tx.State() != Terminated || clk.Pending() != 0 {
			t.Fatalf("%s: %v with %d timers armed", m, tx.State(), clk.Pending())
		}
		if got := len(w.times(method(m))); got != 4 {
			t.Errorf("%s: sent %d times, want 4", m, got)
		}
		if clk.made != 1 {
			t.Errorf("%s: %d clock timers made, want 1", m, clk.made)
		}
	}
}

// Retransmitting allocates nothing: a transaction that sends its request
// five times allocates no more than one that sends it twice. And a whole
// transaction allocates 5 (INVITE) or 6 (BYE) times, down from 11 and 12
// when each arming took a clock timer and a closure.
func TestClientTxAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for m, limit := range map[string]float64{"INVITE": 5, "BYE": 6} {
		twice := testing.AllocsPerRun(100, clientTxRun(m, 1))
		five := testing.AllocsPerRun(100, clientTxRun(m, 15)) // at 0, T1, 3*T1, 7*T1, 15*T1
		if five != twice {
			t.Errorf("%s: %v allocations when sent five times, %v when sent twice", m, five, twice)
		}
		if twice > limit {
			t.Errorf("%s: %v allocations a transaction, want at most %v", m, twice, limit)
		}
	}
}

// A 3xx-6xx to an INVITE over UDP is sent at 0 and resent at T1, 3*T1,
// 7*T1, ... up to T2 apart (Timer G, RFC 3261 §17.2.1) until the
// transaction gives up at 64*T1 exactly (Timer H), with one armed timer
// for both all along.
func TestServerInviteTimersGAndHShareATimer(t *testing.T) {
	for _, t1 := range []time.Duration{500 * time.Millisecond, 130 * time.Millisecond} {
		f := newFixture(t)
		f.l = New(Config{Clock: f.clk, Transport: f.w, T1: t1}, f.u)
		f.u.answer = func(tx *ServerTx, req *sip.Message) { tx.Respond(sip.NewResponse(req, 486, "")) }
		f.l.HandleMessage(request("INVITE", "z9hG4bK1"), udpPeer)
		for {
			if n := f.clk.Pending(); n != 1 {
				t.Fatalf("T1 %v: %d timers armed at %v, want 1 for Timers G and H", t1, n, f.clk.Now().Sub(t0))
			}
			if next, _ := f.clk.NextDeadline(); next.Sub(t0) >= 64*t1 {
				break
			}
			f.clk.Step()
		}
		want := []time.Duration{0}
		for at, d := t1, t1; at < 64*t1; at, d = at+min(2*d, 4*time.Second), min(2*d, 4*time.Second) {
			want = append(want, at)
		}
		f.clk.Advance(64*t1 - f.clk.Now().Sub(t0) - 1)
		if len(f.u.failures) != 0 {
			t.Fatalf("T1 %v: gave up before 64*T1: %v", t1, f.u.failures)
		}
		f.clk.Advance(1)
		if len(f.u.failures) != 1 || !errors.Is(f.u.failures[0], ErrTimeout) {
			t.Fatalf("T1 %v: failures %v at 64*T1, want Timer H", t1, f.u.failures)
		}
		eqTimes(t, "486", f.w.times(status(486)), want)
		f.done()
	}
}

// When Timer G and Timer H fall due together, the transaction gives up
// without resending, as when they were two timers and H, armed first,
// ran first.
func TestServerInviteTimerHBeforeTimerGDueTogether(t *testing.T) {
	f := newFixture(t)
	// Sent at 0, 0.5, 1.5, 3.5 and then every T2: the tenth T2 ends at
	// 64*T1 = 32 s.
	f.l = New(Config{Clock: f.clk, Transport: f.w, T2: 2850 * time.Millisecond}, f.u)
	f.u.answer = func(tx *ServerTx, req *sip.Message) { tx.Respond(sip.NewResponse(req, 486, "")) }
	f.l.HandleMessage(request("INVITE", "z9hG4bK1"), udpPeer)
	f.clk.Advance(40 * time.Second)
	sends := f.w.times(status(486))
	if last := sends[len(sends)-1]; last != 29150*time.Millisecond {
		t.Errorf("last 486 at %v, want 29.15s and none at 32s (Timer H first)", last)
	}
	if len(f.u.failures) != 1 || !errors.Is(f.u.failures[0], ErrTimeout) {
		t.Fatalf("failures %v, want Timer H", f.u.failures)
	}
	f.done()
}

// A server transaction makes one clock timer for its whole life: the 100
// Trying delay, then Timers G and H, then I (or L, or J) re-arm it, and
// at most one is armed at a time. It used to take four for an INVITE
// answered 486 and ACKed, and two for one answered 200.
func TestServerTxMakesOneTimer(t *testing.T) {
	for _, c := range []struct {
		method string
		code   int
	}{{"INVITE", 200}, {"INVITE", 486}, {"OPTIONS", 200}} {
		clk := &countingClock{Clock: testkit.NewClock(t0)}
		w := &wire{clk: clk.Clock}
		u := &tu{}
		l := New(Config{Clock: clk, Transport: w}, u)
		req := request(c.method, "z9hG4bK1")
		l.HandleMessage(req, udpPeer)
		tx := u.requests[0]
		armed := func(what string, want int) {
			t.Helper()
			if n := clk.Pending(); n != want {
				t.Errorf("%s %d: %d timers armed %s, want %d", c.method, c.code, n, what, want)
			}
		}
		if c.method == "INVITE" {
			armed("for 100 Trying", 1)
			clk.Advance(300 * time.Millisecond) // the TU is slow: 100 Trying at 200 ms
		}
		resp := sip.NewResponse(req, c.code, "")
		resp.SetToTag("u1")
		tx.Respond(resp)
		armed("after the final response", 1)
		if c.code >= 300 {
			clk.Advance(4 * time.Second) // resent at 0.8, 1.8 and 3.8 s
			armed("awaiting the ACK", 1)
			l.HandleMessage(request("ACK", "z9hG4bK1"), udpPeer)
			armed("once Confirmed", 1)
			if got := len(w.times(status(c.code))); got != 4 {
				t.Errorf("%s %d: sent %d times, want 4", c.method, c.code, got)
			}
		}
		clk.Advance(time.Minute)
		if tx.State() != Terminated || clk.Pending() != 0 {
			t.Fatalf("%s %d: %v with %d timers armed", c.method, c.code, tx.State(), clk.Pending())
		}
		if clk.made != 1 {
			t.Errorf("%s %d: %d clock timers made, want 1", c.method, c.code, clk.made)
		}
	}
}

// Resending a final response allocates nothing: an INVITE transaction
// whose 486 Timer G resends four times allocates no more than one whose
// 486 it resends once. And a whole transaction allocates 11 times (INVITE
// answered 200), 5 (INVITE answered 486 and ACKed) or 5 (OPTIONS answered
// 200), down from 13, 12 (15 with four resends) and 5 when each arming
// took a closure and each timer a clock timer of its own.
func TestServerTxAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	once := testing.AllocsPerRun(100, serverTxRun("INVITE", 486, 1))
	four := testing.AllocsPerRun(100, serverTxRun("INVITE", 486, 15)) // at T1, 3*T1, 7*T1, 15*T1
	if four != once {
		t.Errorf("INVITE 486: %v allocations when resent four times, %v when resent once", four, once)
	}
	for _, c := range []struct {
		method string
		code   int
		limit  float64
	}{{"INVITE", 200, 11}, {"INVITE", 486, 5}, {"OPTIONS", 200, 5}} {
		if n := testing.AllocsPerRun(100, serverTxRun(c.method, c.code, 1)); n > c.limit {
			t.Errorf("%s %d: %v allocations a transaction, want at most %v", c.method, c.code, n, c.limit)
		}
	}
}
