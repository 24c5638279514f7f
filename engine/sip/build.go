package sip

import (
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
)

// NewBranch returns a fresh branch for a Via: the RFC 3261 magic cookie
// followed by 128 random bits (§8.1.1.7).
func NewBranch() string { return string(appendBranch(nil)) }

// NewTag returns a fresh From or To tag with 128 random bits (§19.3).
func NewTag() string { return string(appendTag(nil)) }

// NewCallID returns a fresh, globally unique Call-ID (§8.1.1.4).
func NewCallID() string { return string(appendCallID(nil)) }

func appendBranch(b []byte) []byte { return appendRandomText(append(b, BranchCookie...)) }
func appendTag(b []byte) []byte    { return appendRandomText(b) }
func appendCallID(b []byte) []byte { return appendRandomText(b) }

// appendRandomText appends what crypto/rand.Text returns, 26 characters
// of the base32 alphabet (over 128 random bits), without allocating it.
func appendRandomText(b []byte) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var src [26]byte
	rand.Read(src[:]) // never fails (crypto/rand)
	for _, c := range src {
		b = append(b, alphabet[c&31])
	}
	return b
}

// RequestSpec describes a request for NewRequest (RFC 3261 §8.1.1). Zero
// fields take defaults: a fresh From tag, Call-ID and Via branch, CSeq 1,
// Max-Forwards 70.
type RequestSpec struct {
	Method      string
	RequestURI  URI
	From        NameAddr // gets a fresh tag when it has none
	To          NameAddr
	CallID      string
	CSeq        uint32
	Via         Via      // gets a fresh branch when it has none
	Contact     NameAddr // omitted when its URI is empty
	Route       []NameAddr
	MaxForwards int // 0 means 70; use -1 for an explicit 0
	ContentType string
	Body        []byte
}

// ErrSpec reports a RequestSpec or response parameters that would build an
// invalid message.
var ErrSpec = errors.New("sip: invalid message specification")

// NewRequest builds a request from spec. The header values live in one
// buffer, so building costs a handful of allocations whatever the size.
func NewRequest(spec RequestSpec) (*Message, error) {
	if !isToken(spec.Method) || spec.Via.Transport == "" || spec.Via.Host == "" ||
		spec.CSeq >= 1<<31 || !oneLine(spec.CallID) || !oneLine(spec.ContentType) {
		return nil, ErrSpec // §8.1.1.5: a new CSeq is below 2**31
	}
	m := AcquireMessage()
	m.method = spec.Method
	m.headers = m.inline[:0]
	// Every value is appended to b and sliced from one string at the end.
	// b starts on the stack with room for an ordinary request, so the only
	// heap copy is that string, of the exact size.
	var scratch [1024]byte
	var spanBuf [inlineHeaders][2]int
	b, spans := scratch[:0], spanBuf[:0]
	done := func(k hkind, start int) {
		spans = append(spans, [2]int{start, len(b)})
		m.headers = append(m.headers, Header{Name: kinds[k].name, kind: k})
	}
	b = spec.RequestURI.AppendTo(b)
	ruriEnd := len(b)

	start := len(b)
	b = spec.Via.AppendTo(b)
	if !spec.Via.Params.Has("branch") {
		b = append(b, ";branch="...)
		b = appendBranch(b)
	}
	done(hVia, start)

	mf := spec.MaxForwards
	if mf == 0 {
		mf = 70
	}
	start = len(b)
	b = strconv.AppendInt(b, int64(max(mf, 0)), 10)
	done(hMaxForwards, start)

	for _, r := range spec.Route {
		start = len(b)
		b = r.AppendTo(b)
		done(hRoute, start)
	}

	start = len(b)
	b = spec.From.AppendTo(b)
	if spec.From.Tag() == "" {
		b = append(b, ";tag="...)
		b = appendTag(b)
	}
	done(hFrom, start)

	start = len(b)
	b = spec.To.AppendTo(b)
	done(hTo, start)

	start = len(b)
	if spec.CallID == "" {
		b = appendCallID(b)
	} else {
		b = append(b, spec.CallID...)
	}
	done(hCallID, start)

	start = len(b)
	b = CSeq{Seq: max(spec.CSeq, 1), Method: spec.Method}.AppendTo(b)
	done(hCSeq, start)

	if spec.Contact.URI.Scheme != "" || spec.Contact.Wildcard {
		start = len(b)
		b = spec.Contact.AppendTo(b)
		done(hContact, start)
	}
	if spec.ContentType != "" {
		start = len(b)
		b = append(b, spec.ContentType...)
		done(hContentType, start)
	}
	all := string(b)
	m.requestURI = all[:ruriEnd]
	for i, sp := range spans {
		m.headers[i].Value = all[sp[0]:sp[1]]
	}
	m.body = spec.Body
	return m, nil
}

// NewResponse builds a response to req (RFC 3261 §8.2.6.2): the Vias, From,
// To, Call-ID and CSeq are copied, and Timestamp too for a 100 (§8.2.6.1).
// An empty reason takes the standard phrase. The values are shared with
// req, not copied. The UAS adds its To tag with SetToTag.
func NewResponse(req *Message, code int, reason string) *Message {
	if reason == "" || !oneLine(reason) {
		reason = ReasonPhrase(code)
	}
	m := &Message{status: code, reason: reason}
	m.headers = m.inline[:0]
	for _, h := range req.headers {
		switch h.kind {
		case hVia, hFrom, hTo, hCallID, hCSeq:
			m.headers = append(m.headers, Header{Name: kinds[h.kind].name, Value: h.Value, kind: h.kind})
		case hTimestamp:
			if code == 100 {
				m.headers = append(m.headers, h)
			}
		}
	}
	return m
}

// SetToTag adds tag to the To header unless it already has one.
func (m *Message) SetToTag(tag string) {
	to, ok := m.lookup(hTo, "")
	if !ok || tag == "" {
		return
	}
	if na, err := ParseNameAddr(to); err == nil && na.Tag() != "" {
		return
	}
	m.Set("To", to+";tag="+tag)
}

// SetStatus changes a response's status line.
func (m *Message) SetStatus(code int, reason string) {
	if reason == "" || !oneLine(reason) {
		reason = ReasonPhrase(code)
	}
	m.status, m.reason = code, reason
}

func oneLine(s string) bool { return !strings.ContainsAny(s, "\r\n") }

// ReasonPhrase returns the reason phrase RFC 3261 §21 and its extensions
// give a status code, or a generic one for its class.
func ReasonPhrase(code int) string {
	if r, ok := reasonPhrases[code]; ok {
		return r
	}
	switch code / 100 {
	case 1:
		return "Trying"
	case 2:
		return "OK"
	case 3:
		return "Redirection"
	case 4:
		return "Client Error"
	case 5:
		return "Server Error"
	default:
		return "Global Failure"
	}
}

var reasonPhrases = map[int]string{
	100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
	183: "Session Progress", 199: "Early Dialog Terminated",
	200: "OK", 202: "Accepted", 204: "No Notification",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily",
	305: "Use Proxy", 380: "Alternative Service",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone",
	412: "Conditional Request Failed", 413: "Request Entity Too Large",
	414: "Request-URI Too Long", 415: "Unsupported Media Type",
	416: "Unsupported URI Scheme", 417: "Unknown Resource-Priority", 420: "Bad Extension",
	421: "Extension Required", 422: "Session Interval Too Small", 423: "Interval Too Brief",
	428: "Use Identity Header", 429: "Provide Referrer Identity", 430: "Flow Failed",
	433: "Anonymity Disallowed", 439: "First Hop Lacks Outbound Support",
	480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
	482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete",
	485: "Ambiguous", 486: "Busy Here", 487: "Request Terminated",
	488: "Not Acceptable Here", 489: "Bad Event", 491: "Request Pending",
	493: "Undecipherable", 494: "Security Agreement Required",
	500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Server Time-out", 505: "Version Not Supported",
	513: "Message Too Large", 580: "Precondition Failure",
	600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
	606: "Not Acceptable", 607: "Unwanted",
}

// NewAck builds the ACK a client INVITE transaction sends for a 3xx-6xx
// final response (RFC 3261 §17.1.1.3): the Request-URI, Call-ID, From,
// CSeq number, Route set and only the top Via of the INVITE, the To of the
// response (with its tag), and CSeq method ACK.
func NewAck(invite, resp *Message) *Message { return newFollowUp("ACK", invite, resp) }

// NewCancel builds the CANCEL for a request (RFC 3261 §9.1): the same
// Request-URI, Call-ID, To, From, Route set, CSeq number and top Via
// (so the branch matches), with CSeq method CANCEL.
func NewCancel(req *Message) *Message { return newFollowUp("CANCEL", req, req) }

// newFollowUp builds the ACK or CANCEL that belongs to req's transaction,
// taking the To header from toSrc.
func newFollowUp(method string, req, toSrc *Message) *Message {
	m := &Message{method: method, requestURI: req.requestURI}
	m.headers = m.inline[:0]
	if via, ok := req.first(hVia); ok {
		m.headers = append(m.headers, Header{Name: "Via", Value: via, kind: hVia})
	}
	m.headers = append(m.headers, Header{Name: "Max-Forwards", Value: "70", kind: hMaxForwards})
	m.copyHeaders(req, hRoute)
	m.copyHeaders(req, hFrom)
	m.copyHeaders(toSrc, hTo)
	m.copyHeaders(req, hCallID)
	if cs, err := req.CSeq(); err == nil {
		m.headers = append(m.headers, Header{Name: "CSeq", Value: string(CSeq{cs.Seq, method}.AppendTo(nil)), kind: hCSeq})
	}
	return m
}

// copyHeaders appends every field of kind k from src, in order.
func (m *Message) copyHeaders(src *Message, k hkind) {
	for _, h := range src.headers {
		if h.kind == k {
			m.headers = append(m.headers, Header{Name: kinds[k].name, Value: h.Value, kind: k})
		}
	}
}

// SetFirstValue replaces the first element of the first field of the named
// list header, keeping the rest: how a transport rewrites the top Via
// (RFC 3261 §18.2.1 received, RFC 3581 rport) when one field holds several.
func (m *Message) SetFirstValue(name, value string) {
	k := kindOf(name)
	for i := range m.headers {
		h := &m.headers[i]
		if !h.is(k, name) {
			continue
		}
		if _, rest, _ := cutList(h.Value); kinds[h.kind].list && rest != "" {
			h.Value = trimWS(value) + ", " + trimWS(rest)
		} else {
			h.Value = trimWS(value)
		}
		m.c = typedCache{}
		return
	}
	m.Add(name, value)
}
