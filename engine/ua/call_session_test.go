package ua

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

func sessionExpires(d time.Duration) func(*Config, *AccountConfig) {
	return func(c *Config, _ *AccountConfig) { c.SessionExpires = d }
}

func wantInterval(t *testing.T, who string, c *Call, iv time.Duration, refresher bool) {
	t.Helper()
	if got, r := c.SessionInterval(); got != iv || r != refresher {
		t.Errorf("%s: session interval %v refresher %v, want %v %v", who, got, r, iv, refresher)
	}
}

// Session timers (RFC 4028), in both directions: the side that asks for
// them in its INVITE, or the callee on its own. The refresher refreshes at
// half the interval by UPDATE when the peer allows it; when refreshes stop
// (the network is cut) the other side sends BYE at the interval less
// min(32 s, interval/3), §10.
func TestSessionTimer(t *testing.T) {
	for _, tc := range []struct {
		name       string
		atune      func(*Config, *AccountConfig)
		btune      func(*Config, *AccountConfig)
		aRefreshes bool
	}{
		// The caller asks; the callee lets the caller, which supports
		// timers, refresh (§9).
		{"caller", sessionExpires(120 * time.Second), nil, true},
		// The callee sets a timer the caller did not ask for, and
		// refreshes itself.
		{"callee", nil, sessionExpires(120 * time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1)
			alice := w.peer("alice", "10.0.0.1", tc.atune)
			bob := w.peer("bob", "10.0.0.2", tc.btune)
			var inv *sip.Message // a confirmed call lets go of its INVITE
			bob.onCall = func(c *Call) { inv = c.Request(); c.Answer() }
			ac := alice.call(bob)
			w.run(10 * time.Millisecond)
			bc := bob.last()
			alice.events, bob.events = nil, nil
			wantInterval(t, "alice", ac, 120*time.Second, tc.aRefreshes)
			wantInterval(t, "bob", bc, 120*time.Second, !tc.aRefreshes)
			if tc.name == "caller" && !inv.HasToken("Supported", "timer") {
				t.Error("INVITE without Supported: timer")
			}
			offers := alice.media[ac].offers + bob.media[bc].offers
			w.run(59 * time.Second)
			for range 3 { // refreshes at 60, 120 and 180 s
				alice.wantEvents()
				bob.wantEvents()
				w.run(2 * time.Second)
				alice.wantEvents("Refreshed")
				bob.wantEvents("Refreshed")
				w.run(58 * time.Second)
			}
			if n := alice.media[ac].offers + bob.media[bc].offers; n != offers {
				t.Errorf("refreshes made %d offers: not UPDATE", n-offers)
			}
			wantInterval(t, "alice", ac, 120*time.Second, tc.aRefreshes)
			wantInterval(t, "bob", bc, 120*time.Second, !tc.aRefreshes)

			// Refreshes stop at 240 s: the other side ends the call at
			// 180 + 120 - 32 s; the refresher when its UPDATE times out.
			w.net.Cut(alice.addr, bob.addr)
			refresher, other := alice, bob
			if !tc.aRefreshes {
				refresher, other = bob, alice
			}
			w.run(28 * time.Second) // 267 s
			other.wantEvents()
			w.run(2 * time.Second)
			other.wantEvents("Disconnected 408")
			refresher.wantEvents()
			w.run(4 * time.Second) // 240 + 64*T1
			refresher.wantEvents("Disconnected 408")
			w.settle()
			if alice.ua.Calls()+bob.ua.Calls() != 0 || w.clk.Pending() != 0 {
				t.Errorf("left %d+%d calls, %d timers", alice.ua.Calls(), bob.ua.Calls(), w.clk.Pending())
			}
		})
	}
}

// A 422 with Min-SE: the caller asks again with that interval (RFC 4028
// §7.4), and the call is set up with it.
func TestSessionTimer422(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", sessionExpires(120*time.Second))
	bob := w.peer("bob", "10.0.0.2", func(c *Config, _ *AccountConfig) { c.MinSE = 180 * time.Second })
	var inv *sip.Message // a confirmed call lets go of its INVITE
	bob.onCall = func(c *Call) { inv = c.Request(); c.Answer() }
	ac := alice.call(bob)
	w.run(10 * time.Millisecond)
	alice.wantEvents("Confirmed 200", "MediaUpdated")
	if len(bob.calls) != 1 {
		t.Fatalf("%d calls reached bob", len(bob.calls))
	}
	bc := bob.last()
	if se, min := inv.Get("Session-Expires"), inv.Get("Min-SE"); se != "180" || min != "180" {
		t.Errorf("retry Session-Expires %q Min-SE %q", se, min)
	}
	wantInterval(t, "alice", ac, 180*time.Second, true)
	wantInterval(t, "bob", bc, 180*time.Second, false)
}

// A peer that does not allow UPDATE is refreshed by re-INVITE with the
// session as it stands (RFC 4028 §7.4); the 2xx that set the timer asked
// us to refresh with Require: timer.
func TestSessionTimerReinvite(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", sessionExpires(90*time.Second))
	r := w.raw("10.0.0.9")
	c, v := callRaw(t, w, alice, r)
	if se := r.got[0].msg.Get("Session-Expires"); se != "90" {
		t.Errorf("INVITE Session-Expires %q", se)
	}
	ok := `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=b1
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw@10.0.0.9:5060>
Allow: INVITE, ACK, CANCEL, BYE
Session-Expires: 90;refresher=uac
Require: timer
Content-Type: application/sdp
`
	r.send(alice.addr, ok, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	r.take("ACK")
	wantInterval(t, "alice", c, 90*time.Second, true)
	alice.events = nil
	w.run(44 * time.Second)
	if r.next("INVITE") != nil || r.next("UPDATE") != nil {
		t.Fatal("refreshed before half the interval")
	}
	w.run(2 * time.Second)
	inv := r.take("INVITE")
	if se := inv.Get("Session-Expires"); se != "90;refresher=uac" {
		t.Errorf("re-INVITE Session-Expires %q", se)
	}
	if sdpDir(inv.Body()) != "sendrecv" {
		t.Errorf("re-INVITE offer %q", inv.Body())
	}
	r.reply(inv, ok, rawSDP(2, "sendrecv"))
	w.run(10 * time.Millisecond)
	r.take("ACK")
	alice.wantEvents("MediaUpdated")
	wantInterval(t, "alice", c, 90*time.Second, true)
	w.run(43 * time.Second) // 90 s
	if n := r.countTx("INVITE"); n != 2 {
		t.Fatalf("%d INVITEs: second refresh too early", n)
	}
	w.run(2 * time.Second)
	if n := r.countTx("INVITE"); n != 3 {
		t.Fatalf("%d INVITEs: no second refresh", n)
	}
}

// With a session timer running, the peer's hold re-INVITE refreshes the
// session too, and each side hears one MediaUpdated, as for a hold
// without timer: Refreshed is for refreshes without offer.
func TestSessionTimerHold(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", sessionExpires(120*time.Second))
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Answer() }
	ac := alice.call(bob)
	w.run(30 * time.Second)
	bc := bob.last()
	alice.events, bob.events = nil, nil
	if err := bc.Hold(); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	alice.wantEvents("MediaUpdated")
	bob.wantEvents("MediaUpdated")
	// The hold refreshed the session: the next refresh is 60 s after it.
	if iv, _ := ac.SessionInterval(); iv != 120*time.Second {
		t.Errorf("interval %v", iv)
	}
	w.run(58 * time.Second)
	alice.wantEvents()
	w.run(time.Second)
	alice.wantEvents("Refreshed")
	bob.wantEvents("Refreshed")
}
