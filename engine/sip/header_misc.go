package sip

import (
	"strings"
	"time"
)

// ValueParams is the common header form `value *( ";" param )`, the shape
// of Event, Subscription-State, Session-Expires, Min-SE, Replaces, Reason,
// Content-Disposition and many extension headers.
type ValueParams struct {
	Value  string
	Params Params
}

// ParseValueParams splits a header value at its first ';' that is outside
// a quoted string and checks the parameters.
func ParseValueParams(s string) (ValueParams, error) {
	s = trimWS(s)
	i := 0
	for i < len(s) && s[i] != ';' {
		if s[i] == '"' {
			n := quotedLen(s[i:])
			if n < 0 {
				return ValueParams{}, ErrQuoted
			}
			i += n - 1
		}
		i++
	}
	vp := ValueParams{Value: trimWS(s[:i]), Params: Params(s[i:])}
	if vp.Value == "" || !vp.Params.valid() {
		return ValueParams{}, ErrParam
	}
	return vp, nil
}

// parseTokenParams is ParseValueParams for headers whose value is a token.
func parseTokenParams(s string) (ValueParams, error) {
	vp, err := ParseValueParams(s)
	if err == nil && !isToken(vp.Value) {
		err = ErrHeaderSyntax
	}
	return vp, err
}

// parseDeltaParams is ParseValueParams for a delta-seconds value.
func parseDeltaParams(s string) (uint32, Params, error) {
	vp, err := ParseValueParams(s)
	if err != nil {
		return 0, "", err
	}
	n, ok := parseUint(vp.Value, 1<<32-1)
	if !ok {
		return 0, "", ErrNumber
	}
	return uint32(n), vp.Params, nil
}

func (p Params) unquoted(name string) string { v, _ := p.Get(name); return Unquote(v) }

func (p Params) uint32(name string) (uint32, bool) {
	v, ok := p.Get(name)
	if !ok {
		return 0, false
	}
	n, ok := parseUint(v, 1<<32-1)
	return uint32(n), ok
}

// MediaType is a Content-Type value or one Accept element (RFC 3261
// §20.15, §20.1): type "/" subtype with parameters. Accept elements may use
// "*" for either part.
type MediaType struct {
	Type, Subtype string
	Params        Params
}

// ParseMediaType parses "type/subtype;params", with optional white space
// around the slash.
func ParseMediaType(s string) (MediaType, error) {
	vp, err := ParseValueParams(s)
	if err != nil {
		return MediaType{}, ErrMediaType
	}
	t, sub, ok := strings.Cut(vp.Value, "/")
	t, sub = trimWS(t), trimWS(sub)
	if !ok || !isToken(t) || !isToken(sub) {
		return MediaType{}, ErrMediaType
	}
	return MediaType{Type: t, Subtype: sub, Params: vp.Params}, nil
}

// Is reports whether mt is typ/sub, case-insensitively.
func (mt MediaType) Is(typ, sub string) bool {
	return equalFold(mt.Type, typ) && equalFold(mt.Subtype, sub)
}

// Matches reports whether the media range mt (as in Accept, which may hold
// "*") admits the media type typ/sub.
func (mt MediaType) Matches(typ, sub string) bool {
	return (mt.Type == "*" || equalFold(mt.Type, typ)) && (mt.Subtype == "*" || equalFold(mt.Subtype, sub))
}

// Param returns a parameter value without quotes (e.g. "boundary").
func (mt MediaType) Param(name string) string { return mt.Params.unquoted(name) }

// AppendTo appends "type/subtype;params".
func (mt MediaType) AppendTo(dst []byte) []byte {
	dst = append(dst, mt.Type...)
	dst = append(dst, '/')
	dst = append(dst, mt.Subtype...)
	return append(dst, mt.Params...)
}

// Event is an Event header (RFC 6665 §8.2.1): the package and its params.
type Event ValueParams

// ParseEvent parses an Event value such as "presence;id=7".
func ParseEvent(s string) (Event, error) {
	vp, err := parseTokenParams(s)
	return Event(vp), err
}

// Package returns the event package ("presence", "refer", "dialog", ...).
func (e Event) Package() string { return e.Value }

// ID returns the id parameter that tells subscriptions apart (RFC 6665 §8.2.1).
func (e Event) ID() string { v, _ := e.Params.Get("id"); return v }

// SubscriptionState is a Subscription-State header (RFC 6665 §8.2.3).
type SubscriptionState ValueParams

// ParseSubscriptionState parses "active;expires=3600" and the like.
func ParseSubscriptionState(s string) (SubscriptionState, error) {
	vp, err := parseTokenParams(s)
	return SubscriptionState(vp), err
}

// State returns the substate: "active", "pending", "terminated" or another.
func (ss SubscriptionState) State() string { return ss.Value }

// Expires returns the expires parameter.
func (ss SubscriptionState) Expires() (uint32, bool) { return ss.Params.uint32("expires") }

// Reason returns the reason parameter of a terminated subscription.
func (ss SubscriptionState) Reason() string { v, _ := ss.Params.Get("reason"); return v }

// RetryAfter returns the retry-after parameter.
func (ss SubscriptionState) RetryAfter() (uint32, bool) { return ss.Params.uint32("retry-after") }

// SessionExpires is a Session-Expires or Min-SE header (RFC 4028 §4, §5).
type SessionExpires struct {
	Delta  uint32 // seconds
	Params Params
}

// ParseSessionExpires parses "1800;refresher=uac"; it also reads Min-SE.
func ParseSessionExpires(s string) (SessionExpires, error) {
	d, p, err := parseDeltaParams(s)
	return SessionExpires{Delta: d, Params: p}, err
}

// Refresher returns "uac", "uas" or "" (RFC 4028 §4).
func (se SessionExpires) Refresher() string { v, _ := se.Params.Get("refresher"); return v }

// Replaces is a Replaces header (RFC 3891 §6.1).
type Replaces ValueParams

// ParseReplaces parses "callid;to-tag=a;from-tag=b[;early-only]".
func ParseReplaces(s string) (Replaces, error) {
	vp, err := ParseValueParams(s)
	if err == nil && (!validCallID(vp.Value) || !vp.Params.Has("to-tag") || !vp.Params.Has("from-tag")) {
		err = ErrHeaderSyntax
	}
	return Replaces(vp), err
}

// CallID returns the Call-ID of the dialog to replace.
func (r Replaces) CallID() string { return r.Value }

// ToTag returns the to-tag parameter.
func (r Replaces) ToTag() string { v, _ := r.Params.Get("to-tag"); return v }

// FromTag returns the from-tag parameter.
func (r Replaces) FromTag() string { v, _ := r.Params.Get("from-tag"); return v }

// EarlyOnly reports the early-only flag.
func (r Replaces) EarlyOnly() bool { return r.Params.Has("early-only") }

// Reason is one Reason header value (RFC 3326).
type Reason ValueParams

// ParseReason parses `SIP;cause=200;text="Call completed elsewhere"`.
func ParseReason(s string) (Reason, error) {
	vp, err := parseTokenParams(s)
	return Reason(vp), err
}

// Protocol returns the protocol: "SIP", "Q.850", ...
func (r Reason) Protocol() string { return r.Value }

// Cause returns the cause parameter.
func (r Reason) Cause() (int, bool) {
	n, ok := r.Params.uint32("cause")
	return int(n), ok && n <= 65535
}

// Text returns the text parameter without quotes.
func (r Reason) Text() string { return r.Params.unquoted("text") }

// RetryAfter is a Retry-After header (RFC 3261 §20.33).
type RetryAfter struct {
	Delta   uint32 // seconds
	Comment string // "(...)" as written, or ""
	Params  Params // duration, ...
}

// ParseRetryAfter parses "120 (I'm in a meeting);duration=3600".
func ParseRetryAfter(s string) (RetryAfter, error) {
	s = trimWS(s)
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n, ok := parseUint(s[:i], 1<<32-1)
	if !ok {
		return RetryAfter{}, ErrNumber
	}
	ra := RetryAfter{Delta: uint32(n)}
	s = trimLeftWS(s[i:])
	if s != "" && s[0] == '(' {
		depth, j := 0, 0
		for ; j < len(s); j++ {
			if s[j] == '(' {
				depth++
			} else if s[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			} else if s[j] == '\\' {
				j++
			}
		}
		if j >= len(s) {
			return RetryAfter{}, ErrHeaderSyntax
		}
		ra.Comment, s = s[:j+1], s[j+1:]
	}
	ra.Params = Params(trimWS(s))
	if !ra.Params.valid() {
		return RetryAfter{}, ErrParam
	}
	return ra, nil
}

// Duration returns the delay as a time.Duration.
func (ra RetryAfter) Duration() time.Duration { return time.Duration(ra.Delta) * time.Second }

// Warning is one Warning header value (RFC 3261 §20.43).
type Warning struct {
	Code  int    // three digits
	Agent string // host[:port] or pseudonym
	Text  string // the quoted warn-text, quotes included
}

// ParseWarning parses `301 isi.edu "Incompatible network address type"`.
func ParseWarning(s string) (Warning, error) {
	code, rest := cutWord(trimWS(s))
	agent, text := cutWord(rest)
	n, ok := parseUint(code, 999)
	if !ok || len(code) != 3 || agent == "" || len(text) < 2 || text[0] != '"' || quotedLen(text) != len(text) {
		return Warning{}, ErrHeaderSyntax
	}
	return Warning{Code: int(n), Agent: agent, Text: text}, nil
}

// RAck is a RAck header (RFC 3262 §7.2).
type RAck struct {
	RSeq   uint32
	CSeq   uint32
	Method string
}

// ParseRAck parses "rseq cseq method".
func ParseRAck(s string) (RAck, error) {
	rseq, rest := cutWord(trimWS(s))
	n, ok := parseUint(rseq, 1<<32-1)
	if !ok {
		return RAck{}, ErrNumber
	}
	cs, err := ParseCSeq(rest)
	if err != nil {
		return RAck{}, err
	}
	return RAck{RSeq: uint32(n), CSeq: cs.Seq, Method: cs.Method}, nil
}

// Timestamp is a Timestamp header (RFC 3261 §20.38): the sender's time and
// an optional delay, both decimal numbers kept as written.
type Timestamp struct {
	Value, Delay string
}

// ParseTimestamp parses "54.21 0.3".
func ParseTimestamp(s string) (Timestamp, error) {
	v, d := cutWord(trimWS(s))
	if !decimal(v) || (d != "" && !decimal(d)) {
		return Timestamp{}, ErrNumber
	}
	return Timestamp{Value: v, Delay: d}, nil
}

func decimal(s string) bool {
	whole, frac, _ := strings.Cut(s, ".")
	_, ok := parseUint(whole, 1<<63)
	return ok && (frac == "" || strings.Trim(frac, "0123456789") == "")
}

// ParseDate parses a Date header, an RFC 1123 date in GMT (RFC 3261 §20.17).
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC1123, trimWS(s))
	if err != nil || !strings.HasSuffix(trimWS(s), "GMT") {
		return time.Time{}, ErrHeaderSyntax
	}
	return t, nil
}
