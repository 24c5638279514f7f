// Package stack runs a sk400vop user agent for real: one event loop, the
// socket transports and the UA core, wired together. It is what the C API
// and the interop tests drive.
//
// The UA is sans-IO and single-goroutine; Stack is the thread-safe door to
// it. Do and Post run a function on the loop goroutine, where every
// ua.Events callback also runs, so the app's callbacks may call the UA
// directly and other goroutines go through Do or Post.
package stack

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/loop"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// Config configures a Stack.
type Config struct {
	// Listen lists the sockets: at least one, e.g. UDP on 127.0.0.1:0.
	Listen []transport.ListenSpec
	// UA configures the user agent; its Clock and Transport are the
	// Stack's and must be left nil.
	UA ua.Config
	// Transport tunes the socket transports; its Handler, Post and Listen
	// are the Stack's.
	Transport transport.Config
	TLS       *tls.Config
	Logger    *slog.Logger
	// Clock, when set, times the UA instead of the loop's real clock: a
	// test passes a testkit.Clock and moves it with Do(func(*ua.UA) {
	// clk.Advance(d) }), so refreshes and timeouts run on the loop without
	// anyone sleeping while the sockets stay real.
	Clock clock.Clock
}

// Stack is a running user agent.
type Stack struct {
	loop *loop.Loop
	clk  clock.Clock      // the UA's: the loop, or Config.Clock
	tc   transport.Config // the transports' config, Listen aside
	tp   atomic.Pointer[transport.Layer]
	ua   *ua.UA
}

// ErrClosed is returned once the Stack is closed.
var ErrClosed = errors.New("stack: closed")

// handler forwards what the transports read to the UA once it exists.
type handler struct{ ua *ua.UA }

func (h *handler) HandleMessage(m *sip.Message, src transport.Addr) { h.ua.HandleMessage(m, src) }
func (h *handler) HandleFlowError(a transport.Addr, err error)      { h.ua.HandleFlowError(a, err) }

// New opens the sockets and starts the loop.
func New(cfg Config) (*Stack, error) {
	if len(cfg.Listen) == 0 {
		return nil, errors.New("stack: no Listen socket")
	}
	s := &Stack{loop: loop.New()}
	h := &handler{}
	tc := cfg.Transport
	tc.Handler, tc.Post, tc.Listen = h, func(f func()) { s.loop.Post(f) }, cfg.Listen
	// Everything the UA sends goes out from the loop: what one burst of
	// work sends is written together before the loop waits.
	tc.BatchSends = true
	s.loop.BeforeWait = func() { s.tp.Load().Flush() }
	if cfg.TLS != nil {
		tc.TLS = cfg.TLS
	}
	if tc.Logger == nil {
		tc.Logger = cfg.Logger
	}
	s.tc = tc
	tp, err := transport.NewLayer(tc)
	if err != nil {
		return nil, err
	}
	s.tp.Store(tp)
	uc := cfg.UA
	uc.Clock, uc.Transport = s.loop, s
	if cfg.Clock != nil {
		uc.Clock = cfg.Clock
	}
	s.clk = uc.Clock
	if uc.Logger == nil {
		uc.Logger = cfg.Logger
	}
	u, err := ua.New(uc)
	if err != nil {
		tp.Close()
		return nil, err
	}
	s.ua, h.ua = u, u
	s.loop.Start()
	return s, nil
}

// Do runs f on the loop goroutine with the UA and waits for it. It must
// not be called from a callback (which is on the loop already and calls
// the UA directly).
func (s *Stack) Do(f func(*ua.UA)) error {
	if !s.loop.Do(func() { f(s.ua) }) {
		return ErrClosed
	}
	return nil
}

// Clock returns the clock of the UA's timers, for what runs beside the UA
// on its loop (the media of calls).
func (s *Stack) Clock() clock.Clock { return s.clk }

// Exec queues f to run on the loop goroutine and reports whether the loop
// took it (false once closed); it never blocks. It has the shape the media
// sockets want for handing what they read to the loop.
func (s *Stack) Exec(f func()) bool { return s.loop.Post(f) }

// Post queues f to run on the loop goroutine with the UA; it never blocks.
func (s *Stack) Post(f func(*ua.UA)) error {
	if !s.loop.Post(func() { f(s.ua) }) {
		return ErrClosed
	}
	return nil
}

// Send sends through the transports in use; it implements
// transport.Sender for the UA.
func (s *Stack) Send(dst transport.Addr, msg *sip.Message) error { return s.tp.Load().Send(dst, msg) }

// LocalAddr returns the address of the first socket of proto.
func (s *Stack) LocalAddr(p transport.Proto) (netip.AddrPort, bool) {
	a, ok := s.tp.Load().LocalAddr(p)
	return a.Addr, ok
}

// NetworkChanged moves the stack to new sockets after the device's network
// changed (Wi-Fi to cellular, a new address): the transports are rebound
// to listen, and every account takes the Contact and Via of the new socket
// of its transport, registers them at once and tells the peers of its
// confirmed calls by re-INVITE (ua.Account.NetworkChanged). The old
// sockets close; their connections' failures reach the UA as flow errors.
func (s *Stack) NetworkChanged(listen []transport.ListenSpec) error {
	tc := s.tc
	tc.Listen = listen
	tp, err := transport.NewLayer(tc)
	if err != nil {
		return err
	}
	old := s.tp.Swap(tp)
	defer old.Close()
	var accErr error
	if err := s.Do(func(u *ua.UA) {
		old.Flush() // what the loop queued on the old sockets before the swap
		u.FlushDNS()
		for _, a := range u.Accounts() {
			p, ok := transport.ParseProto(a.Transport())
			if !ok {
				continue
			}
			cfg, e := s.Account(a.AOR(), p)
			if e == nil {
				e = a.NetworkChanged(cfg.Contact, cfg.Via)
			}
			if e != nil && accErr == nil {
				accErr = e
			}
		}
	}); err != nil {
		return err
	}
	return accErr
}

// LoopStats returns the event loop's counters (wake-ups, armed timers).
func (s *Stack) LoopStats() loop.Stats { return s.loop.Stats() }

// Account is an AccountConfig for aor with the Contact and Via of this
// stack's socket of proto: "sip:user@ip:port;transport=tcp" and
// "SIP/2.0/TCP ip:port". The caller adds credentials, registrar and proxy.
func (s *Stack) Account(aor sip.URI, p transport.Proto) (ua.AccountConfig, error) {
	a, ok := s.LocalAddr(p)
	if !ok {
		return ua.AccountConfig{}, fmt.Errorf("stack: no %v socket", p)
	}
	host := a.Addr().String()
	if a.Addr().Is6() {
		host = "[" + host + "]"
	}
	contact := "sip:" + aor.User + "@" + host + ":" + strconv.Itoa(int(a.Port()))
	if p != transport.UDP {
		contact += ";transport=" + strings.ToLower(p.String())
	}
	c, err := sip.ParseURI(contact)
	if err != nil {
		return ua.AccountConfig{}, err
	}
	return ua.AccountConfig{
		AOR:     aor,
		Contact: c,
		Via:     sip.Via{Transport: p.String(), Host: a.Addr().String(), Port: int(a.Port())},
	}, nil
}

// Close ends every call, stops the loop and closes the sockets. Give calls
// a moment to end first (Hangup and wait for Disconnected) for a clean
// BYE exchange; Close itself sends the BYEs but does not wait for answers.
func (s *Stack) Close() {
	s.loop.Do(func() { s.ua.Close() }) // its BYEs and CANCELs go out in the loop's last BeforeWait
	s.loop.Close()
	s.tp.Load().Close()
}
