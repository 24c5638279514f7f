package audio

import (
	"errors"
	"math"
	"testing"
)

func TestSilence(t *testing.T) {
	pcm := []int16{1, 2, 3}
	if err := (Silence{}).ReadFrame(pcm); err != nil || pcm[0]|pcm[1]|pcm[2] != 0 {
		t.Fatalf("Silence: %v %v", pcm, err)
	}
}

func TestToneFrequencyAndLevel(t *testing.T) {
	for _, f := range []float64{350, 440, 697, 1000, 1633, 3000} {
		tn := NewTone(f, 8000)
		var got []int16
		frame := make([]int16, FrameSamples)
		for range 25 { // 500 ms, frame by frame: the phase must run on
			tn.ReadFrame(frame)
			got = append(got, frame...)
		}
		if d := DominantFrequency(got, SampleRate); math.Abs(d-f) > 1 {
			t.Errorf("tone %v Hz: dominant %v Hz", f, d)
		}
		if r := RMS(got); math.Abs(r-8000/math.Sqrt2) > 20 {
			t.Errorf("tone %v Hz: RMS %v, want %v", f, r, 8000/math.Sqrt2)
		}
	}
}

func TestToneContinuousPhase(t *testing.T) {
	// One long read equals many frame reads.
	whole := make([]int16, 8000)
	NewTone(1000, 10000).ReadFrame(whole)
	tn := NewTone(1000, 10000)
	for i := 0; i < len(whole); i += FrameSamples {
		frame := make([]int16, FrameSamples)
		tn.ReadFrame(frame)
		for j, v := range frame {
			if d := int(v) - int(whole[i+j]); d > 1 || d < -1 {
				t.Fatalf("sample %d: %d, want %d", i+j, v, whole[i+j])
			}
		}
	}
}

func TestToneStaysStable(t *testing.T) {
	// Ten minutes of frames: amplitude must not drift.
	tn := NewTone(1000, 20000)
	frame := make([]int16, FrameSamples)
	for range 30000 {
		tn.ReadFrame(frame)
	}
	if r := RMS(frame); math.Abs(r-20000/math.Sqrt2) > 30 {
		t.Fatalf("RMS after 10 min: %v", r)
	}
}

func TestToneAmplitudeClamped(t *testing.T) {
	frame := make([]int16, FrameSamples)
	NewTone(1000, 1e9).ReadFrame(frame)
	NewTone(1000, -5).ReadFrame(frame)
	if RMS(frame) != 0 {
		t.Fatal("negative amplitude is not silence")
	}
}

func TestFuncAdapters(t *testing.T) {
	errStop := errors.New("stop")
	var src Source = SourceFunc(func(pcm []int16) error { pcm[0] = 7; return errStop })
	var got int16
	var sink Sink = SinkFunc(func(pcm []int16) error { got = pcm[0]; return nil })
	frame := make([]int16, 1)
	if err := src.ReadFrame(frame); err != errStop {
		t.Fatal(err)
	}
	if err := sink.WriteFrame(frame); err != nil || got != 7 {
		t.Fatal(got, err)
	}
}

func TestSourceAllocs(t *testing.T) {
	frame := make([]int16, FrameSamples)
	for name, src := range map[string]Source{
		"Silence": Silence{},
		"Tone":    NewTone(440, 8000),
	} {
		if n := testing.AllocsPerRun(100, func() { src.ReadFrame(frame) }); n != 0 {
			t.Errorf("%s.ReadFrame: %v allocs", name, n)
		}
	}
}
