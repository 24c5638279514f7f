package audio

import (
	"bytes"
	"testing"
)

// FuzzWAVReader feeds arbitrary files to NewWAVReader and plays what it
// accepts: it must fail cleanly, never panic, and end.
func FuzzWAVReader(f *testing.F) {
	f.Add(makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, data: pcm16([]int16{1, -1, 300})}))
	f.Add(makeWAV(wavSpec{tag: 1, channels: 2, rate: 44100, bits: 8, dataSize: -1, data: []byte{1, 2, 3, 4, 5}}))
	f.Add(makeWAV(wavSpec{tag: 0xFFFE, subTag: 7, channels: 2, rate: 16000, bits: 8, dataSize: 9999, data: []byte{1, 2, 3}}))
	f.Add(makeWAV(wavSpec{tag: 3, channels: 1, rate: 8000, bits: 32, dataSize: -1}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewWAVReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		frame := make([]int16, FrameSamples)
		// Each frame consumes at least one byte of data, so a file
		// cannot play longer than its size in frames.
		for range len(b) + 2 {
			if r.ReadFrame(frame) != nil {
				return
			}
		}
		t.Fatal("playback did not end")
	})
}
