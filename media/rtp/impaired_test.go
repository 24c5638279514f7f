package rtp

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/media"
)

// With 5% loss and ±30 ms of jitter the sink still gets exactly one frame
// per packet time, and the loss the receiver reports in its RRs is the
// loss the link caused.
func TestLossAndJitter(t *testing.T) {
	clk, l, a, b := call(t, pcmu, 7)
	imp := impairment{loss: 0.05, delay: 30 * time.Millisecond, jitter: 60 * time.Millisecond}
	l.imp[[2]netip.AddrPort{addrA, addrB}] = imp
	l.imp[[2]netip.AddrPort{rtcpOf(addrA), rtcpOf(addrB)}] = imp
	const d = 60 * time.Second
	clk.Advance(d)

	if want := int(d/(20*time.Millisecond)) + 1; b.sink.frames != want {
		t.Errorf("sink got %d frames, want one per 20 ms: %d", b.sink.frames, want)
	}
	if len(b.sink.pcm) != b.sink.frames*160 {
		t.Errorf("sink got %d samples in %d frames", len(b.sink.pcm), b.sink.frames)
	}
	ls := l.stat(addrA, addrB)
	injected := float64(ls.dropped) / float64(ls.sent)
	sa, sb := a.s.Stats(), b.s.Stats()
	t.Logf("link: sent %d dropped %d (%.2f%%)", ls.sent, ls.dropped, 100*injected)
	t.Logf("A sees in B's RR: loss %.2f%% (cumulative %d), fraction %.2f%%, jitter %v, RTT %v",
		100*sa.RemoteLossRate, sa.RemoteLost, 100*sa.RemoteFractionLost, sa.RemoteJitter, sa.RTT)
	t.Logf("B: received %d lost %d jitter %v late %d concealed %d dropped %d inserted %d resyncs %d delay %v",
		sb.PacketsReceived, sb.Lost, sb.Jitter, sb.Late, sb.Concealed, sb.Dropped, sb.Inserted, sb.Resyncs, sb.Delay)
	if math.Abs(sa.RemoteLossRate-injected) > 0.01 || math.Abs(sa.RemoteLossRate-0.05) > 0.01 {
		t.Errorf("reported loss %.2f%%, injected %.2f%%", 100*sa.RemoteLossRate, 100*injected)
	}
	if sa.LastRRReceived.IsZero() && sa.LastSRReceived.IsZero() {
		t.Error("A got no report from B")
	}
	// Concealment covers the lost packets and few late ones: the target
	// delay grew to cover the jitter.
	if lateRate := float64(sb.Late) / float64(sb.PacketsReceived); lateRate > 0.01 {
		t.Errorf("%.2f%% of packets came too late for playout", 100*lateRate)
	}
	if sb.Delay < 40*time.Millisecond || sb.Delay > 200*time.Millisecond {
		t.Errorf("target delay %v does not follow a jitter of %v", sb.Delay, sb.Jitter)
	}
	if sa.RTT < 30*time.Millisecond || sa.RTT > 90*time.Millisecond {
		t.Errorf("RTT %v, want the one-way delay of 30-90 ms (the way back is clean)", sa.RTT)
	}
}

// Duplicated and reordered packets are put back in order and played once.
func TestReorderAndDuplicates(t *testing.T) {
	clk, l, a, b := call(t, pcma, 3)
	l.imp[[2]netip.AddrPort{addrA, addrB}] = impairment{dup: 0.1, reorder: 0.1, jitter: 5 * time.Millisecond}
	clk.Advance(20 * time.Second)
	hold(t, a.s, addrB) // let what is in flight land
	clk.Advance(time.Second)
	ls := l.stat(addrA, addrB)
	sb := b.s.Stats()
	t.Logf("link: sent %d duplicated %d; B: received %d discarded %d lost %d late %d concealed %d",
		ls.sent, ls.duplicated, sb.PacketsReceived, sb.Discarded, sb.Lost, sb.Late, sb.Concealed)
	if ls.duplicated == 0 || sb.Discarded != uint64(ls.duplicated) || ls.delivered != ls.sent+ls.duplicated {
		t.Errorf("discarded %d, duplicated %d", sb.Discarded, ls.duplicated)
	}
	if sb.PacketsReceived != a.s.Stats().PacketsSent || sb.Lost != 0 {
		t.Errorf("received %d of %d, lost %d", sb.PacketsReceived, a.s.Stats().PacketsSent, sb.Lost)
	}
	if sb.Late > 2 {
		t.Errorf("%d late packets", sb.Late)
	}
	if _, c := correlate(a.src.sent[8000:], b.sink.pcm[8000:], 0, 400); c < 0.99 {
		t.Errorf("correlation %.3f", c)
	}
}

// hold makes s stop sending: our SDP said recvonly.
func hold(t *testing.T, s *Session, remote netip.AddrPort) {
	t.Helper()
	n := negTo(remote, s.neg.Codec)
	n.Local = media.RecvOnly
	if err := s.Update(n); err != nil {
		t.Fatal(err)
	}
}
