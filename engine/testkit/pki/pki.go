// Package pki issues throw-away TLS certificates for tests: a fresh CA and
// a leaf with the subjectAltNames a SIP server presents (RFC 5922). It is
// a leaf package so that any test, the transport's own included, can use it.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Spec describes a leaf certificate.
type Spec struct {
	Names    []string // subjectAltNames: "sip:domain" URIs, IP addresses or DNS names
	CN       string   // subject common name
	EKU      []x509.ExtKeyUsage
	EKUOther []asn1.ObjectIdentifier // e.g. id-kp-sipDomain (RFC 5924)
	Expired  bool                    // valid until an hour ago
}

// ForNames issues a server certificate for names, with serverAuth usage,
// and returns it with a pool that trusts its CA.
func ForNames(names ...string) (tls.Certificate, *x509.CertPool, error) {
	return Issue(Spec{Names: names, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
}

// Issue makes a self-signed ECDSA P-256 CA and a leaf it signs per spec,
// returning the leaf (with the CA in its chain) and a pool holding the CA.
func Issue(spec Spec) (tls.Certificate, *x509.CertPool, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sk400vop test CA"},
		NotBefore:             now.Add(-2 * time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	notAfter := now.Add(time.Hour)
	if spec.Expired {
		notAfter = now.Add(-time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(2),
		Subject:            pkix.Name{CommonName: spec.CN},
		NotBefore:          now.Add(-2 * time.Hour),
		NotAfter:           notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        spec.EKU,
		UnknownExtKeyUsage: spec.EKUOther,
	}
	for _, n := range spec.Names {
		switch ip, err := netip.ParseAddr(n); {
		case err == nil:
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
		case strings.HasPrefix(n, "sip:"):
			u, err := url.Parse(n)
			if err != nil {
				return tls.Certificate{}, nil, err
			}
			tmpl.URIs = append(tmpl.URIs, u)
		default:
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key, Leaf: leaf}, pool, nil
}
