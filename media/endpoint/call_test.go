package endpoint_test

// Calls between two engine instances — UA, transactions and this media
// engine — on one virtual clock: SIP crosses a testkit.Network, RTP an
// in-memory link that can lose and delay datagrams. Nothing sleeps.

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
	"github.com/sk400vop/sk400vop/media/endpoint"
	"github.com/sk400vop/sk400vop/media/rtp"
)

// link is an in-memory datagram network for RTP on the virtual clock,
// with seeded loss and delay jitter.
type link struct {
	clk    *testkit.Clock
	rnd    *rand.Rand
	loss   float64
	delay  time.Duration // fixed one-way delay
	jitter time.Duration // plus up to this much, drawn per datagram
	nodes  map[netip.AddrPort]func([]byte, netip.AddrPort)
	next   uint16
	// RTP datagrams sent and dropped, by source address.
	sent, dropped map[netip.Addr]int
}

func newLink(clk *testkit.Clock, seed uint64) *link {
	return &link{clk: clk, rnd: rand.New(rand.NewPCG(seed, 1)), nodes: map[netip.AddrPort]func([]byte, netip.AddrPort){}, next: 20000,
		sent: map[netip.Addr]int{}, dropped: map[netip.Addr]int{}}
}

// conn is one socket on the link.
type conn struct {
	l    *link
	addr netip.AddrPort
}

func (c conn) WriteTo(b []byte, to netip.AddrPort) error {
	l := c.l
	// Only RTP (not RTCP, payload types 200-204) is impaired, so the
	// reports that measure the loss arrive.
	if isRTCP := len(b) > 1 && b[1] >= 200 && b[1] <= 204; !isRTCP {
		ip := c.addr.Addr()
		l.sent[ip]++
		if l.rnd.Float64() < l.loss {
			l.dropped[ip]++
			return nil
		}
	}
	d := l.delay
	if l.jitter > 0 {
		d += time.Duration(l.rnd.Int64N(int64(l.jitter)))
	}
	data, from := append([]byte(nil), b...), c.addr
	l.clk.AfterFunc(d, func() {
		if recv := l.nodes[to]; recv != nil {
			recv(data, from)
		}
	})
	return nil
}

// sockets is a call's RTP/RTCP pair on the link.
type sockets struct {
	l         *link
	rtp, rtcp conn
	port      uint16
}

func (l *link) listen(ip netip.Addr) (endpoint.Sockets, error) {
	l.next += 2
	s := &sockets{l: l, port: l.next}
	s.rtp = conn{l, netip.AddrPortFrom(ip, s.port)}
	s.rtcp = conn{l, netip.AddrPortFrom(ip, s.port+1)}
	return s, nil
}

func (s *sockets) Port() uint16   { return s.port }
func (s *sockets) RTP() rtp.Conn  { return s.rtp }
func (s *sockets) RTCP() rtp.Conn { return s.rtcp }
func (s *sockets) Start(post func(func()) bool, recv func([]byte, netip.AddrPort)) {
	s.l.nodes[s.rtp.addr], s.l.nodes[s.rtcp.addr] = recv, recv
}
func (s *sockets) Close() error {
	delete(s.l.nodes, s.rtp.addr)
	delete(s.l.nodes, s.rtcp.addr)
	return nil
}

// recorder keeps every frame it gets.
type recorder struct{ pcm []int16 }

func (r *recorder) WriteFrame(pcm []int16) error {
	r.pcm = append(r.pcm, pcm...)
	return nil
}

// taped is a Source that remembers what it produced.
type taped struct {
	src  audio.Source
	sent []int16
}

func (t *taped) ReadFrame(pcm []int16) error {
	err := t.src.ReadFrame(pcm)
	t.sent = append(t.sent, pcm...)
	return err
}

type digit struct {
	d      rune
	method endpoint.DigitMethod
}

// phone is a UA with the media endpoint, on the shared clock.
type phone struct {
	t      *testing.T
	ua     *ua.UA
	acc    *ua.Account
	addr   netip.AddrPort
	tone   *taped
	rec    *recorder
	digits []digit
	call   *ua.Call
	media  *endpoint.Call
	states []string
}

type relay struct{ u *ua.UA }

func (r *relay) HandleMessage(m *sip.Message, src transport.Addr) { r.u.HandleMessage(m, src) }
func (r *relay) HandleFlowError(a transport.Addr, err error)      { r.u.HandleFlowError(a, err) }

func newPhone(t *testing.T, clk *testkit.Clock, net *testkit.Network, l *link, name, ip string, freq float64, codecs []media.Codec) *phone {
	p := &phone{t: t, addr: netip.MustParseAddrPort(ip + ":5060"), tone: &taped{src: audio.NewTone(freq, 8000)}, rec: &recorder{}}
	r := &relay{}
	sipEP := net.Endpoint(transport.UDP, p.addr, r)
	ep, err := endpoint.New(endpoint.Config{
		Clock: clk, Post: func(f func()) bool { clk.AfterFunc(0, f); return true },
		Addr: p.addr.Addr(), Listen: l.listen, Codecs: codecs,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ua.New(ua.Config{
		Clock: clk, Transport: sipEP, Rand: rand.New(rand.NewPCG(uint64(len(name)), 3)),
		NewMedia: func(c *ua.Call) (ua.Media, error) {
			m, err := ep.NewCall(endpoint.Options{Source: p.tone, Sink: p.rec,
				OnDigit: func(d rune, _ time.Duration, how endpoint.DigitMethod) {
					p.digits = append(p.digits, digit{d, how})
				}})
			p.media, p.call = m, c
			return m, err
		},
		Events: ua.Events{
			IncomingCall: func(c *ua.Call) { c.Answer() },
			CallEvent: func(c *ua.Call, ev ua.CallEvent) {
				if ev.Kind == ua.StateChanged {
					p.states = append(p.states, ev.State.String())
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.u, p.ua = u, u
	p.acc, err = u.AddAccount(ua.AccountConfig{
		AOR:     sip.URI{Scheme: "sip", User: name, Host: ip},
		Contact: sip.URI{Scheme: "sip", User: name, Host: ip, Port: 5060},
		Via:     sip.Via{Transport: "UDP", Host: ip, Port: 5060},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// world is two phones, alice calling bob.
type world struct {
	clk        *testkit.Clock
	link       *link
	alice, bob *phone
}

func newWorld(t *testing.T, seed uint64, bobCodecs []media.Codec) *world {
	clk := testkit.NewClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	net := testkit.NewNetwork(clk, int64(seed))
	l := newLink(clk, seed)
	w := &world{clk: clk, link: l,
		alice: newPhone(t, clk, net, l, "alice", "10.0.0.1", 440, nil),
		bob:   newPhone(t, clk, net, l, "bob", "10.0.0.2", 1000, bobCodecs)}
	if _, err := w.alice.acc.Call(sip.URI{Scheme: "sip", User: "bob", Host: "10.0.0.2", Port: 5060}, ua.CallOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(100 * time.Millisecond)
	for _, p := range []*phone{w.alice, w.bob} {
		if p.call == nil || p.call.State() != ua.Confirmed {
			t.Fatalf("call not confirmed: %v", p.states)
		}
	}
	return w
}

// matches checks that got is sent after the G.711 round trip: the best
// normalised correlation over lags up to 200 ms.
func matches(t *testing.T, what string, sent, got []int16) {
	t.Helper()
	if len(got) < 8000 || len(sent) < 8000 {
		t.Fatalf("%s: %d samples received, %d sent", what, len(got), len(sent))
	}
	n := min(len(sent), len(got)) - 1600
	lag, corr := audio.Correlate(got[:n+1600], sent[:n], 1600)
	if corr < 0.99 {
		t.Errorf("%s: correlation %.4f at lag %d, want ≥ 0.99", what, corr, lag)
	}
}

// A clean network: each side hears the other's tone, every frame.
func TestCallCarriesAudioBothWays(t *testing.T) {
	w := newWorld(t, 1, nil)
	w.clk.Advance(10 * time.Second)
	matches(t, "alice → bob", w.alice.tone.sent, w.bob.rec.pcm)
	matches(t, "bob → alice", w.bob.tone.sent, w.alice.rec.pcm)
	if f := audio.DominantFrequency(w.bob.rec.pcm[8000:], 8000); f < 430 || f > 450 {
		t.Errorf("bob hears %.0f Hz, want 440", f)
	}
	for _, p := range []*phone{w.alice, w.bob} {
		st := p.media.Stats()
		if st.Lost != 0 || st.Concealed != 0 || st.PacketsReceived < 490 {
			t.Errorf("%v: lost %d, concealed %d, received %d", p.addr, st.Lost, st.Concealed, st.PacketsReceived)
		}
	}
	w.alice.call.Hangup("")
	w.clk.Advance(time.Second)
	if got := w.bob.states[len(w.bob.states)-1]; got != "Disconnected" {
		t.Errorf("bob ends %s", got)
	}
}

// 5% loss and 30 ± 30 ms of delay: the recording has one frame per packet
// time (no gap), and the loss the receiver reports in RTCP is the loss
// injected, within a percentage point.
func TestCallUnderLossAndJitter(t *testing.T) {
	w := newWorld(t, 2, nil)
	w.link.loss, w.link.delay, w.link.jitter = 0.05, 30*time.Millisecond, 60*time.Millisecond
	alice := w.alice.addr.Addr()
	sentBefore, droppedBefore := w.link.sent[alice], w.link.dropped[alice]
	recBefore := len(w.bob.rec.pcm)
	const d = 60 * time.Second
	w.clk.Advance(d)
	frames := (len(w.bob.rec.pcm) - recBefore) / 160
	if want := int(d / (20 * time.Millisecond)); frames < want-2 || frames > want+2 {
		t.Errorf("bob recorded %d frames in %v, want %d: the timeline has gaps", frames, d, want)
	}
	injected := float64(w.link.dropped[alice]-droppedBefore) / float64(w.link.sent[alice]-sentBefore)
	st := w.alice.media.Stats() // what bob reported about alice's stream
	if diff := st.RemoteLossRate - injected; diff > 0.01 || diff < -0.01 {
		t.Errorf("RTCP loss %.3f, injected %.3f", st.RemoteLossRate, injected)
	}
	t.Logf("injected %.2f%%, RTCP says %.2f%%", 100*injected, 100*st.RemoteLossRate)
}

// Every digit crosses once, in order: by RFC 4733 (also at 10% loss), and
// by SIP INFO when the peer has no telephone-event.
func TestDTMF(t *testing.T) {
	const digits = "0123456789*#ABCD"
	send := func(w *world) {
		for _, d := range digits {
			if _, err := w.alice.call.SendDTMF(d, 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			w.clk.Advance(300 * time.Millisecond)
		}
		w.clk.Advance(time.Second)
	}
	check := func(name string, p *phone, method endpoint.DigitMethod) {
		var got string
		for _, d := range p.digits {
			got += string(d.d)
			if d.method != method {
				t.Errorf("%s: digit %c came by %v", name, d.d, d.method)
			}
		}
		if got != digits {
			t.Errorf("%s: got %q, want %q", name, got, digits)
		}
	}
	for _, loss := range []float64{0, 0.10} {
		w := newWorld(t, 3, nil)
		w.link.loss = loss
		send(w)
		check(fmt.Sprintf("RFC 4733 at %.0f%% loss", 100*loss), w.bob, endpoint.RFC4733)
	}
	w := newWorld(t, 4, []media.Codec{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}})
	send(w)
	check("SIP INFO", w.bob, endpoint.SIPInfo)
}
