package dialog

import (
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// A UAC dialog and a UAS dialog built from the same exchange hold
// mirrored IDs, and each accepts what the other builds.
func TestRoundTrip(t *testing.T) {
	invite := parse(t, aliceInvite)
	uasSide := parse(t, bobInvite)
	resp := sip.NewResponse(uasSide, 200, "")
	resp.SetToTag(sip.NewTag())
	resp.Add("Contact", "<sip:bob@client.biloxi.example.com;transport=tcp>")
	for rr := range uasSide.Values("Record-Route") {
		resp.Add("Record-Route", rr)
	}
	bobD, err := NewUAS(uasSide, resp)
	if err != nil {
		t.Fatal(err)
	}
	// The proxies strip their Vias on the way back; the rest is the same.
	atAlice := wire(t, resp)
	atAlice.Del("Via")
	atAlice.Add("Via", "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101")
	aliceD, err := NewUAC(invite, wire(t, atAlice))
	if err != nil {
		t.Fatal(err)
	}

	a, b := aliceD.ID(), bobD.ID()
	eq(t, a.CallID, b.CallID)
	eq(t, a.LocalTag, b.RemoteTag)
	eq(t, a.RemoteTag, b.LocalTag)
	eqList(t, routeStrings(aliceD.RouteSet()), []string{"<sip:ss1.atlanta.example.com;lr>", "<sip:ss2.biloxi.example.com;lr>"})

	var bobs Set
	bobs.Add(bobD)
	var alices Set
	alices.Add(aliceD)

	// deliver hands a request to the other side, as its UA core would.
	deliver := func(set *Set, m *sip.Message) {
		t.Helper()
		in := wire(t, m)
		d := set.Match(in, false)
		if d == nil {
			t.Fatalf("%s matches no dialog", in.Method())
		}
		if err := d.ReceiveRequest(in); err != nil {
			t.Fatalf("%s refused: %v", in.Method(), err)
		}
	}
	ack, err := aliceD.NewAck(wire(t, atAlice), 1)
	if err != nil {
		t.Fatal(err)
	}
	deliver(&bobs, ack)

	for range 3 {
		for _, method := range []string{"INFO", "UPDATE"} {
			m, err := aliceD.NewRequest(method, aliceVia, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			deliver(&bobs, m)
			m, err = bobD.NewRequest(method, bobVia, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			deliver(&alices, m)
		}
	}
	seq, _ := bobD.RemoteSeq()
	eq(t, seq, aliceD.LocalSeq())
	seq, _ = aliceD.RemoteSeq()
	eq(t, seq, bobD.LocalSeq())

	// Alice moves: her re-INVITE moves Bob's remote target; Bob's 2xx
	// tells her his Contact, and her ACK reaches his new one.
	aliceD.SetLocalTarget(sip.NameAddr{URI: sip.URI{Scheme: "sip", User: "alice", Host: "198.51.100.7"}})
	reinvite, err := aliceD.NewRequest("INVITE", aliceVia, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	deliver(&bobs, reinvite)
	eq(t, bobD.RemoteTarget().String(), "sip:alice@198.51.100.7")

	bobD.SetLocalTarget(sip.NameAddr{URI: sip.URI{Scheme: "sip", User: "bob", Host: "198.51.100.8"}})
	ok := sip.NewResponse(wire(t, reinvite), 200, "")
	ok.Add("Contact", bobD.LocalTarget().String())
	okAtAlice := wire(t, ok)
	aliceD.ReceiveResponse(reinvite, okAtAlice)
	eq(t, aliceD.RemoteTarget().String(), "sip:bob@198.51.100.8")
	cs, _ := reinvite.CSeq()
	ack, err = aliceD.NewAck(okAtAlice, cs.Seq)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, ack.RawRequestURI(), "sip:bob@198.51.100.8")
	deliver(&bobs, ack)

	// Bob hangs up; Alice accepts the BYE, and both end.
	bye, err := bobD.NewRequest("BYE", bobVia, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, bye.RawRequestURI(), "sip:alice@198.51.100.7")
	deliver(&alices, bye)
	aliceD.Terminate()
	bobD.Terminate()
	_, err = bobD.NewRequest("BYE", bobVia, nil, "")
	isErr(t, err, ErrTerminated)
}
