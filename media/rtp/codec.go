package rtp

import (
	"strings"

	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
)

// codec is the payload format of the stream: G.711 µ-law or A-law
// (RFC 3551 §4.5.14), one byte per sample, or an opaque one in encoded mode.
type codec uint8

const (
	codecOther codec = iota
	codecPCMU
	codecPCMA
)

func codecOf(c media.Codec) codec {
	switch {
	case strings.EqualFold(c.Name, "PCMU"):
		return codecPCMU
	case strings.EqualFold(c.Name, "PCMA"):
		return codecPCMA
	}
	return codecOther
}

// encode writes pcm as G.711 into b and returns the bytes written.
func (c codec) encode(b []byte, pcm []int16) int {
	if c == codecPCMA {
		return audio.EncodeAlaw(b, pcm)
	}
	return audio.EncodeUlaw(b, pcm)
}

// decode writes the G.711 payload b into pcm and returns the samples
// written.
func (c codec) decode(pcm []int16, b []byte) int {
	if c == codecPCMA {
		return audio.DecodeAlaw(pcm, b)
	}
	return audio.DecodeUlaw(pcm, b)
}
