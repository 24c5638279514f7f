package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// LargeUDPPolicy says what Send does with a request too large for UDP
// (RFC 3261 §18.1.1).
type LargeUDPPolicy uint8

// The large-request policies.
const (
	// SwitchToTCP sends a request larger than MTU-200 bytes over TCP to the
	// same address, rewriting the transport of its top Via, as RFC 3261
	// §18.1.1 requires. It is the default.
	SwitchToTCP LargeUDPPolicy = iota
	// SendAnyway sends it over UDP all the same, logging a warning, for
	// peers known not to listen on TCP; the datagram may be fragmented.
	SendAnyway
)

// ListenSpec is one socket for a Layer to listen on.
type ListenSpec struct {
	Proto   Proto
	Address string // "host:port" as package net takes it: "127.0.0.1:0", "[::1]:5060", ":5060"
}

// Config configures a Layer. Handler and Post are required; every other
// zero field takes the default its comment gives.
type Config struct {
	// Handler receives the messages read and the flows that fail. Its
	// methods are only ever called through Post.
	Handler Handler
	// Post queues a function onto the protocol core's goroutine. The
	// reader goroutines call it for every message and flow error.
	Post func(func())
	// Sockets opens the sockets; nil means DefaultSockets().
	Sockets Sockets
	// Listen lists the sockets to listen on. A UDP socket is needed to send
	// UDP; TCP and TLS can be sent without a listener (the responses come
	// back over the connection).
	Listen []ListenSpec
	// TLS holds the server certificates of the TLS listeners and, for the
	// connections we open, RootCAs (nil: the system roots), client
	// certificates and versions. Whatever it says, the peer of a connection
	// we open is verified by the Layer: its chain, then its SIP domain
	// identity per RFC 5922 §7 against Addr.Host (or its IP address when
	// Host is empty), with SNI set to Addr.Host. Its InsecureSkipVerify is
	// ignored; its VerifyConnection runs after the Layer's checks.
	TLS *tls.Config
	// InsecureSkipVerify switches the TLS peer verification off. It exists
	// for tests and lab setups only.
	InsecureSkipVerify bool
	// Limits bounds the messages read (sip.DefaultLimits where zero).
	Limits sip.Limits
	// IdleTimeout closes a TCP or TLS connection that has carried no bytes
	// in either direction for so long; the default is 10 minutes, a
	// negative value never closes idle connections. Keep-alive pings count
	// as traffic, so a flow kept alive with KeepAlive never goes idle. The
	// closing is reported through HandleFlowError with ErrIdle.
	IdleTimeout time.Duration
	// KeepAlive is the interval of the CRLFCRLF pings of RFC 5626 §4.4.1
	// on the TCP and TLS connections we open (each interval drawn at
	// random between 80 % and 100 % of it); zero sends none. Pings from
	// the far end are always answered.
	KeepAlive time.Duration
	// PongTimeout is how long a ping waits for its pong before the flow is
	// declared dead through HandleFlowError (RFC 5626 §4.4.1: 10 s, the
	// default).
	PongTimeout time.Duration
	// DialTimeout bounds the connect and TLS handshake of a connection we
	// open, and the TLS handshake of one we accept (default 10 s).
	DialTimeout time.Duration
	// MaxConns caps the open TCP and TLS connections (default 1024).
	// Beyond it new inbound connections are closed at once; connections
	// the core asks for are still opened.
	MaxConns int
	// MTU is the path MTU assumed for UDP (default 1500): a request larger
	// than MTU-200 bytes is handled by LargeUDP (RFC 3261 §18.1.1).
	MTU int
	// LargeUDP is the policy for requests too large for UDP.
	LargeUDP LargeUDPPolicy
	// RateLimit is the sustained number of requests per second accepted
	// from one source IP address, over all transports (default 200); a
	// negative value switches the limit off. A request over the limit is
	// answered 503 with Retry-After (RFC 3261 §21.5.4) without reaching
	// the Handler; an ACK over it is dropped.
	RateLimit float64
	// RateBurst is how many requests a source may send at once before
	// RateLimit applies (default 2×RateLimit, at least 1).
	RateBurst int
	// BatchSends queues the UDP datagrams Send writes through a
	// *net.UDPConn until Flush, which writes them several at a time
	// (sendmmsg(2) on Linux): fewer system calls, and a peer woken once
	// for several datagrams. Send and Flush must then be called from one
	// goroutine, which calls Flush before it waits (the stack's loop does,
	// in its BeforeWait). A queued datagram the system refuses is reported
	// through Handler.HandleFlowError on its destination, as a failed
	// connection is, so its transactions fail as a refused send fails them.
	BatchSends bool
	// Logger receives warnings and debug notes; nil discards them.
	Logger *slog.Logger
}

// The defaults of Config.
const (
	DefaultIdleTimeout = 10 * time.Minute
	DefaultPongTimeout = 10 * time.Second // RFC 5626 §4.4.1
	DefaultDialTimeout = 10 * time.Second
	DefaultMaxConns    = 1024
	DefaultMTU         = 1500
	DefaultRateLimit   = 200
)

// Errors returned by Send or reported through Handler.HandleFlowError.
var (
	ErrClosed       = errors.New("transport: layer closed")
	ErrBadAddr      = errors.New("transport: invalid destination address")
	ErrNoSocket     = errors.New("transport: no socket to send over")
	ErrSIPSOverTLS  = errors.New("transport: a sips request must be sent over TLS (RFC 3261 §26.2.1)")
	ErrNoTLS        = errors.New("transport: TLS is not built into this library (built with the sk400vop_notls tag), and the Sockets do not dial TLS")
	ErrQueueFull    = errors.New("transport: connection send queue full")
	ErrPeerClosed   = errors.New("transport: connection closed by peer")
	ErrPongTimeout  = errors.New("transport: keep-alive pong missing (RFC 5626 §4.4.1)")
	ErrIdle         = errors.New("transport: connection closed after idle timeout")
	errMissingSetup = errors.New("transport: Config.Handler and Config.Post are required")
)

// Stats counts what a Layer dropped or refused.
type Stats struct {
	Malformed   uint64 // messages that did not parse, dropped unseen by the Handler
	RateLimited uint64 // requests over the per-source rate limit (answered 503 or, ACKs, dropped)
	Refused     uint64 // inbound connections closed at once because MaxConns were open
	Conns       int    // TCP and TLS connections open now, connecting ones included
}

// Layer is the socket transports of RFC 3261 §18: UDP sockets, TCP and TLS
// listeners and connections. It implements Sender.
//
// Each UDP socket and each listener has one reader goroutine, each
// connection a reader and a writer; none is created per message or per
// transaction. Readers hand what they read to the protocol core through
// Config.Post. Send, called on the core's goroutine, never waits for the
// network: a UDP datagram is written at once, a stream message queued on
// its connection's writer, which connects first if it has to.
//
// Every TCP or TLS connection that ends is reported once through
// Handler.HandleFlowError, with the Addr of its flow (Flow set) and the
// reason: a failed connect or TLS verification, ErrPeerClosed, a reset,
// a framing error, ErrPongTimeout, ErrIdle, a write that failed or timed
// out. Only the connections Close ends, and accepted TLS connections
// whose handshake fails (the core never saw them), go unreported.
type Layer struct {
	handler  Handler
	post     func(func())
	sockets  Sockets
	log      *slog.Logger
	parser   sip.Parser
	limits   sip.Limits
	limiter  *rateLimiter // nil when rate limiting is off
	tlsBase  *tls.Config  // Config.TLS, for the connections we open
	tlsSrv   *tls.Config  // for the connections we accept, nil without a TLS listener
	insecure bool
	tlsDial  TLSDialer // the Sockets' own TLS, if it has one: used for every TLS connection we open
	batch    bool      // Config.BatchSends

	idle, keepAlive, pongWait, dialTimeout time.Duration
	maxConns, mtu                          int
	largeUDP                               LargeUDPPolicy

	udp       []*udpSocket
	listeners []*streamListener
	locals    []Addr // every socket's local address, in Config.Listen order

	ctx    context.Context // cancelled by Close: aborts dials and handshakes
	cancel context.CancelFunc
	done   chan struct{} // closed by Close
	closed atomic.Bool
	epoch  time.Time // base of the connections' activity clock

	mu     sync.Mutex
	shut   bool // set by Close under mu: no goroutine starts after it
	conns  map[uint64]*conn
	byKey  map[connKey]*conn
	nextID uint64
	wg     sync.WaitGroup

	malformed, rateLimited, refused atomic.Uint64
}

// NewLayer opens the listeners of cfg and starts their readers.
func NewLayer(cfg Config) (*Layer, error) {
	if cfg.Handler == nil || cfg.Post == nil {
		return nil, errMissingSetup
	}
	l := &Layer{
		handler:     cfg.Handler,
		post:        cfg.Post,
		sockets:     cfg.Sockets,
		log:         cfg.Logger,
		parser:      sip.Parser{Limits: cfg.Limits},
		limits:      cfg.Limits,
		tlsBase:     cfg.TLS,
		insecure:    cfg.InsecureSkipVerify,
		batch:       cfg.BatchSends,
		idle:        orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		keepAlive:   max(cfg.KeepAlive, 0),
		pongWait:    positiveOr(cfg.PongTimeout, DefaultPongTimeout),
		dialTimeout: positiveOr(cfg.DialTimeout, DefaultDialTimeout),
		maxConns:    positiveOr(cfg.MaxConns, DefaultMaxConns),
		mtu:         positiveOr(cfg.MTU, DefaultMTU),
		largeUDP:    cfg.LargeUDP,
		done:        make(chan struct{}),
		epoch:       time.Now(),
		conns:       make(map[uint64]*conn),
		byKey:       make(map[connKey]*conn),
	}
	if l.sockets == nil {
		l.sockets = DefaultSockets()
	}
	l.tlsDial, _ = l.sockets.(TLSDialer)
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit >= 0 {
		rate := cfg.RateLimit
		if rate == 0 {
			rate = DefaultRateLimit
		}
		burst := float64(cfg.RateBurst)
		if burst <= 0 {
			burst = max(2*rate, 1)
		}
		l.limiter = newRateLimiter(rate, burst)
	}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	if err := l.listen(cfg.Listen); err != nil {
		l.Close()
		return nil, err
	}
	for _, s := range l.udp {
		l.wg.Add(1)
		go s.readLoop()
	}
	for _, sl := range l.listeners {
		l.wg.Add(1)
		go l.acceptLoop(sl)
	}
	return l, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// positiveOr returns v, or def when v is zero or negative.
func positiveOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// listen opens the sockets of specs.
func (l *Layer) listen(specs []ListenSpec) error {
	for _, spec := range specs {
		switch spec.Proto {
		case UDP:
			pc, err := l.sockets.ListenPacket("udp", spec.Address)
			if err != nil {
				return fmt.Errorf("transport: listen UDP %s: %w", spec.Address, err)
			}
			s := newUDPSocket(l, pc)
			l.udp = append(l.udp, s)
			l.locals = append(l.locals, Addr{Proto: UDP, Addr: s.local})
		case TCP, TLS:
			if spec.Proto == TLS && l.tlsSrv == nil {
				cfg, err := serverTLSConfig(l.tlsBase)
				if err != nil {
					return err
				}
				l.tlsSrv = cfg
			}
			ln, err := l.sockets.Listen("tcp", spec.Address)
			if err != nil {
				return fmt.Errorf("transport: listen %v %s: %w", spec.Proto, spec.Address, err)
			}
			sl := &streamListener{proto: spec.Proto, ln: ln, local: addrPortOf(ln.Addr())}
			l.listeners = append(l.listeners, sl)
			l.locals = append(l.locals, Addr{Proto: spec.Proto, Addr: sl.local})
		default:
			return fmt.Errorf("transport: cannot listen on %v", spec.Proto)
		}
	}
	return nil
}

// LocalAddr returns the address of the first socket listening on p, for
// the sent-by of a Via (RFC 3261 §18.1.1) and a Contact. A socket bound to
// an unspecified address ("[::]:5060") reports that address: the core has
// to put a reachable one in its headers.
func (l *Layer) LocalAddr(p Proto) (Addr, bool) {
	for _, a := range l.locals {
		if a.Proto == p {
			return a, true
		}
	}
	return Addr{}, false
}

// LocalAddrs returns the address of every listener, in the order of
// Config.Listen.
func (l *Layer) LocalAddrs() []Addr { return append([]Addr(nil), l.locals...) }

// Stats returns the Layer's counters.
func (l *Layer) Stats() Stats {
	l.mu.Lock()
	n := len(l.conns)
	l.mu.Unlock()
	return Stats{
		Malformed:   l.malformed.Load(),
		RateLimited: l.rateLimited.Load(),
		Refused:     l.refused.Load(),
		Conns:       n,
	}
}

// Send sends msg to dst. It is called on the protocol core's goroutine
// and never waits for the network; it serialises msg before returning,
// so the caller may change msg afterwards.
//
// Over UDP the datagram goes out from the socket of dst's address family.
// A request larger than MTU-200 bytes is sent over TCP to the same address
// instead, with its top Via transport rewritten, under the default
// SwitchToTCP policy (RFC 3261 §18.1.1); a failure of that connection is
// reported for the TCP flow.
//
// Over TCP and TLS the message goes on the connection dst.Flow names if
// it is still open, else on an open connection to the same address (and,
// for TLS, the same Host), accepted ones included for TCP, else on a new
// connection (RFC 3261 §18.1.1, §18.2.2). A connection that fails to
// connect, or dies with messages queued, is reported through
// Handler.HandleFlowError.
//
// Responses are sent the same way, to the Addr the caller worked out by
// RFC 3261 §18.2.2: when its Flow has closed, a new connection to its
// address is opened.
//
// A request with a sips Request-URI is refused unless dst is TLS
// (RFC 3261 §26.2.1).
//
// Send is safe for concurrent use, though the core calls it from its one
// goroutine.
func (l *Layer) Send(dst Addr, msg *sip.Message) error {
	if l.closed.Load() {
		return ErrClosed
	}
	if msg == nil {
		return errors.New("transport: nil message")
	}
	dst.Addr = netip.AddrPortFrom(dst.Addr.Addr().Unmap(), dst.Addr.Port())
	if !dst.Addr.IsValid() || dst.Addr.Port() == 0 {
		return ErrBadAddr
	}
	if msg.IsRequest() && dst.Proto != TLS && hasPrefixFold(msg.RawRequestURI(), "sips:") {
		return ErrSIPSOverTLS
	}
	switch dst.Proto {
	case UDP:
		if msg.IsRequest() {
			if size := msg.Size(); size > l.mtu-200 {
				if l.largeUDP == SwitchToTCP {
					setViaTransport(msg, "TCP")
					return l.sendStream(Addr{Proto: TCP, Addr: dst.Addr}, msg)
				}
				l.log.Warn("transport: sending a request larger than MTU-200 over UDP (RFC 3261 §18.1.1)",
					"size", size, "mtu", l.mtu, "dst", dst.String())
			}
		}
		return l.sendUDP(dst, msg)
	case TCP, TLS:
		if dst.Proto == TLS && !tlsBuiltIn && l.tlsDial == nil {
			return ErrNoTLS
		}
		return l.sendStream(dst, msg)
	}
	return fmt.Errorf("transport: cannot send over %v", dst.Proto)
}

// Close closes every socket and connection and waits for all the Layer's
// goroutines to end. Nothing is reported to the Handler for connections
// Close ends. It returns the first error closing a socket gave.
func (l *Layer) Close() error {
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		l.wg.Wait()
		return nil
	}
	l.shut = true
	l.closed.Store(true)
	conns := make([]*conn, 0, len(l.conns))
	for _, c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	l.cancel()
	close(l.done)
	var errs []error
	for _, s := range l.udp {
		errs = append(errs, s.pc.Close())
	}
	for _, sl := range l.listeners {
		errs = append(errs, sl.ln.Close())
	}
	for _, c := range conns {
		c.close(ErrClosed, false)
	}
	l.wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// spawn runs f on a new goroutine that Close waits for, unless the Layer
// is closing.
func (l *Layer) spawn(f func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shut {
		return false
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
	return true
}

// replier sends bytes straight back to where a message came from, for
// the answers the transport gives on its own (the 503 of the rate limit).
// rejectUnparsable answers a request the parser refused with the status it
// names (400, 505, 513) when enough of it was read to build a response
// (RFC 3261 §8.2.6, RFC 4475 §3.1.2), straight back to its source; a
// response, an ACK or a message too broken to answer is only dropped.
func (l *Layer) rejectUnparsable(msg *sip.Message, src Addr, r replier, err error) {
	if !msg.IsRequest() || msg.Method() == "ACK" {
		return
	}
	for _, name := range [...]string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if !msg.Has(name) {
			return
		}
	}
	if _, verr := msg.Via(); verr != nil {
		return
	}
	resp := sip.NewResponse(msg, sip.StatusOf(err), "")
	if pe, ok := err.(*sip.ProtocolError); ok {
		resp.SetStatus(pe.Status, pe.Reason())
	}
	r.reply(src, resp.AppendTo(make([]byte, 0, resp.Size())))
}

type replier interface {
	reply(dst Addr, b []byte)
}

// receive handles the bytes of one message read from src: it parses them,
// stamps the top Via of a request (RFC 3261 §18.2.1, RFC 3581 §4), applies
// the rate limit, and posts the message to the Handler. data must belong
// to the message from now on.
func (l *Layer) receive(data []byte, src Addr, r replier) {
	if msg := l.accept(data, src, r); msg != nil {
		h := l.handler
		l.post(func() { h.HandleMessage(msg, src) })
	}
}

// inbound is a received message on its way to the Handler.
type inbound struct {
	msg *sip.Message
	src Addr
}

// receiveBatch is receive for several datagrams read at once: the
// messages reach the Handler in order, in one post, so the loop is woken
// once per batch rather than once per datagram.
func (l *Layer) receiveBatch(in []inbound) {
	if len(in) == 0 || l.closed.Load() {
		return
	}
	h := l.handler
	l.post(func() {
		for _, m := range in {
			h.HandleMessage(m.msg, m.src)
		}
	})
}

// accept parses what arrived from src and returns the message for the
// Handler, or nil when it was refused: unparsable (answered 400 when it
// is a request that can be answered), rate limited (answered 503), or the
// Layer is closing.
func (l *Layer) accept(data []byte, src Addr, r replier) *sip.Message {
	msg := sip.AcquireMessage()
	if err := l.parser.Parse(msg, data); err != nil {
		if !onlyCRLF(data) { // a CRLF keep-alive over UDP is no fault
			l.malformed.Add(1)
			l.log.Debug("transport: unparsable message", "src", src.String(), "err", err)
			l.rejectUnparsable(msg, src, r, err)
		}
		return nil
	}
	if msg.IsRequest() {
		stampVia(msg, src)
		if l.limiter != nil && !l.limiter.allow(src.Addr.Addr(), time.Now()) {
			l.rateLimited.Add(1)
			if msg.Method() != "ACK" {
				resp := sip.NewResponse(msg, 503, "")
				resp.Add("Retry-After", "5")
				r.reply(src, resp.AppendTo(make([]byte, 0, resp.Size())))
			}
			return nil
		}
	}
	if l.closed.Load() {
		return nil
	}
	return msg
}

// flowError posts a flow failure to the Handler, unless the Layer is closing.
func (l *Layer) flowError(flow Addr, err error) {
	if l.closed.Load() {
		return
	}
	h := l.handler
	l.post(func() { h.HandleFlowError(flow, err) })
}

func onlyCRLF(b []byte) bool {
	for _, c := range b {
		if c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// addrPortOf converts a socket address to a netip.AddrPort, unmapping
// IPv4-mapped IPv6 addresses so that one peer has one spelling.
func addrPortOf(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case *net.TCPAddr:
		ap = a.AddrPort()
	case nil:
		return ap
	default:
		ap, _ = netip.ParseAddrPort(a.String())
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// stampVia adds to the top Via of a request received from src what
// RFC 3261 §18.2.1 and RFC 3581 §4 ask of a server transport: a received
// parameter holding the source IP when the sent-by host is a name or
// another address, and, when an rport parameter without value is there,
// its value set to the source port together with received (which RFC 3581
// requires then even if the address is the same). A message whose top Via
// does not parse is left alone.
func stampVia(msg *sip.Message, src Addr) {
	via, err := msg.Via()
	if err != nil {
		return
	}
	ip := src.Addr.Addr().Unmap().WithZone("")
	rportValue, hasRport := via.Params.Get("rport")
	needRport := hasRport && rportValue == ""
	if sentBy, err := netip.ParseAddr(via.Host); !needRport && err == nil && sentBy.Unmap() == ip {
		return
	}
	// The address and port texts are built on the stack: With copies them.
	var text [64]byte
	via.Params = via.Params.With("received", string(ip.AppendTo(text[:0])))
	if needRport {
		via.Params = via.Params.With("rport", string(strconv.AppendUint(text[:0], uint64(src.Addr.Port()), 10)))
	}
	msg.SetFirstValue("Via", via.String())
}

// setViaTransport rewrites the transport of msg's top Via (RFC 3261
// §18.1.1: a request moved from UDP to TCP says so in its Via).
func setViaTransport(msg *sip.Message, transport string) {
	via, err := msg.Via()
	if err != nil || strings.EqualFold(via.Transport, transport) {
		return
	}
	via.Transport = transport
	msg.SetFirstValue("Via", via.String())
}

// rateLimiter keeps a token bucket per source IP address.
type rateLimiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[netip.Addr]bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the memory a flood of spoofed sources can take: past
// it, the full buckets (sources quiet long enough to have nothing to
// remember) are swept, and if that is not enough every bucket is.
const maxBuckets = 1 << 14

func newRateLimiter(rate, burst float64) *rateLimiter {
	return &rateLimiter{rate: rate, burst: burst, buckets: make(map[netip.Addr]bucket)}
}

// allow takes a token from ip's bucket, reporting false if it is empty.
func (r *rateLimiter) allow(ip netip.Addr, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.buckets[ip]
	if ok {
		b.tokens = min(r.burst, b.tokens+r.rate*now.Sub(b.last).Seconds())
	} else {
		if len(r.buckets) >= maxBuckets {
			r.sweep(now)
		}
		b.tokens = r.burst
	}
	b.last = now
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	}
	r.buckets[ip] = b
	return allowed
}

func (r *rateLimiter) sweep(now time.Time) {
	for ip, b := range r.buckets {
		if b.tokens+r.rate*now.Sub(b.last).Seconds() >= r.burst {
			delete(r.buckets, ip)
		}
	}
	if len(r.buckets) >= maxBuckets {
		clear(r.buckets)
	}
}
