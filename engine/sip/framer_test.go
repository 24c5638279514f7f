package sip

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// framerMsg builds a SIP message whose Content-Length matches body.
func framerMsg(method, body string) string {
	return method + " sip:bob@example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/TCP pc33.example.com;branch=z9hG4bK776asdhds\r\n" +
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
		"CSeq: 1 " + method + "\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"\r\n" + body
}

const framerSDP = "v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\n"

// framerDrain calls Next until it needs more bytes or fails.
func framerDrain(f *StreamFramer) ([]Frame, error) {
	var frames []Frame
	for {
		fr, ok, err := f.Next()
		if err != nil {
			return frames, err
		}
		if !ok {
			return frames, nil
		}
		frames = append(frames, fr)
	}
}

// framerRun writes the chunks one by one, draining the framer after each,
// and checks that the buffer stays within MaxMessageSize plus the largest write.
func framerRun(t *testing.T, lim Limits, chunks [][]byte) ([]Frame, error) {
	frames, _, err := framerRunRest(t, lim, chunks)
	return frames, err
}

// framerRunRest is framerRun that also returns the bytes left buffered.
func framerRunRest(t *testing.T, lim Limits, chunks [][]byte) ([]Frame, []byte, error) {
	t.Helper()
	f := &StreamFramer{Limits: lim}
	bound := f.Limits.withDefaults().MaxMessageSize
	largest := 0
	var frames []Frame
	var kept [][]byte
	for _, c := range chunks {
		largest = max(largest, len(c))
		f.Write(c)
		if f.Buffered() > bound+largest || cap(f.buf) > bound+largest {
			t.Fatalf("buffered %d, capacity %d, over %d + %d", f.Buffered(), cap(f.buf), bound, largest)
		}
		fr, err := framerDrain(f)
		for _, x := range fr {
			kept = append(kept, bytes.Clone(x.Data))
		}
		frames = append(frames, fr...)
		if err != nil {
			if _, _, again := f.Next(); again != err {
				t.Fatalf("error not sticky: %v then %v", err, again)
			}
			return frames, nil, err
		}
	}
	for i, fr := range frames {
		if !bytes.Equal(fr.Data, kept[i]) {
			t.Fatalf("frame %d changed after later writes", i)
		}
	}
	return frames, bytes.Clone(f.buf[f.start:]), nil
}

func framerKinds(frames []Frame) string {
	var b strings.Builder
	for _, fr := range frames {
		b.WriteString([]string{"?", "M", "I", "O"}[fr.Kind])
	}
	return b.String()
}

func TestStreamFramerManyMessagesOneWrite(t *testing.T) {
	m1 := framerMsg("INVITE", framerSDP)
	m2 := framerMsg("ACK", "")
	m3 := framerMsg("MESSAGE", "hello\r\n\r\nworld")
	stream := m1 + m2 + "\r\n\r\n" + m3 + "\r\n" + m1
	var f StreamFramer
	f.Write([]byte(stream))
	frames, err := framerDrain(&f)
	if err != nil {
		t.Fatal(err)
	}
	if got := framerKinds(frames); got != "MMIMOM" {
		t.Fatalf("kinds %q, want MMIMOM", got)
	}
	want := []string{m1, m2, "", m3, "", m1}
	for i, fr := range frames {
		if string(fr.Data) != want[i] {
			t.Errorf("frame %d = %q, want %q", i, fr.Data, want[i])
		}
	}
	if f.Buffered() != 0 {
		t.Errorf("Buffered = %d, want 0", f.Buffered())
	}
}

func TestStreamFramerEverySplit(t *testing.T) {
	m1 := framerMsg("INVITE", framerSDP)
	m2 := framerMsg("MESSAGE", "Hello\r\n\r\n--x")
	stream := []byte(m1 + m2)
	for i := 0; i <= len(stream); i++ {
		frames, err := framerRun(t, Limits{}, [][]byte{stream[:i], stream[i:]})
		if err != nil {
			t.Fatalf("split %d: %v", i, err)
		}
		if len(frames) != 2 || string(frames[0].Data) != m1 || string(frames[1].Data) != m2 {
			t.Fatalf("split %d: got %q", i, frames)
		}
	}
}

func TestStreamFramerByteByByte(t *testing.T) {
	m1 := framerMsg("INVITE", framerSDP)
	m2 := framerMsg("BYE", "")
	stream := []byte("\r\n\r\n" + m1 + "\r\n" + m2 + "\r\n\r\n")
	var f StreamFramer
	var frames []Frame
	for i := range stream {
		f.Write(stream[i : i+1])
		fr, err := framerDrain(&f)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, fr...)
		// The header search resumes where it stopped: it never falls behind
		// the data by more than the two bytes an empty line may still need.
		if f.msgLen == 0 && f.scan < len(f.buf)-2 {
			t.Fatalf("byte %d: scan at %d of %d", i, f.scan, len(f.buf))
		}
	}
	// Written byte by byte, each ping reads as two pongs (see StreamFramer).
	if got := framerKinds(frames); got != "OOMOMOO" {
		t.Fatalf("kinds %q, want OOMOMOO", got)
	}
	if string(frames[2].Data) != m1 || string(frames[4].Data) != m2 {
		t.Fatalf("wrong messages %q", frames)
	}
}

func TestStreamFramerKeepAlives(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"ping", []string{"\r\n\r\n"}, "I"},
		{"pong", []string{"\r\n"}, "O"},
		{"two pings", []string{"\r\n\r\n\r\n\r\n"}, "II"},
		{"ping then pong", []string{"\r\n\r\n\r\n"}, "IO"},
		{"ping split after CR", []string{"\r\n\r", "\n"}, "I"},
		{"ping split after CRLF", []string{"\r\n", "\r\n"}, "OO"},
		{"lone CR waits", []string{"\r"}, ""},
		{"CR split", []string{"\r", "\n"}, "O"},
		{"pong before message", []string{"\r\n" + framerMsg("ACK", "")}, "OM"},
		{"ping before message", []string{"\r\n\r\n" + framerMsg("ACK", "")}, "IM"},
		{"pong then message split", []string{"\r\n\r", "ACK sip:a SIP/2.0\r\nl: 0\r\n\r\n"}, "OM"},
		{"after message", []string{framerMsg("ACK", "") + "\r\n\r\n\r\n"}, "MIO"},
	}
	for _, tt := range tests {
		var chunks [][]byte
		for _, c := range tt.chunks {
			chunks = append(chunks, []byte(c))
		}
		frames, err := framerRun(t, Limits{}, chunks)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := framerKinds(frames); got != tt.want {
			t.Errorf("%s: kinds %q, want %q", tt.name, got, tt.want)
		}
		for _, fr := range frames {
			if fr.Kind != FrameMessage && fr.Data != nil {
				t.Errorf("%s: keep-alive with data %q", tt.name, fr.Data)
			}
		}
	}
}

func TestStreamFramerContentLengthForms(t *testing.T) {
	body := "abc\r\n\r\nxyz"
	tests := []struct{ name, header string }{
		{"compact", "l: 10"},
		{"compact upper", "L:10"},
		{"blanks before colon", "Content-Length   : 10"},
		{"tab before colon", "content-length\t:\t10"},
		{"lower case", "content-length: 10"},
		{"folded", "Content-Length:\r\n   10"},
		{"leading zeros", "Content-Length: 0010"},
		{"trailing blanks", "Content-Length: 10  "},
	}
	for _, tt := range tests {
		for _, eol := range []string{"\r\n", "\n"} {
			msg := "MESSAGE sip:a@b SIP/2.0" + eol +
				"Content-Type: text/plain" + eol +
				strings.ReplaceAll(tt.header, "\r\n", eol) + eol +
				"X-Long-Header: l: 99" + eol + eol + body
			var f StreamFramer
			f.Write([]byte(msg + "\r\n"))
			frames, err := framerDrain(&f)
			if err != nil {
				t.Errorf("%s %q: %v", tt.name, eol, err)
				continue
			}
			if len(frames) != 2 || string(frames[0].Data) != msg || frames[1].Kind != FramePong {
				t.Errorf("%s %q: got %q", tt.name, eol, frames)
			}
		}
	}
}

func TestStreamFramerBadContentLength(t *testing.T) {
	tests := []struct{ name, headers string }{
		{"missing", "Call-ID: x\r\n"},
		{"negative", "Content-Length: -1\r\n"},
		{"plus sign", "Content-Length: +1\r\n"},
		{"non-numeric", "Content-Length: ten\r\n"},
		{"empty", "Content-Length:\r\n"},
		{"two values", "Content-Length: 1 2\r\n"},
		{"list", "Content-Length: 0, 0\r\n"},
		{"duplicate", "Content-Length: 0\r\nContent-Length: 0\r\n"},
		{"duplicate compact", "Content-Length: 0\r\nl: 0\r\n"},
		{"hex", "Content-Length: 0x10\r\n"},
		{"only in start line", ""},
	}
	for _, tt := range tests {
		msg := "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n" + tt.headers + "\r\n"
		if tt.name == "only in start line" {
			msg = "Content-Length: 0\r\nVia: x\r\n\r\n"
		}
		frames, err := framerRun(t, Limits{}, [][]byte{[]byte(framerMsg("ACK", "") + msg), []byte(framerMsg("ACK", ""))})
		if !errors.Is(err, ErrContentLength) {
			t.Errorf("%s: error %v, want ErrContentLength", tt.name, err)
		}
		if StatusOf(err) != 400 {
			t.Errorf("%s: status %d, want 400", tt.name, StatusOf(err))
		}
		if framerKinds(frames) != "M" {
			t.Errorf("%s: frames %q before the error, want the first message only", tt.name, framerKinds(frames))
		}
	}
}

func TestStreamFramerHugeContentLength(t *testing.T) {
	for _, cl := range []string{"999999999", "99999999999999999999999999", "65536"} {
		var f StreamFramer
		f.Write([]byte("INVITE sip:a@b SIP/2.0\r\nContent-Length: " + cl + "\r\n\r\nv=0"))
		_, ok, err := f.Next()
		if ok || !errors.Is(err, ErrTooLarge) {
			t.Errorf("CL %s: ok=%v err=%v, want ErrTooLarge at once", cl, ok, err)
		}
		if StatusOf(err) != 513 {
			t.Errorf("CL %s: status %d, want 513", cl, StatusOf(err))
		}
		if cap(f.buf) != 0 {
			t.Errorf("CL %s: buffer kept after the error", cl)
		}
	}
	// Exactly at the limit is fine; one more byte is not.
	hdr := "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\n"
	for _, size := range []int{len(hdr) + 10, len(hdr) + 9} {
		var f StreamFramer
		f.Limits.MaxMessageSize = size
		f.Write([]byte(hdr + "0123456789"))
		_, ok, err := f.Next()
		if want := size == len(hdr)+10; ok != want || (err == nil) != want {
			t.Errorf("limit %d: ok=%v err=%v", size, ok, err)
		}
	}
}

func TestStreamFramerHeaderFlood(t *testing.T) {
	const limit = 4096
	f := StreamFramer{Limits: Limits{MaxMessageSize: limit}}
	line := []byte("X-Flood: " + strings.Repeat("a", 90) + "\r\n")
	f.Write([]byte("INVITE sip:a@b SIP/2.0\r\n"))
	written := 24
	for {
		f.Write(line)
		written += len(line)
		if f.Buffered() > limit+len(line) || cap(f.buf) > limit+len(line) {
			t.Fatalf("buffered %d, capacity %d after %d bytes", f.Buffered(), cap(f.buf), written)
		}
		_, ok, err := f.Next()
		if ok {
			t.Fatal("frame from a header flood")
		}
		if err != nil {
			if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrNoHeaderEnd) {
				t.Fatalf("error %v, want ErrTooLarge and ErrNoHeaderEnd", err)
			}
			if written < limit || written >= limit+len(line) {
				t.Fatalf("error after %d bytes, limit %d", written, limit)
			}
			break
		}
		if written > 2*limit {
			t.Fatal("no error past the limit")
		}
	}
	f.Write(line)
	if f.Buffered() != 0 {
		t.Fatalf("kept %d bytes after the error", f.Buffered())
	}
	// A flood without any line end.
	var g StreamFramer
	g.Limits.MaxMessageSize = limit
	g.Write(bytes.Repeat([]byte("A"), limit-1))
	if _, _, err := g.Next(); err != nil {
		t.Fatalf("error %v below the limit", err)
	}
	g.Write([]byte("A"))
	if _, _, err := g.Next(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v at the limit, want ErrTooLarge", err)
	}
}

func TestStreamFramerStickyErrorAndReset(t *testing.T) {
	var f StreamFramer
	f.Write([]byte("BYE sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n"))
	_, _, err := f.Next()
	if !errors.Is(err, ErrContentLength) {
		t.Fatalf("error %v", err)
	}
	f.Write([]byte(framerMsg("ACK", "")))
	for range 3 {
		if fr, ok, again := f.Next(); again != err || ok || fr.Kind != 0 {
			t.Fatalf("after error: %v %v %v", fr, ok, again)
		}
	}
	f.Reset()
	f.Write([]byte(framerMsg("ACK", "")))
	if fr, ok, err := f.Next(); err != nil || !ok || fr.Kind != FrameMessage {
		t.Fatalf("after Reset: %v %v %v", fr, ok, err)
	}
}

func TestStreamFramerCompaction(t *testing.T) {
	// A long stream of messages, written in reads that cut them anywhere,
	// must not grow the buffer past one message plus one read.
	const limit = 1024
	m := []byte(framerMsg("MESSAGE", strings.Repeat("x", 300)))
	var stream []byte
	for range 200 {
		stream = append(stream, m...)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var chunks [][]byte
	for len(stream) > 0 {
		n := min(len(stream), 1+r.IntN(700))
		chunks = append(chunks, stream[:n])
		stream = stream[n:]
	}
	frames, err := framerRun(t, Limits{MaxMessageSize: limit}, chunks)
	if err != nil || len(frames) != 200 {
		t.Fatalf("%d frames, error %v", len(frames), err)
	}
}

func TestStreamFramerAllocs(t *testing.T) {
	msg := []byte(framerMsg("INVITE", framerSDP))
	var f StreamFramer
	f.Write(msg) // warm the buffer up
	framerDrain(&f)
	allocs := testing.AllocsPerRun(20, func() {
		n := 0
		for i := range msg {
			f.Write(msg[i : i+1])
			for {
				_, ok, err := f.Next()
				if err != nil {
					panic(err)
				}
				if !ok {
					break
				}
				n++
			}
		}
		if n != 1 {
			panic("no message")
		}
	})
	if allocs > 1 {
		t.Fatalf("%v allocations per message written byte by byte, want 1", allocs)
	}
}

// framerNormalize turns each ping into two pongs: a ping split between its
// two CRLFs legitimately reads as two pongs. Likewise a framer left waiting
// on "\r\n\r" holds a pong that a framer fed "\r\n" then "\r" has returned.
func framerNormalize(frames []Frame, rest []byte) ([]Frame, []byte) {
	var out []Frame
	for _, fr := range frames {
		if fr.Kind == FramePing {
			out = append(out, Frame{Kind: FramePong}, Frame{Kind: FramePong})
			continue
		}
		out = append(out, fr)
	}
	if string(rest) == "\r\n\r" {
		out, rest = append(out, Frame{Kind: FramePong}), rest[2:]
	}
	return out, rest
}

func FuzzStreamFramer(f *testing.F) {
	m1 := framerMsg("INVITE", framerSDP)
	m2 := framerMsg("MESSAGE", "a\r\n\r\nb")
	for _, s := range []string{
		m1 + m2,
		"\r\n\r\n" + m1 + "\r\n" + m2 + "\r\n\r\n\r\n",
		"ACK sip:a SIP/2.0\nl:3\n\nabcBYE sip:a SIP/2.0\r\nContent-Length  :\r\n 0\r\n\r\n",
		"INVITE sip:a SIP/2.0\r\nContent-Length: 999999999\r\n\r\n",
		"INVITE sip:a SIP/2.0\r\nContent-Length: 1\r\nl: 1\r\n\r\nx",
		"X: " + strings.Repeat("y", 300) + "\r\n",
		"\r\n\r\r\n\n\r\r\n\r\n",
	} {
		f.Add(uint8(20), uint8(3), []byte(s))
	}
	f.Fuzz(func(t *testing.T, size, split uint8, stream []byte) {
		lim := Limits{MaxMessageSize: 64 + int(size)*4}
		want, wantRest, wantErr := framerRunRest(t, lim, [][]byte{stream})

		// Cut the stream into writes of 1 to 2^(split%8) bytes.
		r := rand.New(rand.NewPCG(uint64(split), uint64(len(stream))))
		var chunks [][]byte
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(1<<(split%8)))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		got, gotRest, gotErr := framerRunRest(t, lim, chunks)

		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("split writes: error %v, one write: %v", gotErr, wantErr)
		}
		want, wantRest = framerNormalize(want, wantRest)
		got, gotRest = framerNormalize(got, gotRest)
		if !bytes.Equal(wantRest, gotRest) {
			t.Fatalf("split writes leave %q, one write %q", gotRest, wantRest)
		}
		if len(want) != len(got) {
			t.Fatalf("split writes: %d frames %q, one write: %d frames %q", len(got), framerKinds(got), len(want), framerKinds(want))
		}
		for i := range want {
			if want[i].Kind != got[i].Kind || !bytes.Equal(want[i].Data, got[i].Data) {
				t.Fatalf("frame %d: split writes %v, one write %v", i, got[i], want[i])
			}
		}
		for _, fr := range want {
			if fr.Kind == FrameMessage && len(fr.Data) > lim.MaxMessageSize {
				t.Fatalf("message of %d bytes over the limit %d", len(fr.Data), lim.MaxMessageSize)
			}
		}
	})
}
