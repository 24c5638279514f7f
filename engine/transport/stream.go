package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Sizes and times of the stream transports.
const (
	connQueueLen  = 256      // messages a connection queues before Send reports ErrQueueFull
	coalesceMax   = 64 << 10 // bytes the writer gathers from its queue into one write
	readBufSize   = 8 << 10  // per connection read buffer
	writeTimeout  = 10 * time.Second
	acceptBackoff = time.Second // longest pause after a failing Accept (out of descriptors)
)

// streamListener is a TCP or TLS listening socket.
type streamListener struct {
	proto Proto
	ln    net.Listener
	local netip.AddrPort
}

// connKey identifies the connections Send may reuse for a destination
// (RFC 3261 §18.1.1): the same transport and address and, for TLS, the
// same identity to prove.
type connKey struct {
	proto Proto
	addr  netip.AddrPort
	host  string
}

// conn is one TCP or TLS connection, opened by us (outbound) or accepted.
// Its writer goroutine connects it if it is outbound, then writes what
// Send queues, the pongs its reader asks for and the keep-alive pings; its
// reader goroutine cuts the stream into messages and keep-alives
// (RFC 3261 §18.3, RFC 5626 §4.4.1).
type conn struct {
	l        *Layer
	addr     Addr // the flow: Proto, remote address, Host for outbound TLS, Flow = id
	key      connKey
	outbound bool
	ctx      context.Context // cancelled when the connection closes
	cancel   context.CancelFunc

	queue   chan []byte   // serialised messages for the writer
	pongReq chan struct{} // the reader saw a ping: the writer answers it
	gotPong chan struct{} // the reader saw a pong to our ping
	done    chan struct{} // closed by close
	active  atomic.Int64  // time of the last byte read or written, in ns since l.epoch

	once sync.Once
	mu   sync.Mutex
	dead bool     // close has run
	nc   net.Conn // what is read and written: the socket, or the *tls.Conn over it
	raw  net.Conn // the socket, which close closes
}

// newConnLocked registers a new connection; l.mu is held. An outbound
// connection becomes the one Send reuses for its key; an accepted one
// only for TCP, and only if there is none: the identity of an accepted
// TLS peer was never checked, so only its Flow reaches it.
func (l *Layer) newConnLocked(proto Proto, raddr netip.AddrPort, host string, outbound bool) *conn {
	l.nextID++
	c := &conn{
		l:        l,
		addr:     Addr{Proto: proto, Addr: raddr, Host: host, Flow: l.nextID},
		key:      connKey{proto: proto, addr: raddr, host: host},
		outbound: outbound,
		queue:    make(chan []byte, connQueueLen),
		pongReq:  make(chan struct{}, 1),
		gotPong:  make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(l.ctx)
	c.touch()
	l.conns[c.addr.Flow] = c
	if old := l.byKey[c.key]; outbound || (proto == TCP && (old == nil || old.closing())) {
		l.byKey[c.key] = c
	}
	return c
}

// forget removes c from the tables.
func (l *Layer) forget(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns[c.addr.Flow] == c {
		delete(l.conns, c.addr.Flow)
	}
	if l.byKey[c.key] == c {
		delete(l.byKey, c.key)
	}
}

// connFor returns the connection to send to dst over: the one dst.Flow
// names if it is open and of dst's transport, else the open one for dst's
// key, else a new outbound one whose writer starts connecting.
func (l *Layer) connFor(dst Addr) (*conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shut {
		return nil, ErrClosed
	}
	if dst.Flow != 0 {
		if c := l.conns[dst.Flow]; c != nil && c.addr.Proto == dst.Proto && !c.closing() {
			return c, nil
		}
	}
	if c := l.byKey[connKey{proto: dst.Proto, addr: dst.Addr, host: dst.Host}]; c != nil && !c.closing() {
		return c, nil
	}
	c := l.newConnLocked(dst.Proto, dst.Addr, dst.Host, true)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		c.writeLoop()
	}()
	return c, nil
}

// sendStream queues msg on the connection for dst.
func (l *Layer) sendStream(dst Addr, msg *sip.Message) error {
	b := msg.AppendTo(make([]byte, 0, msg.Size()))
	c, err := l.connFor(dst)
	if err != nil {
		return err
	}
	return c.enqueue(b)
}

// enqueue hands b to the writer without waiting.
func (c *conn) enqueue(b []byte) error {
	select {
	case c.queue <- b:
		return nil
	default:
		return ErrQueueFull
	}
}

// reply queues the transport's own answer on the connection (the 503 of
// the rate limit), dropping it if the queue is full.
func (c *conn) reply(_ Addr, b []byte) { _ = c.enqueue(b) }

func (c *conn) closing() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *conn) touch() { c.active.Store(int64(time.Since(c.l.epoch))) }

// quiet returns how long the connection has carried nothing.
func (c *conn) quiet() time.Duration {
	return time.Since(c.l.epoch) - time.Duration(c.active.Load())
}

// setConn records the connected socket; it reports false if the
// connection was closed meanwhile.
func (c *conn) setConn(nc, raw net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return false
	}
	c.nc, c.raw = nc, raw
	return true
}

// close ends the connection once, for the reason err. report says whether
// the Handler hears of it (never once the Layer is closing).
func (c *conn) close(err error, report bool) {
	c.once.Do(func() {
		c.mu.Lock()
		c.dead = true
		raw := c.raw
		c.mu.Unlock()
		c.cancel()
		close(c.done)
		if raw != nil {
			// The socket, not the *tls.Conn: a TLS close_notify could wait
			// for a peer that does not read.
			raw.Close()
		}
		c.l.forget(c)
		c.l.log.Debug("transport: connection closed", "flow", c.addr.String(), "err", err)
		if report {
			c.l.flowError(c.addr, err)
		}
	})
}

// connect dials an outbound connection and, for TLS, runs the handshake
// with the peer verification of clientTLSConfig, all within DialTimeout.
func (c *conn) connect() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.l.dialTimeout)
	defer cancel()
	if c.addr.Proto == TLS && c.l.tlsDial != nil {
		// The platform's TLS: the connection comes back verified and
		// carrying plaintext.
		nc, err := c.l.tlsDial.DialTLS(ctx, c.addr.Addr.String(), c.addr.Host, !c.l.insecure)
		if err != nil {
			return nil, fmt.Errorf("transport: TLS connect %v: %w", c.addr, err)
		}
		if !c.setConn(nc, nc) {
			nc.Close()
			return nil, ErrClosed
		}
		c.touch()
		return nc, nil
	}
	raw, err := c.l.sockets.DialContext(ctx, "tcp", c.addr.Addr.String())
	if err != nil {
		return nil, fmt.Errorf("transport: connect %v: %w", c.addr, err)
	}
	setNoDelay(raw)
	nc := raw
	if c.addr.Proto == TLS {
		if nc, err = tlsClient(raw, c.l.tlsBase, c.addr, c.l.insecure); err != nil {
			raw.Close()
			return nil, err
		}
	}
	if !c.setConn(nc, raw) {
		raw.Close()
		return nil, ErrClosed
	}
	if err := handshake(ctx, nc); err != nil {
		return nil, fmt.Errorf("transport: TLS handshake with %v: %w", c.addr, err)
	}
	c.touch()
	return nc, nil
}

// setNoDelay keeps Nagle's algorithm off, as Go does by default: SIP
// messages are written whole, and some peers (baresip) stall on delayed
// segments.
func setNoDelay(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
}

// writeLoop is the connection's writer goroutine.
func (c *conn) writeLoop() {
	c.mu.Lock()
	nc := c.nc
	c.mu.Unlock()
	if c.outbound {
		var err error
		if nc, err = c.connect(); err != nil {
			c.close(err, true)
			return
		}
		if !c.l.spawn(func() { c.readLoop(nc) }) {
			c.close(ErrClosed, false)
			return
		}
	}
	k := newKeeper(0, 0, c.l.idle)
	if c.outbound {
		k = newKeeper(c.l.keepAlive, c.l.pongWait, c.l.idle)
	}
	defer k.stop()
	var buf []byte
	for {
		var out []byte
		select {
		case <-c.done:
			return
		case b := <-c.queue:
			out = b
			if len(c.queue) > 0 {
				buf = c.gather(append(buf[:0], b...))
				out = buf
			}
		case <-c.pongReq:
			out = pongFrame
		case <-c.gotPong:
			k.ponged()
			continue
		case <-k.pingC():
			out = pingFrame
			k.pinged()
		case <-k.pongC():
			c.close(ErrPongTimeout, true)
			return
		case <-k.idleC():
			if k.idleFor(c.quiet()) {
				c.close(ErrIdle, true)
				return
			}
			continue
		}
		_ = nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err := nc.Write(out)
		c.touch()
		if err != nil {
			c.close(fmt.Errorf("transport: write to %v: %w", c.addr, err), true)
			return
		}
	}
}

// gather appends to buf what else is queued, up to coalesceMax bytes, so
// that a burst of messages costs one write.
func (c *conn) gather(buf []byte) []byte {
	for len(buf) < coalesceMax {
		select {
		case b := <-c.queue:
			buf = append(buf, b...)
		default:
			return buf
		}
	}
	return buf
}

// readLoop is the connection's reader goroutine: it finishes the TLS
// handshake of an accepted connection, then feeds a sip.StreamFramer.
func (c *conn) readLoop(nc net.Conn) {
	if !c.outbound && c.addr.Proto == TLS {
		ctx, cancel := context.WithTimeout(c.ctx, c.l.dialTimeout)
		err := handshake(ctx, nc)
		cancel()
		if err != nil {
			c.close(fmt.Errorf("transport: TLS handshake from %v: %w", c.addr, err), false)
			return
		}
	}
	f := sip.StreamFramer{Limits: c.l.limits}
	buf := make([]byte, readBufSize)
	for {
		n, err := nc.Read(buf)
		if n > 0 {
			c.touch()
			f.Write(buf[:n])
			if ferr := c.frames(&f); ferr != nil {
				c.close(ferr, true)
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = ErrPeerClosed
			} else {
				err = fmt.Errorf("transport: read from %v: %w", c.addr, err)
			}
			c.close(err, true)
			return
		}
	}
}

// frames handles the complete frames in f: pings are answered with a pong
// (RFC 5626 §4.4.1), pongs stop the pong deadline, messages are received.
// A framing error is returned: the stream cannot be resynchronised.
func (c *conn) frames(f *sip.StreamFramer) error {
	for {
		fr, ok, err := f.Next()
		if err != nil {
			return fmt.Errorf("transport: framing from %v: %w", c.addr, err)
		}
		if !ok {
			return nil
		}
		switch fr.Kind {
		case sip.FramePing:
			select {
			case c.pongReq <- struct{}{}:
			default: // a pong is already due
			}
		case sip.FramePong:
			select {
			case c.gotPong <- struct{}{}:
			default:
			}
		case sip.FrameMessage:
			c.l.receive(fr.Data, c.addr, c)
		}
	}
}

// acceptLoop accepts connections until the listener is closed.
func (l *Layer) acceptLoop(sl *streamListener) {
	defer l.wg.Done()
	var delay time.Duration
	for {
		nc, err := sl.ln.Accept()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or the like: pause and retry, as
			// net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), acceptBackoff)
			l.log.Warn("transport: accept", "local", sl.local.String(), "err", err, "retry", delay)
			t := time.NewTimer(delay)
			select {
			case <-l.done:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		delay = 0
		l.accepted(sl.proto, nc)
	}
}

// accepted takes over an accepted socket, or closes it at once when
// MaxConns connections are open.
func (l *Layer) accepted(proto Proto, raw net.Conn) {
	setNoDelay(raw)
	raddr := addrPortOf(raw.RemoteAddr())
	nc := raw
	if proto == TLS {
		nc = tlsServer(raw, l.tlsSrv)
	}
	l.mu.Lock()
	if l.shut || len(l.conns) >= l.maxConns {
		shut := l.shut
		l.mu.Unlock()
		if !shut {
			l.refused.Add(1)
			l.log.Debug("transport: refusing connection: MaxConns open", "src", raddr.String())
		}
		raw.Close()
		return
	}
	c := l.newConnLocked(proto, raddr, "", false)
	c.nc, c.raw = nc, raw
	l.mu.Unlock()
	if !l.spawn(c.writeLoop) || !l.spawn(func() { c.readLoop(nc) }) {
		c.close(ErrClosed, false)
	}
}
