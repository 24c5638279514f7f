package rtp

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// rtcpInterval draws the next report interval: the mean times a factor
// uniform in [0.5, 1.5] (RFC 3550 §6.3.1, minimal form for two parties).
func (s *Session) rtcpInterval() time.Duration {
	return time.Duration((0.5 + s.rng.Float64()) * float64(s.cfg.RTCPInterval))
}

func (s *Session) rtcpTick() {
	s.rtcpT = nil
	if s.closed || !s.neg.Active {
		return
	}
	s.sendRTCP(s.clk.Now(), false)
	s.rtcpT = s.clk.AfterFunc(s.rtcpInterval(), s.rtcpFn)
}

// rtcpDest is where RTCP goes: where the peer's RTCP comes from once seen;
// else, if RTP latched to a new address, its port plus one (RFC 3550
// §11); else the signalled RTCP address.
func (s *Session) rtcpDest() netip.AddrPort {
	switch {
	case s.rtcpPeer.IsValid():
		return s.rtcpPeer
	case s.latch.moved():
		return netip.AddrPortFrom(s.latch.peer.Addr(), s.latch.peer.Port()+1)
	}
	return s.neg.RemoteRTCP
}

// sendRTCP sends a compound packet (RFC 3550 §6.1): an SR if we sent RTP
// in the last two intervals (§6.4), else an RR, with a report block about
// the peer's stream if it sent since the last report; an SDES CNAME; and a
// BYE if bye.
func (s *Session) sendRTCP(now time.Time, bye bool) {
	var blocks []rtcp.ReceptionReport
	if s.remote.active && (s.remote.received > s.remote.receivedPrior) {
		blocks = append(blocks, s.remote.report(now))
	}
	// Each packet is marshalled as its own type and the compound is their
	// concatenation (RFC 3550 §6.1). Going through rtcp.Packet would make
	// the packets' reflective String methods reachable, and with them
	// reflect.Value.MethodByName, which stops the linker from dropping
	// any unused exported method of the whole library.
	var b []byte
	add := func(p []byte, err error) {
		if err == nil {
			b = append(b, p...)
		}
	}
	if !s.lastSent.IsZero() && now.Sub(s.lastSent) < 2*s.cfg.RTCPInterval {
		sr := rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     ntpTime(now),
			RTPTime:     s.rtpTime(now),
			PacketCount: uint32(s.statsData.PacketsSent),
			OctetCount:  uint32(s.statsData.BytesSent),
			Reports:     blocks,
		}
		add(sr.Marshal())
		s.statsData.LastSRSent = now
	} else {
		rr := rtcp.ReceiverReport{SSRC: s.ssrc, Reports: blocks}
		add(rr.Marshal())
		s.statsData.LastRRSent = now
	}
	add(rtcp.NewCNAMESourceDescription(s.ssrc, s.cname).Marshal())
	if bye {
		g := rtcp.Goodbye{Sources: []uint32{s.ssrc}}
		add(g.Marshal())
	}
	if len(b) == 0 {
		return
	}
	_ = s.cfg.RTCP.WriteTo(b, s.rtcpDest())
}

// rtpTime returns the RTP timestamp of the instant now on our sampling
// clock, for an SR (RFC 3550 §6.4.1).
func (s *Session) rtpTime(now time.Time) uint32 {
	d := s.due.Sub(now)
	return s.ts - uint32(int64(d)*int64(s.rate)/int64(time.Second))
}

// receiveRTCP reads a compound RTCP packet from the peer, one packet at a
// time by its header (RFC 3550 §6.1), each as its own type.
func (s *Session) receiveRTCP(b []byte, from netip.AddrPort) {
	first := true
	var now time.Time
	for len(b) >= 4 {
		var h rtcp.Header
		if h.Unmarshal(b) != nil {
			return
		}
		n := 4 * (int(h.Length) + 1)
		if n > len(b) {
			return
		}
		pkt := b[:n]
		b = b[n:]
		if first {
			// Only the peer's reports count: from the peer's addresses,
			// and about its stream's SSRC once we know it. A compound
			// packet starts with a report (§6.1), whose SSRC follows
			// the header in both kinds.
			first = false
			if h.Type != rtcp.TypeSenderReport && h.Type != rtcp.TypeReceiverReport || len(pkt) < 8 {
				return
			}
			sender := binary.BigEndian.Uint32(pkt[4:8])
			if s.remote.active && sender != s.remote.ssrc ||
				from.Addr() != s.latch.peer.Addr() && from != s.neg.RemoteRTCP {
				return
			}
			if s.remote.active {
				s.rtcpPeer = from
			}
			now = s.clk.Now()
		}
		switch h.Type {
		case rtcp.TypeSenderReport:
			var sr rtcp.SenderReport
			if sr.Unmarshal(pkt) != nil {
				return
			}
			if s.remote.active && sr.SSRC == s.remote.ssrc {
				s.remote.lastSR = uint32(sr.NTPTime >> 16)
				s.remote.lastSRTime = now
			}
			s.statsData.LastSRReceived = now
			s.reportBlocks(now, sr.Reports)
		case rtcp.TypeReceiverReport:
			var rr rtcp.ReceiverReport
			if rr.Unmarshal(pkt) != nil {
				return
			}
			s.statsData.LastRRReceived = now
			s.reportBlocks(now, rr.Reports)
		case rtcp.TypeGoodbye:
			s.statsData.ByeReceived = true
		}
	}
}

// reportBlocks takes the peer's report about our stream: its loss and
// jitter figures, and the round-trip time A - LSR - DLSR (RFC 3550
// §6.4.1).
func (s *Session) reportBlocks(now time.Time, blocks []rtcp.ReceptionReport) {
	for _, r := range blocks {
		if r.SSRC != s.ssrc {
			continue
		}
		st := &s.statsData
		st.RemoteFractionLost = float64(r.FractionLost) / 256
		st.RemoteLost = int64(int32(r.TotalLost<<8) >> 8) // 24-bit signed
		if expected := int64(r.LastSequenceNumber) - int64(s.firstSeq) + 1; expected > 0 {
			st.RemoteLossRate = float64(st.RemoteLost) / float64(expected)
		}
		st.RemoteJitter = s.tsDuration(r.Jitter)
		if r.LastSenderReport != 0 {
			a := uint32(ntpTime(now) >> 16)
			if rtt := int32(a - r.LastSenderReport - r.Delay); rtt >= 0 {
				st.RTT = time.Duration(int64(rtt) * int64(time.Second) / 65536)
			}
		}
	}
}

// ntpEpochOffset is the seconds from 1900 (NTP) to 1970 (Unix).
const ntpEpochOffset = 2208988800

// ntpTime returns t as a 64-bit NTP timestamp (RFC 3550 §4).
func ntpTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return sec<<32 | frac
}

// tsDuration converts timestamp units to time.
func (s *Session) tsDuration(units uint32) time.Duration {
	if s.rate == 0 {
		return 0
	}
	return time.Duration(int64(units) * int64(time.Second) / int64(s.rate))
}
