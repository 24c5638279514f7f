package rtp

import "time"

// sendFrame sends what this packet time carries: a telephone-event if the
// EventSource has one, else a frame of audio, else nothing (silence).
func (s *Session) sendFrame(now time.Time) {
	var n int
	var err error
	switch {
	case s.cfg.PayloadSource != nil:
		n, err = s.cfg.PayloadSource.ReadPayload(s.payload)
		n = min(max(n, 0), len(s.payload))
	case s.cfg.Source != nil:
		// Read even when an event replaces the audio, so that the source
		// stays in step with time.
		if err = s.cfg.Source.ReadFrame(s.pcmOut); err == nil {
			n = s.codec.encode(s.payload, s.pcmOut)
		}
	default:
		clear(s.pcmOut)
		n = s.codec.encode(s.payload, s.pcmOut)
	}
	if te := s.neg.TelephoneEvent; te != 0 && s.cfg.Events != nil {
		if p, m, ets, ok := s.cfg.Events.Next(s.ts, uint32(s.frame)); ok {
			s.send(now, te, p, m, ets)
			return
		}
	}
	if err != nil || n == 0 {
		s.marker = true // the next packet starts a talkspurt (RFC 3551 §4.1)
		return
	}
	s.send(now, s.neg.Codec.PayloadType, s.payload[:n], s.marker, s.ts)
	s.marker = false
}

// send packetises payload and sends it to the peer, where the latch points.
func (s *Session) send(now time.Time, pt uint8, payload []byte, marker bool, ts uint32) {
	if len(payload) > maxPayload {
		return
	}
	h := &s.out.Header
	h.PayloadType = pt
	h.Marker = marker
	h.SequenceNumber = s.seq
	h.Timestamp = ts
	s.out.Payload = payload
	n, err := s.out.MarshalTo(s.sendBuf)
	if err != nil {
		return
	}
	s.seq++
	// A packet that fails to go out counts as sent and lost on the way,
	// as its sequence number is used.
	s.statsData.PacketsSent++
	s.statsData.BytesSent += uint64(len(payload))
	s.lastSent = now
	_ = s.cfg.RTP.WriteTo(s.sendBuf[:n], s.latch.peer)
}
