package ua

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
)

// Scenarios against a scripted peer (sip:raw@10.0.0.9) whose every message
// is written out here.

// callRaw has alice call the scripted peer and returns the call and the
// INVITE as it arrived.
func callRaw(t *testing.T, w *world, alice *peer, r *rawPeer) (*Call, map[string]string) {
	t.Helper()
	c, err := alice.acc.Call(mustURI("sip:raw@10.0.0.9:5060"), CallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	return c, msgVars(r.take("INVITE"))
}

// confirmRaw has alice call the scripted peer, which answers 200 with
// tag b1; alice ACKs and the call is up.
func confirmRaw(t *testing.T, w *world, alice *peer, r *rawPeer) (*Call, map[string]string) {
	t.Helper()
	c, v := callRaw(t, w, alice, r)
	r.send(alice.addr, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=b1
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw@10.0.0.9:5060>
Allow: INVITE, ACK, CANCEL, BYE, UPDATE, INFO
Content-Type: application/sdp
`, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	r.take("ACK")
	if c.State() != Confirmed {
		t.Fatalf("state %v", c.State())
	}
	alice.events = nil
	return c, v
}

// Forking (RFC 3261 §13.2.2.4): two 180s with different To tags make two
// early dialogs; the first 200 confirms its dialog and is ACKed, the
// second is ACKed and ended with BYE. A late 180 changes nothing, and a
// retransmitted 200 is ACKed again, during the transaction and after.
func TestRawForking(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	c, v := callRaw(t, w, alice, r)
	resp := func(code, tag string, body string) {
		ct := ""
		if body != "" {
			ct = "Content-Type: application/sdp\n"
		}
		r.send(alice.addr, `
SIP/2.0 `+code+`
Via: {via}
From: {from}
To: {to};tag=`+tag+`
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw-`+tag+`@10.0.0.9:5060>
`+ct, body, v)
		w.run(10 * time.Millisecond)
	}
	resp("180 Ringing", "b1", "")
	resp("180 Ringing", "b2", "")
	alice.wantEvents("Early 180") // another fork's 180 changes nothing the app sees
	if len(alice.ua.dialogs) != 2 {
		t.Errorf("%d early dialogs, want 2", len(alice.ua.dialogs))
	}
	resp("200 OK", "b1", rawSDP(1, "sendrecv"))
	alice.wantEvents("Confirmed 200", "MediaUpdated")
	ack := r.take("ACK")
	if to, _ := ack.To(); to.Tag() != "b1" || ack.RawRequestURI() != "sip:raw-b1@10.0.0.9:5060" {
		t.Errorf("ACK %s to %s", ack.Get("To"), ack.RawRequestURI())
	}
	resp("200 OK", "b2", rawSDP(1, "sendrecv"))
	ack2, bye := r.take("ACK"), r.take("BYE")
	for _, m := range []string{ack2.Get("To"), bye.Get("To")} {
		if !strings.HasSuffix(m, "tag=b2") {
			t.Errorf("ACK/BYE of the second fork to %s", m)
		}
	}
	if bye.RawRequestURI() != "sip:raw-b2@10.0.0.9:5060" {
		t.Errorf("BYE to %s", bye.RawRequestURI())
	}
	// The second fork's 200 retransmitted: ACKed again, no second BYE.
	resp("200 OK", "b2", rawSDP(1, "sendrecv"))
	if r.next("ACK") == nil || r.countTx("BYE") != 1 {
		t.Errorf("second fork's retransmitted 200: %s", r.kinds())
	}
	resp("180 Ringing", "b3", "") // late: ignored
	resp("200 OK", "b1", rawSDP(1, "sendrecv"))
	if r.next("ACK") == nil {
		t.Error("retransmitted 200 not ACKed again")
	}
	w.run(40 * time.Second) // the INVITE transaction is gone
	resp("200 OK", "b1", rawSDP(1, "sendrecv"))
	if r.next("ACK") == nil {
		t.Error("200 retransmitted after the transaction not ACKed")
	}
	alice.wantEvents()
	if c.State() != Confirmed || c.Dialog().ID().RemoteTag != "b1" {
		t.Errorf("state %v, dialog %v", c.State(), c.Dialog().ID())
	}
	if n := r.countTx("BYE"); n != 1 {
		t.Errorf("%d BYEs", n)
	}
}

// A 407 to the INVITE, through the account's proxy, is answered once with
// Proxy-Authorization; a second, not stale, ends the call: the password
// is wrong, and asking again could lock the account.
func TestRawProxyChallenge(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Proxy = mustURI("sip:10.0.0.9:5060")
		a.Secret = auth.Secret{Username: "alice", Password: "secret"}
		a.Realm = "example.com"
	})
	r := w.raw("10.0.0.9")
	c, v := callRaw(t, w, alice, r)
	challenge := `
SIP/2.0 407 Proxy Authentication Required
Via: {via}
From: {from}
To: {to};tag=p1
Call-ID: {callid}
CSeq: {cseq}
Proxy-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5
`
	r.send(alice.addr, challenge, "", v)
	w.run(10 * time.Millisecond)
	r.take("ACK")
	inv := r.take("INVITE")
	if cs, _ := inv.CSeq(); cs.Seq != 2 || !strings.Contains(inv.Get("Proxy-Authorization"), `realm="example.com"`) {
		t.Fatalf("retry: CSeq %v, Proxy-Authorization %q", cs, inv.Get("Proxy-Authorization"))
	}
	if inv.Get("Route") != "<sip:10.0.0.9:5060;lr>" {
		t.Errorf("Route %q", inv.Get("Route"))
	}
	r.send(alice.addr, challenge, "", msgVars(inv))
	w.run(10 * time.Millisecond)
	r.take("ACK")
	if n := r.count("INVITE"); n != 2 {
		t.Errorf("%d INVITEs", n)
	}
	alice.wantEvents("Disconnected 407")
	if c.State() != Disconnected {
		t.Errorf("state %v", c.State())
	}
}

// A 401 to our BYE is not answered: a far end challenging in the dialog
// could collect a digest of our password (auth.Allowed). The call is
// over on our side anyway.
func TestRawByeChallengeNotAnswered(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Proxy = mustURI("sip:10.0.0.9:5060")
		a.Secret = auth.Secret{Username: "alice", Password: "secret"}
		a.Realm = "example.com"
	})
	r := w.raw("10.0.0.9")
	c, _ := confirmRaw(t, w, alice, r)
	c.Hangup("")
	w.run(10 * time.Millisecond)
	bye := r.take("BYE")
	r.reply(bye, `
SIP/2.0 401 Unauthorized
Via: {via}
From: {from}
To: {to}
Call-ID: {callid}
CSeq: {cseq}
WWW-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5
`, "")
	w.run(time.Minute)
	if n := r.countTx("BYE"); n != 1 {
		t.Errorf("%d BYEs: the challenge was answered", n)
	}
	for _, g := range r.got {
		if g.msg.Has("Authorization") {
			t.Errorf("%s with Authorization", kind(g.msg))
		}
	}
	alice.wantEvents("Disconnected 401") // the BYE's answer, not answered
}

// In a dialog: a request with a tag no dialog has gets 481, one with a
// CSeq below the last gets 500 (RFC 3261 §12.2.2), and a BYE's Reason
// reaches the app as Cause.
func TestRawInDialogChecks(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	alice.onReq = func(r *ServerRequest) { r.Respond(200, "") }
	r := w.raw("10.0.0.9")
	c, v := confirmRaw(t, w, alice, r)

	unknown := copyVars(v)
	unknown["from"] = strings.Replace(v["from"], "tag=", "tag=x", 1)
	r.request(alice.addr, "BYE", 5, unknown, "", "")
	w.run(10 * time.Millisecond)
	r.take("481 BYE")

	r.request(alice.addr, "INFO", 10, v, "", "")
	w.run(10 * time.Millisecond)
	r.take("200 INFO")
	r.request(alice.addr, "INFO", 9, v, "", "")
	w.run(10 * time.Millisecond)
	r.take("500 INFO")
	if len(alice.reqs) != 1 {
		t.Errorf("%d INFOs reached the app, want 1", len(alice.reqs))
	}
	alice.wantEvents()

	r.request(alice.addr, "BYE", 11, v, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\n", "")
	w.run(10 * time.Millisecond)
	r.take("200 BYE")
	alice.wantEvents("Disconnected 200")
	if ev := alice.log[len(alice.log)-1]; ev.Cause != `Q.850;cause=16;text="Normal call clearing"` || ev.Local {
		t.Errorf("BYE event %+v", ev)
	}
	if c.State() != Disconnected {
		t.Errorf("state %v", c.State())
	}
}

func copyVars(v map[string]string) map[string]string {
	c := make(map[string]string, len(v))
	for k, x := range v {
		c[k] = x
	}
	return c
}

// The peer's re-INVITE with an offer putting us on hold (sendonly) gets
// our answer recvonly; one without an offer gets our offer in the 200,
// and its ACK brings the answer (RFC 3261 §14.2, RFC 3264 §8.4). An
// UPDATE with an offer is answered in its 200 (RFC 3311 §5.2).
func TestRawPeerOffers(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	c, v := confirmRaw(t, w, alice, r)
	m := alice.media[c]
	sdp := "Content-Type: application/sdp\n"

	r.request(alice.addr, "INVITE", 2, v, sdp, rawSDP(2, "sendonly"))
	w.run(10 * time.Millisecond)
	ok := r.take("200 INVITE")
	if sdpDir(ok.Body()) != "recvonly" || m.dir != "recvonly" {
		t.Errorf("hold answered %q, media %q", sdpDir(ok.Body()), m.dir)
	}
	r.send(alice.addr, `
ACK sip:alice@10.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: {from}
To: {to}
Call-ID: {callid}
CSeq: 2 ACK
`, "", msgVars(ok))
	w.run(10 * time.Millisecond)
	alice.wantEvents("MediaUpdated")

	r.request(alice.addr, "INVITE", 3, v, "", "")
	w.run(10 * time.Millisecond)
	ok = r.take("200 INVITE")
	if sdpDir(ok.Body()) != "sendrecv" || !m.offered {
		t.Fatalf("offer in the 200: %q, offered %v", ok.Body(), m.offered)
	}
	r.send(alice.addr, `
ACK sip:alice@10.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: {from}
To: {to}
Call-ID: {callid}
CSeq: 3 ACK
Content-Type: application/sdp
`, rawSDP(3, "sendrecv"), msgVars(ok))
	w.run(10 * time.Millisecond)
	alice.wantEvents("MediaUpdated")
	if m.offered || m.dir != "sendrecv" || !strings.Contains(m.remote, "raw 1 3") {
		t.Errorf("answer in the ACK not taken: offered %v dir %q", m.offered, m.dir)
	}
	// The 200 is not retransmitted once ACKed.
	w.run(10 * time.Second)
	if r.next("200 INVITE") != nil {
		t.Error("200 retransmitted after its ACK")
	}

	r.request(alice.addr, "UPDATE", 4, v, sdp, rawSDP(4, "inactive"))
	w.run(10 * time.Millisecond)
	ok = r.take("200 UPDATE")
	if sdpDir(ok.Body()) != "sendrecv" || !strings.Contains(m.remote, "raw 1 4") {
		t.Errorf("UPDATE answered %q, remote %q", ok.Body(), m.remote)
	}
	alice.wantEvents("MediaUpdated")
}

// A 2xx without To tag comes from an RFC 2543 UAS: its dialog has an
// empty remote tag (RFC 3261 §12.1.2), the call is set up, and the BYE
// carries the To of the 2xx as it was.
func TestRawNoToTag(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	c, v := callRaw(t, w, alice, r)
	r.send(alice.addr, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw@10.0.0.9:5060>
Content-Type: application/sdp
`, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	ack := r.take("ACK")
	if ack.Get("To") != v["to"] {
		t.Errorf("ACK To %q", ack.Get("To"))
	}
	alice.wantEvents("Confirmed 200", "MediaUpdated")
	c.Hangup("")
	w.run(10 * time.Millisecond)
	bye := r.take("BYE")
	if bye.Get("To") != v["to"] {
		t.Errorf("BYE To %q", bye.Get("To"))
	}
	alice.wantEvents() // until the BYE is answered
	r.reply(bye, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {callid}
CSeq: {cseq}
`, "")
	w.run(10 * time.Millisecond)
	alice.wantEvents("Disconnected 200")
}

// The callee hangs up after its 200 and before the ACK (Connecting): the
// BYE waits for the ACK (RFC 3261 §15: "MUST NOT send a BYE on a confirmed
// dialog until it has received an ACK for its 2xx response").
func TestRawHangupConnecting(t *testing.T) {
	w := newWorld(t, 1)
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Answer() }
	r := w.raw("10.0.0.9")
	r.invite(bob, "", rawSDP(1, "sendrecv"))
	w.run(10 * time.Millisecond)
	ok := r.take("200 INVITE")
	bc := bob.last()
	bc.Hangup("")
	w.run(2 * time.Second)
	if r.count("BYE") != 0 {
		t.Fatal("BYE before the ACK")
	}
	if r.count("200 INVITE") < 2 {
		t.Error("200 not retransmitted after the hangup")
	}
	r.send(bob.addr, `
ACK sip:bob@10.0.0.2:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: {from}
To: {to}
Call-ID: {callid}
CSeq: 1 ACK
`, "", msgVars(ok))
	w.run(10 * time.Millisecond)
	bye := r.take("BYE")
	bob.wantEvents("Connecting 200")
	r.reply(bye, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {callid}
CSeq: {cseq}
`, "")
	w.run(10 * time.Millisecond)
	bob.wantEvents("Disconnected 200")
}

// Two forks send reliable 183s, each numbering its RSeq from its own
// start (RFC 3262 §3): each is PRACKed in its own dialog, and a
// retransmission is not PRACKed twice.
func TestRawForkedRel100(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	_, v := callRaw(t, w, alice, r)
	rel := func(tag, rseq string) {
		r.send(alice.addr, `
SIP/2.0 183 Session Progress
Via: {via}
From: {from}
To: {to};tag=`+tag+`
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw-`+tag+`@10.0.0.9:5060>
Require: 100rel
RSeq: `+rseq+`
`, "", v)
		w.run(10 * time.Millisecond)
	}
	rel("b1", "1")
	rel("b2", "1")
	rel("b1", "1") // a retransmission
	for _, tag := range []string{"b1", "b2"} {
		p := r.take("PRACK")
		if to, _ := p.To(); to.Tag() != tag || p.Get("RAck") != "1 1 INVITE" {
			t.Errorf("PRACK To %s RAck %q, want tag %s", p.Get("To"), p.Get("RAck"), tag)
		}
	}
	if n := r.countTx("PRACK"); n != 2 {
		t.Errorf("%d PRACKs, want 2", n)
	}
}

// A 2xx that arrives after our INVITE timed out without any 18x finds no
// dialog, yet it is acknowledged and ended with BYE (RFC 3261 §15).
func TestRawLate2xxAfterTimeout(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	r := w.raw("10.0.0.9")
	_, v := callRaw(t, w, alice, r)
	w.run(33 * time.Second)
	alice.wantEvents("Disconnected 408")
	r.send(alice.addr, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=late
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw@10.0.0.9:5060>
Content-Type: application/sdp
`, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	if ack := r.take("ACK"); !strings.Contains(ack.Get("To"), "tag=late") {
		t.Errorf("ACK To %q", ack.Get("To"))
	}
	if bye := r.take("BYE"); !strings.Contains(bye.Get("To"), "tag=late") {
		t.Errorf("BYE To %q", bye.Get("To"))
	}
	alice.wantEvents()
}

// A confirmed call keeps no messages: the ACK of a retransmitted 2xx is
// built again from the dialog, with the credentials of the INVITE and the
// answer the first ACK carried (RFC 3261 §13.2.2.4), during the INVITE
// transaction and after it; Remote still names the peer, Request is nil.
func TestRawAckRebuiltForRetransmitted2xx(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Proxy = mustURI("sip:10.0.0.9:5060")
		a.Secret = auth.Secret{Username: "alice", Password: "secret"}
		a.Realm = "example.com"
	})
	r := w.raw("10.0.0.9")
	c, err := alice.acc.Call(mustURI("sip:raw@10.0.0.9:5060"), CallOptions{NoOffer: true})
	if err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	r.send(alice.addr, `
SIP/2.0 407 Proxy Authentication Required
Via: {via}
From: {from}
To: {to};tag=p1
Call-ID: {callid}
CSeq: {cseq}
Proxy-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5
`, "", msgVars(r.take("INVITE")))
	w.run(10 * time.Millisecond)
	r.take("ACK")
	inv := r.take("INVITE")
	cred := inv.Get("Proxy-Authorization")
	if cred == "" {
		t.Fatal("retry without Proxy-Authorization")
	}
	ok := `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=b1
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:raw@10.0.0.9:5060>
Content-Type: application/sdp
`
	v := msgVars(inv)
	r.send(alice.addr, ok, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	if c.State() != Confirmed {
		t.Fatalf("state %v", c.State())
	}
	first := r.take("ACK")
	if c.Request() != nil {
		t.Error("a confirmed call still holds its INVITE")
	}
	if got := c.Remote().String(); got != "<sip:raw@10.0.0.9:5060>" {
		t.Errorf("Remote %q", got)
	}
	check := func(when string, ack *sip.Message) {
		t.Helper()
		cs, _ := ack.CSeq()
		to, _ := ack.To()
		if cs.Seq != 2 || cs.Method != "ACK" || to.Tag() != "b1" || ack.Get("Proxy-Authorization") != cred ||
			string(ack.Body()) != string(first.Body()) || len(ack.Body()) == 0 || ack.Get("Route") != "" {
			t.Errorf("%s: ACK\n%s", when, ack)
		}
	}
	check("first", first)
	r.send(alice.addr, ok, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	check("during Timer M", r.take("ACK"))
	w.run(40 * time.Second)
	r.send(alice.addr, ok, rawSDP(1, "sendrecv"), v)
	w.run(10 * time.Millisecond)
	check("after the transaction", r.take("ACK"))
}
