package ua

import (
	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// ServerRequest is a request the UA hands to the app to answer (MESSAGE,
// INFO, ... in or out of a dialog): a server transaction with its context.
// If the app does not answer within Config.RequestTimeout, the UA answers
// 500 for it.
type ServerRequest struct {
	ua    *UA
	tx    *transaction.ServerTx
	acc   *Account
	call  *Call
	timer clock.Timer
	done  bool
}

// handOver gives a request to the app, or answers 501 when nobody takes
// requests.
func (u *UA) handOver(tx *transaction.ServerTx, req *sip.Message, acc *Account, c *Call) {
	f := u.cfg.Events.Request
	if f == nil {
		u.reply(tx, 501, "")
		return
	}
	r := &ServerRequest{ua: u, tx: tx, acc: acc, call: c}
	u.requests[tx] = r
	r.timer = u.clk.AfterFunc(u.cfg.RequestTimeout, func() {
		r.timer = nil
		r.Respond(500, "Not Answered")
	})
	f(r)
}

// Request returns the request.
func (r *ServerRequest) Request() *sip.Message { return r.tx.Request() }

// Account returns the account the request was for.
func (r *ServerRequest) Account() *Account { return r.acc }

// Call returns the call whose dialog the request came in, nil out of a
// dialog.
func (r *ServerRequest) Call() *Call { return r.call }

// Response returns a response to the request for the app to complete
// (headers, body) and send with Send: To tagged for a final response out
// of a dialog.
func (r *ServerRequest) Response(code int, reason string) *sip.Message {
	resp := sip.NewResponse(r.tx.Request(), code, reason)
	if code > 100 {
		withToTag(resp)
	}
	return resp
}

// Respond answers with a bare status; reason "" takes the standard one.
func (r *ServerRequest) Respond(code int, reason string) error {
	return r.Send(r.Response(code, reason))
}

// Send sends resp, a response built with Response. A final response ends
// the request: later ones return ErrState.
func (r *ServerRequest) Send(resp *sip.Message) error {
	if r.done {
		return ErrState
	}
	if resp.StatusCode() >= 200 {
		r.finish()
	}
	return r.ua.respond(r.tx, resp)
}

func (r *ServerRequest) finish() {
	r.done = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	delete(r.ua.requests, r.tx)
}
