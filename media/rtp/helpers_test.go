package rtp

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/media"
)

// link is an in-memory UDP network on the virtual clock, with seeded loss,
// duplication, reordering and jitter per direction (from, to).
type link struct {
	clk   *testkit.Clock
	rng   *rand.Rand
	ends  map[netip.AddrPort]func(b []byte, from netip.AddrPort)
	imp   map[[2]netip.AddrPort]impairment
	stats map[[2]netip.AddrPort]*linkStats
}

type impairment struct {
	loss, dup, reorder float64
	delay, jitter      time.Duration // fixed delay, plus uniform [0, jitter]
}

type linkStats struct{ sent, dropped, duplicated, delivered int }

func newLink(clk *testkit.Clock, seed uint64) *link {
	return &link{
		clk:   clk,
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ends:  map[netip.AddrPort]func([]byte, netip.AddrPort){},
		imp:   map[[2]netip.AddrPort]impairment{},
		stats: map[[2]netip.AddrPort]*linkStats{},
	}
}

// conn returns the Conn of a host at addr whose datagrams go to recv.
func (l *link) conn(addr netip.AddrPort, recv func([]byte, netip.AddrPort)) Conn {
	if recv != nil {
		l.ends[addr] = recv
	}
	return linkConn{l, addr}
}

func (l *link) stat(from, to netip.AddrPort) *linkStats {
	k := [2]netip.AddrPort{from, to}
	if l.stats[k] == nil {
		l.stats[k] = &linkStats{}
	}
	return l.stats[k]
}

type linkConn struct {
	l    *link
	addr netip.AddrPort
}

func (c linkConn) WriteTo(b []byte, to netip.AddrPort) error {
	l := c.l
	imp := l.imp[[2]netip.AddrPort{c.addr, to}]
	st := l.stat(c.addr, to)
	st.sent++
	if l.rng.Float64() < imp.loss {
		st.dropped++
		return nil
	}
	copies := 1
	if l.rng.Float64() < imp.dup {
		copies++
		st.duplicated++
	}
	for range copies {
		d := imp.delay
		if imp.jitter > 0 {
			d += time.Duration(l.rng.Int64N(int64(imp.jitter) + 1))
		}
		if l.rng.Float64() < imp.reorder {
			d += time.Duration(1 + l.rng.Int64N(int64(4*imp.jitter+10*time.Millisecond)))
		}
		p := append([]byte(nil), b...)
		from := c.addr
		l.clk.AfterFunc(d, func() {
			if h := l.ends[to]; h != nil {
				st.delivered++
				h(p, from)
			}
		})
	}
	return nil
}

// tone is a Source of a sine wave that keeps what it gave.
type tone struct {
	freq, amp float64
	n         int
	sent      []int16
	silent    bool // return an error: no audio
}

func (t *tone) ReadFrame(pcm []int16) error {
	if t.silent {
		return errSilent
	}
	for i := range pcm {
		pcm[i] = int16(t.amp * math.Sin(2*math.Pi*t.freq*float64(t.n)/8000))
		t.n++
	}
	t.sent = append(t.sent, pcm...)
	return nil
}

type silentErr struct{}

func (silentErr) Error() string { return "silent" }

var errSilent error = silentErr{}

// recorder is a Sink that keeps every frame.
type recorder struct {
	frames int
	pcm    []int16
}

func (r *recorder) WriteFrame(pcm []int16) error {
	r.frames++
	r.pcm = append(r.pcm, pcm...)
	return nil
}

// party is one end of a call on the link.
type party struct {
	s    *Session
	src  *tone
	sink *recorder
	addr netip.AddrPort // RTP; RTCP is the next port
}

var (
	addrA = netip.MustParseAddrPort("192.0.2.1:4000")
	addrB = netip.MustParseAddrPort("198.51.100.2:5000")
)

func rtcpOf(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr(), a.Port()+1) }

var (
	pcmu = media.Codec{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	pcma = media.Codec{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
)

func newParty(t testing.TB, clk *testkit.Clock, l *link, addr netip.AddrPort, seed uint64, mod func(*Config)) *party {
	t.Helper()
	p := &party{src: &tone{freq: 440, amp: 8000}, sink: &recorder{}, addr: addr}
	recv := func(b []byte, from netip.AddrPort) { p.s.Receive(b, from) }
	cfg := Config{
		Clock:  clk,
		RTP:    l.conn(addr, recv),
		RTCP:   l.conn(rtcpOf(addr), recv),
		Source: p.src,
		Sink:   p.sink,
		Rand:   rand.New(rand.NewPCG(seed, 1)),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.s = s
	return p
}

func negTo(remote netip.AddrPort, c media.Codec) media.Negotiated {
	return media.Negotiated{
		Active:         true,
		RemoteRTP:      remote,
		RemoteRTCP:     rtcpOf(remote),
		Codec:          c,
		TelephoneEvent: 101,
		Ptime:          20,
		Local:          media.SendRecv,
		Remote:         media.SendRecv,
	}
}

// call sets up A and B on a new clock and link and starts both.
func call(t testing.TB, c media.Codec, seed uint64) (*testkit.Clock, *link, *party, *party) {
	t.Helper()
	clk := newClock()
	l := newLink(clk, seed)
	a := newParty(t, clk, l, addrA, seed+1, nil)
	b := newParty(t, clk, l, addrB, seed+2, nil)
	mustStart(t, a.s, negTo(addrB, c))
	mustStart(t, b.s, negTo(addrA, c))
	return clk, l, a, b
}

func mustStart(t testing.TB, s *Session, n media.Negotiated) {
	t.Helper()
	if err := s.Start(n); err != nil {
		t.Fatal(err)
	}
}

// correlate finds the lag of got behind want within maxLag samples that
// correlates best, over want[skip:], and returns it with the correlation.
func correlate(want, got []int16, skip, maxLag int) (int, float64) {
	bestLag, best := 0, -2.0
	for lag := 0; lag <= maxLag; lag++ {
		n := min(len(want), len(got)-lag) - skip
		if n <= 0 {
			break
		}
		var sxy, sxx, syy float64
		for i := skip; i < skip+n; i++ {
			x, y := float64(want[i]), float64(got[i+lag])
			sxy += x * y
			sxx += x * x
			syy += y * y
		}
		if sxx == 0 || syy == 0 {
			continue
		}
		if c := sxy / math.Sqrt(sxx*syy); c > best {
			best, bestLag = c, lag
		}
	}
	return bestLag, best
}

func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) }
