package ua

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Between two UAs (RFC 6665): alice subscribes to bob's presence, bob's
// app accepts with a PIDF document and later changes it; alice refreshes
// at the registration's rule (600 s → 540 s) and bob sends the state again;
// alice unsubscribes and both hear the end. Nothing is left behind.
func TestSubscribeNotifyRefreshUnsubscribe(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	bob, be := w.evPeer("bob", "10.0.0.2", nil)
	doc := func(open bool) []byte {
		b, err := Presence{Entity: "sip:bob@10.0.0.2", Tuples: []Tuple{{ID: "t1", Open: open}}}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	be.onSubscribe = func(n *Notifier) {
		if n.Event() != "presence" || n.Expires() != 600*time.Second || n.Account() != bob.acc {
			t.Errorf("SUBSCRIBE %s %v", n.Event(), n.Expires())
		}
		if err := n.Accept(Active, doc(true), PIDFType); err != nil {
			t.Error(err)
		}
	}
	s, err := alice.acc.Subscribe(mustURI("sip:bob@10.0.0.2:5060"), SubscribeOptions{
		Event: "presence", Accept: []string{PIDFType}, Expires: 600 * time.Second, UserData: "u",
	})
	if err != nil {
		t.Fatal(err)
	}
	start := w.clk.Now()
	w.run(100 * time.Millisecond)
	want(t, "alice", &ae.subs, "Active notify application/pidf+xml")
	if s.State() != Active || ae.subOf[0] != s || s.UserData != "u" || s.Origin() != s {
		t.Fatalf("subscription %v", s.State())
	}
	if p, err := ParsePIDF(ae.subEvs[0].Body); err != nil || !p.Open() {
		t.Errorf("PIDF %+v %v", p, err)
	}
	if ev := ae.subEvs[0]; ev.Expires != 600*time.Second {
		t.Errorf("expires %v", ev.Expires)
	}
	n := be.notifiers[0]
	n.Notify(Active, doc(false), PIDFType)
	w.run(100 * time.Millisecond)
	want(t, "alice", &ae.subs, "Active notify application/pidf+xml")
	if p, _ := ParsePIDF(ae.subEvs[1].Body); p.Open() {
		t.Error("closed state not seen")
	}

	// The refresh goes at 540 s, not before.
	w.clk.Advance(start.Add(539 * time.Second).Sub(w.clk.Now()))
	want(t, "bob", &be.nevs)
	w.run(2 * time.Second)
	want(t, "bob", &be.nevs, "Active 10m0s")
	want(t, "alice", &ae.subs, "Active notify application/pidf+xml") // the state again (§4.2.1.2)
	if ev := ae.subEvs[len(ae.subEvs)-1]; ev.Expires != 600*time.Second {
		t.Errorf("expires after refresh %v", ev.Expires)
	}

	if err := s.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if s.Unsubscribe() != ErrPending {
		t.Error("second Unsubscribe")
	}
	w.run(time.Second)
	want(t, "bob", &be.nevs, "Terminated unsubscribed")
	want(t, "alice", &ae.subs, "Terminated notify timeout")
	if s.State() != Terminated || n.State() != Terminated {
		t.Errorf("states %v %v", s.State(), n.State())
	}
	w.settle()
	if w.clk.Pending() != 0 || len(alice.ua.es.subs)+len(alice.ua.es.pending)+len(alice.ua.es.live) != 0 || len(bob.ua.es.notifiers) != 0 {
		t.Errorf("left %d timers, alice %d/%d/%d, bob %d", w.clk.Pending(), len(alice.ua.es.subs), len(alice.ua.es.pending),
			len(alice.ua.es.live), len(bob.ua.es.notifiers))
	}
}

// subscribeRaw has alice subscribe to the scripted peer and returns the
// SUBSCRIBE as it arrived.
func subscribeRaw(t *testing.T, w *world, alice *peer, r *rawPeer, event string) (*Subscription, *sip.Message) {
	t.Helper()
	s, err := alice.acc.Subscribe(mustURI("sip:raw@10.0.0.9:5060"), SubscribeOptions{Event: event, Expires: 600 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	return s, r.take("SUBSCRIBE")
}

// rawNotify sends a NOTIFY of the scripted peer in the dialog of sub
// (the SUBSCRIBE as received) with From tag tag.
func (r *rawPeer) notify(sub *sip.Message, tag string, cseq int, event, state, ctype, body string) {
	r.t.Helper()
	v := msgVars(sub)
	v["tag"], v["n"], v["event"], v["state"] = tag, itoa(cseq), event, state
	ct := ""
	if ctype != "" {
		ct = "Content-Type: " + ctype + "\n"
	}
	r.send(mustAddr(sub), `
NOTIFY sip:alice@10.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: <sip:raw@10.0.0.9:5060>;tag={tag}
To: {from}
Call-ID: {callid}
CSeq: {n} NOTIFY
Contact: <sip:raw-{tag}@10.0.0.9:5060>
Event: {event}
Subscription-State: {state}
`+ct, body, v)
}

// ok200 answers a SUBSCRIBE with 200, To tag tag and Expires exp.
func (r *rawPeer) ok200(req *sip.Message, tag, exp string) {
	r.t.Helper()
	r.reply(req, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=`+tag+`
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw-`+tag+`@10.0.0.9:5060>
Expires: `+exp+`
`, "")
}

// mustAddr is where the sender of req wants requests: its Via's sent-by.
func mustAddr(req *sip.Message) netip.AddrPort {
	via, _ := req.Via()
	return netip.MustParseAddrPort(via.Host + ":" + itoa(via.Port))
}

// A NOTIFY before the 2xx makes the dialog (RFC 6665 §4.1.2.4); the 2xx
// then only says the expiry, and the refresh goes in that dialog (to the
// NOTIFY's Contact, with its tag) at 540 s of 600.
func TestRawNotifyBefore2xx(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	s, sub := subscribeRaw(t, w, alice, r, "message-summary")
	r.notify(sub, "n1", 1, "message-summary", "active;expires=600", MessageSummaryType, "Messages-Waiting: yes\r\nVoice-Message: 2/5\r\n")
	w.run(10 * time.Millisecond)
	r.take("200 NOTIFY")
	want(t, "alice", &ae.subs, "Active notify application/simple-message-summary")
	if ms, err := ParseMessageSummary(ae.subEvs[0].Body); err != nil || ms.Voice.New != 2 || ms.Voice.Old != 5 {
		t.Errorf("summary %+v %v", ms, err)
	}
	at := w.clk.Now()
	r.ok200(sub, "n1", "600")
	w.run(10 * time.Millisecond)
	if s.State() != Active || s.Dialog() == nil || s.Dialog().ID().RemoteTag != "n1" {
		t.Fatalf("state %v", s.State())
	}
	w.clk.Advance(at.Add(539 * time.Second).Sub(w.clk.Now()))
	if r.next("SUBSCRIBE") != nil {
		t.Fatal("refresh before 540 s")
	}
	w.run(2 * time.Second)
	ref := r.take("SUBSCRIBE")
	if to, _ := ref.To(); to.Tag() != "n1" || ref.RawRequestURI() != "sip:raw-n1@10.0.0.9:5060" || ref.Get("Expires") != "600" ||
		ref.Get("Event") != "message-summary" || ref.CallID() != sub.CallID() {
		t.Errorf("refresh:\n%s", ref)
	}
}

// A SUBSCRIBE forked to two notifiers: the 2xx and NOTIFY of the first
// make the subscription's dialog, the NOTIFY of the second a subscription
// of its own (RFC 6665 §4.1.2.4). Once the window of 64*T1 is past, a
// NOTIFY of yet another fork gets 481; so does one with a wrong Event 489.
func TestRawForkedSubscribe(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	s, sub := subscribeRaw(t, w, alice, r, "presence")
	r.ok200(sub, "n1", "600")
	r.notify(sub, "n1", 1, "presence", "active;expires=600", "", "")
	r.notify(sub, "n2", 1, "presence", "pending;expires=600", "", "")
	w.run(10 * time.Millisecond)
	if n := r.count("200 NOTIFY"); n != 2 {
		t.Fatalf("%d NOTIFYs answered 200", n)
	}
	want(t, "alice", &ae.subs, "Active notify", "Pending notify")
	f := ae.subOf[1]
	if f == s || f.Origin() != s || s.State() != Active || f.State() != Pending || f.Dialog().ID().RemoteTag != "n2" {
		t.Fatalf("fork %p of %p: %v %v", f, s, s.State(), f.State())
	}
	r.notify(sub, "n2", 2, "dialog", "active", "", "")
	w.run(10 * time.Millisecond)
	r.take("489 NOTIFY")
	w.run(64 * 500 * time.Millisecond)
	r.notify(sub, "n3", 1, "presence", "active", "", "")
	w.run(10 * time.Millisecond)
	r.take("481 NOTIFY")
	// Each subscription ends on its own.
	r.notify(sub, "n2", 3, "presence", "terminated;reason=noresource", "", "")
	w.run(10 * time.Millisecond)
	want(t, "alice", &ae.subs, "Terminated notify noresource")
	if f.State() != Terminated || s.State() != Active {
		t.Errorf("states %v %v", s.State(), f.State())
	}
}

// A NOTIFY that terminates says whether to subscribe again (RFC 6665
// §4.1.3): probation after its retry-after, deactivated at once, rejected
// never. The retry is a new SUBSCRIBE, a new dialog, the same
// Subscription.
func TestRawTerminatedRetry(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	s, sub := subscribeRaw(t, w, alice, r, "presence")
	r.ok200(sub, "n1", "600")
	r.notify(sub, "n1", 1, "presence", "terminated;reason=probation;retry-after=120", "", "")
	w.run(10 * time.Millisecond)
	want(t, "alice", &ae.subs, "Terminated notify probation retry 2m0s")
	w.run(119 * time.Second)
	if r.next("SUBSCRIBE") != nil {
		t.Fatal("retry before retry-after")
	}
	w.run(time.Second)
	sub2 := r.take("SUBSCRIBE")
	if sub2.CallID() == sub.CallID() || s.State() != Subscribing {
		t.Errorf("retry in the old dialog, or state %v", s.State())
	}
	r.ok200(sub2, "n2", "600")
	r.notify(sub2, "n2", 1, "presence", "terminated;reason=deactivated", "", "")
	w.run(10 * time.Millisecond)
	want(t, "alice", &ae.subs, "Terminated notify deactivated retry 0s")
	sub3 := r.take("SUBSCRIBE")
	r.ok200(sub3, "n3", "600")
	r.notify(sub3, "n3", 1, "presence", "terminated;reason=rejected;retry-after=5", "", "")
	w.run(time.Minute)
	want(t, "alice", &ae.subs, "Terminated notify rejected")
	if r.next("SUBSCRIBE") != nil || s.Unsubscribe() != ErrState {
		t.Error("retried after rejected")
	}
	w.settle()
	if w.clk.Pending() != 0 || len(alice.ua.es.live) != 0 {
		t.Errorf("%d timers, %d subscriptions left", w.clk.Pending(), len(alice.ua.es.live))
	}
}

// A SUBSCRIBE refused with 489 Bad Event ends the subscription for good;
// one challenged is sent again with credentials (auth.Allowed); a 2xx with
// no NOTIFY in 64*T1 fails (Timer N, RFC 6665 §4.1.2.4).
func TestRawSubscribeFailures(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Secret.Username, a.Secret.Password, a.Realm = "alice", "secret", "example.com"
	})
	r := w.raw("10.0.0.9")
	s, sub := subscribeRaw(t, w, alice, r, "foo")
	r.reply(sub, `
SIP/2.0 489 Bad Event
Via: {via}
From: {from}
To: {to};tag=x
Call-ID: {callid}
CSeq: {cseq}
Allow-Events: presence
`, "")
	w.run(time.Minute)
	want(t, "alice", &ae.subs, "Terminated 489")
	if s.State() != Terminated || r.next("SUBSCRIBE") != nil {
		t.Errorf("state %v", s.State())
	}

	_, sub = subscribeRaw(t, w, alice, r, "presence")
	r.reply(sub, `
SIP/2.0 407 Proxy Authentication Required
Via: {via}
From: {from}
To: {to};tag=x
Call-ID: {callid}
CSeq: {cseq}
Proxy-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5
`, "")
	w.run(10 * time.Millisecond)
	sub2 := r.take("SUBSCRIBE")
	if !strings.Contains(sub2.Get("Proxy-Authorization"), `username="alice"`) || sub2.CallID() != sub.CallID() {
		t.Fatalf("second SUBSCRIBE:\n%s", sub2)
	}
	r.ok200(sub2, "n1", "600")
	w.run(64*500*time.Millisecond - 20*time.Millisecond)
	want(t, "alice", &ae.subs)
	w.run(40 * time.Millisecond)
	want(t, "alice", &ae.subs, "Terminated 408")
}

// A notifier of ours, against a scripted subscriber: the app accepts, the
// first NOTIFY goes at once; a refresh is answered with the new expiry and
// the state again; one not refreshed in time ends with reason=timeout;
// an unsubscribe with a terminated NOTIFY. Without the app's callback a
// SUBSCRIBE gets 489.
func TestRawNotifier(t *testing.T) {
	w := newWorld(t, 1)
	bob, be := w.evPeer("bob", "10.0.0.2", nil)
	r := w.raw("10.0.0.9")
	be.onSubscribe = func(n *Notifier) {
		if err := n.Accept(Pending, nil, ""); err != nil {
			t.Error(err)
		}
	}
	r.ood(bob, "SUBSCRIBE", "Event: dialog\nExpires: 60\n", "")
	w.run(10 * time.Millisecond)
	ok := r.take("200 SUBSCRIBE")
	if ok.Get("Expires") != "60" || !ok.Has("Contact") {
		t.Errorf("200:\n%s", ok)
	}
	nt := r.take("NOTIFY")
	if nt.Get("Subscription-State") != "pending;expires=60" || nt.Get("Event") != "dialog" {
		t.Errorf("first NOTIFY:\n%s", nt)
	}
	answer := func(m *sip.Message) {
		r.reply(m, "SIP/2.0 200 OK\nVia: {via}\nFrom: {from}\nTo: {to}\nCall-ID: {callid}\nCSeq: {cseq}\n", "")
	}
	answer(nt)
	n := be.notifiers[0]
	n.Notify(Active, []byte("<dialog-info/>"), DialogInfoType)
	w.run(10 * time.Millisecond)
	nt = r.take("NOTIFY")
	if !strings.HasPrefix(nt.Get("Subscription-State"), "active;expires=") || string(nt.Body()) != "<dialog-info/>" {
		t.Errorf("NOTIFY:\n%s", nt)
	}
	answer(nt)

	// A refresh in the dialog, 120 s.
	from, _ := nt.From()
	to, _ := nt.To()
	v := map[string]string{"from": "<sip:raw@10.0.0.9>;tag=" + to.Tag(), "to": "<sip:bob@10.0.0.2:5060>;tag=" + from.Tag(), "callid": nt.CallID()}
	r.request(bob.addr, "SUBSCRIBE", 2, map[string]string{"from": v["to"], "to": v["from"], "callid": v["callid"]}, "Event: dialog\nExpires: 120\n", "")
	w.run(10 * time.Millisecond)
	if got := r.take("200 SUBSCRIBE").Get("Expires"); got != "120" {
		t.Errorf("refresh granted %s", got)
	}
	want(t, "bob", &be.nevs, "Active 2m0s")
	nt = r.take("NOTIFY")
	if nt.Get("Subscription-State") != "active;expires=120" || string(nt.Body()) != "<dialog-info/>" {
		t.Errorf("NOTIFY after refresh:\n%s", nt)
	}
	answer(nt)
	// Not refreshed: ends at 120 s with reason=timeout.
	w.run(119 * time.Second)
	if r.next("NOTIFY") != nil {
		t.Fatal("ended early")
	}
	w.run(2 * time.Second)
	nt = r.take("NOTIFY")
	if nt.Get("Subscription-State") != "terminated;reason=timeout" {
		t.Errorf("last NOTIFY:\n%s", nt)
	}
	answer(nt)
	for r.next("NOTIFY") != nil { // its retransmissions
	}
	w.run(time.Second)
	want(t, "bob", &be.nevs, "Terminated timeout")
	if len(bob.ua.es.notifiers) != 0 {
		t.Error("notifier kept")
	}

	// Unsubscribe: a fetch-like Expires 0 in a new subscription.
	r.ood(bob, "SUBSCRIBE", "Event: dialog\nExpires: 3600\n", "")
	w.run(10 * time.Millisecond)
	r.take("200 SUBSCRIBE")
	nt = r.take("NOTIFY")
	answer(nt)
	from, _ = nt.From()
	to, _ = nt.To()
	r.request(bob.addr, "SUBSCRIBE", 2, map[string]string{"from": "<sip:bob@10.0.0.2:5060>;tag=" + from.Tag(), "to": "<sip:raw@10.0.0.9>;tag=" + to.Tag(), "callid": nt.CallID()}, "Event: dialog\nExpires: 0\n", "")
	w.run(10 * time.Millisecond)
	r.take("200 SUBSCRIBE")
	nt = r.take("NOTIFY")
	if nt.Get("Subscription-State") != "terminated;reason=timeout" {
		t.Errorf("NOTIFY of the unsubscribe:\n%s", nt)
	}
	answer(nt)
	w.run(time.Second)
	want(t, "bob", &be.nevs, "Terminated unsubscribed")

	// No callback, no package.
	carol := w.peer("carol", "10.0.0.3", nil)
	r.ood(carol, "SUBSCRIBE", "Event: presence\n", "")
	w.run(10 * time.Millisecond)
	r.take("489 SUBSCRIBE")
	r.ood(carol, "SUBSCRIBE", "", "")
	w.run(10 * time.Millisecond)
	r.take("400 SUBSCRIBE")
	w.settle()
	if w.clk.Pending() != 0 {
		t.Errorf("%d timers left", w.clk.Pending())
	}
}

// Security: a NOTIFY nobody subscribed to gets 481, out of a dialog or
// with tags no subscription has (RFC 6665 §4.1.3), and reaches no app.
func TestRawUnsolicitedNotify(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	r.ood(alice, "NOTIFY", "Event: message-summary\nSubscription-State: active\nContent-Type: application/simple-message-summary\n", "Messages-Waiting: yes\r\n")
	w.run(10 * time.Millisecond)
	r.take("481 NOTIFY")
	_, sub := subscribeRaw(t, w, alice, r, "presence")
	forged := strings.Replace(sub.Get("From"), "tag=", "tag=x", 1)
	r.send(alice.addr, `
NOTIFY sip:alice@10.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: <sip:raw@10.0.0.9>;tag=n9
To: `+forged+`
Call-ID: {callid}
CSeq: 1 NOTIFY
Contact: <sip:raw@10.0.0.9:5060>
Event: presence
Subscription-State: active
`, "", map[string]string{"branch": sip.NewBranch(), "callid": sub.CallID()})
	w.run(10 * time.Millisecond)
	r.take("481 NOTIFY")
	want(t, "alice", &ae.subs)
}
