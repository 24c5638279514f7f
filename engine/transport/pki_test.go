package transport

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/sk400vop/sk400vop/engine/testkit/pki"
)

// testPKI issues a server certificate for names and a pool trusting it.
func testPKI(t *testing.T, names ...string) (tls.Certificate, *x509.CertPool) {
	return testPKISpec(t, pki.Spec{Names: names, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
}

func testPKISpec(t *testing.T, spec pki.Spec) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool, err := pki.Issue(spec)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pool
}

// serverTLS serves cert, reporting each client's SNI on sni if not nil.
func serverTLS(cert tls.Certificate, sni chan<- string) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if sni != nil {
		cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			select {
			case sni <- hello.ServerName:
			default:
			}
			return nil, nil
		}
	}
	return cfg
}

func clientTLS(roots *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: roots} }

// tlsPair starts a TLS server Layer b with cert and a client Layer a
// trusting pool.
func tlsPair(t *testing.T, cert tls.Certificate, pool *x509.CertPool, sni chan<- string, clientCfg Config) (a *Layer, ha *fakeHandler, b *Layer, hb *fakeHandler) {
	t.Helper()
	b, hb = newTestLayer(t, Config{Listen: []ListenSpec{{TLS, "127.0.0.1:0"}}, TLS: serverTLS(cert, sni)})
	if clientCfg.TLS == nil {
		clientCfg.TLS = clientTLS(pool)
	}
	a, ha = newTestLayer(t, clientCfg)
	return a, ha, b, hb
}
