package dtmf

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// packet is one telephone-event packet as the RTP session would send it.
type packet struct {
	payload []byte
	marker  bool
	ts      uint32
}

// sendAll ticks s from ts every spp units until it has nothing more to
// send, and returns the packets and the tick after the last.
func sendAll(t *testing.T, s *Sender, ts, spp uint32) ([]packet, uint32) {
	t.Helper()
	var out []packet
	for idle := 0; idle < 50; ts += spp {
		p, m, ets, ok := s.Next(ts, spp)
		if !ok {
			if s.Pending() == 0 {
				return out, ts
			}
			idle++
			continue
		}
		idle = 0
		out = append(out, packet{bytes.Clone(p), m, ets})
	}
	t.Fatal("sender stuck")
	return nil, 0
}

func TestSenderDigit(t *testing.T) {
	var s Sender
	if err := s.Start('5', 0, 10); err != nil {
		t.Fatal(err)
	}
	want := []packet{
		{[]byte{5, 0x0a, 0x00, 0xa0}, true, 1000}, // 160
		{[]byte{5, 0x0a, 0x01, 0x40}, false, 1000},
		{[]byte{5, 0x0a, 0x01, 0xe0}, false, 1000},
		{[]byte{5, 0x0a, 0x02, 0x80}, false, 1000},
		{[]byte{5, 0x8a, 0x03, 0x20}, false, 1000}, // 800 = 100 ms, E
		{[]byte{5, 0x8a, 0x03, 0x20}, false, 1000},
		{[]byte{5, 0x8a, 0x03, 0x20}, false, 1000},
	}
	got, _ := sendAll(t, &s, 1000, 160)
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.Equal(got[i].payload, want[i].payload) || got[i].marker != want[i].marker || got[i].ts != want[i].ts {
			t.Errorf("packet %d: %x %v %d, want %x %v %d", i,
				got[i].payload, got[i].marker, got[i].ts, want[i].payload, want[i].marker, want[i].ts)
		}
	}
}

func TestSenderSequenceAndGap(t *testing.T) {
	s := Sender{Rate: 8000}
	for _, d := range "1#" {
		if err := s.Start(d, 60*time.Millisecond, 0); err != nil {
			t.Fatal(err)
		}
	}
	if s.Pending() != 2 {
		t.Fatal(s.Pending())
	}
	// 60 ms at 20 ms ticks: 160, 320, 480E x3 from ts 0; the digit ends
	// at 480; 50 ms (400) later is 880, so '#' starts at tick 960.
	type tick struct {
		ts  uint32
		ok  bool
		hex string
	}
	want := []tick{
		{0, true, "010000a0"}, {160, true, "01000140"}, {320, true, "018001e0"},
		{480, true, "018001e0"}, {640, true, "018001e0"}, {800, false, ""},
		{960, true, "0b0000a0"}, {1120, true, "0b000140"}, {1280, true, "0b8001e0"},
		{1440, true, "0b8001e0"}, {1600, true, "0b8001e0"}, {1760, false, ""},
	}
	for _, w := range want {
		p, m, ets, ok := s.Next(w.ts, 160)
		got := ""
		if ok {
			got = hexs(p)
		}
		if ok != w.ok || got != w.hex {
			t.Fatalf("tick %d: %v %s, want %v %s", w.ts, ok, got, w.ok, w.hex)
		}
		if ok && m != (w.ts == 0 || w.ts == 960) {
			t.Errorf("tick %d: marker %v", w.ts, m)
		}
		if ok && ets != w.ts/960*960 {
			t.Errorf("tick %d: event timestamp %d", w.ts, ets)
		}
	}
}

func hexs(b []byte) string {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, h[c>>4], h[c&15])
	}
	return string(out)
}

// TestSenderWraps runs a digit across the 32-bit timestamp wrap.
func TestSenderWraps(t *testing.T) {
	var s Sender
	s.Start('9', 0, 10)
	got, _ := sendAll(t, &s, 0xFFFFFF00, 160)
	if len(got) != 7 || hexs(got[4].payload) != "098a0320" || got[6].ts != 0xFFFFFF00 {
		t.Fatalf("%v", got)
	}
}

// TestSenderLongEvent checks the segments of RFC 4733 §2.5.1.3.
func TestSenderLongEvent(t *testing.T) {
	var s Sender
	s.Start('0', 10*time.Second, 5) // 80000 units
	got, _ := sendAll(t, &s, 100, 160)
	// Segment 1: ticks k = 0..409, durations 160(k+1), the last capped
	// at 0xFFFF without E. Segment 2 starts at 100+0xFFFF.
	if len(got) != 410+90+2 {
		t.Fatalf("%d packets", len(got))
	}
	last1, first2, end := got[409], got[410], got[len(got)-1]
	if hexs(last1.payload) != "0005ffff" || last1.ts != 100 {
		t.Errorf("end of segment 1: %x ts %d", last1.payload, last1.ts)
	}
	if first2.marker || first2.ts != 100+0xFFFF || hexs(first2.payload) != "000500e1" { // 65600-65535+160
		t.Errorf("start of segment 2: %x ts %d marker %v", first2.payload, first2.ts, first2.marker)
	}
	if hexs(end.payload) != "00853881" || end.ts != 100+0xFFFF { // 80000-65535 = 14465, E
		t.Errorf("end: %x ts %d", end.payload, end.ts)
	}
	for i, p := range got {
		if p.marker != (i == 0) {
			t.Errorf("packet %d: marker %v", i, p.marker)
		}
	}
}

func TestSenderShortDigit(t *testing.T) {
	// Shorter than a packet: the first packet is already the end.
	var s Sender
	s.Start('A', 10*time.Millisecond, 63)
	got, _ := sendAll(t, &s, 0, 160)
	if len(got) != 3 || !got[0].marker || hexs(got[0].payload) != "0cbf0050" {
		t.Fatalf("%v", got)
	}
}

func TestSenderErrors(t *testing.T) {
	var s Sender
	for _, c := range []struct {
		d   rune
		dur time.Duration
		vol int
		err error
	}{
		{'E', 0, 10, ErrInvalidDigit},
		{'5', -time.Millisecond, 10, ErrInvalidDuration},
		{'5', time.Hour, 10, ErrInvalidDuration},
		{'5', 0, 64, ErrInvalidVolume},
		{'5', 0, -1, ErrInvalidVolume},
	} {
		if err := s.Start(c.d, c.dur, c.vol); !errors.Is(err, c.err) {
			t.Errorf("Start(%q, %v, %d): %v", c.d, c.dur, c.vol, err)
		}
	}
	for range MaxQueue {
		if err := s.Start('1', 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start('1', 0, 10); !errors.Is(err, ErrQueueFull) {
		t.Fatal(err)
	}
	s.Next(0, 160)
	s.Clear()
	if s.Pending() != 1 {
		t.Fatalf("after Clear: %d pending", s.Pending())
	}
	if got, _ := sendAll(t, &s, 160, 160); len(got) != 6 {
		t.Fatalf("the started digit did not finish: %d packets", len(got))
	}
}

func TestSenderAllocs(t *testing.T) {
	var s Sender
	ts := uint32(0)
	if n := testing.AllocsPerRun(1000, func() {
		if s.Pending() == 0 {
			s.Start('7', 0, 10)
		}
		s.Next(ts, 160)
		ts += 160
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
