package interop

// sk400vop's UA against a real registrar and proxy: Kamailio.

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// REGISTER is challenged (401) and succeeds; the refresh goes out before
// the binding expires and is accepted; unregistering removes the binding,
// after which a call to the AOR finds nobody.
func TestKamailioRegister(t *testing.T) {
	Require(t)
	t.Parallel()
	// A domain name rather than 127.0.0.1: Kamailio relays a Request-URI
	// naming a literal address as it is, so only a name gets a 404 once
	// the binding is gone. Our requests reach it through the proxy Route.
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "bob": "builder"},
		MinExpires: 10, Domain: "sk400vop.test"})
	alice := newPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k, expires: 60 * time.Second})
	if got := alice.register(); got != "reg Registered 200" {
		t.Fatalf("register: %s", got)
	}
	if n := strings.Count(k.Log(), "REGISTER"); n < 2 {
		t.Logf("kamailio log:\n%s", k.Log())
	}
	// 60 s granted: the refresh is due at 30 s (granted − max(granted/10, min(30 s, granted/2))) on the UA's virtual clock.
	// The clock moves exactly there, not beyond: a virtual Advance past
	// 30.5 s would fire Timer E retransmissions before the real answer
	// could arrive.
	alice.advance(29 * time.Second)
	select {
	case ev := <-alice.ev:
		t.Fatalf("event before the refresh was due: %s", ev)
	default:
	}
	alice.advance(time.Second)
	if got := alice.want("reg "); got != "reg Registered 200" {
		t.Fatalf("refresh: %s", got)
	}

	bob := newPhone(t, phoneOptions{user: "bob", password: "builder", k: k})
	if got := bob.register(); got != "reg Registered 200" {
		t.Fatalf("bob register: %s", got)
	}
	var err error
	alice.do(func(*ua.UA) { err = alice.acc.Unregister() })
	if err != nil {
		t.Fatal(err)
	}
	alice.want("reg Unregistering")
	if got := alice.want("reg "); got != "reg Unregistered 200" {
		t.Fatalf("unregister: %s", got)
	}
	bob.call(k.AOR("alice"))
	if got := bob.want("call Disconnected", "call Calling", "call Early"); got != "call Disconnected 404" {
		t.Fatalf("call to the unregistered AOR: %s", got)
	}
}

// A wrong password fails clearly after one answered challenge: two
// REGISTERs in all, no storm.
func TestKamailioWrongPassword(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland"}})
	alice := newPhone(t, phoneOptions{user: "alice", password: "wrong", k: k})
	if got := alice.register(); got != "reg Failed 401" {
		t.Fatalf("register: %s", got)
	}
	var reg *ua.Registration
	alice.do(func(*ua.UA) { reg = alice.acc.Registration() })
	alice.advance(time.Hour)
	select {
	case ev := <-alice.ev:
		t.Fatalf("after the final failure: %s", ev)
	case <-time.After(200 * time.Millisecond):
	}
	var st ua.RegState
	alice.do(func(*ua.UA) { st = reg.State() })
	if st != ua.Failed {
		t.Fatalf("state %v", st)
	}
	if n := strings.Count(k.Log(), "REGISTER from sip:alice"); n != 0 && n != 2 {
		t.Errorf("kamailio saw %d REGISTERs, want 2", n)
	}
}

// Two sk400vop accounts call each other through Kamailio (407-challenged
// INVITE, record-routed dialog): confirmed, held, resumed, ended by BYE
// on both sides.
func TestKamailioCall(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "bob": "builder"}})
	alice := newPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k})
	bob := newPhone(t, phoneOptions{user: "bob", password: "builder", k: k})
	for _, p := range []*phone{alice, bob} {
		if got := p.register(); got != "reg Registered 200" {
			t.Fatalf("register: %s", got)
		}
	}
	ac := alice.call(k.AOR("bob"))
	bob.want("incoming alice")
	bc := bob.incoming()
	bob.do(func(*ua.UA) { bc.Ring(180, false) })
	alice.want("call Early 180")
	bob.do(func(*ua.UA) { bc.Answer() })
	alice.want("call Confirmed 200", "call Early")
	alice.want("call media") // the answer in the 200
	bob.want("call Confirmed", "call Early", "call Connecting")

	var err error
	alice.do(func(*ua.UA) { err = ac.Hold() })
	if err != nil {
		t.Fatal(err)
	}
	alice.want("call media")
	bob.want("call media")
	alice.do(func(*ua.UA) {
		if !ac.Held() {
			t.Error("not held after hold")
		}
		err = ac.Resume()
	})
	if err != nil {
		t.Fatal(err)
	}
	alice.want("call media")
	bob.want("call media")

	bob.do(func(*ua.UA) { err = bc.Hangup("") })
	if err != nil {
		t.Fatal(err)
	}
	bob.want("call Disconnected 200")
	alice.want("call Disconnected 200", "call media")
}
