package rtp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
)

// manualClock is a clock whose timers never fire by themselves: the
// benchmark runs the ticks by hand, so it measures the frame path and not
// the clock's timer (one allocation per packet time with the loop's).
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
