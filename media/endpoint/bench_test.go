package endpoint_test

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/media/audio"
	"github.com/sk400vop/sk400vop/media/endpoint"
)

// BenchmarkActiveCalls holds b.N calls' media running in both directions
// (SDP agreed, RTP flowing through the jitter buffers on the in-memory
// link) and reports the heap each call's two ends hold.
func BenchmarkActiveCalls(b *testing.B) {
	clk := testkit.NewClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	l := newLink(clk, 1)
	post := func(f func()) bool { clk.AfterFunc(0, f); return true }
	mk := func(ip string) *endpoint.Endpoint {
		ep, err := endpoint.New(endpoint.Config{Clock: clk, Post: post, Addr: netip.MustParseAddr(ip), Listen: l.listen})
		if err != nil {
			b.Fatal(err)
		}
		return ep
	}
	a, c := mk("10.0.0.1"), mk("10.0.0.2")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	calls := make([]*endpoint.Call, 0, 2*b.N)
	for range b.N {
		x, err := a.NewCall(endpoint.Options{Source: audio.Silence{}})
		if err != nil {
			b.Fatal(err)
		}
		y, err := c.NewCall(endpoint.Options{Source: audio.Silence{}})
		if err != nil {
			b.Fatal(err)
		}
		offer, _ := x.Offer(false)
		ans, err := y.Answer(offer, false)
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Accept(ans); err != nil {
			b.Fatal(err)
		}
		calls = append(calls, x, y)
	}
	clk.Advance(time.Second) // jitter buffers in their steady state
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(calls)), "B/call-end")
	for _, x := range calls {
		x.Close()
	}
}
