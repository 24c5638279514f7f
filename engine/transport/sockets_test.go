package transport

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
)

// countingSockets is an app-supplied Sockets: it wraps the defaults and
// counts the calls, and hides the concrete socket types, as a C API
// implementation would.
type countingSockets struct {
	packets, listens, dials atomic.Int32
}

type opaquePacketConn struct{ net.PacketConn }
type opaqueConn struct{ net.Conn }

func (s *countingSockets) ListenPacket(network, address string) (net.PacketConn, error) {
	s.packets.Add(1)
	pc, err := DefaultSockets().ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return opaquePacketConn{pc}, nil
}

func (s *countingSockets) Listen(network, address string) (net.Listener, error) {
	s.listens.Add(1)
	return DefaultSockets().Listen(network, address)
}

func (s *countingSockets) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	s.dials.Add(1)
	nc, err := DefaultSockets().DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return opaqueConn{nc}, nil
}

func TestCustomSockets(t *testing.T) {
	var s countingSockets
	a, ha := newTestLayer(t, Config{Sockets: &s, Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}, {TCP, "127.0.0.1:0"}}})
	if err := a.Send(local(t, b, UDP), newRequest(t, "OPTIONS", "UDP", local(t, a, UDP).Addr, nil)); err != nil {
		t.Fatal(err)
	}
	r := hb.message(t)
	if r.src != local(t, a, UDP) {
		t.Fatalf("source %v", r.src)
	}
	if err := b.Send(r.src, newRequest(t, "OPTIONS", "UDP", local(t, b, UDP).Addr, nil)); err != nil {
		t.Fatal(err)
	}
	if got := ha.message(t); got.src != local(t, b, UDP) {
		t.Fatalf("source %v", got.src)
	}
	if err := a.Send(local(t, b, TCP), newRequest(t, "OPTIONS", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)); err != nil {
		t.Fatal(err)
	}
	hb.message(t)
	if s.packets.Load() != 1 || s.listens.Load() != 0 || s.dials.Load() != 1 {
		t.Fatalf("calls: %d %d %d", s.packets.Load(), s.listens.Load(), s.dials.Load())
	}
}
