package interop

// sk400vop's subscriptions and publications against a real presence
// server: Kamailio's presence + presence_xml modules (issue 7).

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// alice PUBLISHes her presence (open, with a note) to Kamailio; bob
// SUBSCRIBEs to it and gets a NOTIFY saying open with the note; alice
// changes it to closed (PUBLISH with SIP-If-Match) and bob's next NOTIFY
// says closed; bob unsubscribes (the last NOTIFY says terminated); alice
// removes her state (Expires 0) and Kamailio confirms.
func TestKamailioPresence(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "bob": "builder"}, Presence: true})
	alice, ae := newAppPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k})
	bob, be := newAppPhone(t, phoneOptions{user: "bob", password: "builder", k: k})

	pidf := func(open bool, note string) []byte {
		b, err := ua.Presence{Entity: k.AOR("alice"), Tuples: []ua.Tuple{{ID: "sk1", Open: open, Contact: k.AOR("alice"), Note: note}}}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	check := func(ev appEvent, open bool, note string) {
		t.Helper()
		if ev.sub.ContentType != ua.PIDFType {
			t.Fatalf("NOTIFY body type %q", ev.sub.ContentType)
		}
		p, err := ua.ParsePIDF(ev.body)
		if err != nil {
			t.Fatalf("NOTIFY body: %v\n%s", err, ev.body)
		}
		notes := strings.Join(p.Notes, "|")
		for _, tu := range p.Tuples {
			notes += "|" + tu.Note
		}
		if p.Open() != open || !strings.Contains(notes, note) {
			t.Fatalf("presence open=%v notes %q, want open=%v %q\n%s", p.Open(), notes, open, note, ev.body)
		}
		if !strings.Contains(p.Entity, "alice@") {
			t.Errorf("entity %q", p.Entity)
		}
	}

	var pub *ua.Publication
	var err error
	alice.do(func(*ua.UA) {
		pub, err = alice.acc.Publish("presence", pidf(true, "at my desk"), ua.PIDFType, 600*time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := ae.want("pub Published 200")
	if ev.pub.Expires <= 0 || ev.pub.Expires > 600*time.Second {
		t.Errorf("publication expires %v", ev.pub.Expires)
	}
	var etag string
	alice.do(func(*ua.UA) { etag = pub.ETag() })
	if etag == "" {
		t.Fatal("no SIP-ETag kept")
	}

	var sub *ua.Subscription
	bob.do(func(*ua.UA) {
		sub, err = bob.acc.Subscribe(mustURI(t, k.AOR("alice")), ua.SubscribeOptions{
			Event: "presence", Accept: []string{ua.PIDFType}, Expires: 600 * time.Second,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ev = be.want("sub Active notify")
	check(ev, true, "at my desk")
	if ev.sub.Expires <= 0 || ev.sub.Expires > 600*time.Second {
		t.Errorf("subscription expires %v", ev.sub.Expires)
	}

	alice.do(func(*ua.UA) { err = pub.Modify(pidf(false, "gone home"), ua.PIDFType) })
	if err != nil {
		t.Fatal(err)
	}
	ae.want("pub Published 200")
	var etag2 string
	alice.do(func(*ua.UA) { etag2 = pub.ETag() })
	if etag2 == "" || etag2 == etag {
		t.Errorf("entity-tag after modify %q (was %q)", etag2, etag)
	}
	// Kamailio may notify bob of the first state twice: once for his
	// SUBSCRIBE and once more from the first PUBLISH, whose worker
	// notifies the watchers it finds after it has answered alice, bob
	// among them by then. A repeated state is no fault; the new one must
	// follow.
	ev = be.want("sub Active notify")
	if p, err := ua.ParsePIDF(ev.body); err == nil && p.Open() {
		ev = be.want("sub Active notify")
	}
	check(ev, false, "gone home")

	bob.do(func(*ua.UA) { err = sub.Unsubscribe() })
	if err != nil {
		t.Fatal(err)
	}
	ev = be.want("sub Terminated")
	var st ua.SubState
	bob.do(func(*ua.UA) { st = sub.State() })
	if st != ua.Terminated {
		t.Errorf("subscription state %v", st)
	}
	t.Logf("bob's subscription ended: %s", ev.label)

	alice.do(func(*ua.UA) { err = pub.Remove() })
	if err != nil {
		t.Fatal(err)
	}
	ae.want("pub Unpublished 200")
	be.none(300 * time.Millisecond) // no NOTIFY after the unsubscribe

	log := k.Log()
	for _, s := range []string{"REQ PUBLISH", "REQ SUBSCRIBE", "CHALLENGE PUBLISH from alice", "CHALLENGE SUBSCRIBE from bob"} {
		if !strings.Contains(log, s) {
			t.Errorf("kamailio log lacks %q", s)
		}
	}
}
