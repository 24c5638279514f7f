package sip

import (
	"iter"
)

// Header is one header field: its name as received or given, and its value
// with surrounding white space removed and line folding undone.
type Header struct {
	Name  string
	Value string
	kind  hkind
}

// inlineHeaders is how many header fields a Message holds before its
// header index has to grow: enough for an ordinary INVITE or 200.
const inlineHeaders = 20

// Message is a SIP request or response (RFC 3261 §7). The zero value is an
// empty message; Parser.Parse fills one from received bytes, NewRequest and
// NewResponse build one. A Message is not safe for concurrent use, and is
// not to be copied by value (its header index may point into itself).
type Message struct {
	method     string // "" for a response
	requestURI string
	status     int
	reason     string
	headers    []Header
	body       []byte
	raw        []byte // the parsed buffer, which every view points into
	inline     [inlineHeaders]Header
	c          typedCache
}

// IsRequest reports whether m is a request.
func (m *Message) IsRequest() bool { return m.method != "" }

// Method returns the request method exactly as received (methods are case
// sensitive, RFC 3261 §7.1), or "" for a response.
func (m *Message) Method() string { return m.method }

// RawRequestURI returns the Request-URI text of a request.
func (m *Message) RawRequestURI() string { return m.requestURI }

// StatusCode returns the status of a response, or 0 for a request.
func (m *Message) StatusCode() int { return m.status }

// Reason returns the reason phrase of a response.
func (m *Message) Reason() string { return m.reason }

// Body returns the message body; it may be empty.
func (m *Message) Body() []byte { return m.body }

// Raw returns the buffer the message was parsed from, or nil if it was built.
func (m *Message) Raw() []byte { return m.raw }

// Headers returns the header fields in order. The slice belongs to m: read
// it, do not modify it.
func (m *Message) Headers() []Header { return m.headers }

// Get returns the value of the first header field with the given name (any
// case, full or compact form), or "" if there is none.
func (m *Message) Get(name string) string {
	v, _ := m.lookup(kindOf(name), name)
	return v
}

// Has reports whether a header field with the given name is present.
func (m *Message) Has(name string) bool {
	_, ok := m.lookup(kindOf(name), name)
	return ok
}

func (m *Message) lookup(k hkind, name string) (string, bool) {
	if slot := hotSlot[k]; slot != 0 && m.cached(cIndexed) {
		if i := int(m.c.first[slot-1]); i != 0 {
			return m.headers[i-1].Value, true
		}
		return "", false
	}
	for i := range m.headers {
		if m.headers[i].is(k, name) {
			return m.headers[i].Value, true
		}
	}
	return "", false
}

func (h *Header) is(k hkind, name string) bool {
	if k != hOther {
		return h.kind == k
	}
	return h.kind == hOther && equalFold(h.Name, name)
}

// Values yields every value of the named header in order. For headers whose
// grammar is a comma-separated list (Via, Contact, Route, Allow, ...) each
// element is yielded on its own, so "Via: a, b" reads like two Via fields
// (RFC 3261 §7.3.1).
func (m *Message) Values(name string) iter.Seq[string] {
	return m.values(kindOf(name), name)
}

func (m *Message) values(k hkind, name string) iter.Seq[string] {
	return func(yield func(string) bool) { m.eachValue(k, name, yield) }
}

// eachValue calls f with every value values yields, in order, until f
// returns false. Unlike ranging over values it costs no allocation, which
// matters on the path every message takes.
func (m *Message) eachValue(k hkind, name string, f func(string) bool) {
	for i := range m.headers {
		h := &m.headers[i]
		if !h.is(k, name) {
			continue
		}
		if !kinds[h.kind].list {
			if !f(h.Value) {
				return
			}
			continue
		}
		for rest := h.Value; rest != ""; {
			var v string
			v, rest, _ = cutList(rest)
			if !f(v) {
				return
			}
		}
	}
}

// Count returns how many values of the named header Values would yield.
func (m *Message) Count(name string) int { return m.count(kindOf(name), name) }

func (m *Message) count(k hkind, name string) int {
	n := 0
	m.eachValue(k, name, func(string) bool { n++; return true })
	return n
}

// first returns the first list element of the first field of kind k.
func (m *Message) first(k hkind) (string, bool) {
	v, ok := m.lookup(k, "")
	if ok && kinds[k].list {
		v, _, _ = cutList(v)
	}
	return v, ok
}

// Add appends a header field. The name keeps the caller's spelling except
// that known headers are written in their canonical form when serialised.
func (m *Message) Add(name, value string) {
	if m.headers == nil {
		m.headers = m.inline[:0]
	}
	m.headers = append(m.headers, Header{Name: name, Value: trimWS(value), kind: kindOf(name)})
	m.c = typedCache{}
}

// Set replaces every field of the named header with one field holding value,
// at the position of the first one (or at the end if there was none).
func (m *Message) Set(name, value string) {
	k := kindOf(name)
	for i := range m.headers {
		if m.headers[i].is(k, name) {
			m.headers[i].Value = trimWS(value)
			m.delFrom(i+1, k, name)
			m.c = typedCache{}
			return
		}
	}
	m.Add(name, value)
}

// Del removes every field of the named header.
func (m *Message) Del(name string) {
	m.delFrom(0, kindOf(name), name)
	m.c = typedCache{}
}

func (m *Message) delFrom(start int, k hkind, name string) {
	out := m.headers[:start]
	for _, h := range m.headers[start:] {
		if !h.is(k, name) {
			out = append(out, h)
		}
	}
	clear(m.headers[len(out):])
	m.headers = out
}

// SetBody sets the body and its Content-Type; an empty contentType removes
// the header. Content-Length is always derived from the body when the
// message is serialised.
func (m *Message) SetBody(contentType string, body []byte) {
	m.body = body
	if contentType == "" {
		m.Del("Content-Type")
	} else {
		m.Set("Content-Type", contentType)
	}
}

// ContentLength returns the length of the body.
func (m *Message) ContentLength() int { return len(m.body) }

// CallID returns the Call-ID (RFC 3261 §20.8), or "" if it is missing.
func (m *Message) CallID() string {
	v, _ := m.lookup(hCallID, "")
	return v
}

// MaxForwards returns the Max-Forwards value; ok is false when the header
// is missing or not a number from 0 to 255 (RFC 3261 §20.22).
func (m *Message) MaxForwards() (n int, ok bool) {
	v, ok := m.lookup(hMaxForwards, "")
	if !ok {
		return 0, false
	}
	u, ok := parseUint(v, 255)
	return int(u), ok
}

// Expires returns the Expires header as delta-seconds (RFC 3261 §20.19).
func (m *Message) Expires() (uint32, bool) {
	return m.deltaSeconds(hExpires)
}

// MinExpires returns the Min-Expires header (RFC 3261 §20.23).
func (m *Message) MinExpires() (uint32, bool) {
	return m.deltaSeconds(hMinExpires)
}

// RSeq returns the RSeq of a reliable provisional response (RFC 3262 §7.1).
func (m *Message) RSeq() (uint32, bool) {
	return m.deltaSeconds(hRSeq)
}

func (m *Message) deltaSeconds(k hkind) (uint32, bool) {
	v, ok := m.lookup(k, "")
	if !ok {
		return 0, false
	}
	u, ok := parseUint(v, 1<<32-1)
	return uint32(u), ok
}

// HasToken reports whether a token-list header (Allow, Supported, Require,
// Proxy-Require, Unsupported, Allow-Events, ...) lists tok.
func (m *Message) HasToken(name, tok string) bool {
	found := false
	m.eachValue(kindOf(name), name, func(v string) bool { found = v == tok; return !found })
	return found
}

// Reset empties m for reuse, keeping the header index it has grown.
func (m *Message) Reset() {
	clear(m.headers) // drop the views into the old buffer
	m.reset()
}

// reset is Reset but for clearing the old header fields, which Parse
// overwrites, clearing only those the new message leaves over.
func (m *Message) reset() {
	h := m.headers
	m.method, m.requestURI, m.status, m.reason = "", "", 0, ""
	m.body, m.raw = nil, nil
	m.c.have, m.c.err = 0, [numCached]error{} // cached values are dead once their bit is clear
	switch {
	case cap(h) > inlineHeaders:
		m.headers = h[:0]
	default:
		m.headers = nil
	}
}

// String returns the serialised message, for logs and tests.
func (m *Message) String() string { return string(m.AppendTo(nil)) }

// Clone returns a copy of m that can be changed without touching m. Header
// values and the body are immutable strings and bytes shared with m.
func (m *Message) Clone() *Message {
	c := &Message{method: m.method, requestURI: m.requestURI, status: m.status, reason: m.reason, body: m.body, raw: m.raw}
	c.headers = append(c.inline[:0], m.headers...)
	return c
}
