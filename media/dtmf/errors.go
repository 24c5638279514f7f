package dtmf

import "errors"

var (
	// ErrInvalidDigit means a rune that is no DTMF digit.
	ErrInvalidDigit = errors.New("dtmf: invalid digit")
	// ErrInvalidDuration means a negative or too long duration.
	ErrInvalidDuration = errors.New("dtmf: invalid duration")
	// ErrInvalidVolume means a volume outside 0..63 (-dBm0).
	ErrInvalidVolume = errors.New("dtmf: invalid volume")
	// ErrQueueFull means the Sender already holds MaxQueue digits.
	ErrQueueFull = errors.New("dtmf: queue full")
	// ErrMalformed means a SIP INFO body that does not parse.
	ErrMalformed = errors.New("dtmf: malformed body")
)
