package sip

import (
	"bytes"
	"fmt"
	"strings"
	"unsafe"
)

// FrameKind says what a frame is.
type FrameKind uint8

// The kinds of frame a StreamFramer returns.
const (
	FrameMessage FrameKind = iota + 1 // a complete SIP message
	FramePing                         // CRLFCRLF keep-alive ping: answer with a CRLF pong
	FramePong                         // a lone CRLF: the pong to our ping
)

// Frame is one unit cut from a stream by a StreamFramer.
type Frame struct {
	Kind FrameKind
	Data []byte // FrameMessage only: the message bytes in a slice of its own, safe to keep (the parser borrows it)
}

// StreamFramer cuts a byte stream into frames. Its zero value is ready, with DefaultLimits.
//
// A stream carries SIP messages back to back, each delimited by its
// mandatory Content-Length (RFC 3261 §18.3, §20.14), and between them the
// keep-alives of RFC 5626 §4.4.1: a double CRLF is a ping, a single CRLF the
// pong that answers it (RFC 3261 §7.5 also tells to ignore CRLFs before a
// start-line). A CRLF with no second CRLF behind it in the buffered data is
// taken as a pong at once, so a ping that arrives split exactly between its
// two CRLFs reads as two pongs; "\r\n\r" waits for the next byte.
//
// The header section ends at the first empty line; bare LF line ends are
// accepted as well as CRLF. Bytes are kept only until their frame is
// returned, so as long as the caller drains Next after every Write the
// buffer holds at most about Limits.MaxMessageSize plus one read.
//
// A StreamFramer is not safe for concurrent use.
type StreamFramer struct {
	Limits Limits // zero fields take the DefaultLimits values

	buf    []byte // buf[start:] is the data not yet returned
	start  int
	scan   int   // where the search for the end of the headers resumes (index into buf)
	msgLen int   // length of the message at start once its headers are parsed, else 0
	err    error // sticky
}

// framerMinBuf is the smallest buffer the framer allocates, so that a
// message trickling in byte by byte does not cost an allocation per byte.
const framerMinBuf = 4 << 10

// Write appends received bytes to the framer. It copies p. After an error
// the framer drops whatever is written to it.
func (f *StreamFramer) Write(p []byte) {
	if f.err != nil || len(p) == 0 {
		return
	}
	if f.start == len(f.buf) {
		f.framerDiscard()
	}
	if len(f.buf)+len(p) > cap(f.buf) && f.start > 0 {
		// Compact: move the pending bytes to the front.
		n := copy(f.buf, f.buf[f.start:])
		f.buf = f.buf[:n]
		f.scan -= f.start
		f.start = 0
	}
	if need := len(f.buf) + len(p); need > cap(f.buf) {
		// Grow, doubling to keep trickling input cheap, but never past what
		// a well-formed stream can need: a pending frame is shorter than
		// MaxMessageSize, so MaxMessageSize plus this write always suffices.
		c := max(2*cap(f.buf), framerMinBuf)
		c = min(c, f.Limits.withDefaults().MaxMessageSize+len(p))
		c = max(c, need)
		nb := make([]byte, len(f.buf), c)
		copy(nb, f.buf)
		f.buf = nb
	}
	f.buf = append(f.buf, p...)
}

// Next returns the next complete frame. It reports ok=false when more bytes
// are needed. An error is final: every later call returns it, and the
// transport should close the connection. Errors are *ProtocolError values
// wrapping ErrContentLength (missing, malformed or repeated Content-Length)
// or ErrTooLarge (header section or whole message over
// Limits.MaxMessageSize; an over-long header section also wraps
// ErrNoHeaderEnd).
func (f *StreamFramer) Next() (frame Frame, ok bool, err error) {
	if f.err != nil {
		return Frame{}, false, f.err
	}
	data := f.buf[f.start:]
	if f.msgLen == 0 {
		if kind, n := framerKeepAlive(data); kind != 0 {
			f.framerConsume(n)
			return Frame{Kind: kind}, true, nil
		} else if n < 0 {
			return Frame{}, false, nil
		}
		if err := f.framerHeaders(); err != nil {
			f.err = err
			f.buf, f.start, f.scan, f.msgLen = nil, 0, 0, 0
			return Frame{}, false, err
		}
		if f.msgLen == 0 {
			return Frame{}, false, nil
		}
	}
	if len(data) < f.msgLen {
		return Frame{}, false, nil
	}
	msg := make([]byte, f.msgLen)
	copy(msg, data)
	f.framerConsume(f.msgLen)
	return Frame{Kind: FrameMessage, Data: msg}, true, nil
}

// Buffered returns the number of bytes received but not yet returned in a frame.
func (f *StreamFramer) Buffered() int { return len(f.buf) - f.start }

// Reset drops the buffered bytes and any error, keeping Limits, so the
// framer can serve a new connection.
func (f *StreamFramer) Reset() {
	f.framerDiscard()
	f.err = nil
}

func (f *StreamFramer) framerDiscard() {
	f.buf, f.start, f.scan, f.msgLen = f.buf[:0], 0, 0, 0
}

func (f *StreamFramer) framerConsume(n int) {
	f.start += n
	f.scan, f.msgLen = f.start, 0
	if f.start == len(f.buf) {
		f.framerDiscard()
	}
}

// framerKeepAlive looks at the bytes before a message. It returns the kind
// and length of a keep-alive at the front of data, or n=-1 if data is empty
// or could still become one, or kind 0 and n=0 if a message starts there.
func framerKeepAlive(data []byte) (kind FrameKind, n int) {
	switch {
	case len(data) == 0:
		return 0, -1
	case data[0] != '\r':
		return 0, 0
	case len(data) == 1:
		return 0, -1
	case data[1] != '\n':
		return 0, 0
	case len(data) == 2 || data[2] != '\r':
		return FramePong, 2
	case len(data) == 3:
		return 0, -1
	case data[3] == '\n':
		return FramePing, 4
	}
	return FramePong, 2
}

// framerHeaders searches for the end of the header section of the message
// at f.start, resuming where the last search stopped. Once found, it reads
// Content-Length and sets f.msgLen; it checks the limit before anything is
// allocated for the body (sipgo GHSA-pg59-5vwg-4jxq).
func (f *StreamFramer) framerHeaders() error {
	maxSize := f.Limits.withDefaults().MaxMessageSize
	end := -1
	for end < 0 {
		i := bytes.IndexByte(f.buf[f.scan:], '\n')
		if i < 0 {
			f.scan = len(f.buf)
			break
		}
		j := f.scan + i // a line end; is the next line empty?
		rest := f.buf[j+1:]
		if len(rest) == 0 || (rest[0] == '\r' && len(rest) == 1) {
			f.scan = j // look at this line end again when more bytes come
			break
		}
		switch {
		case rest[0] == '\n':
			end = j + 2
		case rest[0] == '\r' && rest[1] == '\n':
			end = j + 3
		default:
			f.scan = j + 1
		}
	}
	hdrLen := end - f.start
	if end < 0 {
		// The terminator needs at least one more byte.
		hdrLen = len(f.buf) - f.start + 1
	}
	if hdrLen > maxSize {
		return &ProtocolError{Status: 513, Err: fmt.Errorf("%w: %w", ErrTooLarge, ErrNoHeaderEnd)}
	}
	if end < 0 {
		return nil
	}
	hdr := f.buf[f.start:end]
	cl, err := framerContentLength(unsafe.String(unsafe.SliceData(hdr), len(hdr)), maxSize-hdrLen)
	if err != nil {
		return err
	}
	f.msgLen = hdrLen + cl
	return nil
}

// framerContentLength finds the single Content-Length (or compact "l") in a
// header section and checks it against room, the space left for the body.
// Folded values and white space before the colon are allowed
// (RFC 3261 §7.3.1, §25.1 HCOLON).
func framerContentLength(hdr string, room int) (int, error) {
	value, found := "", false
	_, rest := framerField(hdr) // skip the start-line
	for rest != "" {
		var field string
		field, rest = framerField(rest)
		colon := strings.IndexByte(field, ':')
		if colon < 0 {
			continue
		}
		name := trimWS(field[:colon])
		if !equalFold(name, "Content-Length") && !equalFold(name, "l") {
			continue
		}
		if found {
			return 0, framerCLError(ErrContentLength)
		}
		value, found = trimWS(field[colon+1:]), true
	}
	if !found {
		return 0, framerCLError(ErrContentLength)
	}
	n, ok := parseUint(value, uint64(room))
	if !ok {
		if value != "" && strings.Trim(value, "0123456789") == "" {
			return 0, &ProtocolError{Status: 513, Header: "Content-Length", Err: ErrTooLarge}
		}
		return 0, framerCLError(ErrContentLength)
	}
	return int(n), nil
}

func framerCLError(err error) error {
	return &ProtocolError{Status: 400, Header: "Content-Length", Err: err}
}

// framerField cuts the first header field off s: a line and the
// continuation lines (starting with SP or HTAB) that follow it.
func framerField(s string) (field, rest string) {
	i := 0
	for {
		nl := strings.IndexByte(s[i:], '\n')
		if nl < 0 {
			return s, ""
		}
		i += nl + 1
		if i == len(s) || (s[i] != ' ' && s[i] != '\t') {
			return s[:i], s[i:]
		}
	}
}
