package audio

import "github.com/zaf/g711"

// EncodeUlaw encodes pcm into dst as G.711 µ-law (RTP payload type 0) and
// returns the number of samples encoded, min(len(dst), len(pcm)).
func EncodeUlaw(dst []byte, pcm []int16) int {
	n := min(len(dst), len(pcm))
	for i := range n {
		dst[i] = g711.EncodeUlawFrame(pcm[i])
	}
	return n
}

// DecodeUlaw decodes G.711 µ-law src into dst and returns the number of
// samples decoded, min(len(dst), len(src)).
func DecodeUlaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = g711.DecodeUlawFrame(src[i])
	}
	return n
}

// EncodeAlaw encodes pcm into dst as G.711 A-law (RTP payload type 8) and
// returns the number of samples encoded, min(len(dst), len(pcm)).
func EncodeAlaw(dst []byte, pcm []int16) int {
	n := min(len(dst), len(pcm))
	for i := range n {
		dst[i] = g711.EncodeAlawFrame(pcm[i])
	}
	return n
}

// DecodeAlaw decodes G.711 A-law src into dst and returns the number of
// samples decoded, min(len(dst), len(src)).
func DecodeAlaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = g711.DecodeAlawFrame(src[i])
	}
	return n
}
