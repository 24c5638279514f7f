package rtp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/dtmf"
)

// The sequence number wraps at 2^16 and the timestamp at 2^32 within the
// call; nothing is lost and the audio stays continuous.
func TestSequenceAndTimestampWrap(t *testing.T) {
	clk, _, a, b := call(t, pcmu, 11)
	a.s.seq, a.s.firstSeq = 65500, 65500
	a.s.ts = 0xffffffff - 20*160 + 7 // wraps after 20 frames, mid-frame
	clk.Advance(5 * time.Second)
	sb := b.s.Stats()
	if sb.Lost != 0 || sb.Concealed != 0 || sb.Late != 0 || sb.Resyncs != 1 {
		t.Errorf("stats after wrap: %+v", sb)
	}
	if got := b.s.remote.extMax(); got < 1<<16 {
		t.Errorf("extended highest sequence %d did not count the wrap", got)
	}
	if _, c := correlate(a.src.sent, b.sink.pcm, 800, 400); c < 0.99 {
		t.Errorf("correlation %.4f across the wraps", c)
	}
}

// A new SSRC is a new stream: statistics and playout start again and the
// audio goes on.
func TestSSRCChange(t *testing.T) {
	clk, _, a, b := call(t, pcmu, 12)
	clk.Advance(2 * time.Second)
	// The peer restarts its stream: new SSRC, sequence and timestamp.
	a.s.ssrc, a.s.out.SSRC = 0x12345678, 0x12345678
	a.s.seq += 30000
	a.s.ts -= 1 << 30
	clk.Advance(2 * time.Second)
	sb := b.s.Stats()
	if sb.Streams != 2 || sb.RemoteSSRC != 0x12345678 || sb.Lost != 0 || sb.Resyncs != 2 {
		t.Errorf("after SSRC change: %+v", sb)
	}
	if got := b.s.remote.received; got != 100 || sb.PacketsReceived != 201 {
		t.Errorf("received %d on the new stream, want 100; %d in all, want 201", got, sb.PacketsReceived)
	}
	tail := b.sink.pcm[len(b.sink.pcm)-8000:]
	if _, c := correlate(a.src.sent[len(a.src.sent)-8800:], tail, 0, 800); c < 0.99 {
		t.Errorf("correlation %.4f after the change", c)
	}
}

// An injector from another address with another SSRC is ignored; the
// peer's packets go on being played and RTP keeps going to the peer.
func TestLatchIgnoresInjector(t *testing.T) {
	clk, l, a, b := call(t, pcmu, 13)
	clk.Advance(time.Second)
	evil := netip.MustParseAddrPort("203.0.113.66:6666")
	ec := l.conn(evil, nil)
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 0xbad, Timestamp: b.s.remote.transit2()}, Payload: make([]byte, 160)}
	buf := make([]byte, 200)
	for i := range 200 {
		pkt.SequenceNumber = uint16(i)
		pkt.Timestamp += 160
		n, _ := pkt.MarshalTo(buf)
		ec.WriteTo(buf[:n], addrB)
		clk.Advance(10 * time.Millisecond)
	}
	sb := b.s.Stats()
	if sb.RemoteAddr != addrA || sb.RemoteSSRC != a.s.ssrc || sb.Streams != 1 || sb.Lost != 0 || sb.Concealed != 0 {
		t.Errorf("injector got in: %+v", sb)
	}
	if got := l.stat(addrB, evil).sent; got != 0 {
		t.Errorf("%d packets went to the injector", got)
	}
	if _, c := correlate(a.src.sent, b.sink.pcm, 800, 400); c < 0.99 {
		t.Errorf("correlation %.4f with an injector", c)
	}
}

// transit2 is any timestamp; the injector's values do not matter.
func (r *remoteSource) transit2() uint32 { return uint32(r.transit) }

// Behind a NAT the peer's packets come from another address than its SDP
// says: after a few packets of one stream from there we latch to it and
// send there (symmetric RTP).
func TestLatchToNATAddress(t *testing.T) {
	clk := newClock()
	l := newLink(clk, 14)
	private := netip.MustParseAddrPort("10.0.0.5:4000") // in A's SDP
	public := netip.MustParseAddrPort("192.0.2.77:31000")
	a := newParty(t, clk, l, public, 1, nil)
	b := newParty(t, clk, l, addrB, 2, nil)
	mustStart(t, a.s, negTo(addrB, pcmu))
	mustStart(t, b.s, negTo(private, pcmu))
	clk.Advance(5 * time.Second) // the first RTCP comes within 3.75 s
	sa, sb := a.s.Stats(), b.s.Stats()
	if sb.RemoteAddr != public {
		t.Fatalf("B sends to %v, want %v", sb.RemoteAddr, public)
	}
	if sb.PacketsReceived != 251-latchAfter+1 || sa.PacketsReceived < 240 {
		t.Errorf("A received %d, B %d", sa.PacketsReceived, sb.PacketsReceived)
	}
	if l.stat(rtcpOf(addrB), rtcpOf(public)).sent == 0 {
		t.Error("no RTCP to the latched address")
	}
}

// Hold: a session whose SDP says inactive or recvonly stops sending; RTCP
// goes on; on resume the first packet carries the marker bit.
func TestHoldStopsSending(t *testing.T) {
	clk, l, a, b := call(t, pcmu, 15)
	var markers []uint16
	l.ends[addrB] = func(p []byte, from netip.AddrPort) {
		var h rtp.Header
		if _, err := h.Unmarshal(p); err == nil && h.Marker {
			markers = append(markers, h.SequenceNumber)
		}
		b.s.Receive(p, from)
	}
	clk.Advance(time.Second)
	for _, dir := range []media.Direction{media.Inactive, media.RecvOnly} {
		n := negTo(addrB, pcmu)
		n.Local = dir
		if err := a.s.Update(n); err != nil {
			t.Fatal(err)
		}
		before, rtcpBefore := l.stat(addrA, addrB).sent, l.stat(rtcpOf(addrA), rtcpOf(addrB)).sent
		clk.Advance(12 * time.Second)
		if got := l.stat(addrA, addrB).sent - before; got != 0 {
			t.Errorf("%v: %d packets sent on hold", dir, got)
		}
		if l.stat(rtcpOf(addrA), rtcpOf(addrB)).sent == rtcpBefore {
			t.Errorf("%v: RTCP stopped on hold", dir)
		}
	}
	n := negTo(addrB, pcmu)
	if err := a.s.Update(n); err != nil {
		t.Fatal(err)
	}
	seq := a.s.seq
	clk.Advance(time.Second)
	if len(markers) != 2 || markers[1] != seq {
		t.Errorf("marker bits on %v, want the first packet and %d", markers, seq)
	}
	// The peer's hold (its SDP sendonly: we are recvonly) stops us too.
	n.Remote = media.SendOnly
	a.s.Update(n)
	before := l.stat(addrA, addrB).sent
	clk.Advance(time.Second)
	if got := l.stat(addrA, addrB).sent - before; got != 0 {
		t.Errorf("%d packets sent while the peer holds", got)
	}
}

// The inactivity timeout fires once when the peer goes silent, and again
// after the peer came back and went silent again.
func TestInactivityTimeout(t *testing.T) {
	var fired []time.Duration
	clk := newClock()
	start := clk.Now()
	l := newLink(clk, 16)
	a := newParty(t, clk, l, addrA, 1, nil)
	b := newParty(t, clk, l, addrB, 2, func(c *Config) {
		c.Timeout = 10 * time.Second
		c.OnTimeout = func() { fired = append(fired, clk.Now().Sub(start)) }
	})
	mustStart(t, a.s, negTo(addrB, pcmu))
	mustStart(t, b.s, negTo(addrA, pcmu))
	clk.Advance(5 * time.Second)
	hold(t, a.s, addrB)
	clk.Advance(30 * time.Second)
	if len(fired) != 1 || fired[0] < 14*time.Second || fired[0] > 15100*time.Millisecond {
		t.Fatalf("timeout fired at %v, want once 10 s after 5 s", fired)
	}
	mustUpdate(t, a.s, negTo(addrB, pcmu))
	clk.Advance(time.Second)
	hold(t, a.s, addrB)
	clk.Advance(11 * time.Second)
	if len(fired) != 2 {
		t.Errorf("timeout fired at %v, want twice", fired)
	}
}

func mustUpdate(t *testing.T, s *Session, n media.Negotiated) {
	t.Helper()
	if err := s.Update(n); err != nil {
		t.Fatal(err)
	}
}

// Close sends an RTCP BYE, and nothing more is sent afterwards.
func TestCloseSendsBye(t *testing.T) {
	clk, l, a, b := call(t, pcmu, 17)
	clk.Advance(time.Second)
	a.s.Close()
	a.s.Close()
	clk.Advance(time.Millisecond)
	if !b.s.Stats().ByeReceived {
		t.Error("B got no BYE")
	}
	rtpSent, rtcpSent := l.stat(addrA, addrB).sent, l.stat(rtcpOf(addrA), rtcpOf(addrB)).sent
	clk.Advance(20 * time.Second)
	if l.stat(addrA, addrB).sent != rtpSent || l.stat(rtcpOf(addrA), rtcpOf(addrB)).sent != rtcpSent {
		t.Error("sent after Close")
	}
	if err := a.s.Update(negTo(addrB, pcmu)); err != ErrClosed {
		t.Errorf("Update after Close: %v", err)
	}
}

// events sends a telephone-event on the given ticks.
type events struct {
	ticks, n int
}

func (e *events) Next(ts, samples uint32) ([]byte, bool, uint32, bool) {
	e.n++
	if e.n <= 10 || e.n > 10+e.ticks {
		return nil, false, 0, false
	}
	var p [4]byte
	p[0] = 5                                                // digit 5
	binary.BigEndian.PutUint16(p[2:], uint16((e.n-10)*160)) // duration
	return p[:], e.n == 11, 0xabc, true
}

// An EventSource replaces audio with telephone-events; the receiver gets
// their payloads with timestamp and marker.
func TestTelephoneEvents(t *testing.T) {
	type got struct {
		digit  byte
		ts     uint32
		marker bool
	}
	var gotEv []got
	clk := newClock()
	l := newLink(clk, 18)
	a := newParty(t, clk, l, addrA, 1, func(c *Config) { c.Events = &events{ticks: 3} })
	b := newParty(t, clk, l, addrB, 2, func(c *Config) {
		c.OnEvent = func(p []byte, ts uint32, m bool) { gotEv = append(gotEv, got{p[0], ts, m}) }
	})
	mustStart(t, a.s, negTo(addrB, pcmu))
	mustStart(t, b.s, negTo(addrA, pcmu))
	clk.Advance(time.Second)
	want := []got{{5, 0xabc, true}, {5, 0xabc, false}, {5, 0xabc, false}}
	if len(gotEv) != 3 || gotEv[0] != want[0] || gotEv[1] != want[1] || gotEv[2] != want[2] {
		t.Errorf("events %v, want %v", gotEv, want)
	}
	if sb := b.s.Stats(); sb.Lost != 0 || sb.PacketsReceived != 51 {
		t.Errorf("B: %+v", sb)
	}
}

// The Sink and other callbacks may call Update and Close from inside the
// tick: the tick still runs once per packet time, and Close leaves no
// timer armed.
func TestReentrantUpdateAndClose(t *testing.T) {
	clk := newClock()
	l := newLink(clk, 19)
	var s *Session
	frames := 0
	n := negTo(addrB, pcmu)
	cfg := Config{Clock: clk, RTP: l.conn(addrA, nil), Sink: sinkFunc(func([]int16) error {
		frames++
		switch {
		case frames == 50:
			s.Close()
		case frames%2 == 0:
			n.Local ^= media.SendOnly // hold and resume
			mustUpdate(t, s, n)
		default:
			mustUpdate(t, s, n)
		}
		return nil
	})}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, s, n)
	clk.Advance(980 * time.Millisecond)
	if frames != 50 {
		t.Errorf("%d frames in 980 ms, want 50", frames)
	}
	clk.Advance(time.Second)
	if frames != 50 || clk.Pending() != 0 {
		t.Errorf("after Close: %d frames, %d timers armed", frames, clk.Pending())
	}
}

// media/dtmf's Sender is an EventSource, and OnDigit decodes what arrives
// with its Receiver: digits cross the call once each, even with loss.
func TestDigitsThroughDTMF(t *testing.T) {
	var got []rune
	clk := newClock()
	l := newLink(clk, 20)
	snd := &dtmf.Sender{}
	a := newParty(t, clk, l, addrA, 1, func(c *Config) { c.Events = snd })
	b := newParty(t, clk, l, addrB, 2, func(c *Config) {
		c.OnDigit = func(d rune, dur time.Duration) { got = append(got, d) }
	})
	l.imp[[2]netip.AddrPort{addrA, addrB}] = impairment{loss: 0.1, jitter: 20 * time.Millisecond}
	mustStart(t, a.s, negTo(addrB, pcmu))
	mustStart(t, b.s, negTo(addrA, pcmu))
	clk.Advance(time.Second)
	for _, d := range "159#" {
		if err := snd.Start(d, 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(3 * time.Second)
	if string(got) != "159#" {
		t.Errorf("digits %q, want \"159#\"", string(got))
	}
}
