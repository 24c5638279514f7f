package ua

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/testkit"
)

func (p *peer) callWith(q *peer, opts CallOptions) *Call {
	p.t.Helper()
	c, err := p.acc.Call(mustURI("sip:"+q.name+"@"+q.addr.String()), opts)
	if err != nil {
		p.t.Fatal(err)
	}
	p.calls = append(p.calls, c)
	return c
}

func rel100Required(c *Config, _ *AccountConfig) { c.Rel100 = Rel100Required }

// A reliable 183 with early media (RFC 3262): the callee requires 100rel
// or the caller does. The 183 is retransmitted until its PRACK (the first
// PRACK is lost), and an Answer made meanwhile waits for the PRACK.
func TestRel100EarlyMedia(t *testing.T) {
	for _, side := range []string{"callee", "caller"} {
		t.Run(side, func(t *testing.T) {
			w := newWorld(t, 1)
			var atune, btune func(*Config, *AccountConfig)
			if side == "callee" {
				btune = rel100Required
			} else {
				atune = rel100Required
			}
			alice := w.peer("alice", "10.0.0.1", atune)
			bob := w.peer("bob", "10.0.0.2", btune)
			w.net.Impair(alice.addr, bob.addr, testkit.Impairment{Delay: 20 * time.Millisecond})
			w.net.Impair(bob.addr, alice.addr, testkit.Impairment{Delay: 20 * time.Millisecond})
			ac := alice.call(bob)
			w.run(30 * time.Millisecond)
			bc := bob.last()
			if err := bc.Ring(183, true); err != nil {
				t.Fatal(err)
			}
			if err := bc.Ring(180, false); err != ErrPending {
				t.Errorf("second reliable 18x before the PRACK: %v", err)
			}
			w.run(25 * time.Millisecond) // the 183 is in, its PRACK on the way
			alice.wantEvents("Early 183", "MediaUpdated")
			w.net.Cut(alice.addr, bob.addr) // the PRACK is lost
			w.run(30 * time.Millisecond)
			w.net.Restore(alice.addr, bob.addr)
			sent := w.net.Stats(bob.addr, alice.addr).Sent
			if err := bc.Answer(); err != nil {
				t.Fatal(err)
			}
			if bc.State() != Early {
				t.Fatalf("answered before the PRACK: %v", bc.State())
			}
			w.run(400 * time.Millisecond)
			if ac.State() != Early || w.net.Stats(bob.addr, alice.addr).Sent != sent {
				t.Fatalf("200 before the PRACK: %v", ac.State())
			}
			w.run(time.Second) // the 183 and the PRACK are retransmitted
			if w.net.Stats(bob.addr, alice.addr).Sent < sent+2 {
				t.Error("183 not retransmitted")
			}
			alice.wantEvents("Confirmed 200")
			bob.wantEvents("Early 183", "Connecting 200", "Confirmed 200")
			if am, bm := alice.media[ac], bob.media[bc]; am.dir != "sendrecv" || bm.dir != "sendrecv" || am.offered {
				t.Errorf("media %q %q offered %v", am.dir, bm.dir, am.offered)
			}
			ac.Hangup("")
			w.settle()
			if alice.ua.Calls()+bob.ua.Calls() != 0 || w.clk.Pending() != 0 {
				t.Errorf("left %d+%d calls, %d timers", alice.ua.Calls(), bob.ua.Calls(), w.clk.Pending())
			}
		})
	}
}

// No PRACK in 64*T1: the callee refuses the INVITE with 504 (RFC 3262
// §3).
func TestRel100NoPrack(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", rel100Required)
	ac := alice.call(bob)
	w.run(10 * time.Millisecond)
	w.net.Impair(alice.addr, bob.addr, testkit.Impairment{Loss: 1})
	bob.last().Ring(180, false)
	w.run(31 * time.Second)
	bob.wantEvents("Early 180")
	w.run(2 * time.Second)
	bob.wantEvents("Disconnected 504")
	alice.wantEvents("Early 180", "Disconnected 504")
	if ac.State() != Disconnected {
		t.Errorf("caller %v", ac.State())
	}
}

// Delayed offer (CallOptions.NoOffer): the callee offers in its reliable
// 183 and the caller answers in the PRACK (RFC 3262 §5); or the callee
// offers in its 200 and the caller answers in the ACK (RFC 3261 §13.2.1).
func TestDelayedOffer(t *testing.T) {
	t.Run("PRACK", func(t *testing.T) {
		w := newWorld(t, 1)
		alice := w.peer("alice", "10.0.0.1", nil)
		bob := w.peer("bob", "10.0.0.2", rel100Required)
		ac := alice.callWith(bob, CallOptions{NoOffer: true})
		w.run(10 * time.Millisecond)
		if len(alice.ua.calls) != 1 || len(ac.Request().Body()) != 0 {
			t.Fatal("INVITE with a body")
		}
		bc := bob.last()
		if err := bc.Ring(183, true); err != nil {
			t.Fatal(err)
		}
		w.run(10 * time.Millisecond)
		alice.wantEvents("Early 183", "MediaUpdated")
		bob.wantEvents("Early 183", "MediaUpdated")
		am, bm := alice.media[ac], bob.media[bc]
		if am.dir != "sendrecv" || bm.dir != "sendrecv" || bm.offered {
			t.Errorf("after the PRACK: %q %q offered %v", am.dir, bm.dir, bm.offered)
		}
		bc.Answer()
		w.run(10 * time.Millisecond)
		alice.wantEvents("Confirmed 200")
		bob.wantEvents("Connecting 200", "Confirmed 200")
		if am.offers+bm.offers != 1 {
			t.Errorf("%d+%d offers, want one", am.offers, bm.offers)
		}
	})
	t.Run("ACK", func(t *testing.T) {
		w := newWorld(t, 1)
		alice := w.peer("alice", "10.0.0.1", nil)
		bob := w.peer("bob", "10.0.0.2", nil)
		bob.onCall = func(c *Call) { c.Answer() }
		ac := alice.callWith(bob, CallOptions{NoOffer: true})
		w.run(10 * time.Millisecond)
		alice.wantEvents("Confirmed 200", "MediaUpdated")
		bob.wantEvents("Connecting 200", "Confirmed 200")
		am, bm := alice.media[ac], bob.media[bob.last()]
		if am.dir != "sendrecv" || bm.dir != "sendrecv" || bm.offered || am.offers != 0 {
			t.Errorf("after the ACK: %q %q offered %v, caller offers %d", am.dir, bm.dir, bm.offered, am.offers)
		}
	})
}
