package transport

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// fakeDNS is a map-backed Resolver. Names are looked up as given; a name
// missing from a map is not found. With forbid set, any call fails the
// test.
type fakeDNS struct {
	t      *testing.T
	forbid bool
	naptr  map[string][]NAPTR
	srv    map[string][]SRV
	ip     map[string][]netip.Addr
	errs   map[string]error // "NAPTR name", "SRV name" or "IP name" → error
	calls  []string         // "NAPTR name", "SRV name", "IP name", in order
}

func (f *fakeDNS) call(kind, name string) error {
	f.t.Helper()
	key := kind + " " + name
	if f.forbid {
		f.t.Errorf("resolver called: %s", key)
	}
	f.calls = append(f.calls, key)
	if err := f.errs[key]; err != nil {
		return err
	}
	return nil
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f *fakeDNS) LookupNAPTR(_ context.Context, name string) ([]NAPTR, error) {
	if err := f.call("NAPTR", name); err != nil {
		return nil, err
	}
	if r, ok := f.naptr[name]; ok {
		return r, nil
	}
	return nil, notFound(name)
}

func (f *fakeDNS) LookupSRV(_ context.Context, name string) ([]SRV, error) {
	if err := f.call("SRV", name); err != nil {
		return nil, err
	}
	if r, ok := f.srv[name]; ok {
		return r, nil
	}
	return nil, notFound(name)
}

func (f *fakeDNS) LookupIP(_ context.Context, name string) ([]netip.Addr, error) {
	if err := f.call("IP", name); err != nil {
		return nil, err
	}
	if r, ok := f.ip[name]; ok {
		return r, nil
	}
	return nil, notFound(name)
}

func mustURI(t *testing.T, s string) sip.URI {
	t.Helper()
	u, err := sip.ParseURI(s)
	if err != nil {
		t.Fatalf("ParseURI(%q): %v", s, err)
	}
	return u
}

func ips(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, x := range s {
		out[i] = netip.MustParseAddr(x)
	}
	return out
}

// targets renders addresses compactly for comparison.
func targets(as []Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, " ")
}

func seeded() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestLocateNumericNeverResolves(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"sip:alice@192.0.2.4", "UDP:192.0.2.4:5060"},
		{"sip:alice@192.0.2.4:5070", "UDP:192.0.2.4:5070"},
		{"sip:192.0.2.4;transport=tcp", "TCP:192.0.2.4:5060"},
		{"sip:192.0.2.4;transport=TLS", "TLS:192.0.2.4:5061"},
		{"sips:192.0.2.4", "TLS:192.0.2.4:5061"},
		{"sips:192.0.2.4:5999;transport=tcp", "TLS:192.0.2.4:5999"},
		{"sip:[2001:db8::1]", "UDP:[2001:db8::1]:5060"},
		{"sips:[2001:db8::1]:5071", "TLS:[2001:db8::1]:5071"},
		{"sip:010.000.000.001", "UDP:10.0.0.1:5060"}, // RFC 3261 IPv4address: decimal with leading zeros
		// maddr replaces the host; TLS still verifies the URI's domain (RFC 5922).
		{"sip:alice@example.com;maddr=192.0.2.9", "UDP:192.0.2.9:5060"},
		{"sip:alice@example.com:5080;maddr=192.0.2.9;transport=tcp", "TCP:192.0.2.9:5080"},
		{"sips:alice@Example.COM.;maddr=192.0.2.9", "TLS:192.0.2.9:5061(example.com)"},
		{"sip:alice@example.com;maddr=[2001:db8::9]", "UDP:[2001:db8::9]:5060"},
	}
	for _, tt := range tests {
		f := &fakeDNS{t: t, forbid: true}
		got, err := Locate(t.Context(), f, mustURI(t, tt.uri), seeded())
		if err != nil || targets(got) != tt.want {
			t.Errorf("Locate(%s) = %s, %v; want %s", tt.uri, targets(got), err, tt.want)
		}
	}
	// A nil resolver is fine when none is needed.
	if got, err := Locate(t.Context(), nil, mustURI(t, "sip:192.0.2.4"), nil); err != nil || len(got) != 1 {
		t.Errorf("nil resolver: %v, %v", got, err)
	}
}

func TestLocateRefused(t *testing.T) {
	tests := []struct {
		uri  string
		want error
	}{
		{"sips:example.com;transport=udp", ErrSIPSDowngrade},
		{"sips:example.com;transport=UDP", ErrSIPSDowngrade},
		{"sips:192.0.2.4;transport=udp", ErrSIPSDowngrade},
		{"sips:example.com:5061;transport=udp", ErrSIPSDowngrade},
		{"sip:example.com;transport=sctp", ErrUnsupported},
		{"sips:example.com;transport=ws", ErrUnsupported},
		{"tel:+15551234567", ErrUnsupported},
		{"mailto:alice@example.com", ErrUnsupported},
		{"sip:0.0.0.0", ErrNoTargets},
	}
	for _, tt := range tests {
		f := &fakeDNS{t: t, forbid: true}
		got, err := Locate(t.Context(), f, mustURI(t, tt.uri), seeded())
		if !errors.Is(err, tt.want) || got != nil {
			t.Errorf("Locate(%s) = %v, %v; want %v", tt.uri, got, err, tt.want)
		}
	}
}

func TestLocateExplicitPort(t *testing.T) {
	f := &fakeDNS{t: t, ip: map[string][]netip.Addr{
		"example.com": ips("2001:db8::1", "192.0.2.1", "192.0.2.2"),
	}}
	tests := []struct{ uri, want string }{
		{"sip:example.com:5070", "UDP:[2001:db8::1]:5070 UDP:192.0.2.1:5070 UDP:192.0.2.2:5070"},
		{"sip:example.com.:5070;transport=tcp", "TCP:[2001:db8::1]:5070 TCP:192.0.2.1:5070 TCP:192.0.2.2:5070"},
		{"sips:bob@EXAMPLE.com:5071", "TLS:[2001:db8::1]:5071(example.com) TLS:192.0.2.1:5071(example.com) TLS:192.0.2.2:5071(example.com)"},
		{"sip:x@other.example:5070;maddr=example.com", "UDP:[2001:db8::1]:5070 UDP:192.0.2.1:5070 UDP:192.0.2.2:5070"},
		{"sips:x@other.example:5070;maddr=example.com", "TLS:[2001:db8::1]:5070(other.example) TLS:192.0.2.1:5070(other.example) TLS:192.0.2.2:5070(other.example)"},
	}
	for _, tt := range tests {
		f.calls = nil
		got, err := Locate(t.Context(), f, mustURI(t, tt.uri), seeded())
		if err != nil || targets(got) != tt.want {
			t.Errorf("Locate(%s) = %s, %v; want %s", tt.uri, targets(got), err, tt.want)
		}
		if len(f.calls) != 1 || !strings.HasPrefix(f.calls[0], "IP ") {
			t.Errorf("Locate(%s) made calls %q; want one IP lookup", tt.uri, f.calls)
		}
	}
}

// naptrZone is a domain with NAPTR records for every transport and some
// that must be ignored.
func naptrZone(t *testing.T) *fakeDNS {
	return &fakeDNS{t: t,
		naptr: map[string][]NAPTR{"example.com": {
			{Order: 50, Preference: 50, Flags: "s", Service: "SIP+D2U", Replacement: "_sip._udp.example.com."},
			{Order: 10, Preference: 90, Flags: "s", Service: "SIP+D2T", Replacement: "_sip._tcp.example.com."},
			{Order: 10, Preference: 50, Flags: "S", Service: "sips+d2t", Replacement: "_sips._tcp.example.com."},
			{Order: 1, Preference: 1, Flags: "s", Service: "SIP+D2S", Replacement: "_sip._sctp.example.com."}, // SCTP: not spoken
			{Order: 1, Preference: 1, Flags: "u", Service: "E2U+sip", Regexp: "!^.*$!sip:x@y!"},               // not a SIP service
			{Order: 1, Preference: 2, Flags: "a", Service: "SIP+D2U", Replacement: "a.example.com."},          // wrong flag
			{Order: 1, Preference: 3, Flags: "s", Service: "SIP+D2W", Replacement: "_sip._ws.example.com."},   // websocket
			{Order: 1, Preference: 4, Flags: "s", Service: "SIP+D2U", Replacement: "."},                       // no replacement
			{Order: 60, Preference: 1, Flags: "s", Service: "SIP+D2U", Replacement: "_sip._udp.example.com"},  // duplicate
		}},
		srv: map[string][]SRV{
			"_sip._udp.example.com":  {{Target: "udp.example.com.", Port: 5060, Priority: 1, Weight: 1}},
			"_sip._tcp.example.com":  {{Target: "tcp.example.com.", Port: 5060, Priority: 1, Weight: 1}},
			"_sips._tcp.example.com": {{Target: "tls.example.com.", Port: 5061, Priority: 1, Weight: 1}},
			"_sip._sctp.example.com": {{Target: "sctp.example.com.", Port: 5060}},
			"_sip._ws.example.com":   {{Target: "ws.example.com.", Port: 80}},
		},
		ip: map[string][]netip.Addr{
			"udp.example.com":  ips("192.0.2.1"),
			"tcp.example.com":  ips("2001:db8::2", "192.0.2.2"),
			"tls.example.com":  ips("192.0.2.3"),
			"sctp.example.com": ips("192.0.2.99"),
			"ws.example.com":   ips("192.0.2.98"),
			"example.com":      ips("192.0.2.97"),
		},
	}
}

func TestLocateNAPTR(t *testing.T) {
	f := naptrZone(t)
	got, err := Locate(t.Context(), f, mustURI(t, "sip:alice@Example.com"), seeded())
	want := "TLS:192.0.2.3:5061(example.com) TCP:[2001:db8::2]:5060 TCP:192.0.2.2:5060 UDP:192.0.2.1:5060"
	if err != nil || targets(got) != want {
		t.Errorf("sip: got %s, %v; want %s", targets(got), err, want)
	}
	wantCalls := []string{"NAPTR example.com",
		"SRV _sips._tcp.example.com", "IP tls.example.com",
		"SRV _sip._tcp.example.com", "IP tcp.example.com",
		"SRV _sip._udp.example.com", "IP udp.example.com"}
	if !slices.Equal(f.calls, wantCalls) {
		t.Errorf("calls = %q\nwant    %q", f.calls, wantCalls)
	}

	// sips: only SIPS+D2T.
	f = naptrZone(t)
	got, err = Locate(t.Context(), f, mustURI(t, "sips:alice@example.com"), seeded())
	want = "TLS:192.0.2.3:5061(example.com)"
	if err != nil || targets(got) != want {
		t.Errorf("sips: got %s, %v; want %s", targets(got), err, want)
	}
	for _, c := range f.calls {
		if strings.Contains(c, "_sip._") {
			t.Errorf("sips URI looked up %s", c)
		}
	}
}

func TestLocateNAPTRUnusableFallsBackToSRV(t *testing.T) {
	f := naptrZone(t)
	f.naptr["example.com"] = []NAPTR{
		{Order: 1, Preference: 1, Flags: "s", Service: "SIP+D2S", Replacement: "_sip._sctp.example.com."},
	}
	got, err := Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	want := "TLS:192.0.2.3:5061(example.com) TCP:[2001:db8::2]:5060 TCP:192.0.2.2:5060 UDP:192.0.2.1:5060"
	if err != nil || targets(got) != want {
		t.Errorf("got %s, %v; want %s", targets(got), err, want)
	}

	// NAPTR for a sips URI offering only insecure transports: _sips._tcp SRV.
	f = naptrZone(t)
	f.naptr["example.com"] = f.naptr["example.com"][:2]
	got, err = Locate(t.Context(), f, mustURI(t, "sips:example.com"), seeded())
	want = "TLS:192.0.2.3:5061(example.com)"
	if err != nil || targets(got) != want {
		t.Errorf("sips: got %s, %v; want %s", targets(got), err, want)
	}

	// Usable NAPTR records whose SRV names do not exist: SRV fallback.
	f = naptrZone(t)
	f.naptr["example.com"] = []NAPTR{{Order: 1, Flags: "s", Service: "SIP+D2U", Replacement: "_sip._udp.missing.example."}}
	got, err = Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	want = "TLS:192.0.2.3:5061(example.com) TCP:[2001:db8::2]:5060 TCP:192.0.2.2:5060 UDP:192.0.2.1:5060"
	if err != nil || targets(got) != want {
		t.Errorf("dangling NAPTR: got %s, %v; want %s", targets(got), err, want)
	}
}

func TestLocateSRVWithoutNAPTR(t *testing.T) {
	f := naptrZone(t)
	delete(f.naptr, "example.com")
	delete(f.srv, "_sips._tcp.example.com")
	got, err := Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	want := "TCP:[2001:db8::2]:5060 TCP:192.0.2.2:5060 UDP:192.0.2.1:5060"
	if err != nil || targets(got) != want {
		t.Errorf("got %s, %v; want %s", targets(got), err, want)
	}
	wantCalls := []string{"NAPTR example.com", "SRV _sips._tcp.example.com",
		"SRV _sip._tcp.example.com", "IP tcp.example.com",
		"SRV _sip._udp.example.com", "IP udp.example.com"}
	if !slices.Equal(f.calls, wantCalls) {
		t.Errorf("calls = %q\nwant    %q", f.calls, wantCalls)
	}

	// sips: only _sips._tcp is asked, and its absence means A/AAAA on 5061.
	f.calls = nil
	got, err = Locate(t.Context(), f, mustURI(t, "sips:example.com"), seeded())
	want = "TLS:192.0.2.97:5061(example.com)"
	if err != nil || targets(got) != want {
		t.Errorf("sips: got %s, %v; want %s", targets(got), err, want)
	}
	wantCalls = []string{"NAPTR example.com", "SRV _sips._tcp.example.com", "IP example.com"}
	if !slices.Equal(f.calls, wantCalls) {
		t.Errorf("sips calls = %q\nwant    %q", f.calls, wantCalls)
	}
}

func TestLocateTransportParam(t *testing.T) {
	tests := []struct {
		uri, want string
		calls     []string
	}{
		{"sip:example.com;transport=tcp", "TCP:[2001:db8::2]:5060 TCP:192.0.2.2:5060",
			[]string{"SRV _sip._tcp.example.com", "IP tcp.example.com"}},
		{"sip:example.com;transport=udp", "UDP:192.0.2.1:5060",
			[]string{"SRV _sip._udp.example.com", "IP udp.example.com"}},
		// RFC 3263 §4.1: TLS uses _sips._tcp even for a sip URI.
		{"sip:example.com;transport=tls", "TLS:192.0.2.3:5061(example.com)",
			[]string{"SRV _sips._tcp.example.com", "IP tls.example.com"}},
		// RFC 3261 §26.2.2: sips with transport=tcp is TLS.
		{"sips:example.com;transport=tcp", "TLS:192.0.2.3:5061(example.com)",
			[]string{"SRV _sips._tcp.example.com", "IP tls.example.com"}},
	}
	for _, tt := range tests {
		f := naptrZone(t)
		got, err := Locate(t.Context(), f, mustURI(t, tt.uri), seeded())
		if err != nil || targets(got) != tt.want {
			t.Errorf("Locate(%s) = %s, %v; want %s", tt.uri, targets(got), err, tt.want)
		}
		if !slices.Equal(f.calls, tt.calls) {
			t.Errorf("Locate(%s) calls = %q; want %q", tt.uri, f.calls, tt.calls)
		}
	}

	// No SRV for the chosen transport: A/AAAA with its default port.
	f := &fakeDNS{t: t, ip: map[string][]netip.Addr{"example.org": ips("192.0.2.50", "2001:db8::50")}}
	for uri, want := range map[string]string{
		"sip:example.org;transport=tcp":  "TCP:192.0.2.50:5060 TCP:[2001:db8::50]:5060",
		"sip:example.org;transport=tls":  "TLS:192.0.2.50:5061(example.org) TLS:[2001:db8::50]:5061(example.org)",
		"sips:example.org;transport=tcp": "TLS:192.0.2.50:5061(example.org) TLS:[2001:db8::50]:5061(example.org)",
		"sip:example.org":                "UDP:192.0.2.50:5060 UDP:[2001:db8::50]:5060",
		"sips:example.org":               "TLS:192.0.2.50:5061(example.org) TLS:[2001:db8::50]:5061(example.org)",
	} {
		got, err := Locate(t.Context(), f, mustURI(t, uri), seeded())
		if err != nil || targets(got) != want {
			t.Errorf("Locate(%s) = %s, %v; want %s", uri, targets(got), err, want)
		}
	}
}

func TestLocateTLSHostIsURIDomain(t *testing.T) {
	f := &fakeDNS{t: t,
		srv: map[string][]SRV{"_sips._tcp.atlanta.example": {
			{Target: "edge1.provider.example.", Port: 5061, Priority: 1},
			{Target: "edge2.provider.example", Port: 5062, Priority: 2},
		}},
		ip: map[string][]netip.Addr{
			"edge1.provider.example": ips("192.0.2.10"),
			"edge2.provider.example": ips("192.0.2.11"),
		},
	}
	// Names are looked up lower-cased; the TLS name is lower-cased too.
	got, err := Locate(t.Context(), f, mustURI(t, "sips:bob@Atlanta.Example."), seeded())
	want := "TLS:192.0.2.10:5061(atlanta.example) TLS:192.0.2.11:5062(atlanta.example)"
	if err != nil || targets(got) != want {
		t.Errorf("got %s, %v; want %s", targets(got), err, want)
	}
	for _, a := range got {
		if a.Flow != 0 {
			t.Errorf("Flow set: %v", a)
		}
	}
}

func TestLocateSRVDotMeansNoService(t *testing.T) {
	f := &fakeDNS{t: t,
		srv: map[string][]SRV{"_sip._udp.example.net": {{Target: ".", Port: 0}}},
		ip:  map[string][]netip.Addr{"example.net": ips("192.0.2.7")},
	}
	got, err := Locate(t.Context(), f, mustURI(t, "sip:example.net;transport=udp"), seeded())
	if !errors.Is(err, ErrNoTargets) || got != nil {
		t.Errorf("got %v, %v; want ErrNoTargets", got, err)
	}
	if slices.Contains(f.calls, "IP example.net") {
		t.Errorf("fell back to A/AAAA after a \".\" SRV: %q", f.calls)
	}
	// Without a transport parameter the other transports are still tried.
	f.srv["_sip._tcp.example.net"] = []SRV{{Target: "sip.example.net", Port: 5060}}
	f.ip["sip.example.net"] = ips("192.0.2.8")
	got, err = Locate(t.Context(), f, mustURI(t, "sip:example.net"), seeded())
	if want := "TCP:192.0.2.8:5060"; err != nil || targets(got) != want {
		t.Errorf("got %s, %v; want %s", targets(got), err, want)
	}
}

func TestLocateErrors(t *testing.T) {
	boom := errors.New("boom")
	f := &fakeDNS{t: t, errs: map[string]error{"IP example.com": boom}}
	_, err := Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	if !errors.Is(err, ErrNoTargets) || !errors.Is(err, boom) {
		t.Errorf("err = %v; want ErrNoTargets wrapping boom", err)
	}
	// SRV targets that do not resolve: no A fallback for the domain.
	f = &fakeDNS{t: t,
		srv: map[string][]SRV{"_sip._udp.example.com": {{Target: "gone.example.com", Port: 5060}}},
		ip:  map[string][]netip.Addr{"example.com": ips("192.0.2.1")},
	}
	_, err = Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	var de *net.DNSError
	if !errors.Is(err, ErrNoTargets) || !errors.As(err, &de) || de.Name != "gone.example.com" {
		t.Errorf("err = %v; want ErrNoTargets wrapping the lookup of gone.example.com", err)
	}
	// A cancelled context stops the search.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f = naptrZone(t)
	_, err = Locate(ctx, f, mustURI(t, "sip:example.com"), seeded())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	if len(f.calls) > 0 {
		t.Errorf("looked up %q with a cancelled context", f.calls)
	}
}

// cancelDNS cancels the context on its first SRV lookup.
type cancelDNS struct {
	*fakeDNS
	cancel context.CancelFunc
}

func (c cancelDNS) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	c.cancel()
	return c.fakeDNS.LookupSRV(ctx, name)
}

func TestLocateCancelledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	f := naptrZone(t)
	_, err := Locate(ctx, cancelDNS{f, cancel}, mustURI(t, "sip:example.com"), seeded())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	if len(f.calls) != 2 {
		t.Errorf("calls after cancel: %q", f.calls)
	}
}

func TestLocateDedupe(t *testing.T) {
	f := &fakeDNS{t: t,
		naptr: map[string][]NAPTR{"example.com": {
			{Order: 1, Preference: 1, Flags: "s", Service: "SIP+D2U", Replacement: "_sip._udp.example.com"},
			{Order: 1, Preference: 2, Flags: "s", Service: "SIP+D2U", Replacement: "_sip._udp.example.com."},
			{Order: 1, Preference: 3, Flags: "s", Service: "SIP+D2U", Replacement: "_sip._udp.alias.example.com"},
			{Order: 2, Preference: 1, Flags: "s", Service: "SIP+D2T", Replacement: "_sip._udp.example.com"},
		}},
		srv: map[string][]SRV{
			"_sip._udp.example.com": {
				{Target: "a.example.com", Port: 5060, Priority: 1},
				{Target: "a.example.com.", Port: 5060, Priority: 2},
				{Target: "b.example.com", Port: 5060, Priority: 3}, // same address as a
				{Target: "a.example.com", Port: 5062, Priority: 4},
			},
			"_sip._udp.alias.example.com": {{Target: "a.example.com", Port: 5060}},
		},
		ip: map[string][]netip.Addr{
			"a.example.com": ips("192.0.2.1", "192.0.2.1", "::ffff:192.0.2.1"),
			"b.example.com": ips("192.0.2.1"),
		},
	}
	got, err := Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	// The SIP+D2T record shares the SRV name but not the transport.
	want := "UDP:192.0.2.1:5060 UDP:192.0.2.1:5062 TCP:192.0.2.1:5060 TCP:192.0.2.1:5062"
	if err != nil || targets(got) != want {
		t.Errorf("got %s, %v; want %s", targets(got), err, want)
	}
	// Each name is looked up once.
	seen := map[string]bool{}
	for _, c := range f.calls {
		if seen[c] {
			t.Errorf("repeated lookup %s in %q", c, f.calls)
		}
		seen[c] = true
	}
}

func TestLocateBounds(t *testing.T) {
	f := &fakeDNS{t: t, srv: map[string][]SRV{}, ip: map[string][]netip.Addr{}}
	var many []SRV
	for i := range 1000 {
		host := fmt.Sprintf("h%d.example.com", i)
		many = append(many, SRV{Target: host, Port: 5060, Priority: uint16(i % 7), Weight: uint16(i)})
		var addrs []netip.Addr
		for j := range 100 {
			addrs = append(addrs, netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), byte(j)}))
		}
		f.ip[host] = addrs
	}
	f.srv["_sip._udp.example.com"] = many
	got, err := Locate(t.Context(), f, mustURI(t, "sip:example.com;transport=udp"), seeded())
	if err != nil || len(got) != maxTargets {
		t.Fatalf("got %d targets, %v; want %d", len(got), err, maxTargets)
	}
	perHost := map[[3]byte]int{}
	for _, a := range got {
		b := a.Addr.Addr().As4()
		perHost[[3]byte(b[:3])]++
	}
	for h, n := range perHost {
		if n > maxHostAddrs {
			t.Errorf("host %v gave %d addresses; want at most %d", h, n, maxHostAddrs)
		}
	}
	if len(f.calls) > maxLookups {
		t.Errorf("%d lookups; want at most %d", len(f.calls), maxLookups)
	}

	// Targets that never resolve: the lookup budget ends the search.
	f = &fakeDNS{t: t, srv: map[string][]SRV{}}
	many = many[:0]
	for i := range 1000 {
		many = append(many, SRV{Target: fmt.Sprintf("h%d.example.com", i), Port: 5060})
	}
	f.srv["_sip._udp.example.com"] = many
	f.srv["_sip._tcp.example.com"] = many
	_, err = Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	if !errors.Is(err, ErrNoTargets) {
		t.Errorf("err = %v; want ErrNoTargets", err)
	}
	if len(f.calls) > maxLookups {
		t.Errorf("%d lookups; want at most %d", len(f.calls), maxLookups)
	}

	// Hostile NAPTR sets are cut too.
	f = &fakeDNS{t: t, naptr: map[string][]NAPTR{}}
	var naptrs []NAPTR
	for i := range 1000 {
		naptrs = append(naptrs, NAPTR{Order: 1, Flags: "s", Service: "SIP+D2U", Replacement: fmt.Sprintf("_sip._udp.n%d.example.com", i)})
	}
	f.naptr["example.com"] = naptrs
	_, err = Locate(t.Context(), f, mustURI(t, "sip:example.com"), seeded())
	if !errors.Is(err, ErrNoTargets) {
		t.Errorf("err = %v; want ErrNoTargets", err)
	}
	if len(f.calls) > maxLookups {
		t.Errorf("%d lookups; want at most %d", len(f.calls), maxLookups)
	}
}

func TestOrderSRVPriority(t *testing.T) {
	recs := []SRV{
		{Target: "c", Priority: 30, Weight: 5},
		{Target: "a", Priority: 10, Weight: 0},
		{Target: "b", Priority: 20, Weight: 100},
		{Target: "a2", Priority: 10, Weight: 0},
	}
	rnd := seeded()
	for range 100 {
		got := orderSRV(recs, rnd)
		var names []string
		for _, s := range got {
			names = append(names, s.Target)
		}
		if len(names) != 4 || !(names[0] == "a" && names[1] == "a2" || names[0] == "a2" && names[1] == "a") || names[2] != "b" || names[3] != "c" {
			t.Fatalf("order %v", names)
		}
	}
	if recs[0].Target != "c" {
		t.Error("orderSRV changed its input")
	}
	if got := orderSRV(nil, nil); len(got) != 0 {
		t.Errorf("orderSRV(nil) = %v", got)
	}
}

func TestOrderSRVWeights(t *testing.T) {
	recs := []SRV{
		{Target: "a", Priority: 1, Weight: 10},
		{Target: "b", Priority: 1, Weight: 20},
		{Target: "c", Priority: 1, Weight: 70},
		{Target: "z", Priority: 1, Weight: 0},
		{Target: "later", Priority: 2, Weight: 1000},
	}
	const draws = 10000
	first := map[string]int{}
	rnd := seeded()
	for range draws {
		got := orderSRV(recs, rnd)
		if len(got) != 5 || got[4].Target != "later" {
			t.Fatalf("order %v", got)
		}
		first[got[0].Target]++
	}
	// RFC 2782 picks a number in [0, 100]: each record wins with its
	// weight over 101, the weight-0 one with 1/101.
	t.Logf("first picks: %v", first)
	for name, w := range map[string]float64{"a": 10, "b": 20, "c": 70} {
		want := draws * w / 101
		if got := float64(first[name]); got < want*0.85 || got > want*1.15 {
			t.Errorf("%s first %v times; want about %.0f", name, got, want)
		}
	}
	if n := first["z"]; n == 0 || n > 3*draws/101 {
		t.Errorf("weight-0 record first %d times; want a small positive share (~%d)", n, draws/101)
	}

	// Without weight-0 records the choice is exactly proportional,
	// whatever the order of the records.
	clear(first)
	for range draws {
		first[orderSRV(recs[:3], rnd)[0].Target]++
	}
	for name, w := range map[string]float64{"a": 10, "b": 20, "c": 70} {
		want := draws * w / 100
		if got := float64(first[name]); got < want*0.85 || got > want*1.15 {
			t.Errorf("no zero weights: %s first %v times; want about %.0f", name, got, want)
		}
	}

	// All weights 0: every record gets an equal share.
	zeros := []SRV{{Target: "a"}, {Target: "b"}, {Target: "c"}, {Target: "d"}}
	clear(first)
	for range draws {
		first[orderSRV(zeros, rnd)[0].Target]++
	}
	for _, s := range zeros {
		if n := first[s.Target]; n < draws/4*85/100 || n > draws/4*115/100 {
			t.Errorf("weight-0 %s first %d times; want about %d", s.Target, n, draws/4)
		}
	}
}

func TestLocateSRVWeightsThroughLocate(t *testing.T) {
	f := &fakeDNS{t: t,
		srv: map[string][]SRV{"_sip._udp.example.com": {
			{Target: "light.example.com", Port: 5060, Priority: 1, Weight: 1},
			{Target: "heavy.example.com", Port: 5060, Priority: 1, Weight: 3},
		}},
		ip: map[string][]netip.Addr{
			"light.example.com": ips("192.0.2.1"),
			"heavy.example.com": ips("192.0.2.3"),
		},
	}
	rnd := seeded()
	heavy := 0
	const draws = 4000
	for range draws {
		got, err := Locate(t.Context(), f, mustURI(t, "sip:example.com;transport=udp"), rnd)
		if err != nil || len(got) != 2 {
			t.Fatalf("got %v, %v", got, err)
		}
		if got[0].Addr.Addr() == netip.MustParseAddr("192.0.2.3") {
			heavy++
		}
	}
	if heavy < draws*3/4*95/100 || heavy > draws*3/4*105/100 {
		t.Errorf("heavy first %d of %d; want about %d", heavy, draws, draws*3/4)
	}
}

func TestParseIP(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":       "192.0.2.1",
		"010.001.000.099": "10.1.0.99",
		"2001:db8::1":     "2001:db8::1",
		"::ffff:1.2.3.4":  "1.2.3.4",
	} {
		if got, ok := parseIP(in); !ok || got.String() != want {
			t.Errorf("parseIP(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.0001", "example.com", "1..2.3", "1.2.3.4."} {
		if got, ok := parseIP(in); ok {
			t.Errorf("parseIP(%q) = %v; want failure", in, got)
		}
	}
}
