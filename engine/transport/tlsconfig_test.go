//go:build !sk400vop_notls

package transport

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit/pki"
)

func TestTLSVerifiedDomain(t *testing.T) {
	cert, pool := testPKI(t, "sip:example.com", "sip.example.com")
	sni := make(chan string, 4)
	a, ha, b, hb := tlsPair(t, cert, pool, sni, Config{})
	dst := local(t, b, TLS)
	dst.Host = "example.com"
	req := newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), []byte("hello"))
	if err := a.Send(dst, req); err != nil {
		t.Fatal(err)
	}
	r := hb.message(t)
	if string(r.msg.Body()) != "hello" || r.src.Proto != TLS || r.src.Flow == 0 {
		t.Fatalf("got %v from %v", r.msg, r.src)
	}
	if got := <-sni; got != "example.com" {
		t.Fatalf("SNI %q", got)
	}
	// The response goes back over the same connection.
	if err := b.Send(r.src, sip.NewResponse(r.msg, 200, "")); err != nil {
		t.Fatal(err)
	}
	resp := ha.message(t)
	if resp.msg.StatusCode() != 200 || resp.src.Host != "example.com" || resp.src.Proto != TLS {
		t.Fatalf("got %v from %v", resp.msg.StatusCode(), resp.src)
	}
	if a.Stats().Conns != 1 || b.Stats().Conns != 1 {
		t.Fatalf("connections: %d, %d", a.Stats().Conns, b.Stats().Conns)
	}
}

func TestTLSWrongHost(t *testing.T) {
	cert, pool := testPKI(t, "sip:example.com", "sip.example.com")
	sni := make(chan string, 4)
	a, ha, b, hb := tlsPair(t, cert, pool, sni, Config{})
	dst := local(t, b, TLS)
	dst.Host = "example.org"
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), nil)); err != nil {
		t.Fatal(err)
	}
	f := ha.failure(t)
	if f.flow.Addr != dst.Addr || f.flow.Host != "example.org" || f.flow.Proto != TLS || f.flow.Flow == 0 {
		t.Fatalf("flow %v", f.flow)
	}
	if !strings.Contains(f.err.Error(), "example.org") {
		t.Fatalf("error %v", f.err)
	}
	if got := <-sni; got != "example.org" {
		t.Fatalf("SNI %q", got)
	}
	hb.noMessage(t, 50*time.Millisecond)
}

func TestTLSUntrustedChain(t *testing.T) {
	cert, _ := testPKI(t, "sip:example.com")
	_, otherPool := testPKI(t, "sip:example.com")
	a, ha, b, hb := tlsPair(t, cert, otherPool, nil, Config{})
	dst := local(t, b, TLS)
	dst.Host = "example.com"
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), nil)); err != nil {
		t.Fatal(err)
	}
	var unknown x509.UnknownAuthorityError
	if f := ha.failure(t); !errors.As(f.err, &unknown) {
		t.Fatalf("error %v", f.err)
	}
	hb.noMessage(t, 20*time.Millisecond)
}

func TestTLSInsecureSkipVerify(t *testing.T) {
	cert, _ := testPKI(t, "sip:example.com")
	a, _, b, hb := tlsPair(t, cert, nil, nil, Config{TLS: &tls.Config{}, InsecureSkipVerify: true})
	dst := local(t, b, TLS)
	dst.Host = "anything.invalid"
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), nil)); err != nil {
		t.Fatal(err)
	}
	hb.message(t)
}

// TestTLSAddressIdentity reaches a server by address alone: its
// certificate must carry the address.
func TestTLSAddressIdentity(t *testing.T) {
	for _, tc := range []struct {
		names []string
		ok    bool
	}{{[]string{"127.0.0.1"}, true}, {[]string{"localhost", "sip:127.0.0.1"}, false}} {
		cert, pool := testPKI(t, tc.names...)
		a, ha, b, hb := tlsPair(t, cert, pool, nil, Config{})
		if err := a.Send(local(t, b, TLS), newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), nil)); err != nil {
			t.Fatal(err)
		}
		if tc.ok {
			hb.message(t)
		} else {
			ha.failure(t)
		}
	}
}

func TestSIPSOnlyOverTLS(t *testing.T) {
	cert, pool := testPKI(t, "sip:example.com")
	a, _, b, hb := tlsPair(t, cert, pool, nil, Config{})
	req, err := sip.NewRequest(sip.RequestSpec{Method: "OPTIONS", RequestURI: sip.URI{Scheme: "sips", Host: "example.com"},
		Via: sip.Via{Transport: "TLS", Host: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	dst := local(t, b, TLS)
	if err := a.Send(Addr{Proto: TCP, Addr: dst.Addr}, req); !errors.Is(err, ErrSIPSOverTLS) {
		t.Fatalf("sips over TCP: %v", err)
	}
	if err := a.Send(Addr{Proto: UDP, Addr: dst.Addr}, req); !errors.Is(err, ErrSIPSOverTLS) {
		t.Fatalf("sips over UDP: %v", err)
	}
	dst.Host = "example.com"
	if err := a.Send(dst, req); err != nil {
		t.Fatal(err)
	}
	hb.message(t)
}

func TestMatchSIPDomain(t *testing.T) {
	cert, _ := testPKI(t, "sip:example.com", "sip:alice@user.example.net", "sip.example.com", "*.wild.example.org", "192.0.2.1")
	for _, tc := range []struct {
		domain string
		want   bool
	}{
		{"example.com", true},
		{"EXAMPLE.com", true},
		{"example.com.", true},
		{"sip.example.com", true},
		{"other.example.com", false}, // no suffix match
		{"com", false},
		{"user.example.net", false},   // a URI with a user names a user
		{"a.wild.example.org", false}, // no wildcards
		{"*.wild.example.org", true},
		{"192.0.2.1", false}, // addresses are not SIP domain identities
		{"", false},
	} {
		if got := MatchSIPDomain(cert.Leaf, tc.domain); got != tc.want {
			t.Errorf("MatchSIPDomain(%q) = %v", tc.domain, got)
		}
	}
	// The CN counts only without a subjectAltName extension.
	withSAN, _ := testPKISpec(t, pki.Spec{Names: []string{"sip.example.com"}, CN: "cn.example.com"})
	if MatchSIPDomain(withSAN.Leaf, "cn.example.com") {
		t.Error("CN used although subjectAltName is present")
	}
	noSAN, _ := testPKISpec(t, pki.Spec{CN: "cn.example.com"})
	if !MatchSIPDomain(noSAN.Leaf, "cn.example.com") {
		t.Error("CN not used without subjectAltName")
	}
}

func TestVerifyPeerEKU(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		name  string
		spec  pki.Spec
		valid bool
	}{
		{"no EKU", pki.Spec{Names: []string{"sip:example.com"}}, true},
		{"serverAuth", pki.Spec{Names: []string{"sip:example.com"}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, true},
		{"sipDomain (RFC 5924)", pki.Spec{Names: []string{"sip:example.com"}, EKUOther: []asn1.ObjectIdentifier{oidSIPDomain}}, true},
		{"clientAuth only", pki.Spec{Names: []string{"sip:example.com"}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, false},
	} {
		cert, pool := testPKISpec(t, tc.spec)
		chain := []*x509.Certificate{cert.Leaf}
		err := verifyPeer(chain, pool, time.Time{}, "example.com", ip)
		if (err == nil) != tc.valid {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	cert, pool := testPKI(t, "sip:example.com")
	if err := verifyPeer([]*x509.Certificate{cert.Leaf}, pool, time.Now().Add(48*time.Hour), "example.com", ip); err == nil {
		t.Error("expired certificate accepted")
	}
	if err := verifyPeer(nil, pool, time.Time{}, "example.com", ip); err == nil {
		t.Error("no certificate accepted")
	}
}

// TestClientTLSConfig checks what the Layer makes of Config.TLS.
func TestClientTLSConfig(t *testing.T) {
	called := false
	base := &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(tls.ConnectionState) error { called = true; return nil }}
	cfg := clientTLSConfig(base, Addr{Proto: TLS, Addr: netip.MustParseAddrPort("192.0.2.1:5061"), Host: "example.com"}, false)
	if cfg.ServerName != "example.com" || cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("ServerName %q MinVersion %x", cfg.ServerName, cfg.MinVersion)
	}
	// base's InsecureSkipVerify does not switch our checks off.
	if err := cfg.VerifyConnection(tls.ConnectionState{}); err == nil || called {
		t.Fatalf("verification skipped: %v, user callback called %v", err, called)
	}
	if base.ServerName != "" {
		t.Fatal("base modified")
	}
	cert, pool := testPKI(t, "sip:example.com")
	base.RootCAs = pool
	cfg = clientTLSConfig(base, Addr{Proto: TLS, Addr: netip.MustParseAddrPort("192.0.2.1:5061"), Host: "example.com"}, false)
	if err := cfg.VerifyConnection(tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert.Leaf}}); err != nil || !called {
		t.Fatalf("verification: %v, user callback called %v", err, called)
	}
	if _, err := serverTLSConfig(&tls.Config{}); err == nil {
		t.Fatal("server config without certificate accepted")
	}
}
