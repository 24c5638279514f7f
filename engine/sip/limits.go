package sip

// Limits bound what a peer can make the parser spend. A zero field takes the
// default from DefaultLimits.
type Limits struct {
	MaxMessageSize int // whole message, headers and body (default 64 KiB)
	MaxHeaders     int // header fields, counting each line once (default 128)
	MaxLineLength  int // one header field after unfolding (default 8 KiB)
	MaxVias        int // Via values in a message (default 70, the usual Max-Forwards)
	MaxURILength   int // one URI (default 2 KiB)
}

// DefaultLimits returns the limits used where a field is zero: generous for
// real SIP traffic, small enough that a hostile message costs little.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageSize: 64 << 10,
		MaxHeaders:     128,
		MaxLineLength:  8 << 10,
		MaxVias:        70,
		MaxURILength:   2 << 10,
	}
}

// withDefaults returns l with each zero field replaced by its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = d.MaxMessageSize
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = d.MaxHeaders
	}
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = d.MaxLineLength
	}
	if l.MaxVias <= 0 {
		l.MaxVias = d.MaxVias
	}
	if l.MaxURILength <= 0 {
		l.MaxURILength = d.MaxURILength
	}
	return l
}
