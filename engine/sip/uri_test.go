package sip

import (
	"errors"
	"strings"
	"testing"
)

var uriParseTests = []struct {
	in   string
	want URI // the zero URI for inputs that must be refused
	ok   bool
}{
	// RFC 3261 §19.1.1 and §19.1.3 examples.
	{"sip:alice@atlanta.com", URI{Scheme: "sip", User: "alice", Host: "atlanta.com"}, true},
	{"sip:alice:secretword@atlanta.com;transport=tcp", URI{Scheme: "sip", User: "alice", Password: "secretword", Host: "atlanta.com", Params: ";transport=tcp"}, true},
	{"sips:alice@atlanta.com?subject=project%20x&priority=urgent", URI{Scheme: "sips", User: "alice", Host: "atlanta.com", Headers: "subject=project%20x&priority=urgent"}, true},
	{"sip:+1-212-555-1212:1234@gateway.com;user=phone", URI{Scheme: "sip", User: "+1-212-555-1212", Password: "1234", Host: "gateway.com", Params: ";user=phone"}, true},
	{"sips:1212@gateway.com", URI{Scheme: "sips", User: "1212", Host: "gateway.com"}, true},
	{"sip:alice@192.0.2.4", URI{Scheme: "sip", User: "alice", Host: "192.0.2.4"}, true},
	{"sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", URI{Scheme: "sip", Host: "atlanta.com", Params: ";method=REGISTER", Headers: "to=alice%40atlanta.com"}, true},
	{"sip:alice;day=tuesday@atlanta.com", URI{Scheme: "sip", User: "alice;day=tuesday", Host: "atlanta.com"}, true},
	{"sip:alice@example.com:5070;transport=tcp;lr", URI{Scheme: "sip", User: "alice", Host: "example.com", Port: 5070, Params: ";transport=tcp;lr"}, true},
	{"SIP:ALICE@AtLanTa.CoM;Transport=udp", URI{Scheme: "SIP", User: "ALICE", Host: "AtLanTa.CoM", Params: ";Transport=udp"}, true},
	{"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", URI{Scheme: "sip", Host: "biloxi.com", Params: ";transport=tcp;method=REGISTER", Headers: "to=sip:bob%40biloxi.com"}, true},
	{"sip:user:@host.example", URI{Scheme: "sip", User: "user", Host: "host.example"}, true},
	{"sip:host.example.com.", URI{Scheme: "sip", Host: "host.example.com."}, true},
	{"sip:_sip._udp.example.com", URI{Scheme: "sip", Host: "_sip._udp.example.com"}, true},
	{"sip:user@host:05060", URI{Scheme: "sip", User: "user", Host: "host", Port: 5060}, true},
	{"sip:host:65535", URI{Scheme: "sip", Host: "host", Port: 65535}, true},
	{"sip:user@host;maddr=[2001:db8::1];lr", URI{Scheme: "sip", User: "user", Host: "host", Params: ";maddr=[2001:db8::1];lr"}, true},
	{"sip:user@host?Route=%3Csip:example.com%3E", URI{Scheme: "sip", User: "user", Host: "host", Headers: "Route=%3Csip:example.com%3E"}, true},
	{"sip:host?x=", URI{Scheme: "sip", Host: "host", Headers: "x="}, true},
	{"sip:a-b.example-1.com", URI{Scheme: "sip", Host: "a-b.example-1.com"}, true},
	{"sip:example.123a", URI{Scheme: "sip", Host: "example.123a"}, true},
	{"sip:%61lice@atlanta.com;transport=TCP", URI{Scheme: "sip", User: "%61lice", Host: "atlanta.com", Params: ";transport=TCP"}, true},

	// RFC 4475 torture tests.
	// §3.1.1.1
	{"sip:vivekg@chair-dnrc.example.com;unknownparam", URI{Scheme: "sip", User: "vivekg", Host: "chair-dnrc.example.com", Params: ";unknownparam"}, true},
	// §3.1.1.2 wsinv
	{"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com", URI{Scheme: "sip", User: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", Password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", Host: "example.com"}, true},
	// §3.1.1.3 esc01
	{"sip:sips%3Auser%40example.com@example.net", URI{Scheme: "sip", User: "sips%3Auser%40example.com", Host: "example.net"}, true},
	// §3.1.1.4 escnull
	{"sip:null-%00-null@example.com", URI{Scheme: "sip", User: "null-%00-null", Host: "example.com"}, true},
	// §3.1.1.9 semiuri
	{"sip:user;par=u%40example.net@example.com", URI{Scheme: "sip", User: "user;par=u%40example.net", Host: "example.com"}, true},
	// §3.3.2 unksm
	{"nobodyKnowsThisScheme:totallyopaquecontent", URI{Scheme: "nobodyKnowsThisScheme", Opaque: "totallyopaquecontent"}, true},
	// §3.3.3 novelsc
	{"soap.beep://192.0.2.103:3002", URI{Scheme: "soap.beep", Opaque: "//192.0.2.103:3002"}, true},

	// RFC 5118 IPv6 references.
	{"sip:[2001:db8::10]", URI{Scheme: "sip", Host: "2001:db8::10"}, true},
	// §4.3: no port
	{"sip:[2001:db8::10:5070]", URI{Scheme: "sip", Host: "2001:db8::10:5070"}, true},
	// §4.4: port after the brackets
	{"sip:[2001:db8::10]:5070", URI{Scheme: "sip", Host: "2001:db8::10", Port: 5070}, true},
	// §4.9: IPv4-mapped
	{"sip:user@[::ffff:192.0.2.10]:5060;transport=udp", URI{Scheme: "sip", User: "user", Host: "::ffff:192.0.2.10", Port: 5060, Params: ";transport=udp"}, true},
	{"sips:[2001:DB8::1]", URI{Scheme: "sips", Host: "2001:DB8::1"}, true},
	{"sip:2001:db8::10", URI{}, false},           // §4.2: not bracketed
	{"sip:[2001:db8:::192.0.2.1]", URI{}, false}, // RFC 5118 §4.10, RFC 5954: three colons
	{"sip:[2001:db8::10", URI{}, false},          // unterminated
	{"sip:[192.0.2.1]", URI{}, false},            // IPv4 in brackets
	{"sip:[fe80::1%25eth0]", URI{}, false},       // zone
	{"sip:[2001:db8::10]x", URI{}, false},        // junk after ']'
	{"sip:[2001:db8::10]:", URI{}, false},        // empty port

	// tel (RFC 3966).
	{"tel:+1-201-555-0123;phone-context=example.com", URI{Scheme: "tel", User: "+1-201-555-0123", Params: ";phone-context=example.com"}, true},
	{"tel:7042;phone-context=example.com", URI{Scheme: "tel", User: "7042", Params: ";phone-context=example.com"}, true},
	{"tel:*21#;phone-context=+1-201", URI{Scheme: "tel", User: "*21#", Params: ";phone-context=+1-201"}, true},
	{"TEL:+1(201)555.0123", URI{Scheme: "TEL", User: "+1(201)555.0123"}, true},
	{"tel:+1-201-555-0123;ext=1234;isub=xyz", URI{Scheme: "tel", User: "+1-201-555-0123", Params: ";ext=1234;isub=xyz"}, true},
	{"tel:", URI{}, false},
	{"tel:+", URI{}, false},
	{"tel:+-()", URI{}, false},
	{"tel:1+2", URI{}, false},
	{"tel:+1a", URI{}, false},
	{"tel:+1 201", URI{}, false},
	{"tel:+1;", URI{}, false},
	{"tel:+1?x=y", URI{}, false},
	{"tel:+1@host", URI{}, false},

	// Other schemes.
	{"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", URI{Scheme: "urn", Opaque: "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}, true},
	{"mailto:alice@example.com", URI{Scheme: "mailto", Opaque: "alice@example.com"}, true},
	{"im:alice@example.com", URI{Scheme: "im", Opaque: "alice@example.com"}, true},
	{"http:", URI{}, false},
	{"http://a b", URI{}, false},
	{"x-y+z.1:ok", URI{Scheme: "x-y+z.1", Opaque: "ok"}, true},

	// Refused.
	{"", URI{}, false},
	{"sip:", URI{}, false},
	{"sip", URI{}, false},
	{":alice@example.com", URI{}, false},
	{"1sip:alice@example.com", URI{}, false},
	{"s_p:x", URI{}, false},
	{"alice@example.com", URI{}, false},
	{"<sip:a@b>", URI{}, false},
	{"sip:<a@b>", URI{}, false},
	{"sip:a@b>", URI{}, false},
	{"sip:\"a\"@b", URI{}, false},
	{"sip:alice@example.com ", URI{}, false},
	{" sip:alice@example.com", URI{}, false},
	{"sip:alice@example.com;transport=tcp\r\n", URI{}, false},
	{"sip:ali\tce@example.com", URI{}, false},
	{"sip:alice@exa\x00mple.com", URI{}, false},
	{"sip:alice\x7f@example.com", URI{}, false},
	{"sip:ālice@example.com", URI{}, false},
	{"sip:@example.com", URI{}, false},
	{"sip::pw@example.com", URI{}, false},
	{"sip:alice@", URI{}, false},
	{"sip:a:b:c@example.com", URI{}, false},
	{"sip:a@b@c", URI{}, false},
	{"sip:al%ice@example.com", URI{}, false},
	{"sip:alice%4@example.com", URI{}, false},
	{"sip:alice%@example.com", URI{}, false},
	{"sip:ali#ce@example.com", URI{}, false},
	{"sip:alice:pa;ss@example.com", URI{}, false},
	{"sip:alice@example.com:", URI{}, false},
	{"sip:alice@example.com:0", URI{}, false},
	{"sip:alice@example.com:65536", URI{}, false},
	{"sip:alice@example.com:+5060", URI{}, false},
	{"sip:alice@example.com:-1", URI{}, false},
	{"sip:alice@example.com:50a", URI{}, false},
	{"sip:alice@example.com:5060:5061", URI{}, false},
	{"sip:alice@example.com;", URI{}, false},
	{"sip:alice@example.com;;lr", URI{}, false},
	{"sip:alice@example.com;=x", URI{}, false},
	{"sip:alice@example.com;x=", URI{}, false},
	{"sip:alice@example.com;x=a=b", URI{}, false},
	{"sip:alice@example.com;x=%zz", URI{}, false},
	{"sip:alice@example.com;x`y=1", URI{}, false},
	{"sip:alice@example.com?", URI{}, false},
	{"sip:alice@example.com?x", URI{}, false},
	{"sip:alice@example.com?=x", URI{}, false},
	{"sip:alice@example.com?x=1&", URI{}, false},
	{"sip:alice@example.com?x=1=2", URI{}, false},
	{"sip:alice@example.com?x=%2", URI{}, false},
	{"sip:alice@example.comx=1", URI{}, false},
	{"sip:exa_mple.com?x=a;b", URI{}, false},
	{"sip:-example.com", URI{}, false},
	{"sip:example-.com", URI{}, false},
	{"sip:example..com", URI{}, false},
	{"sip:.", URI{}, false},
	{"sip:exa!mple.com", URI{}, false},
	{"sip:1.2.3.256", URI{}, false},
	{"sip:1.2.3", URI{}, false},
	{"sip:1.2.3.4.5", URI{}, false},
	{"sip:1.2.3.0004", URI{}, false},
	{"sip:example.123", URI{}, false},
}

func TestURIParse(t *testing.T) {
	for _, tt := range uriParseTests {
		got, err := ParseURI(tt.in)
		if tt.ok {
			if err != nil {
				t.Errorf("ParseURI(%q) error %v", tt.in, err)
				continue
			}
			if got != tt.want {
				t.Errorf("ParseURI(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseURI(%q) = %#v, want error", tt.in, got)
			continue
		}
		if !errors.Is(err, ErrURI) {
			t.Errorf("ParseURI(%q) error %v does not wrap ErrURI", tt.in, err)
		}
		if got != (URI{}) {
			t.Errorf("ParseURI(%q) failed but returned %#v", tt.in, got)
		}
	}
}

func TestURIString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sip:alice@example.com:5070;transport=tcp;lr", "sip:alice@example.com:5070;transport=tcp;lr"},
		{"SIP:ALICE@AtLanTa.CoM;Transport=udp", "SIP:ALICE@AtLanTa.CoM;Transport=udp"},
		{"sip:user:@host.example", "sip:user@host.example"},
		{"sip:user@host:05060", "sip:user@host:5060"},
		{"sip:[2001:db8::10]:5070", "sip:[2001:db8::10]:5070"},
		{"sip:[2001:db8::10:5070]", "sip:[2001:db8::10:5070]"},
		{"sips:alice:pw@atlanta.com?subject=project%20x&priority=urgent", "sips:alice:pw@atlanta.com?subject=project%20x&priority=urgent"},
		{"tel:+1-201-555-0123;phone-context=example.com", "tel:+1-201-555-0123;phone-context=example.com"},
		{"soap.beep://192.0.2.103:3002", "soap.beep://192.0.2.103:3002"},
		{"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.in)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", tt.in, err)
		}
		if got := u.String(); got != tt.want {
			t.Errorf("ParseURI(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(u.AppendTo([]byte("x"))); got != "x"+tt.want {
			t.Errorf("AppendTo = %q, want %q", got, "x"+tt.want)
		}
	}
	long := "sip:" + strings.Repeat("a", 300) + "@example.com"
	if u, err := ParseURI(long); err != nil || u.String() != long {
		t.Errorf("long URI does not round-trip: %v", err)
	}
}

// TestURIRoundTrip checks that every accepted input re-parses from its
// String() to the identical struct.
func TestURIRoundTrip(t *testing.T) {
	for _, tt := range uriParseTests {
		if tt.ok {
			uriCheckRoundTrip(t, tt.in)
		}
	}
}

func uriCheckRoundTrip(t *testing.T, in string) {
	t.Helper()
	u, err := ParseURI(in)
	if err != nil {
		return
	}
	s := u.String()
	v, err := ParseURI(s)
	if err != nil {
		t.Fatalf("ParseURI(%q) ok, but its String %q fails: %v", in, s, err)
	}
	if v != u {
		t.Fatalf("ParseURI(%q) = %#v, re-parsed from %q = %#v", in, u, s, v)
	}
	if s2 := v.String(); s2 != s {
		t.Fatalf("String not stable for %q: %q then %q", in, s, s2)
	}
	if !u.Equal(v) {
		t.Fatalf("ParseURI(%q) not Equal to its own re-parse", in)
	}
}

func TestURIPredicates(t *testing.T) {
	tests := []struct {
		in               string
		sip, secure, tel bool
		transport        string
	}{
		{"sip:a@b;transport=TCP", true, false, false, "TCP"},
		{"SIPS:a@b", true, true, false, ""},
		{"sips:a@b;lr;Transport=tls", true, true, false, "tls"},
		{"Tel:+1", false, false, true, ""},
		{"mailto:a@b", false, false, false, ""},
		{"sipx:a@b;transport=tcp", false, false, false, ""},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.in)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", tt.in, err)
		}
		if u.IsSIP() != tt.sip || u.IsSecure() != tt.secure || u.IsTel() != tt.tel || u.Transport() != tt.transport {
			t.Errorf("%q: IsSIP %v IsSecure %v IsTel %v Transport %q", tt.in, u.IsSIP(), u.IsSecure(), u.IsTel(), u.Transport())
		}
	}
}

func TestURIEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		// RFC 3261 §19.1.4, equivalent.
		{"sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp", true},
		{"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", true},
		{"sip:carol@chicago.com", "sip:carol@chicago.com;security=on", true},
		{"sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com", true},
		{"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", true},
		{"sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x", true},
		// RFC 3261 §19.1.4, not equivalent.
		{"SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP", false},
		{"sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", false},
		{"sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", false},
		{"sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp", false},
		{"sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting", false},
		{"sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4", false},
		// More rules of §19.1.4.
		{"sip:alice@atlanta.com", "sips:alice@atlanta.com", false},
		{"SIP:alice@atlanta.com", "sip:alice@atlanta.com", true},
		{"sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com", false},
		{"sip:alice:pw@atlanta.com", "sip:alice@atlanta.com", false},
		{"sip:atlanta.com", "sip:alice@atlanta.com", false},
		{"sip:a;b@atlanta.com", "sip:a%3Bb@atlanta.com", false}, // escaped reserved char differs
		{"sip:a@atlanta.com;user=phone", "sip:a@atlanta.com", false},
		{"sip:a@atlanta.com;ttl=1", "sip:a@atlanta.com", false},
		{"sip:a@atlanta.com;method=INVITE", "sip:a@atlanta.com", false},
		{"sip:a@atlanta.com;maddr=239.255.255.1", "sip:a@atlanta.com", false},
		{"sip:a@atlanta.com;maddr=Example.COM", "sip:a@atlanta.com;maddr=example.com", true},
		{"sip:a@atlanta.com;lr", "sip:a@atlanta.com;lr;x=%41", true},
		{"sip:a@atlanta.com;x=%41", "sip:a@atlanta.com;X=a", true},
		{"sip:a@atlanta.com;x=1", "sip:a@atlanta.com;x=2", false},
		{"sip:a@atlanta.com?subject=a", "sip:a@atlanta.com?Subject=A", false},
		{"sip:a@atlanta.com?subject=%61", "sip:a@atlanta.com?Subject=a", true},
		{"sip:a@atlanta.com?x=1&y=2", "sip:a@atlanta.com?x=1", false},
		// IPv6 addresses compare by value.
		{"sip:[2001:db8::9:1]", "sip:[2001:db8::9:01]", true},
		{"sip:[0:0:0:0:0:FFFF:129.144.52.38]", "sip:[::ffff:129.144.52.38]", true},
		{"sip:[::ffff:192.0.2.10]", "sip:192.0.2.10", false},
		{"sip:[2001:db8::10]:5070", "sip:[2001:db8::10:5070]", false},
		// tel (RFC 3966 §4).
		{"tel:+1-201-555-0123", "tel:+1(201)555.0123", true},
		{"tel:+1-201-555-0123", "tel:+12015550124", false},
		{"tel:7042;phone-context=Example.com", "tel:7-0-4-2;PHONE-CONTEXT=example.com", true},
		{"tel:7042;phone-context=example.com", "tel:7042", false},
		{"tel:ab12;phone-context=x.com", "tel:AB12;phone-context=x.com", true},
		{"tel:+1", "sip:+1@example.com", false},
		// Other schemes.
		{"urn:uuid:abc", "URN:uuid:abc", true},
		{"urn:uuid:abc", "urn:uuid:ABC", false},
		{"mailto:a@b", "im:a@b", false},
	}
	for _, tt := range tests {
		a, err := ParseURI(tt.a)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", tt.a, err)
		}
		b, err := ParseURI(tt.b)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", tt.b, err)
		}
		if got := a.Equal(b); got != tt.equal {
			t.Errorf("%q.Equal(%q) = %v, want %v", tt.a, tt.b, got, tt.equal)
		}
		if got := b.Equal(a); got != tt.equal {
			t.Errorf("%q.Equal(%q) = %v, want %v", tt.b, tt.a, got, tt.equal)
		}
		if !a.Equal(a) || !b.Equal(b) {
			t.Errorf("%q or %q not equal to itself", tt.a, tt.b)
		}
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"alice", "alice", true},
		{"%61lice", "alice", true},
		{"sips%3Auser%40example.com", "sips:user@example.com", true},
		{"null-%00-null", "null-\x00-null", true},
		{"%7e%7E", "~~", true},
		{"project%20x", "project x", true},
		{"%ff", "\xff", true},
		{"100%", "", false},
		{"%4", "", false},
		{"%4g", "", false},
		{"%%41", "", false},
		{"a%zzb", "", false},
	}
	for _, tt := range tests {
		got, err := Unescape(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("Unescape(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrURI) {
			t.Errorf("Unescape(%q) error %v does not wrap ErrURI", tt.in, err)
		}
	}
	// RFC 4475 §3.1.1.4: the NUL must not truncate the user part.
	u, _ := ParseURI("sip:null-%00-null@example.com")
	if user, _ := Unescape(u.User); len(user) != 11 || user[5] != 0 {
		t.Errorf("escnull user = %q", user)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Unescape("no-escapes-here") }); n != 0 {
		t.Errorf("Unescape without escapes allocates %v times", n)
	}
}

func TestURIZeroAlloc(t *testing.T) {
	inputs := []string{
		"sip:alice@example.com:5070;transport=tcp;lr",
		"sips:[2001:db8::10]:5061;transport=tls?subject=hi%20there",
		"tel:+1-201-555-0123;phone-context=example.com",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
	}
	for _, in := range inputs {
		var u URI
		var err error
		if n := testing.AllocsPerRun(100, func() { u, err = ParseURI(in) }); n != 0 {
			t.Errorf("ParseURI(%q) allocates %v times", in, n)
		}
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", in, err)
		}
		buf := make([]byte, 0, 256)
		if n := testing.AllocsPerRun(100, func() { buf = u.AppendTo(buf[:0]) }); n != 0 {
			t.Errorf("AppendTo(%q) allocates %v times", in, n)
		}
		if string(buf) != in {
			t.Errorf("AppendTo = %q, want %q", buf, in)
		}
		if n := testing.AllocsPerRun(100, func() { _ = u.Transport(); _ = u.Equal(u) }); n != 0 {
			t.Errorf("Transport/Equal(%q) allocate %v times", in, n)
		}
	}
}

var uriFuzzSeeds = []string{
	"sip:alice@example.com:5070;transport=tcp;lr",
	"sips:alice:secretword@atlanta.com?subject=project%20x&priority=urgent",
	"SIP:ALICE@AtLanTa.CoM;Transport=udp",
	"sip:+1-212-555-1212:1234@gateway.com;user=phone",
	"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
	"sip:user;par=u%40example.net@example.com",
	"sip:sips%3Auser%40example.com@example.net",
	"sip:null-%00-null@example.com",
	"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
	"sip:[2001:db8::10]:5070",
	"sip:[2001:db8::10:5070]",
	"sip:2001:db8::10",
	"sip:[2001:db8:::192.0.2.1]",
	"sip:user@[::ffff:192.0.2.10]:5060;maddr=[::1]",
	"sip:user:@host:05060",
	"sip:1.2.3.4",
	"tel:+1-201-555-0123;phone-context=example.com",
	"tel:*21#;phone-context=+1-201",
	"nobodyKnowsThisScheme:totallyopaquecontent",
	"soap.beep://192.0.2.103:3002",
	"<sip:a@b>",
	"sip:alice@example.com;x=%zz?y",
}

func FuzzParseURI(f *testing.F) {
	for _, s := range uriFuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := ParseURI(in)
		if err != nil {
			if !errors.Is(err, ErrURI) || u != (URI{}) {
				t.Fatalf("ParseURI(%q) = %#v, %v", in, u, err)
			}
			return
		}
		uriCheckRoundTrip(t, in)
		_, _ = Unescape(u.User)
		_, _ = Unescape(u.Headers)
	})
}
