package transport

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// udpSocket is one UDP socket of a Layer (RFC 3261 §18.1.1, §18.2.1).
type udpSocket struct {
	l     *Layer
	pc    net.PacketConn
	uc    *net.UDPConn // pc when it is one, for reads and writes without allocated addresses
	local netip.AddrPort
	out   []outDatagram // queued by a batching Layer until Flush
	w     *batchWriter  // sendmmsg(2) state, once a batch was written (Linux)
}

// outDatagram is a datagram a batching Layer queued.
type outDatagram struct {
	buf *[]byte // from udpBufs
	dst netip.AddrPort
}

func newUDPSocket(l *Layer, pc net.PacketConn) *udpSocket {
	s := &udpSocket{l: l, pc: pc, local: addrPortOf(pc.LocalAddr())}
	s.uc, _ = pc.(*net.UDPConn)
	return s
}

// maxDatagram is the largest UDP payload there is.
const maxDatagram = 64 << 10

// readLoop reads datagrams until the socket is closed. Each datagram is
// copied from the one reused read buffer into a buffer of its own, sized
// to it, which the parsed message keeps: one allocation per datagram
// besides the Message.
func (s *udpSocket) readLoop() {
	defer s.l.wg.Done()
	if s.readBatches() {
		return
	}
	buf := make([]byte, maxDatagram)
	for {
		n, src, err := s.readFrom(buf)
		if err != nil {
			if s.l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// An ICMP error queued on the socket, a packet too large for
			// a custom PacketConn's buffer: the socket still works.
			s.l.log.Debug("transport: UDP read", "local", s.local.String(), "err", err)
			continue
		}
		if n == 0 || !src.IsValid() {
			continue
		}
		data := make([]byte, n)
		copy(data, buf[:n])
		s.l.receive(data, Addr{Proto: UDP, Addr: src}, s)
	}
}

func (s *udpSocket) readFrom(buf []byte) (int, netip.AddrPort, error) {
	if s.uc != nil {
		n, ap, err := s.uc.ReadFromUDPAddrPort(buf)
		return n, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), err
	}
	n, a, err := s.pc.ReadFrom(buf)
	return n, addrPortOf(a), err
}

func (s *udpSocket) writeTo(b []byte, dst netip.AddrPort) error {
	if s.uc != nil {
		_, err := s.uc.WriteToUDPAddrPort(b, dst)
		return err
	}
	_, err := s.pc.WriteTo(b, net.UDPAddrFromAddrPort(dst))
	return err
}

// reply sends a datagram back to the source of a request (the 503 of the
// rate limit goes to the packet's source, as RFC 3581 §4 would send it).
func (s *udpSocket) reply(dst Addr, b []byte) {
	if err := s.writeTo(b, dst.Addr); err != nil {
		s.l.log.Debug("transport: UDP reply", "dst", dst.String(), "err", err)
	}
}

// udpFor picks the socket to send to ip from: the first of the same
// address family, else the first bound to the unspecified IPv6 address
// (dual-stack), else the first.
func (l *Layer) udpFor(ip netip.Addr) *udpSocket {
	var dual *udpSocket
	for _, s := range l.udp {
		la := s.local.Addr()
		if la.Is4() == ip.Is4() {
			return s
		}
		if dual == nil && la.Is6() && la.IsUnspecified() {
			dual = s
		}
	}
	if dual != nil {
		return dual
	}
	if len(l.udp) > 0 {
		return l.udp[0]
	}
	return nil
}

// udpBufs holds serialisation buffers for UDP sends.
var udpBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func putUDPBuf(bp *[]byte) {
	if cap(*bp) <= maxDatagram {
		*bp = (*bp)[:0]
		udpBufs.Put(bp)
	}
}

// sendUDP writes msg to dst in one datagram, or queues it for Flush when
// the Layer batches.
func (l *Layer) sendUDP(dst Addr, msg *sip.Message) error {
	s := l.udpFor(dst.Addr.Addr())
	if s == nil {
		return ErrNoSocket
	}
	bp := udpBufs.Get().(*[]byte)
	*bp = msg.AppendTo((*bp)[:0])
	if l.batch && s.uc != nil {
		s.out = append(s.out, outDatagram{bp, dst.Addr})
		if len(s.out) == sendBatch {
			s.flush()
		}
		return nil
	}
	err := s.writeTo(*bp, dst.Addr)
	putUDPBuf(bp)
	return err
}

// Flush writes the datagrams a batching Layer queued (Config.BatchSends);
// it does nothing otherwise. It must be called from the goroutine that
// calls Send.
func (l *Layer) Flush() {
	for _, s := range l.udp {
		if len(s.out) > 0 {
			s.flush()
		}
	}
}

// flush writes s.out in order. A datagram the system refuses is reported
// as a flow error on its destination and the rest are still written.
func (s *udpSocket) flush() {
	out := s.out
	for i := 0; i < len(out); {
		n, err := s.writeBatch(out[i:])
		if n == 0 && err == nil {
			err = io.ErrShortWrite // no progress: never loop on it
		}
		i += n
		if err != nil && i < len(out) {
			s.l.log.Debug("transport: UDP send", "dst", out[i].dst.String(), "err", err)
			s.l.flowError(Addr{Proto: UDP, Addr: out[i].dst}, err)
			i++
		}
	}
	for i := range out {
		putUDPBuf(out[i].buf)
		out[i] = outDatagram{}
	}
	s.out = out[:0]
}

// writeOne writes the first of out on its own: writeBatch where a batch
// system call is not to be had.
func (s *udpSocket) writeOne(out []outDatagram) (int, error) {
	if err := s.writeTo(*out[0].buf, out[0].dst); err != nil {
		return 0, err
	}
	return 1, nil
}
