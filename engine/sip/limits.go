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

// The defaults: generous for real SIP traffic, small enough that a
// hostile message costs little.
const (
	defaultMaxMessageSize = 64 << 10
	defaultMaxHeaders     = 128
	defaultMaxLineLength  = 8 << 10
	defaultMaxVias        = 70 // the usual Max-Forwards
	defaultMaxURILength   = 2 << 10
)

// DefaultLimits returns the limits used where a field is zero.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

// withDefaults returns l with each zero field replaced by its default.
func (l Limits) withDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = defaultMaxMessageSize
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = defaultMaxHeaders
	}
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = defaultMaxLineLength
	}
	if l.MaxVias <= 0 {
		l.MaxVias = defaultMaxVias
	}
	if l.MaxURILength <= 0 {
		l.MaxURILength = defaultMaxURILength
	}
	return l
}
