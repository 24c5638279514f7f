package rtp

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/media"
)

func TestToneEndToEnd(t *testing.T) {
	for _, c := range []media.Codec{pcmu, pcma} {
		t.Run(c.Name, func(t *testing.T) {
			clk, _, a, b := call(t, c, 1)
			clk.Advance(10 * time.Second)
			lag, corr := correlate(a.src.sent, b.sink.pcm, 800, 400)
			st := b.s.Stats()
			t.Logf("lag %d samples, correlation %.5f, stats %+v", lag, corr, st)
			if corr < 0.99 {
				t.Errorf("correlation %.4f < 0.99", corr)
			}
			if st.Lost != 0 || st.Concealed != 0 || st.Late != 0 || st.Dropped != 0 || st.Inserted != 0 {
				t.Errorf("clean link lost or concealed frames: %+v", st)
			}
			if got, want := st.PacketsReceived, a.s.Stats().PacketsSent; got != want || want != 501 {
				t.Errorf("received %d of %d packets, want 501", got, want)
			}
		})
	}
}
