package interop

// sk400vop's UA against a real far-end phone: baresip, registered to the
// same Kamailio.

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// We call baresip (auto-answer) through Kamailio and hang up; then
// baresip calls us, we auto-answer, and baresip hangs up. Both calls
// confirm and end cleanly on both sides.
func TestBaresipCalls(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true})
	alice := newPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k, autoAnswer: true})
	if got := alice.register(); got != "reg Registered 200" {
		t.Fatalf("register: %s", got)
	}

	t.Run("sk400vop calls baresip", func(t *testing.T) {
		c := alice.call(k.AOR("carol"))
		alice.want("call Confirmed 200", "call Early")
		b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
		var err error
		alice.do(func(*ua.UA) { err = c.Hangup("") })
		if err != nil {
			t.Fatal(err)
		}
		alice.want("call Disconnected 200", "call media")
		b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)
	})

	t.Run("baresip calls sk400vop", func(t *testing.T) {
		b.MustCommand(t, "dial", k.AOR("alice"))
		alice.want("incoming carol", "call media")
		alice.incoming()
		alice.want("call Confirmed 200", "call Connecting", "call media")
		b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
		b.MustCommand(t, "hangup", "")
		alice.want("call Disconnected 200", "call media")
		b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)
	})
}
