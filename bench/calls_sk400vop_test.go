//go:build linux

package bench

// sk400vop's caller and callee for the call benchmarks (calls_test.go).
//
// TODO(issue 4): the one place to fill in when engine/ua's call API and
// engine/stack land — delete skip below and implement newSK400vopCaller and
// newSK400vopCallee (interfaces callerSide, confirmedCall and calleeSide in
// calls_test.go; timerCounter too if the stack can count its armed timers).
// Bind both sides' sockets with listenCallUDP, or give them callSocketBuffer
// as SO_RCVBUF, as sipgo's are.
// Until then every sk400vop call benchmark and TestCalls/sk400vop skip.

import "errors"

var sk400vopStack = callStack{
	name:      "sk400vop",
	skip:      "sk400vop UA API not ready (TODO(issue 4) in bench/calls_sk400vop_test.go)",
	newCaller: newSK400vopCaller,
	newCallee: newSK400vopCallee,
}

var errSK400vopNotReady = errors.New("sk400vop UA API not ready")

// newSK400vopCaller binds a caller to 127.0.0.1 (any port) aimed at the
// callee at calleeAddr ("127.0.0.1:port"), sending callOfferSDP in its INVITEs.
func newSK400vopCaller(calleeAddr string) (callerSide, error) {
	return nil, errSK400vopNotReady
}

// newSK400vopCallee listens on listenAddr ("127.0.0.1:port", port 0 for
// any) and answers as calleeSide says, with callAnswerSDP in its 200s.
func newSK400vopCallee(listenAddr string) (calleeSide, error) {
	return nil, errSK400vopNotReady
}
