package media

import (
	"net/netip"
	"strings"
	"testing"
)

// newTestSession returns a session on 192.0.2.10:4000 with the default
// codecs, changed by mod if not nil.
func newTestSession(t testing.TB, mod func(*Config)) *Session {
	t.Helper()
	cfg := Config{Addr: netip.MustParseAddr("192.0.2.10"), Port: 4000, Username: "us"}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	return s
}

// lines splits SDP into its lines.
func lines(b []byte) []string {
	return strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n")
}

// mustHave fails unless every want line is in the SDP, in this order.
func mustHave(t *testing.T, b []byte, want ...string) {
	t.Helper()
	got := lines(b)
	i := 0
	for _, l := range got {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("SDP lacks %q (in order of %q):\n%s", want[i], want, b)
	}
}

// mustNotHave fails if a line of the SDP starts with any of prefixes.
func mustNotHave(t *testing.T, b []byte, prefixes ...string) {
	t.Helper()
	for _, l := range lines(b) {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				t.Fatalf("SDP has %q:\n%s", l, b)
			}
		}
	}
}

// origin returns the o= session id and version of an SDP.
func origin(t *testing.T, b []byte) (id, version string) {
	t.Helper()
	for _, l := range lines(b) {
		if f := strings.Fields(l); strings.HasPrefix(l, "o=") && len(f) == 6 {
			return f[1], f[2]
		}
	}
	t.Fatalf("no o= line:\n%s", b)
	return "", ""
}

// sdpText turns a readable SDP written with \n and leading tabs into the
// wire form.
func sdpText(s string) []byte {
	var b strings.Builder
	for l := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		b.WriteString(strings.TrimSpace(l))
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// addrPort parses s or fails the test.
func addrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
