package transport

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// waitFor bounds every wait of these tests.
const waitFor = 5 * time.Second

// loop stands in for the protocol core's event loop: one goroutine that
// runs posted functions in order.
type loop struct {
	mu      sync.Mutex
	q       []func()
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	running atomic.Bool
	once    sync.Once
}

func newLoop() *loop {
	lp := &loop{wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go lp.run()
	return lp
}

func (lp *loop) post(f func()) {
	lp.mu.Lock()
	lp.q = append(lp.q, f)
	lp.mu.Unlock()
	select {
	case lp.wake <- struct{}{}:
	default:
	}
}

func (lp *loop) run() {
	defer close(lp.stopped)
	for {
		select {
		case <-lp.stop:
			return
		case <-lp.wake:
		}
		lp.mu.Lock()
		q := lp.q
		lp.q = nil
		lp.mu.Unlock()
		for _, f := range q {
			lp.running.Store(true)
			f()
			lp.running.Store(false)
		}
	}
}

// close stops the loop and waits for its goroutine.
func (lp *loop) close() {
	lp.once.Do(func() { close(lp.stop) })
	<-lp.stopped
}

type received struct {
	msg *sip.Message
	src Addr
}

type flowFailure struct {
	flow Addr
	err  error
}

// fakeHandler records the Handler calls, checking that each comes
// through the loop.
type fakeHandler struct {
	t     *testing.T
	lp    *loop
	msgs  chan received
	fails chan flowFailure
}

func (h *fakeHandler) HandleMessage(msg *sip.Message, src Addr) {
	if !h.lp.running.Load() {
		h.t.Error("HandleMessage called outside the loop")
	}
	h.msgs <- received{msg, src}
}

func (h *fakeHandler) HandleFlowError(flow Addr, err error) {
	if !h.lp.running.Load() {
		h.t.Error("HandleFlowError called outside the loop")
	}
	h.fails <- flowFailure{flow, err}
}

// message waits for the next message.
func (h *fakeHandler) message(t *testing.T) received {
	t.Helper()
	select {
	case r := <-h.msgs:
		return r
	case <-time.After(waitFor):
		t.Fatal("no message arrived")
	}
	return received{}
}

// failure waits for the next flow error.
func (h *fakeHandler) failure(t *testing.T) flowFailure {
	t.Helper()
	select {
	case f := <-h.fails:
		return f
	case <-time.After(waitFor):
		t.Fatal("no flow error arrived")
	}
	return flowFailure{}
}

// noMessage checks that no message arrives within d.
func (h *fakeHandler) noMessage(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-h.msgs:
		t.Fatalf("unexpected message from %v:\n%s", r.src, r.msg)
	case <-time.After(d):
	}
}

// newTestLayer starts a Layer with its own loop and fake handler, closed
// when the test ends.
func newTestLayer(t *testing.T, cfg Config) (*Layer, *fakeHandler) {
	t.Helper()
	l, h, err := startLayer(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l, h
}

// startLayer is newTestLayer returning NewLayer's error.
func startLayer(t *testing.T, cfg Config) (*Layer, *fakeHandler, error) {
	lp := newLoop()
	h := &fakeHandler{t: t, lp: lp, msgs: make(chan received, 1024), fails: make(chan flowFailure, 64)}
	cfg.Handler, cfg.Post = h, lp.post
	l, err := NewLayer(cfg)
	if err != nil {
		lp.close()
		return nil, nil, err
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		lp.close()
	})
	return l, h, nil
}

func local(t *testing.T, l *Layer, p Proto) Addr {
	t.Helper()
	a, ok := l.LocalAddr(p)
	if !ok {
		t.Fatalf("no %v listener", p)
	}
	return a
}

// newRequest builds a request whose top Via names transport and sent-by.
func newRequest(t *testing.T, method, transport string, sentBy netip.AddrPort, body []byte) *sip.Message {
	t.Helper()
	spec := sip.RequestSpec{
		Method:     method,
		RequestURI: sip.URI{Scheme: "sip", User: "bob", Host: "example.com"},
		From:       sip.NameAddr{URI: sip.URI{Scheme: "sip", User: "alice", Host: "example.com"}},
		To:         sip.NameAddr{URI: sip.URI{Scheme: "sip", User: "bob", Host: "example.com"}},
		Via: sip.Via{Transport: transport, Host: sentBy.Addr().String(), Port: int(sentBy.Port()),
			Params: ";rport"},
		Body: body,
	}
	if len(body) > 0 {
		spec.ContentType = "text/plain"
	}
	m, err := sip.NewRequest(spec)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wire serialises a request written with \n line ends.
func wire(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func rawOptions(branch string) []byte {
	return wire(fmt.Sprintf(`OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP host.invalid:5060;branch=z9hG4bK%s;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: %s@example.com
CSeq: 1 OPTIONS
Content-Length: 0

`, branch, branch))
}

func TestStampVia(t *testing.T) {
	src := Addr{Proto: UDP, Addr: netip.MustParseAddrPort("192.0.2.1:5062")}
	src6 := Addr{Proto: UDP, Addr: netip.MustParseAddrPort("[2001:db8::2]:5070")}
	tests := []struct {
		name string
		via  string // the Via header lines
		src  Addr
		want []string // the Via values afterwards
	}{
		{"hostname gets received", "Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK1", src,
			[]string{"SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK1;received=192.0.2.1"}},
		{"same address untouched", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", src,
			[]string{"SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1"}},
		{"other address gets received", "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1", src,
			[]string{"SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=192.0.2.1"}},
		{"empty rport filled, received even for the same address (RFC 3581 §4)",
			"Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1", src,
			[]string{"SIP/2.0/UDP 192.0.2.1:5060;rport=5062;branch=z9hG4bK1;received=192.0.2.1"}},
		{"rport with a value kept", "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;rport=7", src,
			[]string{"SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;rport=7;received=192.0.2.1"}},
		{"stale received replaced in place", "Via: SIP/2.0/UDP pc33.example.com;received=10.9.9.9;branch=z9hG4bK1", src,
			[]string{"SIP/2.0/UDP pc33.example.com;received=192.0.2.1;branch=z9hG4bK1"}},
		{"IPv6 received without brackets (RFC 5118 §4.5)",
			"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport", src6,
			[]string{"SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport=5070;received=2001:db8::2"}},
		{"same IPv6 address untouched", "Via: SIP/2.0/UDP [2001:db8::2];branch=z9hG4bK1", src6,
			[]string{"SIP/2.0/UDP [2001:db8::2];branch=z9hG4bK1"}},
		{"other Vias kept in order", "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2\nv: SIP/2.0/TLS c.example.com;branch=z9hG4bK3", src,
			[]string{"SIP/2.0/UDP a.example.com;branch=z9hG4bK1;received=192.0.2.1",
				"SIP/2.0/TCP b.example.com;branch=z9hG4bK2", "SIP/2.0/TLS c.example.com;branch=z9hG4bK3"}},
		{"quoted and valueless parameters kept", `Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;x="a;b";hide`, src,
			[]string{`SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;x="a;b";hide;received=192.0.2.1`}},
		{"unparsable Via untouched", "Via: garbage", src, []string{"garbage"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := wire("OPTIONS sip:bob@example.com SIP/2.0\n" + tc.via + "\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n")
			msg, err := sip.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			stampVia(msg, tc.src)
			got := slices.Collect(msg.Values("Via"))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Vias\n got %q\nwant %q", got, tc.want)
			}
			// The stamped message reads back the same.
			again, err := sip.Parse(msg.AppendTo(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got2 := slices.Collect(again.Values("Via")); !slices.Equal(got2, tc.want) {
				t.Fatalf("reparsed Vias %q", got2)
			}
			if v, err := msg.Via(); err == nil && v.Branch() != "z9hG4bK1" {
				t.Fatalf("branch %q", v.Branch())
			}
		})
	}
	// Stamping received and rport costs three allocations: the two
	// parameter lists and the new Via value.
	if !raceEnabled {
		src := Addr{Proto: UDP, Addr: netip.MustParseAddrPort("192.0.2.1:5062")}
		data := wire("OPTIONS sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n")
		var msg sip.Message
		var p sip.Parser
		if n := testing.AllocsPerRun(50, func() {
			if err := p.Parse(&msg, data); err != nil {
				t.Fatal(err)
			}
			stampVia(&msg, src)
		}); n > 3 {
			t.Errorf("stampVia: %v allocations, want 3", n)
		}
	}
}

func TestNewLayerErrors(t *testing.T) {
	if _, err := NewLayer(Config{}); err == nil {
		t.Fatal("no error without Handler and Post")
	}
	lp := newLoop()
	defer lp.close()
	h := &fakeHandler{t: t, lp: lp}
	if _, err := NewLayer(Config{Handler: h, Post: lp.post, Listen: []ListenSpec{{TLS, "127.0.0.1:0"}}}); err == nil {
		t.Fatal("TLS listener without certificate accepted")
	}
	if _, err := NewLayer(Config{Handler: h, Post: lp.post, Listen: []ListenSpec{{UDP, "127.0.0.1:0"}, {TCP, "256.0.0.1:0"}}}); err == nil {
		t.Fatal("bad address accepted")
	}
	if _, err := NewLayer(Config{Handler: h, Post: lp.post, Listen: []ListenSpec{{Proto(9), "127.0.0.1:0"}}}); err == nil {
		t.Fatal("unknown transport accepted")
	}
}

func TestSendErrors(t *testing.T) {
	l, _ := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	req := newRequest(t, "OPTIONS", "UDP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)
	if err := l.Send(Addr{Proto: UDP, Addr: netip.MustParseAddrPort("127.0.0.1:5060")}, req); !errors.Is(err, ErrNoSocket) {
		t.Errorf("UDP without socket: %v", err)
	}
	if err := l.Send(Addr{Proto: TCP}, req); !errors.Is(err, ErrBadAddr) {
		t.Errorf("no address: %v", err)
	}
	sips, err := sip.NewRequest(sip.RequestSpec{Method: "OPTIONS", RequestURI: sip.URI{Scheme: "sips", Host: "example.com"},
		Via: sip.Via{Transport: "TCP", Host: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Send(Addr{Proto: TCP, Addr: netip.MustParseAddrPort("127.0.0.1:5061")}, sips); !errors.Is(err, ErrSIPSOverTLS) {
		t.Errorf("sips over TCP: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Send(Addr{Proto: TCP, Addr: netip.MustParseAddrPort("127.0.0.1:5061")}, req); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestRateLimit floods a Layer from one UDP source: the burst reaches the
// handler, the rest is answered 503 with Retry-After, an ACK is dropped.
func TestRateLimit(t *testing.T) {
	l, h := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}, RateLimit: 0.001, RateBurst: 2})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dst := net.UDPAddrFromAddrPort(local(t, l, UDP).Addr)
	for i := range 4 {
		if _, err := pc.WriteTo(rawOptions(fmt.Sprint(i)), dst); err != nil {
			t.Fatal(err)
		}
	}
	ack := bytes.ReplaceAll(rawOptions("9"), []byte("OPTIONS"), []byte("ACK"))
	if _, err := pc.WriteTo(ack, dst); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		h.message(t)
	}
	buf := make([]byte, 4096)
	for range 2 {
		_ = pc.SetReadDeadline(time.Now().Add(waitFor))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := sip.Parse(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != 503 || resp.Get("Retry-After") != "5" {
			t.Fatalf("got\n%s", resp)
		}
		if v, _ := resp.Via(); v.Received() != "127.0.0.1" {
			t.Errorf("503 Via not stamped: %v", v)
		}
	}
	// The ACK was counted but not answered.
	deadline := time.Now().Add(waitFor)
	for l.Stats().RateLimited != 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := l.Stats().RateLimited; got != 3 {
		t.Fatalf("RateLimited = %d", got)
	}
	_ = pc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _, err := pc.ReadFrom(buf); err == nil {
		t.Fatalf("answer to the ACK:\n%s", buf[:n])
	}
	h.noMessage(t, 10*time.Millisecond)
}

func TestRateLimiterSweep(t *testing.T) {
	r := newRateLimiter(1, 1)
	now := time.Now()
	for i := range maxBuckets {
		r.allow(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), now)
	}
	// All are empty now; a second later they are full again and can go.
	if !r.allow(netip.MustParseAddr("192.0.2.1"), now.Add(2*time.Second)) {
		t.Fatal("new source refused")
	}
	if n := len(r.buckets); n != 1 {
		t.Fatalf("%d buckets after the sweep", n)
	}
	if r.allow(netip.MustParseAddr("192.0.2.1"), now.Add(2*time.Second)) {
		t.Fatal("empty bucket allowed a request")
	}
}

// TestCloseLeavesNoGoroutines runs every kind of socket and connection,
// one of them still in its TLS handshake, and checks that Close ends all
// the goroutines.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		cert, pool := testPKI(t, "sip:example.com")
		lpA, lpB := newLoop(), newLoop()
		defer lpA.close()
		defer lpB.close()
		hA := &fakeHandler{t: t, lp: lpA, msgs: make(chan received, 64), fails: make(chan flowFailure, 64)}
		hB := &fakeHandler{t: t, lp: lpB, msgs: make(chan received, 64), fails: make(chan flowFailure, 64)}
		all := []ListenSpec{{UDP, "127.0.0.1:0"}, {TCP, "127.0.0.1:0"}, {TLS, "127.0.0.1:0"}}
		a, err := NewLayer(Config{Handler: hA, Post: lpA.post, Listen: all[:1], TLS: clientTLS(pool), KeepAlive: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := NewLayer(Config{Handler: hB, Post: lpB.post, Listen: all, TLS: serverTLS(cert, nil)})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		for _, p := range []Proto{UDP, TCP, TLS} {
			dst := local(t, b, p)
			dst.Host = "example.com"
			if p != TLS {
				dst.Host = ""
			}
			if err := a.Send(dst, newRequest(t, "OPTIONS", p.String(), local(t, a, UDP).Addr, nil)); err != nil {
				t.Fatal(err)
			}
			hB.message(t)
		}
		// A TLS connection stuck in its handshake with a peer that never
		// answers.
		mute, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer mute.Close()
		if err := a.Send(Addr{Proto: TLS, Addr: addrPortOf(mute.Addr()), Host: "example.com"},
			newRequest(t, "OPTIONS", "TLS", local(t, a, UDP).Addr, nil)); err != nil {
			t.Fatal(err)
		}
		peer, err := mute.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer peer.Close()
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := a.Close(); err != nil { // twice is fine
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(waitFor)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		var sb strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, sb.String())
	}
}

// TestUnparsableRequestAnswered checks that a request the parser refuses
// gets the status it names (RFC 4475 §3.1.2.16: 505 for SIP/7.0, §3.1.2.3:
// 400 for a negative Content-Length) when it can be answered, and that a
// broken response is only dropped.
func TestUnparsableRequestAnswered(t *testing.T) {
	l, h := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dst := net.UDPAddrFromAddrPort(local(t, l, UDP).Addr)
	buf := make([]byte, 4096)
	for _, tc := range []struct {
		from, to string
		status   int
	}{
		{"OPTIONS sip:bob@example.com SIP/2.0", "OPTIONS sip:bob@example.com SIP/7.0", 505},
		{"Content-Length: 0", "Content-Length: -999", 400},
	} {
		bad := bytes.Replace(rawOptions("1"), []byte(tc.from), []byte(tc.to), 1)
		if _, err := pc.WriteTo(bad, dst); err != nil {
			t.Fatal(err)
		}
		_ = pc.SetReadDeadline(time.Now().Add(waitFor))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("%s: no answer: %v", tc.to, err)
		}
		resp, err := sip.Parse(buf[:n])
		if err != nil || resp.StatusCode() != tc.status {
			t.Fatalf("%s: got %v\n%s", tc.to, err, buf[:n])
		}
	}
	select {
	case m := <-h.msgs:
		t.Fatalf("an unparsable message reached the handler: %v", m.msg)
	default:
	}
}
