package audio

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	n := copy(m.b[m.off:], p)
	m.off += int64(n)
	return n, nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += m.off
	case io.SeekEnd:
		off += int64(len(m.b))
	}
	m.off = off
	return off, nil
}

func TestWAVRoundTrip(t *testing.T) {
	want := make([]int16, 0, 8000+37)
	want = append(want, math.MinInt16, -1, 0, 1, math.MaxInt16)
	rest := make([]int16, cap(want)-len(want))
	NewTone(440, 30000).ReadFrame(rest)
	want = append(want, rest...)

	var f memFile
	w, err := NewWAVWriter(&f)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(want); i += FrameSamples {
		if err := w.WriteFrame(want[i:min(i+FrameSamples, len(want))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(want[:1]); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if len(f.b) != 44+2*len(want) {
		t.Fatalf("file is %d bytes", len(f.b))
	}
	r, err := NewWAVReader(bytes.NewReader(f.b))
	if err != nil {
		t.Fatal(err)
	}
	if fm := r.Format(); fm != (WAVFormat{Tag: 1, Channels: 1, SampleRate: 8000, BitsPerSample: 16}) {
		t.Fatalf("format %+v", fm)
	}
	got := readAll(t, r, 1e6)
	if len(got) != (len(want)+FrameSamples-1)/FrameSamples*FrameSamples {
		t.Fatalf("read %d samples for %d", len(got), len(want))
	}
	if !slicesEqual(got[:len(want)], want) {
		t.Fatal("samples differ")
	}
	for _, v := range got[len(want):] {
		if v != 0 {
			t.Fatal("tail of the last frame is not zeroed")
		}
	}
}

func slicesEqual(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWAVFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.wav")
	w, err := CreateWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSamples)
	tn := NewTone(1000, 8000)
	for range 50 {
		tn.ReadFrame(frame)
		if err := w.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(50, func() { w.WriteFrame(frame) }); n != 0 {
		t.Errorf("WAVWriter.WriteFrame: %v allocs", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	r, err := OpenWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r, 1e6)
	if len(got) != 101*FrameSamples {
		t.Fatalf("read %d samples", len(got))
	}
	if f := DominantFrequency(got, SampleRate); math.Abs(f-1000) > 1 {
		t.Fatalf("frequency %v", f)
	}
	if _, err := OpenWAV(filepath.Join(t.TempDir(), "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// An interrupted recording (no Close) keeps its 0xFFFFFFFF sizes and still
// plays to the end of the file.
func TestWAVUnclosedRecording(t *testing.T) {
	var f memFile
	w, _ := NewWAVWriter(&f)
	frame := make([]int16, FrameSamples)
	NewTone(500, 5000).ReadFrame(frame)
	w.WriteFrame(frame)
	w.WriteFrame(frame)
	r, err := NewWAVReader(bytes.NewReader(f.b))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r, 1e6); len(got) != 2*FrameSamples || !slicesEqual(got[:FrameSamples], frame) {
		t.Fatalf("read %d samples", len(got))
	}
}

func TestWAVConversions(t *testing.T) {
	const n = 8000 // samples at 8 kHz: 1 s
	ref := tone(1000, 10000, SampleRate, n)

	stereo := func(l, r []int16) []byte {
		b := make([]int16, 0, 2*len(l))
		for i := range l {
			b = append(b, l[i], r[i])
		}
		return pcm16(b)
	}
	u8 := func(s []int16) []byte {
		b := make([]byte, len(s))
		for i, v := range s {
			b[i] = byte(int(v)>>8 + 128)
		}
		return b
	}
	g711 := func(enc func([]byte, []int16) int, s []int16) []byte {
		b := make([]byte, len(s))
		enc(b, s)
		return b
	}
	var silent [n]int16

	cases := []struct {
		name string
		spec wavSpec
		gain float64 // expected RMS relative to ref
		tol  float64 // allowed RMS error relative to ref
	}{
		{"mono 16-bit", wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, data: pcm16(ref)}, 1, 0},
		{"stereo downmix", wavSpec{tag: 1, channels: 2, rate: 8000, bits: 16, data: stereo(ref, silent[:])}, 0.5, 0.001},
		{"8-bit unsigned", wavSpec{tag: 1, channels: 1, rate: 8000, bits: 8, data: u8(ref)}, 1, 0.03},
		{"A-law", wavSpec{tag: 6, channels: 1, rate: 8000, bits: 8, data: g711(EncodeAlaw, ref)}, 1, 0.03},
		{"µ-law", wavSpec{tag: 7, channels: 1, rate: 8000, bits: 8, data: g711(EncodeUlaw, ref)}, 1, 0.03},
		{"extensible", wavSpec{tag: 0xFFFE, subTag: 1, channels: 1, rate: 8000, bits: 16, data: pcm16(ref)}, 1, 0},
		{"16 kHz", wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16, data: pcm16(tone(1000, 10000, 16000, 2*n))}, 1, 0.01},
		{"32 kHz", wavSpec{tag: 1, channels: 1, rate: 32000, bits: 16, data: pcm16(tone(1000, 10000, 32000, 4*n))}, 1, 0.01},
		{"44.1 kHz", wavSpec{tag: 1, channels: 1, rate: 44100, bits: 16, data: pcm16(tone(1000, 10000, 44100, 44100))}, 1, 0.01},
		{"48 kHz stereo", wavSpec{tag: 1, channels: 2, rate: 48000, bits: 16, data: stereo(tone(1000, 10000, 48000, 6*n), tone(1000, 10000, 48000, 6*n))}, 1, 0.01},
		{"odd chunks first", wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, before: chunk("JUNK", []byte{1, 2, 3}), between: chunk("LIST", make([]byte, 100)), data: pcm16(ref)}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.dataSize = -1
			r, err := NewWAVReader(bytes.NewReader(makeWAV(c.spec)))
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, r, 2*n)
			if len(got) < n-FrameSamples || len(got) > n+FrameSamples {
				t.Fatalf("%d samples, want about %d", len(got), n)
			}
			got = got[:n-FrameSamples] // leave out the zeroed tail
			want := ref[:len(got)]
			if f := DominantFrequency(got, SampleRate); math.Abs(f-1000) > 1 {
				t.Errorf("frequency %v", f)
			}
			if g := RMS(got) / RMS(want); math.Abs(g-c.gain) > 0.02 {
				t.Errorf("gain %v, want %v", g, c.gain)
			}
			// Compare the waveform with the reference scaled by gain.
			var diff float64
			for i := range got {
				d := float64(got[i]) - c.gain*float64(want[i])
				diff += d * d
			}
			if e := math.Sqrt(diff/float64(len(got))) / RMS(want); e > c.tol+1e-9 {
				t.Errorf("waveform error %.4f of RMS, want <= %v", e, c.tol)
			}
			if lag, corr := Correlate(want, got, 20); lag != 0 || corr < 0.99 {
				t.Errorf("lag %d corr %v", lag, corr)
			}
		})
	}
}

func TestWAVLoop(t *testing.T) {
	data := make([]int16, 100) // shorter than a frame
	for i := range data {
		data[i] = int16(i + 1)
	}
	r, err := NewWAVReader(bytes.NewReader(makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, data: pcm16(data)})))
	if err != nil {
		t.Fatal(err)
	}
	r.Loop = true
	frame := make([]int16, FrameSamples)
	for f := range 10 {
		if err := r.ReadFrame(frame); err != nil {
			t.Fatal(err)
		}
		for i, v := range frame {
			if want := int16((f*FrameSamples+i)%100 + 1); v != want {
				t.Fatalf("frame %d sample %d: %d, want %d", f, i, v, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { r.ReadFrame(frame) }); n != 0 {
		t.Errorf("WAVReader.ReadFrame: %v allocs", n)
	}
	r.Loop = false
	for range 3 {
		if err := r.ReadFrame(frame); err == io.EOF {
			return
		}
	}
	t.Fatal("no EOF after Loop was cleared")
}

func TestWAVReaderAllocs(t *testing.T) {
	// 48 kHz stereo: the costliest conversion.
	data := pcm16(tone(1000, 8000, 48000, 2*48000))
	r, err := NewWAVReader(bytes.NewReader(makeWAV(wavSpec{tag: 1, channels: 2, rate: 48000, bits: 16, dataSize: -1, data: data})))
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSamples)
	if n := testing.AllocsPerRun(40, func() {
		if err := r.ReadFrame(frame); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func TestWAVRefused(t *testing.T) {
	pcm := func(tag uint16, ch, rate, bits int) wavSpec {
		return wavSpec{tag: tag, channels: ch, rate: rate, bits: bits, dataSize: -1, data: make([]byte, 64)}
	}
	ext := pcm(0xFFFE, 1, 8000, 32)
	ext.subTag = 3
	cases := []struct {
		spec wavSpec
		msg  string
	}{
		{pcm(3, 1, 8000, 32), "audio: WAV format 3 (IEEE float) not supported"},
		{ext, "audio: WAV format 3 (IEEE float) not supported"},
		{pcm(0x55, 2, 44100, 0), "audio: WAV format 85 (MPEG Layer 3) not supported"},
		{pcm(0x11, 1, 8000, 4), "audio: WAV format 17 (IMA ADPCM) not supported"},
		{pcm(0x1234, 1, 8000, 16), "audio: WAV format 4660 (unknown) not supported"},
		{pcm(1, 1, 8000, 24), "audio: WAV 24-bit PCM not supported"},
		{pcm(1, 1, 8000, 32), "audio: WAV 32-bit PCM not supported"},
		{pcm(1, 6, 48000, 16), "audio: WAV with 6 channels not supported"},
		{pcm(1, 1, 96000, 16), "audio: WAV sample rate 96000 Hz not supported"},
		{pcm(1, 1, 4000, 16), "audio: WAV sample rate 4000 Hz not supported"},
	}
	for _, c := range cases {
		_, err := NewWAVReader(bytes.NewReader(makeWAV(c.spec)))
		if err == nil || err.Error() != c.msg || !errors.Is(err, ErrUnsupported) {
			t.Errorf("%+v: %v, want %q", c.spec, err, c.msg)
		}
	}
}

func TestWAVMalformed(t *testing.T) {
	good := makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, data: make([]byte, 320)})
	patch := func(off int, b ...byte) []byte {
		out := bytes.Clone(good)
		copy(out[off:], b)
		return out
	}
	cases := map[string][]byte{
		"empty":            nil,
		"short":            good[:10],
		"not RIFF":         patch(0, 'R', 'I', 'F', 'X'),
		"not WAVE":         patch(8, 'A', 'V', 'I', ' '),
		"no chunks":        good[:12],
		"truncated fmt":    good[:30],
		"fmt only":         good[:36],
		"huge fmt":         patch(16, 0xFF, 0xFF, 0xFF, 0x7F),
		"tiny fmt":         patch(16, 8, 0, 0, 0),
		"bad block align":  patch(32, 3, 0),
		"G.711 16-bit":     makeWAV(wavSpec{tag: 7, channels: 1, rate: 8000, bits: 16, dataSize: -1}),
		"data before fmt":  append(bytes.Clone(good[:12]), chunk("data", make([]byte, 4))...),
		"huge junk":        makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, between: []byte{'J', 'U', 'N', 'K', 0xFF, 0xFF, 0xFF, 0xFF}}),
		"two fmt":          makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, between: good[12:36]}),
		"short extensible": patch(20, 0xFE, 0xFF),
		"too many chunks":  makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, between: bytes.Repeat(chunk("JUNK", nil), 100)}),
	}
	for name, b := range cases {
		_, err := NewWAVReader(bytes.NewReader(b))
		if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "audio: malformed WAV") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A data chunk claiming 4 GiB is cut to what the file holds.
func TestWAVHugeDataChunk(t *testing.T) {
	data := pcm16([]int16{1, 2, 3})
	r, err := NewWAVReader(bytes.NewReader(makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: 0xFFFFFFFF, data: data})))
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, 4)
	if err := r.ReadFrame(frame); err != io.EOF || !slicesEqual(frame, []int16{1, 2, 3, 0}) {
		t.Fatalf("%v %v", frame, err)
	}
}

// errReader fails after its first n bytes.
type errReader struct {
	*bytes.Reader
	n int64
}

var errDisk = errors.New("disk on fire")

func (e *errReader) Read(p []byte) (int, error) {
	pos, _ := e.Seek(0, io.SeekCurrent)
	if pos >= e.n {
		return 0, errDisk
	}
	return e.Reader.Read(p[:min(int64(len(p)), e.n-pos)])
}

func TestWAVReadError(t *testing.T) {
	b := makeWAV(wavSpec{tag: 1, channels: 1, rate: 8000, bits: 16, dataSize: -1, data: make([]byte, 8000)})
	r, err := NewWAVReader(&errReader{bytes.NewReader(b), 44 + 100})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSamples)
	if err := r.ReadFrame(frame); err != errDisk {
		t.Fatalf("got %v", err)
	}
	if err := r.ReadFrame(frame); err != errDisk {
		t.Fatalf("error not sticky: %v", err)
	}
}
