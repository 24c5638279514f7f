package rtp

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// Receive takes a datagram that arrived on the call's RTP or RTCP socket
// from from. RTP and RTCP are told apart by the packet type byte
// (RFC 5761 §4), so one socket may carry both. b is not kept.
func (s *Session) Receive(b []byte, from netip.AddrPort) {
	if s.closed || !s.started || !s.neg.Active || len(b) < 2 {
		return
	}
	if pt := b[1]; pt >= 192 && pt <= 223 { // RTCP SR, RR, SDES, BYE, ... (RFC 5761 §4)
		s.receiveRTCP(b, from)
		return
	}
	s.receiveRTP(b, from)
}

func (s *Session) receiveRTP(b []byte, from netip.AddrPort) {
	p := &s.in
	if p.Unmarshal(b) != nil || p.Version != 2 {
		return
	}
	audio := p.PayloadType == s.neg.Codec.PayloadType
	event := !audio && s.neg.TelephoneEvent != 0 && p.PayloadType == s.neg.TelephoneEvent
	if !audio && !event || !s.receiving || p.SSRC == s.ssrc {
		return
	}
	// A stream we timed out on no longer holds the latch to its SSRC.
	known := s.remote.active && !s.timedOut
	if !s.latch.accept(from, p.SSRC, known, s.remote.ssrc) {
		return
	}
	now := s.clk.Now()
	if !s.remote.active || p.SSRC != s.remote.ssrc {
		// A new SSRC is a new stream (RFC 3550 §8.2): start afresh.
		s.remote.reset(p.SSRC, p.SequenceNumber)
		s.jb.reset()
		s.statsData.Streams++
	}
	if !s.remote.update(p.SequenceNumber) {
		s.statsData.Discarded++
		return
	}
	s.statsData.PacketsReceived++
	s.statsData.BytesReceived += uint64(len(p.Payload))
	s.lastRecv, s.timedOut = now, false
	s.peerTS, s.peerAt = p.Timestamp, now
	if event {
		s.receiveEvent(p.Payload, p.Timestamp, p.Marker)
		return
	}
	s.remote.updateJitter(s.arrival(now), p.Timestamp)
	s.jb.retarget(s.remote.jitter)
	if s.cfg.OnPayload != nil {
		s.cfg.OnPayload(p.Payload, p.PayloadType, p.SequenceNumber, p.Timestamp, p.Marker, p.SSRC)
	}
	if s.codec == codecOther || len(p.Payload) > len(s.pcmIn) {
		return
	}
	n := s.codec.decode(s.pcmIn, p.Payload)
	s.jb.put(p.Timestamp, s.pcmIn[:n], p.Marker)
}

// receiveEvent hands a telephone-event to the app: raw, and as a digit
// once it is complete.
func (s *Session) receiveEvent(payload []byte, ts uint32, marker bool) {
	if len(payload) >= 4 {
		// The event runs on to its duration so far (RFC 4733 §2.3.5).
		s.peerTS = ts + uint32(binary.BigEndian.Uint16(payload[2:4]))
	}
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(payload, ts, marker)
	}
	if s.cfg.OnDigit != nil {
		if d, dur, ok := s.digits.Receive(payload, ts, marker); ok {
			s.cfg.OnDigit(d, dur)
		}
	}
}

// tickDigits ends a digit whose packets stopped, judged on the peer's
// timestamp clock extrapolated from its last packet.
func (s *Session) tickDigits(now time.Time) {
	if s.cfg.OnDigit == nil || s.peerAt.IsZero() {
		return
	}
	elapsed := now.Sub(s.peerAt)
	nowTS := s.peerTS + uint32(elapsed.Milliseconds()*int64(s.rate)/1000)
	if d, dur, ok := s.digits.Tick(nowTS); ok {
		s.cfg.OnDigit(d, dur)
	}
}

// arrival returns now in timestamp units since the session started
// (RFC 3550 A.8).
func (s *Session) arrival(now time.Time) uint32 {
	d := now.Sub(s.epoch)
	sec, rem := d/time.Second, d%time.Second
	return uint32(int64(sec)*int64(s.rate) + int64(rem)*int64(s.rate)/int64(time.Second))
}

// playFrame plays the next frame out into the Sink.
func (s *Session) playFrame() {
	s.jb.play(s.pcmPlay)
	if s.cfg.Sink != nil {
		_ = s.cfg.Sink.WriteFrame(s.pcmPlay)
	}
}

// checkTimeout reports once when no RTP came for the timeout.
func (s *Session) checkTimeout(now time.Time) {
	if s.timedOut || now.Sub(s.lastRecv) < s.cfg.Timeout {
		return
	}
	s.timedOut = true
	if s.cfg.OnTimeout != nil {
		s.cfg.OnTimeout()
	}
}
