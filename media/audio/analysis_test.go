package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRMS(t *testing.T) {
	if RMS(nil) != 0 {
		t.Fatal("RMS(nil)")
	}
	if r := RMS([]int16{3, -3, 3, -3}); r != 3 {
		t.Fatal(r)
	}
}

func TestDominantFrequency(t *testing.T) {
	if f := DominantFrequency(make([]int16, 800), SampleRate); f != 0 {
		t.Fatalf("silence: %v", f)
	}
	// A short frame, a 16 kHz signal, and a tone under louder noise.
	if f := DominantFrequency(tone(1000, 8000, SampleRate, FrameSamples), SampleRate); math.Abs(f-1000) > 5 {
		t.Errorf("one frame: %v", f)
	}
	if f := DominantFrequency(tone(3500, 8000, 16000, 4000), 16000); math.Abs(f-3500) > 1 {
		t.Errorf("16 kHz: %v", f)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := tone(770, 4000, SampleRate, 4000)
	for i := range x {
		x[i] += int16(rng.NormFloat64() * 4000)
	}
	if f := DominantFrequency(x, SampleRate); math.Abs(f-770) > 2 {
		t.Errorf("noisy: %v", f)
	}
}

func TestCorrelate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := make([]int16, 1000)
	for i := range a {
		a[i] = int16(rng.IntN(20000) - 10000)
	}
	for _, delay := range []int{0, 1, 17, -40} {
		// b[i+delay] = a[i]/2
		b := make([]int16, len(a))
		for i := range b {
			if j := i - delay; j >= 0 && j < len(a) {
				b[i] = a[j] / 2
			}
		}
		lag, corr := Correlate(a, b, 50)
		if lag != delay || corr < 0.99 {
			t.Errorf("delay %d: lag %d corr %v", delay, lag, corr)
		}
	}
	// An inverted copy is no match: corr is signed.
	inv := make([]int16, len(a))
	for i, v := range a {
		inv[i] = -v
	}
	if _, corr := Correlate(a, inv, 5); corr > 0.1 {
		t.Errorf("inverted: %v", corr)
	}
	if lag, corr := Correlate(a, make([]int16, 10), 3); lag != 0 || corr != 0 {
		t.Errorf("nothing to compare: %d %v", lag, corr)
	}
}

func TestAnalysisAllocs(t *testing.T) {
	x := tone(1000, 8000, SampleRate, 800)
	if n := testing.AllocsPerRun(5, func() {
		DominantFrequency(x, SampleRate)
		Correlate(x, x, 3)
		RMS(x)
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
