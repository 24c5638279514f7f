package transport

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// readFrame reads the next frame a raw peer receives.
func readFrame(t *testing.T, nc net.Conn, f *sip.StreamFramer) sip.Frame {
	t.Helper()
	buf := make([]byte, 4096)
	_ = nc.SetReadDeadline(time.Now().Add(waitFor))
	for {
		fr, ok, err := f.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return fr
		}
		n, err := nc.Read(buf)
		f.Write(buf[:n])
		if err != nil && n == 0 {
			t.Fatal(err)
		}
	}
}

// readMessage reads the next SIP message a raw peer receives, skipping
// keep-alives.
func readMessage(t *testing.T, nc net.Conn, f *sip.StreamFramer) *sip.Message {
	t.Helper()
	for {
		fr := readFrame(t, nc, f)
		if fr.Kind != sip.FrameMessage {
			continue
		}
		m, err := sip.Parse(fr.Data)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
}

// expectEOF waits for the Layer to close a raw peer's connection.
func expectEOF(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection not closed: %v", err)
	}
}

func dial(t *testing.T, a Addr) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", a.Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

func listenRaw(t *testing.T) (net.Listener, Addr) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, Addr{Proto: TCP, Addr: addrPortOf(ln.Addr())}
}

func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// TestTCPSplitWrites writes many messages, with pings between them, in
// pieces of random size: every message arrives whole, in order, on one
// flow.
func TestTCPSplitWrites(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	nc := dial(t, local(t, b, TCP))
	const count = 60
	var stream []byte
	for i := range count {
		stream = append(stream, rawOptions(fmt.Sprint(i))...)
		if i%10 == 0 {
			stream = append(stream, pingFrame...)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	go func() {
		for len(stream) > 0 {
			n := min(1+rng.IntN(300), len(stream))
			if _, err := nc.Write(stream[:n]); err != nil {
				return
			}
			stream = stream[n:]
		}
	}()
	var flow uint64
	for i := range count {
		r := hb.message(t)
		if want := fmt.Sprint(i, "@example.com"); r.msg.CallID() != want {
			t.Fatalf("message %d: Call-ID %q", i, r.msg.CallID())
		}
		if i == 0 {
			flow = r.src.Flow
		}
		if r.src.Flow == 0 || r.src.Flow != flow || r.src.Proto != TCP || r.src.Addr != addrPortOf(nc.LocalAddr()) {
			t.Fatalf("message %d from %v", i, r.src)
		}
		// Stamped as received over a stream too (RFC 3261 §18.2.1).
		if v, _ := r.msg.Via(); v.Received() != "127.0.0.1" {
			t.Fatalf("Via %v", v)
		}
	}
	// The pings were answered. Pongs written back to back read like a
	// ping, so only check that CRLFs and nothing else came back.
	buf := make([]byte, 64)
	_ = nc.SetReadDeadline(time.Now().Add(waitFor))
	n, err := io.ReadAtLeast(nc, buf, 2)
	if err != nil || !onlyCRLF(buf[:n]) {
		t.Fatalf("read %q: %v", buf[:n], err)
	}
}

// TestTCPReuse sends many messages both ways: one connection carries
// them all, the accepted side reusing it for its own requests to the
// remote address (RFC 3261 §18.2.2, §18.1.1).
func TestTCPReuse(t *testing.T) {
	a, ha := newTestLayer(t, Config{})
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	dst := local(t, b, TCP)
	const count = 30
	for i := range count {
		req := newRequest(t, "MESSAGE", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), fmt.Appendf(nil, "m%d", i))
		if err := a.Send(dst, req); err != nil {
			t.Fatal(err)
		}
	}
	var src Addr
	for i := range count {
		r := hb.message(t)
		if string(r.msg.Body()) != fmt.Sprintf("m%d", i) {
			t.Fatalf("message %d: %q", i, r.msg.Body())
		}
		if i == 0 {
			src = r.src
		} else if r.src != src {
			t.Fatalf("message %d from %v, first from %v", i, r.src, src)
		}
		if err := b.Send(r.src, sip.NewResponse(r.msg, 200, "")); err != nil {
			t.Fatal(err)
		}
	}
	var aFlow uint64
	for i := range count {
		r := ha.message(t)
		if i == 0 {
			aFlow = r.src.Flow
		}
		if r.msg.StatusCode() != 200 || r.src.Flow != aFlow || r.src.Addr != dst.Addr {
			t.Fatalf("response %d: %d from %v", i, r.msg.StatusCode(), r.src)
		}
	}
	// A request from b to a's address, without the flow: the accepted
	// connection is reused.
	if err := b.Send(Addr{Proto: TCP, Addr: src.Addr}, newRequest(t, "OPTIONS", "TCP", dst.Addr, nil)); err != nil {
		t.Fatal(err)
	}
	if r := ha.message(t); r.src.Flow != aFlow || r.msg.Method() != "OPTIONS" {
		t.Fatalf("request over %v", r.src)
	}
	if a.Stats().Conns != 1 || b.Stats().Conns != 1 {
		t.Fatalf("connections: %d and %d", a.Stats().Conns, b.Stats().Conns)
	}
}

// TestFlowGoneFallsBackToDial: a response whose flow has died goes to its
// address over a new connection.
func TestFlowGoneFallsBackToDial(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	nc := dial(t, local(t, b, TCP))
	if _, err := nc.Write(rawOptions("gone")); err != nil {
		t.Fatal(err)
	}
	r := hb.message(t)
	nc.Close()
	f := hb.failure(t)
	if f.flow != r.src || !errors.Is(f.err, ErrPeerClosed) {
		t.Fatalf("flow %v: %v", f.flow, f.err)
	}
	ln, dst := listenRaw(t)
	dst.Flow = r.src.Flow
	if err := b.Send(dst, sip.NewResponse(r.msg, 200, "")); err != nil {
		t.Fatal(err)
	}
	peer := accept(t, ln)
	var fr sip.StreamFramer
	if m := readMessage(t, peer, &fr); m.StatusCode() != 200 || m.CallID() != "gone@example.com" {
		t.Fatalf("got\n%s", m)
	}
}

// TestTCPPeerReset: the peer resets the connection we opened; the flow
// error names it, and the next Send opens a new one.
func TestTCPPeerReset(t *testing.T) {
	a, ha := newTestLayer(t, Config{})
	ln, dst := listenRaw(t)
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)); err != nil {
		t.Fatal(err)
	}
	peer := accept(t, ln)
	var fr sip.StreamFramer
	readMessage(t, peer, &fr)
	_ = peer.(*net.TCPConn).SetLinger(0) // close with RST
	peer.Close()
	f := ha.failure(t)
	if f.flow.Proto != TCP || f.flow.Addr != dst.Addr || f.flow.Flow == 0 {
		t.Fatalf("flow %v", f.flow)
	}
	if !errors.Is(f.err, syscall.ECONNRESET) && !errors.Is(f.err, ErrPeerClosed) {
		t.Fatalf("error %v", f.err)
	}
	// The dead flow is not reused, not even when named.
	dst.Flow = f.flow.Flow
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)); err != nil {
		t.Fatal(err)
	}
	peer2 := accept(t, ln)
	var fr2 sip.StreamFramer
	readMessage(t, peer2, &fr2)
}

// TestTCPResetMidMessage: a peer resets the connection it opened halfway
// through a message; the flow error is reported and nothing delivered.
func TestTCPResetMidMessage(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	nc := dial(t, local(t, b, TCP))
	msg := rawOptions("half")
	if _, err := nc.Write(msg[:len(msg)/2]); err != nil {
		t.Fatal(err)
	}
	_ = nc.(*net.TCPConn).SetLinger(0)
	nc.Close()
	f := hb.failure(t)
	if f.flow.Proto != TCP || f.flow.Addr != addrPortOf(nc.LocalAddr()) || f.flow.Flow == 0 {
		t.Fatalf("flow %v", f.flow)
	}
	if !errors.Is(f.err, syscall.ECONNRESET) && !errors.Is(f.err, ErrPeerClosed) {
		t.Fatalf("error %v", f.err)
	}
	hb.noMessage(t, 10*time.Millisecond)
	if b.Stats().Conns != 0 {
		t.Fatal("connection still counted")
	}
}

func TestTCPConnectRefused(t *testing.T) {
	a, ha := newTestLayer(t, Config{})
	ln, dst := listenRaw(t)
	ln.Close()
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)); err != nil {
		t.Fatal(err)
	}
	f := ha.failure(t)
	if f.flow.Addr != dst.Addr || !errors.Is(f.err, syscall.ECONNREFUSED) {
		t.Fatalf("flow %v: %v", f.flow, f.err)
	}
	if a.Stats().Conns != 0 {
		t.Fatal("failed connection still counted")
	}
}

func TestFramingErrorClosesConnection(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	nc := dial(t, local(t, b, TCP))
	noLength := wire("OPTIONS sip:bob@example.com SIP/2.0\nVia: SIP/2.0/TCP h.invalid;branch=z9hG4bK1\n\n")
	if _, err := nc.Write(noLength); err != nil {
		t.Fatal(err)
	}
	f := hb.failure(t)
	if !errors.Is(f.err, sip.ErrContentLength) || f.flow.Addr != addrPortOf(nc.LocalAddr()) {
		t.Fatalf("flow %v: %v", f.flow, f.err)
	}
	expectEOF(t, nc)
	hb.noMessage(t, 10*time.Millisecond)
}

func TestMaxConns(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}, MaxConns: 1})
	c1 := dial(t, local(t, b, TCP))
	if _, err := c1.Write(rawOptions("1")); err != nil {
		t.Fatal(err)
	}
	hb.message(t)
	c2 := dial(t, local(t, b, TCP))
	expectEOF(t, c2)
	if got := b.Stats().Refused; got != 1 {
		t.Fatalf("Refused = %d", got)
	}
	// The first connection still works.
	if _, err := c1.Write(rawOptions("2")); err != nil {
		t.Fatal(err)
	}
	hb.message(t)
}

func TestIdleTimeout(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}, IdleTimeout: 30 * time.Millisecond})
	nc := dial(t, local(t, b, TCP))
	if _, err := nc.Write(rawOptions("1")); err != nil {
		t.Fatal(err)
	}
	hb.message(t)
	expectEOF(t, nc)
	if f := hb.failure(t); !errors.Is(f.err, ErrIdle) {
		t.Fatalf("error %v", f.err)
	}
}

// TestAcceptedTLSOnlyByFlow: an accepted TLS connection proved no
// identity, so only its Flow reaches it; without the flow Send dials.
func TestAcceptedTLSOnlyByFlow(t *testing.T) {
	cert, pool := testPKI(t, "sip:example.com")
	a, ha, b, hb := tlsPair(t, cert, pool, nil, Config{})
	dst := local(t, b, TLS)
	dst.Host = "example.com"
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TLS", netip.MustParseAddrPort("127.0.0.1:5061"), nil)); err != nil {
		t.Fatal(err)
	}
	r := hb.message(t)
	back := Addr{Proto: TLS, Addr: r.src.Addr}
	if err := b.Send(back, newRequest(t, "OPTIONS", "TLS", dst.Addr, nil)); err != nil {
		t.Fatal(err)
	}
	if f := hb.failure(t); f.flow.Flow == r.src.Flow {
		t.Fatalf("accepted flow reused without its Flow: %v", f.flow)
	}
	back.Flow = r.src.Flow
	if err := b.Send(back, newRequest(t, "OPTIONS", "TLS", dst.Addr, nil)); err != nil {
		t.Fatal(err)
	}
	if got := ha.message(t); got.msg.Method() != "OPTIONS" {
		t.Fatalf("got %v", got.msg)
	}
}

func TestQueueFull(t *testing.T) {
	l, _ := newTestLayer(t, Config{})
	l.mu.Lock()
	c := l.newConnLocked(TCP, netip.MustParseAddrPort("192.0.2.1:5060"), "", false)
	l.mu.Unlock()
	for range connQueueLen {
		if err := c.enqueue([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.enqueue([]byte("x")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("full queue: %v", err)
	}
	c.close(ErrClosed, false)
	if l.Stats().Conns != 0 {
		t.Fatal("closed connection still counted")
	}
}
