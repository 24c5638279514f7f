package rtp

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// PortRange is the range of local UDP ports for RTP and RTCP. The zero
// value is 16384-32767.
type PortRange struct {
	Min, Max uint16
}

// Ports hands out RTP/RTCP port pairs within a range: an even RTP port and
// RTCP on the next one (RFC 3550 §11). Its methods are safe for concurrent
// use.
type Ports struct {
	mu   sync.Mutex
	r    PortRange
	next int // index of the next pair to try
}

// NewPorts returns an allocator over r. The pairs are tried round robin
// from a random start, so a call rarely gets the ports of the call before,
// whose stragglers might still arrive.
func NewPorts(r PortRange) (*Ports, error) {
	if r == (PortRange{}) {
		r = PortRange{Min: 16384, Max: 32767}
	}
	r.Min += r.Min & 1 // even
	if r.Min == 0 || r.Max < r.Min+1 {
		return nil, fmt.Errorf("%w: port range %d-%d", ErrConfig, r.Min, r.Max)
	}
	p := &Ports{r: r}
	p.next = rand.IntN(p.pairs())
	return p, nil
}

func (p *Ports) pairs() int { return (int(p.r.Max)-int(p.r.Min)-1)/2 + 1 }

// Listen opens the UDP sockets of a call on ip (the zero Addr: all
// addresses): RTP on an even port of the range, RTCP on the next. It fails
// with ErrNoPorts if no pair is free.
func (p *Ports) Listen(ip netip.Addr) (*Sockets, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.pairs() {
		port := p.r.Min + 2*uint16(p.next)
		p.next = (p.next + 1) % p.pairs()
		a, err := listenUDP(ip, port)
		if err != nil {
			continue
		}
		b, err := listenUDP(ip, port+1)
		if err != nil {
			a.Close()
			continue
		}
		return &Sockets{rtp: udpConn{a}, rtcp: udpConn{b}, port: port}, nil
	}
	return nil, ErrNoPorts
}

func listenUDP(ip netip.Addr, port uint16) (*net.UDPConn, error) {
	if !ip.IsValid() {
		return net.ListenUDP("udp", &net.UDPAddr{Port: int(port)})
	}
	return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, port)))
}

// Sockets are the RTP and RTCP sockets of one call.
type Sockets struct {
	rtp, rtcp udpConn
	port      uint16
	wg        sync.WaitGroup
	closed    atomic.Bool
}

// Port returns the RTP port; RTCP is on the next one.
func (s *Sockets) Port() uint16 { return s.port }

// RTP and RTCP return the sockets as Conns for a Session's Config.
func (s *Sockets) RTP() Conn  { return s.rtp }
func (s *Sockets) RTCP() Conn { return s.rtcp }

// maxQueued bounds the datagrams of one socket posted to the loop and not
// yet handled: a flood is dropped at the socket, not queued without end.
const maxQueued = 64

// datagramSize is the read buffer: a 200 ms G.711 packet with its header
// and room to spare. Longer datagrams are truncated.
const datagramSize = 2048

type datagram struct {
	b      [datagramSize]byte
	n      int
	from   netip.AddrPort
	recv   func(b []byte, from netip.AddrPort)
	queued *atomic.Int32
	run    func() // d.deliver, bound once: posting it allocates nothing
}

func (d *datagram) deliver() {
	d.recv(d.b[:d.n], d.from)
	d.queued.Add(-1)
	d.recv, d.queued = nil, nil
	datagrams.Put(d)
}

var datagrams = sync.Pool{New: func() any { return new(datagram) }}

// Start runs one reader goroutine per socket. Each datagram read is posted
// with post (the loop's Post, which reports false once the loop is closed)
// and handed there to recv, which must not keep b; recv is typically the
// Session's Receive.
func (s *Sockets) Start(post func(func()) bool, recv func(b []byte, from netip.AddrPort)) {
	for _, c := range []udpConn{s.rtp, s.rtcp} {
		s.wg.Add(1)
		go s.read(c, post, recv)
	}
}

func (s *Sockets) read(c udpConn, post func(func()) bool, recv func(b []byte, from netip.AddrPort)) {
	defer s.wg.Done()
	var queued atomic.Int32
	for {
		d := datagrams.Get().(*datagram)
		n, from, err := c.ReadFromUDPAddrPort(d.b[:])
		if err != nil {
			datagrams.Put(d)
			if s.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue // an ICMP error queued on the socket: it still works
		}
		if queued.Load() >= maxQueued {
			datagrams.Put(d)
			continue
		}
		d.n, d.from = n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		d.recv, d.queued = recv, &queued
		if d.run == nil {
			d.run = d.deliver
		}
		queued.Add(1)
		if !post(d.run) {
			queued.Add(-1)
			d.recv, d.queued = nil, nil
			datagrams.Put(d)
		}
	}
}

// Close closes both sockets and waits for the readers to stop. Datagrams
// already posted are still handed to recv.
func (s *Sockets) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	err := errors.Join(s.rtp.Close(), s.rtcp.Close())
	s.wg.Wait()
	return err
}

type udpConn struct{ *net.UDPConn }

func (c udpConn) WriteTo(b []byte, addr netip.AddrPort) error {
	_, err := c.WriteToUDPAddrPort(b, addr)
	return err
}
