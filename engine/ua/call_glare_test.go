package ua

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
)

// After a 491 the re-INVITE is retried after a random interval (RFC 3261
// §14.1): 2.1 to 4 s for the owner of the Call-ID (the caller), 0 to 2 s
// for the other side, on the virtual clock.
func TestGlareRetryInterval(t *testing.T) {
	const r491 = `
SIP/2.0 491 Request Pending
Via: {via}
From: {from}
To: {to}
Call-ID: {callid}
CSeq: {cseq}
`
	ack := `
ACK sip:{user}@{uaaddr} SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: <sip:raw@10.0.0.9>;tag={fromtag}
To: {to}
Call-ID: {callid}
CSeq: 1 ACK
`
	for seed := range uint64(10) {
		seeded := func(c *Config, _ *AccountConfig) { c.Rand = rand.New(rand.NewPCG(seed, 99)) }
		for _, owner := range []bool{true, false} {
			w := newWorld(t, 1)
			p := w.peer("alice", "10.0.0.1", seeded)
			r := w.raw("10.0.0.9")
			var c *Call
			if owner {
				c, _ = confirmRaw(t, w, p, r)
			} else {
				p.onCall = func(c *Call) { c.Answer() }
				v := r.invite(p, "", rawSDP(1, "sendrecv"))
				w.run(10 * time.Millisecond)
				ok := r.take("200 INVITE")
				v["to"], v["branch"] = ok.Get("To"), sip.NewBranch() // the ACK of a 2xx is a transaction of its own
				r.send(p.addr, ack, "", v)
				w.run(10 * time.Millisecond)
				c = p.last()
			}
			if c.State() != Confirmed {
				t.Fatalf("state %v", c.State())
			}
			if err := c.Hold(); err != nil {
				t.Fatal(err)
			}
			w.run(10 * time.Millisecond)
			first := r.take("INVITE")
			at := w.clk.Now()
			r.reply(first, r491, "")
			w.run(5 * time.Second)
			retry := r.next("INVITE")
			if retry == nil {
				t.Fatalf("owner %v: no retry: %s", owner, r.kinds())
			}
			var got time.Duration
			for _, g := range r.got {
				if g.msg == retry {
					got = g.at.Sub(at)
				}
			}
			lo, hi := time.Duration(0), 2*time.Second
			if owner {
				lo, hi = 2100*time.Millisecond, 4*time.Second
			}
			if got < lo || got > hi {
				t.Errorf("seed %d owner %v: retry after %v, want %v-%v", seed, owner, got, lo, hi)
			}
			if cs, _ := retry.CSeq(); cs.Seq <= mustSeq(first) {
				t.Errorf("retry CSeq %d", cs.Seq)
			}
		}
	}
}

// An UPDATE with an offer crosses a re-INVITE with one: both get 491
// (RFC 3311 §5.2), both retry, the callee first, and both changes are
// made.
func TestGlareUpdateReinvite(t *testing.T) {
	w := newWorld(t, 1)
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
	if err := bc.Reoffer("UPDATE"); err != nil {
		t.Fatal(err)
	}
	w.run(200 * time.Millisecond)
	alice.wantEvents()
	bob.wantEvents()
	if am, bm := alice.media[ac], bob.media[bc]; am.rollbacks != 1 || bm.rollbacks != 1 {
		t.Fatalf("rollbacks %d %d: no 491 both ways", am.rollbacks, bm.rollbacks)
	}
	w.run(2 * time.Second) // bob's UPDATE is retried within 2 s
	alice.wantEvents("MediaUpdated")
	bob.wantEvents("MediaUpdated")
	w.run(2 * time.Second) // alice's re-INVITE within 4 s
	alice.wantEvents("MediaUpdated")
	bob.wantEvents("MediaUpdated")
	if !ac.Held() || alice.media[ac].dir != "sendonly" || bob.media[bc].dir != "recvonly" {
		t.Errorf("held %v, directions %q %q", ac.Held(), alice.media[ac].dir, bob.media[bc].dir)
	}
}
