package dialog

import (
	"strings"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

func TestNewUACFromRFC3665(t *testing.T) {
	d := alice(t)
	eq(t, d.ID(), ID{"3848276298220188511@atlanta.example.com", "9fxced76sl", "314159"})
	eq(t, d.State(), Confirmed)
	eq(t, d.IsUAC(), true)
	eq(t, d.Secure(), false)
	// §12.1.2: the UAC reverses the Record-Route of the response.
	eqList(t, routeStrings(d.RouteSet()), []string{"<sip:ss1.atlanta.example.com;lr>", "<sip:ss2.biloxi.example.com;lr>"})
	eq(t, d.RemoteTarget().String(), "sip:bob@client.biloxi.example.com;transport=tcp")
	eq(t, d.LocalTarget().String(), "<sip:alice@client.atlanta.example.com;transport=tcp>")
	eq(t, d.LocalURI().String(), "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl")
	eq(t, d.RemoteURI().String(), "Bob <sip:bob@biloxi.example.com>;tag=314159")
	eq(t, d.LocalSeq(), 1)
	seq, ok := d.RemoteSeq() // §12.1.2: empty until Bob sends a request
	eq(t, seq, 0)
	eq(t, ok, false)
}

func TestNewUASFromRFC3665(t *testing.T) {
	d := bob(t)
	eq(t, d.ID(), ID{"3848276298220188511@atlanta.example.com", "314159", "9fxced76sl"})
	eq(t, d.State(), Confirmed)
	eq(t, d.IsUAC(), false)
	// §12.1.1: the UAS keeps the Record-Route of the request in order.
	eqList(t, routeStrings(d.RouteSet()), []string{"<sip:ss2.biloxi.example.com;lr>", "<sip:ss1.atlanta.example.com;lr>"})
	eq(t, d.RemoteTarget().String(), "sip:alice@client.atlanta.example.com;transport=tcp")
	eq(t, d.LocalTarget().String(), "<sip:bob@client.biloxi.example.com;transport=tcp>")
	eq(t, d.LocalURI().String(), "Bob <sip:bob@biloxi.example.com>;tag=314159")
	eq(t, d.RemoteURI().String(), "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl")
	eq(t, d.LocalSeq(), 0) // empty: the first request gets 1
	seq, ok := d.RemoteSeq()
	eq(t, seq, 1)
	eq(t, ok, true)
}

func TestNewUASFromBuiltResponse(t *testing.T) {
	req := parse(t, bobInvite)
	resp := sip.NewResponse(req, 180, "")
	resp.SetToTag("314159")
	d, err := NewUAS(req, resp)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, d.State(), Early)
	eq(t, d.ID().LocalTag, "314159")
	eq(t, d.LocalTarget().URI.Scheme, "") // no Contact yet: SetLocalTarget
	d.SetLocalTarget(sip.NameAddr{URI: sip.URI{Scheme: "sip", User: "bob", Host: "192.0.2.4"}})
	opt := newRequest(t, d, "OPTIONS", bobVia)
	eq(t, opt.Get("Contact"), "<sip:bob@192.0.2.4>")
}

func TestRouteSetEmpty(t *testing.T) {
	d, err := NewUAC(parse(t, aliceInvite), parse(t, aliceResponse("200 OK", "314159", "sip:bob@192.0.2.4")))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, len(d.RouteSet()), 0)
	bye := newRequest(t, d, "BYE", aliceVia)
	eq(t, bye.RawRequestURI(), "sip:bob@192.0.2.4")
	eq(t, bye.Has("Route"), false)
}

// A 2xx's Record-Route and Contact replace what the provisional response
// said (RFC 3261 §12.1.2, §13.2.2.4).
func TestConfirmTakesRouteSetFrom2xx(t *testing.T) {
	req := parse(t, aliceInvite)
	d, err := NewUAC(req, parse(t, aliceResponse("180 Ringing", "314159", "sip:bob@192.0.2.4",
		"<sip:early.biloxi.example.com;lr>")))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, d.State(), Early)
	eqList(t, routeStrings(d.RouteSet()), []string{"<sip:early.biloxi.example.com;lr>"})
	eq(t, d.RemoteTarget().String(), "sip:bob@192.0.2.4")

	if err := d.Confirm(parse(t, aliceOK)); err != nil {
		t.Fatal(err)
	}
	eq(t, d.State(), Confirmed)
	eqList(t, routeStrings(d.RouteSet()), []string{"<sip:ss1.atlanta.example.com;lr>", "<sip:ss2.biloxi.example.com;lr>"})
	eq(t, d.RemoteTarget().String(), "sip:bob@client.biloxi.example.com;transport=tcp")

	// A retransmitted 2xx changes nothing, even with other headers.
	if err := d.Confirm(parse(t, aliceResponse("200 OK", "314159", "sip:bob@192.0.2.9"))); err != nil {
		t.Fatal(err)
	}
	eq(t, len(d.RouteSet()), 2)
	eq(t, d.RemoteTarget().String(), "sip:bob@client.biloxi.example.com;transport=tcp")
}

func TestEarlyWithoutContact(t *testing.T) {
	d, err := NewUAC(parse(t, aliceInvite), parse(t, aliceResponse("183 Session Progress", "314159", "")))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, d.State(), Early)
	eq(t, d.RemoteTarget().String(), "sip:bob@biloxi.example.com") // the Request-URI, until the 2xx
}

func TestConfirmUAS(t *testing.T) {
	req := parse(t, bobInvite)
	ringing := sip.NewResponse(req, 180, "")
	ringing.SetToTag("314159")
	d, err := NewUAS(req, ringing)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, d.State(), Early)
	if err := d.Confirm(parse(t, bobOK)); err != nil {
		t.Fatal(err)
	}
	eq(t, d.State(), Confirmed)
	eq(t, d.LocalTarget().String(), "<sip:bob@client.biloxi.example.com;transport=tcp>")
	eqList(t, routeStrings(d.RouteSet()), []string{"<sip:ss2.biloxi.example.com;lr>", "<sip:ss1.atlanta.example.com;lr>"})
}

func TestConfirmRefusals(t *testing.T) {
	d, err := NewUAC(parse(t, aliceInvite), parse(t, aliceResponse("180 Ringing", "314159", "sip:bob@192.0.2.4")))
	if err != nil {
		t.Fatal(err)
	}
	isErr(t, d.Confirm(parse(t, aliceResponse("183 Session Progress", "314159", "sip:bob@192.0.2.4"))), ErrBadMessage)
	isErr(t, d.Confirm(parse(t, aliceResponse("200 OK", "314159", ""))), ErrBadMessage) // a 2xx needs a Contact
	isErr(t, d.Confirm(parse(t, aliceResponse("200 OK", "other", "sip:bob@192.0.2.4"))), ErrOtherDialog)
	isErr(t, d.Confirm(parse(t, bobInvite)), ErrBadMessage)
	eq(t, d.State(), Early)
	d.Terminate()
	isErr(t, d.Confirm(parse(t, aliceOK)), ErrTerminated)
	eq(t, d.State(), Terminated)
}

// Every response a forked INVITE brings back with a new To tag is a
// dialog of its own (RFC 3261 §12.1.2, §13.2.2.4).
func TestForking(t *testing.T) {
	req := parse(t, aliceInvite)
	var set Set
	for _, r := range []string{
		aliceResponse("180 Ringing", "desk", "sip:bob@desk.biloxi.example.com"),
		aliceResponse("180 Ringing", "mobile", "sip:bob@mobile.biloxi.example.com"),
		aliceResponse("180 Ringing", "desk", "sip:bob@desk.biloxi.example.com"), // the same early dialog again
	} {
		resp := parse(t, r)
		if set.Match(resp, true) != nil {
			continue
		}
		d, err := NewUAC(req, resp)
		if err != nil {
			t.Fatal(err)
		}
		set.Add(d)
	}
	eq(t, set.Len(), 2)
	desk := set.Get(ID{"3848276298220188511@atlanta.example.com", "9fxced76sl", "desk"})
	mobile := set.Get(ID{"3848276298220188511@atlanta.example.com", "9fxced76sl", "mobile"})
	if desk == nil || mobile == nil || desk == mobile {
		t.Fatalf("early dialogs not distinct: %v %v", desk, mobile)
	}
	eq(t, desk.RemoteTarget().String(), "sip:bob@desk.biloxi.example.com")
	eq(t, mobile.RemoteTarget().String(), "sip:bob@mobile.biloxi.example.com")

	// The mobile answers: its dialog is confirmed, the desk's is not.
	ok := parse(t, aliceResponse("200 OK", "mobile", "sip:bob@mobile.biloxi.example.com"))
	isErr(t, desk.Confirm(ok), ErrOtherDialog)
	eq(t, desk.State(), Early)
	if set.Match(ok, true) != mobile {
		t.Fatal("the 2xx does not match its early dialog")
	}
	if err := mobile.Confirm(ok); err != nil {
		t.Fatal(err)
	}
	eq(t, mobile.State(), Confirmed)

	// A 2xx from a branch that sent no provisional response: a new dialog.
	laptop := parse(t, aliceResponse("200 OK", "laptop", "sip:bob@laptop.biloxi.example.com"))
	isErr(t, mobile.Confirm(laptop), ErrOtherDialog)
	if set.Match(laptop, true) != nil {
		t.Fatal("the third branch matched an existing dialog")
	}
	d, err := NewUAC(req, laptop)
	if err != nil {
		t.Fatal(err)
	}
	set.Add(d)
	eq(t, d.State(), Confirmed)
	eq(t, set.Len(), 3)
}

func TestSecureFlag(t *testing.T) {
	invite := `INVITE sips:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9
Max-Forwards: 70
From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sips:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sips:alice@client.atlanta.example.com>
Content-Length: 0

`
	ok := `SIP/2.0 200 OK
Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9
Record-Route: <sips:ss1.atlanta.example.com;lr>
From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sips:bob@biloxi.example.com>;tag=314159
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sips:bob@client.biloxi.example.com>
Content-Length: 0

`
	uac, err := NewUAC(parse(t, invite), parse(t, ok))
	if err != nil {
		t.Fatal(err)
	}
	uas, err := NewUAS(parse(t, invite), parse(t, ok))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, uac.Secure(), true)
	eq(t, uas.Secure(), true)
	eq(t, alice(t).Secure(), false)
	eq(t, bob(t).Secure(), false)
}

func TestCannotCreate(t *testing.T) {
	invite := parse(t, aliceInvite)
	for _, tc := range []struct {
		name string
		resp string
	}{
		{"100", aliceResponse("100 Trying", "", "")},
		{"100 with tag", aliceResponse("100 Trying", "314159", "sip:bob@192.0.2.4")},
		{"486", aliceResponse("486 Busy Here", "314159", "sip:bob@192.0.2.4")},
		{"180 without To tag", aliceResponse("180 Ringing", "", "sip:bob@192.0.2.4")},
		{"200 without Contact", aliceResponse("200 OK", "314159", "")},
		{"200 with Contact *", `SIP/2.0 200 OK
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=314159
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: *
Content-Length: 0

`},
		{"another call", `SIP/2.0 200 OK
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=314159
Call-ID: another@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:bob@192.0.2.4>
Content-Length: 0

`},
		{"another transaction", strings.Replace(aliceOK, "CSeq: 1 INVITE", "CSeq: 2 PRACK", 1)},
		{"malformed Record-Route", aliceResponse("200 OK", "314159", "sip:bob@192.0.2.4", "<sip:ss1.atlanta.example.com;lr")},
		{"a request", bobInvite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewUAC(invite, parse(t, tc.resp))
			isErr(t, err, ErrBadMessage)
			if d != nil {
				t.Error("got a dialog")
			}
		})
	}

	// A UAS response must carry the To tag the UAS chose (§12.1.1).
	req := parse(t, bobInvite)
	_, err := NewUAS(req, sip.NewResponse(req, 200, ""))
	isErr(t, err, ErrBadMessage)
	// A dialog-creating request without Contact (§12.1.1).
	noContact := parse(t, `INVITE sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Content-Length: 0

`)
	resp := sip.NewResponse(noContact, 200, "")
	resp.SetToTag("314159")
	_, err = NewUAS(noContact, resp)
	isErr(t, err, ErrBadMessage)
	if sip.StatusOf(err) != 400 {
		t.Errorf("status %d, want 400", sip.StatusOf(err))
	}
}

// An RFC 2543 UAS may answer without To tag; the tag counts as empty
// (RFC 3261 §12.1.2).
func TestRFC2543ResponseWithoutTag(t *testing.T) {
	d, err := NewUAC(parse(t, aliceInvite), parse(t, aliceResponse("200 OK", "", "sip:bob@192.0.2.4")))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, d.ID().RemoteTag, "")
	bye := newRequest(t, d, "BYE", aliceVia)
	eq(t, bye.Get("To"), "Bob <sip:bob@biloxi.example.com>")
}

// A dialog outlives the buffer its messages were parsed from, which the
// transport may reuse.
func TestDialogOwnsItsStrings(t *testing.T) {
	reqBuf, respBuf := crlf(aliceInvite), crlf(aliceOK)
	req, err := sip.Parse(reqBuf)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := sip.Parse(respBuf)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewUAC(req, resp)
	if err != nil {
		t.Fatal(err)
	}
	uasReq, uasResp := crlf(bobInvite), crlf(bobOK)
	m1, _ := sip.Parse(uasReq)
	m2, _ := sip.Parse(uasResp)
	u, err := NewUAS(m1, m2)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{reqBuf, respBuf, uasReq, uasResp} {
		for i := range b {
			b[i] = 'x'
		}
	}
	want, wantU := alice(t), bob(t)
	for _, c := range []struct{ got, want *Dialog }{{d, want}, {u, wantU}} {
		eq(t, c.got.ID(), c.want.ID())
		eq(t, c.got.LocalURI().String(), c.want.LocalURI().String())
		eq(t, c.got.RemoteURI().String(), c.want.RemoteURI().String())
		eq(t, c.got.LocalTarget().String(), c.want.LocalTarget().String())
		eq(t, c.got.RemoteTarget().String(), c.want.RemoteTarget().String())
		eqList(t, routeStrings(c.got.RouteSet()), routeStrings(c.want.RouteSet()))
		eq(t, c.got.LocalURI().Tag(), c.want.LocalURI().Tag())
	}
}

// NewFork makes from a confirmed dialog and a 2xx of another branch the
// same dialog NewUAC makes from the INVITE and that 2xx.
func TestNewFork(t *testing.T) {
	req := parse(t, aliceInvite)
	mobile, err := NewUAC(req, parse(t, aliceResponse("200 OK", "mobile", "sip:bob@mobile.biloxi.example.com")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mobile.NewRequest("BYE", sip.Via{Transport: "UDP", Host: "client.atlanta.example.com"}, nil, ""); err != nil {
		t.Fatal(err)
	}
	laptop := parse(t, aliceResponse("200 OK", "laptop", "sip:bob@laptop.biloxi.example.com"))
	want, err := NewUAC(req, laptop)
	if err != nil {
		t.Fatal(err)
	}
	got, err := mobile.NewFork(laptop)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, got.ID(), want.ID())
	eq(t, got.State(), want.State())
	eq(t, got.LocalURI().String(), want.LocalURI().String())
	eq(t, got.RemoteURI().String(), want.RemoteURI().String())
	eq(t, got.LocalTarget().String(), want.LocalTarget().String())
	eq(t, got.RemoteTarget().String(), want.RemoteTarget().String())
	eq(t, len(got.RouteSet()), len(want.RouteSet()))
	eq(t, got.LocalSeq(), want.LocalSeq())
	eq(t, got.Secure(), want.Secure())
	cs, _ := laptop.CSeq()
	if _, err := got.NewAck(laptop, cs.Seq); err != nil {
		t.Fatal(err)
	}

	// Not a fork: the dialog's own 2xx, another call, a 3xx.
	_, err = mobile.NewFork(parse(t, aliceResponse("200 OK", "mobile", "sip:bob@mobile.biloxi.example.com")))
	isErr(t, err, ErrBadMessage)
	_, err = mobile.NewFork(parse(t, aliceResponse("302 Moved", "x", "sip:bob@x.biloxi.example.com")))
	isErr(t, err, ErrBadMessage)
	uas, err := NewUAS(req, parse(t, aliceResponse("200 OK", "mobile", "sip:bob@mobile.biloxi.example.com")))
	if err == nil {
		_, err = uas.NewFork(laptop)
		isErr(t, err, ErrBadMessage)
	}
}
