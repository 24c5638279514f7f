//go:build linux

package transport

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// udpBatch is how many datagrams one recvmmsg(2) may return: under load
// a reader that finds several queued takes them in one system call, and
// parks on the poller once per batch instead of once per datagram.
const udpBatch = 8

// mmsghdr is struct mmsghdr of recvmmsg(2): a msghdr and the length the
// kernel received into it (the Go layout pads it as the C one is).
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
}

// batchReader reads datagrams from one UDP socket with recvmmsg(2). Its
// udpBatch slots of maxDatagram bytes each are mapped outside the Go heap:
// the kernel only writes the bytes a datagram has, so they cost address
// space, not memory, and the collector never scans or zeroes them.
type batchReader struct {
	rc    syscall.RawConn
	mem   []byte // the mapping, udpBatch*maxDatagram bytes
	hdrs  [udpBatch]mmsghdr
	iovs  [udpBatch]syscall.Iovec
	names [udpBatch]syscall.RawSockaddrAny

	recv  func(fd uintptr) bool // recvmmsg, bound once
	n     int                   // datagrams the last recvmmsg returned
	errno syscall.Errno         // and its error
}

// newBatchReader returns a batchReader for uc, or nil when the socket or
// the mapping is not available, in which case the plain reader is used.
func newBatchReader(uc *net.UDPConn) *batchReader {
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	mem, err := syscall.Mmap(-1, 0, udpBatch*maxDatagram, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	b := &batchReader{rc: rc, mem: mem}
	for i := range b.hdrs {
		b.iovs[i].Base = &mem[i*maxDatagram]
		b.iovs[i].SetLen(maxDatagram)
		b.hdrs[i].hdr.Iov = &b.iovs[i]
		b.hdrs[i].hdr.Iovlen = 1
	}
	return b
}

func (b *batchReader) close() {
	if b.mem != nil {
		syscall.Munmap(b.mem)
		b.mem = nil
	}
}

// read waits for datagrams and receives up to udpBatch of them; datagram
// i is then b.datagram(i).
func (b *batchReader) read() (int, error) {
	for i := range b.hdrs {
		b.hdrs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		b.hdrs[i].hdr.Namelen = syscall.SizeofSockaddrAny
		b.hdrs[i].hdr.Flags = 0
		b.hdrs[i].len = 0
	}
	if b.recv == nil {
		b.recv = b.recvmmsg // one method value for every read, not one a read
	}
	if err := b.rc.Read(b.recv); err != nil {
		return 0, err // closed
	}
	if b.errno != 0 {
		return 0, b.errno
	}
	return b.n, nil
}

// recvmmsg is the RawConn.Read callback of read: it leaves the outcome in
// b.n and b.errno, and reports false to wait on the poller when nothing is
// queued.
func (b *batchReader) recvmmsg(fd uintptr) bool {
	n, errno, done := mmsg(syscall.SYS_RECVMMSG, fd, &b.hdrs[0], udpBatch, syscall.MSG_DONTWAIT)
	b.n, b.errno = n, errno
	return done
}

// mmsg makes the recvmmsg(2) or sendmmsg(2) system call trap over the n
// headers from hdrs: the datagrams it moved, or the error; done is false
// when the socket has nothing to read or no room (EAGAIN), for the poller
// to wait.
func mmsg(trap, fd uintptr, hdrs *mmsghdr, n int, flags uintptr) (moved int, errno syscall.Errno, done bool) {
	for {
		r, _, e := syscall.Syscall6(trap, fd, uintptr(unsafe.Pointer(hdrs)), uintptr(n), flags, 0, 0)
		switch e {
		case 0:
			return int(r), 0, true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, 0, false
		}
		return 0, e, true
	}
}

// datagram returns the bytes and source of datagram i of the last read;
// the bytes are overwritten by the next read. A truncated datagram (none
// can be: each slot holds the largest there is) or one from an address
// that is not IPv4 or IPv6 comes back with an invalid source.
func (b *batchReader) datagram(i int) ([]byte, netip.AddrPort) {
	h := &b.hdrs[i]
	data := b.mem[i*maxDatagram : i*maxDatagram+int(h.len)]
	if h.hdr.Flags&syscall.MSG_TRUNC != 0 {
		return data, netip.AddrPort{}
	}
	return data, sockaddrAddrPort(&b.names[i], h.hdr.Namelen)
}

// sockaddrAddrPort converts a socket address the kernel filled in.
func sockaddrAddrPort(sa *syscall.RawSockaddrAny, n uint32) netip.AddrPort {
	switch sa.Addr.Family {
	case syscall.AF_INET:
		if n < syscall.SizeofSockaddrInet4 {
			return netip.AddrPort{}
		}
		p := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), port)
	case syscall.AF_INET6:
		if n < syscall.SizeofSockaddrInet6 {
			return netip.AddrPort{}
		}
		p := (*syscall.RawSockaddrInet6)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}

// readBatches is readLoop with recvmmsg(2); it reports false, having read
// nothing, when the socket does not allow it.
func (s *udpSocket) readBatches() bool {
	if s.uc == nil {
		return false
	}
	b := newBatchReader(s.uc)
	if b == nil {
		return false
	}
	defer b.close()
	for {
		n, err := b.read()
		if err != nil {
			if s.l.closed.Load() || errors.Is(err, net.ErrClosed) || !isTransient(err) {
				return true
			}
			// An ICMP error queued on the socket (ECONNREFUSED...): the
			// socket still works.
			s.l.log.Debug("transport: UDP read", "local", s.local.String(), "err", err)
			continue
		}
		var in []inbound
		for i := range n {
			buf, src := b.datagram(i)
			if len(buf) == 0 || !src.IsValid() {
				continue
			}
			data := make([]byte, len(buf))
			copy(data, buf)
			from := Addr{Proto: UDP, Addr: src}
			if msg := s.l.accept(data, from, s); msg != nil {
				if in == nil {
					in = make([]inbound, 0, n)
				}
				in = append(in, inbound{msg, from})
			}
		}
		s.l.receiveBatch(in)
	}
}

// isTransient reports whether a read error leaves the socket usable.
func isTransient(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case syscall.EBADF, syscall.EINVAL, syscall.ENOTSOCK, syscall.EFAULT:
		return false
	}
	return true
}

// sendBatch is how many queued datagrams one sendmmsg(2) writes, and how
// many a batching Layer queues before it writes them without waiting for
// Flush.
const sendBatch = 16

// batchWriter writes queued datagrams of one UDP socket with sendmmsg(2).
type batchWriter struct {
	rc    syscall.RawConn
	v4    bool // the socket is IPv4: destinations are sockaddr_in
	hdrs  [sendBatch]mmsghdr
	iovs  [sendBatch]syscall.Iovec
	names [sendBatch]syscall.RawSockaddrInet6 // or a RawSockaddrInet4 at its start

	send  func(fd uintptr) bool // sendmmsg, bound once
	k     int                   // datagrams to write
	n     int                   // written by the last sendmmsg
	errno syscall.Errno         // its error, for the datagram after them
}

// writeBatch writes datagrams from the start of out, as many as one
// sendmmsg(2) takes, and returns how many it wrote; with an error, the
// next datagram, out[n], is the one the system refused.
func (s *udpSocket) writeBatch(out []outDatagram) (int, error) {
	if s.w == nil {
		rc, err := s.uc.SyscallConn()
		if err != nil {
			return s.writeOne(out)
		}
		s.w = &batchWriter{rc: rc, v4: s.local.Addr().Is4()}
		s.w.send = s.w.sendmmsg
	}
	w := s.w
	k := 0
	for k < len(out) && k < sendBatch {
		dst := out[k].dst
		if dst.Addr().Zone() != "" || (w.v4 && !dst.Addr().Is4()) {
			break // a scoped or foreign address: writeTo handles it, or says why not
		}
		w.fill(k, *out[k].buf, dst)
		k++
	}
	if k == 0 {
		return s.writeOne(out)
	}
	w.k = k
	if err := w.rc.Write(w.send); err != nil {
		return 0, err // closed
	}
	if w.errno != 0 {
		return 0, w.errno
	}
	return w.n, nil
}

// fill sets up slot i to send b to dst.
func (w *batchWriter) fill(i int, b []byte, dst netip.AddrPort) {
	w.iovs[i].Base = unsafe.SliceData(b)
	w.iovs[i].SetLen(len(b))
	h := &w.hdrs[i]
	h.hdr.Iov = &w.iovs[i]
	h.hdr.Iovlen = 1
	h.hdr.Flags = 0
	h.len = 0
	sa := &w.names[i]
	var port [2]byte
	binary.BigEndian.PutUint16(port[:], dst.Port())
	if w.v4 {
		p := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		*p = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: dst.Addr().As4()}
		p.Port = *(*uint16)(unsafe.Pointer(&port[0]))
		h.hdr.Name = (*byte)(unsafe.Pointer(p))
		h.hdr.Namelen = syscall.SizeofSockaddrInet4
		return
	}
	*sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: dst.Addr().As16()} // IPv4 as ::ffff:a.b.c.d
	sa.Port = *(*uint16)(unsafe.Pointer(&port[0]))
	h.hdr.Name = (*byte)(unsafe.Pointer(sa))
	h.hdr.Namelen = syscall.SizeofSockaddrInet6
}

// sendmmsg is the RawConn.Write callback of writeBatch: it leaves the
// outcome in w.n and w.errno, and reports false to wait until the socket
// can take more.
func (w *batchWriter) sendmmsg(fd uintptr) bool {
	n, errno, done := mmsg(unix.SYS_SENDMMSG, fd, &w.hdrs[0], w.k, 0)
	w.n, w.errno = n, errno
	return done
}
