package audio

import "math"

// Tone is a Source of an endless sine wave whose phase runs on across
// frames. It advances a unit phasor by a fixed rotation per sample (two
// multiplications and two additions) instead of calling math.Sin.
type Tone struct {
	cos, sin float64 // rotation per sample
	x, y     float64 // phasor: y is the sine of the current phase
	amp      float64
}

// NewTone returns a sine tone of freqHz at SampleRate. amplitude is the
// peak sample value, clamped to 0..32767 (8000 is about -12 dBFS).
func NewTone(freqHz, amplitude float64) *Tone {
	w := 2 * math.Pi * freqHz / SampleRate
	return &Tone{
		cos: math.Cos(w),
		sin: math.Sin(w),
		x:   1,
		amp: min(max(amplitude, 0), 32767),
	}
}

// ReadFrame fills pcm with the next len(pcm) samples; it never fails.
func (t *Tone) ReadFrame(pcm []int16) error {
	x, y := t.x, t.y
	for i := range pcm {
		pcm[i] = int16(math.Round(t.amp * y))
		x, y = x*t.cos-y*t.sin, x*t.sin+y*t.cos
	}
	// Rounding makes the phasor's length drift; one Newton step of
	// 1/sqrt(x²+y²) per frame pulls it back to 1.
	k := (3 - (x*x + y*y)) / 2
	t.x, t.y = x*k, y*k
	return nil
}
