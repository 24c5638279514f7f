package sip

import (
	"errors"
	"strconv"
)

// Sentinel errors. A parse or validation failure wraps one of these in a
// *ProtocolError that also carries the status a UAS should answer with.
var (
	ErrEmpty           = errors.New("sip: empty message")
	ErrStartLine       = errors.New("sip: malformed start line")
	ErrVersion         = errors.New("sip: unsupported SIP version")
	ErrStatusCode      = errors.New("sip: status code out of range")
	ErrHeaderSyntax    = errors.New("sip: malformed header")
	ErrHeaderName      = errors.New("sip: invalid header name")
	ErrMissingHeader   = errors.New("sip: missing mandatory header")
	ErrDuplicateHeader = errors.New("sip: header may appear only once")
	ErrContentLength   = errors.New("sip: invalid Content-Length")
	ErrBodyTruncated   = errors.New("sip: body shorter than Content-Length")
	ErrTooLarge        = errors.New("sip: message exceeds size limit")
	ErrTooManyHeaders  = errors.New("sip: too many headers")
	ErrLineTooLong     = errors.New("sip: line exceeds length limit")
	ErrTooManyVias     = errors.New("sip: too many Via headers")
	ErrURI             = errors.New("sip: malformed URI")
	ErrURITooLong      = errors.New("sip: URI exceeds length limit")
	ErrNameAddr        = errors.New("sip: malformed name-addr")
	ErrVia             = errors.New("sip: malformed Via")
	ErrCSeq            = errors.New("sip: malformed CSeq")
	ErrMethodMismatch  = errors.New("sip: CSeq method does not match request method")
	ErrNumber          = errors.New("sip: number out of range")
	ErrParam           = errors.New("sip: malformed parameter")
	ErrQuoted          = errors.New("sip: unterminated quoted string")
	ErrMediaType       = errors.New("sip: malformed media type")
	ErrAuth            = errors.New("sip: malformed authentication header")
	ErrMultipart       = errors.New("sip: malformed multipart body")
	ErrNoHeaderEnd     = errors.New("sip: header section not terminated")
)

// ProtocolError describes why a message was refused. Status is what a UAS
// answers a request with (400, 505, ...); a response that fails is dropped.
type ProtocolError struct {
	Status int    // SIP status code to answer a request with
	Header string // the header at fault, if any
	Err    error  // one of the sentinel errors above
}

func (e *ProtocolError) Error() string {
	s := e.Err.Error()
	if e.Header != "" {
		s += " (" + e.Header + ")"
	}
	return s + " [" + strconv.Itoa(e.Status) + "]"
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// Reason returns a short text fit for the reason phrase of the error response.
func (e *ProtocolError) Reason() string {
	switch e.Status {
	case 505:
		return "Version Not Supported"
	case 513:
		return "Message Too Large"
	}
	r := "Bad Request"
	if e.Header != "" {
		r += " (" + e.Header + ")"
	}
	return r
}

func badRequest(err error, header string) *ProtocolError {
	return &ProtocolError{Status: 400, Header: header, Err: err}
}

// StatusOf returns the status a UAS should answer a failed request with:
// the ProtocolError's status, or 400 for any other error.
func StatusOf(err error) int {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 400
}
