// Package media is the media layer of a call. This part negotiates the
// audio stream with the SDP offer/answer model of RFC 3264: it writes our
// offers and answers, reads the peer's, and keeps the agreed state that an
// RTP session needs (Negotiated).
//
// A Session handles one call and has the method set of the user agent's
// Media interface (engine/ua): Offer, Answer, Accept, Rollback and Close.
// It negotiates one audio stream; every other m-line is refused with port 0
// (RFC 3264 §6) but kept in its slot, so m-line order and count survive
// re-offers (RFC 3264 §8).
//
// SDP from the network is bounded before it is used: the body size, the
// number of m-lines, payload types and attributes are capped, and ptime
// values are clamped. Parsing and marshalling use github.com/pion/sdp/v3,
// whose types never appear in this package's API.
package media
