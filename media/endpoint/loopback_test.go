package endpoint_test

// Two stacks on 127.0.0.1 with real UDP sockets for SIP and RTP, in real
// time: a short call carries each side's tone to the other.

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/stack"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
	"github.com/sk400vop/sk400vop/media/audio"
	"github.com/sk400vop/sk400vop/media/endpoint"
)

// lockedRecorder is a recorder read by the test goroutine while the loop
// writes it; it says when it holds enough.
type lockedRecorder struct {
	mu     sync.Mutex
	pcm    []int16
	want   int
	full   chan struct{} // closed once want samples are in
	filled bool
}

func (r *lockedRecorder) WriteFrame(pcm []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pcm = append(r.pcm, pcm...)
	if len(r.pcm) >= r.want && !r.filled {
		r.filled = true
		close(r.full)
	}
	return nil
}

func (r *lockedRecorder) samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.pcm...)
}

func loopbackPhone(t *testing.T, user string, freq float64, auto bool) (*stack.Stack, *ua.Account, *lockedRecorder) {
	rec := &lockedRecorder{want: 8000 * 3 / 2, full: make(chan struct{})}
	var ep *endpoint.Endpoint
	s, err := stack.New(stack.Config{
		Listen: []transport.ListenSpec{{Proto: transport.UDP, Address: "127.0.0.1:0"}},
		UA: ua.Config{NewMedia: func(*ua.Call) (ua.Media, error) {
			return ep.NewCall(endpoint.Options{Source: audio.NewTone(freq, 8000), Sink: rec})
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if ep, err = endpoint.New(endpoint.Config{Clock: s.Clock(), Post: s.Exec, Addr: netip.MustParseAddr("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Account(sip.URI{Scheme: "sip", User: user, Host: "127.0.0.1"}, transport.UDP)
	if err != nil {
		t.Fatal(err)
	}
	if auto {
		cfg.AutoAnswer = ua.AutoAnswerAlways
	}
	var acc *ua.Account
	s.Do(func(u *ua.UA) { acc, err = u.AddAccount(cfg) })
	if err != nil {
		t.Fatal(err)
	}
	return s, acc, rec
}

func TestLoopbackCallAudio(t *testing.T) {
	aliceStack, alice, aliceRec := loopbackPhone(t, "alice", 440, false)
	bobStack, _, bobRec := loopbackPhone(t, "bob", 1000, true)
	bobAddr, _ := bobStack.LocalAddr(transport.UDP)
	target, _ := sip.ParseURI("sip:bob@" + bobAddr.String())
	var err error
	aliceStack.Do(func(*ua.UA) { _, err = alice.Call(target, ua.CallOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*lockedRecorder{aliceRec, bobRec} {
		select {
		case <-r.full:
		case <-time.After(10 * time.Second):
			t.Fatal("no audio within 10 s")
		}
	}
	for _, c := range []struct {
		name string
		rec  *lockedRecorder
		freq float64
	}{{"alice hears bob", aliceRec, 1000}, {"bob hears alice", bobRec, 440}} {
		pcm := c.rec.samples()
		tail := pcm[len(pcm)-4000:]
		if f := audio.DominantFrequency(tail, 8000); f < c.freq-10 || f > c.freq+10 {
			t.Errorf("%s: %.0f Hz, want %.0f", c.name, f, c.freq)
		}
		if audio.RMS(tail) < 1000 {
			t.Errorf("%s: silence (RMS %.0f)", c.name, audio.RMS(tail))
		}
	}
}
