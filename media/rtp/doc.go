// Package rtp is the RTP/RTCP session of one call (RFC 3550, RFC 3551):
// it sends audio read from a Source every packet time, receives the
// peer's stream through an adaptive jitter buffer into a Sink, and
// exchanges RTCP reports. Packets are built and parsed with
// github.com/pion/rtp and github.com/pion/rtcp.
//
// The Session is sans-IO, like the rest of the engine: it reads time and
// arms its one packet-time timer through a clock.Clock, sends datagrams
// through a Conn, and is fed what arrives through Receive. All of its
// methods and callbacks run on one goroutine, the stack's event loop, so
// it needs no locks. Ports opens the UDP socket pair of a call within a
// port range and posts what its sockets read to that loop.
//
// Received RTP is accepted only from the peer (symmetric RTP with
// latching, see latch.go), only with a negotiated payload type, and the
// audio path allocates nothing per frame.
package rtp
