package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/zaf/g711"
)

// WAV format tags (the wFormatTag of the fmt chunk).
const (
	wavPCM        = 1
	wavFloat      = 3
	wavAlaw       = 6
	wavUlaw       = 7
	wavExtensible = 0xFFFE
)

// Limits on what NewWAVReader accepts.
const (
	maxChunks  = 64         // chunks scanned before the data chunk
	maxFmtRead = 40         // bytes of the fmt chunk read (WAVE_FORMAT_EXTENSIBLE)
	minRate    = SampleRate // slowest input rate accepted
	maxRate    = 48000      // fastest input rate accepted
)

// WAVFormat describes the stored audio of a WAV file.
type WAVFormat struct {
	// Tag is 1 (PCM), 6 (A-law) or 7 (µ-law); a WAVE_FORMAT_EXTENSIBLE
	// file reports the tag of its sub-format.
	Tag           uint16
	Channels      int
	SampleRate    int
	BitsPerSample int
}

// WAVReader is a Source that plays a RIFF/WAVE file as 8 kHz mono frames.
// It accepts PCM 16-bit signed or 8-bit unsigned, G.711 A-law or µ-law,
// mono or stereo (averaged), at SampleRate..48000 Hz (linearly resampled).
//
// Buffers are allocated when the reader is made; ReadFrame does not
// allocate.
type WAVReader struct {
	// Loop makes playback start over at the end of the data instead of
	// returning io.EOF. It may be changed between frames.
	Loop bool

	r       io.ReadSeeker
	closer  io.Closer
	format  WAVFormat
	block   int   // bytes per sample frame (all channels)
	dataOff int64 // offset of the first sample
	dataLen int64 // bytes of whole sample frames
	remain  int64 // data bytes not yet read into buf
	err     error // sticky read error

	buf        [4096]byte
	bpos, bend int

	// Linear resampler: the output sample lies between input samples s0
	// and s1, acc/SampleRate of the way from s0.
	s0, s1       int32
	have0, have1 bool
	acc          int
	primed       bool
}

// OpenWAV opens the WAV file at path for playback. Close closes the file.
func OpenWAV(path string) (*WAVReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewWAVReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewWAVReader reads the header of the WAV file in r and returns a reader
// positioned at its first sample. Chunk sizes are checked against the size
// of r, and nothing is allocated from a size the file claims. A data chunk
// that claims more than the file holds (an unfinished recording) is cut to
// what is there.
func NewWAVReader(r io.ReadSeeker) (*WAVReader, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: no RIFF header", ErrMalformed)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF/WAVE file", ErrMalformed)
	}

	w := &WAVReader{r: r}
	haveFmt := false
	pos := int64(12)
	for range maxChunks {
		if size-pos < 8 {
			return nil, fmt.Errorf("%w: no data chunk", ErrMalformed)
		}
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("%w: truncated chunk header", ErrMalformed)
		}
		pos += 8
		id := string(ch[0:4])
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrMalformed)
			}
			n = min(n, size-pos)
			w.dataOff = pos
			w.dataLen = n - n%int64(w.block)
			w.remain = w.dataLen
			return w, nil
		case "fmt ":
			if haveFmt {
				return nil, fmt.Errorf("%w: second fmt chunk", ErrMalformed)
			}
			if n < 16 || n > size-pos {
				return nil, fmt.Errorf("%w: fmt chunk size %d", ErrMalformed, n)
			}
			var b [maxFmtRead]byte
			m := min(n, maxFmtRead)
			if _, err := io.ReadFull(r, b[:m]); err != nil {
				return nil, fmt.Errorf("%w: truncated fmt chunk", ErrMalformed)
			}
			if err := w.parseFmt(b[:m]); err != nil {
				return nil, err
			}
			haveFmt = true
		default:
			if n > size-pos {
				return nil, fmt.Errorf("%w: chunk %q size %d beyond end of file", ErrMalformed, id, n)
			}
		}
		pos += n + n&1 // RIFF pads chunks to an even size
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: more than %d chunks before data", ErrMalformed, maxChunks)
}

// parseFmt checks the fmt chunk b (16 to 40 bytes) and sets w.format and
// w.block.
func (w *WAVReader) parseFmt(b []byte) error {
	le := binary.LittleEndian
	tag := le.Uint16(b[0:2])
	ch := int(le.Uint16(b[2:4]))
	rate := int(le.Uint32(b[4:8]))
	align := int(le.Uint16(b[12:14]))
	bits := int(le.Uint16(b[14:16]))
	if tag == wavExtensible {
		// WAVEFORMATEXTENSIBLE: the sub-format GUID at offset 24 starts
		// with the format tag.
		if len(b) < 40 {
			return fmt.Errorf("%w: short WAVE_FORMAT_EXTENSIBLE fmt chunk", ErrMalformed)
		}
		tag = le.Uint16(b[24:26])
	}
	switch {
	case tag == wavPCM && (bits == 8 || bits == 16):
	case tag == wavPCM:
		return &unsupportedError{fmt.Sprintf("audio: WAV %d-bit PCM not supported", bits)}
	case tag == wavAlaw || tag == wavUlaw:
		if bits != 8 {
			return fmt.Errorf("%w: %d-bit G.711", ErrMalformed, bits)
		}
	default:
		return &unsupportedError{fmt.Sprintf("audio: WAV format %d (%s) not supported", tag, formatName(tag))}
	}
	if ch != 1 && ch != 2 {
		return &unsupportedError{fmt.Sprintf("audio: WAV with %d channels not supported", ch)}
	}
	if rate < minRate || rate > maxRate {
		return &unsupportedError{fmt.Sprintf("audio: WAV sample rate %d Hz not supported", rate)}
	}
	w.block = ch * bits / 8
	if align != w.block {
		return fmt.Errorf("%w: block align %d for %d channels of %d bits", ErrMalformed, align, ch, bits)
	}
	w.format = WAVFormat{Tag: tag, Channels: ch, SampleRate: rate, BitsPerSample: bits}
	return nil
}

// formatName names the WAV format tags one is likely to meet.
func formatName(tag uint16) string {
	switch tag {
	case 2:
		return "Microsoft ADPCM"
	case wavFloat:
		return "IEEE float"
	case 0x11:
		return "IMA ADPCM"
	case 0x31:
		return "GSM 6.10"
	case 0x40, 0x64:
		return "G.721/G.726 ADPCM"
	case 0x50:
		return "MPEG"
	case 0x55:
		return "MPEG Layer 3"
	case 0x2000:
		return "AC-3"
	}
	return "unknown"
}

// Format returns the format stored in the file.
func (w *WAVReader) Format() WAVFormat { return w.format }

// ReadFrame fills pcm with the next frame at SampleRate. With the last
// samples of the file it returns io.EOF, the rest of pcm zeroed; a read
// error is returned the same way.
func (w *WAVReader) ReadFrame(pcm []int16) error {
	if !w.primed {
		w.s0, w.have0 = w.next()
		w.s1, w.have1 = w.next()
		w.primed = true
	}
	for i := range pcm {
		if !w.have0 {
			clear(pcm[i:])
			return w.end()
		}
		v := w.s0
		if w.have1 {
			v += (w.s1 - w.s0) * int32(w.acc) / SampleRate
		}
		pcm[i] = int16(v)
		for w.acc += w.format.SampleRate; w.acc >= SampleRate; w.acc -= SampleRate {
			w.s0, w.have0 = w.s1, w.have1
			if w.have0 {
				w.s1, w.have1 = w.next()
			}
		}
	}
	if !w.have0 {
		return w.end()
	}
	return nil
}

func (w *WAVReader) end() error {
	if w.err != nil {
		return w.err
	}
	return io.EOF
}

// next returns the next input sample, mixed down to mono, or false at the
// end of the data (or on a read error, kept in w.err).
func (w *WAVReader) next() (int32, bool) {
	if w.bend-w.bpos < w.block && !w.fill() {
		if !w.Loop || w.err != nil || w.dataLen == 0 {
			return 0, false
		}
		if _, err := w.r.Seek(w.dataOff, io.SeekStart); err != nil {
			w.err = err
			return 0, false
		}
		w.remain, w.bpos, w.bend = w.dataLen, 0, 0
		if !w.fill() {
			return 0, false
		}
	}
	b := w.buf[w.bpos : w.bpos+w.block]
	w.bpos += w.block
	if w.format.Channels == 2 {
		half := w.block / 2
		return (w.sample(b[:half]) + w.sample(b[half:])) / 2, true
	}
	return w.sample(b), true
}

// sample decodes one channel's sample.
func (w *WAVReader) sample(b []byte) int32 {
	switch w.format.Tag {
	case wavAlaw:
		return int32(g711.DecodeAlawFrame(b[0]))
	case wavUlaw:
		return int32(g711.DecodeUlawFrame(b[0]))
	}
	if w.format.BitsPerSample == 8 {
		return (int32(b[0]) - 128) << 8
	}
	return int32(int16(binary.LittleEndian.Uint16(b)))
}

// fill reads more data into buf and reports whether a whole sample frame
// is buffered.
func (w *WAVReader) fill() bool {
	n := copy(w.buf[:], w.buf[w.bpos:w.bend])
	w.bpos, w.bend = 0, n
	for zero := 0; w.bend < w.block && w.remain > 0 && zero < 3; {
		m := int(min(int64(len(w.buf)-w.bend), w.remain))
		k, err := w.r.Read(w.buf[w.bend : w.bend+m])
		w.bend += k
		w.remain -= int64(k)
		if k == 0 {
			zero++
		}
		if errors.Is(err, io.EOF) {
			w.remain = 0 // the file shrank under us
		} else if err != nil {
			w.err = err
			break
		}
	}
	return w.bend >= w.block
}

// Close closes the file opened by OpenWAV. For a reader made with
// NewWAVReader it does nothing: the caller owns that io.ReadSeeker.
func (w *WAVReader) Close() error {
	if w.closer == nil {
		return nil
	}
	c := w.closer
	w.closer = nil
	return c.Close()
}
