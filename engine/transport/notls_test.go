//go:build sk400vop_notls

package transport

// A build without crypto/tls (tag sk400vop_notls, `make lib LIB_TLS=0`)
// refuses TLS clearly unless its Sockets dial TLS themselves
// (TestTLSDialer, which runs in both builds). `make test` runs these with
// the tag: go test -tags sk400vop_notls -run 'NoTLS|TLSDialer'. A TLS
// target that RFC 3263 location returns fails at once with ErrNoTLS, and
// the transaction layer's failover moves on to the next target.

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
