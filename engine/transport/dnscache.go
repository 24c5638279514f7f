package transport

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// DNSCache is a Resolver that remembers the answers of another, so that
// RFC 3263 location, which runs on the stack's loop, blocks it only for a
// name it has not resolved lately. Neither Go's resolver nor an app's
// res_query callback reports record TTLs, so the times are the cache's own:
//
//   - an answer is fresh for Fresh, and answered from the cache; an
//     answer is records, or none: an empty result or an error that says
//     the name has no such records (net.DNSError.IsNotFound), which is
//     the usual reply to the NAPTR and SRV queries of RFC 3263 and is
//     cached alike (negative caching, RFC 2308);
//   - then, for up to Stale more, it is still answered at once while one
//     background lookup refreshes it (serving stale data, RFC 8767 §4,
//     refreshed before rather than after a failed lookup: a phone's DNS
//     can take seconds, and the loop must not wait for it);
//   - any other failure (a timeout, SERVFAIL) is remembered for Negative,
//     so a dead DNS server does not hold up every request for its
//     timeout, and a refresh that fails keeps the old answer;
//   - older answers are looked up again, on the caller's goroutine.
//
// Flush forgets everything: after a network change the old answers may
// be wrong (split-horizon DNS) or unreachable. At most MaxEntries names
// are kept, the least recently stored going first. Results are copies:
// callers may sort them. Safe for concurrent use.
type DNSCache struct {
	r   Resolver
	cfg DNSCacheConfig

	mu      sync.Mutex
	entries map[dnsKey]*dnsEntry
	gen     uint64         // bumped by Flush: refreshes of older generations are dropped
	wg      sync.WaitGroup // background refreshes
}

// DNSCacheConfig sets a DNSCache's times; zero fields take the defaults.
type DNSCacheConfig struct {
	Now        func() time.Time // default time.Now
	Fresh      time.Duration    // default 60 s
	Stale      time.Duration    // default 1 h
	Negative   time.Duration    // default 5 s
	MaxEntries int              // default 256
	// Timeout bounds one lookup: in the background, or for a caller
	// whose context has no deadline (default 10 s).
	Timeout time.Duration
}

// Default DNSCache settings.
const (
	DefaultDNSFresh      = 60 * time.Second
	DefaultDNSStale      = time.Hour
	DefaultDNSNegative   = 5 * time.Second
	DefaultDNSMaxEntries = 256
	defaultDNSTimeout    = 10 * time.Second
)

type dnsKind uint8

const (
	dnsNAPTR dnsKind = iota
	dnsSRV
	dnsIP
)

type dnsKey struct {
	kind dnsKind
	name string // lower case
}

type dnsEntry struct {
	at         time.Time // when the answer was stored
	naptr      []NAPTR
	srv        []SRV
	ip         []netip.Addr
	err        error
	failed     bool      // err is a failure, not an answer of no records
	refreshing bool      // a background lookup is under way
	retryAt    time.Time // after a failed refresh, none before this
}

// NewDNSCache returns a cache in front of r.
func NewDNSCache(r Resolver, cfg DNSCacheConfig) *DNSCache {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Fresh <= 0 {
		cfg.Fresh = DefaultDNSFresh
	}
	if cfg.Stale < 0 {
		cfg.Stale = 0
	} else if cfg.Stale == 0 {
		cfg.Stale = DefaultDNSStale
	}
	if cfg.Negative <= 0 {
		cfg.Negative = DefaultDNSNegative
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultDNSMaxEntries
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultDNSTimeout
	}
	return &DNSCache{r: r, cfg: cfg, entries: map[dnsKey]*dnsEntry{}}
}

// LookupNAPTR implements Resolver.
func (c *DNSCache) LookupNAPTR(ctx context.Context, name string) ([]NAPTR, error) {
	e, err := c.lookup(ctx, dnsKey{dnsNAPTR, strings.ToLower(name)})
	return slices.Clone(e.naptr), err
}

// LookupSRV implements Resolver.
func (c *DNSCache) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	e, err := c.lookup(ctx, dnsKey{dnsSRV, strings.ToLower(name)})
	return slices.Clone(e.srv), err
}

// LookupIP implements Resolver.
func (c *DNSCache) LookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	e, err := c.lookup(ctx, dnsKey{dnsIP, strings.ToLower(host)})
	return slices.Clone(e.ip), err
}

// Flush forgets every answer; lookups under way are not stored.
func (c *DNSCache) Flush() {
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.mu.Unlock()
}

// Len is the number of names held.
func (c *DNSCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// lookup returns the entry for k (its fields are not to be modified),
// from the cache when it is young enough, else from the resolver.
func (c *DNSCache) lookup(ctx context.Context, k dnsKey) (dnsEntry, error) {
	now := c.cfg.Now()
	c.mu.Lock()
	if e := c.entries[k]; e != nil {
		age := now.Sub(e.at)
		switch {
		case e.failed && age < c.cfg.Negative,
			!e.failed && age < c.cfg.Fresh:
			v := *e
			c.mu.Unlock()
			return v, v.err
		case !e.failed && age < c.cfg.Fresh+c.cfg.Stale:
			if !e.refreshing && !now.Before(e.retryAt) {
				e.refreshing = true
				c.wg.Add(1)
				go c.refresh(k, c.gen)
			}
			v := *e
			c.mu.Unlock()
			return v, v.err
		}
	}
	gen := c.gen
	c.mu.Unlock()
	lctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	e := c.resolve(lctx, k)
	if ctx.Err() == nil { // a lookup its caller cut short says nothing of the name
		c.store(k, gen, e)
	}
	return e, e.err
}

// refresh looks k up again in the background and stores the answer, or,
// when the lookup fails, keeps serving the old one until it is too old.
func (c *DNSCache) refresh(k dnsKey, gen uint64) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	e := c.resolve(ctx, k)
	cancel()
	if !e.failed {
		c.store(k, gen, e)
		return
	}
	c.mu.Lock()
	if old := c.entries[k]; old != nil && c.gen == gen {
		old.refreshing = false
		old.retryAt = c.cfg.Now().Add(c.cfg.Negative)
	}
	c.mu.Unlock()
}

func (c *DNSCache) resolve(ctx context.Context, k dnsKey) dnsEntry {
	var e dnsEntry
	switch k.kind {
	case dnsNAPTR:
		e.naptr, e.err = c.r.LookupNAPTR(ctx, k.name)
	case dnsSRV:
		e.srv, e.err = c.r.LookupSRV(ctx, k.name)
	default:
		e.ip, e.err = c.r.LookupIP(ctx, k.name)
	}
	e.failed = e.err != nil && !isNotFound(e.err)
	e.at = c.cfg.Now()
	return e
}

// store keeps e for k unless the cache was flushed since the lookup
// began, making room by dropping the oldest entry.
func (c *DNSCache) store(k dnsKey, gen uint64, e dnsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.cfg.MaxEntries {
		var oldest dnsKey
		var at time.Time
		first := true
		for ok, oe := range c.entries {
			if first || oe.at.Before(at) {
				oldest, at, first = ok, oe.at, false
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[k] = &e
}
