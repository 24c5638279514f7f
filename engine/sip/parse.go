package sip

import (
	"strings"
	"unsafe"
)

// Parser turns datagrams into Messages under Limits. The zero Parser uses
// DefaultLimits; a Parser is immutable and safe for concurrent use.
type Parser struct {
	Limits Limits
}

// Parse parses one datagram with DefaultLimits into a new Message. On
// error the Message still holds what was read (see Parser.Parse).
func Parse(data []byte) (*Message, error) {
	m := new(Message)
	err := (&Parser{}).Parse(m, data)
	return m, err
}

// Parse resets m and fills it from data, which holds exactly one message
// as one datagram carries it (RFC 3261 §18.3): leading CRLFs are skipped,
// and octets past the Content-Length body are ignored (RFC 4475 §3.1.1.8).
// Without Content-Length the body runs to the end of data.
//
// m keeps data and points into it, without copying: data must not change
// while m or any value taken from it is in use.
//
// The error is a *ProtocolError. Where the fault lies past the start line
// (a bad version, a bad Content-Length, a truncated body) every header is
// still indexed, so a UAS can answer the request with the error's status.
func (p *Parser) Parse(m *Message, data []byte) error {
	stale := m.headers // the last message's fields, overwritten in place
	m.reset()
	err := p.parse(m, data)
	if n := len(m.headers); n < len(stale) {
		clear(stale[n:]) // drop the views into the old buffer left over
	}
	return err
}

func (p *Parser) parse(m *Message, data []byte) error {
	lim := p.Limits.withDefaults()
	if len(data) > lim.MaxMessageSize {
		return &ProtocolError{Status: 513, Err: ErrTooLarge}
	}
	if m.headers == nil {
		m.headers = m.inline[:0]
	}
	m.raw = data
	s := unsafe.String(unsafe.SliceData(data), len(data))
	pos := 0
	for pos < len(s) && (s[pos] == '\r' || s[pos] == '\n') {
		pos++
	}
	if pos == len(s) {
		return badRequest(ErrEmpty, "")
	}
	line, pos, ok := nextLine(s, pos)
	if !ok {
		return badRequest(ErrNoHeaderEnd, "")
	}
	// A request with a bad start line is still indexed, so that the 400
	// or 505 can be sent; a response with one is simply dropped.
	deferred := m.parseStartLine(line)
	if deferred != nil && !m.IsRequest() {
		return deferred
	}
	hdrs, pos, contentLength, err := m.parseHeaders(s, pos, &lim)
	// The index is stored once, whatever happened: on an error it holds
	// the fields read so far, which a UAS may still answer from.
	m.headers = hdrs
	m.indexHot()
	if err != nil {
		return err
	}
	if deferred != nil {
		return deferred
	}
	body := s[pos:]
	if contentLength >= 0 {
		if contentLength > len(body) {
			return badRequest(ErrBodyTruncated, "Content-Length")
		}
		body = body[:contentLength]
	}
	m.body = data[pos : pos+len(body) : pos+len(body)]
	return nil
}

// parseHeaders indexes the header fields from pos to the empty line that
// ends them, appending them to m.headers' storage. It returns the fields
// indexed (also on error), the position after the empty line, and the
// Content-Length value, or -1 if there is none.
func (m *Message) parseHeaders(s string, pos int, lim *Limits) (hdrs []Header, next, contentLength int, err error) {
	hdrs, contentLength = m.headers, -1 // a local slice, kept in registers while the loop appends
	vias := 0
	for {
		i := strings.IndexByte(s[pos:], '\n')
		if i < 0 {
			return hdrs, pos, contentLength, badRequest(ErrNoHeaderEnd, "")
		}
		line := s[pos : pos+i]
		pos += i + 1
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		switch {
		case line == "":
			return hdrs, pos, contentLength, nil
		case len(line) > lim.MaxLineLength:
			return hdrs, pos, contentLength, badRequest(ErrLineTooLong, "")
		case line[0] == ' ' || line[0] == '\t':
			return hdrs, pos, contentLength, badRequest(ErrHeaderSyntax, "") // a continuation with nothing to continue
		case len(hdrs) >= lim.MaxHeaders:
			return hdrs, pos, contentLength, badRequest(ErrTooManyHeaders, "")
		}
		// Most lines start with a name spelled as in kinds and then the
		// colon: recognising the name checks it too, as those are tokens.
		// Any other line (other case, blanks before the colon, an unknown
		// or compact name, no colon) is split by the general splitHeader.
		var name, value string
		c := strings.IndexByte(line, ':')
		k := hOther
		if c >= 0 {
			k = exactKind(line[:c])
		}
		if k != hOther {
			name, value = line[:c], line[c+1:]
		} else {
			var ok bool
			if name, value, k, ok = splitHeader(line); !ok {
				return hdrs, pos, contentLength, badRequest(ErrHeaderName, "")
			}
		}
		if pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
			if value, pos, err = unfold(s, pos, value, lim.MaxLineLength); err != nil {
				return hdrs, pos, contentLength, err
			}
		} else {
			value = trimWS(value)
		}
		switch k {
		case hContentLength:
			if contentLength >= 0 {
				return hdrs, pos, contentLength, badRequest(ErrDuplicateHeader, "Content-Length") // RFC 4475 §3.3.9
			}
			n, ok := parseUint(value, uint64(lim.MaxMessageSize))
			if !ok {
				return hdrs, pos, contentLength, badRequest(ErrContentLength, "Content-Length") // RFC 4475 §3.1.2.3
			}
			contentLength = int(n)
		case hVia:
			// Counting commas may overcount a quoted comma in a parameter,
			// which only makes the limit stricter; it saves a scan per Via.
			// Most fields hold one value, which IndexByte tells quicker.
			vias++
			if strings.IndexByte(value, ',') >= 0 {
				vias += strings.Count(value, ",")
			}
			if vias > lim.MaxVias {
				return hdrs, pos, contentLength, badRequest(ErrTooManyVias, "Via")
			}
		}
		hdrs = append(hdrs, Header{Name: name, Value: value, kind: k})
	}
}

// nextLine returns the line starting at pos without its CRLF (or bare LF)
// and the position after it; ok is false when no line end follows.
func nextLine(s string, pos int) (line string, next int, ok bool) {
	i := strings.IndexByte(s[pos:], '\n')
	if i < 0 {
		return "", len(s), false
	}
	line = s[pos : pos+i]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, pos + i + 1, true
}

// parseStartLine reads a Request-Line or Status-Line (RFC 3261 §7.1, §7.2).
// Exactly one SP separates the elements: extra white space is a 400
// (RFC 4475 §3.1.2.8, §3.1.2.9, §3.1.2.10).
func (m *Message) parseStartLine(line string) *ProtocolError {
	// The usual lines, "METHOD uri SIP/2.0" and "SIP/2.0 ddd reason", are
	// read directly; any other goes the general way below, which reaches
	// the same result for these.
	if n := len(line); n >= 11 && line[:8] == "SIP/2.0 " && (n == 11 || line[11] == ' ') {
		if c0, c1, c2 := line[8], line[9], line[10]; c0 >= '1' && c0 <= '6' && isDigit(c1) && isDigit(c2) {
			m.status = int(c0-'0')*100 + int(c1-'0')*10 + int(c2-'0')
			if n > 11 {
				m.reason = line[12:]
			}
			return nil
		}
	}
	if i := tokenTable.span(line, 0); i > 0 && len(line) > i+9 && line[i] == ' ' && strings.HasSuffix(line, " SIP/2.0") {
		if uri := line[i+1 : len(line)-8]; uri != "" && strings.IndexByte(uri, ' ') < 0 {
			m.method, m.requestURI = line[:i], uri
			return nil
		}
	}
	if len(line) > 4 && equalFold(line[:4], "SIP/") {
		version, rest, _ := strings.Cut(line, " ")
		code, reason, _ := strings.Cut(rest, " ")
		if err := checkVersion(version); err != nil {
			return err
		}
		n, ok := parseUint(code, 999)
		if !ok || len(code) != 3 || n < 100 || n > 699 {
			return badRequest(ErrStatusCode, "")
		}
		m.status, m.reason = int(n), reason
		return nil
	}
	method, rest, ok1 := strings.Cut(line, " ")
	uri, version, ok2 := strings.Cut(rest, " ")
	if !isToken(method) {
		return badRequest(ErrStartLine, "")
	}
	m.method, m.requestURI = method, uri
	if !ok1 || !ok2 || uri == "" || strings.IndexByte(version, ' ') >= 0 {
		return badRequest(ErrStartLine, "")
	}
	return checkVersion(version)
}

// checkVersion accepts SIP/2.0; any other well-formed version is a 505.
func checkVersion(v string) *ProtocolError {
	if len(v) == 7 && equalFold(v[:4], "SIP/") && v[4:] == "2.0" {
		return nil
	}
	major, minor, ok := strings.Cut(v[min(4, len(v)):], ".")
	if len(v) > 4 && equalFold(v[:4], "SIP/") && ok {
		if _, ok1 := parseUint(major, 999); ok1 {
			if _, ok2 := parseUint(minor, 999); ok2 {
				return &ProtocolError{Status: 505, Err: ErrVersion}
			}
		}
	}
	return badRequest(ErrStartLine, "")
}

// splitHeader splits a header line at its colon and finds the kind of
// its name. Only blanks may stand between the name, a token, and the colon
// (RFC 3261 §7.3.1 HCOLON); control characters in a name are refused
// (AST-2016-009).
func splitHeader(line string) (name, value string, k hkind, ok bool) {
	i := tokenTable.span(line, 0)
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	if i == 0 || j == len(line) || line[j] != ':' {
		return "", "", hOther, false
	}
	return line[:i], line[j+1:], kindOf(line[:i]), true
}

// unfold joins a field's first line and the continuation lines starting
// at pos with single spaces (RFC 3261 §7.3.1). Only folded fields, which
// are rare, cost an allocation.
func unfold(s string, pos int, first string, max int) (value string, next int, err error) {
	var b strings.Builder
	b.WriteString(trimWS(first))
	for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
		line, np, ok := nextLine(s, pos)
		if !ok {
			return "", 0, badRequest(ErrNoHeaderEnd, "")
		}
		pos = np
		if part := trimWS(line); part != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(part)
		}
		if b.Len() > max {
			return "", 0, badRequest(ErrLineTooLong, "")
		}
	}
	return b.String(), pos, nil
}
