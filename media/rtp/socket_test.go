package rtp

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/loop"
	"github.com/sk400vop/sk400vop/media/audio"
)

func TestPortsAllocatePairs(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	p, err := NewPorts(PortRange{Min: 41001, Max: 41006}) // pairs 41002, 41004
	if err != nil {
		t.Fatal(err)
	}
	var socks []*Sockets
	for range 2 {
		s, err := p.Listen(ip)
		if err != nil {
			t.Fatal(err)
		}
		if s.Port()%2 != 0 || s.Port() < 41002 || s.Port() > 41004 {
			t.Errorf("RTP port %d", s.Port())
		}
		socks = append(socks, s)
	}
	if socks[0].Port() == socks[1].Port() {
		t.Error("the same pair twice")
	}
	if _, err := p.Listen(ip); !errors.Is(err, ErrNoPorts) {
		t.Errorf("third pair: %v, want ErrNoPorts", err)
	}
	socks[0].Close()
	s, err := p.Listen(ip)
	if err != nil {
		t.Fatalf("after a Close: %v", err)
	}
	s.Close()
	socks[1].Close()
	if _, err := NewPorts(PortRange{Min: 5000, Max: 5000}); !errors.Is(err, ErrConfig) {
		t.Errorf("a range without a pair: %v", err)
	}
}

// A call over real UDP sockets on the stack's loop: the readers post to the
// loop and the audio arrives.
func TestSocketsCall(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	ports, err := NewPorts(PortRange{})
	if err != nil {
		t.Fatal(err)
	}
	l := loop.New()
	l.Start()
	defer l.Close()
	done := make(chan struct{})
	var a, b *Session
	sockA, err := ports.Listen(ip)
	if err != nil {
		t.Fatal(err)
	}
	defer sockA.Close()
	sockB, err := ports.Listen(ip)
	if err != nil {
		t.Fatal(err)
	}
	defer sockB.Close()
	addrOf := func(s *Sockets) netip.AddrPort { return netip.AddrPortFrom(ip, s.Port()) }
	closed := false
	sink := sinkFunc(func([]int16) error {
		if !closed && b.Stats().PacketsReceived >= 10 {
			closed = true
			close(done)
		}
		return nil
	})
	l.Do(func() {
		a, _ = New(Config{Clock: l, RTP: sockA.RTP(), RTCP: sockA.RTCP(), Source: audio.NewTone(440, 8000)})
		b, _ = New(Config{Clock: l, RTP: sockB.RTP(), RTCP: sockB.RTCP(), Sink: sink})
		sockA.Start(l.Post, a.Receive)
		sockB.Start(l.Post, b.Receive)
		mustStart(t, a, negTo(addrOf(sockB), pcmu))
		mustStart(t, b, negTo(addrOf(sockA), pcmu))
	})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no audio over UDP")
	}
	l.Do(func() {
		if st := b.Stats(); st.RemoteAddr != addrOf(sockA) || st.RemoteSSRC != a.SSRC() {
			t.Errorf("B: %+v", st)
		}
		a.Close()
		b.Close()
	})
}

type sinkFunc func([]int16) error

func (f sinkFunc) WriteFrame(p []int16) error { return f(p) }
