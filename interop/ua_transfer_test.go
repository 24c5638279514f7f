package interop

// sk400vop as transferor and as sender and receiver of instant messages,
// against baresip 1.0.0 through Kamailio (issue 7).

import (
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// alice (sk400vop) calls carol (baresip, auto-answer) and transfers her
// blind to dave (sk400vop, auto-answer): baresip answers the REFER 202,
// reports "100 Trying", calls dave through Kamailio and reports "200 OK"
// in a NOTIFY that ends the implicit subscription. baresip 1.0.0 leaves
// the original call up (no BYE, no hold): the transferor hangs it up, as
// the application is told to on a final 2xx. carol and dave then talk
// until dave hangs up.
func TestBaresipBlindTransfer(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3", "dave": "diver"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true})
	alice, ae := newAppPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k})
	dave := newPhone(t, phoneOptions{user: "dave", password: "diver", k: k, autoAnswer: true})
	for _, p := range []*phone{alice, dave} {
		if got := p.register(); got != "reg Registered 200" {
			t.Fatalf("register: %s", got)
		}
	}
	byPeer := func(typ, user string) func(map[string]any) bool {
		return func(ev map[string]any) bool {
			peer, _ := ev["peeruri"].(string)
			return ev["type"] == typ && strings.Contains(peer, user+"@")
		}
	}

	c := alice.call(k.AOR("carol"))
	alice.want("call Confirmed 200", "call Early")
	alice.want("call media")
	b.WaitEvent(t, byPeer("CALL_ESTABLISHED", "alice"), 10*time.Second)

	var err error
	alice.do(func(*ua.UA) { err = c.Transfer(mustURI(t, k.AOR("dave"))) })
	if err != nil {
		t.Fatal(err)
	}
	// baresip sends the 202 and then its first NOTIFY (100 Trying), but
	// Kamailio's two workers may relay them in the other order; a
	// subscriber must take a NOTIFY that overtakes the final response
	// (RFC 6665 §4.1.2), so a 1xx progress report may come first.
	ae.want("xfer 202", "xfer 1")
	ev := b.WaitEvent(t, func(ev map[string]any) bool { return ev["type"] == "TRANSFER" }, 10*time.Second)
	if p, _ := ev["param"].(string); !strings.Contains(p, "dave@") {
		t.Errorf("baresip TRANSFER to %q", p)
	}
	dave.want("incoming carol")
	dc := dave.incoming()
	dave.want("call Confirmed 200", "call Connecting", "call media")
	b.WaitEvent(t, byPeer("CALL_ESTABLISHED", "dave"), 10*time.Second)

	// The progress NOTIFYs: 1xx (baresip sends 100 Trying) then 200 OK.
	if ev := ae.want("xfer 200 final", "xfer 1"); ev.xfer.Reason != "OK" {
		t.Errorf("final sipfrag %d %q", ev.xfer.Code, ev.xfer.Reason)
	}
	ae.none(200 * time.Millisecond)

	// The transferee keeps the old call: it is ours to end.
	var st ua.CallState
	alice.do(func(*ua.UA) { st = c.State() })
	if st != ua.Confirmed {
		t.Fatalf("original call %v after the transfer", st)
	}
	alice.do(func(*ua.UA) { err = c.Hangup("") })
	if err != nil {
		t.Fatal(err)
	}
	alice.want("call Disconnected 200", "call media")
	b.WaitEvent(t, byPeer("CALL_CLOSED", "alice"), 10*time.Second)

	// carol and dave are still talking; dave hangs up.
	dave.do(func(*ua.UA) { st = dc.State() })
	if st != ua.Confirmed {
		t.Fatalf("new call %v", st)
	}
	dave.do(func(*ua.UA) { err = dc.Hangup("") })
	if err != nil {
		t.Fatal(err)
	}
	dave.want("call Disconnected 200", "call media")
	b.WaitEvent(t, byPeer("CALL_CLOSED", "dave"), 10*time.Second)
	ae.none(100 * time.Millisecond)
}

// alice sends carol (baresip) a MESSAGE through Kamailio: baresip answers
// 200 and reports it to its app; carol's `message` command (contact
// module) sends one back, which alice's app receives and the UA answers
// 200 for.
func TestBaresipMessage(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true,
		Contacts: []string{k.AOR("alice")}})
	alice, ae := newAppPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k})
	if got := alice.register(); got != "reg Registered 200" {
		t.Fatalf("register: %s", got)
	}

	var err error
	alice.do(func(*ua.UA) {
		_, err = alice.acc.SendMessage(mustURI(t, k.AOR("carol")), "", []byte("hello carol, from sk400vop"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev := ae.want("msgstatus"); ev.msg.Code != 200 {
		t.Fatalf("MESSAGE to baresip: %d %s %v", ev.msg.Code, ev.msg.Reason, ev.msg.Err)
	}
	b.MustCommand(t, "message", "hi alice, from baresip")
	ae.want("message text/plain hi alice, from baresip")

	// baresip's SIP trace shows both 200s: its own to alice's MESSAGE and
	// the one our UA sent back for its MESSAGE.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n := ok200sForMessage(b.Log()); n == 2 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("baresip's trace shows %d 200s to MESSAGE, want 2", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ok200sForMessage counts the 200 responses to MESSAGE in a baresip SIP
// trace (-s), whose messages each follow a "#" line.
func ok200sForMessage(log string) int {
	n := 0
	for _, m := range strings.Split(log, "#\n") {
		_, m, _ = strings.Cut(m, "\n") // the "UDP a -> b" line
		if strings.HasPrefix(m, "SIP/2.0 200 ") && strings.Contains(m, " MESSAGE\r\n") {
			n++
		}
	}
	return n
}
