package sip

import (
	"bytes"
	"fmt"
	"strings"
)

// multipartMaxParts bounds the parts SplitMultipart returns.
const multipartMaxParts = 64

// Part is one body part of a multipart body (RFC 2046 §5.1).
type Part struct {
	Header      string // the part's raw header block (without the blank line), may be empty
	ContentType string // the value of its Content-Type header (case-insensitive name, compact form 'c' too), trimmed; "" if none (meaning text/plain per RFC 2046)
	Body        []byte // a view into the original body, not a copy
}

// HeaderValue returns the first value of the named header in the part,
// compared case-insensitively, trimmed of white space; "" if there is none.
// A folded value keeps its inner line breaks.
func (p Part) HeaderValue(name string) string {
	return multipartHeader(p.Header, name, name)
}

// SplitMultipart splits a multipart body (RFC 2046 §5.1) into its parts,
// given the boundary parameter of its Content-Type; a quoted boundary
// (boundary="simple boundary") is unquoted first.
//
// A delimiter is "--" boundary at the start of a line, followed by optional
// transport padding (spaces and tabs) and a line end; the close delimiter
// adds "--". The preamble before the first delimiter and the epilogue after
// the close delimiter are ignored. The line end before a delimiter belongs
// to the delimiter (RFC 2046 §5.1.1), so a binary part's body comes back
// exactly as sent. CRLF and bare LF line ends are both accepted.
//
// The boundary must be 1 to 70 characters; a body with no part, more than
// 64 parts or no close delimiter is refused. Errors wrap ErrMultipart.
// Each Part.Body is a view into body; Part.Header is a copy.
func SplitMultipart(body []byte, boundary string) ([]Part, error) {
	boundary = Unquote(boundary)
	if len(boundary) < 1 || len(boundary) > 70 {
		return nil, fmt.Errorf("%w: boundary of %d characters", ErrMultipart, len(boundary))
	}
	dash := make([]byte, 0, 2+len(boundary))
	dash = append(append(dash, "--"...), boundary...)

	// The first delimiter may start the body, with no line end before it.
	pos, closing, after := multipartDelimiter(body, dash, 0)
	if pos < 0 {
		return nil, fmt.Errorf("%w: no boundary delimiter", ErrMultipart)
	}
	var parts []Part
	for !closing {
		if len(parts) == multipartMaxParts {
			return nil, fmt.Errorf("%w: more than %d parts", ErrMultipart, multipartMaxParts)
		}
		from := after
		pos, closing, after = multipartDelimiter(body, dash, from)
		if pos < 0 {
			return nil, fmt.Errorf("%w: no close delimiter", ErrMultipart)
		}
		parts = append(parts, multipartPart(body[from:pos:pos]))
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no body part", ErrMultipart)
	}
	return parts, nil
}

// multipartDelimiter finds the first delimiter line in body at or after
// from. It returns where the delimiter begins, counting the line end before
// it (which belongs to it), whether it is the close delimiter, and where the
// next part begins, after the delimiter line. pos is -1 if there is none.
func multipartDelimiter(body, dash []byte, from int) (pos int, closing bool, after int) {
	for i := from; i <= len(body)-len(dash); {
		// A delimiter starts the body or follows a line end.
		var at int
		switch {
		case i == 0 && bytes.HasPrefix(body, dash):
			at = 0
		default:
			k := bytes.Index(body[i:], dash)
			if k < 0 {
				return -1, false, 0
			}
			at = i + k
			if at == 0 || body[at-1] != '\n' {
				i = at + 1
				continue
			}
		}
		// The line end before the delimiter belongs to it, unless it ended
		// the previous delimiter line: then the part is empty.
		start := at
		if at > from {
			start = at - 1
			if start > from && body[start-1] == '\r' {
				start--
			}
		}
		rest := body[at+len(dash):]
		if bytes.HasPrefix(rest, []byte("--")) {
			return start, true, len(body)
		}
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		switch {
		case bytes.HasPrefix(rest[j:], []byte("\r\n")):
			return start, false, at + len(dash) + j + 2
		case bytes.HasPrefix(rest[j:], []byte("\n")):
			return start, false, at + len(dash) + j + 1
		}
		i = at + 1 // "--boundary" followed by something else is content
	}
	return -1, false, 0
}

// multipartPart splits a part into its header block and body. A part that
// starts with a blank line has no header; one without a blank line is all
// header and has an empty body (RFC 2046 §5.1.1 body-part).
func multipartPart(b []byte) Part {
	var hdr []byte
	body := b[len(b):]
	switch {
	case bytes.HasPrefix(b, []byte("\r\n")):
		body = b[2:]
	case bytes.HasPrefix(b, []byte("\n")):
		body = b[1:]
	default:
		hdr = b
		for i := 0; i < len(b); {
			k := bytes.IndexByte(b[i:], '\n')
			if k < 0 {
				break
			}
			nl := i + k
			next := b[nl+1:]
			if bytes.HasPrefix(next, []byte("\r\n")) || bytes.HasPrefix(next, []byte("\n")) {
				hdr = b[:nl]
				if nl > 0 && b[nl-1] == '\r' {
					hdr = b[:nl-1]
				}
				body = next[1:]
				if next[0] == '\r' {
					body = next[2:]
				}
				break
			}
			i = nl + 1
		}
	}
	h := string(hdr)
	return Part{Header: h, ContentType: multipartHeader(h, "Content-Type", "c"), Body: body}
}

// multipartHeader returns the trimmed value of the first header in the
// block h whose name is name or alias, compared case-insensitively.
func multipartHeader(h, name, alias string) string {
	for h != "" {
		var field string
		field, h = framerField(h)
		colon := strings.IndexByte(field, ':')
		if colon < 0 {
			continue
		}
		n := trimWS(field[:colon])
		if equalFold(n, name) || equalFold(n, alias) {
			return trimWS(field[colon+1:])
		}
	}
	return ""
}
