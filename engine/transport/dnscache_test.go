package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// countingDNS answers LookupIP with 192.0.2.<n> where n counts its
// lookups of that name, fails the names in fail, and, when gate is set,
// waits for a value on it before answering.
type countingDNS struct {
	mu    sync.Mutex
	n     map[string]int
	fail  map[string]bool
	gate  chan struct{}
	calls int
}

func (d *countingDNS) LookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	if d.gate != nil {
		select {
		case <-d.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.fail[host] {
		return nil, fmt.Errorf("no such host %s", host)
	}
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[host]++
	return []netip.Addr{netip.AddrFrom4([4]byte{192, 0, 2, byte(d.n[host])})}, nil
}

func (d *countingDNS) LookupSRV(context.Context, string) ([]SRV, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	return []SRV{{Target: "sip.example.com.", Port: 5060, Priority: 2}, {Target: "b.example.com.", Port: 5060, Priority: 1}}, nil
}

// LookupNAPTR says there are none, as most domains do.
func (d *countingDNS) LookupNAPTR(_ context.Context, name string) ([]NAPTR, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (d *countingDNS) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// fakeNow is a settable clock for the cache.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// wait waits for the cache's background refreshes.
func (c *DNSCache) wait() { c.wg.Wait() }

func newTestCache(d Resolver, cfg DNSCacheConfig) (*DNSCache, *fakeNow) {
	clk := &fakeNow{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg.Now = clk.Now
	return NewDNSCache(d, cfg), clk
}

func lookupIP(t *testing.T, c *DNSCache, host string) string {
	t.Helper()
	ips, err := c.LookupIP(t.Context(), host)
	if err != nil {
		return "error"
	}
	return fmt.Sprint(ips)
}

func TestDNSCacheFreshStaleExpired(t *testing.T) {
	d := &countingDNS{}
	c, clk := newTestCache(d, DNSCacheConfig{Fresh: time.Minute, Stale: time.Hour})
	if got := lookupIP(t, c, "Example.COM"); got != "[192.0.2.1]" {
		t.Fatalf("first lookup: %s", got)
	}
	clk.add(59 * time.Second)
	if got := lookupIP(t, c, "example.com"); got != "[192.0.2.1]" || d.count() != 1 {
		t.Fatalf("fresh: %s after %d lookups, want the cached answer (names are case-insensitive)", got, d.count())
	}
	// Stale: the old answer at once, one refresh behind it.
	clk.add(2 * time.Second)
	if got := lookupIP(t, c, "example.com"); got != "[192.0.2.1]" {
		t.Fatalf("stale: %s, want the old answer while refreshing", got)
	}
	c.wait()
	if d.count() != 2 {
		t.Fatalf("%d lookups, want 1 background refresh", d.count())
	}
	if got := lookupIP(t, c, "example.com"); got != "[192.0.2.2]" {
		t.Fatalf("after the refresh: %s", got)
	}
	// Past fresh + stale: looked up again before answering.
	clk.add(time.Minute + time.Hour)
	if got := lookupIP(t, c, "example.com"); got != "[192.0.2.3]" || d.count() != 3 {
		t.Fatalf("expired: %s after %d lookups", got, d.count())
	}
}

// TestDNSCacheStaleDoesNotWait: while the background refresh hangs, the
// stale answer keeps coming at once, and only one refresh runs.
func TestDNSCacheStaleDoesNotWait(t *testing.T) {
	d := &countingDNS{}
	c, clk := newTestCache(d, DNSCacheConfig{})
	lookupIP(t, c, "example.com")
	d.gate = make(chan struct{})
	clk.add(DefaultDNSFresh + time.Second)
	for range 5 {
		if got := lookupIP(t, c, "example.com"); got != "[192.0.2.1]" {
			t.Fatalf("stale lookup: %s", got)
		}
	}
	d.gate <- struct{}{} // the one refresh
	c.wait()
	close(d.gate)
	if got := lookupIP(t, c, "example.com"); got != "[192.0.2.2]" || d.count() != 2 {
		t.Fatalf("after the refresh: %s after %d lookups", got, d.count())
	}
}

func TestDNSCacheNegative(t *testing.T) {
	d := &countingDNS{fail: map[string]bool{"gone.example": true}}
	c, clk := newTestCache(d, DNSCacheConfig{Negative: 5 * time.Second})
	lookupIP(t, c, "gone.example")
	clk.add(4 * time.Second)
	if got := lookupIP(t, c, "gone.example"); got != "error" || d.count() != 1 {
		t.Fatalf("within the negative time: %s after %d lookups", got, d.count())
	}
	clk.add(time.Second)
	d.fail = nil
	if got := lookupIP(t, c, "gone.example"); got != "[192.0.2.1]" || d.count() != 2 {
		t.Fatalf("after it: %s after %d lookups", got, d.count())
	}
}

// TestDNSCacheFailedRefresh: a refresh that fails keeps the stale answer,
// and no other refresh starts before the negative time has passed.
func TestDNSCacheFailedRefresh(t *testing.T) {
	d := &countingDNS{}
	c, clk := newTestCache(d, DNSCacheConfig{})
	lookupIP(t, c, "example.com")
	d.mu.Lock()
	d.fail = map[string]bool{"example.com": true}
	d.mu.Unlock()
	clk.add(DefaultDNSFresh)
	lookupIP(t, c, "example.com")
	c.wait()
	if got := lookupIP(t, c, "example.com"); got != "[192.0.2.1]" {
		t.Fatalf("after a failed refresh: %s, want the stale answer", got)
	}
	c.wait()
	if d.count() != 2 {
		t.Fatalf("%d lookups, want no second refresh within %v", d.count(), DefaultDNSNegative)
	}
	clk.add(DefaultDNSNegative)
	lookupIP(t, c, "example.com")
	c.wait()
	if d.count() != 3 {
		t.Fatalf("%d lookups, want a refresh once the negative time is over", d.count())
	}
}

func TestDNSCacheCallerCancelNotCached(t *testing.T) {
	d := &countingDNS{gate: make(chan struct{})}
	c, _ := newTestCache(d, DNSCacheConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.LookupIP(ctx, "example.com"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled lookup: %v", err)
	}
	if c.Len() != 0 {
		t.Fatal("a lookup its caller cut short was cached as a failure")
	}
}

func TestDNSCacheFlushAndBound(t *testing.T) {
	d := &countingDNS{}
	c, clk := newTestCache(d, DNSCacheConfig{MaxEntries: 3})
	for i := range 5 {
		lookupIP(t, c, fmt.Sprintf("h%d.example", i))
		clk.add(time.Millisecond)
	}
	if c.Len() != 3 {
		t.Fatalf("%d names held, want the bound 3", c.Len())
	}
	before := d.count()
	lookupIP(t, c, "h4.example") // the newest stays
	lookupIP(t, c, "h0.example") // the oldest went
	if d.count() != before+1 {
		t.Fatalf("%d lookups, want only h0 looked up again", d.count()-before)
	}
	// A network change: everything is looked up again, and a refresh
	// that began before the flush does not bring an old answer back.
	d.gate = make(chan struct{})
	clk.add(DefaultDNSFresh)
	lookupIP(t, c, "h4.example") // starts a refresh, which waits at the gate
	c.Flush()
	d.gate <- struct{}{}
	c.wait()
	if c.Len() != 0 {
		t.Fatalf("%d names held after Flush", c.Len())
	}
	close(d.gate)
}

func TestDNSCacheCopies(t *testing.T) {
	d := &countingDNS{}
	c, _ := newTestCache(d, DNSCacheConfig{})
	srv, _ := c.LookupSRV(t.Context(), "_sip._udp.example.com")
	srv[0], srv[1] = srv[1], srv[0] // as a caller sorting its targets would
	again, _ := c.LookupSRV(t.Context(), "_sip._udp.example.com")
	if again[0].Target != "sip.example.com." || d.count() != 1 {
		t.Fatalf("cached SRV set changed by a caller: %v", again)
	}
}

// TestDNSCacheNoRecordsIsAnAnswer: "no such records" is kept as long as
// records are (RFC 2308), not retried as a failure would be: RFC 3263
// asks for NAPTR records first, and most domains have none.
func TestDNSCacheNoRecordsIsAnAnswer(t *testing.T) {
	d := &countingDNS{}
	c, clk := newTestCache(d, DNSCacheConfig{})
	for range 3 {
		_, err := c.LookupNAPTR(t.Context(), "example.com")
		if !isNotFound(err) {
			t.Fatalf("NAPTR: %v, want the resolver's not-found error", err)
		}
		clk.add(DefaultDNSNegative)
	}
	if d.count() != 1 {
		t.Fatalf("%d NAPTR queries in %v, want 1", d.count(), 3*DefaultDNSNegative)
	}
}
