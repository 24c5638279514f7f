package interop

// The C API of issue 7 against real peers (acceptance 3):
// examples/c/softphone, linked with libsk400vop.so and nothing but the
// public header, sends a MESSAGE to baresip and receives one from it,
// subscribes to presence through Kamailio's presence server while a Go
// phone publishes, and transfers a baresip call to a third party.

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// The softphone (alice) sends carol (baresip) a MESSAGE through Kamailio,
// which baresip answers 200; carol's `message` command sends one back,
// which the softphone prints and the library answers 200 for.
func TestCAPISoftphoneMessageBaresip(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true,
		Contacts: []string{k.AOR("alice")}})
	p := startSoftphone(t, k, "--message", k.AOR("carol"), "hello carol, from C", "--duration", "4")
	p.waitLine(t, "MSG sent 200", 10*time.Second)
	b.MustCommand(t, "message", "hi alice, from baresip")
	p.waitLine(t, "MSG from sip:carol@", 10*time.Second)
	p.wait(t, 30*time.Second)
	p.want(t, "REG ok 200", "MSG sent 200", "MSG from sip:carol@"+k.Domain+" hi alice, from baresip",
		"REG unregistered", "EXIT 0")
	// baresip's trace shows both 200s: its own to the softphone's MESSAGE
	// and the one the library sent back for baresip's.
	deadline := time.Now().Add(5 * time.Second)
	for n := ok200sForMessage(b.Log()); n != 2; n = ok200sForMessage(b.Log()) {
		if time.Now().After(deadline) {
			t.Fatalf("baresip's trace shows %d 200s to MESSAGE, want 2", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alice (a Go phone) publishes her presence to Kamailio; the softphone
// (bob) subscribes to it, prints the state of each NOTIFY, sees alice's
// change, and unsubscribes at the end of its --duration.
func TestCAPISoftphonePresence(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "bob": "builder"}, Presence: true})
	alice, ae := newAppPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k})
	pidf := func(open bool, note string) []byte {
		b, err := ua.Presence{Entity: k.AOR("alice"), Tuples: []ua.Tuple{{ID: "sk1", Open: open, Contact: k.AOR("alice"), Note: note}}}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var pub *ua.Publication
	var err error
	alice.do(func(*ua.UA) {
		pub, err = alice.acc.Publish("presence", pidf(true, "at my desk"), ua.PIDFType, 600*time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	ae.want("pub Published 200")

	p := startSoftphone(t, k, "--user", "bob", "--password", "builder", "--subscribe", k.AOR("alice"), "presence",
		"--duration", "5")
	p.waitLine(t, "SUB active", 10*time.Second)
	p.waitLine(t, "PRESENCE open at my desk", 10*time.Second)
	alice.do(func(*ua.UA) { err = pub.Modify(pidf(false, "gone home"), ua.PIDFType) })
	if err != nil {
		t.Fatal(err)
	}
	ae.want("pub Published 200")
	p.waitLine(t, "PRESENCE closed gone home", 10*time.Second)
	p.wait(t, 30*time.Second)
	p.want(t, "REG ok 200", "NOTIFY application/pidf+xml ", "SUB terminated", "EXIT 0")

	alice.do(func(*ua.UA) { err = pub.Remove() })
	if err != nil {
		t.Fatal(err)
	}
	ae.want("pub Unpublished 200")
	if log := k.Log(); !strings.Contains(log, "CHALLENGE SUBSCRIBE from bob") {
		t.Errorf("kamailio log lacks the SUBSCRIBE challenge of the softphone")
	}
}

// The softphone (alice) calls carol (baresip, auto-answer) and transfers
// her blind to dave (a Go phone, auto-answer): baresip answers the REFER
// 202 and reports 100 then 200 in sipfrag NOTIFYs (no 180); it leaves the
// original call up, so the softphone hangs it up on the final 200. carol
// and dave then talk until dave hangs up.
func TestCAPISoftphoneTransferBaresip(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3", "dave": "diver"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true})
	dave := newPhone(t, phoneOptions{user: "dave", password: "diver", k: k, autoAnswer: true})
	if got := dave.register(); got != "reg Registered 200" {
		t.Fatalf("register: %s", got)
	}
	byPeer := func(typ, user string) func(map[string]any) bool {
		return func(ev map[string]any) bool {
			peer, _ := ev["peeruri"].(string)
			return ev["type"] == typ && strings.Contains(peer, user+"@")
		}
	}

	p := startSoftphone(t, k, "--call", k.AOR("carol"), "--transfer", k.AOR("dave"), "--duration", "15")
	p.waitLine(t, "XFER done", 20*time.Second)
	ev := b.WaitEvent(t, func(ev map[string]any) bool { return ev["type"] == "TRANSFER" }, 10*time.Second)
	if prm, _ := ev["param"].(string); !strings.Contains(prm, "dave@") {
		t.Errorf("baresip TRANSFER to %q", prm)
	}
	dave.want("incoming carol")
	dc := dave.incoming()
	p.wait(t, 30*time.Second)
	p.want(t, "REG ok 200", "CALL confirmed", "XFER 202", "XFER progress 100", "XFER done 200",
		"CALL disconnected 200", "EXIT 0")
	b.WaitEvent(t, byPeer("CALL_CLOSED", "alice"), 10*time.Second)

	// carol and dave are still talking; dave hangs up.
	var st ua.CallState
	var err error
	dave.do(func(*ua.UA) { st = dc.State() })
	if st != ua.Confirmed {
		t.Fatalf("dave's call %v", st)
	}
	dave.do(func(*ua.UA) { err = dc.Hangup("") })
	if err != nil {
		t.Fatal(err)
	}
	b.WaitEvent(t, byPeer("CALL_CLOSED", "dave"), 10*time.Second)
}

// The softphone (alice) publishes her presence to Kamailio (--publish)
// and removes it at the end of its --duration; bob (a Go phone)
// subscribes and reads it.
func TestCAPISoftphonePublish(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "bob": "builder"}, Presence: true})
	bob, be := newAppPhone(t, phoneOptions{user: "bob", password: "builder", k: k})
	p := startSoftphone(t, k, "--publish", "open", "in the lab", "--duration", "3")
	p.waitLine(t, "PUB published 200", 10*time.Second)

	var err error
	bob.do(func(*ua.UA) {
		_, err = bob.acc.Subscribe(mustURI(t, k.AOR("alice")), ua.SubscribeOptions{
			Event: "presence", Accept: []string{ua.PIDFType}, Expires: 600 * time.Second,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := be.want("sub Active notify")
	pr, err := ua.ParsePIDF(ev.body)
	if err != nil {
		t.Fatalf("NOTIFY body: %v\n%s", err, ev.body)
	}
	notes := strings.Join(pr.Notes, "|")
	for _, tu := range pr.Tuples {
		notes += "|" + tu.Note
	}
	if !pr.Open() || !strings.Contains(notes, "in the lab") {
		t.Fatalf("presence open=%v notes %q\n%s", pr.Open(), notes, ev.body)
	}
	p.wait(t, 30*time.Second)
	p.want(t, "REG ok 200", "PUB published 200", "PUB unpublished 200", "EXIT 0")
}
