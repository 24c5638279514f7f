package ua

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// Account.NetworkChanged during a call: a re-INVITE tells the peer our
// new Contact (RFC 3261 §12.2.1.1), whose dialog then sends its next
// request, the BYE, to the new address.
func TestNetworkChanged(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Answer() }
	moved := netip.MustParseAddrPort("10.0.0.5:5060")
	w.net.Endpoint(transport.UDP, moved, &uaRelay{ua: alice.ua}) // alice's new address
	ac := alice.call(bob)
	w.run(time.Second)
	bc := bob.last()
	alice.events, bob.events = nil, nil

	err := alice.acc.NetworkChanged(mustURI("sip:alice@10.0.0.5:5060"), sip.Via{Transport: "UDP", Host: "10.0.0.5", Port: 5060})
	if err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	alice.wantEvents("MediaUpdated")
	bob.wantEvents("MediaUpdated")
	if got := bc.Dialog().RemoteTarget().String(); got != "sip:alice@10.0.0.5:5060" {
		t.Fatalf("bob's remote target %s", got)
	}
	if got := ac.Dialog().LocalTarget().URI.String(); got != "sip:alice@10.0.0.5:5060" {
		t.Errorf("alice's local target %s", got)
	}
	before := w.net.Stats(bob.addr, moved).Delivered
	bc.Hangup("")
	w.run(time.Second)
	if w.net.Stats(bob.addr, moved).Delivered == before {
		t.Error("the BYE did not go to the new address")
	}
	alice.wantEvents("Disconnected 200")
	bob.wantEvents("Disconnected 200")
}

// A full call — INVITE, 180, 200, ACK, hold, resume, BYE — at 20% loss
// each way ends right on both sides, and nothing is left once the
// network has settled: no call, dialog, transaction or timer.
func TestCallLossy(t *testing.T) {
	lost := 0
	for seed := range int64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w := newWorld(t, seed)
			alice := w.peer("alice", "10.0.0.1", nil)
			bob := w.peer("bob", "10.0.0.2", nil)
			lossy := testkit.Impairment{Loss: 0.2, Duplicate: 0.05, Reorder: 0.1, Delay: 10 * time.Millisecond, Jitter: 20 * time.Millisecond}
			w.net.Impair(alice.addr, bob.addr, lossy)
			w.net.Impair(bob.addr, alice.addr, lossy)
			bob.onCall = func(c *Call) {
				c.Ring(180, false)
				w.clk.AfterFunc(2*time.Second, func() { c.Answer() })
			}
			ac := alice.call(bob)
			w.run(40 * time.Second)
			if len(bob.calls) != 1 {
				t.Fatalf("bob has %d calls", len(bob.calls))
			}
			bc := bob.last()
			if ac.State() != Confirmed || bc.State() != Confirmed {
				t.Fatalf("set up: %v %v; alice %v bob %v", ac.State(), bc.State(), alice.events, bob.events)
			}
			for _, step := range []func() error{ac.Hold, ac.Resume} {
				alice.events, bob.events = nil, nil
				if err := step(); err != nil {
					t.Fatal(err)
				}
				w.run(40 * time.Second)
				alice.wantEvents("MediaUpdated")
				bob.wantEvents("MediaUpdated")
			}
			if ac.Held() || alice.media[ac].dir != "sendrecv" || bob.media[bc].dir != "sendrecv" {
				t.Errorf("after resume: held %v, %q %q", ac.Held(), alice.media[ac].dir, bob.media[bc].dir)
			}
			ac.Hangup("")
			w.settle()
			alice.wantEvents("Disconnected 200")
			bob.wantEvents("Disconnected 200")
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
			lost += w.net.Stats(alice.addr, bob.addr).Dropped + w.net.Stats(bob.addr, alice.addr).Dropped
		})
	}
	if lost == 0 {
		t.Error("nothing was lost")
	}
	t.Logf("%d messages lost", lost)
}
