package media

import "errors"

var (
	// ErrClosed is returned by a Session after Close.
	ErrClosed = errors.New("media: session closed")
	// ErrConfig means the Config cannot be used.
	ErrConfig = errors.New("media: invalid config")
	// ErrLimit means the SDP is larger than this package accepts: body
	// size, m-lines, payload types or attributes.
	ErrLimit = errors.New("media: SDP exceeds a limit")
	// ErrMalformed means the SDP does not parse.
	ErrMalformed = errors.New("media: malformed SDP")
	// ErrNoAcceptableMedia means no audio stream can be agreed: the offer
	// has none we support (the UA answers 488), or the answer rejects or
	// cannot match ours.
	ErrNoAcceptableMedia = errors.New("media: no acceptable audio stream")
	// ErrAnswerMismatch means the answer's m-lines do not match our offer
	// (RFC 3264 §6: same number, same order).
	ErrAnswerMismatch = errors.New("media: answer does not match offer")
	// ErrOfferPending means our offer still awaits its answer: only one
	// offer may be outstanding (RFC 3264 §4).
	ErrOfferPending = errors.New("media: offer pending")
	// ErrNoOffer means an answer arrived but no offer of ours awaits one.
	ErrNoOffer = errors.New("media: no offer pending")
)
