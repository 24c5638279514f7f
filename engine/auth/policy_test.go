package auth

import "testing"

func TestAllowed(t *testing.T) {
	methods := []string{"REGISTER", "INVITE", "SUBSCRIBE", "MESSAGE", "OPTIONS", "PUBLISH", "REFER",
		"BYE", "UPDATE", "INFO", "NOTIFY", "PRACK", "ACK", "CANCEL", "invite", "FOO", ""}
	outOfDialog := map[string]bool{"REGISTER": true, "INVITE": true, "SUBSCRIBE": true, "MESSAGE": true, "OPTIONS": true, "PUBLISH": true, "REFER": true}
	inTrustedDialog := map[string]bool{"INVITE": true, "UPDATE": true, "REFER": true}
	for _, m := range methods {
		for _, trusted := range []bool{false, true} {
			if got := Allowed(m, false, trusted); got != outOfDialog[m] {
				t.Errorf("Allowed(%q, out of dialog, trusted %v) = %v", m, trusted, got)
			}
			if got, want := Allowed(m, true, trusted), trusted && inTrustedDialog[m]; got != want {
				t.Errorf("Allowed(%q, in dialog, trusted %v) = %v, want %v", m, trusted, got, want)
			}
		}
	}
}
