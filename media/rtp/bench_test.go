package rtp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
)

// manualClock is a clock whose timers never fire by themselves: the
// benchmark runs the ticks by hand, so it measures the frame path alone
// (TestPacketTimeAllocatesNothing covers the clock's part).
type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time                              { return c.now }
func (c *manualClock) AfterFunc(time.Duration, func()) clock.Timer { return stopped{} }

type stopped struct{}

func (stopped) Stop() bool { return false }

// direct delivers a datagram at once to a session.
type direct struct {
	to   **Session
	from netip.AddrPort
}

func (d direct) WriteTo(b []byte, _ netip.AddrPort) error {
	(*d.to).Receive(b, d.from)
	return nil
}

type discard struct{}

func (discard) WriteFrame([]int16) error { return nil }

// BenchmarkMediaFrame sends one 20 ms frame from A and receives it at B:
// G.711 encode, packetise, parse, jitter buffer, play out, decode.
func BenchmarkMediaFrame(b *testing.B) {
	for _, c := range []media.Codec{pcmu, pcma} {
		b.Run(c.Name, func(b *testing.B) {
			clk := &manualClock{now: time.Unix(1e9, 0)}
			var sa, sb *Session
			sa, _ = New(Config{Clock: clk, RTP: direct{&sb, addrA}, Source: audio.NewTone(440, 8000)})
			sb, _ = New(Config{Clock: clk, RTP: direct{&sa, addrB}, Sink: discard{}})
			na, nb := negTo(addrB, c), negTo(addrA, c)
			na.Local, nb.Local = media.SendOnly, media.RecvOnly
			mustStart(b, sa, na)
			mustStart(b, sb, nb)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				sa.tick()
				sb.tick()
				clk.now = clk.now.Add(20 * time.Millisecond)
			}
			b.StopTimer()
			if st := sb.Stats(); st.PacketsReceived != uint64(b.N) || st.Lost != 0 || st.Concealed != 0 {
				b.Fatalf("B: %+v", st)
			}
		})
	}
}

// The whole 20 ms path, clock included, allocates nothing: the packet-time
// timer is re-armed, not made anew (clock.Resetter), with the virtual clock
// as with the loop.
func TestPacketTimeAllocatesNothing(t *testing.T) {
	clk := testkit.NewClock(time.Unix(1e9, 0))
	var sa, sb *Session
	sa, _ = New(Config{Clock: clk, RTP: direct{&sb, addrA}, Source: audio.NewTone(440, 8000)})
	sb, _ = New(Config{Clock: clk, RTP: direct{&sa, addrB}, Sink: discard{}})
	na, nb := negTo(addrB, pcmu), negTo(addrA, pcmu)
	na.Local, nb.Local = media.SendOnly, media.RecvOnly
	mustStart(t, sa, na)
	mustStart(t, sb, nb)
	clk.Advance(time.Second) // jitter buffer in its steady state
	// 100 packet times: a few RTCP reports (every ~5 s) may fall in, each
	// allocating, far fewer than one per packet time.
	if n := testing.AllocsPerRun(100, func() { clk.Advance(20 * time.Millisecond) }); n != 0 {
		t.Errorf("%.2f allocations per packet time", n)
	}
	if st := sb.Stats(); st.PacketsReceived < 150 || st.Lost != 0 {
		t.Errorf("B: %+v", st)
	}
}
