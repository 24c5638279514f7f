package testkit

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// since formats the virtual time elapsed since t0.
func since(c *Clock) string { return c.Now().Sub(t0).String() }

func TestClockOrder(t *testing.T) {
	c := NewClock(t0)
	var got []string
	arm := func(name string, d time.Duration) {
		c.AfterFunc(d, func() { got = append(got, name+"@"+since(c)) })
	}
	arm("c", 30*time.Millisecond)
	arm("a1", 10*time.Millisecond)
	arm("b", 20*time.Millisecond)
	arm("a2", 10*time.Millisecond)
	if n := c.Pending(); n != 4 {
		t.Fatalf("Pending = %d, want 4", n)
	}
	c.Advance(25 * time.Millisecond)
	want := []string{"a1@10ms", "a2@10ms", "b@20ms"}
	if !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	if now := since(c); now != "25ms" {
		t.Fatalf("Now = %s after Advance, want 25ms", now)
	}
	if next, ok := c.NextDeadline(); !ok || !next.Equal(t0.Add(30*time.Millisecond)) || c.Pending() != 1 {
		t.Fatalf("NextDeadline = %v, %v; Pending = %d", next, ok, c.Pending())
	}
	c.Advance(time.Hour)
	if len(got) != 4 || got[3] != "c@30ms" || c.Pending() != 0 {
		t.Fatalf("ran %v, Pending %d", got, c.Pending())
	}
	if _, ok := c.NextDeadline(); ok {
		t.Fatal("NextDeadline reports a timer with none armed")
	}
}

func TestClockArmInCallback(t *testing.T) {
	c := NewClock(t0)
	var got []string
	note := func(name string) func() { return func() { got = append(got, name+"@"+since(c)) } }
	c.AfterFunc(10*time.Millisecond, func() {
		note("outer")()
		c.AfterFunc(5*time.Millisecond, note("inner+5"))
		c.AfterFunc(0, note("inner+0"))
		c.AfterFunc(time.Second, note("inner+1s"))
	})
	c.AfterFunc(12*time.Millisecond, note("other"))
	c.Advance(20 * time.Millisecond)
	want := []string{"outer@10ms", "inner+0@10ms", "other@12ms", "inner+5@15ms"}
	if !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	if c.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1 (the 1s timer)", c.Pending())
	}
}

func TestClockStop(t *testing.T) {
	c := NewClock(t0)
	ran := 0
	a := c.AfterFunc(time.Second, func() { ran++ })
	if !a.Stop() {
		t.Fatal("Stop of an armed timer reported false")
	}
	if a.Stop() {
		t.Fatal("second Stop reported true")
	}
	b := c.AfterFunc(time.Second, func() { ran++ })
	var late bool
	c.AfterFunc(time.Second, func() { late = b.Stop() }) // b already ran: same deadline, armed first
	victim := c.AfterFunc(2*time.Second, func() { ran += 100 })
	c.AfterFunc(2*time.Second-1, func() {
		if !victim.Stop() {
			t.Error("Stop from a callback of a pending timer reported false")
		}
	})
	c.Advance(3 * time.Second)
	if ran != 1 || late || b.Stop() {
		t.Fatalf("ran = %d, Stop after run = %v", ran, late)
	}
	if c.Pending() != 0 {
		t.Fatalf("Pending = %d", c.Pending())
	}
}

func TestClockZeroDelay(t *testing.T) {
	c := NewClock(t0)
	var got []string
	c.AfterFunc(0, func() { got = append(got, "zero") })
	c.AfterFunc(-time.Second, func() { got = append(got, "negative") })
	if len(got) != 0 {
		t.Fatal("a d <= 0 callback ran inside AfterFunc")
	}
	if next, ok := c.NextDeadline(); !ok || !next.Equal(t0) || c.Pending() != 2 {
		t.Fatalf("NextDeadline = %v, %v; Pending = %d", next, ok, c.Pending())
	}
	c.Advance(0)
	if !slices.Equal(got, []string{"zero", "negative"}) || !c.Now().Equal(t0) {
		t.Fatalf("ran %v at %v", got, c.Now())
	}
}

func TestClockStep(t *testing.T) {
	c := NewClock(t0)
	if c.Step() {
		t.Fatal("Step with nothing armed reported true")
	}
	var got []string
	note := func(name string) func() { return func() { got = append(got, name+"@"+since(c)) } }
	c.AfterFunc(9*time.Second, note("c"))
	c.AfterFunc(5*time.Second, func() { note("a")(); c.AfterFunc(0, note("a0")) })
	c.AfterFunc(5*time.Second, note("b"))
	if !c.Step() || !slices.Equal(got, []string{"a@5s", "b@5s", "a0@5s"}) || since(c) != "5s" {
		t.Fatalf("first Step ran %v, now %s", got, since(c))
	}
	if !c.Step() || len(got) != 4 || since(c) != "9s" {
		t.Fatalf("second Step ran %v, now %s", got, since(c))
	}
	if c.Step() || since(c) != "9s" {
		t.Fatal("Step with nothing armed moved or reported true")
	}
}

func TestClockConcurrent(t *testing.T) {
	c := NewClock(t0)
	var mu sync.Mutex
	ran := 0
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				tm := c.AfterFunc(time.Duration(g*100+i)*time.Millisecond, func() { mu.Lock(); ran++; mu.Unlock() })
				if i%2 == 0 {
					tm.Stop()
				}
			}
		})
	}
	wg.Wait()
	if c.Pending() != 400 {
		t.Fatalf("Pending = %d, want 400", c.Pending())
	}
	c.Advance(time.Minute)
	if ran != 400 {
		t.Fatalf("ran %d callbacks, want 400", ran)
	}
}

// recorder is a transport.Handler that logs what reaches it.
type recorder struct {
	c       *Clock
	msgs    []*sip.Message
	srcs    []transport.Addr
	flowErr []transport.Addr
	onMsg   func(*sip.Message, transport.Addr)
}

func (r *recorder) HandleMessage(m *sip.Message, src transport.Addr) {
	r.msgs = append(r.msgs, m)
	r.srcs = append(r.srcs, src)
	if r.onMsg != nil {
		r.onMsg(m, src)
	}
}

func (r *recorder) HandleFlowError(flow transport.Addr, err error) {
	if !errors.Is(err, ErrFlowClosed) {
		panic(fmt.Sprintf("flow error %v", err))
	}
	r.flowErr = append(r.flowErr, flow)
}

// seqs returns the CSeq numbers received, in arrival order.
func (r *recorder) seqs(t *testing.T) []int {
	t.Helper()
	var out []int
	for _, m := range r.msgs {
		cs, err := m.CSeq()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, int(cs.Seq))
	}
	return out
}

var (
	aliceAP = netip.MustParseAddrPort("192.0.2.1:5060")
	bobAP   = netip.MustParseAddrPort("192.0.2.2:5060")
)

func request(t testing.TB, seq uint32) *sip.Message {
	t.Helper()
	ruri, err := sip.ParseURI("sip:bob@192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	from, _ := sip.ParseNameAddr("<sip:alice@192.0.2.1>;tag=a1")
	to, _ := sip.ParseNameAddr("<sip:bob@192.0.2.2>")
	m, err := sip.NewRequest(sip.RequestSpec{
		Method: "OPTIONS", RequestURI: ruri, From: from, To: to, CallID: "call-1", CSeq: seq,
		Via: sip.Via{Transport: "UDP", Host: "192.0.2.1", Port: 5060, Params: sip.Params(";branch=z9hG4bK" + strconv.Itoa(int(seq)))},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pairOf returns a network with alice and bob both speaking proto.
func pairOf(seed int64, proto transport.Proto) (c *Clock, n *Network, alice, bob *Endpoint, ra, rb *recorder) {
	c = NewClock(t0)
	n = NewNetwork(c, seed)
	ra, rb = &recorder{c: c}, &recorder{c: c}
	return c, n, n.Endpoint(proto, aliceAP, ra), n.Endpoint(proto, bobAP, rb), ra, rb
}

// sendSpaced sends count requests from alice to bob, one every gap.
func sendSpaced(t *testing.T, c *Clock, alice, bob *Endpoint, count int, gap time.Duration) {
	t.Helper()
	for i := 1; i <= count; i++ {
		if err := alice.Send(bob.Addr(), request(t, uint32(i))); err != nil {
			t.Fatal(err)
		}
		c.Advance(gap)
	}
	c.Advance(time.Minute)
}

func TestNetworkDeterministic(t *testing.T) {
	run := func(seed int64) []string {
		c, n, alice, bob, _, rb := pairOf(seed, transport.UDP)
		n.Impair(aliceAP, bobAP, Impairment{Loss: 0.2, Duplicate: 0.2, Reorder: 0.2, Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond})
		var log []string
		rb.onMsg = func(m *sip.Message, _ transport.Addr) {
			cs, _ := m.CSeq()
			log = append(log, fmt.Sprint(since(c), " ", cs.Seq))
		}
		sendSpaced(t, c, alice, bob, 200, time.Millisecond)
		return log
	}
	a, b, other := run(7), run(7), run(8)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different runs")
	}
	if slices.Equal(a, other) {
		t.Fatal("different seeds gave the same run")
	}
}

func TestNetworkLoss(t *testing.T) {
	c, n, alice, bob, _, rb := pairOf(1, transport.UDP)
	n.Impair(aliceAP, bobAP, Impairment{Loss: 0.3})
	m := request(t, 1)
	const total = 10000
	for range total {
		if err := alice.Send(bob.Addr(), m); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(0)
	s := n.Stats(aliceAP, bobAP)
	if s.Sent != total || s.Delivered+s.Dropped != total || s.Delivered != len(rb.msgs) {
		t.Fatalf("stats %+v, %d received", s, len(rb.msgs))
	}
	if s.Dropped < 2800 || s.Dropped > 3200 { // ±4.4 standard deviations
		t.Fatalf("dropped %d of %d at 30%% loss", s.Dropped, total)
	}
	if r := n.Stats(bobAP, aliceAP); r != (Stats{}) {
		t.Fatalf("reverse direction stats %+v", r)
	}
}

func TestNetworkDuplicate(t *testing.T) {
	c, n, alice, bob, _, rb := pairOf(1, transport.UDP)
	n.Impair(aliceAP, bobAP, Impairment{Duplicate: 0.5, Jitter: time.Millisecond})
	sendSpaced(t, c, alice, bob, 400, 0)
	s := n.Stats(aliceAP, bobAP)
	if s.Duplicated < 150 || s.Duplicated > 250 || s.Delivered != s.Sent+s.Duplicated || s.Dropped != 0 {
		t.Fatalf("stats %+v", s)
	}
	seen := map[*sip.Message]bool{}
	for _, m := range rb.msgs {
		if seen[m] {
			t.Fatal("a duplicate is the same *Message")
		}
		seen[m] = true
	}
}

func inOrder(s []int) bool { return slices.IsSorted(s) }

func TestNetworkReorder(t *testing.T) {
	c, n, alice, bob, _, rb := pairOf(3, transport.UDP)
	sendSpaced(t, c, alice, bob, 100, time.Millisecond)
	if s := rb.seqs(t); len(s) != 100 || !inOrder(s) {
		t.Fatalf("unimpaired UDP reordered or lost: %v", s)
	}

	c, n, alice, bob, _, rb = pairOf(3, transport.UDP)
	n.Impair(aliceAP, bobAP, Impairment{Reorder: 0.3})
	sendSpaced(t, c, alice, bob, 100, time.Millisecond)
	if s := rb.seqs(t); len(s) != 100 || inOrder(s) {
		t.Fatalf("Reorder 0.3 left 100 datagrams in order or lost some: %v", s)
	}

	for _, proto := range []transport.Proto{transport.TCP, transport.TLS} {
		c, n, alice, bob, _, rb = pairOf(3, proto)
		n.Impair(aliceAP, bobAP, Impairment{Loss: 1, Duplicate: 1, Reorder: 1, Delay: 5 * time.Millisecond, Jitter: 50 * time.Millisecond})
		sendSpaced(t, c, alice, bob, 100, time.Millisecond)
		s := rb.seqs(t)
		if len(s) != 100 || !inOrder(s) {
			t.Fatalf("%v reordered, lost or duplicated: %v", proto, s)
		}
		if st := n.Stats(aliceAP, bobAP); st != (Stats{Sent: 100, Delivered: 100}) {
			t.Fatalf("%v stats %+v", proto, st)
		}
		if since(c) == "0s" || rb.srcs[0].Flow == 0 || rb.srcs[99].Flow != rb.srcs[0].Flow {
			t.Fatalf("%v: flows %v .. %v", proto, rb.srcs[0], rb.srcs[99])
		}
	}
}

func TestNetworkCutRestore(t *testing.T) {
	c, n, alice, bob, ra, rb := pairOf(1, transport.TCP)
	rb.onMsg = func(m *sip.Message, src transport.Addr) { // re-entrant: answers from the handler
		if m.IsRequest() {
			if err := bob.Send(src, sip.NewResponse(m, 200, "")); err != nil {
				t.Errorf("reply: %v", err)
			}
		}
	}
	if err := alice.Send(bob.Addr(), request(t, 1)); err != nil {
		t.Fatal(err)
	}
	c.Advance(0)
	if len(rb.msgs) != 1 || len(ra.msgs) != 1 || ra.msgs[0].StatusCode() != 200 {
		t.Fatalf("exchange: bob got %d, alice got %d", len(rb.msgs), len(ra.msgs))
	}
	flow := rb.srcs[0].Flow
	if flow == 0 || ra.srcs[0].Flow != flow || rb.srcs[0].Proto != transport.TCP || rb.srcs[0].Addr != aliceAP {
		t.Fatalf("sources: bob saw %v, alice saw %v", rb.srcs[0], ra.srcs[0])
	}

	n.Impair(aliceAP, bobAP, Impairment{Delay: 10 * time.Millisecond})
	if err := alice.Send(transport.Addr{Proto: transport.TCP, Addr: bobAP, Flow: flow}, request(t, 2)); err != nil {
		t.Fatal(err)
	}
	c.Advance(5 * time.Millisecond)
	n.Cut(aliceAP, bobAP)
	if len(ra.flowErr) != 0 {
		t.Fatal("HandleFlowError ran inside Cut, not on the clock")
	}
	if p, s := c.Pending(), n.Stats(aliceAP, bobAP); p != 2 || s.Dropped != 1 {
		t.Fatalf("after Cut: %d timers pending (want the 2 flow errors), stats %+v", p, s)
	}
	c.Advance(time.Second)
	wantA := transport.Addr{Proto: transport.TCP, Addr: bobAP, Flow: flow}
	wantB := transport.Addr{Proto: transport.TCP, Addr: aliceAP, Flow: flow}
	if len(rb.msgs) != 1 || !slices.Equal(ra.flowErr, []transport.Addr{wantA}) || !slices.Equal(rb.flowErr, []transport.Addr{wantB}) {
		t.Fatalf("after Cut: bob got %d messages; flow errors alice %v, bob %v", len(rb.msgs), ra.flowErr, rb.flowErr)
	}
	if s := n.Stats(aliceAP, bobAP); s != (Stats{Sent: 2, Delivered: 1, Dropped: 1}) {
		t.Fatalf("stats %+v", s)
	}

	if err := alice.Send(bob.Addr(), request(t, 3)); !errors.Is(err, ErrFlowClosed) {
		t.Fatalf("Send across a cut = %v", err)
	}
	c.Advance(0)
	if len(ra.flowErr) != 2 || len(rb.flowErr) != 2 {
		t.Fatalf("Send across a cut: flow errors alice %v, bob %v", ra.flowErr, rb.flowErr)
	}

	n.Restore(aliceAP, bobAP)
	if err := alice.Send(wantA, request(t, 4)); !errors.Is(err, ErrFlowClosed) {
		t.Fatalf("Send on the broken flow after Restore = %v", err)
	}
	if err := alice.Send(bob.Addr(), request(t, 5)); err != nil {
		t.Fatalf("Send after Restore: %v", err)
	}
	c.Advance(time.Second)
	if len(rb.msgs) != 2 || len(ra.msgs) != 2 {
		t.Fatalf("after Restore: bob got %d, alice %d", len(rb.msgs), len(ra.msgs))
	}
	if f := rb.srcs[1].Flow; f == 0 || f == flow || ra.srcs[1].Flow != f {
		t.Fatalf("new flow %d (old %d), alice saw %d", f, flow, ra.srcs[1].Flow)
	}
}

func TestNetworkCutUDP(t *testing.T) {
	c, n, alice, bob, ra, rb := pairOf(1, transport.UDP)
	n.Impair(aliceAP, bobAP, Impairment{Delay: time.Second})
	if err := alice.Send(bob.Addr(), request(t, 1)); err != nil { // in flight during the Cut
		t.Fatal(err)
	}
	n.Cut(aliceAP, bobAP)
	if err := alice.Send(bob.Addr(), request(t, 2)); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if len(rb.msgs) != 0 || len(ra.flowErr)+len(rb.flowErr) != 0 {
		t.Fatalf("across a UDP cut: %d delivered, flow errors %v %v", len(rb.msgs), ra.flowErr, rb.flowErr)
	}
	if s := n.Stats(aliceAP, bobAP); s != (Stats{Sent: 2, Dropped: 2}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestNetworkNobodyThere(t *testing.T) {
	c := NewClock(t0)
	n := NewNetwork(c, 1)
	nobody := netip.MustParseAddrPort("192.0.2.99:5060")
	udp := n.Endpoint(transport.UDP, aliceAP, &recorder{})
	tcp := n.Endpoint(transport.TCP, aliceAP, &recorder{})
	if err := udp.Send(transport.Addr{Proto: transport.UDP, Addr: nobody}, request(t, 1)); err != nil {
		t.Fatalf("UDP to nobody: %v", err)
	}
	if err := tcp.Send(transport.Addr{Proto: transport.TCP, Addr: nobody}, request(t, 1)); !errors.Is(err, ErrConnRefused) {
		t.Fatalf("TCP to nobody: %v", err)
	}
	if err := tcp.Send(transport.Addr{Proto: transport.UDP, Addr: nobody}, request(t, 1)); err == nil {
		t.Fatal("a TCP endpoint sent UDP")
	}
	c.Advance(time.Second)
	if s := n.Stats(aliceAP, nobody); s != (Stats{Sent: 1, Dropped: 1}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestNetworkRoundTrip(t *testing.T) {
	c, n, alice, bob, _, rb := pairOf(1, transport.UDP)
	m := request(t, 1)
	m.Add("X-Custom", "  spaced value ")
	m.SetBody("application/sdp", []byte("v=0\r\n"))
	want := m.String()
	if err := alice.Send(bob.Addr(), m); err != nil {
		t.Fatal(err)
	}
	m.Set("Call-ID", "changed-after-send") // Send serialised already
	c.Advance(0)
	if len(rb.msgs) != 1 {
		t.Fatalf("got %d messages", len(rb.msgs))
	}
	got := rb.msgs[0]
	if got.String() != want || got.Raw() == nil || string(got.Body()) != "v=0\r\n" || got.Get("X-Custom") != "spaced value" {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, want)
	}

	bad := new(sip.Message)
	bad.SetStatus(200, "")
	bad.Add("Bad Name", "x") // serialises, but no parser accepts it
	if err := alice.Send(bob.Addr(), bad); err != nil {
		t.Fatal(err)
	}
	c.Advance(0)
	if s := n.Stats(aliceAP, bobAP); s != (Stats{Sent: 2, Delivered: 1, Dropped: 1, ParseErrors: 1}) || len(rb.msgs) != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// Reset moves an armed timer's deadline (it runs once, at the new one),
// re-arms one from its own callback, and revives a stopped one.
func TestClockReset(t *testing.T) {
	c := NewClock(t0)
	var at []time.Duration
	note := func() { at = append(at, c.Now().Sub(t0)) }
	a := c.AfterFunc(time.Second, note)
	a.(clock.Resetter).Reset(3*time.Second, note)
	c.Advance(5 * time.Second)
	if len(at) != 1 || at[0] != 3*time.Second || c.Pending() != 0 {
		t.Fatalf("moved timer ran at %v, %d pending", at, c.Pending())
	}

	at = nil
	var tick func()
	tick = func() {
		note()
		if len(at) < 3 {
			a.(clock.Resetter).Reset(20*time.Millisecond, tick)
		}
	}
	a.(clock.Resetter).Reset(20*time.Millisecond, tick) // after it ran
	c.Advance(time.Second)
	if want := []time.Duration{5020 * time.Millisecond, 5040 * time.Millisecond, 5060 * time.Millisecond}; !slices.Equal(at, want) {
		t.Fatalf("ticks at %v, want %v", at, want)
	}

	at = nil
	a.(clock.Resetter).Reset(time.Second, note)
	a.Stop()
	a.(clock.Resetter).Reset(time.Second, note) // after Stop
	c.Advance(2 * time.Second)
	if len(at) != 1 || c.Pending() != 0 {
		t.Fatalf("revived timer ran %d times, %d pending", len(at), c.Pending())
	}
}
