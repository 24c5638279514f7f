package transaction

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// fixedTU answers every request with one status.
type fixedTU struct {
	tuOnlyStray
	code int
	seen int
}

func (u *fixedTU) OnRequest(tx *ServerTx, req *sip.Message) {
	u.seen++
	tx.Respond(sip.NewResponse(req, u.code, ""))
}

func TestFailoverAcrossTargets(t *testing.T) {
	clk := testkit.NewClock(t0)
	net := testkit.NewNetwork(clk, 1)
	me := netip.MustParseAddrPort("192.0.2.1:5060")
	silent := netip.MustParseAddrPort("192.0.2.50:5060")   // nobody there: UDP times out
	refusing := netip.MustParseAddrPort("192.0.2.51:5060") // nobody on TCP: refused at once
	busy := netip.MustParseAddrPort("192.0.2.52:5060")
	good := netip.MustParseAddrPort("192.0.2.53:5060")

	r := &relay{}
	ep := net.Endpoint(transport.UDP, me, r)
	epTCP := net.Endpoint(transport.TCP, me, r)
	r.l = New(Config{Clock: clk, Transport: multiSender{transport.UDP: ep, transport.TCP: epTCP}}, &tuOnlyStray{})
	busyTU, goodTU := &fixedTU{code: 503}, &fixedTU{code: 200}
	for _, s := range []struct {
		addr netip.AddrPort
		tu   TU
	}{{busy, busyTU}, {good, goodTU}} {
		rr := &relay{}
		e := net.Endpoint(transport.UDP, s.addr, rr)
		rr.l = New(Config{Clock: clk, Transport: e}, s.tu)
	}

	c := &client{}
	targets := []transport.Addr{
		{Proto: transport.UDP, Addr: silent},
		{Proto: transport.TCP, Addr: refusing},
		{Proto: transport.UDP, Addr: busy},
		{Proto: transport.UDP, Addr: good},
	}
	if _, err := r.l.RequestTargets(newRequest("OPTIONS", 1), targets, c); err != nil {
		t.Fatal(err)
	}
	clk.Advance(31 * time.Second)
	if busyTU.seen != 0 {
		t.Fatal("moved on before Timer F of the silent target")
	}
	clk.Advance(2 * time.Second)
	if busyTU.seen != 1 || goodTU.seen != 1 {
		t.Fatalf("busy saw %d, good saw %d", busyTU.seen, goodTU.seen)
	}
	if len(c.responses) != 1 || c.responses[0] != 200 || len(c.failures) != 0 {
		t.Fatalf("responses %v failures %v: the 503 must not reach the TU", c.responses, c.failures)
	}
	clk.Advance(time.Minute)
	if n, _ := r.l.Len(); n != 0 {
		t.Errorf("%d client transactions left", n)
	}

	// All targets fail: the TU hears one failure.
	c = &client{}
	r.l.RequestTargets(newRequest("OPTIONS", 2), targets[:2], c)
	clk.Advance(time.Minute)
	if len(c.failures) != 1 || len(c.responses) != 0 {
		t.Fatalf("failures %v responses %v", c.failures, c.responses)
	}
	if _, err := r.l.RequestTargets(newRequest("OPTIONS", 3), nil, c); err != ErrNoTargets {
		t.Errorf("no targets: %v", err)
	}
}

// multiSender sends through the endpoint of the destination's transport.
type multiSender map[transport.Proto]transport.Sender

func (m multiSender) Send(dst transport.Addr, msg *sip.Message) error {
	return m[dst.Proto].Send(dst, msg)
}
