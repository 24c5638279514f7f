package sip

import (
	"errors"
	"strings"
	"testing"
	"unsafe"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

var inviteMsg = crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS
Supported: replaces, timer
Content-Type: application/sdp
Content-Length: 142

v=0
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com
s=-
c=IN IP4 192.0.2.101
t=0 0
m=audio 49172 RTP/AVP 0
a=rtpmap:0 PCMU/8000
`)

func TestParseRequest(t *testing.T) {
	m, err := Parse(inviteMsg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatal(err)
	}
	eq(t, m.Method(), "INVITE")
	eq(t, m.IsRequest(), true)
	u, err := m.RequestURI()
	eq(t, err, nil)
	eq(t, u.User, "bob")
	v, _ := m.Via()
	eq(t, v.Branch(), "z9hG4bK776asdhds")
	eq(t, v.Host, "pc33.atlanta.example.com")
	eq(t, v.Port, 5060)
	port, present := v.RPort()
	eq(t, port, 0)
	eq(t, present, true)
	from, _ := m.From()
	eq(t, from.Tag(), "1928301774")
	eq(t, from.DisplayName(), "Alice")
	to, _ := m.To()
	eq(t, to.Tag(), "")
	eq(t, to.Display, "Bob")
	eq(t, m.CallID(), "a84b4c76e66710@pc33.atlanta.example.com")
	cs, _ := m.CSeq()
	eq(t, cs, CSeq{314159, "INVITE"})
	c, _ := m.Contact()
	eq(t, c.URI.Transport(), "udp")
	eq(t, len(m.Body()), 142)
	eq(t, m.ContentLength(), 142)
	eq(t, m.HasToken("Allow", "BYE"), true)
	eq(t, m.HasToken("Supported", "100rel"), false)
	eq(t, m.Count("Allow"), 5)
}

func TestCompactFormsAndCase(t *testing.T) {
	m, err := Parse(crlf(`OPTIONS sip:x@example.com SIP/2.0
v: SIP/2.0/TCP h.example.com;branch=z9hG4bKa
f: <sip:a@example.com>;tag=1
t: <sip:x@example.com>
i: abc@h
CSEQ: 1 OPTIONS
k: timer
m: <sip:a@h.example.com>
o: presence
u: presence, dialog
r: <sip:c@example.com>
b: <sip:d@example.com>
x: 1800;refresher=uac
l: 0

`))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Via": "SIP/2.0/TCP h.example.com;branch=z9hG4bKa", "call-id": "abc@h", "Supported": "timer",
		"Event": "presence", "Allow-Events": "presence, dialog", "Refer-To": "<sip:c@example.com>",
		"Referred-By": "<sip:d@example.com>", "Session-Expires": "1800;refresher=uac", "cseq": "1 OPTIONS",
	} {
		eq(t, m.Get(name), want)
	}
	out := string(m.AppendTo(nil))
	for _, full := range []string{"\r\nVia: ", "\r\nFrom: ", "\r\nTo: ", "\r\nCall-ID: ", "\r\nCSeq: ", "\r\nSupported: ", "\r\nContact: ", "\r\nEvent: ", "\r\nAllow-Events: ", "\r\nRefer-To: ", "\r\nReferred-By: ", "\r\nSession-Expires: ", "\r\nContent-Length: 0\r\n\r\n"} {
		if !strings.Contains(out, full) {
			t.Errorf("serialised message lacks %q:\n%s", full, out)
		}
	}
	se, err := ParseSessionExpires(m.Get("x"))
	eq(t, err, nil)
	eq(t, se.Delta, uint32(1800))
	eq(t, se.Refresher(), "uac")
}

func TestCommaListsEqualRepeatedHeaders(t *testing.T) {
	a, _ := Parse(crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\nRoute: <sip:p1;lr>, \"x, y\" <sip:p2;lr>\n\n"))
	b, _ := Parse(crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\nRoute: <sip:p1;lr>\nRoute: \"x, y\" <sip:p2;lr>\n\n"))
	for _, name := range []string{"Via", "Route"} {
		var va, vb []string
		for v := range a.Values(name) {
			va = append(va, v)
		}
		for v := range b.Values(name) {
			vb = append(vb, v)
		}
		if strings.Join(va, "|") != strings.Join(vb, "|") || len(va) != 2 {
			t.Errorf("%s: %q vs %q", name, va, vb)
		}
	}
	var hosts []string
	for v, err := range a.Vias() {
		eq(t, err, nil)
		hosts = append(hosts, v.Host)
	}
	eq(t, strings.Join(hosts, ","), "a,b")
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		msg    string
		status int
		err    error
	}{
		{"empty", "\r\n\r\n", 400, ErrEmpty},
		{"no header end", "OPTIONS sip:a@b SIP/2.0\r\nVia: x", 400, ErrNoHeaderEnd},
		{"control char in name", "OPTIONS sip:a@b SIP/2.0\r\nVi\x01a: x\r\n\r\n", 400, ErrHeaderName},
		{"space in name", "OPTIONS sip:a@b SIP/2.0\r\nMy Header: x\r\n\r\n", 400, ErrHeaderName},
		{"no colon", "OPTIONS sip:a@b SIP/2.0\r\nVia\r\n\r\n", 400, ErrHeaderName},
		{"fold first", "OPTIONS sip:a@b SIP/2.0\r\n folded: x\r\n\r\n", 400, ErrHeaderSyntax},
		{"version", "OPTIONS sip:a@b SIP/3.0\r\n\r\n", 505, ErrVersion},
		{"garbage version", "OPTIONS sip:a@b HTTP/1.1\r\n\r\n", 400, ErrStartLine},
		{"status 99", "SIP/2.0 099 Odd\r\n\r\n", 400, ErrStatusCode},
		{"status 700", "SIP/2.0 700 Odd\r\n\r\n", 400, ErrStatusCode},
		{"CL too big", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n", 400, ErrContentLength},
		{"CL truncated", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nabc", 400, ErrBodyTruncated},
		{"CL twice", "OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n", 400, ErrDuplicateHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.msg))
			if !errors.Is(err, tc.err) || StatusOf(err) != tc.status {
				t.Fatalf("err %v (status %d), want %v / %d", err, StatusOf(err), tc.err, tc.status)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	p := Parser{Limits: Limits{MaxMessageSize: 300, MaxHeaders: 3, MaxLineLength: 40, MaxVias: 2}}
	var m Message
	for _, tc := range []struct {
		msg string
		err error
	}{
		{"OPTIONS sip:a@b SIP/2.0\r\n" + strings.Repeat("X: y\r\n", 50) + "\r\n", ErrTooLarge},
		{"OPTIONS sip:a@b SIP/2.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", ErrTooManyHeaders},
		{"OPTIONS sip:a@b SIP/2.0\r\nA: " + strings.Repeat("x", 50) + "\r\n\r\n", ErrLineTooLong},
		{"OPTIONS sip:a@b SIP/2.0\r\nA: " + strings.Repeat("x", 30) + "\r\n " + strings.Repeat("y", 30) + "\r\n\r\n", ErrLineTooLong},
		{"OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP a, SIP/2.0/UDP b\r\nv: SIP/2.0/UDP c\r\n\r\n", ErrTooManyVias},
	} {
		if err := p.Parse(&m, []byte(tc.msg)); !errors.Is(err, tc.err) {
			t.Errorf("err %v, want %v", err, tc.err)
		}
	}
	long := "sip:" + strings.Repeat("a", 3000) + "@example.com"
	msg := "OPTIONS " + long + " SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n"
	m2, err := Parse([]byte(msg))
	eq(t, err, nil)
	if err := m2.Validate(Limits{}); StatusOf(err) != 414 {
		t.Errorf("long Request-URI: %v, want 414", err)
	}
}

func TestDatagramFraming(t *testing.T) {
	// Leading CRLFs are skipped; octets past Content-Length are ignored;
	// without Content-Length the body runs to the end of the datagram.
	m, err := Parse([]byte("\r\n\r\nMESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nhello, and more"))
	eq(t, err, nil)
	eq(t, string(m.Body()), "hello")
	m, err = Parse([]byte("MESSAGE sip:a@b SIP/2.0\nContent-Type: text/plain\n\nall of it"))
	eq(t, err, nil)
	eq(t, string(m.Body()), "all of it")
}

func TestHeaderEditing(t *testing.T) {
	m, _ := Parse(inviteMsg)
	m.Set("max-forwards", "69")
	mf, _ := m.MaxForwards()
	eq(t, mf, 69)
	m.Add("X-Custom", "  one ")
	m.Add("x-custom", "two")
	eq(t, m.Get("X-CUSTOM"), "one")
	m.Set("X-Custom", "three")
	eq(t, m.Count("X-Custom"), 1)
	eq(t, m.Get("x-custom"), "three")
	m.Del("Contact")
	_, err := m.Contact()
	if !errors.Is(err, ErrMissingHeader) {
		t.Errorf("Contact after Del: %v", err)
	}
	m.SetBody("text/plain", []byte("hi"))
	out := m.AppendTo(nil)
	m2, err := Parse(out)
	eq(t, err, nil)
	eq(t, string(m2.Body()), "hi")
	eq(t, m2.Get("Content-Type"), "text/plain")
	eq(t, m.Size(), len(out))
}

func TestBuilders(t *testing.T) {
	ruri, _ := ParseURI("sip:bob@biloxi.example.com")
	from, _ := ParseNameAddr(`"Alice" <sip:alice@atlanta.example.com>`)
	to, _ := ParseNameAddr("<sip:bob@biloxi.example.com>")
	contact, _ := ParseNameAddr("<sip:alice@192.0.2.1:5060>")
	req, err := NewRequest(RequestSpec{
		Method: "INVITE", RequestURI: ruri, From: from, To: to, CSeq: 7,
		Via: Via{Transport: "UDP", Host: "192.0.2.1", Port: 5060, Params: ";rport"}, Contact: contact,
		ContentType: "application/sdp", Body: []byte("v=0\r\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	wire := req.AppendTo(nil)
	m, err := Parse(wire)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(Limits{}); err != nil {
		t.Fatalf("%v\n%s", err, wire)
	}
	v, _ := m.Via()
	if !strings.HasPrefix(v.Branch(), BranchCookie) || len(v.Branch()) < 20 {
		t.Errorf("branch %q", v.Branch())
	}
	f, _ := m.From()
	if len(f.Tag()) < 16 {
		t.Errorf("From tag %q", f.Tag())
	}
	if len(m.CallID()) < 16 {
		t.Errorf("Call-ID %q", m.CallID())
	}
	mf, _ := m.MaxForwards()
	eq(t, mf, 70)
	// Building costs the Message and its one string of values: the
	// values are assembled on the stack, the fresh branch, tag and Call-ID
	// too.
	spec := RequestSpec{Method: "INVITE", RequestURI: ruri, From: from, To: to, CSeq: 7,
		Via: Via{Transport: "UDP", Host: "192.0.2.1", Port: 5060, Params: ";rport"}, Contact: contact}
	if n := testing.AllocsPerRun(50, func() { _, _ = NewRequest(spec) }); n > 2 && !raceEnabled {
		t.Errorf("NewRequest: %v allocations, want 2", n)
	}

	cs, _ := m.CSeq()
	eq(t, cs, CSeq{7, "INVITE"})

	resp := NewResponse(m, 180, "")
	resp.SetToTag("xyz")
	r, err := Parse(resp.AppendTo(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckResponse(r, Limits{}); err != nil {
		t.Fatalf("%v\n%s", err, resp)
	}
	eq(t, r.Reason(), "Ringing")
	rt, _ := r.To()
	eq(t, rt.Tag(), "xyz")
	rv, _ := r.Via()
	eq(t, rv.Branch(), v.Branch())
	eq(t, r.CallID(), m.CallID())

	for _, bad := range []RequestSpec{
		{Method: "IN VITE", Via: Via{Transport: "UDP", Host: "h"}},
		{Method: "INVITE", Via: Via{Transport: "UDP", Host: "h"}, CSeq: 1 << 31},
		{Method: "INVITE", Via: Via{Transport: "UDP", Host: "h"}, CallID: "a\r\nInjected: 1"},
		{Method: "INVITE"},
	} {
		if _, err := NewRequest(bad); !errors.Is(err, ErrSpec) {
			t.Errorf("NewRequest(%+v) = %v, want ErrSpec", bad, err)
		}
	}
}

// TestZeroAllocs holds the hot path to its promise: parsing into a reused
// Message and reading what the transaction and dialog layers need costs no
// allocation, and serialising into a buffer with room costs none either.
func TestZeroAllocs(t *testing.T) {
	var m Message
	var p Parser
	buf := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.Parse(&m, inviteMsg); err != nil {
			t.Fatal(err)
		}
		readHot(&m)
	})
	eq(t, allocs, 0.0)
	allocs = testing.AllocsPerRun(100, func() { buf = m.AppendTo(buf[:0]) })
	eq(t, allocs, 0.0)
	allocs = testing.AllocsPerRun(100, func() {
		n, _ := Parse(inviteMsg)
		readHot(n)
	})
	if allocs > 1 {
		t.Errorf("Parse into a new Message: %v allocations, want at most 1", allocs)
	}
}

// readHot reads every field the transaction and dialog layers use.
func readHot(m *Message) {
	_ = m.Method()
	_ = m.StatusCode()
	v, _ := m.Via()
	_, _ = v.Branch(), v.Host
	f, _ := m.From()
	to, _ := m.To()
	_, _ = f.Tag(), to.Tag()
	_ = m.CallID()
	_, _ = m.CSeq()
	c, _ := m.Contact()
	_ = c.URI.Host
	_ = m.ContentLength()
	_ = m.Body()
	_ = m.Validate(Limits{}) // what the transport checks of every message
	_ = m.HasToken("Supported", "100rel")
	var room [4]NameAddr
	_, _ = m.AppendNameAddrs("Contact", room[:0]) // as the UA reads Route
}

func BenchmarkParseInvite(b *testing.B) {
	var m Message
	var p Parser
	b.ReportAllocs()
	b.SetBytes(int64(len(inviteMsg)))
	for b.Loop() {
		_ = p.Parse(&m, inviteMsg)
		readHot(&m)
	}
}

func BenchmarkSerializeInvite(b *testing.B) {
	m, _ := Parse(inviteMsg)
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = m.AppendTo(buf[:0])
	}
}

func TestKindOf(t *testing.T) {
	for k := hkind(1); k < numKinds; k++ {
		info := kinds[k]
		eq(t, kindOf(info.name), k)
		eq(t, kindOf(strings.ToUpper(info.name)), k)
		eq(t, kindOf(strings.ToLower(info.name)), k)
		if info.compact != 0 {
			eq(t, kindOf(string(info.compact)), k)
			eq(t, kindOf(strings.ToUpper(string(info.compact))), k)
		}
	}
	for _, other := range []string{"", "Z", "q", "Vias", "C%6Fntact", "Contac", "1", "\x00", "NewFangledHeader"} {
		eq(t, kindOf(other), hOther)
	}
	eq(t, CanonicalName("v"), "Via")
	eq(t, CanonicalName("X-Foo"), "X-Foo")
}

func TestMessageChallenges(t *testing.T) {
	m, err := Parse(crlf(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
From: <sip:a@example.com>;tag=1
To: <sip:a@example.com>;tag=2
Call-ID: x
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="example.com", nonce="n1", algorithm=SHA-256, qop="auth"
WWW-Authenticate: Digest realm="example.com", nonce="n1", algorithm=MD5, qop="auth"
Proxy-Authenticate: Digest realm="proxy", nonce="p1"

`))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := m.Challenges("WWW-Authenticate", nil)
	eq(t, err, nil)
	eq(t, len(ch), 2)
	eq(t, ch[0].Algorithm, "SHA-256")
	eq(t, ch[1].Algorithm, "MD5")
	eq(t, ch[0].HasQOP("auth"), true)
	ch, err = m.Challenges("Proxy-Authenticate", ch[:0])
	eq(t, err, nil)
	eq(t, len(ch), 1)
	eq(t, ch[0].Realm, "proxy")
	m.Add("WWW-Authenticate", `Digest realm="unterminated`)
	if _, err := m.Challenges("WWW-Authenticate", nil); StatusOf(err) != 400 {
		t.Errorf("malformed challenge: %v", err)
	}
}

func TestAckAndCancel(t *testing.T) {
	inv, _ := Parse(crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8, SIP/2.0/UDP proxy.example.com;branch=z9hG4bK77
Max-Forwards: 70
Route: <sip:p1.example.com;lr>
Route: <sip:p2.example.com;lr>
To: Bob <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Length: 0

`))
	resp := NewResponse(inv, 486, "")
	resp.SetToTag("busy1")
	ack := NewAck(inv, resp)
	m, err := Parse(ack.AppendTo(nil))
	eq(t, err, nil)
	eq(t, m.Validate(Limits{}), nil)
	eq(t, m.Method(), "ACK")
	eq(t, m.RawRequestURI(), "sip:bob@biloxi.example.com")
	eq(t, m.Count("Via"), 1)
	v, _ := m.Via()
	eq(t, v.Branch(), "z9hG4bKnashds8")
	to, _ := m.To()
	eq(t, to.Tag(), "busy1")
	cs, _ := m.CSeq()
	eq(t, cs, CSeq{314159, "ACK"})
	eq(t, m.Count("Route"), 2)
	eq(t, m.Has("Contact"), false)

	c, err := Parse(NewCancel(inv).AppendTo(nil))
	eq(t, err, nil)
	eq(t, c.Validate(Limits{}), nil)
	cv, _ := c.Via()
	eq(t, cv.Branch(), "z9hG4bKnashds8")
	ct, _ := c.To()
	eq(t, ct.Tag(), "")
	cs, _ = c.CSeq()
	eq(t, cs, CSeq{314159, "CANCEL"})

	inv.SetFirstValue("Via", "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1")
	eq(t, inv.Count("Via"), 2)
	v, _ = inv.Via()
	eq(t, v.Received(), "192.0.2.1")
}

func TestCloneAndParamsWith(t *testing.T) {
	m, _ := Parse(inviteMsg)
	c := m.Clone()
	c.Set("Max-Forwards", "1")
	c.SetFirstValue("Via", "SIP/2.0/TCP other.example.com;branch=z9hG4bKnew")
	if mf, _ := m.MaxForwards(); mf != 70 {
		t.Errorf("Clone shares headers: original Max-Forwards %d", mf)
	}
	v, _ := m.Via()
	eq(t, v.Branch(), "z9hG4bK776asdhds")
	cv, _ := c.Via()
	eq(t, cv.Branch(), "z9hG4bKnew")
	eq(t, string(c.Body()), string(m.Body()))

	p := Params(";branch=z9hG4bK1;rport;BRANCH=x").With("branch", "z9hG4bK2")
	eq(t, p, Params(";branch=z9hG4bK2;rport"))
	eq(t, Params("").With("lr", ""), Params(";lr"))
}

func TestValidateCachedUntilChange(t *testing.T) {
	m, _ := Parse(inviteMsg)
	eq(t, m.Validate(Limits{}), nil)
	allocs := testing.AllocsPerRun(50, func() { _ = m.Validate(Limits{}) })
	eq(t, allocs, 0.0)
	m.Del("Call-ID")
	if err := m.Validate(Limits{}); !errors.Is(err, ErrMissingHeader) {
		t.Fatalf("Validate after removing Call-ID: %v", err)
	}
	m.Add("Call-ID", "x@y")
	eq(t, m.Validate(Limits{}), nil)
	if err := m.Validate(Limits{MaxURILength: 5}); StatusOf(err) != 414 {
		t.Fatalf("other limits must not reuse the cached result: %v", err)
	}
}

// TestMessageFitsItsSizeClass keeps a new Message in the 1536-byte size
// class: with the runtime's 8-byte header for large pointerful objects,
// one byte more than 1528 makes every sip.Parse and NewRequest allocate
// 1792 bytes (a call allocates seven Messages on each side).
func TestMessageFitsItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Message{}); n > 1528 {
		t.Fatalf("Message is %d bytes: over 1528 it costs a 1792-byte allocation", n)
	}
}

// TestHotIndex checks the index of hot headers Parse builds against a
// plain scan: with the header first, later, absent, after edits, on a
// reused Message, and past the 255 fields the index can hold.
func TestHotIndex(t *testing.T) {
	scan := func(m *Message, k hkind) (string, bool) {
		for _, h := range m.Headers() {
			if h.kind == k {
				return h.Value, true
			}
		}
		return "", false
	}
	same := func(m *Message) {
		t.Helper()
		for k := hkind(1); k < numKinds; k++ {
			got, gotOK := m.lookup(k, "")
			want, wantOK := scan(m, k)
			if got != want || gotOK != wantOK {
				t.Fatalf("%s: lookup %q %v, scan %q %v", kinds[k].name, got, gotOK, want, wantOK)
			}
		}
	}
	var p Parser
	var m Message
	eq(t, p.Parse(&m, inviteMsg), nil)
	eq(t, m.cached(cIndexed), true)
	same(&m)
	m.Del("Via")
	m.Add("Via", "SIP/2.0/UDP h;branch=z9hG4bK2")
	m.Set("Contact", "<sip:x@y>")
	same(&m)
	v, _ := m.Via()
	eq(t, v.Host, "h")

	// A reused Message forgets where the last message had its headers.
	noContact := crlf("SIP/2.0 200 OK\nCall-ID: 1\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nv: SIP/2.0/UDP i;branch=z9hG4bK3\n\n")
	eq(t, p.Parse(&m, noContact), nil)
	same(&m)
	_, err := m.Contact()
	eq(t, errors.Is(err, ErrMissingHeader), true)

	// Past 255 fields the index cannot say where a header is: lookups scan.
	big := "OPTIONS sip:a@b SIP/2.0\r\n" + strings.Repeat("X: y\r\n", 300) + "Call-ID: far\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"
	p.Limits.MaxHeaders = 400
	eq(t, p.Parse(&m, []byte(big)), nil)
	eq(t, m.cached(cIndexed), false)
	same(&m)
	eq(t, m.CallID(), "far")

	// An error leaves the fields read so far, indexed.
	p.Limits = Limits{}
	bad := crlf("INVITE sip:a@b SIP/2.0\nCall-ID: 1\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nContent-Length: x\nTo: <sip:a@b>\n\n")
	if err := p.Parse(&m, bad); !errors.Is(err, ErrContentLength) {
		t.Fatalf("err %v", err)
	}
	same(&m)
	eq(t, m.CallID(), "1")
}

// TestParseDropsOldViews checks that reusing a Message for a shorter
// message leaves no field pointing into the previous buffer.
func TestParseDropsOldViews(t *testing.T) {
	var p Parser
	var m Message
	eq(t, p.Parse(&m, inviteMsg), nil)
	n := len(m.Headers())
	eq(t, p.Parse(&m, crlf("SIP/2.0 200 OK\nCall-ID: 1\n\n")), nil)
	eq(t, len(m.Headers()), 1)
	for i, h := range m.inline[1:n] {
		if h != (Header{}) {
			t.Fatalf("field %d still holds %q: %q", i+1, h.Name, h.Value)
		}
	}
}

func TestAppendNameAddrs(t *testing.T) {
	m, err := Parse(crlf("INVITE sip:b@example.com SIP/2.0\nRoute: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\nRoute: <sip:p3.example.com>\nRecord-Route: <sip:ok.example.com>, <bad\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.AppendNameAddrs("route", nil)
	if err != nil || len(got) != 3 || got[0].URI.Host != "p1.example.com" || got[2].URI.Host != "p3.example.com" {
		t.Fatalf("Route: %v, %v", got, err)
	}
	got, err = m.AppendNameAddrs("Record-Route", got[:0])
	if err == nil || len(got) != 1 || got[0].URI.Host != "ok.example.com" {
		t.Fatalf("Record-Route with a broken second value: %v, %v", got, err)
	}
	if got, err := m.AppendNameAddrs("Path", nil); got != nil || err != nil {
		t.Fatalf("absent header: %v, %v", got, err)
	}
}

// Inspecting an acceptable INVITE (Require, a body, Accept) costs no
// allocation, and Params.With one: the new list.
func TestInspectAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	raw := strings.Replace(string(inviteMsg), "Supported: replaces, timer\r\n", "Require: timer\r\nAccept: application/sdp, text/plain\r\n", 1)
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if r := testPolicy.Inspect(m); r != nil {
		t.Fatalf("refused: %v", r)
	}
	if n := testing.AllocsPerRun(50, func() { _ = testPolicy.Inspect(m) }); n != 0 {
		t.Errorf("Inspect: %v allocations, want 0", n)
	}
	p := Params(";branch=z9hG4bK1;rport")
	if n := testing.AllocsPerRun(50, func() { _ = p.With("received", "192.0.2.1") }); n != 1 {
		t.Errorf("Params.With: %v allocations, want 1", n)
	}
}
