package transport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// ErrNoTargets is wrapped by the error Locate returns when DNS yields no
// address to try for a URI; the resolver's last error is wrapped as well.
var ErrNoTargets = errors.New("transport: no targets for URI")

// ErrSIPSDowngrade is wrapped by the error Locate returns for a sips URI
// that asks for a transport other than TLS over TCP (RFC 3261 §26.2.2:
// a sips URI is never reached insecurely).
var ErrSIPSDowngrade = errors.New("transport: sips URI with an insecure transport")

// ErrUnsupported is wrapped by the error Locate returns for a URI that is
// not sip or sips, or whose transport parameter names a transport this
// stack does not speak (sctp, ws, ...).
var ErrUnsupported = errors.New("transport: unsupported URI scheme or transport")

// Bounds that keep Locate safe on hostile or broken DNS data.
const (
	maxTargets   = 32 // addresses Locate returns
	maxRecords   = 32 // NAPTR or SRV records taken from one lookup
	maxHostAddrs = 8  // addresses taken from one host's A/AAAA lookup
	maxLookups   = 48 // resolver calls made by one Locate
)

// defaultResolver is the Resolver Locate uses when given none.
var defaultResolver = sync.OnceValue(func() Resolver { return NewDNSResolver(nil) })

// Locate returns the ordered targets to try for uri (RFC 3263 §4): the
// caller tries them in order and moves to the next on a timeout, a 503
// response or a transport error (§4.3). r may be nil to use
// NewDNSResolver(nil); rnd drives the weighted choice among SRV records
// of equal priority (RFC 2782) and may be nil to use math/rand/v2's
// global source.
//
// The target host is the maddr parameter if present, else the URI's host
// (§4). The transport parameter picks the transport; a sips URI is always
// reached over TLS, so transport=tcp there means TLS and transport=udp is
// refused with ErrSIPSDowngrade (RFC 3261 §26.2.2). A numeric target
// needs no DNS at all; a host name with an explicit port only its A and
// AAAA records (§4.2). Otherwise, without a transport parameter, the
// NAPTR records of the target are followed (§4.1) and, if none are
// usable, the SRV records of _sips._tcp, _sip._tcp and _sip._udp (only
// _sips._tcp for sips); with a transport parameter, only that
// transport's SRV records. When there are no SRV records at all, the
// target's own addresses are used with the default port: 5060, or 5061
// for TLS. An SRV set whose target is "." means no service (RFC 2782),
// and is not fallen back from.
//
// For TLS, Addr.Host is the domain the server's certificate must match:
// the URI's host, never an SRV target or maddr (RFC 5922 §4), lower-cased
// and without a trailing dot; it is empty when the URI's host is an IP
// address, and for UDP and TCP. Duplicates are dropped and at most 32
// targets are returned. Errors wrap ErrNoTargets, ErrSIPSDowngrade,
// ErrUnsupported or the context's error.
func Locate(ctx context.Context, r Resolver, uri sip.URI, rnd *rand.Rand) ([]Addr, error) {
	if !uri.IsSIP() {
		return nil, fmt.Errorf("%w: %q URI", ErrUnsupported, uri.Scheme)
	}
	secure := uri.IsSecure()
	var proto Proto // 0 until the transport parameter or DNS picks one
	if tp := uri.Transport(); tp != "" {
		p, ok := ParseProto(tp)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: transport=%s", ErrUnsupported, tp)
		case secure && p == UDP:
			return nil, fmt.Errorf("%w: %s;transport=%s", ErrSIPSDowngrade, uri.Scheme, tp)
		case secure:
			p = TLS // RFC 3261 §26.2.2: TLS over the TCP the parameter names
		}
		proto = p
	}
	if uri.Port < 0 || uri.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d", ErrNoTargets, uri.Port)
	}
	target := uri.Host
	if m, _ := uri.Params.Get("maddr"); m != "" {
		target = m
		if len(m) > 2 && m[0] == '[' && m[len(m)-1] == ']' {
			target = m[1 : len(m)-1]
		}
	}
	fallback := proto // transport when DNS does not say
	if fallback == 0 {
		fallback = UDP
		if secure {
			fallback = TLS // RFC 3263 §4.1
		}
	}
	port := uint16(uri.Port)
	if port == 0 {
		port = DefaultPort(fallback)
	}
	hostIP, hostNumeric := parseIP(uri.Host)
	tlsHost := ""
	if !hostNumeric {
		tlsHost = strings.ToLower(trimDot(uri.Host))
	}
	ip, ok := hostIP, hostNumeric
	if target != uri.Host {
		ip, ok = parseIP(target)
	}
	if ok {
		// A numeric target needs no DNS (§4.2): one address, built
		// without the locator's bookkeeping, since this is the path of
		// every request of a dialog whose Contact is an IP address.
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("transport: locating %s: %w", target, err)
		}
		ip = ip.Unmap()
		if !ip.IsValid() || ip.IsUnspecified() {
			return nil, fmt.Errorf("%w %s", ErrNoTargets, target)
		}
		a := Addr{Proto: fallback, Addr: netip.AddrPortFrom(ip, port)}
		if fallback == TLS {
			a.Host = tlsHost
		}
		return []Addr{a}, nil
	}
	l := &locator{ctx: ctx, r: r, rnd: rnd, secure: secure, tlsHost: tlsHost}
	name := strings.ToLower(trimDot(target))
	if name == "" {
		return nil, fmt.Errorf("%w: empty host", ErrNoTargets)
	}
	if l.r == nil {
		l.r = defaultResolver()
	}
	switch {
	case uri.Port != 0: // §4.2: A/AAAA only
		l.host(name, port, fallback)
		return l.result(target)
	case proto != 0: // §4.2: the SRV records of that transport only
		l.srv(srvPrefix(proto)+name, proto)
	default:
		l.naptr(name)
		if len(l.out) == 0 && !l.srvFound && l.live() {
			// §4.1: no usable NAPTR records, so SRV for each transport
			// we speak, in our order of preference.
			l.srv("_sips._tcp."+name, TLS)
			if !secure {
				l.srv("_sip._tcp."+name, TCP)
				l.srv("_sip._udp."+name, UDP)
			}
		}
	}
	if len(l.out) == 0 && !l.srvFound && l.live() {
		// §4.2: no SRV records, so the host's own addresses.
		l.host(name, port, fallback)
	}
	return l.result(target)
}

// locator holds the state of one Locate call.
type locator struct {
	ctx      context.Context
	r        Resolver
	rnd      *rand.Rand
	secure   bool
	tlsHost  string // Addr.Host for TLS targets
	out      []Addr
	seen     map[Addr]bool
	lookups  int
	srvFound bool  // some SRV lookup returned records, even if only "."
	err      error // the last resolver error
	srvCache map[string][]SRV
	ipCache  map[string][]netip.Addr
}

// live reports whether more lookups may be worth making: the context is
// alive and there is room for more targets.
func (l *locator) live() bool { return l.ctx.Err() == nil && len(l.out) < maxTargets }

// spend counts a resolver call, reporting false when the budget is gone.
func (l *locator) spend() bool {
	if !l.live() {
		return false
	}
	if l.lookups >= maxLookups {
		l.err = errors.New("too many DNS lookups")
		return false
	}
	l.lookups++
	return true
}

// result returns the targets found, or the error explaining their lack.
func (l *locator) result(target string) ([]Addr, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, fmt.Errorf("transport: locating %s: %w", target, err)
	}
	if len(l.out) == 0 {
		if l.err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrNoTargets, target, l.err)
		}
		return nil, fmt.Errorf("%w %s", ErrNoTargets, target)
	}
	return l.out, nil
}

// naptr follows the NAPTR records of name that lead to a transport we
// speak (RFC 3263 §4.1), best order and preference first.
func (l *locator) naptr(name string) {
	if !l.spend() {
		return
	}
	recs, err := l.r.LookupNAPTR(l.ctx, name)
	if err != nil {
		l.err = err
	}
	type use struct {
		n     NAPTR
		proto Proto
	}
	var uses []use
	for _, n := range recs[:min(len(recs), maxRecords)] {
		p, ok := naptrProto(n.Service, l.secure)
		n.Replacement = trimDot(n.Replacement)
		if !ok || !strings.EqualFold(n.Flags, "s") || n.Replacement == "" {
			continue
		}
		if !slices.ContainsFunc(uses, func(u use) bool { return u.proto == p && strings.EqualFold(u.n.Replacement, n.Replacement) }) {
			uses = append(uses, use{n, p})
		}
	}
	slices.SortStableFunc(uses, func(a, b use) int {
		return cmp.Or(cmp.Compare(a.n.Order, b.n.Order), cmp.Compare(a.n.Preference, b.n.Preference))
	})
	for _, u := range uses {
		l.srv(u.n.Replacement, u.proto)
	}
}

// naptrProto maps a NAPTR service to its transport (RFC 3263 §4.1,
// RFC 3261 §26.2.2): only SIPS+D2T serves a sips URI.
func naptrProto(service string, secure bool) (Proto, bool) {
	switch {
	case strings.EqualFold(service, "SIPS+D2T"):
		return TLS, true
	case secure:
		return 0, false
	case strings.EqualFold(service, "SIP+D2T"):
		return TCP, true
	case strings.EqualFold(service, "SIP+D2U"):
		return UDP, true
	}
	return 0, false
}

// srvPrefix returns the service and protocol labels for a transport
// (RFC 3263 §4.2: TLS is _sips._tcp, also for a sip URI).
func srvPrefix(p Proto) string {
	switch p {
	case TLS:
		return "_sips._tcp."
	case TCP:
		return "_sip._tcp."
	}
	return "_sip._udp."
}

// srv adds the targets of the SRV records of name, in RFC 2782 order.
func (l *locator) srv(name string, proto Proto) {
	key := strings.ToLower(name)
	recs, cached := l.srvCache[key]
	if !cached {
		if !l.spend() {
			return
		}
		var err error
		recs, err = l.r.LookupSRV(l.ctx, name)
		if err != nil {
			l.err = err
		}
		recs = recs[:min(len(recs), maxRecords)]
		if l.srvCache == nil {
			l.srvCache = map[string][]SRV{}
		}
		l.srvCache[key] = recs
	}
	if len(recs) > 0 {
		l.srvFound = true
	}
	for _, s := range orderSRV(recs, l.rnd) {
		if t := trimDot(s.Target); t != "" && s.Port != 0 {
			l.host(t, s.Port, proto)
		}
	}
}

// host adds the addresses of name, an IP address or a host name, with
// port and proto.
func (l *locator) host(name string, port uint16, proto Proto) {
	if ip, ok := parseIP(name); ok {
		l.add(proto, ip, port)
		return
	}
	key := strings.ToLower(name)
	ips, cached := l.ipCache[key]
	if !cached {
		if !l.spend() {
			return
		}
		var err error
		ips, err = l.r.LookupIP(l.ctx, name)
		if err != nil {
			l.err = err
		}
		if l.ipCache == nil {
			l.ipCache = map[string][]netip.Addr{}
		}
		l.ipCache[key] = ips
	}
	n := 0
	for _, ip := range ips {
		if n == maxHostAddrs {
			break
		}
		if l.add(proto, ip, port) {
			n++
		}
	}
}

// add appends a target unless it is unusable or already there, and
// reports whether the address was usable.
func (l *locator) add(proto Proto, ip netip.Addr, port uint16) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() {
		return false
	}
	a := Addr{Proto: proto, Addr: netip.AddrPortFrom(ip, port)}
	if proto == TLS {
		a.Host = l.tlsHost
	}
	if len(l.out) < maxTargets && !l.seen[a] {
		if l.seen == nil {
			l.seen = map[Addr]bool{}
		}
		l.seen[a] = true
		l.out = append(l.out, a)
	}
	return true
}

// orderSRV returns recs in the order RFC 2782 says to try them: by
// ascending priority and, within a priority, by repeated weighted random
// selection, in which a record is picked with a chance proportional to
// its weight and the records of weight 0 together have a small chance
// (1 in the sum of weights plus one) of being picked.
func orderSRV(recs []SRV, rnd *rand.Rand) []SRV {
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b SRV) int { return cmp.Compare(a.Priority, b.Priority) })
	out := make([]SRV, 0, len(sorted))
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].Priority == sorted[i].Priority {
			j++
		}
		out = appendWeighted(out, sorted[i:j], rnd)
		i = j
	}
	return out
}

// appendWeighted appends the records of one priority to out in weighted
// random order (RFC 2782, "Usage rules"), reordering group in place.
func appendWeighted(out, group []SRV, rnd *rand.Rand) []SRV {
	if len(group) == 1 {
		return append(out, group[0])
	}
	// "Arrange all SRV RRs (that have not been ordered yet) in any order,
	// except that all those with weight 0 are placed at the beginning":
	// a shuffle makes the order among weight-0 records random too.
	for i := len(group) - 1; i > 0; i-- {
		j := intN(rnd, i+1)
		group[i], group[j] = group[j], group[i]
	}
	slices.SortStableFunc(group, func(a, b SRV) int {
		return cmp.Compare(min(a.Weight, 1), min(b.Weight, 1))
	})
	sum := 0
	for _, s := range group {
		sum += int(s.Weight)
	}
	for len(group) > 0 {
		// RFC 2782 picks in [0, sum], so that 0 selects the first record
		// (a weight-0 one if any: their small chance). Without weight-0
		// records, 0 would only favour whichever record happens to be
		// first, so the pick starts at 1 and the choice is proportional.
		lo := 1
		if group[0].Weight == 0 {
			lo = 0
		}
		pick, run, k := lo+intN(rnd, sum+1-lo), 0, len(group)-1
		for i, s := range group {
			if run += int(s.Weight); run >= pick {
				k = i
				break
			}
		}
		out = append(out, group[k])
		sum -= int(group[k].Weight)
		group = slices.Delete(group, k, k+1)
	}
	return out
}

// intN returns a random int in [0, n) from rnd, or from the global
// source when rnd is nil.
func intN(rnd *rand.Rand, n int) int {
	if rnd == nil {
		return rand.IntN(n)
	}
	return rnd.IntN(n)
}

// parseIP reads s as an IPv6 or IPv4 address, the latter also with the
// leading zeros RFC 3261 §25.1's IPv4address allows (decimal, unlike
// inet_aton's octal).
func parseIP(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	var b [4]byte
	part, digits, n := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n > 255 || part == 4 {
				return netip.Addr{}, false
			}
			b[part] = byte(n)
			part, digits, n = part+1, 0, 0
			continue
		}
		if s[i] < '0' || s[i] > '9' || digits == 3 {
			return netip.Addr{}, false
		}
		n, digits = n*10+int(s[i]-'0'), digits+1
	}
	if part != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}

// trimDot removes the trailing dot of an absolute name; "." becomes "".
func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
