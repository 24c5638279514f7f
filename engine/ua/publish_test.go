package ua

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// PUBLISH against a scripted presence server (RFC 3903): the first one is
// challenged and sent again with credentials; its 2xx gives the entity-tag
// and expiry; the refresh goes at 540 s of 600 without body and with
// SIP-If-Match; a Modify carries the body and the tag; a 412 makes a fresh
// publication with the body and no tag; Remove sends Expires 0 with the
// tag, and Unpublished follows.
func TestRawPublish(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Proxy = mustURI("sip:10.0.0.9:5060")
		a.Secret.Username, a.Secret.Password, a.Realm = "alice", "secret", "example.com"
	})
	r := w.raw("10.0.0.9")
	reply := func(req *sip.Message, status, extra string) {
		t.Helper()
		r.reply(req, "SIP/2.0 "+status+"\nVia: {via}\nFrom: {from}\nTo: {to};tag=ps\nCall-ID: {callid}\nCSeq: {cseq}\n"+extra, "")
		w.run(10 * time.Millisecond)
	}
	doc, _ := Presence{Entity: "sip:alice@10.0.0.1", Tuples: []Tuple{{Open: true}}}.Marshal()
	p, err := alice.acc.Publish("presence", doc, PIDFType, 600*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	pub := r.take("PUBLISH")
	if pub.RawRequestURI() != "sip:alice@10.0.0.1" || pub.Get("Event") != "presence" || pub.Get("Expires") != "600" ||
		pub.Has("SIP-If-Match") || string(pub.Body()) != string(doc) || !strings.Contains(pub.Get("Route"), "10.0.0.9") {
		t.Fatalf("first PUBLISH:\n%s", pub)
	}
	reply(pub, "401 Unauthorized", `WWW-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5`+"\n")
	pub = r.take("PUBLISH")
	if !pub.Has("Authorization") || string(pub.Body()) != string(doc) {
		t.Fatalf("PUBLISH with credentials:\n%s", pub)
	}
	reply(pub, "200 OK", "SIP-ETag: e1\nExpires: 600\n")
	want(t, "alice", &ae.pubs, "Published 200 10m0s")
	if p.ETag() != "e1" || p.State() != Published {
		t.Fatalf("etag %q state %v", p.ETag(), p.State())
	}
	w.run(539 * time.Second)
	if r.next("PUBLISH") != nil {
		t.Fatal("refresh before 540 s")
	}
	w.run(time.Second)
	pub = r.take("PUBLISH")
	if pub.Get("SIP-If-Match") != "e1" || len(pub.Body()) != 0 || pub.Get("Expires") != "600" {
		t.Fatalf("refresh:\n%s", pub)
	}
	reply(pub, "200 OK", "SIP-ETag: e2\nExpires: 600\n")
	want(t, "alice", &ae.pubs, "Published 200 10m0s")

	doc2, _ := Presence{Entity: "sip:alice@10.0.0.1", Tuples: []Tuple{{Open: false}}}.Marshal()
	if err := p.Modify(doc2, PIDFType); err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	pub = r.take("PUBLISH")
	if pub.Get("SIP-If-Match") != "e2" || string(pub.Body()) != string(doc2) {
		t.Fatalf("modify:\n%s", pub)
	}
	reply(pub, "412 Conditional Request Failed", "")
	pub = r.take("PUBLISH")
	if pub.Has("SIP-If-Match") || string(pub.Body()) != string(doc2) {
		t.Fatalf("fresh publication after 412:\n%s", pub)
	}
	reply(pub, "200 OK", "SIP-ETag: e3\nExpires: 300\n")
	want(t, "alice", &ae.pubs, "Published 200 5m0s")

	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	w.run(10 * time.Millisecond)
	pub = r.take("PUBLISH")
	if pub.Get("SIP-If-Match") != "e3" || pub.Get("Expires") != "0" || len(pub.Body()) != 0 {
		t.Fatalf("removal:\n%s", pub)
	}
	reply(pub, "200 OK", "SIP-ETag: e4\nExpires: 0\n")
	want(t, "alice", &ae.pubs, "Unpublished 200")
	if p.State() != Unpublished || p.ETag() != "" || p.Modify(doc, PIDFType) != ErrState {
		t.Errorf("after removal: %v %q", p.State(), p.ETag())
	}
	w.settle()
	if w.clk.Pending() != 0 || len(alice.ua.es.pubs) != 0 {
		t.Errorf("%d timers, %d publications left", w.clk.Pending(), len(alice.ua.es.pubs))
	}
}

// Between two UAs: one PUBLISHes nothing (we are no state agent: 405), and
// a publication the server refuses ends Unpublished with the status.
func TestPublishRefused(t *testing.T) {
	w := newWorld(t, 1)
	alice, ae := w.evPeer("alice", "10.0.0.1", func(_ *Config, a *AccountConfig) {
		a.Proxy = mustURI("sip:10.0.0.2:5060")
	})
	w.evPeer("bob", "10.0.0.2", nil)
	p, err := alice.acc.Publish("presence", []byte("x"), "text/plain", 0)
	if err != nil {
		t.Fatal(err)
	}
	w.run(time.Second)
	want(t, "alice", &ae.pubs, "Unpublished 405")
	if p.State() != Unpublished {
		t.Errorf("state %v", p.State())
	}
}
