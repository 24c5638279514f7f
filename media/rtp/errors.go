package rtp

import "errors"

var (
	// ErrConfig means the Config cannot be used.
	ErrConfig = errors.New("rtp: invalid config")
	// ErrCodec means the negotiated codec cannot be sent or received in
	// the configured mode: PCM Sources and Sinks need G.711 (PCMU, PCMA).
	ErrCodec = errors.New("rtp: unsupported codec")
	// ErrClosed is returned by a Session after Close.
	ErrClosed = errors.New("rtp: session closed")
	// ErrNoPorts means no free RTP/RTCP port pair is left in the range.
	ErrNoPorts = errors.New("rtp: no free port pair in range")
)
