package transport

import (
	"net/netip"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// ResponseAddr says where a server transaction sends its responses, from
// the top Via of the request and the address the request came from
// (RFC 3261 §18.2.2, RFC 3581 §4):
//   - over a reliable transport, back on the connection the request came
//     on (Flow), or a new one to the received address and sent-by port;
//   - over UDP, to the received address (the source the request really
//     came from) and, with rport, the source port, else the sent-by port.
func ResponseAddr(via sip.Via, src Addr) Addr {
	dst := Addr{Proto: src.Proto, Flow: src.Flow}
	ip := src.Addr.Addr()
	if r, err := netip.ParseAddr(trimBrackets(via.Received())); err == nil {
		ip = r
	} else if h, err := netip.ParseAddr(via.Host); err == nil && via.Received() == "" {
		ip = h // sent-by is the source (a transport stamps received otherwise)
	}
	port := uint16(via.Port)
	if rport, ok := via.RPort(); ok && rport != 0 {
		port = uint16(rport)
	} else if src.Proto.Reliable() && src.Flow != 0 {
		port = src.Addr.Port() // the connection's own port
	}
	if port == 0 {
		port = DefaultPort(src.Proto)
	}
	dst.Addr = netip.AddrPortFrom(ip, port)
	return dst
}

// DefaultPort is 5061 for TLS and 5060 otherwise (RFC 3261 §19.1.2).
func DefaultPort(p Proto) uint16 {
	if p == TLS {
		return 5061
	}
	return 5060
}

func trimBrackets(s string) string {
	if len(s) > 1 && s[0] == '[' && s[len(s)-1] == ']' {
		return s[1 : len(s)-1]
	}
	return s
}
