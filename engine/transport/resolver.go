package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Resolver is the DNS seam Locate uses. The built-in one, NewDNSResolver,
// uses Go's resolver plus raw NAPTR queries; on Android, where Go finds no
// DNS servers, the C API lets the app supply its own. Names are passed
// without a trailing dot; results may carry one. A name that has no
// records of the asked type is reported as an error (or an empty result):
// Locate treats both alike.
type Resolver interface {
	// LookupNAPTR returns the NAPTR records of name (RFC 3403 §4.1) in
	// any order.
	LookupNAPTR(ctx context.Context, name string) ([]NAPTR, error)
	// LookupSRV returns the SRV records of name, a full service name such
	// as "_sip._udp.example.com" (RFC 2782), in any order.
	LookupSRV(ctx context.Context, name string) ([]SRV, error)
	// LookupIP returns the addresses of host from its A and AAAA records,
	// IPv6 and IPv4 alike, in the order they should be tried.
	LookupIP(ctx context.Context, host string) ([]netip.Addr, error)
}

// NAPTR is a Naming Authority Pointer record (RFC 3403 §4.1). For SIP
// (RFC 3263 §4.1) Flags is "s", Service names the transport ("SIP+D2U",
// "SIP+D2T", "SIPS+D2T") and Replacement is the SRV name to look up next;
// a Replacement of "." means none.
type NAPTR struct {
	Order, Preference                   uint16
	Flags, Service, Regexp, Replacement string
}

// SRV is a service record (RFC 2782). A Target of "." means the service
// is decidedly not available at the domain.
type SRV struct {
	Target                 string
	Port, Priority, Weight uint16
}

// Parameters of the built-in resolver's own DNS client.
const (
	typeNAPTR             dnsmessage.Type = 35              // RFC 3403 §4
	ednsPayload                           = 1232            // advertised UDP payload size (EDNS0, RFC 6891)
	defaultAttemptTimeout                 = 3 * time.Second // per server, within the caller's deadline
	maxDNSAnswers                         = 64              // records taken from one response
	maxCNAMEHops                          = 8               // aliases followed within one response
	maxNameservers                        = 3               // from resolv.conf, as the C library does
)

// dnsResolver is what NewDNSResolver returns.
type dnsResolver struct {
	// servers are the explicit servers, tried in order; when explicit is
	// false the ones of resolvConf are used for NAPTR and sys for the rest.
	servers    []netip.AddrPort
	explicit   bool
	sys        *net.Resolver
	resolvConf string
	timeout    time.Duration // for one server attempt
}

// NewDNSResolver returns the built-in Resolver. servers are "ip:port" (a
// bare IP means port 53; entries that are neither are ignored) and are
// asked in order, each in turn when the one before fails, times out,
// refuses or answers SERVFAIL, for every record type. With no servers, SRV
// and A/AAAA lookups go through net.DefaultResolver (so /etc/resolv.conf
// and /etc/hosts), and NAPTR queries, which Go's resolver cannot make, go
// to the nameservers of /etc/resolv.conf. NAPTR queries (and all queries
// to explicit servers) travel over UDP and are retried over TCP when the
// answer is truncated (RFC 1035 §4.2.1, RFC 7766 §5); each server attempt
// ends at the context's deadline or after a few seconds, whichever comes
// first.
func NewDNSResolver(servers []string) Resolver {
	r := &dnsResolver{
		explicit:   len(servers) > 0,
		resolvConf: "/etc/resolv.conf",
		timeout:    defaultAttemptTimeout,
	}
	for _, s := range servers {
		if ap, ok := parseServer(s); ok {
			r.servers = append(r.servers, ap)
		}
	}
	if !r.explicit {
		r.sys = net.DefaultResolver
	}
	return r
}

// parseServer reads "ip:port", "[ipv6]:port" or a bare address.
func parseServer(s string) (netip.AddrPort, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Port() != 0 {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return netip.AddrPortFrom(a.Unmap(), 53), true
	}
	return netip.AddrPort{}, false
}

// systemServers returns the nameservers listed in the resolv.conf file at
// path (at most three), or the loopback defaults Go and the C library use
// when there are none.
func systemServers(path string) []netip.AddrPort {
	var out []netip.AddrPort
	data, _ := os.ReadFile(path)
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "nameserver" || len(out) == maxNameservers {
			continue
		}
		if a, err := netip.ParseAddr(f[1]); err == nil {
			out = append(out, netip.AddrPortFrom(a.Unmap(), 53))
		}
	}
	if len(out) == 0 {
		out = []netip.AddrPort{
			netip.MustParseAddrPort("127.0.0.1:53"),
			netip.MustParseAddrPort("[::1]:53"),
		}
	}
	return out
}

// serverList returns the servers for a query of our own.
func (r *dnsResolver) serverList(name string) ([]netip.AddrPort, error) {
	if !r.explicit {
		return systemServers(r.resolvConf), nil
	}
	if len(r.servers) == 0 {
		return nil, &net.DNSError{Err: "no valid DNS server configured", Name: name}
	}
	return r.servers, nil
}

// LookupNAPTR queries the NAPTR records of name itself (RFC 3403 §4.1).
// Records whose replacement is not a well-formed host name are dropped.
func (r *dnsResolver) LookupNAPTR(ctx context.Context, name string) ([]NAPTR, error) {
	var out []NAPTR
	err := r.lookup(ctx, name, typeNAPTR, func(p *dnsmessage.Parser, msg []byte) (bool, error) {
		u, err := p.UnknownResource()
		if err != nil {
			return false, err
		}
		n, ok := parseNAPTR(u.Data, msg)
		if ok {
			out = append(out, n)
		}
		return ok, nil
	})
	return out, err
}

// LookupSRV queries the SRV records of name (RFC 2782). The records come
// back in the order of the answer: Locate orders them itself.
func (r *dnsResolver) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	if !r.explicit {
		_, recs, err := r.sys.LookupSRV(ctx, "", "", name)
		if err != nil && len(recs) == 0 {
			return nil, err
		}
		out := make([]SRV, 0, min(len(recs), maxDNSAnswers))
		for _, s := range recs[:min(len(recs), maxDNSAnswers)] {
			out = append(out, SRV{Target: s.Target, Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		}
		return out, nil
	}
	var out []SRV
	err := r.lookup(ctx, name, dnsmessage.TypeSRV, func(p *dnsmessage.Parser, _ []byte) (bool, error) {
		s, err := p.SRVResource()
		if err != nil || !validName(s.Target.String()) {
			return false, err
		}
		out = append(out, SRV{Target: s.Target.String(), Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		return true, nil
	})
	return out, err
}

// LookupIP returns the A and AAAA addresses of host. Through Go's
// resolver they come sorted by RFC 6724; from explicit servers, addresses
// with a route come first, IPv6 before IPv4 (RFC 6724 §6 rules 1 and 6).
func (r *dnsResolver) LookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	if !r.explicit {
		ips, err := r.sys.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		for i := range ips {
			ips[i] = ips[i].Unmap()
		}
		return ips, nil
	}
	type result struct {
		ips []netip.Addr
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var res result
		res.err = r.lookup(ctx, host, dnsmessage.TypeAAAA, func(p *dnsmessage.Parser, _ []byte) (bool, error) {
			a, err := p.AAAAResource()
			if err != nil {
				return false, err
			}
			res.ips = append(res.ips, netip.AddrFrom16(a.AAAA).Unmap())
			return true, nil
		})
		ch <- res
	}()
	var v4 []netip.Addr
	err4 := r.lookup(ctx, host, dnsmessage.TypeA, func(p *dnsmessage.Parser, _ []byte) (bool, error) {
		a, err := p.AResource()
		if err != nil {
			return false, err
		}
		v4 = append(v4, netip.AddrFrom4(a.A))
		return true, nil
	})
	v6 := <-ch
	ips := append(v6.ips, v4...)
	if len(ips) == 0 {
		// Both failed: a real failure says more than "no such host".
		if !isNotFound(err4) || v6.err == nil {
			return nil, err4
		}
		return nil, v6.err
	}
	sortByRoute(ips)
	return ips, nil
}

// sortByRoute orders ips so that those the host has a route to come
// first and, among equals, IPv6 before IPv4, keeping the order otherwise:
// rules 1 and 6 of RFC 6724 §6, which is what Go's resolver applies.
func sortByRoute(ips []netip.Addr) {
	rank := make(map[netip.Addr]int, len(ips))
	for _, ip := range ips {
		r := 0
		if !routable(ip) {
			r += 2
		}
		if ip.Is4() {
			r++
		}
		rank[ip] = r
	}
	slices.SortStableFunc(ips, func(a, b netip.Addr) int { return rank[a] - rank[b] })
}

// routable reports whether the host has a route to ip, by connecting a
// UDP socket, which sends nothing.
func routable(ip netip.Addr) bool {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 9)))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// isNotFound reports whether err says the name has no such records.
func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// lookup queries name for qtype and calls each for every answer record
// of that type, class IN, owned by name or by an alias of it reached
// through the CNAME records of the same response, until maxDNSAnswers
// were usable. each reads the record's body from p and reports whether
// the record was usable, or the error of reading the body, in which case
// lookup skips the record. A response with no usable record is a
// not-found error.
func (r *dnsResolver) lookup(ctx context.Context, name string, qtype dnsmessage.Type, each func(p *dnsmessage.Parser, msg []byte) (bool, error)) error {
	fqdn := name
	if !strings.HasSuffix(fqdn, ".") {
		fqdn += "."
	}
	qname, err := dnsmessage.NewName(fqdn)
	if err != nil || fqdn == "." || !validName(fqdn) {
		return &net.DNSError{Err: "invalid domain name", Name: name}
	}
	servers, err := r.serverList(name)
	if err != nil {
		return err
	}
	q := dnsmessage.Question{Name: qname, Type: qtype, Class: dnsmessage.ClassINET}
	msg, server, err := r.exchange(ctx, servers, q)
	if err != nil {
		return err
	}
	owners := aliases(msg, fqdn)
	var p dnsmessage.Parser
	if _, err := p.Start(msg); err != nil {
		return &net.DNSError{Err: "malformed response", Name: name, Server: server}
	}
	if err := p.SkipAllQuestions(); err != nil {
		return &net.DNSError{Err: "malformed response", Name: name, Server: server}
	}
	found := 0
	for found < maxDNSAnswers {
		h, err := p.AnswerHeader()
		if err != nil {
			break // ErrSectionDone, or a malformed record: keep what we have
		}
		if h.Type != qtype || h.Class != dnsmessage.ClassINET || !slices.Contains(owners, strings.ToLower(h.Name.String())) {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		usable, err := each(&p, msg)
		if err != nil && p.SkipAnswer() != nil {
			break
		}
		if usable {
			found++
		}
	}
	if found == 0 {
		return &net.DNSError{Err: "no such host", Name: name, Server: server, IsNotFound: true}
	}
	return nil
}

// aliases returns fqdn, lower-cased, followed by the names the CNAME
// records of msg make it an alias of.
func aliases(msg []byte, fqdn string) []string {
	owners := []string{strings.ToLower(fqdn)}
	var p dnsmessage.Parser
	if _, err := p.Start(msg); err != nil || p.SkipAllQuestions() != nil {
		return owners
	}
	cnames := map[string]string{}
	for range maxDNSAnswers {
		h, err := p.AnswerHeader()
		if err != nil {
			break
		}
		if h.Type != dnsmessage.TypeCNAME {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		c, err := p.CNAMEResource()
		if err != nil {
			break
		}
		cnames[strings.ToLower(h.Name.String())] = strings.ToLower(c.CNAME.String())
	}
	for range maxCNAMEHops {
		next, ok := cnames[owners[len(owners)-1]]
		if !ok || slices.Contains(owners, next) {
			break
		}
		owners = append(owners, next)
	}
	return owners
}

// exchange asks the servers in turn and returns the first answer that is
// a success or a name error (NXDOMAIN, returned as a not-found error),
// with the server that gave it.
func (r *dnsResolver) exchange(ctx context.Context, servers []netip.AddrPort, q dnsmessage.Question) ([]byte, string, error) {
	var lastErr error
	for _, s := range servers {
		if err := ctxDone(ctx); err != nil {
			return nil, "", err
		}
		msg, err := r.exchangeOne(ctx, s, q)
		if err == nil || isNotFound(err) {
			return msg, s.String(), err
		}
		lastErr = err
	}
	if err := ctxDone(ctx); err != nil {
		return nil, "", err
	}
	return nil, "", lastErr
}

// exchangeOne asks one server over UDP, then over TCP if the answer is
// truncated, and checks the response code.
func (r *dnsResolver) exchangeOne(ctx context.Context, server netip.AddrPort, q dnsmessage.Question) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	id := uint16(rand.Uint32())
	query, err := buildQuery(id, q)
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: q.Name.String()}
	}
	msg, h, err := exchangeUDP(ctx, server, query, id, q)
	if err == nil && h.Truncated {
		msg, h, err = exchangeTCP(ctx, server, query, id, q)
	}
	if err != nil {
		dnsErr := &net.DNSError{Err: err.Error(), Name: q.Name.String(), Server: server.String()}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			dnsErr.IsTimeout, dnsErr.IsTemporary = true, true
		}
		return nil, dnsErr
	}
	switch h.RCode {
	case dnsmessage.RCodeSuccess:
		return msg, nil
	case dnsmessage.RCodeNameError:
		return nil, &net.DNSError{Err: "no such host", Name: q.Name.String(), Server: server.String(), IsNotFound: true}
	}
	return nil, &net.DNSError{Err: "server answered " + h.RCode.String(), Name: q.Name.String(), Server: server.String(),
		IsTemporary: h.RCode == dnsmessage.RCodeServerFailure}
}

// buildQuery packs a recursive query for q with an EDNS0 record
// advertising ednsPayload bytes (RFC 6891 §6.2.5).
func buildQuery(id uint16, q dnsmessage.Question) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, 64), dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	var opt dnsmessage.ResourceHeader
	if err := opt.SetEDNS0(ednsPayload, dnsmessage.RCodeSuccess, false); err != nil {
		return nil, err
	}
	if err := b.OPTResource(opt, dnsmessage.OPTResource{}); err != nil {
		return nil, err
	}
	return b.Finish()
}

// checkResponse reports whether msg answers query id for q: the response
// bit set and the question echoed (names compared case-insensitively).
func checkResponse(msg []byte, id uint16, q dnsmessage.Question) (dnsmessage.Header, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || h.ID != id || !h.Response {
		return h, false
	}
	got, err := p.Question()
	if err != nil || got.Type != q.Type || got.Class != q.Class || !strings.EqualFold(got.Name.String(), q.Name.String()) {
		return h, false
	}
	if _, err := p.Question(); err != dnsmessage.ErrSectionDone {
		return h, false
	}
	return h, true
}

// exchangeUDP sends query from a connected socket, so that only the
// server's datagrams are read, and waits for the matching response,
// ignoring others (stale or spoofed ones) until the context ends.
func exchangeUDP(ctx context.Context, server netip.AddrPort, query []byte, id uint16, q dnsmessage.Question) ([]byte, dnsmessage.Header, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", server.String())
	if err != nil {
		return nil, dnsmessage.Header{}, err
	}
	defer c.Close()
	stop := watchContext(ctx, c)
	defer stop()
	if _, err := c.Write(query); err != nil {
		return nil, dnsmessage.Header{}, err
	}
	buf := make([]byte, 65535)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, dnsmessage.Header{}, contextErr(ctx, err)
		}
		if h, ok := checkResponse(buf[:n], id, q); ok {
			return buf[:n:n], h, nil
		}
	}
}

// exchangeTCP sends query over TCP with its two-byte length prefix
// (RFC 1035 §4.2.2) and reads the response.
func exchangeTCP(ctx context.Context, server netip.AddrPort, query []byte, id uint16, q dnsmessage.Question) ([]byte, dnsmessage.Header, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", server.String())
	if err != nil {
		return nil, dnsmessage.Header{}, err
	}
	defer c.Close()
	stop := watchContext(ctx, c)
	defer stop()
	out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(query)), uint16(len(query)))
	if _, err := c.Write(append(out, query...)); err != nil {
		return nil, dnsmessage.Header{}, contextErr(ctx, err)
	}
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		return nil, dnsmessage.Header{}, contextErr(ctx, err)
	}
	msg := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c, msg); err != nil {
		return nil, dnsmessage.Header{}, contextErr(ctx, err)
	}
	h, ok := checkResponse(msg, id, q)
	if !ok {
		return nil, h, errors.New("mismatched response over TCP")
	}
	return msg, h, nil
}

// watchContext applies the context's deadline to c and unblocks c's I/O
// when the context is cancelled; the returned function stops watching.
func watchContext(ctx context.Context, c net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
}

// contextErr returns the context's error, which says why I/O stopped,
// if it has ended, else err.
func contextErr(ctx context.Context, err error) error {
	if cerr := ctxDone(ctx); cerr != nil {
		return cerr
	}
	return err
}

// ctxDone returns the context's error, or context.DeadlineExceeded once
// its deadline has passed even if its timer has not fired yet (a socket
// deadline set from it can expire first).
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// parseNAPTR decodes the RDATA of a NAPTR record (RFC 3403 §4.1): order,
// preference, three character-strings and the replacement, a domain name
// which may (against RFC 3597 §4) be compressed, pointing into msg.
func parseNAPTR(rdata, msg []byte) (NAPTR, bool) {
	if len(rdata) < 4 {
		return NAPTR{}, false
	}
	n := NAPTR{Order: binary.BigEndian.Uint16(rdata), Preference: binary.BigEndian.Uint16(rdata[2:])}
	off := 4
	for _, f := range []*string{&n.Flags, &n.Service, &n.Regexp} {
		if off >= len(rdata) || off+1+int(rdata[off]) > len(rdata) {
			return NAPTR{}, false
		}
		l := int(rdata[off])
		*f = string(rdata[off+1 : off+1+l])
		off += 1 + l
	}
	name, end, ok := decodeName(rdata, off, msg)
	if !ok || end != len(rdata) {
		return NAPTR{}, false
	}
	n.Replacement = name
	return n, true
}

// decodeName reads the wire-format domain name at data[off:], following
// compression pointers into msg (RFC 1035 §4.1.4), and returns it in
// presentation form with a trailing dot ("." for the root) and the offset
// in data after it. It refuses names longer than 254 characters, pointer
// chains longer than ten and labels with characters other than letters,
// digits, '-' and '_', which no host or service name needs.
func decodeName(data []byte, off int, msg []byte) (string, int, bool) {
	var name []byte
	buf, pos, end, hops := data, off, -1, 0
	for {
		if pos >= len(buf) {
			return "", 0, false
		}
		c := int(buf[pos])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				if end < 0 {
					end = pos + 1
				}
				if len(name) == 0 {
					return ".", end, true
				}
				return string(name), end, true
			}
			if pos+1+c > len(buf) || len(name)+c+1 > 254 {
				return "", 0, false
			}
			for _, ch := range buf[pos+1 : pos+1+c] {
				if !hostChar(ch) {
					return "", 0, false
				}
			}
			name = append(append(name, buf[pos+1:pos+1+c]...), '.')
			pos += 1 + c
		case 0xC0:
			if pos+1 >= len(buf) {
				return "", 0, false
			}
			if end < 0 {
				end = pos + 2
			}
			if hops++; hops > 10 {
				return "", 0, false
			}
			buf, pos = msg, (c&0x3F)<<8|int(buf[pos+1])
		default:
			return "", 0, false
		}
	}
}

// hostChar reports whether c may appear in a label of a host or service
// name: a letter, a digit, '-' or '_'.
func hostChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// validName reports whether s is a domain name in presentation form made
// of labels of hostChar characters, 1 to 63 long, with an optional
// trailing dot, at most 254 characters, or the root ".".
func validName(s string) bool {
	if s == "." {
		return true
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !hostChar(label[i]) {
				return false
			}
		}
	}
	return true
}
