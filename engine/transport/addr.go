package transport

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Proto is a SIP transport protocol.
type Proto uint8

// The transports sk400vop speaks.
const (
	UDP Proto = iota + 1
	TCP
	TLS
)

// String returns the name used in Via headers and transport parameters.
func (p Proto) String() string {
	switch p {
	case UDP:
		return "UDP"
	case TCP:
		return "TCP"
	case TLS:
		return "TLS"
	}
	return fmt.Sprintf("Proto(%d)", uint8(p))
}

// Reliable reports whether the transport delivers in order without loss,
// which switches off retransmissions (RFC 3261 §17.1.1.2, §17.1.2.2).
func (p Proto) Reliable() bool { return p == TCP || p == TLS }

// Secure reports whether the transport is TLS (RFC 3261 §26.2.1: a sips
// URI is only ever reached this way).
func (p Proto) Secure() bool { return p == TLS }

// ParseProto reads a Via or transport= value, case-insensitively.
func ParseProto(s string) (Proto, bool) {
	switch {
	case strings.EqualFold(s, "udp"):
		return UDP, true
	case strings.EqualFold(s, "tcp"):
		return TCP, true
	case strings.EqualFold(s, "tls"):
		return TLS, true
	}
	return 0, false
}

// Addr says where a message goes or where it came from.
type Addr struct {
	Proto Proto
	Addr  netip.AddrPort
	// Host is the name the far end must prove with its TLS certificate
	// (RFC 5922); empty for UDP and TCP, or when connecting to a literal
	// address whose certificate carries the address.
	Host string
	// Flow names the connection a message arrived on (TCP, TLS), so that
	// responses go back over it (RFC 3261 §18.2.2); 0 means any
	// connection to Addr, or a new one.
	Flow uint64
}

func (a Addr) String() string {
	s := a.Proto.String() + ":" + a.Addr.String()
	if a.Host != "" {
		s += "(" + a.Host + ")"
	}
	return s
}

// Sender is what the transaction layer needs from the transports. Send is
// called from the protocol core's goroutine and must not block on the
// network: a reliable transport that still has to connect queues the
// message and reports a later failure through Handler.HandleFlowError.
type Sender interface {
	// Send puts msg on the wire to dst. It serializes msg before it
	// returns, whatever it returns: the caller may reuse msg afterwards
	// (the UA gives its ACKs back to sip's pool).
	Send(dst Addr, msg *sip.Message) error
}

// Handler receives what the transports read and the failures they see.
// Its methods are called on the protocol core's goroutine.
type Handler interface {
	// HandleMessage takes a parsed message from src. The message owns its
	// buffer: the handler may keep it.
	HandleMessage(msg *sip.Message, src Addr)
	// HandleFlowError reports that a flow died (connection refused or
	// reset, TLS failure, keep-alive pong missing): transactions using it
	// fail at once instead of waiting for their timers.
	HandleFlowError(flow Addr, err error)
}
