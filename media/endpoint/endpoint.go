// Package endpoint is the built-in media engine of a device: it makes the
// media of each call — the SDP offer/answer (package media), the RTP/RTCP
// session (media/rtp) on a port pair from the configured range, the audio
// it sends and plays (media/audio) and its DTMF (media/dtmf) — and offers
// it to the user agent through the UA's Media method set.
//
// Like the rest of the engine it runs on the stack's one loop goroutine:
// every method of a Call, and every callback of its Options, runs there.
// It knows nothing of SIP messages: the UA hands it SDP and gets SDP back.
package endpoint

import (
	"errors"
	"net/netip"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
	"github.com/sk400vop/sk400vop/media/dtmf"
	"github.com/sk400vop/sk400vop/media/rtp"
)

// Config describes the media of a device. Clock, Post and Addr are
// required.
type Config struct {
	// Clock and Post are the stack's loop: its timers and a way to run a
	// function on it (what the RTP sockets read is handed over with Post).
	Clock clock.Clock
	Post  func(func()) bool
	// Addr is our RTP address, announced in SDP.
	Addr netip.Addr
	// Ports is the range of RTP/RTCP ports: zero means 16384-32767.
	Ports rtp.PortRange
	// Codecs in preference order (media.DefaultCodecs when empty), Ptime
	// in ms (20 when 0).
	Codecs []media.Codec
	Ptime  int
	// Timeout is the RTP inactivity timeout (rtp.DefaultTimeout when 0).
	Timeout time.Duration
	// Listen opens the sockets of a call on Addr; nil opens UDP sockets
	// from Ports. Tests plug in an in-memory network here.
	Listen func(ip netip.Addr) (Sockets, error)
}

// Sockets are the RTP and RTCP sockets of one call (*rtp.Sockets).
type Sockets interface {
	Port() uint16
	RTP() rtp.Conn
	RTCP() rtp.Conn
	Start(post func(func()) bool, recv func(b []byte, from netip.AddrPort))
	Close() error
}

// Endpoint makes the media of calls.
type Endpoint struct{ cfg Config }

// Errors of the endpoint.
var (
	ErrConfig = errors.New("endpoint: invalid config")
	// ErrNoTelephoneEvent says the peer did not agree to RFC 4733
	// telephone-events: send the digit another way (SIP INFO).
	ErrNoTelephoneEvent = errors.New("endpoint: no telephone-event negotiated")
	ErrClosed           = errors.New("endpoint: call media closed")
)

// New returns an Endpoint.
func New(cfg Config) (*Endpoint, error) {
	if cfg.Clock == nil || cfg.Post == nil || !cfg.Addr.IsValid() {
		return nil, ErrConfig
	}
	e := &Endpoint{cfg: cfg}
	if cfg.Listen == nil {
		ports, err := rtp.NewPorts(cfg.Ports)
		if err != nil {
			return nil, err
		}
		e.cfg.Listen = func(ip netip.Addr) (Sockets, error) { return ports.Listen(ip) }
	}
	return e, nil
}

// DigitMethod says how a DTMF digit travelled.
type DigitMethod uint8

const (
	RFC4733 DigitMethod = iota + 1 // telephone-event in RTP
	SIPInfo                        // SIP INFO, application/dtmf-relay or application/dtmf
)

func (m DigitMethod) String() string {
	if m == SIPInfo {
		return "info"
	}
	return "rfc4733"
}

// Options are what one call's media plays, records and reports.
type Options struct {
	// Source is the audio we send (silence when nil); Sink gets the audio
	// received, one frame per packet time (discarded when nil).
	Source audio.Source
	Sink   audio.Sink
	// OnDigit hears each DTMF digit received, once, with its method.
	OnDigit func(digit rune, duration time.Duration, method DigitMethod)
	// OnTimeout hears that no RTP came for the inactivity timeout.
	OnTimeout func()
	// Codecs and Ptime, when set, replace the Endpoint's for this call.
	Codecs []media.Codec
	Ptime  int
	// PayloadSource, when set, gives encoded payloads instead of Source
	// (apps that encode themselves); OnPayload hears each received audio
	// payload before the jitter buffer (see rtp.Config).
	PayloadSource rtp.PayloadSource
	OnPayload     func(payload []byte, pt uint8, seq uint16, ts uint32, marker bool, ssrc uint32)
	// OnUpdate hears the media agreed after each completed offer/answer
	// exchange, once the RTP session follows it.
	OnUpdate func(media.Negotiated)
}

// Call is the media of one call. Its Offer, Answer, Accept, Rollback and
// Close are the UA's Media interface.
type Call struct {
	sdp     *media.Session
	rtp     *rtp.Session
	sockets Sockets
	dtmf    dtmf.Sender
	src     switchSource
	sink    switchSink
	opts    Options
	started bool
	closed  bool
}

// NewCall opens the sockets of a call and prepares its media; nothing is
// sent before the first offer/answer exchange completes.
func (e *Endpoint) NewCall(o Options) (*Call, error) {
	s, err := e.cfg.Listen(e.cfg.Addr)
	if err != nil {
		return nil, err
	}
	c := &Call{sockets: s, opts: o}
	c.src.s, c.sink.s = o.Source, o.Sink
	codecs, ptime := e.cfg.Codecs, e.cfg.Ptime
	if o.Codecs != nil {
		codecs = o.Codecs
	}
	if o.Ptime != 0 {
		ptime = o.Ptime
	}
	if c.sdp, err = media.NewSession(media.Config{Codecs: codecs, Ptime: ptime, Addr: e.cfg.Addr, Port: s.Port()}); err != nil {
		s.Close()
		return nil, err
	}
	c.rtp, err = rtp.New(rtp.Config{
		Clock: e.cfg.Clock, RTP: s.RTP(), RTCP: s.RTCP(),
		Source: &c.src, Sink: &c.sink, Events: &c.dtmf,
		PayloadSource: o.PayloadSource, OnPayload: o.OnPayload,
		OnDigit: func(d rune, dur time.Duration) {
			if o.OnDigit != nil {
				o.OnDigit(d, dur, RFC4733)
			}
		},
		OnTimeout: o.OnTimeout,
		Timeout:   e.cfg.Timeout,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Start(e.cfg.Post, c.rtp.Receive)
	return c, nil
}

// Offer makes an offer (the UA's Media).
func (c *Call) Offer(hold bool) ([]byte, error) {
	if c.closed {
		return nil, ErrClosed
	}
	return c.sdp.Offer(hold)
}

// Answer answers the peer's offer and moves the RTP session to what was
// agreed (the UA's Media).
func (c *Call) Answer(offer []byte, hold bool) ([]byte, error) {
	if c.closed {
		return nil, ErrClosed
	}
	ans, err := c.sdp.Answer(offer, hold)
	if err != nil {
		return nil, err
	}
	return ans, c.apply()
}

// Accept takes the peer's answer and moves the RTP session to it (the
// UA's Media).
func (c *Call) Accept(answer []byte) error {
	if c.closed {
		return ErrClosed
	}
	if err := c.sdp.Accept(answer); err != nil {
		return err
	}
	return c.apply()
}

// Rollback forgets a refused offer (the UA's Media).
func (c *Call) Rollback() { c.sdp.Rollback() }

// Close stops the media and closes its sockets (the UA's Media).
func (c *Call) Close() {
	if c.closed {
		return
	}
	c.closed = true
	c.rtp.Close()
	c.sdp.Close()
	c.sockets.Close()
}

// apply starts or updates the RTP session with the session agreed.
func (c *Call) apply() error {
	neg := c.sdp.Negotiated()
	var err error
	if !c.started {
		c.started = true
		err = c.rtp.Start(neg)
	} else {
		err = c.rtp.Update(neg)
	}
	if c.opts.OnUpdate != nil {
		c.opts.OnUpdate(neg)
	}
	return err
}

// Port returns the call's local RTP port (RTCP is the next one).
func (c *Call) Port() uint16 { return c.sockets.Port() }

// Negotiated returns the media agreed now.
func (c *Call) Negotiated() media.Negotiated { return c.sdp.Negotiated() }

// Stats returns the RTP and RTCP figures of the call.
func (c *Call) Stats() rtp.Stats { return c.rtp.Stats() }

// SetSource changes the audio we send, from the next packet time; nil
// sends silence.
func (c *Call) SetSource(s audio.Source) { c.src.s = s }

// SetSink changes where received audio goes; nil discards it.
func (c *Call) SetSink(s audio.Sink) { c.sink.s = s }

// SendDTMF sends digit as an RFC 4733 telephone-event, or returns
// ErrNoTelephoneEvent when the peer did not agree to them.
func (c *Call) SendDTMF(digit rune, duration time.Duration) error {
	if c.closed {
		return ErrClosed
	}
	if c.sdp.Negotiated().TelephoneEvent == 0 {
		return ErrNoTelephoneEvent
	}
	return c.dtmf.Start(digit, duration, dtmf.DefaultVolume)
}

// ReceiveInfo takes the body of a SIP INFO that carries a digit
// (application/dtmf-relay or application/dtmf, the fallback for peers
// without telephone-events) and reports whether it was one.
func (c *Call) ReceiveInfo(contentType string, body []byte) bool {
	if contentType != "application/dtmf-relay" && contentType != "application/dtmf" {
		return false
	}
	d, dur, err := dtmf.ParseRelay(body)
	if err != nil {
		return false
	}
	if c.opts.OnDigit != nil {
		c.opts.OnDigit(d, dur, SIPInfo)
	}
	return true
}

// switchSource lets the source change during the call.
type switchSource struct{ s audio.Source }

func (w *switchSource) ReadFrame(pcm []int16) error {
	if w.s == nil {
		clear(pcm)
		return nil
	}
	return w.s.ReadFrame(pcm)
}

// switchSink lets the sink change during the call.
type switchSink struct{ s audio.Sink }

func (w *switchSink) WriteFrame(pcm []int16) error {
	if w.s == nil {
		return nil
	}
	return w.s.WriteFrame(pcm)
}
