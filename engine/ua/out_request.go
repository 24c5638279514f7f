package ua

import (
	"strconv"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// outRequest is a request of an account out of a dialog (SUBSCRIBE,
// PUBLISH, MESSAGE) whose digest challenges are answered (RFC 3261
// §22.2): each kind once, and again only when the nonce went stale (RFC
// 7616 §3.3). Every other final response, or a failure, goes to done.
type outRequest struct {
	acc   *Account
	req   *sip.Message // the last one sent
	tx    *transaction.ClientTx
	tried [2]bool
	done  func(o *outRequest, resp *sip.Message, err error)
	// sending is set inside the transaction layer's call: a transport
	// that refuses at once fails the transaction there, and that failure
	// is reported on the next clock turn, not inside the app's call.
	sending bool
}

// newOutRequest builds a request of the account out of a dialog: From the
// AOR, the route of its proxy or Service-Route (RFC 3608 §6), our Contact
// when contact says so.
func (a *Account) newOutRequest(method string, target sip.URI, contact bool, ctype string, body []byte) (*sip.Message, error) {
	to, err := cloneURI(target)
	if err != nil || !to.IsSIP() {
		return nil, configErr("target must be a sip or sips URI")
	}
	spec := sip.RequestSpec{
		Method: method, RequestURI: to, From: a.fromAddr(), To: sip.NameAddr{URI: to},
		Via: a.via, Route: a.outOfDialogRoute(), ContentType: ctype, Body: body,
	}
	if contact {
		spec.Contact = sip.NameAddr{URI: a.Contact()}
	}
	req, err := sip.NewRequest(spec)
	if err != nil {
		return nil, configWrap(err)
	}
	return req, nil
}

// sendOut sends req for the account; done hears its outcome.
func (a *Account) sendOut(req *sip.Message, done func(*outRequest, *sip.Message, error)) (*outRequest, error) {
	o := &outRequest{acc: a, done: done}
	if err := o.send(req); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *outRequest) send(req *sip.Message) error {
	o.req = req
	o.sending = true
	tx, err := o.acc.ua.send(req, transaction.ClientFuncs{Response: o.onResponse, Failure: o.onFailure})
	o.sending = false
	if err != nil {
		return err
	}
	o.tx = tx
	return nil
}

// again sends the request once more with the next CSeq and a new branch,
// after edit changed it (Expires after a 423, credentials after a 401).
func (o *outRequest) again(edit func(*sip.Message) error) error {
	next := o.req.Clone()
	cs, _ := next.CSeq()
	next.Set("CSeq", strconv.FormatUint(uint64(cs.Seq)+1, 10)+" "+cs.Method)
	via, _ := next.Via()
	via.Params = via.Params.With("branch", sip.NewBranch())
	next.SetFirstValue("Via", via.String())
	if edit != nil {
		if err := edit(next); err != nil {
			return err
		}
	}
	return o.send(next)
}

func (o *outRequest) onResponse(tx *transaction.ClientTx, resp *sip.Message) {
	code := resp.StatusCode()
	if tx != o.tx || code < 200 {
		return
	}
	if (code == 401 || code == 407) && o.authorize(resp) {
		return
	}
	o.done(o, resp, nil)
}

func (o *outRequest) onFailure(tx *transaction.ClientTx, err error) {
	if o.sending {
		o.acc.ua.clk.AfterFunc(0, func() {
			if o.tx == tx {
				o.done(o, nil, err)
			}
		})
		return
	}
	if tx == o.tx {
		o.done(o, nil, err)
	}
}

// authorize answers a challenge, reporting whether the request went again.
func (o *outRequest) authorize(resp *sip.Message) bool {
	a := o.acc.auth
	if a == nil || !auth.Allowed(o.req.Method(), false, false) {
		return false
	}
	k := wwwAuth
	if resp.StatusCode() == 407 {
		k = proxyAuth
	}
	if o.tried[k] && !a.ShouldRetry(resp) {
		return false
	}
	o.tried[k] = true
	return o.again(func(next *sip.Message) error { return a.Authorize(next, resp) }) == nil
}

// statusOf is the status and reason of an outcome: the response's, or
// 408 or 503 for a failure (RFC 3261 §8.1.3.1).
func statusOf(resp *sip.Message, err error) (int, string) {
	if resp != nil {
		return resp.StatusCode(), resp.Reason()
	}
	code := failureCode(err)
	return code, sip.ReasonPhrase(code)
}
