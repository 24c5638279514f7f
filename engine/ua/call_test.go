package ua

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/testkit"
)

// A basic call: INVITE with offer, 180, 200 with answer, ACK, BYE. Both
// sides end Disconnected, and afterwards nothing of the call is left:
// no dialog, no timer, no transaction.
func TestCallBasic(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) {
		if c.Remote().URI.User != "alice" {
			t.Errorf("caller %v", c.Remote())
		}
		if err := c.Ring(180, false); err != nil {
			t.Error(err)
		}
	}
	ac := alice.call(bob)
	w.run(time.Second)
	alice.wantEvents("Early 180")
	bob.wantEvents("Early 180")
	bc := bob.last()
	if err := bc.Answer(); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	alice.wantEvents("Confirmed 200", "MediaUpdated")
	bob.wantEvents("Connecting 200", "Confirmed 200")
	if ac.State() != Confirmed || bc.State() != Confirmed {
		t.Fatalf("states %v %v", ac.State(), bc.State())
	}
	if am, bm := alice.media[ac], bob.media[bc]; am.dir != "sendrecv" || bm.dir != "sendrecv" {
		t.Errorf("directions %q %q", am.dir, bm.dir)
	}

	// An idle confirmed call without session timer arms nothing.
	w.settle()
	if n := w.clk.Pending(); n != 0 {
		t.Errorf("%d timers armed by an idle confirmed call", n)
	}
	if c, s := alice.ua.Transactions().Len(); c+s != 0 {
		t.Errorf("alice transactions %d+%d", c, s)
	}

	if err := ac.Hangup(""); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	alice.wantEvents("Disconnected 200")
	bob.wantEvents("Disconnected 200")
	w.settle()
	for _, p := range []*peer{alice, bob} {
		if p.ua.Calls() != 0 || len(p.ua.dialogs) != 0 || len(p.ua.invites) != 0 {
			t.Errorf("%s keeps %d calls, %d dialogs, %d invites", p.name, p.ua.Calls(), len(p.ua.dialogs), len(p.ua.invites))
		}
		if c, s := p.ua.Transactions().Len(); c+s != 0 {
			t.Errorf("%s transactions %d+%d", p.name, c, s)
		}
	}
	if n := w.clk.Pending(); n != 0 {
		t.Errorf("%d timers armed after the call", n)
	}
	if !alice.media[ac].closed || !bob.media[bc].closed {
		t.Error("media not closed")
	}
}

// The caller hangs up while it rings: CANCEL, 487, both Disconnected.
func TestCallCancel(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Ring(180, false) }
	ac := alice.call(bob)
	w.run(time.Second)
	ac.Hangup(`SIP;cause=480;text="gone"`)
	w.run(time.Second)
	alice.wantEvents("Early 180", "Disconnected 487")
	bob.wantEvents("Early 180", "Disconnected 487")
	w.settle()
	if alice.ua.Calls()+bob.ua.Calls() != 0 || w.clk.Pending() != 0 {
		t.Errorf("left: %d %d calls, %d timers", alice.ua.Calls(), bob.ua.Calls(), w.clk.Pending())
	}
}

// The callee rejects: the caller ends with that status.
func TestCallReject(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Reject(486, "") }
	alice.call(bob)
	w.run(time.Second)
	alice.wantEvents("Disconnected 486")
	bob.wantEvents("Disconnected 486")
}

// Hold and resume by re-INVITE in both directions.
func TestCallHoldResume(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Answer() }
	ac := alice.call(bob)
	w.run(time.Second)
	bc := bob.last()
	alice.events, bob.events = nil, nil

	if err := ac.Hold(); err != nil {
		t.Fatal(err)
	}
	if err := ac.Hold(); err != ErrPending {
		t.Errorf("second change at once: %v", err)
	}
	w.run(time.Second)
	alice.wantEvents("MediaUpdated")
	bob.wantEvents("MediaUpdated")
	if !ac.Held() || alice.media[ac].dir != "sendonly" || bob.media[bc].dir != "recvonly" {
		t.Errorf("hold: held %v, directions %q %q", ac.Held(), alice.media[ac].dir, bob.media[bc].dir)
	}
	if err := bc.Hold(); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	if err := ac.Resume(); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	if err := bc.Resume(); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	if ac.Held() || bc.Held() || alice.media[ac].dir != "sendrecv" || bob.media[bc].dir != "sendrecv" {
		t.Errorf("resumed: %v %v %q %q", ac.Held(), bc.Held(), alice.media[ac].dir, bob.media[bc].dir)
	}
	alice.wantEvents("MediaUpdated", "MediaUpdated", "MediaUpdated")
	bob.wantEvents("MediaUpdated", "MediaUpdated", "MediaUpdated")
	ac.Hangup("")
	w.settle()
	alice.wantEvents("Disconnected 200")
	bob.wantEvents("Disconnected 200")
}

// Glare: both sides re-INVITE at once, both get 491, each retries after
// its §14.1 interval, and both changes succeed.
func TestCallGlare(t *testing.T) {
	w := newWorld(t, 3)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Answer() }
	ac := alice.call(bob)
	w.run(time.Second)
	bc := bob.last()
	alice.events, bob.events = nil, nil
	w.net.Impair(alice.addr, bob.addr, testkit.Impairment{Delay: 50 * time.Millisecond})
	w.net.Impair(bob.addr, alice.addr, testkit.Impairment{Delay: 50 * time.Millisecond})
	if err := ac.Hold(); err != nil {
		t.Fatal(err)
	}
	if err := bc.Hold(); err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Second)
	alice.wantEvents("MediaUpdated", "MediaUpdated")
	bob.wantEvents("MediaUpdated", "MediaUpdated")
	if !ac.Held() || !bc.Held() {
		t.Errorf("held %v %v", ac.Held(), bc.Held())
	}
	// The initial offer, the hold that met 491, and its retry; each
	// refused offer rolled back.
	if am, bm := alice.media[ac], bob.media[bc]; am.offers != 3 || bm.offers != 2 || am.rollbacks != 1 || bm.rollbacks != 1 {
		t.Errorf("offers %d %d, rollbacks %d %d: no glare?", am.offers, bm.offers, am.rollbacks, bm.rollbacks)
	}
}

// A removed account hangs up its calls, refuses new ones, and requests
// for it go to the remaining account.
func TestAccountRemove(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Answer() }
	alice.call(bob)
	w.run(time.Second)
	alice.events, bob.events = nil, nil
	alice.acc.Remove()
	w.run(time.Second)
	alice.wantEvents("Disconnected 200")
	bob.wantEvents("Disconnected 200")
	if _, err := alice.acc.Call(mustURI("sip:bob@10.0.0.2"), CallOptions{}); err != ErrState {
		t.Errorf("call from a removed account: %v", err)
	}
	if len(alice.ua.Accounts()) != 0 {
		t.Errorf("accounts left: %d", len(alice.ua.Accounts()))
	}
	// With no account left, an INVITE finds nobody.
	bob.call(alice)
	w.run(time.Second)
	bob.wantEvents("Disconnected 404")
}

// The callee's media takes the offer only when the answer goes out: while
// it rings without early media nothing is sent from the device (its
// microphone stays off), and an offer its media refuses is answered 488
// when the app answers.
func TestNoMediaBeforeAnswer(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Ring(180, false) }
	alice.call(bob)
	w.run(time.Second)
	bc := bob.last()
	if m := bob.media[bc]; m.remote != "" || m.dir != "" {
		t.Fatalf("bob's media answered before the call was: %q", m.dir)
	}
	bc.Answer()
	w.run(time.Second)
	if m := bob.media[bc]; m.dir != "sendrecv" {
		t.Errorf("after the answer: %q", m.dir)
	}

	bob.onCall = func(c *Call) { bob.media[c].refuse = true }
	alice.events, bob.events = nil, nil
	alice.call(bob)
	w.run(time.Second)
	if err := bob.last().Answer(); err == nil {
		t.Error("an offer the media refuses was answered")
	}
	w.run(time.Second)
	alice.wantEvents("Disconnected 488")
	bob.wantEvents("Disconnected 488")
}
