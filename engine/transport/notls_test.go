//go:build sk400vop_notls

package transport

// A build without crypto/tls (tag sk400vop_notls, `make lib LIB_TLS=0`)
// refuses TLS clearly wherever it could be asked for. `make test` runs
// these with the tag: go test -tags sk400vop_notls -run NoTLS.

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

func TestNoTLSListenRefused(t *testing.T) {
	_, _, err := startLayer(t, Config{Listen: []ListenSpec{{Proto: TLS, Address: "127.0.0.1:0"}}})
	if !errors.Is(err, ErrNoTLS) {
		t.Fatalf("TLS listener: %v, want ErrNoTLS", err)
	}
}

func TestNoTLSSendRefused(t *testing.T) {
	l, _ := newTestLayer(t, Config{Listen: []ListenSpec{{Proto: TCP, Address: "127.0.0.1:0"}}})
	req, err := sip.NewRequest(sip.RequestSpec{Method: "OPTIONS", RequestURI: sip.URI{Scheme: "sip", Host: "example.com"},
		Via: sip.Via{Transport: "TLS", Host: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Send(Addr{Proto: TLS, Addr: netip.MustParseAddrPort("127.0.0.1:5061")}, req); !errors.Is(err, ErrNoTLS) {
		t.Errorf("send over TLS: %v, want ErrNoTLS", err)
	}
	if n := l.Stats().Conns; n != 0 {
		t.Errorf("%d connections opened for a refused send", n)
	}
}

// TestNoTLSLocate: RFC 3263 §4.1 picks only transports the client speaks,
// so SIPS+D2T records and the _sips._tcp SRV fallback are passed over, and
// a sips URI cannot be reached at all.
func TestNoTLSLocate(t *testing.T) {
	got, err := Locate(t.Context(), naptrZone(t), mustURI(t, "sip:alice@example.com"), seeded())
	want := "TCP:[2001:db8::2]:5060 TCP:192.0.2.2:5060 UDP:192.0.2.1:5060"
	if err != nil || targets(got) != want {
		t.Errorf("NAPTR: got %s, %v; want %s", targets(got), err, want)
	}
	f := naptrZone(t)
	f.naptr = nil
	got, err = Locate(t.Context(), f, mustURI(t, "sip:alice@example.com"), seeded())
	if err != nil || targets(got) != want {
		t.Errorf("SRV: got %s, %v; want %s", targets(got), err, want)
	}
	for _, c := range f.calls {
		if c == "SRV _sips._tcp.example.com" {
			t.Errorf("looked up %s", c)
		}
	}
	if _, err := Locate(t.Context(), naptrZone(t), mustURI(t, "sips:alice@example.com"), seeded()); !errors.Is(err, ErrNoTLS) || !errors.Is(err, ErrUnsupported) {
		t.Errorf("sips: %v, want ErrUnsupported and ErrNoTLS", err)
	}
}
