package audio

import (
	"math"
	"slices"
	"testing"
)

// TestG711RoundTrip checks every 16-bit value: decoding its code must give
// one of the two codec levels that bracket it, so the error stays within
// one quantisation step of its segment.
func TestG711RoundTrip(t *testing.T) {
	codecs := []struct {
		name string
		enc  func([]byte, []int16) int
		dec  func([]int16, []byte) int
	}{{"ulaw", EncodeUlaw, DecodeUlaw}, {"alaw", EncodeAlaw, DecodeAlaw}}
	pcm := make([]int16, 0, 65536)
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		pcm = append(pcm, int16(v))
	}
	for _, c := range codecs {
		codes := make([]byte, 256)
		for i := range codes {
			codes[i] = byte(i)
		}
		levels := make([]int16, 256)
		c.dec(levels, codes)
		slices.Sort(levels)
		levels = slices.Compact(levels)

		enc := make([]byte, len(pcm))
		dec := make([]int16, len(pcm))
		if n := c.enc(enc, pcm); n != len(pcm) {
			t.Fatalf("%s: encoded %d", c.name, n)
		}
		if n := c.dec(dec, enc); n != len(pcm) {
			t.Fatalf("%s: decoded %d", c.name, n)
		}
		for i, v := range pcm {
			j, _ := slices.BinarySearch(levels, v) // levels[j-1] < v <= levels[j]
			lo, hi := levels[max(j-1, 0)], levels[min(j, len(levels)-1)]
			if dec[i] != lo && dec[i] != hi {
				t.Fatalf("%s: %d -> %d, not %d or %d", c.name, v, dec[i], lo, hi)
			}
		}
	}
}

func TestG711ToneCorrelation(t *testing.T) {
	src := make([]int16, 8000)
	NewTone(1000, 12000).ReadFrame(src)
	for _, c := range []struct {
		name string
		enc  func([]byte, []int16) int
		dec  func([]int16, []byte) int
	}{{"ulaw", EncodeUlaw, DecodeUlaw}, {"alaw", EncodeAlaw, DecodeAlaw}} {
		enc := make([]byte, len(src))
		dec := make([]int16, len(src))
		c.enc(enc, src)
		c.dec(dec, enc)
		lag, corr := Correlate(src, dec, 10)
		if lag != 0 || corr < 0.99 {
			t.Errorf("%s: lag %d corr %v", c.name, lag, corr)
		}
		if f := DominantFrequency(dec, SampleRate); math.Abs(f-1000) > 1 {
			t.Errorf("%s: frequency %v", c.name, f)
		}
	}
}

func TestG711ShortBuffers(t *testing.T) {
	pcm := []int16{1, 2, 3}
	if n := EncodeUlaw(make([]byte, 2), pcm); n != 2 {
		t.Fatal(n)
	}
	if n := DecodeAlaw(make([]int16, 5), []byte{1, 2}); n != 2 {
		t.Fatal(n)
	}
}

func TestG711Allocs(t *testing.T) {
	pcm := make([]int16, FrameSamples)
	NewTone(440, 8000).ReadFrame(pcm)
	enc := make([]byte, FrameSamples)
	if n := testing.AllocsPerRun(100, func() {
		EncodeUlaw(enc, pcm)
		DecodeUlaw(pcm, enc)
		EncodeAlaw(enc, pcm)
		DecodeAlaw(pcm, enc)
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
