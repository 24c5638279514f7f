//go:build sk400vop_notls

package transport

import (
	"context"
	"crypto/tls"
	"net"
)

// tlsBuiltIn is false in a build with the tag sk400vop_notls: crypto/tls
// is not linked, TLS connections we open go through Sockets that dial TLS
// themselves (TLSDialer) or are refused with ErrNoTLS, and so are TLS
// listeners.
const tlsBuiltIn = false

func serverTLSConfig(*tls.Config) (*tls.Config, error) { return nil, ErrNoTLS }

func tlsClient(net.Conn, *tls.Config, Addr, bool) (net.Conn, error) { return nil, ErrNoTLS }

func tlsServer(raw net.Conn, _ *tls.Config) net.Conn { return raw } // never called: no TLS listener

func handshake(context.Context, net.Conn) error { return nil }
