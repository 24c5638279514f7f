package ua

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/testkit"
)

// Hangup before any provisional: the CANCEL waits for one (RFC 3261
// §9.1), then the INVITE ends with 487.
func TestHangupCalling(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	c, v := callRaw(t, w, alice, r)
	c.Hangup("")
	alice.wantEvents() // Disconnected waits for the INVITE's final response
	w.run(2 * time.Second)
	if r.count("CANCEL") != 0 {
		t.Fatal("CANCEL before any provisional")
	}
	r.send(alice.addr, `
SIP/2.0 180 Ringing
Via: {via}
From: {from}
To: {to};tag=b1
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw@10.0.0.9:5060>
`, "", v)
	w.run(10 * time.Millisecond)
	cancel := r.take("CANCEL")
	r.reply(cancel, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=b1
Call-ID: {callid}
CSeq: {cseq}
`, "")
	r.send(alice.addr, `
SIP/2.0 487 Request Terminated
Via: {via}
From: {from}
To: {to};tag=b1
Call-ID: {callid}
CSeq: {cseq}
`, "", v)
	w.run(10 * time.Millisecond)
	r.take("ACK")
	alice.wantEvents("Disconnected 487")
	w.settle()
	if alice.ua.Calls() != 0 || len(alice.ua.dialogs) != 0 || w.clk.Pending() != 0 {
		t.Errorf("left %d calls, %d dialogs, %d timers", alice.ua.Calls(), len(alice.ua.dialogs), w.clk.Pending())
	}
	if cl, s := alice.ua.Transactions().Len(); cl+s != 0 {
		t.Errorf("transactions %d+%d", cl, s)
	}
}

// Hangup in each state between two UAs: Calling (before the 100 Trying),
// Early either side, Connecting (callee), Confirmed either side. Both
// sides end Disconnected and nothing is left.
func TestHangupEveryState(t *testing.T) {
	for _, tc := range []struct {
		name      string
		who       string // "alice" (caller) or "bob"
		ring, ans bool
		aWant     []string
		bWant     []string
	}{
		{"Calling", "alice", false, false, []string{"Disconnected 487"}, []string{"Disconnected 487"}},
		{"EarlyCaller", "alice", true, false, []string{"Early 180", "Disconnected 487"}, []string{"Early 180", "Disconnected 487"}},
		{"EarlyCallee", "bob", true, false, []string{"Early 180", "Disconnected 603"}, []string{"Early 180", "Disconnected 603"}},
		{"Connecting", "bob", false, true, []string{"Confirmed 200", "MediaUpdated", "Disconnected 200"}, []string{"Connecting 200", "Disconnected 200"}},
		{"ConfirmedCaller", "alice", false, true, []string{"Confirmed 200", "MediaUpdated", "Disconnected 200"}, []string{"Connecting 200", "Confirmed 200", "Disconnected 200"}},
		{"ConfirmedCallee", "bob", false, true, []string{"Confirmed 200", "MediaUpdated", "Disconnected 200"}, []string{"Connecting 200", "Confirmed 200", "Disconnected 200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1)
			alice := w.peer("alice", "10.0.0.1", nil)
			bob := w.peer("bob", "10.0.0.2", nil)
			w.net.Impair(alice.addr, bob.addr, testkit.Impairment{Delay: 20 * time.Millisecond})
			w.net.Impair(bob.addr, alice.addr, testkit.Impairment{Delay: 20 * time.Millisecond})
			ac := alice.call(bob)
			if tc.name != "Calling" {
				w.run(30 * time.Millisecond)
			}
			bc := func() *Call {
				if len(bob.calls) == 0 {
					return nil
				}
				return bob.last()
			}()
			if tc.ring {
				bc.Ring(180, false)
				w.run(30 * time.Millisecond)
			}
			if tc.ans {
				bc.Answer()
				if tc.name != "Connecting" {
					w.run(100 * time.Millisecond)
				}
			}
			c := ac
			if tc.who == "bob" {
				c = bc
			}
			if err := c.Hangup(""); err != nil {
				t.Fatal(err)
			}
			w.run(5 * time.Second)
			alice.wantEvents(tc.aWant...)
			bob.wantEvents(tc.bWant...)
			w.settle()
			for _, p := range []*peer{alice, bob} {
				if p.ua.Calls() != 0 || len(p.ua.dialogs) != 0 || len(p.ua.invites) != 0 {
					t.Errorf("%s keeps %d calls, %d dialogs, %d invites", p.name, p.ua.Calls(), len(p.ua.dialogs), len(p.ua.invites))
				}
				if cl, s := p.ua.Transactions().Len(); cl+s != 0 {
					t.Errorf("%s transactions %d+%d", p.name, cl, s)
				}
			}
			if n := w.clk.Pending(); n != 0 {
				t.Errorf("%d timers left", n)
			}
		})
	}
}

// A 200 crosses our CANCEL: it is ACKed and the call it set up ended with
// BYE (RFC 3261 §9.1, §15); the callee sees the call confirmed, then
// ended.
func TestHangupCrossing200(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Ring(180, false) }
	w.net.Impair(alice.addr, bob.addr, testkit.Impairment{Delay: 50 * time.Millisecond})
	w.net.Impair(bob.addr, alice.addr, testkit.Impairment{Delay: 50 * time.Millisecond})
	ac := alice.call(bob)
	w.run(time.Second)
	bob.last().Answer()
	ac.Hangup("")
	w.run(5 * time.Second)
	// The 200 that crossed the CANCEL ends the call with our BYE.
	alice.wantEvents("Early 180", "Disconnected 200")
	bob.wantEvents("Early 180", "Connecting 200", "Confirmed 200", "Disconnected 200")
	w.settle()
	if alice.ua.Calls()+bob.ua.Calls() != 0 || w.clk.Pending() != 0 {
		t.Errorf("left %d+%d calls, %d timers", alice.ua.Calls(), bob.ua.Calls(), w.clk.Pending())
	}
}
