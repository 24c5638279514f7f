package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit/streampeer"
)

// platformTLS is Sockets with its own TLS, as the C API's network table
// with connect_tls is: here crypto/tls in the test stands in for the
// platform's, so the test runs in a build without TLS (make notls) too.
type platformTLS struct {
	Sockets
	roots *x509.CertPool

	mu    sync.Mutex
	calls []string // "serverName verify"
}

func (p *platformTLS) DialTLS(ctx context.Context, address, serverName string, verify bool) (net.Conn, error) {
	p.mu.Lock()
	p.calls = append(p.calls, serverName+" "+map[bool]string{true: "verify", false: "no-verify"}[verify])
	p.mu.Unlock()
	d := tls.Dialer{Config: &tls.Config{RootCAs: p.roots, ServerName: serverName, InsecureSkipVerify: !verify}}
	return d.DialContext(ctx, "tcp", address)
}

// sipOverTLS is a TLS server that answers every request with 200.
func sipOverTLS(t *testing.T, cert tls.Certificate) netip.AddrPort {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				streampeer.Answer(c, func(req *sip.Message) *sip.Message { return sip.NewResponse(req, 200, "") })
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// TestTLSDialer: a Layer whose Sockets dial TLS themselves sends over TLS
// through them — with verification asked for the SIP domain, or not when
// InsecureSkipVerify — whether or not crypto/tls is built in.
func TestTLSDialer(t *testing.T) {
	cert, pool := testPKI(t, "sip.example.test")
	server := sipOverTLS(t, cert)
	for _, insecure := range []bool{false, true} {
		p := &platformTLS{Sockets: DefaultSockets(), roots: pool}
		l, h := newTestLayer(t, Config{Sockets: p, InsecureSkipVerify: insecure})
		req := newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), nil)
		if err := l.Send(Addr{Proto: TLS, Addr: server, Host: "sip.example.test"}, req); err != nil {
			t.Fatalf("insecure=%v: send over the Sockets' TLS: %v", insecure, err)
		}
		if r := h.message(t); r.msg.StatusCode() != 200 || r.src.Proto != TLS {
			t.Fatalf("insecure=%v: got %d over %v", insecure, r.msg.StatusCode(), r.src.Proto)
		}
		want := "sip.example.test verify"
		if insecure {
			want = "sip.example.test no-verify"
		}
		p.mu.Lock()
		calls := p.calls
		p.mu.Unlock()
		if len(calls) != 1 || calls[0] != want {
			t.Errorf("DialTLS calls %q, want [%q]", calls, want)
		}
	}
}
