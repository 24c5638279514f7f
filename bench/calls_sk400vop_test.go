//go:build linux

package bench

// sk400vop's caller and callee for the call benchmarks (calls_test.go):
// each an engine/stack (one event loop, UDP transport, UA) on 127.0.0.1,
// its socket given callSocketBuffer as sipgo's are.

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/stack"
	"github.com/sk400vop/sk400vop/engine/transaction"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
)

var sk400vopStack = callStack{
	name:      "sk400vop",
	newCaller: newSK400vopCaller,
	newCallee: newSK400vopCallee,
}

// fixedSDP is the benchmarks' Media: it sends the harness's fixed bodies
// and takes the peer's as they come, as sipgo's side does; no media flows.
type fixedSDP struct{ body []byte }

func (m fixedSDP) Offer(bool) ([]byte, error)          { return m.body, nil }
func (m fixedSDP) Answer([]byte, bool) ([]byte, error) { return m.body, nil }
func (m fixedSDP) Accept([]byte) error                 { return nil }
func (m fixedSDP) Rollback()                           {}
func (m fixedSDP) Close()                              {}

// benchSockets opens the UDP socket with callSocketBuffer.
type benchSockets struct{ transport.Sockets }

func (benchSockets) ListenPacket(network, address string) (net.PacketConn, error) {
	return listenCallUDP(address)
}

// sk400vopEndpoint is a stack with one account on a UDP socket.
type sk400vopEndpoint struct {
	s   *stack.Stack
	acc *ua.Account
}

func newSK400vopEndpoint(user, listenAddr string, sdp []byte, events ua.Events) (*sk400vopEndpoint, error) {
	media := &fixedSDP{sdp} // stateless, so one for every call: no allocation per call
	s, err := stack.New(stack.Config{
		Listen: []transport.ListenSpec{{Proto: transport.UDP, Address: listenAddr}},
		UA: ua.Config{
			NewMedia: func(*ua.Call) (ua.Media, error) { return media, nil },
			Events:   events,
			// Thousands of calls a second keep tens of thousands of
			// transactions in their RFC 6026 wait states (Timer L and M,
			// 32 s): lift the default bound of 20,000, as a server would.
			Transaction: transaction.Config{MaxTransactions: 1 << 20},
		},
		Transport: transport.Config{Sockets: benchSockets{transport.DefaultSockets()}, RateLimit: -1},
	})
	if err != nil {
		return nil, err
	}
	e := &sk400vopEndpoint{s: s}
	cfg, err := s.Account(sip.URI{Scheme: "sip", User: user, Host: "127.0.0.1"}, transport.UDP)
	if err == nil {
		err = s.Do(func(u *ua.UA) { e.acc, err = u.AddAccount(cfg) })
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return e, nil
}

// Close closes the stack and lets go of it: the testing package keeps a
// finished benchmark's cleanup functions, and with them this endpoint, so
// a stack still referenced here would keep its ended calls (each held
// 64*T1 after its end, RFC 3261 §15) in the next run's heap figures.
func (e *sk400vopEndpoint) Close() {
	if e.s != nil {
		e.s.Close()
		e.s, e.acc = nil, nil
	}
}

// ArmedTimers counts the timers armed on the stack's loop.
func (e *sk400vopEndpoint) ArmedTimers() int { return int(e.s.LoopStats().TimersArmed) }

// sk400vopCaller places calls; each call's progress reaches the goroutine
// that waits for it through the channel in the Call's UserData.
type sk400vopCaller struct {
	*sk400vopEndpoint
	target sip.URI
}

// callResult is what a waiting goroutine hears about its call.
type callResult struct {
	state ua.CallState
	code  int
	err   error // the call could not be placed
}

func newSK400vopCaller(calleeAddr string) (callerSide, error) {
	target, err := sip.ParseURI("sip:callee@" + calleeAddr)
	if err != nil {
		return nil, err
	}
	events := ua.Events{CallEvent: func(c *ua.Call, ev ua.CallEvent) {
		if ev.Kind == ua.StateChanged && (ev.State == ua.Confirmed || ev.State == ua.Disconnected) {
			c.UserData.(chan callResult) <- callResult{state: ev.State, code: ev.Code}
		}
	}}
	e, err := newSK400vopEndpoint("caller", "127.0.0.1:0", callOfferSDP, events)
	if err != nil {
		return nil, err
	}
	return &sk400vopCaller{sk400vopEndpoint: e, target: target}, nil
}

// sk400vopCall is a call and the channel its events come on; call is
// only touched on the stack's loop.
type sk400vopCall struct {
	e    *sk400vopEndpoint
	call *ua.Call
	ch   chan callResult
}

// Establish places the call from the loop with Post, as an app that does
// not block on the stack would, and waits for it to be confirmed.
func (c *sk400vopCaller) Establish(ctx context.Context) (confirmedCall, error) {
	call := &sk400vopCall{e: c.sk400vopEndpoint, ch: make(chan callResult, 2)}
	if e := c.s.Post(func(*ua.UA) {
		var err error
		if call.call, err = c.acc.Call(c.target, ua.CallOptions{UserData: call.ch}); err != nil {
			call.ch <- callResult{err: err}
		}
	}); e != nil {
		return nil, e
	}
	select {
	case r := <-call.ch:
		if r.err != nil {
			return nil, r.err
		}
		if r.state != ua.Confirmed {
			return nil, fmt.Errorf("sk400vop: call ended with %d", r.code)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return call, nil
}

// Hangup sends BYE; Disconnected comes with the BYE's final response.
func (c *sk400vopCall) Hangup(ctx context.Context) error {
	var err error
	if e := c.e.s.Post(func(*ua.UA) { err = c.call.Hangup("") }); e != nil {
		return e
	}
	select {
	case r := <-c.ch:
		if err != nil {
			return err
		}
		if r.state != ua.Disconnected || r.code != 200 {
			return fmt.Errorf("sk400vop: hangup ended with %v %d", r.state, r.code)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *sk400vopCaller) Call(ctx context.Context) error {
	call, err := c.Establish(ctx)
	if err != nil {
		return err
	}
	return call.Hangup(ctx)
}

// sk400vopCallee answers every call with 100, 180 and 200.
type sk400vopCallee struct {
	*sk400vopEndpoint
	addr string
}

func newSK400vopCallee(listenAddr string) (calleeSide, error) {
	events := ua.Events{IncomingCall: func(c *ua.Call) {
		if c.Ring(100, false) != nil || c.Ring(180, false) != nil || c.Answer() != nil {
			c.Reject(500, "")
		}
	}}
	e, err := newSK400vopEndpoint("callee", listenAddr, callAnswerSDP, events)
	if err != nil {
		return nil, err
	}
	a, ok := e.s.LocalAddr(transport.UDP)
	if !ok {
		e.Close()
		return nil, errors.New("sk400vop: no UDP socket")
	}
	return &sk400vopCallee{sk400vopEndpoint: e, addr: a.String()}, nil
}

func (c *sk400vopCallee) Addr() string { return c.addr }
