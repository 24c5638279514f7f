package main

// The network table (sk400vop_net): the app's own Berkeley-style sockets
// behind transport.Sockets, and its resolve callback behind
// transport.Resolver. The engine keeps reading and writing net.PacketConn,
// net.Listener and net.Conn; here WriteTo and Write call the app's sendto,
// and ReadFrom, Read and Accept return what the app pushed with
// sk400vop_net_receive and sk400vop_net_event.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/transport"
	"golang.org/x/net/dns/dnsmessage"
)

const (
	netDgramQueue = 256     // datagrams queued per socket before drops
	netStreamMax  = 4 << 20 // bytes a stream may hold unread
	netAcceptMax  = 64      // connections waiting for Accept
	netBacklog    = 128
)

// cnet is the network table of one stack.
type cnet struct {
	tbl *C.sk400vop_net // a C copy of the app's table

	// gate keeps the table alive: every call into it holds a read lock,
	// and shut takes the write lock, so that no callback runs after
	// sk400vop_destroy and the table is freed only then.
	gate sync.RWMutex
	dead bool

	mu    sync.Mutex
	socks map[int64]*csock
}

// newCNet checks and copies the app's table.
func newCNet(t *C.sk400vop_net) (*cnet, error) {
	if t.open == nil || t.bind == nil || t.sendto == nil || t.close == nil {
		return nil, fmt.Errorf("%w: net: open, bind, sendto and close are required", errInvalid)
	}
	n := &cnet{tbl: (*C.sk400vop_net)(C.malloc(C.sizeof_sk400vop_net)), socks: map[int64]*csock{}}
	*n.tbl = *t
	return n, nil
}

// call runs f, a call into the table, unless the stack is gone.
func (n *cnet) call(f func()) bool {
	n.gate.RLock()
	defer n.gate.RUnlock()
	if n.dead {
		return false
	}
	f()
	return true
}

// shut closes every socket still open, then forgets the table: nothing
// calls it afterwards. sk400vop_destroy runs it once the transports closed.
func (n *cnet) shut() {
	n.mu.Lock()
	left := make([]*csock, 0, len(n.socks))
	for _, s := range n.socks {
		left = append(left, s)
	}
	n.mu.Unlock()
	for _, s := range left {
		s.Close()
	}
	n.gate.Lock()
	if !n.dead {
		n.dead = true
		C.free(unsafe.Pointer(n.tbl))
		n.tbl = nil
	}
	n.gate.Unlock()
}

func (n *cnet) sock(id int64) *csock {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.socks[id]
}

// errnoErr turns a negative errno value of a callback into an error that
// the status table reads as SK400VOP_ERR_NETWORK.
func errnoErr(op string, rc int64) error {
	if rc >= 0 {
		rc = -int64(syscall.EIO)
	}
	return &net.OpError{Op: op, Net: "app", Err: os.NewSyscallError(op, syscall.Errno(-rc))}
}

func cAddr(ap netip.AddrPort) C.sk400vop__addr {
	var a C.sk400vop__addr
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		a.is4 = 1
	}
	b := ip.As16()
	for i := range b {
		a.ip[i] = C.uint8_t(b[i])
	}
	a.port = C.uint16_t(ap.Port())
	return a
}

func goAddr(a *C.sk400vop__addr) netip.AddrPort {
	var b [16]byte
	for i := range b {
		b[i] = byte(a.ip[i])
	}
	ip := netip.AddrFrom16(b).Unmap()
	if a.is4 != 0 {
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrPortFrom(ip, uint16(a.port))
}

// parseHostPort reads the "ip:port" the transports ask for; an empty host
// is the unspecified IPv4 address.
func parseHostPort(address string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return netip.ParseAddrPort(net.JoinHostPort(host, port))
}

// open creates, registers and binds an app socket (bind skipped for an
// outgoing stream, whose local address the system picks).
func (n *cnet) open(ap netip.AddrPort, stream, bind bool) (*csock, error) {
	var id C.int64_t
	var rc C.int32_t
	is4 := 0
	if ap.Addr().Unmap().Is4() {
		is4 = 1
	}
	if !n.call(func() {
		rc = C.sk400vop__net_open(n.tbl, C.sk400vop__family(C.int(is4)), C.sk400vop__socktype(C.int(cbool(stream))), &id)
	}) {
		return nil, net.ErrClosed
	}
	if rc < 0 {
		return nil, errnoErr("open", int64(rc))
	}
	s := &csock{n: n, id: int64(id), stream: stream, closed: make(chan struct{}), local: ap}
	if stream {
		s.notify = make(chan struct{}, 1)
	} else {
		s.in = make(chan dgram, netDgramQueue)
	}
	n.mu.Lock()
	if n.socks[s.id] != nil {
		n.mu.Unlock()
		n.call(func() { C.sk400vop__net_close(n.tbl, id) })
		return nil, fmt.Errorf("%w: net: open returned socket %d, which is open already", errInvalid, s.id)
	}
	n.socks[s.id] = s
	n.mu.Unlock()
	if !bind {
		return s, nil
	}
	a := cAddr(ap)
	n.call(func() { rc = C.sk400vop__net_bind(n.tbl, id, &a) })
	if rc < 0 {
		s.Close()
		return nil, errnoErr("bind", int64(rc))
	}
	if local, ok := s.getsockname(); ok {
		s.local = local
	} else if ap.Port() == 0 {
		s.Close()
		return nil, fmt.Errorf("%w: net: port 0 needs the getsockname callback", errInvalid)
	}
	return s, nil
}

// ListenPacket implements transport.Sockets.
func (n *cnet) ListenPacket(network, address string) (net.PacketConn, error) {
	ap, err := parseHostPort(address)
	if err != nil {
		return nil, err
	}
	return n.open(ap, false, true)
}

// Listen implements transport.Sockets.
func (n *cnet) Listen(network, address string) (net.Listener, error) {
	ap, err := parseHostPort(address)
	if err != nil {
		return nil, err
	}
	s, err := n.open(ap, true, true)
	if err != nil {
		return nil, err
	}
	s.acc = make(chan *csock, netAcceptMax)
	var rc C.int32_t
	n.call(func() { rc = C.sk400vop__net_listen(n.tbl, C.int64_t(s.id), netBacklog) })
	if rc < 0 {
		s.Close()
		return nil, errnoErr("listen", int64(rc))
	}
	return &cListener{s}, nil
}

// DialContext implements transport.Sockets: connect may complete at once
// or later with SK400VOP_NET_CONNECTED or _ERROR.
func (n *cnet) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return n.dial(ctx, network, address, func(id C.int64_t, a *C.sk400vop__addr) C.int32_t {
		return C.sk400vop__net_connect(n.tbl, id, a)
	})
}

// tlsNet is a cnet whose table has connect_tls: the platform's TLS, which
// the transports then use for every TLS connection (transport.TLSDialer).
type tlsNet struct{ *cnet }

// DialTLS implements transport.TLSDialer over connect_tls, which completes
// as connect does.
func (n tlsNet) DialTLS(ctx context.Context, address, serverName string, verify bool) (net.Conn, error) {
	cname := C.CString(serverName)
	defer C.free(unsafe.Pointer(cname))
	return n.dial(ctx, "tcp", address, func(id C.int64_t, a *C.sk400vop__addr) C.int32_t {
		return C.sk400vop__net_connect_tls(n.tbl, id, a, cname, C.int32_t(cbool(verify)))
	})
}

// dial opens a stream socket and connects it to address with connect,
// which may complete at once or later.
func (n *cnet) dial(ctx context.Context, network, address string, connect func(C.int64_t, *C.sk400vop__addr) C.int32_t) (net.Conn, error) {
	ap, err := parseHostPort(address)
	if err != nil {
		return nil, err
	}
	s, err := n.open(ap, true, false)
	if err != nil {
		return nil, err
	}
	s.remote, s.local = ap, netip.AddrPort{}
	s.conn = make(chan error, 1)
	a := cAddr(ap)
	var rc C.int32_t
	n.call(func() { rc = connect(C.int64_t(s.id), &a) })
	switch {
	case rc == 0:
	case rc == -C.int32_t(syscall.EINPROGRESS):
		select {
		case err = <-s.conn:
		case <-ctx.Done():
			err = ctx.Err()
		case <-s.closed:
			err = net.ErrClosed
		}
		if err != nil {
			s.Close()
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
	default:
		s.Close()
		return nil, errnoErr("connect", int64(rc))
	}
	if local, ok := s.getsockname(); ok {
		s.local = local
	}
	return &cConn{s}, nil
}

// dgram is a datagram the app pushed.
type dgram struct {
	b    []byte
	from netip.AddrPort
}

// csock is one app socket: a datagram socket, a listener or a stream.
type csock struct {
	n      *cnet
	id     int64
	stream bool
	local  netip.AddrPort
	remote netip.AddrPort // streams

	closeOnce sync.Once
	closed    chan struct{}

	in chan dgram // datagram sockets

	acc  chan *csock // listeners
	conn chan error  // a connect under way

	mu     sync.Mutex // streams: what was pushed and not read yet
	buf    []byte
	eof    error
	notify chan struct{}
}

func (s *csock) getsockname() (netip.AddrPort, bool) {
	var a C.sk400vop__addr
	var rc C.int32_t = -1
	s.n.call(func() { rc = C.sk400vop__net_getsockname(s.n.tbl, C.int64_t(s.id), &a) })
	if rc < 0 {
		return netip.AddrPort{}, false
	}
	return goAddr(&a), true
}

// Close closes the socket once: the app's close runs and the id is
// forgotten.
func (s *csock) Close() error {
	s.closeOnce.Do(func() {
		s.n.mu.Lock()
		if s.n.socks[s.id] == s {
			delete(s.n.socks, s.id)
		}
		s.n.mu.Unlock()
		close(s.closed)
		s.n.call(func() { C.sk400vop__net_close(s.n.tbl, C.int64_t(s.id)) })
		if s.acc != nil {
			// Connections accepted and never taken are ours to close.
		drain:
			for {
				select {
				case c := <-s.acc:
					c.Close()
				default:
					break drain
				}
			}
		}
	})
	return nil
}

// send calls the app's sendto; to is nil on a stream.
func (s *csock) send(b []byte, to *C.sk400vop__addr) (int64, error) {
	select {
	case <-s.closed:
		return 0, net.ErrClosed
	default:
	}
	if len(b) == 0 {
		return 0, nil
	}
	var rc C.int64_t
	if !s.n.call(func() {
		rc = C.sk400vop__net_sendto(s.n.tbl, C.int64_t(s.id), unsafe.Pointer(unsafe.SliceData(b)), C.size_t(len(b)), to)
	}) {
		return 0, net.ErrClosed
	}
	if rc < 0 {
		return 0, errnoErr("sendto", int64(rc))
	}
	return int64(rc), nil
}

// ---- net.PacketConn ----

func (s *csock) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case d := <-s.in:
		return copy(b, d.b), net.UDPAddrFromAddrPort(d.from), nil
	case <-s.closed:
		return 0, nil, net.ErrClosed
	}
}

func (s *csock) WriteTo(b []byte, addr net.Addr) (int, error) {
	var ap netip.AddrPort
	switch a := addr.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	default:
		var err error
		if ap, err = netip.ParseAddrPort(addr.String()); err != nil {
			return 0, err
		}
	}
	to := cAddr(ap)
	n, err := s.send(b, &to)
	return int(n), err
}

func (s *csock) LocalAddr() net.Addr {
	if s.stream {
		return net.TCPAddrFromAddrPort(s.local)
	}
	return net.UDPAddrFromAddrPort(s.local)
}

// Deadlines are not supported on app sockets; the transports use none on
// datagram sockets and only a write bound on streams, whose sendto must
// not block anyway.
func (s *csock) SetDeadline(time.Time) error      { return nil }
func (s *csock) SetReadDeadline(time.Time) error  { return nil }
func (s *csock) SetWriteDeadline(time.Time) error { return nil }

// ---- streams ----

// cConn is an app stream socket as a net.Conn.
type cConn struct{ *csock }

func (c *cConn) Read(b []byte) (int, error) {
	s := c.csock
	for {
		s.mu.Lock()
		if len(s.buf) > 0 {
			n := copy(b, s.buf)
			s.buf = s.buf[n:]
			if len(s.buf) == 0 {
				s.buf = nil
			}
			s.mu.Unlock()
			return n, nil
		}
		eof := s.eof
		s.mu.Unlock()
		if eof != nil {
			return 0, eof
		}
		select {
		case <-s.notify:
		case <-s.closed:
			return 0, net.ErrClosed
		}
	}
}

func (c *cConn) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := c.send(b[done:], nil)
		if err != nil {
			return done, err
		}
		if n <= 0 {
			return done, io.ErrShortWrite
		}
		done += int(min(n, int64(len(b)-done)))
	}
	return done, nil
}

func (c *cConn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.remote) }

// cListener is an app listening socket as a net.Listener.
type cListener struct{ s *csock }

func (l *cListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.s.acc:
		return &cConn{c}, nil
	case <-l.s.closed:
		return nil, net.ErrClosed
	}
}

func (l *cListener) Close() error   { return l.s.Close() }
func (l *cListener) Addr() net.Addr { return l.s.LocalAddr() }

// ---- what the app pushes ----

// receive is sk400vop_net_receive.
func (n *cnet) receive(id int64, b []byte, from netip.AddrPort, hasFrom bool) error {
	s := n.sock(id)
	if s == nil || s.acc != nil {
		return fmt.Errorf("%w: socket %d", errBadHandle, id)
	}
	if !s.stream {
		if !hasFrom || !from.IsValid() {
			return fmt.Errorf("%w: a datagram needs its source address", errInvalid)
		}
		select {
		case s.in <- dgram{b: b, from: from}:
		default: // a full socket buffer drops
		}
		return nil
	}
	if len(b) == 0 {
		return nil
	}
	s.mu.Lock()
	if len(s.buf)+len(b) > netStreamMax {
		s.mu.Unlock()
		return fmt.Errorf("%w: socket %d holds %d bytes unread", errRange, id, netStreamMax)
	}
	s.buf = append(s.buf, b...)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

// event is sk400vop_net_event.
func (n *cnet) event(id int64, kind int, errno int32, accepted int64, peer netip.AddrPort) error {
	s := n.sock(id)
	if s == nil {
		return fmt.Errorf("%w: socket %d", errBadHandle, id)
	}
	switch kind {
	case C.SK400VOP_NET_ACCEPTED:
		if s.acc == nil {
			return fmt.Errorf("%w: socket %d does not listen", errInvalid, id)
		}
		c := &csock{n: n, id: accepted, stream: true, closed: make(chan struct{}), notify: make(chan struct{}, 1),
			local: s.local, remote: peer}
		n.mu.Lock()
		if n.socks[accepted] != nil {
			n.mu.Unlock()
			return fmt.Errorf("%w: socket %d is open already", errInvalid, accepted)
		}
		n.socks[accepted] = c
		n.mu.Unlock()
		if local, ok := c.getsockname(); ok {
			c.local = local
		}
		select {
		case s.acc <- c:
		case <-s.closed:
			n.forget(c)
			return fmt.Errorf("%w: socket %d closed", errBadHandle, id)
		default:
			n.forget(c)
			return fmt.Errorf("%w: %d connections wait for accept", errRange, netAcceptMax)
		}
	case C.SK400VOP_NET_CONNECTED:
		if s.conn != nil {
			select {
			case s.conn <- nil:
			default:
			}
		}
	case C.SK400VOP_NET_CLOSED, C.SK400VOP_NET_ERROR:
		var err error = io.EOF
		if kind == C.SK400VOP_NET_ERROR {
			err = os.NewSyscallError("socket", syscall.Errno(errno))
		}
		if s.conn != nil {
			select {
			case s.conn <- err:
			default:
			}
		}
		if s.stream {
			s.mu.Lock()
			if s.eof == nil {
				s.eof = err
			}
			s.mu.Unlock()
			select {
			case s.notify <- struct{}{}:
			default:
			}
		}
	}
	return nil
}

// forget drops an accepted socket the stack never took: the app keeps it.
func (n *cnet) forget(c *csock) {
	n.mu.Lock()
	if n.socks[c.id] == c {
		delete(n.socks, c.id)
	}
	n.mu.Unlock()
}

var errRange = errors.New("buffer full")

// netStatus is statusOf with the pushes' own SK400VOP_ERR_RANGE.
func netStatus(err error) C.sk400vop_status {
	if errors.Is(err, errRange) {
		return C.SK400VOP_ERR_RANGE
	}
	return statusOf(err)
}

//export sk400vop__go_net_receive
func sk400vop__go_net_receive(stack C.uint64_t, sock C.int64_t, buf *C.char, n C.size_t, from *C.sk400vop__addr,
	hasFrom C.int) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	st, err := lookupStack(uint64(stack))
	if err != nil || st.net == nil {
		return C.SK400VOP_ERR_BAD_HANDLE
	}
	var b []byte
	if n > 0 {
		b = C.GoBytes(unsafe.Pointer(buf), C.int(n))
	}
	return netStatus(st.net.receive(int64(sock), b, goAddr(from), hasFrom != 0))
}

//export sk400vop__go_net_event
func sk400vop__go_net_event(stack C.uint64_t, sock C.int64_t, kind C.int32_t, code C.int32_t, accepted C.int64_t,
	peer *C.sk400vop__addr, hasPeer C.int) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	st, err := lookupStack(uint64(stack))
	if err != nil || st.net == nil {
		return C.SK400VOP_ERR_BAD_HANDLE
	}
	var p netip.AddrPort
	if hasPeer != 0 {
		p = goAddr(peer)
	}
	return netStatus(st.net.event(int64(sock), int(kind), int32(code), int64(accepted), p))
}

// ---- resolver ----

// cResolver is transport.Resolver over the table's resolve callback.
type cResolver struct{ n *cnet }

var _ transport.Resolver = cResolver{}

// query asks the app for the records of name of type t and returns the
// DNS response it wrote.
func (r cResolver) query(ctx context.Context, name string, t int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	buf := make([]byte, 16<<10)
	var rc C.int32_t = -1
	if !r.n.call(func() {
		rc = C.sk400vop__net_resolve(r.n.tbl, cname, C.int32_t(t), (*C.uint8_t)(unsafe.SliceData(buf)), C.size_t(len(buf)))
	}) {
		return nil, net.ErrClosed
	}
	if rc <= 0 || int(rc) > len(buf) {
		return nil, &net.DNSError{Err: "no answer from the app's resolver", Name: name, IsNotFound: rc <= 0}
	}
	return buf[:rc], nil
}

// answers calls each for every answer record of type t in msg.
func answers(msg []byte, t dnsmessage.Type, each func(p *dnsmessage.Parser) error) error {
	var p dnsmessage.Parser
	if _, err := p.Start(msg); err != nil {
		return err
	}
	if err := p.SkipAllQuestions(); err != nil {
		return err
	}
	for range 64 {
		h, err := p.AnswerHeader()
		if err != nil {
			break
		}
		if h.Type != t || h.Class != dnsmessage.ClassINET {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		if err := each(&p); err != nil && p.SkipAnswer() != nil {
			break
		}
	}
	return nil
}

func (r cResolver) LookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	var firstErr error
	// IPv4 first: a device on a broken IPv6 network still reaches the peer.
	for _, t := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
		msg, err := r.query(ctx, host, int(t))
		if err == nil {
			err = answers(msg, t, func(p *dnsmessage.Parser) error {
				if t == dnsmessage.TypeA {
					a, err := p.AResource()
					if err == nil {
						out = append(out, netip.AddrFrom4(a.A))
					}
					return err
				}
				a, err := p.AAAAResource()
				if err == nil {
					out = append(out, netip.AddrFrom16(a.AAAA))
				}
				return err
			})
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if len(out) == 0 {
		if firstErr == nil {
			firstErr = &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return nil, firstErr
	}
	return out, nil
}

func (r cResolver) LookupSRV(ctx context.Context, name string) ([]transport.SRV, error) {
	msg, err := r.query(ctx, name, int(dnsmessage.TypeSRV))
	if err != nil {
		return nil, err
	}
	var out []transport.SRV
	err = answers(msg, dnsmessage.TypeSRV, func(p *dnsmessage.Parser) error {
		s, err := p.SRVResource()
		if err == nil {
			out = append(out, transport.SRV{Target: s.Target.String(), Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		}
		return err
	})
	return out, err
}

func (r cResolver) LookupNAPTR(ctx context.Context, name string) ([]transport.NAPTR, error) {
	msg, err := r.query(ctx, name, 35)
	if err != nil {
		return nil, err
	}
	var out []transport.NAPTR
	err = answers(msg, 35, func(p *dnsmessage.Parser) error {
		u, err := p.UnknownResource()
		if err != nil {
			return err
		}
		if n, ok := parseNAPTR(u.Data, msg); ok {
			out = append(out, n)
		}
		return nil
	})
	return out, err
}

// parseNAPTR reads the RDATA of a NAPTR record (RFC 3403 §4.1): order,
// preference, three character strings and the replacement name, which
// should not be compressed but is followed through msg if it is.
func parseNAPTR(d, msg []byte) (transport.NAPTR, bool) {
	var n transport.NAPTR
	if len(d) < 4 {
		return n, false
	}
	n.Order, n.Preference = uint16(d[0])<<8|uint16(d[1]), uint16(d[2])<<8|uint16(d[3])
	d = d[4:]
	var strs [3]string
	for i := range strs {
		if len(d) < 1 || len(d) < 1+int(d[0]) {
			return n, false
		}
		strs[i], d = string(d[1:1+int(d[0])]), d[1+int(d[0]):]
	}
	n.Flags, n.Service, n.Regexp = strs[0], strs[1], strs[2]
	name, ok := dnsName(d, msg, 0)
	if !ok {
		return n, false
	}
	n.Replacement = name
	return n, true
}

// dnsName reads a domain name from d, following compression pointers into
// msg (a bounded number of times).
func dnsName(d, msg []byte, hops int) (string, bool) {
	var b []byte
	for {
		if len(d) < 1 {
			return "", false
		}
		l := int(d[0])
		switch {
		case l == 0:
			if len(b) == 0 {
				return ".", true
			}
			return string(b), true
		case l&0xc0 == 0xc0:
			if len(d) < 2 || hops > 8 {
				return "", false
			}
			off := (l&0x3f)<<8 | int(d[1])
			if off >= len(msg) {
				return "", false
			}
			rest, ok := dnsName(msg[off:], msg, hops+1)
			if !ok {
				return "", false
			}
			if rest == "." {
				rest = ""
			}
			return string(b) + rest, true
		case l > 63 || len(d) < 1+l:
			return "", false
		}
		b = append(b, d[1:1+l]...)
		b = append(b, '.')
		d = d[1+l:]
	}
}
