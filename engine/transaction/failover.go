package transaction

import (
	"errors"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// ErrNoTargets refuses RequestTargets without a target.
var ErrNoTargets = errors.New("transaction: no targets")

// RequestTargets sends req to the first of targets, in the order RFC 3263
// server location returned them, and moves on to the next one when a
// target times out, fails at the transport, or answers 503 (RFC 3263
// §4.3). Each attempt is a client transaction of its own, with a fresh
// branch and the Via transport of its target. h hears every response but
// the 503s that caused a move, and a failure only when the last target
// has failed.
func (l *Layer) RequestTargets(req *sip.Message, targets []transport.Addr, h ClientHandler) (*ClientTx, error) {
	if len(targets) == 0 {
		return nil, ErrNoTargets
	}
	f := &failover{l: l, req: req, targets: targets, h: h}
	return f.try(0)
}

// failover is the ClientHandler that walks the target list.
type failover struct {
	l       *Layer
	req     *sip.Message
	targets []transport.Addr
	h       ClientHandler
	at      int // the target being tried
}

func (f *failover) try(i int) (*ClientTx, error) {
	f.at = i
	dst := f.targets[i]
	req := f.req
	if i > 0 || !viaMatches(req, dst) {
		req = f.req.Clone()
		via, err := req.Via()
		if err != nil {
			return nil, err
		}
		via.Transport = dst.Proto.String()
		via.Params = via.Params.With("branch", sip.NewBranch())
		req.SetFirstValue("Via", via.String())
	}
	return f.l.Request(req, dst, f)
}

// viaMatches reports whether req's top Via already names dst's transport.
func viaMatches(req *sip.Message, dst transport.Addr) bool {
	via, err := req.Via()
	return err == nil && via.Transport == dst.Proto.String()
}

// next moves to the following target; it reports false when there is none
// left or it cannot be tried.
func (f *failover) next() bool {
	for f.at+1 < len(f.targets) {
		if _, err := f.try(f.at + 1); err == nil {
			return true
		}
	}
	return false
}

func (f *failover) OnResponse(tx *ClientTx, resp *sip.Message) {
	code := resp.StatusCode()
	if code == 503 && f.req != nil && f.next() {
		return
	}
	if code >= 200 {
		f.done() // a final answer: no other target will be tried
	}
	f.h.OnResponse(tx, resp)
}

func (f *failover) OnFailure(tx *ClientTx, err error) {
	if f.req != nil && f.next() {
		return
	}
	f.done()
	f.h.OnFailure(tx, err)
}

// done lets go of the request and targets once no other target will be
// tried, so that an INVITE transaction waiting out Timer M does not keep
// the request through its handler.
func (f *failover) done() { f.req, f.targets = nil, nil }
