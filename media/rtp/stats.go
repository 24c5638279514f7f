package rtp

import (
	"net/netip"
	"time"
)

// Stats are the figures of a session, for the app and for call quality
// reports. Byte counts are payload octets, as in an SR (RFC 3550 §6.4.1).
type Stats struct {
	SSRC       uint32         // ours
	RemoteSSRC uint32         // the peer's stream, 0 before it
	RemoteAddr netip.AddrPort // where RTP goes: the latched peer address

	PacketsSent, BytesSent         uint64
	PacketsReceived, BytesReceived uint64
	// Discarded counts duplicates and the packets of sequence jumps
	// dropped by RFC 3550 A.1; Streams counts the peer's SSRCs.
	Discarded, Streams uint64
	// Lost is the cumulative number of the peer's packets lost
	// (RFC 3550 A.3); Jitter the interarrival jitter of its stream (A.8).
	Lost   int64
	Jitter time.Duration

	// Jitter buffer: late packets, concealed frames, frames dropped and
	// inserted to adapt the delay, restarts of playout, and the current
	// target delay.
	Late, Concealed, Dropped, Inserted, Resyncs uint64
	Delay                                       time.Duration

	// From the peer's last report about our stream: fraction lost in its
	// last interval, cumulative lost, the cumulative loss rate, its
	// jitter; and the round-trip time (RFC 3550 §6.4.1).
	RemoteFractionLost float64
	RemoteLost         int64
	RemoteLossRate     float64
	RemoteJitter       time.Duration
	RTT                time.Duration

	LastSRSent, LastRRSent         time.Time
	LastSRReceived, LastRRReceived time.Time
	ByeReceived                    bool
}

// Stats returns the session's figures now.
func (s *Session) Stats() Stats {
	st := s.statsData
	st.SSRC = s.ssrc
	st.RemoteAddr = s.latch.peer
	if s.remote.active {
		st.RemoteSSRC = s.remote.ssrc
		st.Lost = s.remote.lost()
		st.Jitter = s.tsDuration(uint32(s.remote.jitter))
	}
	j := s.jb.stats
	st.Late, st.Concealed, st.Dropped, st.Inserted, st.Resyncs = j.late, j.concealed, j.dropped, j.inserted, j.resyncs
	st.Delay = s.tsDuration(uint32(s.jb.target))
	return st
}
