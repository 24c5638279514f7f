package dialog

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// The fixtures are modelled on the RFC 3665 §3.2 call flow "Session
// Establishment Through Two Proxies": Alice (client.atlanta.example.com)
// calls Bob (client.biloxi.example.com) through ss1.atlanta.example.com
// and ss2.biloxi.example.com, which both Record-Route. Bodies are left out.

// aliceInvite is the INVITE as Alice sends it.
const aliceInvite = `INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>
Content-Length: 0

`

// bobInvite is the INVITE as Bob receives it.
const bobInvite = `INVITE sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1
Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101
Max-Forwards: 68
Record-Route: <sip:ss2.biloxi.example.com;lr>
Record-Route: <sip:ss1.atlanta.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>
Content-Length: 0

`

// bobOK is the 200 as Bob sends it.
const bobOK = `SIP/2.0 200 OK
Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1
Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101
Record-Route: <sip:ss2.biloxi.example.com;lr>
Record-Route: <sip:ss1.atlanta.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=314159
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:bob@client.biloxi.example.com;transport=tcp>
Content-Length: 0

`

// aliceOK is the 200 as Alice receives it.
const aliceOK = `SIP/2.0 200 OK
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101
Record-Route: <sip:ss2.biloxi.example.com;lr>
Record-Route: <sip:ss1.atlanta.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=314159
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:bob@client.biloxi.example.com;transport=tcp>
Content-Length: 0

`

// aliceResponse returns a response to aliceInvite as Alice receives it,
// from the UAS with the given To tag and Contact URI ("" for none), with
// the given Record-Route lines.
func aliceResponse(status, toTag, contact string, recordRoute ...string) string {
	var b strings.Builder
	b.WriteString("SIP/2.0 " + status + "\n")
	b.WriteString("Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\n")
	for _, rr := range recordRoute {
		b.WriteString("Record-Route: " + rr + "\n")
	}
	b.WriteString("From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\n")
	if toTag != "" {
		b.WriteString("To: Bob <sip:bob@biloxi.example.com>;tag=" + toTag + "\n")
	} else {
		b.WriteString("To: Bob <sip:bob@biloxi.example.com>\n")
	}
	b.WriteString("Call-ID: 3848276298220188511@atlanta.example.com\n")
	b.WriteString("CSeq: 1 INVITE\n")
	if contact != "" {
		b.WriteString("Contact: <" + contact + ">\n")
	}
	b.WriteString("Content-Length: 0\n\n")
	return b.String()
}

// crlf turns a fixture's line ends into CRLF, as on the wire.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// parse parses a fixture, failing the test if it does not parse.
func parse(t testing.TB, text string) *sip.Message {
	t.Helper()
	m, err := sip.Parse(crlf(text))
	if err != nil {
		t.Fatalf("fixture does not parse: %v\n%s", err, text)
	}
	return m
}

// wire serialises a built message and parses it back, as the peer sees it.
func wire(t testing.TB, m *sip.Message) *sip.Message {
	t.Helper()
	out, err := sip.Parse(m.AppendTo(nil))
	if err != nil {
		t.Fatalf("built message does not parse: %v\n%s", err, m)
	}
	return out
}

// alice returns Alice's confirmed dialog of the RFC 3665 call.
func alice(t testing.TB) *Dialog {
	t.Helper()
	d, err := NewUAC(parse(t, aliceInvite), parse(t, aliceOK))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bob returns Bob's confirmed dialog of the RFC 3665 call.
func bob(t testing.TB) *Dialog {
	t.Helper()
	d, err := NewUAS(parse(t, bobInvite), parse(t, bobOK))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// aliceVia is the Via Alice's requests go out with; the branch is added fresh.
var aliceVia = sip.Via{Transport: "TCP", Host: "client.atlanta.example.com", Port: 5060}

// bobVia is the Via Bob's requests go out with.
var bobVia = sip.Via{Transport: "TCP", Host: "client.biloxi.example.com", Port: 5060}

// newRequest builds a request in d, failing the test on error, and
// returns it as the peer receives it.
func newRequest(t testing.TB, d *Dialog, method string, via sip.Via) *sip.Message {
	t.Helper()
	m, err := d.NewRequest(method, via, nil, "")
	if err != nil {
		t.Fatalf("NewRequest(%s): %v", method, err)
	}
	return wire(t, m)
}

// routes lists the values of m's Route headers.
func routes(m *sip.Message) []string { return slices.Collect(m.Values("Route")) }

// routeStrings lists a route set as text.
func routeStrings(set []sip.NameAddr) []string {
	var s []string
	for _, r := range set {
		s = append(s, r.String())
	}
	return s
}

func eq[T comparable](t testing.TB, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func eqList(t testing.TB, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func isErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("got error %v, want %v", err, want)
	}
}

// cseq returns m's CSeq as text.
func cseq(t testing.TB, m *sip.Message) string {
	t.Helper()
	c, err := m.CSeq()
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}
