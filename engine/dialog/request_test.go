package dialog

import (
	"math"
	"strings"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Bob's BYE is the one of the RFC 3665 §3.2 flow: Request-URI from the
// remote target, Route from the route set in Record-Route order, the tags
// swapped, and Bob's own CSeq count (RFC 3261 §12.2.1.1).
func TestUASByeIsRFC3665(t *testing.T) {
	d := bob(t)
	via := bobVia
	via.Params = ";branch=z9hG4bKnashds7"
	bye, err := d.NewRequest("BYE", via, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := string(crlf(`BYE sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0
Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7
Max-Forwards: 70
Route: <sip:ss2.biloxi.example.com;lr>
Route: <sip:ss1.atlanta.example.com;lr>
From: Bob <sip:bob@biloxi.example.com>;tag=314159
To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 BYE
Content-Length: 0

`))
	eq(t, bye.String(), want)
	eq(t, d.LocalSeq(), 1)
}

func TestUACAck(t *testing.T) {
	d := alice(t)
	ok := parse(t, aliceOK)
	m, err := d.NewAck(ok, 1)
	if err != nil {
		t.Fatal(err)
	}
	ack := wire(t, m)
	eq(t, ack.Method(), "ACK")
	eq(t, ack.RawRequestURI(), "sip:bob@client.biloxi.example.com;transport=tcp")
	eqList(t, routes(ack), []string{"<sip:ss1.atlanta.example.com;lr>", "<sip:ss2.biloxi.example.com;lr>"})
	eq(t, cseq(t, ack), "1 ACK")
	eq(t, ack.Get("From"), "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl")
	eq(t, ack.Get("To"), "Bob <sip:bob@biloxi.example.com>;tag=314159")
	eq(t, ack.CallID(), "3848276298220188511@atlanta.example.com")
	mf, _ := ack.MaxForwards()
	eq(t, mf, 70)
	via, err := ack.Via()
	if err != nil {
		t.Fatal(err)
	}
	// §13.2.2.4: the ACK is a transaction of its own, with a new branch,
	// from where the INVITE went out.
	eq(t, via.SentBy(), "client.atlanta.example.com:5060")
	eq(t, via.Transport, "TCP")
	eq(t, strings.HasPrefix(via.Branch(), sip.BranchCookie), true)
	if via.Branch() == "z9hG4bK74bf9" {
		t.Error("the ACK reuses the INVITE's branch")
	}
	eq(t, via.Received(), "")
	eq(t, d.LocalSeq(), 1) // an ACK does not count

	again, err := d.NewAck(ok, 1)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := m.Via()
	v2, _ := again.Via()
	if v1.Branch() == v2.Branch() {
		t.Error("two ACKs share a branch")
	}
}

func TestNewAckRefusals(t *testing.T) {
	d := alice(t)
	_, err := d.NewAck(parse(t, aliceOK), 2)
	isErr(t, err, ErrBadMessage)
	_, err = d.NewAck(parse(t, aliceResponse("180 Ringing", "314159", "sip:bob@192.0.2.4")), 1)
	isErr(t, err, ErrBadMessage)
	_, err = d.NewAck(parse(t, aliceResponse("200 OK", "forked", "sip:bob@192.0.2.4")), 1)
	isErr(t, err, ErrOtherDialog)
	_, err = d.NewAck(parse(t, bobInvite), 1)
	isErr(t, err, ErrBadMessage)
	_, err = d.NewAck(parse(t, strings.Replace(aliceOK, "Call-ID: 3848", "Call-ID: 9848", 1)), 1)
	isErr(t, err, ErrNoDialog)

	// A 2xx that comes after the dialog was abandoned is still ACKed (§15).
	d.Terminate()
	if _, err := d.NewAck(parse(t, aliceOK), 1); err != nil {
		t.Fatal(err)
	}
}

func TestUACRequestHeaders(t *testing.T) {
	d := alice(t)
	info, err := d.NewRequest("INFO", aliceVia, []byte("Signal=5\r\n"), "application/dtmf-relay")
	if err != nil {
		t.Fatal(err)
	}
	m := wire(t, info)
	eq(t, m.RawRequestURI(), "sip:bob@client.biloxi.example.com;transport=tcp")
	eqList(t, routes(m), []string{"<sip:ss1.atlanta.example.com;lr>", "<sip:ss2.biloxi.example.com;lr>"})
	eq(t, cseq(t, m), "2 INFO")
	eq(t, m.Get("Contact"), "<sip:alice@client.atlanta.example.com;transport=tcp>")
	eq(t, m.Get("Content-Type"), "application/dtmf-relay")
	eq(t, string(m.Body()), "Signal=5\r\n")
	via, _ := m.Via()
	eq(t, strings.HasPrefix(via.Branch(), sip.BranchCookie), true)

	bye := newRequest(t, d, "BYE", aliceVia)
	eq(t, cseq(t, bye), "3 BYE")
	eq(t, bye.Has("Contact"), false) // RFC 3261 Table 3
}

// CSeq numbering (RFC 3261 §12.2.1.1, §13.2.2.4, §9.1): each request but
// ACK and CANCEL takes the next number; those two reuse the INVITE's.
func TestCSeqNumbering(t *testing.T) {
	d := alice(t)
	for _, step := range []struct{ method, cseq string }{
		{"ACK", "1 ACK"}, // of the initial INVITE
		{"INFO", "2 INFO"},
		{"INVITE", "3 INVITE"},
		{"UPDATE", "4 UPDATE"}, // while the re-INVITE is pending
		{"CANCEL", "3 CANCEL"},
		{"ACK", "3 ACK"},
		{"BYE", "5 BYE"},
	} {
		m := newRequest(t, d, step.method, aliceVia)
		eq(t, cseq(t, m), step.cseq)
	}
	eq(t, d.LocalSeq(), 5)

	// The UAS starts from an empty local sequence number and has no
	// INVITE of its own to acknowledge or cancel.
	u := bob(t)
	_, err := u.NewRequest("ACK", bobVia, nil, "")
	isErr(t, err, ErrNoInvite)
	_, err = u.NewRequest("CANCEL", bobVia, nil, "")
	isErr(t, err, ErrNoInvite)
	eq(t, cseq(t, newRequest(t, u, "UPDATE", bobVia)), "1 UPDATE")
	eq(t, cseq(t, newRequest(t, u, "INVITE", bobVia)), "2 INVITE")
	eq(t, cseq(t, newRequest(t, u, "ACK", bobVia)), "2 ACK")
}

// withCSeq returns aliceInvite and aliceOK with another CSeq number.
func withCSeq(t *testing.T, n string) (*sip.Message, *sip.Message) {
	t.Helper()
	fix := func(s string) string { return strings.Replace(s, "CSeq: 1 INVITE", "CSeq: "+n+" INVITE", 1) }
	return parse(t, fix(aliceInvite)), parse(t, fix(aliceOK))
}

// CSeq numbers are 32 bits; only the first is below 2**31 (§8.1.1.5), and
// they never wrap.
func TestLocalCSeqLimits(t *testing.T) {
	d, err := NewUAC(withCSeq(t, "2147483647"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, cseq(t, newRequest(t, d, "INFO", aliceVia)), "2147483648 INFO")

	d, err = NewUAC(withCSeq(t, "4294967295"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.NewRequest("BYE", aliceVia, nil, "")
	isErr(t, err, ErrSeqExhausted)
	eq(t, d.LocalSeq(), math.MaxUint32)
	eq(t, cseq(t, newRequest(t, d, "ACK", aliceVia)), "4294967295 ACK")

	req, ok := withCSeq(t, "0")
	d, err = NewUAC(req, ok)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := d.NewAck(ok, 0)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, cseq(t, wire(t, ack)), "0 ACK")
	eq(t, cseq(t, newRequest(t, d, "BYE", aliceVia)), "1 BYE")
}

// A strict router of RFC 2543 (no lr) routes on the Request-URI, so the
// first route goes there and the remote target last in Route
// (RFC 3261 §12.2.1.1, §16.12.1.2).
func TestStrictRouting(t *testing.T) {
	ok := parse(t, aliceResponse("200 OK", "314159", "sip:bob@client.biloxi.example.com;transport=tcp",
		"<sip:p2.biloxi.example.com;lr>",
		"<sip:ss1.atlanta.example.com;transport=tcp;method=INVITE>;x-rr=1"))
	d, err := NewUAC(parse(t, aliceInvite), ok)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*sip.Message{newRequest(t, d, "BYE", aliceVia), mustAck(t, d, ok)} {
		// The Request-URI takes the URI without what a Request-URI may not
		// hold (the method parameter) and without the header parameters.
		eq(t, m.RawRequestURI(), "sip:ss1.atlanta.example.com;transport=tcp")
		eqList(t, routes(m), []string{"<sip:p2.biloxi.example.com;lr>", "<sip:bob@client.biloxi.example.com;transport=tcp>"})
	}

	// The UAS keeps the Record-Route in order, so its first route is the
	// strict router next to it.
	invite := strings.Replace(bobInvite, "Record-Route: <sip:ss2.biloxi.example.com;lr>", "Record-Route: <sip:ss2.biloxi.example.com>", 1)
	u, err := NewUAS(parse(t, invite), parse(t, bobOK))
	if err != nil {
		t.Fatal(err)
	}
	bye := newRequest(t, u, "BYE", bobVia)
	eq(t, bye.RawRequestURI(), "sip:ss2.biloxi.example.com")
	eqList(t, routes(bye), []string{"<sip:ss1.atlanta.example.com;lr>", "<sip:alice@client.atlanta.example.com;transport=tcp>"})
}

func mustAck(t *testing.T, d *Dialog, ok *sip.Message) *sip.Message {
	t.Helper()
	ack, err := d.NewAck(ok, 1)
	if err != nil {
		t.Fatal(err)
	}
	return wire(t, ack)
}

// The Request-URI of a request in the dialog is the remote target: never
// a route's lr or other parameters, nor the Contact's header parameters,
// nor what a Request-URI may not hold (RFC 3261 §19.1.1).
func TestRequestURIParams(t *testing.T) {
	ok := parse(t, strings.Replace(aliceOK,
		"Contact: <sip:bob@client.biloxi.example.com;transport=tcp>",
		"Contact: <sip:bob@client.biloxi.example.com;transport=tcp;method=INVITE?Subject=hi>;expires=60;+sip.instance=\"<urn:uuid:1>\"", 1))
	d, err := NewUAC(parse(t, aliceInvite), ok)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"BYE", "INFO", "INVITE"} {
		m := newRequest(t, d, method, aliceVia)
		eq(t, m.RawRequestURI(), "sip:bob@client.biloxi.example.com;transport=tcp")
		eq(t, strings.Contains(m.RawRequestURI(), "lr"), false)
	}
}

func TestTerminatedBuildsNothing(t *testing.T) {
	d := alice(t)
	d.Terminate()
	eq(t, d.State(), Terminated)
	for _, method := range []string{"BYE", "ACK", "INFO"} {
		_, err := d.NewRequest(method, aliceVia, nil, "")
		isErr(t, err, ErrTerminated)
	}
	eq(t, d.LocalSeq(), 1)
}

// Mobility: a new local target goes into the Contact of later requests.
func TestSetLocalTarget(t *testing.T) {
	d := alice(t)
	contact, err := sip.ParseNameAddr("<sip:alice@198.51.100.7:5080;transport=tcp>")
	if err != nil {
		t.Fatal(err)
	}
	d.SetLocalTarget(contact)
	reinvite := newRequest(t, d, "INVITE", aliceVia)
	eq(t, reinvite.Get("Contact"), "<sip:alice@198.51.100.7:5080;transport=tcp>")
	eq(t, d.LocalTarget().String(), "<sip:alice@198.51.100.7:5080;transport=tcp>")
}

func TestNewRequestRefusesBadVia(t *testing.T) {
	d := alice(t)
	_, err := d.NewRequest("INFO", sip.Via{}, nil, "")
	if err == nil {
		t.Fatal("built a request without Via")
	}
	eq(t, d.LocalSeq(), 1) // a failed build does not use up a number
}
