package transport

import (
	"net/netip"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

func TestResponseAddr(t *testing.T) {
	src := netip.MustParseAddrPort("198.51.100.7:40000")
	for _, tc := range []struct {
		via  string
		src  Addr
		want string
	}{
		// UDP, no NAT: sent-by.
		{"SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK1", Addr{Proto: UDP, Addr: netip.MustParseAddrPort("198.51.100.7:5062")}, "UDP:198.51.100.7:5062"},
		// UDP behind NAT, stamped with received: received + sent-by port.
		{"SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;received=198.51.100.7", Addr{Proto: UDP, Addr: src}, "UDP:198.51.100.7:5060"},
		// RFC 3581: rport filled by the server: source port.
		{"SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;received=198.51.100.7;rport=40000", Addr{Proto: UDP, Addr: src}, "UDP:198.51.100.7:40000"},
		// No port anywhere: 5060.
		{"SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1", Addr{Proto: UDP, Addr: src}, "UDP:198.51.100.7:5060"},
		// TLS over the same connection.
		{"SIP/2.0/TLS client.invalid;branch=z9hG4bK1;received=198.51.100.7", Addr{Proto: TLS, Addr: src, Flow: 9}, "TLS:198.51.100.7:40000"},
		// IPv6 received with brackets (RFC 5118 §4.5).
		{"SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bK1;received=[2001:db8::9:255];rport=5070", Addr{Proto: UDP, Addr: netip.MustParseAddrPort("[2001:db8::9:255]:5070")}, "UDP:[2001:db8::9:255]:5070"},
	} {
		v, err := sip.ParseVia(tc.via)
		if err != nil {
			t.Fatal(err)
		}
		got := ResponseAddr(v, tc.src)
		if got.String() != tc.want {
			t.Errorf("%s: %s, want %s", tc.via, got, tc.want)
		}
		if got.Flow != tc.src.Flow {
			t.Errorf("%s: flow %d lost", tc.via, tc.src.Flow)
		}
	}
}
