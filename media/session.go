package media

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/sdp/v3"
)

// Session is the SDP offer/answer state of one call (RFC 3264). Its
// methods are safe for concurrent use; the UA drives Offer, Answer,
// Accept, Rollback and Close, and the RTP layer reads Negotiated.
type Session struct {
	mu      sync.Mutex
	cfg     Config
	id      uint64          // o= session id, fixed for the session
	version uint64          // o= version of the last SDP we sent
	last    []byte          // the last SDP we sent
	slots   []sdp.MediaName // the session's m-lines after the last exchange
	audio   int             // our audio stream's slot; -1 before the first exchange
	neg     Negotiated
	pending *local // our offer awaiting its answer
	closed  bool
}

// NewSession returns the media session of a new call.
func NewSession(cfg Config) (*Session, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	// Keep the id within 62 bits: some parsers read it as a signed int64.
	id := binary.BigEndian.Uint64(b[:]) >> 2
	return &Session{cfg: cfg, id: id, audio: -1}, nil
}

// Offer returns a new offer: the first one, or a re-offer whose o= version
// is one higher than the last SDP sent (RFC 3264 §8). It lists all our
// codecs. hold puts our stream on hold: sendonly, or inactive where we
// already only receive (RFC 3264 §8.4); false offers sendrecv. Only one
// offer may be outstanding: ErrOfferPending until Accept or Rollback.
func (s *Session) Offer(hold bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.pending != nil {
		return nil, ErrOfferPending
	}
	l := local{slots: s.slots, audio: s.audio, codecs: s.offerCodecs(), dir: SendRecv}
	if l.audio < 0 {
		l.slots, l.audio = []sdp.MediaName{{Media: "audio"}}, 0
	}
	if hold {
		cur := SendRecv
		if s.neg.Active {
			cur = s.neg.flow()
		}
		l.dir = cur &^ RecvOnly
	}
	b, err := s.send(l, true)
	if err != nil {
		return nil, err
	}
	s.pending = &l
	return b, nil
}

// Answer answers the peer's offer and makes it the session's state. It
// accepts the first audio stream with a codec in common and refuses every
// other m-line with port 0, keeping their order and count (RFC 3264 §6).
// The answer's direction is the offer's reversed (sendonly becomes
// recvonly and so on); hold takes our receiving away, so sendrecv is
// answered sendonly (RFC 3264 §6.1). An error refuses the offer (the UA
// answers 488) and leaves the session as it was.
func (s *Session) Answer(offer []byte, hold bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.pending != nil {
		return nil, ErrOfferPending // glare: the UA answers 491
	}
	sd, err := parseSDP(offer)
	if err != nil {
		return nil, err
	}
	slots := make([]sdp.MediaName, len(sd.MediaDescriptions))
	audio := -1
	var (
		st        stream
		codec, te Codec
		why       error
	)
	for i, md := range sd.MediaDescriptions {
		slots[i] = md.MediaName
		if audio >= 0 {
			continue // one audio stream per call; refuse the others
		}
		cand, err := readStream(sd, md)
		if err == nil {
			var ok bool
			if codec, te, ok = s.cfg.chooseAnswer(cand); ok {
				st, audio = cand, i
				continue
			}
			err = errors.New("no common codec")
		}
		if why == nil {
			why = err
		}
	}
	if audio < 0 {
		if why == nil {
			why = errors.New("no m-line")
		}
		return nil, fmt.Errorf("%w: %v", ErrNoAcceptableMedia, why)
	}

	want := SendRecv
	if hold {
		want = SendOnly
	}
	l := local{slots: slots, audio: audio, codecs: []Codec{codec}, dir: st.dir.reverse() & want}
	if te.Name != "" {
		l.codecs = append(l.codecs, te)
	}
	b, err := s.send(l, false)
	if err != nil {
		return nil, err
	}
	s.slots, s.audio = slots, audio
	s.neg = agree(st, codec, te, l.dir, s.cfg.Ptime)
	return b, nil
}

// Accept applies the peer's answer to our outstanding offer. The offer is
// over either way: on error (ErrAnswerMismatch, ErrNoAcceptableMedia when
// the peer refused our stream or picked no codec we offered) the session
// stays as it was before the offer.
func (s *Session) Accept(answer []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.pending == nil {
		return ErrNoOffer
	}
	l := *s.pending
	s.pending = nil
	sd, err := parseSDP(answer)
	if err != nil {
		return err
	}
	if len(sd.MediaDescriptions) != len(l.slots) {
		return fmt.Errorf("%w: %d m-lines for %d", ErrAnswerMismatch, len(sd.MediaDescriptions), len(l.slots))
	}
	st, err := readStream(sd, sd.MediaDescriptions[l.audio])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoAcceptableMedia, err)
	}
	codec, te, ok := s.cfg.chooseAccepted(st, l.codecs)
	if !ok {
		return fmt.Errorf("%w: no codec we offered", ErrNoAcceptableMedia)
	}
	s.slots, s.audio = l.slots, l.audio
	s.neg = agree(st, codec, te, l.dir, s.cfg.Ptime)
	return nil
}

// Rollback forgets our outstanding offer, which the peer refused (488,
// 491, a failed re-INVITE or UPDATE): the session stays as it was before
// the offer (RFC 3264 §8, RFC 6141). The o= version is not rolled back:
// the next SDP must still be newer than the refused one.
func (s *Session) Rollback() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = nil
}

// Close ends the media of the call. Afterwards Negotiated is inactive and
// the other methods return ErrClosed.
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.pending = nil
	s.neg = Negotiated{}
}

// Negotiated returns the state agreed by the last completed exchange.
func (s *Session) Negotiated() Negotiated {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.neg
}

// offerCodecs lists our codecs for an offer. Formats already agreed keep
// the payload types they were agreed under, and no other format takes
// those numbers: a number must not change meaning within a session
// (RFC 3264 §8.3.2).
func (s *Session) offerCodecs() []Codec {
	agreed := func(c Codec) (Codec, bool) {
		switch {
		case !s.neg.Active:
		case c.sameFormat(s.neg.Codec):
			c.PayloadType = s.neg.Codec.PayloadType
			return c, true
		case c.isTelephoneEvent() && s.neg.TelephoneEvent != 0:
			c.PayloadType = s.neg.TelephoneEvent
			return c, true
		}
		return c, false
	}
	var taken [128]bool
	for _, c := range s.cfg.Codecs {
		if c, ok := agreed(c); ok {
			taken[c.PayloadType] = true
		}
	}
	out := make([]Codec, 0, len(s.cfg.Codecs))
	for _, c := range s.cfg.Codecs {
		c, ok := agreed(c)
		if ok || !taken[c.PayloadType] {
			out = append(out, c)
		}
	}
	return out
}

// send marshals l as our next SDP. Its o= version is one more than the
// last SDP's, except for an answer that repeats the last SDP exactly,
// which keeps it (RFC 3264 §8: an unchanged version means identical SDP).
func (s *Session) send(l local, offer bool) ([]byte, error) {
	if !offer && s.last != nil {
		if b, err := s.marshal(l, s.version); err == nil && bytes.Equal(b, s.last) {
			return b, nil
		}
	}
	b, err := s.marshal(l, s.version+1)
	if err != nil {
		return nil, err
	}
	s.version++
	s.last = b
	return bytes.Clone(b), nil
}
