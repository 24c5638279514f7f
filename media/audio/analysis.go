package audio

import "math"

// These helpers judge audio in tests. They are not for the audio path:
// they cost O(n²) time and some stack, though they do not allocate.

// RMS returns the root mean square of pcm, 0 for an empty slice.
func RMS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// maxAnalysis is the number of samples DominantFrequency looks at.
const maxAnalysis = 4096

// DominantFrequency returns the frequency between 50 and 4000 Hz (or
// rate/2) with the most energy in pcm, sampled at rate Hz, or 0 for
// silence. It looks at the first 4096 samples through a Hann window: a
// Goertzel scan one DFT bin apart, a finer scan around the best bin, and a
// parabolic fit; a clean tone comes out within about 1 Hz.
func DominantFrequency(pcm []int16, rate int) float64 {
	n := min(len(pcm), maxAnalysis)
	if n < 8 || rate <= 0 || RMS(pcm[:n]) == 0 {
		return 0
	}
	var x [maxAnalysis]float64
	for i := range n {
		hann := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		x[i] = float64(pcm[i]) * hann
	}
	lo, hi := 50.0, min(4000, float64(rate)/2)
	power := func(f float64) float64 { return goertzel(x[:n], f/float64(rate)) }

	best, bestP := lo, -1.0
	scan := func(from, to, step float64) {
		for f := from; f <= to; f += step {
			if f < lo || f > hi {
				continue
			}
			if p := power(f); p > bestP {
				best, bestP = f, p
			}
		}
	}
	bin := float64(rate) / float64(n)
	scan(lo, hi, bin)
	step := bin / 16
	scan(best-bin, best+bin, step)

	// Parabola through the log power at best±step.
	a, b, c := power(best-step), bestP, power(best+step)
	if a > 0 && c > 0 {
		la, lb, lc := math.Log(a), math.Log(b), math.Log(c)
		if d := la - 2*lb + lc; d < 0 {
			best += step * 0.5 * (la - lc) / d
		}
	}
	return best
}

// goertzel returns the power of x at f cycles per sample.
func goertzel(x []float64, f float64) float64 {
	w := 2 * math.Pi * f
	coef := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+coef*s1-s2, s1
	}
	return s1*s1 + s2*s2 - coef*s1*s2
}

// Correlate finds the lag between -maxLag and maxLag at which b best
// matches a, that is b[i+lag] ≈ a[i], and returns it with the normalised
// cross-correlation there (1 for identical shapes, whatever the gain).
// Lags whose overlap is shorter than half the shorter input are skipped,
// so that a few samples cannot match by chance. A periodic signal matches
// at every period; a lag wins over a shorter one only by more than 0.001,
// so the shortest such lag is returned. corr is 0 when nothing can be
// compared.
func Correlate(a, b []int16, maxLag int) (lag int, corr float64) {
	const margin = 1e-3
	minOverlap := max(min(len(a), len(b))/2, 1)
	found := false
	for k := 0; k <= 2*maxLag; k++ {
		l := (k + 1) / 2 // 0, -1, 1, -2, 2, ...
		if k%2 == 1 {
			l = -l
		}
		// Overlap: i in [i0, i1) with 0 <= i+l < len(b).
		i0, i1 := max(0, -l), min(len(a), len(b)-l)
		if i1-i0 < minOverlap {
			continue
		}
		var ab, aa, bb float64
		for i := i0; i < i1; i++ {
			x, y := float64(a[i]), float64(b[i+l])
			ab += x * y
			aa += x * x
			bb += y * y
		}
		if aa == 0 || bb == 0 {
			continue
		}
		if c := ab / math.Sqrt(aa*bb); !found || c > corr+margin {
			lag, corr, found = l, c, true
		}
	}
	return lag, corr
}
