package ua

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// MESSAGE both ways (RFC 3428): the receiving app gets the body and type,
// and one it leaves unanswered gets 200, which the sender hears; an answer
// of the app goes as it is; a type not in Config.MessageTypes gets 415
// with Accept; MessageTypes adds types. A MESSAGE inside a call reaches
// the app with its call.
func TestMessage(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", nil)
	bob, be := w.evPeer("bob", "10.0.0.2", func(c *Config, _ *AccountConfig) {
		c.MessageTypes = []string{"text/plain", "application/im-iscomposing+xml"}
	})
	send := func(ctype, body string) *OutgoingMessage {
		t.Helper()
		m, err := alice.acc.SendMessage(mustURI("sip:bob@10.0.0.2:5060"), ctype, []byte(body), "ud")
		if err != nil {
			t.Fatal(err)
		}
		w.run(time.Second)
		return m
	}
	m := send("", "hello")
	want(t, "bob", &be.msgs, "text/plain hello")
	if len(ae.msgStatus) != 1 || ae.msgStatus[0] != 200 || m.UserData != "ud" || m.Target().User != "bob" {
		t.Errorf("status %v", ae.msgStatus)
	}
	be.onMessage = func(r *ServerRequest) {
		if r.Call() != nil || r.Account() != bob.acc {
			t.Error("context")
		}
		r.Respond(486, "")
	}
	send("application/im-iscomposing+xml", "<isComposing/>")
	want(t, "bob", &be.msgs, "application/im-iscomposing+xml <isComposing/>")
	send("application/json", "{}")
	want(t, "bob", &be.msgs)
	if got := ae.msgStatus[1:]; len(got) != 2 || got[0] != 486 || got[1] != 415 {
		t.Errorf("statuses %v", ae.msgStatus)
	}

	// In a call.
	be.onMessage = func(r *ServerRequest) {
		if r.Call() == nil {
			t.Error("no call")
		}
	}
	ab, _ := connect(t, w, alice, bob)
	req, err := ab.Dialog().NewRequest("MESSAGE", alice.acc.via, []byte("in call"), "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	alice.ua.send(req, transaction.ClientFuncs{})
	w.run(time.Second)
	want(t, "bob", &be.msgs, "text/plain in call")
}

// A MESSAGE challenged by the proxy is sent again with credentials; one
// that nobody answers reports 408.
func TestRawMessageAuthAndTimeout(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Proxy = mustURI("sip:10.0.0.9:5060")
		a.Secret.Username, a.Secret.Password, a.Realm = "alice", "secret", "example.com"
	})
	r := w.raw("10.0.0.9")
	if _, err := alice.acc.SendMessage(mustURI("sip:bob@example.com"), "", []byte("hi"), nil); err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	msg := r.take("MESSAGE")
	if msg.Has("Contact") || msg.Get("Content-Type") != "text/plain" {
		t.Errorf("MESSAGE:\n%s", msg)
	}
	r.reply(msg, "SIP/2.0 407 Proxy Authentication Required\nVia: {via}\nFrom: {from}\nTo: {to};tag=p\nCall-ID: {callid}\nCSeq: {cseq}\n"+
		`Proxy-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5`+"\n", "")
	w.run(10 * time.Millisecond)
	msg = r.take("MESSAGE")
	if !msg.Has("Proxy-Authorization") {
		t.Fatalf("no credentials:\n%s", msg)
	}
	r.reply(msg, "SIP/2.0 202 Accepted\nVia: {via}\nFrom: {from}\nTo: {to};tag=p\nCall-ID: {callid}\nCSeq: {cseq}\n", "")
	w.run(10 * time.Millisecond)
	alice.acc.SendMessage(mustURI("sip:bob@example.com"), "", []byte("anyone?"), nil)
	w.run(time.Minute)
	if len(ae.msgStatus) != 2 || ae.msgStatus[0] != 202 || ae.msgStatus[1] != 408 {
		t.Errorf("statuses %v", ae.msgStatus)
	}
}

// Security: once registered, an account takes a MESSAGE (like any request
// out of a dialog) only through its registrar (Account.accepts): a
// scanner's gets 403 and reaches no app.
func TestRawMessageAcceptance(t *testing.T) {
	w := newWorld(t, 1)
	bob, be := w.evPeer("bob", "10.0.0.2", func(_ *Config, a *AccountConfig) {
		a.Registrar = mustURI("sip:10.0.0.8:5060")
	})
	reg := w.raw("10.0.0.8")
	reg.on = func(m *sip.Message) {
		if m.Method() == "REGISTER" {
			reg.reply(m, "SIP/2.0 200 OK\nVia: {via}\nFrom: {from}\nTo: {to};tag=reg\nCall-ID: {callid}\nCSeq: {cseq}\nContact: <sip:bob@10.0.0.2:5060>;expires=3600\n", "")
		}
	}
	bob.acc.Register()
	w.run(time.Second)
	scanner := w.raw("10.0.0.9")
	for _, m := range []string{"MESSAGE", "SUBSCRIBE", "REFER"} {
		scanner.ood(bob, m, "Content-Type: text/plain\nEvent: presence\nRefer-To: <sip:900@10.0.0.9>\n", "buy now")
		w.run(10 * time.Millisecond)
		scanner.take("403 " + m)
	}
	if len(be.msgs)+len(be.notifiers)+len(be.transfers) != 0 {
		t.Error("a scanner's request reached the app")
	}
}

// Info-Package (RFC 6086): an INFO of a package carries Info-Package and
// Content-Disposition, and the app reads the package; a legacy INFO has
// none.
func TestInfoPackage(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	bob := w.peer("bob", "10.0.0.2", func(c *Config, _ *AccountConfig) { c.MessageTypes = []string{"application/foo"} })
	var got []string
	bob.onReq = func(r *ServerRequest) {
		got = append(got, r.InfoPackage()+"|"+r.Request().Get("Content-Disposition")+"|"+string(r.Request().Body()))
		r.Respond(200, "")
	}
	ab, _ := connect(t, w, alice, bob)
	if err := ab.SendInfoPackage("foo", "application/foo", []byte("x=1")); err != nil {
		t.Fatal(err)
	}
	ab.SendInfo("text/plain", []byte("legacy"))
	w.run(time.Second)
	if g := strings.Join(got, ", "); g != "foo|Info-Package|x=1, ||legacy" {
		t.Errorf("INFOs: %s", g)
	}
	if ab.SendInfoPackage("", "text/plain", nil) == nil {
		t.Error("an empty package was sent")
	}
}
