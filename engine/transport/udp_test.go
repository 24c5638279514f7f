package transport

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

func TestUDPRoundTrip(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			addr := net.JoinHostPort(host, "0")
			if pc, err := net.ListenPacket("udp", addr); err != nil {
				t.Fatalf("cannot listen on %s: %v", host, err)
			} else {
				pc.Close()
			}
			a, ha := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, addr}}})
			b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, addr}}})
			aAddr := local(t, a, UDP)
			req := newRequest(t, "MESSAGE", "UDP", aAddr.Addr, []byte("ping over UDP"))
			if err := a.Send(local(t, b, UDP), req); err != nil {
				t.Fatal(err)
			}
			r := hb.message(t)
			if r.src != aAddr {
				t.Fatalf("source %v, want %v", r.src, aAddr)
			}
			if string(r.msg.Body()) != "ping over UDP" {
				t.Fatalf("body %q", r.msg.Body())
			}
			// The sent-by is the source address, but rport asks for both.
			v, err := r.msg.Via()
			if err != nil {
				t.Fatal(err)
			}
			if port, _ := v.RPort(); port != int(aAddr.Addr.Port()) || v.Received() != host {
				t.Fatalf("Via %v", v)
			}
			if err := b.Send(r.src, sip.NewResponse(r.msg, 200, "")); err != nil {
				t.Fatal(err)
			}
			resp := ha.message(t)
			if resp.msg.StatusCode() != 200 || resp.src != local(t, b, UDP) || resp.msg.CallID() != req.CallID() {
				t.Fatalf("response %d from %v", resp.msg.StatusCode(), resp.src)
			}
		})
	}
}

func TestUDPMalformedDropped(t *testing.T) {
	l, h := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dst := net.UDPAddrFromAddrPort(local(t, l, UDP).Addr)
	for _, d := range [][]byte{[]byte("garbage\r\n\r\n"), []byte("\r\n\r\n"), rawOptions("ok")} {
		if _, err := pc.WriteTo(d, dst); err != nil {
			t.Fatal(err)
		}
	}
	// Datagrams on one socket are read in order: once the good one is
	// in, the others have been seen.
	if r := h.message(t); r.msg.Method() != "OPTIONS" {
		t.Fatalf("got %v", r.msg)
	}
	if got := l.Stats().Malformed; got != 1 {
		t.Fatalf("Malformed = %d, want 1 (the keep-alive is no fault)", got)
	}
}

// sameSocketPorts starts a Layer listening on UDP and TCP on one port, as
// a SIP server does, so that a request switched from UDP to TCP finds it.
func sameSocketPorts(t *testing.T, cfg Config) (*Layer, *fakeHandler) {
	t.Helper()
	for range 50 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().String()
		pc.Close()
		cfg.Listen = []ListenSpec{{UDP, addr}, {TCP, addr}}
		if l, h, err := startLayer(t, cfg); err == nil {
			return l, h
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil, nil
}

func TestLargeUDPRequestSwitchesToTCP(t *testing.T) {
	a, ha := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	b, hb := sameSocketPorts(t, Config{})
	dst := local(t, b, UDP)
	body := bytes.Repeat([]byte("x"), 1300)
	req := newRequest(t, "MESSAGE", "UDP", local(t, a, UDP).Addr, body)
	if err := a.Send(dst, req); err != nil {
		t.Fatal(err)
	}
	r := hb.message(t)
	if r.src.Proto != TCP || r.src.Flow == 0 || !bytes.Equal(r.msg.Body(), body) {
		t.Fatalf("got %d bytes from %v", len(r.msg.Body()), r.src)
	}
	if v, _ := r.msg.Via(); v.Transport != "TCP" {
		t.Fatalf("top Via %v: transport not rewritten (RFC 3261 §18.1.1)", v)
	}
	// A small request still goes over UDP; a large response too.
	small := newRequest(t, "MESSAGE", "UDP", local(t, a, UDP).Addr, []byte("small"))
	if err := a.Send(dst, small); err != nil {
		t.Fatal(err)
	}
	if r := hb.message(t); r.src.Proto != UDP {
		t.Fatalf("small request came over %v", r.src.Proto)
	}
	resp := sip.NewResponse(r.msg, 200, "")
	resp.SetBody("text/plain", body)
	if err := b.Send(Addr{Proto: UDP, Addr: local(t, a, UDP).Addr}, resp); err != nil {
		t.Fatal(err)
	}
	if got := ha.message(t); got.src.Proto != UDP || len(got.msg.Body()) != len(body) {
		t.Fatalf("response over %v", got.src.Proto)
	}
}

// TestLargeUDPSwitchFails: the peer has no TCP listener, so the switched
// request's connection fails and that is reported.
func TestLargeUDPSwitchFails(t *testing.T) {
	a, ha := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	dst := local(t, b, UDP)
	req := newRequest(t, "MESSAGE", "UDP", local(t, a, UDP).Addr, bytes.Repeat([]byte("x"), 1400))
	if err := a.Send(dst, req); err != nil {
		t.Fatal(err)
	}
	f := ha.failure(t)
	if f.flow.Proto != TCP || f.flow.Addr != dst.Addr || !errors.Is(f.err, syscall.ECONNREFUSED) {
		t.Fatalf("flow %v: %v", f.flow, f.err)
	}
	hb.noMessage(t, 10*time.Millisecond)
}

// syncBuffer is a bytes.Buffer safe for a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLargeUDPSendAnyway(t *testing.T) {
	var logs syncBuffer
	a, _ := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}, LargeUDP: SendAnyway, MTU: 1000,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	req := newRequest(t, "MESSAGE", "UDP", local(t, a, UDP).Addr, bytes.Repeat([]byte("y"), 900))
	if err := a.Send(local(t, b, UDP), req); err != nil {
		t.Fatal(err)
	}
	if r := hb.message(t); r.src.Proto != UDP {
		t.Fatalf("came over %v", r.src.Proto)
	}
	if s := logs.String(); !strings.Contains(s, "level=WARN") || !strings.Contains(s, "MTU") {
		t.Fatalf("no warning logged: %q", s)
	}
}

func TestUDPSocketChoice(t *testing.T) {
	if pc, err := net.ListenPacket("udp", "[::1]:0"); err != nil {
		t.Fatal("no IPv6 loopback: sk400vop is tested on [::1]")
	} else {
		pc.Close()
	}
	l, _ := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}, {UDP, "[::1]:0"}}})
	for _, dst := range []string{"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"} {
		ip := mustAddr(t, dst).Unmap()
		s := l.udpFor(ip)
		if s.local.Addr().Is4() != ip.Is4() {
			t.Errorf("%s: socket %v", dst, s.local)
		}
	}
	if a, _ := l.LocalAddr(UDP); !a.Addr.Addr().Is4() {
		t.Errorf("LocalAddr(UDP) = %v, want the first socket", a)
	}
	if _, ok := l.LocalAddr(TLS); ok {
		t.Error("LocalAddr(TLS) without a TLS listener")
	}
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
