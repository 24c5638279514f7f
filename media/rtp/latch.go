package rtp

import "net/netip"

// latchAfter is how many consecutive valid packets of one stream from a
// new address, not the signalled one, move the latch there.
const latchAfter = 5

// latch implements symmetric RTP (DESIGN §6): we send to, and accept from,
// the address the peer's stream actually comes from, which differs from
// the signalled one behind a NAT. The latch moves only for packets that
// look like the peer's stream, never to a random injector:
//   - the packet has a negotiated payload type (checked by the caller);
//   - its SSRC is the peer's, once we know the peer's stream;
//   - it comes from the signalled IP address (the port may differ), or
//     latchAfter packets in a row came from the same new address with the
//     same SSRC.
type latch struct {
	signalled netip.AddrPort // from the SDP
	peer      netip.AddrPort // where RTP goes and is accepted from

	cand     netip.AddrPort
	candSSRC uint32
	candN    int
}

func (l *latch) reset(signalled netip.AddrPort) {
	*l = latch{signalled: signalled, peer: signalled}
}

// accept reports whether an RTP packet with ssrc from from belongs to the
// peer's stream, moving the latch if the rules above allow. known and
// cur are whether we know the peer's stream and its SSRC.
func (l *latch) accept(from netip.AddrPort, ssrc uint32, known bool, cur uint32) bool {
	if from == l.peer {
		l.candN = 0
		return true
	}
	if known && ssrc != cur {
		return false
	}
	if from.Addr() == l.signalled.Addr() {
		l.peer, l.candN = from, 0
		return true
	}
	if from == l.cand && ssrc == l.candSSRC {
		l.candN++
	} else {
		l.cand, l.candSSRC, l.candN = from, ssrc, 1
	}
	if l.candN < latchAfter {
		return false
	}
	l.peer, l.candN = from, 0
	return true
}

// moved reports whether the latch left the signalled address.
func (l *latch) moved() bool { return l.peer != l.signalled }
