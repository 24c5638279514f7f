package main

// SIP trace (config.sip_trace, on_sip_trace): a transport.Sockets wrapper
// that copies every datagram and every stream chunk the SIP sockets carry
// into the event stream. It wraps whichever sockets the stack uses, the
// built-in ones or the app's network table, so the trace shows the bytes
// on the wire: a stream chunk may hold part of a message or several, and
// TLS is seen encrypted.

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"net"

	"github.com/sk400vop/sk400vop/engine/transport"
)

// evTrace is the kind of a trace record (events.go has 1.., media_builtin.go 100..).
const evTrace = 200

// traceData is what one on_sip_trace call shows.
type traceData struct {
	out  bool
	peer string
	data []byte
}

// trace queues a copy of b, sent to or read from peer.
func (st *cstack) trace(out bool, peer net.Addr, b []byte) {
	if len(b) == 0 {
		return
	}
	p := ""
	if peer != nil {
		p = peer.String()
	}
	st.push(event{kind: evTrace, trace: &traceData{out: out, peer: p, data: append([]byte(nil), b...)}})
}

// deliverTrace calls on_sip_trace, on the dispatcher.
func (st *cstack) deliverTrace(e *event) {
	if st.ev.on_sip_trace == nil || e.trace == nil {
		return
	}
	t := e.trace
	C.sk400vop__call_trace(st.ev, C.uintptr_t(st.appCtx), C.uint64_t(st.id), cbool(t.out), st.cs.str(t.peer),
		st.cs.bytes(t.data), C.size_t(len(t.data)))
}

// traceSockets wraps the sockets of a stack that traces.
type traceSockets struct {
	inner transport.Sockets
	st    *cstack
}

func (t traceSockets) ListenPacket(network, address string) (net.PacketConn, error) {
	pc, err := t.inner.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return &tracePacketConn{PacketConn: pc, st: t.st}, nil
}

func (t traceSockets) Listen(network, address string) (net.Listener, error) {
	ln, err := t.inner.Listen(network, address)
	if err != nil {
		return nil, err
	}
	return &traceListener{Listener: ln, st: t.st}, nil
}

func (t traceSockets) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := t.inner.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &traceConn{Conn: c, st: t.st}, nil
}

// traceTLSSockets is traceSockets over Sockets that dial TLS themselves
// (tlsNet): what they carry is plaintext, and is traced as such.
type traceTLSSockets struct{ traceSockets }

func (t traceTLSSockets) DialTLS(ctx context.Context, address, serverName string, verify bool) (net.Conn, error) {
	c, err := t.inner.(transport.TLSDialer).DialTLS(ctx, address, serverName, verify)
	if err != nil {
		return nil, err
	}
	return &traceConn{Conn: c, st: t.st}, nil
}

type tracePacketConn struct {
	net.PacketConn
	st *cstack
}

func (c *tracePacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, a, err := c.PacketConn.ReadFrom(b)
	if n > 0 {
		c.st.trace(false, a, b[:n])
	}
	return n, a, err
}

func (c *tracePacketConn) WriteTo(b []byte, a net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(b, a)
	if err == nil {
		c.st.trace(true, a, b)
	}
	return n, err
}

type traceListener struct {
	net.Listener
	st *cstack
}

func (l *traceListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &traceConn{Conn: c, st: l.st}, nil
}

type traceConn struct {
	net.Conn
	st *cstack
}

func (c *traceConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.st.trace(false, c.Conn.RemoteAddr(), b[:n])
	}
	return n, err
}

func (c *traceConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.st.trace(true, c.Conn.RemoteAddr(), b[:n])
	}
	return n, err
}
