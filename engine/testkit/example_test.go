package testkit_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// handler adapts functions to transport.Handler.
type handler struct {
	onMessage func(*sip.Message, transport.Addr)
}

func (h handler) HandleMessage(m *sip.Message, src transport.Addr) { h.onMessage(m, src) }

func (h handler) HandleFlowError(flow transport.Addr, err error) {}

// Two endpoints exchange an OPTIONS over UDP with 20 ms of one-way delay,
// on a virtual clock that the example advances by hand.
func Example() {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := testkit.NewClock(start)
	net := testkit.NewNetwork(clk, 1)
	aliceAddr := netip.MustParseAddrPort("192.0.2.1:5060")
	bobAddr := netip.MustParseAddrPort("192.0.2.2:5060")
	net.Impair(aliceAddr, bobAddr, testkit.Impairment{Delay: 20 * time.Millisecond})
	net.Impair(bobAddr, aliceAddr, testkit.Impairment{Delay: 20 * time.Millisecond})

	var bob *testkit.Endpoint
	bob = net.Endpoint(transport.UDP, bobAddr, handler{func(m *sip.Message, src transport.Addr) {
		fmt.Println(clk.Now().Sub(start), "bob got", m.Method(), "from", src)
		bob.Send(src, sip.NewResponse(m, 200, "")) // answers from inside the handler
	}})
	alice := net.Endpoint(transport.UDP, aliceAddr, handler{func(m *sip.Message, src transport.Addr) {
		fmt.Println(clk.Now().Sub(start), "alice got", m.StatusCode(), m.Reason(), "from", src)
	}})

	ruri, _ := sip.ParseURI("sip:bob@192.0.2.2")
	from, _ := sip.ParseNameAddr("<sip:alice@192.0.2.1>")
	to, _ := sip.ParseNameAddr("<sip:bob@192.0.2.2>")
	req, _ := sip.NewRequest(sip.RequestSpec{
		Method: "OPTIONS", RequestURI: ruri, From: from, To: to,
		Via: sip.Via{Transport: "UDP", Host: "192.0.2.1", Port: 5060},
	})
	alice.Send(bob.Addr(), req)

	clk.Advance(time.Second)
	fmt.Println(clk.Now().Sub(start), "done;", clk.Pending(), "timers pending")
	// Output:
	// 20ms bob got OPTIONS from UDP:192.0.2.1:5060
	// 40ms alice got 200 OK from UDP:192.0.2.2:5060
	// 1s done; 0 timers pending
}
