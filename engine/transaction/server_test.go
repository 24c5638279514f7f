package transaction

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

func TestServerInviteTryingAndTimerG(t *testing.T) {
	f := newFixture(t)
	inv := request("INVITE", "z9hG4bK1")
	f.l.HandleMessage(inv, udpPeer)
	if len(f.u.requests) != 1 {
		t.Fatal("TU not told")
	}
	tx := f.u.requests[0]
	f.clk.Advance(300 * time.Millisecond) // the TU is slow: 100 Trying at 200 ms
	eqTimes(t, "100", f.w.times(status(100)), secs(0.2))
	f.l.HandleMessage(inv, udpPeer) // retransmission: resend the 100
	eqTimes(t, "100", f.w.times(status(100)), secs(0.2, 0.3))
	if len(f.u.requests) != 1 {
		t.Fatal("retransmission passed to the TU")
	}
	resp := sip.NewResponse(inv, 486, "")
	resp.SetToTag("u1")
	if err := tx.Respond(resp); err != nil {
		t.Fatal(err)
	}
	if err := tx.Respond(sip.NewResponse(inv, 500, "")); !errors.Is(err, ErrState) {
		t.Errorf("second final: %v", err)
	}
	if n := f.clk.Pending(); n != 1 {
		t.Errorf("%d timers armed awaiting the ACK, want 1 for Timers G and H", n)
	}
	f.clk.Advance(10 * time.Second)
	// Timer G from T1 doubling up to T2 (§17.2.1), counted from 0.3 s.
	eqTimes(t, "486", f.w.times(status(486)), secs(0.3, 0.8, 1.8, 3.8, 7.8))
	f.l.HandleMessage(request("ACK", "z9hG4bK1"), udpPeer)
	if tx.State() != Confirmed {
		t.Fatalf("state %v", tx.State())
	}
	if n := f.clk.Pending(); n != 1 {
		t.Errorf("%d timers armed once Confirmed, want 1 for Timer I", n)
	}
	f.clk.Advance(4 * time.Second)
	eqTimes(t, "486 after ACK", f.w.times(status(486)), secs(0.3, 0.8, 1.8, 3.8, 7.8))
	f.l.HandleMessage(request("ACK", "z9hG4bK1"), udpPeer) // absorbed in Confirmed
	if len(f.u.strays) != 0 {
		t.Fatal("ACK for a non-2xx reached the TU")
	}
	f.clk.Advance(2 * time.Second) // Timer I = T4
	f.done()
}

func TestServerInviteTimerH(t *testing.T) {
	f := newFixture(t)
	f.u.answer = func(tx *ServerTx, req *sip.Message) { tx.Respond(sip.NewResponse(req, 603, "")) }
	f.l.HandleMessage(request("INVITE", "z9hG4bK1"), udpPeer)
	if n := len(f.w.times(status(100))); n != 0 {
		t.Fatal("100 Trying sent although the TU answered at once")
	}
	if n := f.clk.Pending(); n != 1 {
		t.Errorf("%d timers armed awaiting the ACK, want 1 for Timers G and H", n)
	}
	f.clk.Advance(31 * time.Second)
	if len(f.u.failures) != 0 {
		t.Fatal("Timer H early")
	}
	f.clk.Advance(2 * time.Second)
	if len(f.u.failures) != 1 || !errors.Is(f.u.failures[0], ErrTimeout) {
		t.Fatalf("failures %v, want Timer H", f.u.failures)
	}
	// Timer G resent the 603 until Timer H: doubling from T1, then every T2.
	eqTimes(t, "603", f.w.times(status(603)), secs(0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5))
	f.done()
}

func TestServerInviteAccepted(t *testing.T) {
	f := newFixture(t)
	var tx *ServerTx
	f.u.answer = func(s *ServerTx, req *sip.Message) {
		tx = s
		ok := sip.NewResponse(req, 200, "")
		ok.SetToTag("u1")
		s.Respond(ok)
	}
	inv := request("INVITE", "z9hG4bK1")
	f.l.HandleMessage(inv, udpPeer)
	if tx.State() != Accepted {
		t.Fatalf("state %v, want Accepted (RFC 6026)", tx.State())
	}
	if tx.trying.t != nil {
		t.Error("the Accepted transaction keeps its 100 Trying timer for Timer L's 32 s")
	}
	f.l.HandleMessage(inv, udpPeer) // absorbed: the TU retransmits its 2xx
	f.clk.Advance(5 * time.Second)
	if n := len(f.w.times(status(200))); n != 1 {
		t.Fatalf("%d 200s from the transaction, want 1", n)
	}
	if err := tx.Respond(sip.NewResponse(inv, 200, "")); err != nil {
		t.Fatalf("TU's 2xx retransmission refused in Accepted: %v", err)
	}
	f.l.HandleMessage(request("ACK", "z9hG4bKack"), udpPeer) // ACK for 2xx: new branch
	if len(f.u.strays) != 1 || f.u.strays[0].Method() != "ACK" {
		t.Fatal("ACK for the 2xx did not reach the TU")
	}
	f.clk.Advance(28 * time.Second) // Timer L = 64*T1
	f.done()
}

func TestServerNonInvite(t *testing.T) {
	f := newFixture(t)
	req := request("OPTIONS", "z9hG4bK1")
	f.l.HandleMessage(req, udpPeer)
	f.l.HandleMessage(req, udpPeer) // retransmission in Trying: discarded
	if len(f.w.out) != 0 || len(f.u.requests) != 1 {
		t.Fatalf("sent %d, TU %d", len(f.w.out), len(f.u.requests))
	}
	tx := f.u.requests[0]
	tx.Respond(sip.NewResponse(req, 200, ""))
	f.clk.Advance(time.Second)
	f.l.HandleMessage(req, udpPeer) // resend the final
	eqTimes(t, "200", f.w.times(status(200)), secs(0, 1))
	f.clk.Advance(31 * time.Second) // Timer J = 64*T1
	f.done()

	f = newFixture(t)
	f.u.answer = func(tx *ServerTx, req *sip.Message) { tx.Respond(sip.NewResponse(req, 200, "")) }
	f.l.HandleMessage(request("OPTIONS", "z9hG4bK1"), tcpPeer)
	f.clk.Advance(0) // Timer J is zero over TCP
	f.done()
}

func TestServerCancel(t *testing.T) {
	f := newFixture(t)
	inv := request("INVITE", "z9hG4bK1")
	f.l.HandleMessage(inv, udpPeer)
	tx := f.u.requests[0]
	ring := sip.NewResponse(inv, 180, "")
	ring.SetToTag("u1")
	tx.Respond(ring)
	f.l.HandleMessage(request("CANCEL", "z9hG4bK1"), udpPeer)
	if len(f.u.cancels) != 1 || f.u.cancels[0] != tx {
		t.Fatal("CANCEL not matched to its INVITE (§9.2)")
	}
	okCancel := f.w.out[len(f.w.out)-1].msg
	if okCancel.StatusCode() != 200 {
		t.Fatalf("CANCEL answered %d", okCancel.StatusCode())
	}
	if cs, _ := okCancel.CSeq(); cs.Method != "CANCEL" {
		t.Fatalf("200 answers %s", cs.Method)
	}
	terminated := sip.NewResponse(inv, 487, "")
	terminated.SetToTag("u1")
	tx.Respond(terminated)
	f.l.HandleMessage(request("ACK", "z9hG4bK1"), udpPeer)
	f.clk.Advance(40 * time.Second)
	f.done()

	// A CANCEL that matches nothing gets 481.
	f = newFixture(t)
	f.l.HandleMessage(request("CANCEL", "z9hG4bK9"), udpPeer)
	eqTimes(t, "481", f.w.times(status(481)), secs(0))
	f.clk.Advance(40 * time.Second)
	f.done()
}

func TestRFC2543Matching(t *testing.T) {
	f := newFixture(t)
	inv := request("INVITE", "2543-abc") // no magic cookie
	f.l.HandleMessage(inv, udpPeer)
	f.l.HandleMessage(request("INVITE", "2543-abc"), udpPeer)
	if len(f.u.requests) != 1 {
		t.Fatalf("retransmission of an RFC 2543 request not matched: %d", len(f.u.requests))
	}
	tx := f.u.requests[0]
	busy := sip.NewResponse(inv, 486, "")
	busy.SetToTag("u1")
	tx.Respond(busy)
	// The ACK of an RFC 2543 UA matches by the To tag of our response.
	ack := request("ACK", "2543-abc")
	ack.Set("To", "<sip:bob@example.com>;tag=u1")
	ack.Set("CSeq", "1 ACK")
	f.l.HandleMessage(ack, udpPeer)
	if tx.State() != Confirmed {
		t.Fatalf("RFC 2543 ACK not matched: %v", tx.State())
	}
	// Another request with the same Call-ID but another CSeq is new.
	other := request("OPTIONS", "2543-abc")
	other.Set("CSeq", "2 OPTIONS")
	f.l.HandleMessage(other, udpPeer)
	if len(f.u.requests) != 2 {
		t.Fatal("a new RFC 2543 request was taken for a retransmission")
	}
	f.u.requests[1].Respond(sip.NewResponse(other, 200, ""))
	f.clk.Advance(40 * time.Second)
	f.done()
}

func TestMergedRequest(t *testing.T) {
	f := newFixture(t)
	f.l.HandleMessage(request("INVITE", "z9hG4bK1"), udpPeer)
	// The same request forked back to us along another path: new branch,
	// same From tag, Call-ID and CSeq, no To tag (RFC 3261 §8.2.2.2).
	again := request("INVITE", "z9hG4bK2")
	again.Set("Call-ID", "call-z9hG4bK1")
	f.l.HandleMessage(again, udpPeer)
	if len(f.u.requests) != 1 {
		t.Fatal("merged request reached the TU")
	}
	eqTimes(t, "482", f.w.times(status(482)), secs(0))
}

func TestOverload503(t *testing.T) {
	f := newFixture(t)
	f.l = New(Config{Clock: f.clk, Transport: f.w, MaxTransactions: 1}, f.u)
	f.l.HandleMessage(request("OPTIONS", "z9hG4bK1"), udpPeer)
	f.l.HandleMessage(request("OPTIONS", "z9hG4bK2"), udpPeer)
	if len(f.u.requests) != 1 {
		t.Fatal("request past the limit reached the TU")
	}
	got := f.w.out[len(f.w.out)-1].msg
	if got.StatusCode() != 503 || got.Get("Retry-After") != "5" {
		t.Fatalf("got %d Retry-After %q", got.StatusCode(), got.Get("Retry-After"))
	}
	for i := range 100 {
		f.l.HandleMessage(request("OPTIONS", fmt.Sprintf("z9hG4bKflood%d", i)), udpPeer)
	}
	if _, s := f.l.Len(); s != 1 {
		t.Fatalf("%d server transactions after a flood past the limit, want 1", s)
	}
}

func TestResponseGoesWhereVia(t *testing.T) {
	f := newFixture(t)
	req := request("OPTIONS", "z9hG4bK1")
	req.SetFirstValue("Via", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport=40001;received=192.0.2.20")
	f.l.HandleMessage(req, udpPeer)
	f.u.requests[0].Respond(sip.NewResponse(req, 200, ""))
	if got := f.w.out[0].dst.String(); got != "UDP:192.0.2.20:40001" {
		t.Fatalf("response to %s, want the NAT's public address (RFC 3581)", got)
	}
}

func TestServerSendFailure(t *testing.T) {
	f := newFixture(t)
	req := request("INVITE", "z9hG4bK1")
	f.l.HandleMessage(req, udpPeer)
	f.w.fail = errors.New("network unreachable")
	resp := sip.NewResponse(req, 486, "")
	resp.SetToTag("u1")
	if err := f.u.requests[0].Respond(resp); err == nil {
		t.Fatal("Respond reported success for a response the transport refused")
	}
	if len(f.u.failures) != 1 {
		t.Fatalf("TU failures %v", f.u.failures)
	}
	f.done() // no Timer G or H armed on the dead transaction
}

func TestMalformedMessages(t *testing.T) {
	f := newFixture(t)
	bad := request("OPTIONS", "z9hG4bK1", "CSeq: 2 OPTIONS\r\n") // CSeq twice
	f.l.HandleMessage(bad, udpPeer)
	if len(f.u.requests) != 0 {
		t.Fatal("a malformed request reached the TU")
	}
	eqTimes(t, "400", f.w.times(status(400)), secs(0))
	if got := f.w.out[0].msg.Reason(); got != "Bad Request (CSeq)" {
		t.Errorf("reason %q should name the header at fault", got)
	}
	mismatch := request("INVITE", "z9hG4bK2")
	mismatch.Set("CSeq", "1 BYE")
	f.l.HandleMessage(mismatch, udpPeer)
	eqTimes(t, "400", f.w.times(status(400)), secs(0, 0))

	// A response carrying two Vias is not ours to take (RFC 3261 §18.1.2).
	c := &client{}
	req := request("OPTIONS", "z9hG4bK3")
	f.l.Request(req, udpPeer, c)
	two := reply(req, 200, "x")
	two.Add("Via", "SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKother")
	f.l.HandleMessage(two, udpPeer)
	if len(c.responses) != 0 {
		t.Fatal("a response with two Vias was taken")
	}
	f.l.HandleMessage(reply(req, 200, "x"), udpPeer)
	if len(c.responses) != 1 {
		t.Fatal("the good response was not taken")
	}
}
