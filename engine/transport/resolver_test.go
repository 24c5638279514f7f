package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// testDNS is a DNS server on 127.0.0.1 for tests, over UDP and, on the
// same port, TCP. handle gets each query and returns the messages to send
// back; over TCP only the first is sent.
type testDNS struct {
	t       *testing.T
	addr    string
	handle  func(req *dnsmessage.Message, tcp bool) [][]byte
	udpSeen atomic.Int32
	tcpSeen atomic.Int32
	mu      sync.Mutex
	asked   []dnsmessage.Question
}

func startDNS(t *testing.T, handle func(req *dnsmessage.Message, tcp bool) [][]byte) *testDNS {
	t.Helper()
	s := &testDNS{t: t, handle: handle}
	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	s.addr = pc.LocalAddr().String()
	var wg sync.WaitGroup
	wg.Add(2)
	t.Cleanup(func() { pc.Close(); ln.Close(); wg.Wait() })
	go func() {
		defer wg.Done()
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			s.udpSeen.Add(1)
			for _, out := range s.serve(buf[:n], false) {
				pc.WriteTo(out, from)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.tcpSeen.Add(1)
			var l [2]byte
			if _, err := io.ReadFull(c, l[:]); err == nil {
				req := make([]byte, binary.BigEndian.Uint16(l[:]))
				if _, err := io.ReadFull(c, req); err == nil {
					if out := s.serve(req, true); len(out) > 0 {
						c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(out[0]))))
						c.Write(out[0])
					}
				}
			}
			c.Close()
		}
	}()
	return s
}

func (s *testDNS) serve(b []byte, tcp bool) [][]byte {
	var req dnsmessage.Message
	if err := req.Unpack(b); err != nil {
		s.t.Errorf("test server got a malformed query: %v", err)
		return nil
	}
	s.mu.Lock()
	s.asked = append(s.asked, req.Questions...)
	s.mu.Unlock()
	return s.handle(&req, tcp)
}

func (s *testDNS) queries() int { return int(s.udpSeen.Load() + s.tcpSeen.Load()) }

// resolverFor returns the built-in resolver aimed at the test servers,
// with a short per-server timeout.
func resolverFor(servers ...*testDNS) *dnsResolver {
	var addrs []string
	for _, s := range servers {
		addrs = append(addrs, s.addr)
	}
	r := NewDNSResolver(addrs).(*dnsResolver)
	r.timeout = 500 * time.Millisecond
	return r
}

// reply packs a response to req.
func reply(t *testing.T, req *dnsmessage.Message, rcode dnsmessage.RCode, truncated bool, answers ...dnsmessage.Resource) []byte {
	t.Helper()
	m := dnsmessage.Message{
		Header: dnsmessage.Header{ID: req.ID, Response: true, RecursionDesired: req.RecursionDesired,
			RecursionAvailable: true, RCode: rcode, Truncated: truncated},
		Questions: req.Questions,
		Answers:   answers,
	}
	b, err := m.Pack()
	if err != nil {
		t.Errorf("packing reply: %v", err)
	}
	return b
}

func rrHeader(name string, typ dnsmessage.Type) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET, TTL: 60}
}

// wireName encodes an absolute name without compression.
func wireName(name string) []byte {
	var b []byte
	for label := range strings.SplitSeq(strings.TrimSuffix(name, "."), ".") {
		if label != "" {
			b = append(append(b, byte(len(label))), label...)
		}
	}
	return append(b, 0)
}

func naptrRData(order, pref uint16, flags, service, regexp string, replacement []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, order)
	b = binary.BigEndian.AppendUint16(b, pref)
	for _, s := range []string{flags, service, regexp} {
		b = append(append(b, byte(len(s))), s...)
	}
	return append(b, replacement...)
}

func naptrRR(owner string, rdata []byte) dnsmessage.Resource {
	return dnsmessage.Resource{Header: rrHeader(owner, typeNAPTR), Body: &dnsmessage.UnknownResource{Type: typeNAPTR, Data: rdata}}
}

func srvRR(owner, target string, prio, weight, port uint16) dnsmessage.Resource {
	return dnsmessage.Resource{Header: rrHeader(owner, dnsmessage.TypeSRV),
		Body: &dnsmessage.SRVResource{Target: dnsmessage.MustNewName(target), Priority: prio, Weight: weight, Port: port}}
}

func aRR(owner, ip string) dnsmessage.Resource {
	a := netip.MustParseAddr(ip)
	if a.Is4() {
		return dnsmessage.Resource{Header: rrHeader(owner, dnsmessage.TypeA), Body: &dnsmessage.AResource{A: a.As4()}}
	}
	return dnsmessage.Resource{Header: rrHeader(owner, dnsmessage.TypeAAAA), Body: &dnsmessage.AAAAResource{AAAA: a.As16()}}
}

func TestDNSNAPTRQueryAndParse(t *testing.T) {
	srv := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		if !req.RecursionDesired || req.Response || len(req.Questions) != 1 {
			t.Errorf("bad query header %+v", req.Header)
		}
		q := req.Questions[0]
		if q.Name.String() != "example.com." || q.Type != typeNAPTR || q.Class != dnsmessage.ClassINET {
			t.Errorf("question = %v", q.GoString())
		}
		if len(req.Additionals) != 1 || req.Additionals[0].Header.Type != dnsmessage.TypeOPT || req.Additionals[0].Header.Class != ednsPayload {
			t.Errorf("no EDNS0 OPT record advertising %d bytes: %v", ednsPayload, req.Additionals)
		}
		// "\x04_sip\x04_udp" then a pointer to the question name at
		// offset 12: a compressed replacement, which some servers send.
		compressed := append([]byte("\x04_sip\x04_udp"), 0xC0, 12)
		return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false,
			naptrRR("example.com.", naptrRData(10, 50, "s", "SIPS+D2T", "", wireName("_sips._tcp.example.com."))),
			naptrRR("Example.COM.", naptrRData(20, 50, "S", "SIP+D2U", "", compressed)),
			naptrRR("example.com.", naptrRData(30, 1, "s", "SIP+D2T", "", wireName("bad name.example.com."))),     // dropped
			naptrRR("example.com.", naptrRData(30, 2, "s", "SIP+D2T", "", []byte{3, 'a', 'b'})),                   // truncated: dropped
			naptrRR("example.com.", append(naptrRData(30, 3, "s", "SIP+D2T", "", wireName("x.")), 0)),             // trailing byte: dropped
			naptrRR("other.example.", naptrRData(1, 1, "s", "SIP+D2U", "", wireName("_sip._udp.other.example."))), // not ours
			aRR("example.com.", "192.0.2.1"),
			naptrRR("example.com.", naptrRData(40, 10, "u", "E2U+sip", "!^.*$!sip:info@example.com!", wireName("."))),
		)}
	})
	got, err := resolverFor(srv).LookupNAPTR(t.Context(), "example.com")
	want := []NAPTR{
		{Order: 10, Preference: 50, Flags: "s", Service: "SIPS+D2T", Replacement: "_sips._tcp.example.com."},
		{Order: 20, Preference: 50, Flags: "S", Service: "SIP+D2U", Replacement: "_sip._udp.example.com."},
		{Order: 40, Preference: 10, Flags: "u", Service: "E2U+sip", Regexp: "!^.*$!sip:info@example.com!", Replacement: "."},
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("LookupNAPTR = %+v, %v\nwant %+v", got, err, want)
	}
	if srv.tcpSeen.Load() != 0 {
		t.Error("used TCP without truncation")
	}
}

func TestDNSFollowsCNAME(t *testing.T) {
	srv := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false,
			dnsmessage.Resource{Header: rrHeader("example.com.", dnsmessage.TypeCNAME),
				Body: &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName("sip.example.net.")}},
			naptrRR("SIP.example.net.", naptrRData(1, 1, "s", "SIP+D2U", "", wireName("_sip._udp.example.net."))),
		)}
	})
	got, err := resolverFor(srv).LookupNAPTR(t.Context(), "example.com.")
	if err != nil || len(got) != 1 || got[0].Replacement != "_sip._udp.example.net." {
		t.Errorf("LookupNAPTR = %+v, %v", got, err)
	}
}

func TestDNSTruncatedRetriesOverTCP(t *testing.T) {
	srv := startDNS(t, func(req *dnsmessage.Message, tcp bool) [][]byte {
		if !tcp {
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, true)}
		}
		return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false,
			naptrRR("example.com.", naptrRData(1, 1, "s", "SIP+D2T", "", wireName("_sip._tcp.example.com."))))}
	})
	got, err := resolverFor(srv).LookupNAPTR(t.Context(), "example.com")
	if err != nil || len(got) != 1 || got[0].Service != "SIP+D2T" {
		t.Errorf("LookupNAPTR = %+v, %v", got, err)
	}
	if srv.udpSeen.Load() != 1 || srv.tcpSeen.Load() != 1 {
		t.Errorf("UDP queries %d, TCP %d; want 1 each", srv.udpSeen.Load(), srv.tcpSeen.Load())
	}
}

func TestDNSIgnoresMismatchedResponses(t *testing.T) {
	srv := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		good := naptrRR("example.com.", naptrRData(1, 1, "s", "SIP+D2U", "", wireName("_sip._udp.example.com.")))
		evil := naptrRR("example.com.", naptrRData(1, 1, "s", "SIP+D2U", "", wireName("_sip._udp.evil.example.")))
		wrongID := *req
		wrongID.ID++
		wrongQ := *req
		wrongQ.Questions = []dnsmessage.Question{{Name: dnsmessage.MustNewName("evil.example."), Type: typeNAPTR, Class: dnsmessage.ClassINET}}
		notResponse := reply(t, req, dnsmessage.RCodeSuccess, false, evil)
		notResponse[2] &^= 0x80 // clear QR
		return [][]byte{
			reply(t, &wrongID, dnsmessage.RCodeSuccess, false, evil),
			reply(t, &wrongQ, dnsmessage.RCodeSuccess, false, evil),
			notResponse,
			[]byte("garbage"),
			reply(t, req, dnsmessage.RCodeSuccess, false, good),
		}
	})
	got, err := resolverFor(srv).LookupNAPTR(t.Context(), "example.com")
	if err != nil || len(got) != 1 || got[0].Replacement != "_sip._udp.example.com." {
		t.Errorf("LookupNAPTR = %+v, %v", got, err)
	}
}

func TestDNSServerFailover(t *testing.T) {
	// A port nobody listens on: the connected socket sees the refusal.
	dead, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.LocalAddr().String()
	dead.Close()
	servfail := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		return [][]byte{reply(t, req, dnsmessage.RCodeServerFailure, false)}
	})
	silent := startDNS(t, func(*dnsmessage.Message, bool) [][]byte { return nil })
	good := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false,
			naptrRR("example.com.", naptrRData(1, 1, "s", "SIP+D2U", "", wireName("_sip._udp.example.com."))))}
	})
	r := NewDNSResolver([]string{deadAddr, servfail.addr, silent.addr, good.addr, "not an address"}).(*dnsResolver)
	r.timeout = 200 * time.Millisecond
	start := time.Now()
	got, err := r.LookupNAPTR(t.Context(), "example.com")
	if err != nil || len(got) != 1 {
		t.Fatalf("LookupNAPTR = %+v, %v", got, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failover took %v", d)
	}
	if servfail.queries() != 1 || silent.queries() != 1 || good.queries() != 1 {
		t.Errorf("queries: servfail %d, silent %d, good %d; want 1 each", servfail.queries(), silent.queries(), good.queries())
	}
	if len(r.servers) != 4 {
		t.Errorf("servers %v; want the 4 valid ones", r.servers)
	}

	// All fail: the last error comes back.
	r = resolverFor(servfail)
	_, err = r.LookupNAPTR(t.Context(), "example.com")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsTemporary || de.IsNotFound {
		t.Errorf("err = %#v; want a temporary DNS error", err)
	}
}

func TestDNSNotFound(t *testing.T) {
	nx := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		return [][]byte{reply(t, req, dnsmessage.RCodeNameError, false)}
	})
	empty := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false)}
	})
	// NXDOMAIN is an answer: the next server is not asked.
	_, err := resolverFor(nx, empty).LookupNAPTR(t.Context(), "example.com")
	if !isNotFound(err) || empty.queries() != 0 {
		t.Errorf("err = %v, next server asked %d times; want not found, 0", err, empty.queries())
	}
	for _, r := range []*dnsResolver{resolverFor(empty), resolverFor(nx)} {
		if _, err := r.LookupSRV(t.Context(), "_sip._udp.example.com"); !isNotFound(err) {
			t.Errorf("LookupSRV err = %v; want not found", err)
		}
		if _, err := r.LookupIP(t.Context(), "example.com"); !isNotFound(err) {
			t.Errorf("LookupIP err = %v; want not found", err)
		}
	}
	// Bad names are refused without a query.
	before := empty.queries()
	for _, name := range []string{"", "a..b", strings.Repeat("a", 64) + ".com", strings.Repeat("abcdefg.", 40) + "com", "sp ace.com"} {
		if _, err := resolverFor(empty).LookupNAPTR(t.Context(), name); err == nil {
			t.Errorf("LookupNAPTR(%q) succeeded", name)
		}
	}
	if empty.queries() != before {
		t.Error("bad names were sent")
	}
}

func TestDNSContextDeadline(t *testing.T) {
	silent := startDNS(t, func(*dnsmessage.Message, bool) [][]byte { return nil })
	r := resolverFor(silent)
	r.timeout = time.Minute
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.LookupNAPTR(ctx, "example.com")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v after a 150ms deadline", d)
	}

	// Cancellation (no deadline) also unblocks the read.
	ctx, cancel = context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = r.LookupSRV(ctx, "_sip._udp.example.com")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}

func TestDNSSRVAndIP(t *testing.T) {
	srv := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		q := req.Questions[0]
		switch {
		case q.Type == dnsmessage.TypeSRV && q.Name.String() == "_sip._udp.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false,
				srvRR("_sip._udp.example.com.", "sip1.example.com.", 10, 60, 5060),
				srvRR("_sip._udp.example.com.", "sip2.example.com.", 20, 0, 5070),
				srvRR("_sip._udp.example.com.", "under_score.example.com.", 30, 0, 5080))}
		case q.Type == dnsmessage.TypeA && q.Name.String() == "sip1.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false, aRR("sip1.example.com.", "127.0.0.2"), aRR("sip1.example.com.", "192.0.2.2"))}
		case q.Type == dnsmessage.TypeAAAA && q.Name.String() == "sip1.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false, aRR("sip1.example.com.", "2001:db8::1"))}
		case q.Type == dnsmessage.TypeAAAA && q.Name.String() == "v4only.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false)}
		case q.Type == dnsmessage.TypeA && q.Name.String() == "v4only.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false, aRR("v4only.example.com.", "192.0.2.9"))}
		}
		return [][]byte{reply(t, req, dnsmessage.RCodeNameError, false)}
	})
	r := resolverFor(srv)
	srvs, err := r.LookupSRV(t.Context(), "_sip._udp.example.com")
	want := []SRV{
		{Target: "sip1.example.com.", Port: 5060, Priority: 10, Weight: 60},
		{Target: "sip2.example.com.", Port: 5070, Priority: 20},
		{Target: "under_score.example.com.", Port: 5080, Priority: 30},
	}
	if err != nil || !slices.Equal(srvs, want) {
		t.Errorf("LookupSRV = %+v, %v\nwant %+v", srvs, err, want)
	}
	addrs, err := r.LookupIP(t.Context(), "sip1.example.com")
	if err != nil || len(addrs) != 3 {
		t.Fatalf("LookupIP = %v, %v", addrs, err)
	}
	// 127.0.0.2 has a route on any host; the others may not.
	if addrs[0] != netip.MustParseAddr("127.0.0.2") && addrs[0] != netip.MustParseAddr("2001:db8::1") {
		t.Errorf("LookupIP order %v: a routable address should come first", addrs)
	}
	set := slices.Clone(addrs)
	slices.SortFunc(set, netip.Addr.Compare)
	if !slices.Equal(set, ips("127.0.0.2", "192.0.2.2", "2001:db8::1")) {
		t.Errorf("LookupIP = %v", addrs)
	}
	if addrs, err := r.LookupIP(t.Context(), "v4only.example.com"); err != nil || !slices.Equal(addrs, ips("192.0.2.9")) {
		t.Errorf("LookupIP(v4only) = %v, %v", addrs, err)
	}
}

func TestSortByRoute(t *testing.T) {
	// Loopback is always routable; the unique-local and documentation
	// ranges have a route only through a default route, so only check
	// that routable IPv6 loopback leads IPv4 loopback and that nothing is
	// lost.
	in := ips("127.0.0.1", "::1", "127.0.0.3")
	sortByRoute(in)
	if !routable(netip.MustParseAddr("::1")) {
		t.Fatal("no IPv6 loopback: sk400vop is tested on [::1] (RFC 5118 hosts)")
	}
	if !slices.Equal(in, ips("::1", "127.0.0.1", "127.0.0.3")) {
		t.Errorf("sortByRoute = %v", in)
	}
}

func TestLocateThroughDNSResolver(t *testing.T) {
	srv := startDNS(t, func(req *dnsmessage.Message, _ bool) [][]byte {
		q := req.Questions[0]
		name := q.Name.String()
		switch {
		case q.Type == typeNAPTR && name == "example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false,
				naptrRR(name, naptrRData(10, 10, "s", "SIP+D2T", "", wireName("_sip._tcp.example.com."))),
				naptrRR(name, naptrRData(20, 10, "s", "SIP+D2U", "", wireName("_sip._udp.example.com."))))}
		case q.Type == dnsmessage.TypeSRV && name == "_sip._tcp.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false, srvRR(name, "pbx.example.com.", 1, 1, 5080))}
		case q.Type == dnsmessage.TypeSRV && name == "_sip._udp.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false, srvRR(name, "pbx.example.com.", 1, 1, 5060))}
		case q.Type == dnsmessage.TypeA && name == "pbx.example.com.":
			return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false, aRR(name, "127.0.0.7"))}
		}
		return [][]byte{reply(t, req, dnsmessage.RCodeSuccess, false)}
	})
	got, err := Locate(t.Context(), resolverFor(srv), mustURI(t, "sip:bob@example.com"), seeded())
	if want := "TCP:127.0.0.7:5080 UDP:127.0.0.7:5060"; err != nil || targets(got) != want {
		t.Errorf("Locate = %s, %v; want %s", targets(got), err, want)
	}
}

func TestSystemServers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "resolv.conf")
	conf := "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver  2001:db8::53 \noptions ndots:2\nnameserver bogus\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	got := systemServers(path)
	want := []netip.AddrPort{
		netip.MustParseAddrPort("192.0.2.53:53"),
		netip.MustParseAddrPort("[2001:db8::53]:53"),
		netip.MustParseAddrPort("192.0.2.54:53"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("systemServers = %v; want %v", got, want)
	}
	got = systemServers(filepath.Join(dir, "missing"))
	if len(got) != 2 || !got[0].Addr().IsLoopback() {
		t.Errorf("systemServers(missing) = %v; want the loopback defaults", got)
	}
	// Without explicit servers the resolver uses the system's.
	r := NewDNSResolver(nil).(*dnsResolver)
	if r.explicit || r.sys == nil {
		t.Errorf("NewDNSResolver(nil) = %+v", r)
	}
	if ips, err := r.LookupIP(t.Context(), "localhost"); err != nil || len(ips) == 0 || !ips[0].IsLoopback() {
		t.Logf("LookupIP(localhost) via the system resolver = %v, %v (not fatal: depends on /etc/hosts)", ips, err)
	}
}

func TestParseServer(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:5353":  "192.0.2.1:5353",
		"192.0.2.1":       "192.0.2.1:53",
		"[2001:db8::1]:5": "[2001:db8::1]:5",
		"2001:db8::1":     "[2001:db8::1]:53",
		"[2001:db8::1]":   "[2001:db8::1]:53",
	} {
		if got, ok := parseServer(in); !ok || got.String() != want {
			t.Errorf("parseServer(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "dns.example.com:53", "192.0.2.1:0", "192.0.2.1:x"} {
		if got, ok := parseServer(in); ok {
			t.Errorf("parseServer(%q) = %v; want failure", in, got)
		}
	}
	r := NewDNSResolver([]string{"bogus"})
	if _, err := r.LookupSRV(t.Context(), "_sip._udp.example.com"); err == nil || !strings.Contains(err.Error(), "no valid DNS server") {
		t.Errorf("LookupSRV with no valid server: %v", err)
	}
}

func TestBuildQuery(t *testing.T) {
	q := dnsmessage.Question{Name: dnsmessage.MustNewName("example.com."), Type: typeNAPTR, Class: dnsmessage.ClassINET}
	b, err := buildQuery(0xBEEF, q)
	if err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	if m.ID != 0xBEEF || !m.RecursionDesired || m.Response || len(m.Questions) != 1 || m.Questions[0] != q {
		t.Errorf("query = %v", m.GoString())
	}
	if len(m.Additionals) != 1 || m.Additionals[0].Header.Type != dnsmessage.TypeOPT {
		t.Errorf("additionals = %v", m.Additionals)
	}
	if _, ok := checkResponse(b, 0xBEEF, q); ok {
		t.Error("a query was taken for a response")
	}
}

func TestDecodeName(t *testing.T) {
	msg := append(make([]byte, 12), wireName("example.com.")...) // name at offset 12
	tests := []struct {
		data     []byte
		want     string
		wantEnd  int
		wantOkay bool
	}{
		{[]byte{0}, ".", 1, true},
		{wireName("_sip._udp.example.com."), "_sip._udp.example.com.", 23, true},
		{[]byte{4, '_', 's', 'i', 'p', 0xC0, 12, 99}, "_sip.example.com.", 7, true},
		{[]byte{0xC0, 12}, "example.com.", 2, true},
		{[]byte{0xC0, 0}, ".", 2, true},             // offset 0 of msg is a zero byte: the root
		{[]byte{3, 'a', '.', 'b', 0}, "", 0, false}, // dot inside a label
		{[]byte{3, 'a', 'b'}, "", 0, false},         // runs out
		{[]byte{0x80, 1}, "", 0, false},             // reserved label type
		{[]byte{0xC0}, "", 0, false},                // half a pointer
		{[]byte{0xC0, 200}, "", 0, false},           // pointer past the message
	}
	for _, tt := range tests {
		got, end, ok := decodeName(tt.data, 0, msg)
		if ok != tt.wantOkay || got != tt.want || (ok && end != tt.wantEnd) {
			t.Errorf("decodeName(%v) = %q, %d, %v; want %q, %d, %v", tt.data, got, end, ok, tt.want, tt.wantEnd, tt.wantOkay)
		}
	}
	// A pointer loop ends.
	loop := []byte{0xC0, 0}
	if _, _, ok := decodeName(loop, 0, loop); ok {
		t.Error("pointer loop accepted")
	}
	// Over-long names are refused.
	long := []byte{}
	for range 5 {
		long = append(long, 63)
		long = append(long, strings.Repeat("a", 63)...)
	}
	if _, _, ok := decodeName(append(long, 0), 0, nil); ok {
		t.Error("name over 254 characters accepted")
	}
}

func FuzzParseNAPTR(f *testing.F) {
	f.Add(naptrRData(1, 2, "s", "SIP+D2U", "", wireName("_sip._udp.example.com.")), []byte{})
	f.Add(naptrRData(1, 2, "s", "SIP+D2U", "", []byte{0xC0, 0}), []byte{0xC0, 0})
	f.Add([]byte{0, 1, 0, 2, 255}, []byte{})
	f.Fuzz(func(t *testing.T, rdata, msg []byte) {
		n, ok := parseNAPTR(rdata, msg)
		if !ok {
			return
		}
		if !validName(n.Replacement) {
			t.Errorf("invalid replacement %q accepted", n.Replacement)
		}
	})
}

func TestValidName(t *testing.T) {
	for _, s := range []string{".", "a", "a.", "_sip._udp.example.com", "x-1.example.", strings.Repeat("a", 63)} {
		if !validName(s) {
			t.Errorf("validName(%q) = false", s)
		}
	}
	for _, s := range []string{"", "..", "a..b", ".a", "a b", "a/b", strings.Repeat("a", 64), strings.Repeat("a.", 127) + "ab"} {
		if validName(s) {
			t.Errorf("validName(%q) = true", s)
		}
	}
}
