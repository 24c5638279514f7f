package interop

// Smoke tests of the infrastructure: the real peers alone, no sk400vop UA.

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

// (a) Kamailio challenges a raw REGISTER with 401 + MD5 digest and accepts
// a correctly computed answer with 200; a wrong password is challenged again.
func TestSmokeKamailioDigestRegister(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland"}})
	c := NewUDPClient(t)

	callID := RandomToken(8) + "@" + Host
	fromTag := RandomToken(4)
	build := func(cseq int, auth string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, "REGISTER sip:%s SIP/2.0\r\n", k.Domain)
		fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n", c.Addr(), RandomToken(8))
		fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
		fmt.Fprintf(&b, "From: <sip:alice@%s>;tag=%s\r\n", k.Domain, fromTag)
		fmt.Fprintf(&b, "To: <sip:alice@%s>\r\n", k.Domain)
		fmt.Fprintf(&b, "Call-ID: %s\r\n", callID)
		fmt.Fprintf(&b, "CSeq: %d REGISTER\r\n", cseq)
		fmt.Fprintf(&b, "Contact: <sip:alice@%s>\r\n", c.Addr())
		fmt.Fprintf(&b, "Expires: 60\r\n")
		if auth != "" {
			fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
		}
		fmt.Fprintf(&b, "Content-Length: 0\r\n\r\n")
		return []byte(b.String())
	}

	resp, err := c.Transact(k.Addr, build(1, ""), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 {
		t.Fatalf("first REGISTER: got %q, want 401\n%s", resp.StartLine, resp.Raw)
	}
	wwwAuth := resp.Header("WWW-Authenticate")
	chal := ParseDigestChallenge(wwwAuth)
	if !strings.EqualFold(chal["scheme"], "Digest") {
		t.Fatalf("WWW-Authenticate %q: want Digest", wwwAuth)
	}
	if alg := chal["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		t.Fatalf("WWW-Authenticate %q: algorithm %q, want MD5", wwwAuth, alg)
	}
	if chal["realm"] != k.Domain || chal["nonce"] == "" || !strings.Contains(chal["qop"], "auth") {
		t.Fatalf("WWW-Authenticate %q: want realm %q, a nonce and qop=auth", wwwAuth, k.Domain)
	}

	// RFC 2617 with qop=auth, computed here independently of Credentials.
	md5hex := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	digestURI := "sip:" + k.Domain
	cnonce, nc := RandomToken(6), "00000001"
	answer := func(password string) string {
		ha1 := md5hex("alice:" + chal["realm"] + ":" + password)
		ha2 := md5hex("REGISTER:" + digestURI)
		response := md5hex(ha1 + ":" + chal["nonce"] + ":" + nc + ":" + cnonce + ":auth:" + ha2)
		return fmt.Sprintf(`Digest username="alice", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"`,
			chal["realm"], chal["nonce"], digestURI, response, nc, cnonce)
	}

	resp, err = c.Transact(k.Addr, build(2, answer("wrong password")), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 {
		t.Fatalf("REGISTER with a wrong password: got %q, want 401", resp.StartLine)
	}

	resp, err = c.Transact(k.Addr, build(3, answer("wonderland")), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("REGISTER with credentials: got %q, want 200\n%s", resp.StartLine, resp.Raw)
	}
	contact := resp.Header("Contact")
	if !strings.Contains(contact, c.Addr()) || !strings.Contains(contact, "expires=60") {
		t.Fatalf("200 Contact %q: want our binding %s with expires=60", contact, c.Addr())
	}
}

// (b) baresip registers to Kamailio with digest (seen through ctrl_tcp
// reginfo, which StartBaresip waits for).
func TestSmokeBaresipRegisters(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "secret1"}})
	b := StartBaresip(t, BaresipOptions{User: "alice", Password: "secret1", Registrar: k.Addr})
	ok, err := b.Registered()
	if err != nil || !ok {
		t.Fatalf("baresip not registered (ok=%v, err=%v)", ok, err)
	}
	if log := k.Log(); !strings.Contains(log, "REQ REGISTER") {
		t.Fatalf("Kamailio log shows no REGISTER:\n%s", log)
	}
	// The same over TCP (Kamailio keeps the connection as an alias).
	bt := StartBaresip(t, BaresipOptions{User: "alice", Password: "secret1", Registrar: k.Addr, Transport: "tcp"})
	if ok, err := bt.Registered(); err != nil || !ok {
		t.Fatalf("baresip over TCP not registered (ok=%v, err=%v)", ok, err)
	}
	if log := k.Log(); !strings.Contains(log, "/tcp") {
		t.Fatalf("Kamailio log shows no REGISTER over TCP:\n%s", log)
	}
}

// (c) SIPp built-in uac calls SIPp built-in uas directly.
func TestSmokeSIPpDirectCall(t *testing.T) {
	Require(t)
	t.Parallel()
	uas := StartSIPp(t, SIPpOptions{Scenario: "uas"})
	r := RunSIPp(t, "uac", uas.Addr)
	if !r.OK() {
		t.Fatalf("uac: %s", r)
	}
	if rs := uas.Wait(t); !rs.OK() {
		t.Fatalf("uas: %s", rs)
	}
}

// (d) SIPp (uac_routed) calls baresip's registered AOR through Kamailio;
// baresip answers automatically; SIPp hangs up.
func TestSmokeSIPpCallsBaresipThroughKamailio(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"bob": "secret2"}})
	b := StartBaresip(t, BaresipOptions{User: "bob", Password: "secret2", Registrar: k.Addr, AutoAnswer: true})

	r := RunSIPp(t, "uac_routed", k.Addr, "-s", "bob", "-d", "500")
	if !r.OK() {
		t.Fatalf("SIPp → Kamailio → baresip: %s", r)
	}
	// With answermode=auto baresip 1.0.0 emits no CALL_INCOMING.
	b.WaitEventType(t, "CALL_ESTABLISHED", 5*time.Second)
	b.WaitEventType(t, "CALL_CLOSED", 5*time.Second)
	if !strings.Contains(r.Messages, "Record-Route:") {
		t.Fatalf("SIPp saw no Record-Route from Kamailio:\n%s", r.Messages)
	}
}

// (d') baresip dials a SIPp UAS through Kamailio: the UAS's address is
// registered as carol with a raw digest REGISTER; alice's INVITE is
// challenged with 407; baresip hangs up and SIPp sees the BYE.
func TestSmokeBaresipCallsSIPpThroughKamailio(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "secret1", "carol": "secret3"}})
	uas := StartSIPp(t, SIPpOptions{Scenario: "uas_routed"})
	Register(t, k, "carol", "secret3", "sip:carol@"+uas.Addr, 300)
	b := StartBaresip(t, BaresipOptions{User: "alice", Password: "secret1", Registrar: k.Addr})

	b.MustCommand(t, "dial", k.AOR("carol"))
	b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
	time.Sleep(300 * time.Millisecond) // let the ACK reach SIPp before the BYE
	b.MustCommand(t, "hangup", "")
	b.WaitEventType(t, "CALL_CLOSED", 5*time.Second)
	if r := uas.Wait(t); !r.OK() {
		t.Fatalf("SIPp uas: %s", r)
	}
	if log := k.Log(); !strings.Contains(log, "CHALLENGE INVITE from alice") {
		t.Fatalf("Kamailio did not challenge alice's INVITE:\n%s", log)
	}
}

// baresip without auto-answer: CALL_INCOMING, then "accept" over ctrl_tcp.
// SIPp calls baresip directly (no registrar) and hangs up after 500 ms.
func TestSmokeBaresipAcceptsOverCtrlTCP(t *testing.T) {
	Require(t)
	t.Parallel()
	b := StartBaresip(t, BaresipOptions{User: "dave"})
	uac := StartSIPp(t, SIPpOptions{Scenario: "uac_routed", Remote: b.SIPAddr, Service: "dave", Args: []string{"-d", "500"}})
	ev := b.WaitEventType(t, "CALL_INCOMING", 5*time.Second)
	if dir := ev["direction"]; dir != "incoming" {
		t.Fatalf("CALL_INCOMING direction %v", dir)
	}
	b.MustCommand(t, "accept", "")
	b.WaitEventType(t, "CALL_ESTABLISHED", 5*time.Second)
	b.WaitEventType(t, "CALL_CLOSED", 5*time.Second)
	if r := uac.Wait(t); !r.OK() {
		t.Fatalf("SIPp uac: %s", r)
	}
}
