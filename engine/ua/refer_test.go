package ua

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// connect has p call q, q answer, and returns both calls confirmed.
func connect(t *testing.T, w *world, p, q *peer) (*Call, *Call) {
	t.Helper()
	prev := q.onCall
	q.onCall = func(c *Call) { c.Answer() }
	pc := p.call(q)
	w.run(time.Second)
	q.onCall = prev
	qc := q.last()
	if pc.State() != Confirmed || qc.State() != Confirmed {
		t.Fatalf("%s→%s not up: %v %v", p.name, q.name, pc.State(), qc.State())
	}
	p.events, q.events = nil, nil
	return pc, qc
}

// Blind transfer (RFC 3515, RFC 5589 §6): alice, in a call with bob, asks
// bob to call carol. bob's app accepts; carol's INVITE carries
// Referred-By alice; alice hears 202, then the sipfrag progress 100, 180,
// 200 and the end. Then carol refusing (486) is reported as the final
// failure, a target bob's app will not call gets 403, and without the
// callback 603.
func TestTransferBlind(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	bob, be := w.evPeer("bob", "10.0.0.2", nil)
	carol := w.peer("carol", "10.0.0.3", nil)
	ab, ba := connect(t, w, alice, bob)
	be.onTransfer = func(tr *Transfer) {
		if tr.Call() != bob.last() || tr.Target().User == "" || tr.Replaces() != "" {
			t.Errorf("transfer of %v to %v", tr.Call(), tr.Target())
		}
		if strings.HasPrefix(tr.Target().User, "900") {
			tr.Reject(403) // no premium numbers
			return
		}
		if err := tr.Accept(CallOptions{}); err != nil {
			t.Error(err)
		}
	}
	var invite *sip.Message
	carol.onCall = func(c *Call) {
		invite = c.Request()
		c.Ring(180, false)
	}
	if err := ab.Transfer(mustURI("sip:carol@10.0.0.3:5060")); err != nil {
		t.Fatal(err)
	}
	if ab.Transfer(mustURI("sip:carol@10.0.0.3:5060")) != ErrPending {
		t.Error("a second transfer under way")
	}
	w.run(time.Second)
	want(t, "alice", &ae.progress, "202", "100", "180")
	if invite == nil || !strings.Contains(invite.Get("Referred-By"), "sip:alice@10.0.0.1") {
		t.Fatalf("carol's INVITE: %v", invite)
	}
	nc := be.transfers[0].NewCall()
	if nc == nil || nc.State() != Early {
		t.Fatalf("bob's new call %v", nc)
	}
	carol.last().Answer()
	w.run(time.Second)
	want(t, "alice", &ae.progress, "200 final")
	if nc.State() != Confirmed || ab.State() != Confirmed {
		t.Errorf("states: new %v, original %v", nc.State(), ab.State())
	}
	ab.Hangup("") // the transferor leaves, as RFC 5589 §6 has it
	w.run(time.Second)
	if ba.State() != Disconnected || nc.State() != Confirmed {
		t.Errorf("after the hangup: bob's %v, new %v", ba.State(), nc.State())
	}

	// Carol busy: the failure is final.
	ab, _ = connect(t, w, alice, bob)
	carol.onCall = func(c *Call) { c.Reject(486, "") }
	ab.Transfer(mustURI("sip:carol@10.0.0.3:5060"))
	w.run(time.Second)
	want(t, "alice", &ae.progress, "202", "100", "486 final")

	// A target bob's app refuses.
	ab.Transfer(mustURI("sip:900123@10.0.0.3:5060"))
	w.run(time.Second)
	want(t, "alice", &ae.progress, "403 final")

	// No Transfer callback: declined.
	dave := w.peer("dave", "10.0.0.4", nil)
	ad, _ := connect(t, w, alice, dave)
	ad.Transfer(mustURI("sip:carol@10.0.0.3:5060"))
	w.run(time.Second)
	want(t, "alice", &ae.progress, "603 final")
	if len(dave.calls) != 1 {
		t.Error("dave called")
	}
	w.settle()
	if len(bob.ua.es.referred) != 0 || len(alice.ua.es.referring) != 0 {
		t.Errorf("transfers left: %d %d", len(bob.ua.es.referred), len(alice.ua.es.referring))
	}
}

// Attended transfer (RFC 5589 §7): alice talks to bob, then to carol, and
// transfers bob to carol with Replaces naming her call with carol (RFC
// 3891). bob's INVITE to carol replaces that call: carol's app hears the
// new call with Replacing, it is answered at once, and the old call ends
// with BYE, which alice sees. alice hears the success.
func TestTransferAttended(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	bob, be := w.evPeer("bob", "10.0.0.2", nil)
	carol := w.peer("carol", "10.0.0.3", nil)
	ab, _ := connect(t, w, alice, bob)
	ac, ca := connect(t, w, alice, carol)
	be.onTransfer = func(tr *Transfer) {
		if tr.Replaces() == "" || tr.Target().User != "carol" {
			t.Errorf("target %v replaces %q", tr.Target(), tr.Replaces())
		}
		tr.Accept(CallOptions{})
	}
	var replacing *Call
	var invite *sip.Message
	carol.onCall = func(c *Call) { replacing, invite = c.Replacing(), c.Request() }
	if err := ab.TransferTo(ac); err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	if replacing != ca {
		t.Fatalf("carol's new call replaces %v, want her call with alice", replacing)
	}
	if !invite.HasToken("Require", "replaces") || invite.Get("Replaces") == "" {
		t.Errorf("INVITE with Replaces:\n%s", invite)
	}
	nc := carol.last()
	if nc.State() != Confirmed || ca.State() != Disconnected || ac.State() != Disconnected {
		t.Errorf("carol new %v old %v, alice's %v", nc.State(), ca.State(), ac.State())
	}
	want(t, "alice", &ae.progress, "202", "100", "200 final")
	if bc := be.transfers[0].NewCall(); bc.State() != Confirmed {
		t.Errorf("bob's call to carol %v", bc.State())
	}
}

// An INVITE with Replaces that matches no call gets 481, one early-only
// for a confirmed call 486, one for an early call we did not place 481
// (RFC 3891 §3); a REFER out of a dialog 403.
func TestRawReplacesRefused(t *testing.T) {
	w := newWorld(t, 1)
	bob := w.peer("bob", "10.0.0.2", nil)
	r := w.raw("10.0.0.9")
	r.invite(bob, "Replaces: nosuch;to-tag=a;from-tag=b\n", rawSDP(1, "sendrecv"))
	w.run(10 * time.Millisecond)
	r.take("481 INVITE")

	bob.onCall = func(c *Call) { c.Answer() }
	v := r.invite(bob, "", rawSDP(1, "sendrecv"))
	w.run(10 * time.Millisecond)
	ok := r.take("200 INVITE")
	to, _ := ok.To()
	r.send(bob.addr, `
ACK sip:bob@10.0.0.2:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={b}
Max-Forwards: 70
From: <sip:raw@10.0.0.9>;tag={fromtag}
To: <sip:bob@10.0.0.2:5060>;tag={totag}
Call-ID: {callid}
CSeq: 1 ACK
`, "", map[string]string{"b": sip.NewBranch(), "fromtag": v["fromtag"], "totag": to.Tag(), "callid": v["callid"]})
	w.run(10 * time.Millisecond)
	if bob.last().State() != Confirmed {
		t.Fatalf("state %v", bob.last().State())
	}
	r.invite(bob, "Replaces: "+v["callid"]+";to-tag="+to.Tag()+";from-tag="+v["fromtag"]+";early-only\n", rawSDP(1, "sendrecv"))
	w.run(10 * time.Millisecond)
	r.take("486 INVITE")

	bob.onCall = func(c *Call) { c.Ring(180, false) }
	v2 := r.invite(bob, "", rawSDP(1, "sendrecv"))
	w.run(10 * time.Millisecond)
	ring := r.take("180 INVITE")
	to, _ = ring.To()
	r.invite(bob, "Replaces: "+v2["callid"]+";to-tag="+to.Tag()+";from-tag="+v2["fromtag"]+"\n", rawSDP(1, "sendrecv"))
	w.run(10 * time.Millisecond)
	r.take("481 INVITE")
	if len(bob.calls) != 2 {
		t.Errorf("%d calls reached bob's app", len(bob.calls))
	}

	r.ood(bob, "REFER", "Refer-To: <sip:900@10.0.0.9>\n", "")
	w.run(10 * time.Millisecond)
	r.take("403 REFER")
}

// A REFER in a call from a scripted peer: the Refer-To is checked (one,
// a SIP URI), and the NOTIFYs of the implicit subscription carry the
// Event id of the REFER's CSeq and sipfrag bodies; the last one
// terminates it (RFC 3515 §2.4.4-§2.4.6).
func TestRawReferNotifies(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	carol := w.peer("carol", "10.0.0.3", nil)
	carol.onCall = func(c *Call) { c.Reject(480, "") }
	ae.onTransfer = func(tr *Transfer) { tr.Accept(CallOptions{}) }
	r := w.raw("10.0.0.9")
	_, v := confirmRaw(t, w, alice, r)
	// The raw peer answered alice's INVITE: its requests swap From and To.
	refer := func(cseq int, extra string) {
		r.send(alice.addr, `
REFER sip:alice@10.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: {to};tag=b1
To: {from}
Call-ID: {callid}
CSeq: `+itoa(cseq)+` REFER
Contact: <sip:raw@10.0.0.9:5060>
`+extra, "", map[string]string{"branch": sip.NewBranch(), "to": v["to"], "from": v["from"], "callid": v["callid"]})
		w.run(10 * time.Millisecond)
	}
	refer(2, "")
	r.take("400 REFER")
	refer(3, "Refer-To: <http://example.com/>\n")
	r.take("416 REFER")
	refer(4, "Refer-To: <sip:carol@10.0.0.3:5060?Foo=bar>\n")
	r.take("202 REFER")
	var notes []string
	for {
		n := r.next("NOTIFY")
		if n == nil {
			break
		}
		if n.Get("Event") != "refer;id=4" || !strings.HasPrefix(n.Get("Content-Type"), "message/sipfrag") {
			t.Errorf("NOTIFY:\n%s", n)
		}
		notes = append(notes, strings.TrimSpace(string(n.Body()))+" | "+n.Get("Subscription-State"))
		r.reply(n, "SIP/2.0 200 OK\nVia: {via}\nFrom: {from}\nTo: {to}\nCall-ID: {callid}\nCSeq: {cseq}\n", "")
		w.run(10 * time.Millisecond)
	}
	if got := strings.Join(notes, "\n"); got != "SIP/2.0 100 Trying | active;expires=300\nSIP/2.0 480 Temporarily Unavailable | terminated;reason=noresource" {
		t.Errorf("NOTIFYs:\n%s", got)
	}
	if inv := carol.last().Request(); inv != nil && inv.Has("Foo") {
		t.Error("a header of Refer-To reached the INVITE")
	}
}
