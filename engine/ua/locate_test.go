package ua

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/transport"
)

// zoneDNS knows A records only, and counts every query it is asked.
type zoneDNS struct {
	a       map[string]netip.Addr
	queries []string
}

// errNoRecord is how resolvers say a name has no records of a type.
var errNoRecord = &net.DNSError{Err: "no such host", IsNotFound: true}

func (z *zoneDNS) LookupNAPTR(_ context.Context, name string) ([]transport.NAPTR, error) {
	z.queries = append(z.queries, "NAPTR "+name)
	return nil, errNoRecord
}

func (z *zoneDNS) LookupSRV(_ context.Context, name string) ([]transport.SRV, error) {
	z.queries = append(z.queries, "SRV "+name)
	return nil, errNoRecord
}

func (z *zoneDNS) LookupIP(_ context.Context, host string) ([]netip.Addr, error) {
	z.queries = append(z.queries, "A "+host)
	if a, ok := z.a[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, errNoRecord
}

// TestDefaultLocateCachesDNS: the default Locate asks DNS (RFC 3263 §4.1:
// NAPTR, the three SRV names, then A) for the first call to a domain
// only; the next call within the minute is sent on the cached answers,
// without holding the loop up for a query, and FlushDNS (what a network
// change does) makes the next call ask again.
func TestDefaultLocateCachesDNS(t *testing.T) {
	w := newWorld(t, 1)
	dns := &zoneDNS{a: map[string]netip.Addr{"bob.example": netip.MustParseAddr("10.0.0.2")}}
	alice := w.peer("alice", "10.0.0.1", func(c *Config, _ *AccountConfig) { c.Resolver = dns })
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) {
		if err := c.Answer(); err != nil {
			t.Error(err)
		}
	}
	call := func() {
		t.Helper()
		c, err := alice.acc.Call(mustURI("sip:bob@bob.example"), CallOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w.run(time.Second)
		if c.State() != Confirmed {
			t.Fatalf("call to bob.example: %v", c.State())
		}
		if err := c.Hangup(""); err != nil {
			t.Fatal(err)
		}
		w.run(time.Second)
	}
	first := "NAPTR bob.example, SRV _sips._tcp.bob.example, SRV _sip._tcp.bob.example, SRV _sip._udp.bob.example, A bob.example"

	call()
	if got := strings.Join(dns.queries, ", "); got != first {
		t.Fatalf("first call asked\n %s\nwant\n %s", got, first)
	}
	dns.queries = nil
	w.run(30 * time.Second)
	call()
	if len(dns.queries) != 0 {
		t.Fatalf("second call within the minute asked DNS again: %q", dns.queries)
	}
	alice.ua.FlushDNS()
	call()
	if got := strings.Join(dns.queries, ", "); got != first {
		t.Fatalf("after FlushDNS asked\n %s\nwant\n %s", got, first)
	}
}

// TestDefaultLocateNumericAllocs: the default Locate costs a literal
// address, the target of every in-dialog request to a phone, only the
// target list it returns: no context, no DNS.
func TestDefaultLocateNumericAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector; make allocs runs this without it")
	}
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", nil)
	uri := mustURI("sip:bob@10.0.0.2:5060")
	if n := testing.AllocsPerRun(100, func() { alice.ua.cfg.Locate(uri) }); n > 1 {
		t.Errorf("%v allocations a Locate, want 1 (the targets)", n)
	}
}
