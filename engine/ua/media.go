package ua

// Media is what a call asks of the media layer: the SDP offer/answer
// exchange of RFC 3264 carried by INVITE, re-INVITE, PRACK, ACK and UPDATE
// (RFC 3261 §13.2.1, RFC 3262 §5, RFC 3311 §5). The UA decides when an
// offer or answer is due and what message carries it; the Media decides
// what the SDP says. Every method runs on the stack's goroutine and must
// not block. Bodies are application/sdp.
type Media interface {
	// Offer returns a new offer for the session: the first one, or a
	// re-offer that changes it (its o= version one higher than the last
	// SDP sent, RFC 3264 §8). hold asks for our streams to be put on hold
	// (sendonly, or inactive where the peer already holds us: RFC 3264
	// §8.4); false asks for them to be resumed.
	Offer(hold bool) ([]byte, error)
	// Answer answers the peer's offer. hold says whether we hold the call:
	// a stream the peer offers sendrecv is then answered sendonly (RFC 3264
	// §6.1). An error refuses the offer:
	// the UA answers the request 488 (RFC 3261 §13.3.1.3) and keeps the
	// session as it was.
	Answer(offer []byte, hold bool) ([]byte, error)
	// Accept applies the peer's answer to our last offer. An error means
	// the answer is unusable; the UA ends the call (a 2xx) or gives up the
	// change (RFC 3261 §13.2.2.4 lets the UAC send BYE).
	Accept(answer []byte) error
	// Rollback forgets our last offer, which the peer refused (488, 491,
	// a failed re-INVITE or UPDATE): the session stays as it was before
	// the offer (RFC 3264 §8, RFC 6141).
	Rollback()
	// Close ends the media of the call.
	Close()
}

// MediaFactory makes the Media of each new call; the UA calls it once per
// call, outgoing or incoming, before the first offer or answer.
type MediaFactory func(c *Call) (Media, error)
