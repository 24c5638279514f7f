package audio

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	tag      uint16
	channels int
	rate     int
	bits     int
	align    int    // 0: channels*bits/8
	subTag   uint16 // with tag 0xFFFE
	before   []byte // raw chunks before fmt
	between  []byte // raw chunks between fmt and data
	dataSize int64  // -1: len(data)
	data     []byte
}

// makeWAV builds the bytes of a WAV file.
func makeWAV(s wavSpec) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("RIFF")
	b.Write([]byte{0, 0, 0, 0})
	b.WriteString("WAVE")
	b.Write(s.before)
	align := s.align
	if align == 0 {
		align = s.channels * s.bits / 8
	}
	fmtLen := 16
	if s.tag == wavExtensible {
		fmtLen = 40
	}
	f := make([]byte, fmtLen)
	le.PutUint16(f[0:], s.tag)
	le.PutUint16(f[2:], uint16(s.channels))
	le.PutUint32(f[4:], uint32(s.rate))
	le.PutUint32(f[8:], uint32(s.rate*align))
	le.PutUint16(f[12:], uint16(align))
	le.PutUint16(f[14:], uint16(s.bits))
	if s.tag == wavExtensible {
		le.PutUint16(f[16:], 22)
		le.PutUint16(f[24:], s.subTag)
	}
	b.Write(chunk("fmt ", f))
	b.Write(s.between)
	b.WriteString("data")
	size := uint32(len(s.data))
	if s.dataSize >= 0 {
		size = uint32(s.dataSize)
	}
	var sz [4]byte
	le.PutUint32(sz[:], size)
	b.Write(sz[:])
	b.Write(s.data)
	out := b.Bytes()
	le.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// chunk returns a RIFF chunk with padding.
func chunk(id string, body []byte) []byte {
	b := make([]byte, 8, 8+len(body)+1)
	copy(b, id)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(body)))
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// pcm16 encodes samples as 16-bit little-endian bytes.
func pcm16(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// readAll reads every frame of src until io.EOF, at most limit samples.
func readAll(t *testing.T, src Source, limit int) []int16 {
	t.Helper()
	var out []int16
	frame := make([]int16, FrameSamples)
	for len(out) < limit {
		err := src.ReadFrame(frame)
		out = append(out, frame...)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
	}
	return out
}

// tone returns n samples of a sine of freq Hz at rate.
func tone(freq float64, amp float64, rate, n int) []int16 {
	out := make([]int16, n)
	src := &Tone{}
	*src = *NewTone(freq*SampleRate/float64(rate), amp)
	src.ReadFrame(out)
	return out
}
