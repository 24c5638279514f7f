package sip

import (
	"errors"
	"strings"
)

// UASPolicy is what a user agent supports, for the request inspection of
// RFC 3261 §8.2 that decides whether a request is taken or refused.
type UASPolicy struct {
	Limits     Limits
	Methods    []string // methods the UA implements (405 + Allow for the others)
	Extensions []string // option tags it supports (420 + Unsupported for the others)
	BodyTypes  []string // media types it accepts in bodies, "type/subtype" (415 + Accept)
	// AnswerTypes maps a method to the media type of the body its answer
	// carries ("INVITE" → "application/sdp"), for the Accept check (406).
	AnswerTypes map[string]string
}

// Rejection is the answer to a request that the UA refuses: a status, a
// reason phrase, and the header the response must carry (Allow,
// Unsupported or Accept), if any.
type Rejection struct {
	Status int
	Reason string
	Header Header
}

// Response builds the error response to req.
func (r *Rejection) Response(req *Message) *Message {
	resp := NewResponse(req, r.Status, r.Reason)
	if r.Header.Name != "" {
		resp.Add(r.Header.Name, r.Header.Value)
	}
	return resp
}

// standardMethods are the methods SIP defines (RFC 3261, 3262, 3311, 3428,
// 3515, 3903, 6086, 6665). A UA answers these with 405 when it does not
// implement them, and any other method with 501 (RFC 3261 §8.2.1).
var standardMethods = [...]string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER",
	"PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE"}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Inspect runs the checks of RFC 3261 §8.2 in their order and returns the
// rejection for a request the UA must refuse, or nil to accept it:
// well-formedness (400, 414, 505 via Validate), method (405/501, §8.2.1),
// Request-URI scheme (416, §8.2.2.1), Require (420, §8.2.2.3), body type
// (415, §8.2.3) and Accept (406, §21.4.7). ACK is never answered: a nil
// result for an ACK means only that it is well formed.
func (p *UASPolicy) Inspect(req *Message) *Rejection {
	known := contains(p.Methods, req.Method())
	if err := req.Validate(p.Limits); err != nil {
		// An unknown method whose CSeq disagrees is better told 501 than
		// 400 (RFC 4475 §3.1.2.18).
		if !known && errors.Is(err, ErrMethodMismatch) {
			return p.methodRejection(req.Method())
		}
		pe, _ := err.(*ProtocolError)
		if pe == nil {
			pe = badRequest(err, "")
		}
		return &Rejection{Status: pe.Status, Reason: pe.Reason()}
	}
	if !known {
		return p.methodRejection(req.Method())
	}
	if ruri, _ := req.RequestURI(); !ruri.IsSIP() && !ruri.IsTel() {
		return &Rejection{Status: 416, Reason: ReasonPhrase(416)}
	}
	if m := req.Method(); m != "ACK" && m != "CANCEL" {
		var unsupported []string
		req.eachValue(hRequire, "", func(tag string) bool {
			if !contains(p.Extensions, tag) {
				unsupported = append(unsupported, tag)
			}
			return true
		})
		if len(unsupported) > 0 {
			return &Rejection{Status: 420, Reason: ReasonPhrase(420),
				Header: Header{Name: "Unsupported", Value: strings.Join(unsupported, ", ")}}
		}
	}
	if len(req.Body()) > 0 || req.Has("Content-Type") {
		if !p.acceptsBody(req) {
			return &Rejection{Status: 415, Reason: ReasonPhrase(415),
				Header: Header{Name: "Accept", Value: strings.Join(p.BodyTypes, ", ")}}
		}
	}
	if answer, ok := p.AnswerTypes[req.Method()]; ok && req.Has("Accept") {
		typ, sub, _ := strings.Cut(answer, "/")
		if !accepts(req, typ, sub) {
			return &Rejection{Status: 406, Reason: ReasonPhrase(406)}
		}
	}
	return nil
}

func (p *UASPolicy) methodRejection(method string) *Rejection {
	if contains(standardMethods[:], method) {
		return &Rejection{Status: 405, Reason: ReasonPhrase(405),
			Header: Header{Name: "Allow", Value: strings.Join(p.Methods, ", ")}}
	}
	return &Rejection{Status: 501, Reason: ReasonPhrase(501)}
}

// acceptsBody reports whether the body's Content-Type and Content-Encoding
// are ones the UA understands (RFC 3261 §8.2.3). A body without a
// Content-Type is refused: the UA cannot know what it holds.
func (p *UASPolicy) acceptsBody(req *Message) bool {
	mt, err := ParseMediaType(req.Get("Content-Type"))
	if err != nil {
		return false
	}
	identity := true
	req.eachValue(hContentEncoding, "", func(enc string) bool {
		identity = equalFold(enc, "identity")
		return identity
	})
	if !identity {
		return false
	}
	for _, t := range p.BodyTypes {
		typ, sub, _ := strings.Cut(t, "/")
		if mt.Is(typ, sub) {
			return true
		}
	}
	return false
}

// accepts reports whether the request's Accept header admits typ/sub. An
// empty Accept admits nothing (RFC 3261 §20.1).
func accepts(req *Message, typ, sub string) bool {
	ok := false
	req.eachValue(hAccept, "", func(v string) bool {
		if v != "" {
			mr, err := ParseMediaType(v)
			ok = err == nil && mr.Matches(typ, sub)
		}
		return !ok
	})
	return ok
}

// CheckResponse reports whether a UAC should take a received response:
// it must be well formed and carry exactly one Via, its own (RFC 3261
// §18.1.2; RFC 4475 §3.3.10). A non-nil error means discard it silently.
func CheckResponse(resp *Message, lim Limits) error {
	if resp.IsRequest() {
		return ErrStartLine
	}
	if err := resp.Validate(lim); err != nil {
		return err
	}
	if resp.count(hVia, "") != 1 {
		return badRequest(ErrTooManyVias, "Via")
	}
	return nil
}
