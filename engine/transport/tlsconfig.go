//go:build !sk400vop_notls

package transport

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// serverTLSConfig returns the configuration of the TLS connections a
// listener accepts: a copy of base, which must hold a certificate, with
// TLS 1.2 as the oldest version unless base says otherwise.
func serverTLSConfig(base *tls.Config) (*tls.Config, error) {
	if base == nil || (len(base.Certificates) == 0 && base.GetCertificate == nil && base.GetConfigForClient == nil) {
		return nil, errors.New("transport: a TLS listener needs Config.TLS with a certificate")
	}
	cfg := base.Clone()
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg, nil
}

// clientTLSConfig returns the configuration of a TLS connection we open
// to dst: a copy of base (RootCAs, client certificates, versions) with
// the server name indication set to dst.Host (RFC 6066 §3; none for an
// address), and, unless insecure, the peer verified by verifyPeer. Go's
// own verification is switched off because it matches wildcards and
// ignores the sip URIs of RFC 5922; base's VerifyConnection runs after
// ours.
func clientTLSConfig(base *tls.Config, dst Addr, insecure bool) *tls.Config {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	cfg.ServerName = dst.Host
	cfg.InsecureSkipVerify = true
	if insecure {
		return cfg
	}
	roots, now, host, ip := cfg.RootCAs, cfg.Time, dst.Host, dst.Addr.Addr()
	next := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		var t time.Time
		if now != nil {
			t = now()
		}
		if err := verifyPeer(cs.PeerCertificates, roots, t, host, ip); err != nil {
			return err
		}
		if next != nil {
			return next(cs)
		}
		return nil
	}
	return cfg
}

// oidSIPDomain is id-kp-sipDomain, the extended key usage of RFC 5924 §4.
var oidSIPDomain = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 20}

// oidSubjectAltName is the subjectAltName extension (RFC 5280 §4.2.1.6).
var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// verifyPeer checks the certificate chain a TLS server presented: the
// chain must lead to roots (the system roots when nil) at time now (the
// present when zero), the leaf's extended key usage, if it has one, must
// allow a SIP server (RFC 5924 §4: id-kp-sipDomain, serverAuth or any),
// and the leaf must prove host, the SIP domain we meant to reach
// (RFC 5922 §7.3), or, when host is empty or an address, ip or that
// address as an IP subjectAltName.
func verifyPeer(certs []*x509.Certificate, roots *x509.CertPool, now time.Time, host string, ip netip.Addr) error {
	if len(certs) == 0 {
		return errors.New("transport: TLS peer sent no certificate")
	}
	leaf := certs[0]
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, // checked below, RFC 5924 style
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return fmt.Errorf("transport: TLS peer certificate: %w", err)
	}
	if !sipServerEKU(leaf) {
		return errors.New("transport: TLS peer certificate not valid for a SIP server (RFC 5924 §4)")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		ip, host = a, ""
	}
	if host == "" {
		if err := leaf.VerifyHostname(ip.WithZone("").String()); err != nil {
			return fmt.Errorf("transport: TLS peer certificate: %w", err)
		}
		return nil
	}
	if !MatchSIPDomain(leaf, host) {
		return fmt.Errorf("transport: TLS peer certificate does not identify SIP domain %q (RFC 5922 §7.2)", host)
	}
	return nil
}

// sipServerEKU reports whether a certificate's extended key usage, if it
// has the extension at all, lets it serve a SIP domain (RFC 5924 §4).
func sipServerEKU(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return true
	}
	return slices.ContainsFunc(c.UnknownExtKeyUsage, oidSIPDomain.Equal)
}

// MatchSIPDomain reports whether the certificate c identifies the SIP
// domain domain, by the rules of RFC 5922 §7.1 and §7.2. The identities
// are the host of every subjectAltName URI of scheme sip without a user
// part, and every subjectAltName DNS name; only when the certificate has
// no subjectAltName extension at all does its subject common name count.
// Names compare case-insensitively and whole: no suffix matching, and a
// wildcard such as "*.example.com" matches only itself.
func MatchSIPDomain(c *x509.Certificate, domain string) bool {
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" {
		return false
	}
	for _, u := range c.URIs {
		if !strings.EqualFold(u.Scheme, "sip") {
			continue
		}
		su, err := sip.ParseURI(u.String())
		if err != nil || su.User != "" || su.Password != "" {
			continue // a URI with a user names a user, not a domain (RFC 5922 §7.1)
		}
		if sameDomain(su.Host, domain) {
			return true
		}
	}
	for _, name := range c.DNSNames {
		if sameDomain(name, domain) {
			return true
		}
	}
	if slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidSubjectAltName) }) {
		return false // RFC 5922 §7.1: never the CN when subjectAltName is there
	}
	return sameDomain(c.Subject.CommonName, domain)
}

func sameDomain(a, b string) bool {
	a = strings.TrimSuffix(a, ".")
	return a != "" && strings.EqualFold(a, b)
}
