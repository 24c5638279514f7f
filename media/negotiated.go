package media

import "net/netip"

// Negotiated is the agreed state of the audio stream after the last
// completed offer/answer exchange: what an RTP session needs to run.
type Negotiated struct {
	// Active is true while an audio stream is agreed: false before the
	// first exchange completes, after the peer disables the stream, and
	// after Close.
	Active bool
	// RemoteRTP is where to send RTP: the peer's c= address and m= port.
	RemoteRTP netip.AddrPort
	// RemoteRTCP is where to send RTCP: a=rtcp if the peer gave it
	// (RFC 3605), else RemoteRTP's port plus one.
	RemoteRTCP netip.AddrPort
	// Codec is the audio format, with the payload type the peer's SDP
	// gave it (RFC 3264 §6.1 asks an answerer to keep the offerer's).
	Codec Codec
	// TelephoneEvent is the payload type of RFC 4733 events, 0 if either
	// side lacks them.
	TelephoneEvent uint8
	// Ptime is the packet interval to send with, in ms: the peer's
	// a=ptime, else ours, capped by the peer's a=maxptime.
	Ptime int
	// Local is the direction our SDP gave the stream.
	Local Direction
	// Remote is the direction the peer's SDP gave it; a c= address of
	// 0.0.0.0 counts as not receiving (RFC 3264 §8.4).
	Remote Direction
}

// flow is the direction media really flows, from our side: we send only
// what the peer receives and receive only what the peer sends.
func (n Negotiated) flow() Direction {
	if !n.Active {
		return Inactive
	}
	return n.Local & n.Remote.reverse()
}

// Sending reports whether we should send RTP now.
func (n Negotiated) Sending() bool { return n.flow().Sends() }

// Receiving reports whether the peer may send us RTP now.
func (n Negotiated) Receiving() bool { return n.flow().Receives() }

// agree builds the state for a stream the peer described as st, with the
// codec and telephone-event (te.Name == "" for none) that both sides have.
func agree(st stream, codec, te Codec, local Direction, ptime int) Negotiated {
	n := Negotiated{
		Active:     true,
		RemoteRTP:  st.rtp,
		RemoteRTCP: st.rtcp,
		Codec:      codec,
		Ptime:      ptime,
		Local:      local,
		Remote:     st.dir,
	}
	if te.Name != "" {
		n.TelephoneEvent = te.PayloadType
	}
	// a=ptime says what the peer wants to receive (RFC 4566 §6).
	if st.ptime != 0 {
		n.Ptime = st.ptime
	}
	if st.maxptime != 0 && n.Ptime > st.maxptime {
		n.Ptime = st.maxptime
	}
	return n
}
