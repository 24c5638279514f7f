package audio

import (
	"encoding/binary"
	"io"
	"os"
)

const wavHeaderSize = 44

// maxDataBytes keeps the RIFF size (36 + data) within 32 bits.
const maxDataBytes = 1<<32 - 1 - (wavHeaderSize - 8)

// WAVWriter is a Sink that records 8 kHz 16-bit mono PCM to a WAV file.
// Close writes the final RIFF and data sizes; until then the header holds
// 0xFFFFFFFF sizes, which WAVReader (and most tools) read as "up to the end
// of the file", so an interrupted recording still plays.
//
// WriteFrame allocates only when a frame is longer than every frame before.
type WAVWriter struct {
	w      io.WriteSeeker
	closer io.Closer
	start  int64 // offset of the RIFF header
	n      int64 // data bytes written
	buf    []byte
	err    error
}

// CreateWAV creates (or truncates) the file at path for recording. Close
// closes the file.
func CreateWAV(path string) (*WAVWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w, err := NewWAVWriter(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.closer = f
	return w, nil
}

// NewWAVWriter writes a WAV header at the current offset of w and returns
// a writer for the samples that follow.
func NewWAVWriter(w io.WriteSeeker) (*WAVWriter, error) {
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	var h [wavHeaderSize]byte
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], 0xFFFFFFFF)
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)           // fmt chunk size
	le.PutUint16(h[20:], wavPCM)       // format
	le.PutUint16(h[22:], 1)            // channels
	le.PutUint32(h[24:], SampleRate)   // sample rate
	le.PutUint32(h[28:], SampleRate*2) // byte rate
	le.PutUint16(h[32:], 2)            // block align
	le.PutUint16(h[34:], 16)           // bits per sample
	copy(h[36:], "data")
	le.PutUint32(h[40:], 0xFFFFFFFF)
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return &WAVWriter{w: w, start: start, buf: make([]byte, 2*FrameSamples)}, nil
}

// WriteFrame appends pcm to the recording.
func (w *WAVWriter) WriteFrame(pcm []int16) error {
	if w.err != nil {
		return w.err
	}
	n := 2 * len(pcm)
	if w.n+int64(n) > maxDataBytes {
		return ErrTooLarge
	}
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	b := w.buf[:n]
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	k, err := w.w.Write(b)
	w.n += int64(k)
	if err != nil {
		w.err = err
	}
	return err
}

// Close writes the RIFF and data sizes into the header and, for a writer
// made by CreateWAV, closes the file. Later writes return ErrClosed.
func (w *WAVWriter) Close() error {
	if w.err == ErrClosed {
		return nil
	}
	err := w.err
	if err == nil {
		err = w.patch()
	}
	w.err = ErrClosed
	if w.closer != nil {
		if cerr := w.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// patch writes the sizes and leaves w at the end of the data.
func (w *WAVWriter) patch() error {
	var b [4]byte
	for _, f := range [...]struct {
		off  int64
		size int64
	}{
		{4, wavHeaderSize - 8 + w.n},
		{40, w.n},
	} {
		binary.LittleEndian.PutUint32(b[:], uint32(f.size))
		if _, err := w.w.Seek(w.start+f.off, io.SeekStart); err != nil {
			return err
		}
		if _, err := w.w.Write(b[:]); err != nil {
			return err
		}
	}
	_, err := w.w.Seek(w.start+wavHeaderSize+w.n, io.SeekStart)
	return err
}
