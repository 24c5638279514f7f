package sip

import "strconv"

// AppendTo appends the message in canonical form to dst and returns the
// extended slice: known header names in their full canonical spelling,
// one field per line, and a Content-Length computed from the body, last.
// It does not allocate when dst has room.
func (m *Message) AppendTo(dst []byte) []byte {
	if m.IsRequest() {
		dst = append(dst, m.method...)
		dst = append(dst, ' ')
		dst = append(dst, m.requestURI...)
		dst = append(dst, " SIP/2.0\r\n"...)
	} else {
		dst = append(dst, "SIP/2.0 "...)
		dst = strconv.AppendInt(dst, int64(m.status), 10)
		dst = append(dst, ' ')
		dst = append(dst, m.reason...)
		dst = append(dst, "\r\n"...)
	}
	for i := range m.headers {
		h := &m.headers[i]
		if h.kind == hContentLength {
			continue
		}
		if h.kind != hOther {
			dst = append(dst, kinds[h.kind].name...)
		} else {
			dst = append(dst, h.Name...)
		}
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(m.body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, m.body...)
}

// Size returns the length AppendTo would produce, to size a buffer.
func (m *Message) Size() int {
	n := 0
	if m.IsRequest() {
		n += len(m.method) + 1 + len(m.requestURI) + len(" SIP/2.0\r\n")
	} else {
		n += len("SIP/2.0 000 ") + len(m.reason) + 2
	}
	for i := range m.headers {
		h := &m.headers[i]
		switch h.kind {
		case hContentLength:
			continue
		case hOther:
			n += len(h.Name)
		default:
			n += len(kinds[h.kind].name)
		}
		n += 2 + len(h.Value) + 2
	}
	n += len("Content-Length: \r\n\r\n") + len(strconv.Itoa(len(m.body)))
	return n + len(m.body)
}
