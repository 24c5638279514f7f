package media

import (
	"net/netip"
	"testing"
)

// BenchmarkOfferAnswer is one full exchange: an offer, its answer by the
// peer, and the answer taken (issue 5: SDP offer/answer ns and allocations).
func BenchmarkOfferAnswer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		a, _ := NewSession(Config{Addr: netip.MustParseAddr("192.0.2.1"), Port: 4000})
		c, _ := NewSession(Config{Addr: netip.MustParseAddr("192.0.2.2"), Port: 5000})
		offer, err := a.Offer(false)
		if err != nil {
			b.Fatal(err)
		}
		ans, err := c.Answer(offer, false)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Accept(ans); err != nil {
			b.Fatal(err)
		}
	}
}
