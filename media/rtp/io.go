package rtp

import "net/netip"

// Conn sends datagrams: the RTP or RTCP socket of a call, or an in-memory
// link in tests. WriteTo must not keep b after it returns.
type Conn interface {
	WriteTo(b []byte, addr netip.AddrPort) error
}

// Source gives the audio to send, one frame of PCM (16-bit, mono, at the
// codec's clock rate) per packet time. ReadFrame fills all of pcm. An
// error means there is no audio for this frame: nothing is sent, the RTP
// timestamp still advances, and the next packet sent carries the marker
// bit (RFC 3551 §4.1).
type Source interface {
	ReadFrame(pcm []int16) error
}

// PayloadSource gives already encoded payloads, for apps that encode
// themselves: ReadPayload writes one packet time of the negotiated codec
// into b and returns its length. An error means silence, as for Source.
type PayloadSource interface {
	ReadPayload(b []byte) (int, error)
}

// Sink receives the played-out audio, exactly one frame of PCM per packet
// time while the session receives: lost or late audio is concealed, never
// skipped. The frame is valid only during the call. Errors are ignored.
type Sink interface {
	WriteFrame(pcm []int16) error
}

// EventSource lets telephone-events (RFC 4733, DTMF) replace audio. It is
// asked on every packet time before audio is sent: ts is the RTP timestamp
// this packet time would have and samples its length. If ok, payload is
// sent with the telephone-event payload type, the marker bit and the
// timestamp eventTS (the event's start, RFC 4733 §2.3.1) instead of the
// audio. payload is copied before Next is called again.
type EventSource interface {
	Next(ts uint32, samples uint32) (payload []byte, marker bool, eventTS uint32, ok bool)
}
