package dtmf

import (
	"math/rand/v2"
	"testing"
	"time"
)

// got is a reported digit.
type got struct {
	digit rune
	dur   time.Duration
}

// feed passes packets to r and collects what it reports.
func feed(r *Receiver, pkts []packet) []got {
	var out []got
	for _, p := range pkts {
		if d, dur, ok := r.Receive(p.payload, p.ts, p.marker); ok {
			out = append(out, got{d, dur})
		}
	}
	return out
}

func drain(r *Receiver, f func(*Receiver) (rune, time.Duration, bool)) []got {
	var out []got
	for {
		d, dur, ok := f(r)
		if !ok {
			return out
		}
		out = append(out, got{d, dur})
	}
}

func flush(r *Receiver) (rune, time.Duration, bool) { return r.Flush() }

func digitPackets(t *testing.T, digits string, dur time.Duration) []packet {
	t.Helper()
	var s Sender
	var all []packet
	ts := uint32(5000)
	for _, d := range digits {
		if err := s.Start(d, dur, 10); err != nil {
			t.Fatal(err)
		}
		var p []packet
		p, ts = sendAll(t, &s, ts, 160)
		all = append(all, p...)
	}
	return all
}

func TestReceiverDigit(t *testing.T) {
	pkts := digitPackets(t, "5", 0)
	var r Receiver
	for i, p := range pkts {
		d, dur, ok := r.Receive(p.payload, p.ts, p.marker)
		if ok != (i == 4) { // reported at the first end packet only
			t.Fatalf("packet %d: reported %v", i, ok)
		}
		if ok && (d != '5' || dur != 100*time.Millisecond) {
			t.Fatalf("got %q %v", d, dur)
		}
	}
	if out := drain(&r, flush); len(out) != 0 {
		t.Fatalf("Flush reported %v", out)
	}
}

func TestReceiverDuplicatesAndReordering(t *testing.T) {
	pkts := digitPackets(t, "123", 0)
	var mixed []packet
	for i := range pkts {
		mixed = append(mixed, pkts[i], pkts[i]) // every packet twice
	}
	// Swap neighbours: every second packet comes before its predecessor.
	for i := 1; i+1 < len(mixed); i += 3 {
		mixed[i], mixed[i+1] = mixed[i+1], mixed[i]
	}
	// Replay the whole first digit at the end, as a late duplicate burst.
	mixed = append(mixed, pkts[:7]...)
	var r Receiver
	out := append(feed(&r, mixed), drain(&r, flush)...)
	if len(out) != 3 || out[0].digit != '1' || out[1].digit != '2' || out[2].digit != '3' {
		t.Fatalf("got %v", out)
	}
	for _, g := range out {
		if g.dur != 100*time.Millisecond {
			t.Errorf("%q: %v", g.digit, g.dur)
		}
	}
}

func TestReceiverLostEnd(t *testing.T) {
	pkts := digitPackets(t, "12", 0)
	// Drop the three end packets of '1'.
	pkts = append(pkts[:4:4], pkts[7:]...)
	var r Receiver
	out := feed(&r, pkts[:5]) // '2' starts
	if len(out) != 1 || out[0] != (got{'1', 80 * time.Millisecond}) {
		t.Fatalf("got %v", out)
	}
	out = feed(&r, pkts[5:])
	if len(out) != 1 || out[0].digit != '2' {
		t.Fatalf("got %v", out)
	}
}

func TestReceiverTimeout(t *testing.T) {
	pkts := digitPackets(t, "#", 0)[:3] // durations up to 480, then silence
	var r Receiver
	feed(&r, pkts)
	start := pkts[0].ts
	if _, _, ok := r.Tick(start + 480 + 2000); ok { // exactly 250 ms after
		t.Fatal("reported before the timeout")
	}
	d, dur, ok := r.Tick(start + 480 + 2001)
	if !ok || d != '#' || dur != 60*time.Millisecond {
		t.Fatalf("Tick: %q %v %v", d, dur, ok)
	}
	// The lost end packets arriving late do not report it again.
	if out := feed(&r, digitPackets(t, "#", 0)); len(out) != 0 {
		t.Fatalf("late packets reported %v", out)
	}
}

// A packet can prove two digits: the unfinished one before it and its
// own, when it is the only surviving (end) packet of the next digit.
func TestReceiverTwoAtOnce(t *testing.T) {
	pkts := digitPackets(t, "47", 0)
	var r Receiver
	feed(&r, pkts[:2])
	d, _, ok := r.Receive(pkts[11].payload, pkts[11].ts, false) // an end packet of '7'
	if !ok || d != '4' {
		t.Fatalf("first: %q %v", d, ok)
	}
	d, dur, ok := r.Tick(pkts[11].ts)
	if !ok || d != '7' || dur != 100*time.Millisecond {
		t.Fatalf("second: %q %v %v", d, dur, ok)
	}
}

func TestReceiverInvalid(t *testing.T) {
	var r Receiver
	for _, p := range [][]byte{nil, {1, 0x80, 0}, {17, 0x80, 0, 160}, {255, 0x80, 0, 160}} {
		if _, _, ok := r.Receive(p, 100, true); ok {
			t.Fatalf("%x reported", p)
		}
	}
	if out := drain(&r, flush); len(out) != 0 {
		t.Fatalf("got %v", out)
	}
	// A different event with the current timestamp is ignored.
	r.Receive([]byte{1, 0, 0, 160}, 100, true)
	r.Receive([]byte{2, 0x80, 0, 160}, 100, false)
	if out := drain(&r, flush); len(out) != 1 || out[0].digit != '1' {
		t.Fatalf("got %v", out)
	}
}

func TestReceiverFlash(t *testing.T) {
	var r Receiver
	if d, dur, ok := r.Receive([]byte{16, 0x80, 0x03, 0x20}, 0, true); !ok || d != Flash || dur != 100*time.Millisecond {
		t.Fatalf("%q %v %v", d, dur, ok)
	}
}

func TestReceiverLongEvent(t *testing.T) {
	var s Sender
	s.Start('9', 10*time.Second, 10)
	pkts, _ := sendAll(t, &s, 0xFFFF0000, 160) // across the timestamp wrap
	// Lose the packet that closes segment 1 too.
	pkts = append(pkts[:409:409], pkts[410:]...)
	var r Receiver
	out := append(feed(&r, pkts), drain(&r, flush)...)
	if len(out) != 1 || out[0] != (got{'9', 10 * time.Second}) {
		t.Fatalf("got %v", out)
	}
}

// TestReceiverLoss sends all 16 DTMF digits and a flash, over and over,
// losing 10% of the packets (seeded) and duplicating and reordering some:
// every digit must come out exactly once, in order.
func TestReceiverLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(4733, 1))
	const rounds = 100
	var want []rune
	var s Sender
	var r Receiver
	var out []rune
	collect := func(d rune, _ time.Duration, ok bool) {
		if ok {
			out = append(out, d)
		}
	}
	var held *packet // a packet delayed by one tick
	ts := rng.Uint32()
	for round := range rounds {
		for _, d := range digits {
			want = append(want, d)
			dur := time.Duration(40+rng.IntN(200)) * time.Millisecond
			if round == 0 {
				dur = 0
			}
			if err := s.Start(d, dur, 10); err != nil {
				t.Fatal(err)
			}
		}
		for s.Pending() > 0 {
			p, m, ets, ok := s.Next(ts, 160)
			if ok {
				pk := packet{append([]byte(nil), p...), m, ets}
				switch x := rng.Float64(); {
				case x < 0.10: // lost
				case x < 0.15: // duplicated
					collect(r.Receive(pk.payload, pk.ts, pk.marker))
					collect(r.Receive(pk.payload, pk.ts, pk.marker))
				case x < 0.20 && held == nil: // sent after the next one
					held = &pk
				default:
					collect(r.Receive(pk.payload, pk.ts, pk.marker))
				}
				if held != nil && held != &pk && rng.IntN(2) == 0 {
					collect(r.Receive(held.payload, held.ts, held.marker))
					held = nil
				}
			}
			collect(r.Tick(ts))
			ts += 160
		}
	}
	for range 20 {
		collect(r.Tick(ts))
		ts += 160
	}
	if string(out) != string(want) {
		t.Fatalf("got  %q\nwant %q", string(out), string(want))
	}
}

func TestReceiverAllocs(t *testing.T) {
	pkts := digitPackets(t, "0123456789", 0)
	var r Receiver
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		p := pkts[i%len(pkts)]
		r.Receive(p.payload, p.ts+uint32(i/len(pkts))*100000, p.marker)
		r.Tick(p.ts)
		i++
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

// The only packet of a digit to arrive comes after the next digit has
// started: it is still reported, before that next digit.
func TestReceiverLateOnlyPacket(t *testing.T) {
	pkts := digitPackets(t, "123", 0) // 7 packets each
	var r Receiver
	var in []packet
	in = append(in, pkts[:7]...)    // '1'
	in = append(in, pkts[14:16]...) // '3' starts
	in = append(in, pkts[12])       // an end packet of '2', late
	in = append(in, pkts[12])       // and again
	in = append(in, pkts[16:]...)   // '3' ends
	in = append(in, pkts[13])       // the last end packet of '2', later still
	out := append(feed(&r, in), drain(&r, flush)...)
	if len(out) != 3 || out[0].digit != '1' || out[1] != (got{'2', 100 * time.Millisecond}) || out[2].digit != '3' {
		t.Fatalf("got %v", out)
	}
}
