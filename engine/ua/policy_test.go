package ua

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// ood sends an out-of-dialog request of the scripted peer to p.
func (r *rawPeer) ood(p *peer, method, extra, body string) {
	r.t.Helper()
	r.send(p.addr, `
{method} sip:{user}@{uaaddr} SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}
Max-Forwards: 70
From: <sip:raw@10.0.0.9>;tag=r1
To: <sip:{user}@{uaaddr}>
Call-ID: {callid}
CSeq: 1 {method}
Contact: <sip:raw@10.0.0.9:5060>
`+extra, body, map[string]string{
		"method": method, "user": p.name, "uaaddr": p.addr.String(),
		"branch": sip.NewBranch(), "callid": sip.NewBranch(),
	})
}

// The requests a UA answers by itself out of a dialog (RFC 3261 §8.2,
// §11.2): OPTIONS with what it supports, an unknown method 501, a known
// one it does not do 405 with Allow, an unknown Require 420 with
// Unsupported, a body it cannot read 415 with Accept.
func TestPolicyOutOfDialog(t *testing.T) {
	w := newWorld(t, 1)
	bob := w.peer("bob", "10.0.0.2", nil)
	r := w.raw("10.0.0.9")
	step := func(method, extra, body, want string) *sip.Message {
		t.Helper()
		r.ood(bob, method, extra, body)
		w.run(10 * time.Millisecond)
		return r.take(want + " " + method)
	}
	ok := step("OPTIONS", "Accept: application/sdp\n", "", "200")
	for h, want := range map[string]string{"Allow": "INVITE", "Accept": "application/sdp", "Supported": "timer"} {
		if !strings.Contains(ok.Get(h), want) {
			t.Errorf("OPTIONS 200 %s: %q", h, ok.Get(h))
		}
	}
	if !ok.HasToken("Allow", "UPDATE") || !ok.HasToken("Supported", "100rel") {
		t.Errorf("OPTIONS 200 Allow %q Supported %q", ok.Get("Allow"), ok.Get("Supported"))
	}
	step("FOOBAR", "", "", "501")
	for _, m := range []string{"PUBLISH"} { // we publish, we are no state agent (RFC 3903)
		if resp := step(m, "", "", "405"); !resp.HasToken("Allow", "INVITE") || resp.HasToken("Allow", m) {
			t.Errorf("405 to %s: Allow %q", m, resp.Get("Allow"))
		}
	}
	if resp := step("OPTIONS", "Require: foo\n", "", "420"); resp.Get("Unsupported") != "foo" {
		t.Errorf("420 Unsupported %q", resp.Get("Unsupported"))
	}
	if resp := step("MESSAGE", "Content-Type: text/html\n", "<b>hi</b>", "415"); !resp.HasToken("Accept", "text/plain") {
		t.Errorf("415 Accept %q", resp.Get("Accept"))
	}
	if len(bob.reqs) != 0 {
		t.Errorf("%d requests reached the app", len(bob.reqs))
	}
}

// A MESSAGE goes to the app, which answers it; one the app leaves
// unanswered gets 500 after RequestTimeout, before the client's Timer F.
func TestPolicyAppRequests(t *testing.T) {
	w := newWorld(t, 1)
	bob := w.peer("bob", "10.0.0.2", func(c *Config, _ *AccountConfig) { c.RequestTimeout = 5 * time.Second })
	r := w.raw("10.0.0.9")
	bob.onReq = func(sr *ServerRequest) {
		if string(sr.Request().Body()) == "answer me" {
			sr.Respond(202, "")
		}
	}
	r.ood(bob, "MESSAGE", "Content-Type: text/plain\n", "answer me")
	w.run(10 * time.Millisecond)
	r.take("202 MESSAGE")
	if len(bob.reqs) != 1 || bob.reqs[0].Call() != nil || bob.reqs[0].Account() != bob.acc {
		t.Fatalf("requests handed over: %d", len(bob.reqs))
	}
	r.ood(bob, "MESSAGE", "Content-Type: text/plain\n", "ignore me")
	w.run(4900 * time.Millisecond)
	if r.next("500 MESSAGE") != nil {
		t.Fatal("500 before RequestTimeout")
	}
	w.run(200 * time.Millisecond)
	r.take("500 MESSAGE")
	if err := bob.reqs[1].Respond(200, ""); err != ErrState {
		t.Errorf("answer after the 500: %v", err)
	}
	w.settle()
	if len(bob.ua.requests) != 0 || w.clk.Pending() != 0 {
		t.Errorf("left %d requests, %d timers", len(bob.ua.requests), w.clk.Pending())
	}
}

// Once registered, an account takes requests out of a dialog only from
// its registrar: an INVITE straight from elsewhere gets 403, one relayed
// by the registrar rings. AcceptAny turns the check off.
func TestPolicyAcceptance(t *testing.T) {
	for _, any := range []bool{false, true} {
		w := newWorld(t, 1)
		bob := w.peer("bob", "10.0.0.2", func(_ *Config, a *AccountConfig) {
			a.Registrar = mustURI("sip:10.0.0.8:5060")
			a.AcceptAny = any
		})
		reg := w.raw("10.0.0.8")
		reg.on = func(m *sip.Message) {
			if m.Method() == "REGISTER" {
				reg.reply(m, `
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=reg
Call-ID: {callid}
CSeq: {cseq}
Contact: <sip:bob@10.0.0.2:5060>;expires=3600
`, "")
			}
		}
		if err := bob.acc.Register(); err != nil {
			t.Fatal(err)
		}
		w.run(time.Second)
		if st := bob.acc.Registration().State(); st != Registered {
			t.Fatalf("registration %v", st)
		}
		scanner := w.raw("10.0.0.9")
		scanner.invite(bob, "", rawSDP(1, "sendrecv"))
		w.run(time.Second)
		if any {
			scanner.take("100 INVITE")
			if len(bob.calls) != 1 {
				t.Errorf("AcceptAny: %d calls", len(bob.calls))
			}
		} else {
			scanner.take("403 INVITE")
			if len(bob.calls) != 0 {
				t.Errorf("a call from a scanner reached the app")
			}
		}
		// Relayed by the registrar (its address, its Via on top).
		reg.send(bob.addr, `
INVITE sip:bob@10.0.0.2:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.8:5060;branch={branch}
Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch2}
Max-Forwards: 69
From: <sip:raw@10.0.0.9>;tag=r2
To: <sip:bob@10.0.0.2>
Call-ID: relayed
CSeq: 1 INVITE
Contact: <sip:raw@10.0.0.9:5060>
Content-Type: application/sdp
`, rawSDP(1, "sendrecv"), map[string]string{"branch": sip.NewBranch(), "branch2": sip.NewBranch()})
		w.run(time.Second)
		reg.take("100 INVITE")
		if n := len(bob.calls); n != 1+btoi(any) {
			t.Errorf("AcceptAny %v: %d calls after the relayed INVITE", any, n)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
