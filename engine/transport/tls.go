//go:build !sk400vop_notls

package transport

import (
	"context"
	"crypto/tls"
	"net"
)

// tlsBuiltIn says this build carries crypto/tls; a build with the tag
// sk400vop_notls leaves it out (1.4 MB less library) and takes TLS from
// Sockets that dial it themselves (TLSDialer: the platform's), refusing
// it with ErrNoTLS otherwise.
const tlsBuiltIn = true

// tlsClient wraps raw, a connection we opened to dst, in a TLS client
// with the peer verification of clientTLSConfig.
func tlsClient(raw net.Conn, base *tls.Config, dst Addr, insecure bool) (net.Conn, error) {
	return tls.Client(raw, clientTLSConfig(base, dst, insecure)), nil
}

// tlsServer wraps raw, a connection a TLS listener accepted.
func tlsServer(raw net.Conn, cfg *tls.Config) net.Conn { return tls.Server(raw, cfg) }

// handshake runs nc's TLS handshake within ctx; nothing for plain TCP.
func handshake(ctx context.Context, nc net.Conn) error {
	if tc, ok := nc.(*tls.Conn); ok {
		return tc.HandshakeContext(ctx)
	}
	return nil
}
