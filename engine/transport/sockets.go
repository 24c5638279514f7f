package transport

import (
	"context"
	"net"
)

// Sockets is the network seam of the transports: every socket a Layer
// opens comes from it. DefaultSockets uses package net; the C API plugs in
// the app's own Berkeley-socket callbacks by implementing it, so that an
// Android app can bind sockets to one network or a VPN app can protect
// them from its own tunnel.
//
// ListenPacket is called with network "udp", Listen and DialContext with
// "tcp" (TLS runs over "tcp"); addresses are "host:port" as package net
// spells them. The PacketConn should be a *net.UDPConn where possible,
// which lets the UDP transport read and write without allocating
// addresses; any other implementation must return *net.UDPAddr source
// addresses or addresses whose String is "ip:port". Stream sockets
// should keep TCP_NODELAY on, as package net does: the Layer can only set
// it on a *net.TCPConn.
type Sockets interface {
	ListenPacket(network, address string) (net.PacketConn, error)
	Listen(network, address string) (net.Listener, error)
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// TLSDialer is what a Sockets also implements when it makes TLS client
// connections itself, with the platform's TLS (the C API's network table
// with its connect_tls: Network.framework, SSLSocket, OpenSSL). DialTLS
// connects to address ("host:port", over TCP) and completes the handshake
// before it returns a connection that carries the plaintext: serverName
// for SNI and, when verify is set, for checking the server's certificate
// (RFC 5922: the SIP domain; the address when serverName is ""). A Layer
// whose Sockets is a TLSDialer opens every TLS connection with it, in a
// library built without crypto/tls too; TLS listeners still need the
// built-in TLS.
type TLSDialer interface {
	DialTLS(ctx context.Context, address, serverName string, verify bool) (net.Conn, error)
}

// DefaultSockets returns the Sockets of package net: a net.ListenConfig
// and a net.Dialer with their default settings (TCP keep-alive probes on,
// and TCP_NODELAY on, which Go sets on every TCP connection).
func DefaultSockets() Sockets { return netSockets{} }

// netSockets is DefaultSockets.
type netSockets struct{}

func (netSockets) ListenPacket(network, address string) (net.PacketConn, error) {
	var lc net.ListenConfig
	return lc.ListenPacket(context.Background(), network, address)
}

func (netSockets) Listen(network, address string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(context.Background(), network, address)
}

func (netSockets) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}
