package ua

import (
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// OutgoingMessage is an instant message of ours (RFC 3428) on its way;
// its outcome reaches Events.MessageStatus. UserData is the app's.
type OutgoingMessage struct {
	UserData any

	acc    *Account
	id     uint64
	target sip.URI
}

// MessageStatus is the outcome of an OutgoingMessage: the final response
// (2xx: delivered, RFC 3428 §7), 408 for no answer, 503 for a transport
// failure.
type MessageStatus struct {
	Code   int
	Reason string
	Err    error
}

// SendMessage sends body, of ctype ("" for text/plain), to target in a
// MESSAGE out of a dialog (RFC 3428 §4), through the account's proxy, its
// digest challenges answered.
func (a *Account) SendMessage(target sip.URI, ctype string, body []byte, userData any) (*OutgoingMessage, error) {
	if a.ua.closed {
		return nil, ErrClosed
	}
	if ctype == "" {
		ctype = "text/plain"
	}
	if _, err := sip.ParseMediaType(ctype); err != nil {
		return nil, configErr("invalid content type")
	}
	// No Contact: a MESSAGE makes no dialog (RFC 3428 §4).
	req, err := a.newOutRequest("MESSAGE", target, false, ctype, body)
	if err != nil {
		return nil, err
	}
	ruri, _ := req.RequestURI()
	m := &OutgoingMessage{UserData: userData, acc: a, id: a.ua.newID(), target: ruri}
	_, err = a.sendOut(req, func(_ *outRequest, resp *sip.Message, err error) {
		code, reason := statusOf(resp, err)
		if f := a.ua.cfg.Events.MessageStatus; f != nil {
			f(m, MessageStatus{Code: code, Reason: reason, Err: err})
		}
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// ID returns the message's id, unique within the UA.
func (m *OutgoingMessage) ID() uint64 { return m.id }

// Account returns the account that sent the message.
func (m *OutgoingMessage) Account() *Account { return m.acc }

// Target returns where the message went.
func (m *OutgoingMessage) Target() sip.URI { return m.target }

// incomingMessage takes a MESSAGE, in a call's dialog or out of any (RFC
// 3428 §7): one of a type the app did not list in Config.MessageTypes gets
// 415, the others go to Events.Message, and one the app leaves unanswered
// gets 200. Without Events.Message, MESSAGE is one of the requests handed
// to Events.Request.
func (u *UA) incomingMessage(acc *Account, tx *transaction.ServerTx, req *sip.Message, c *Call) {
	f := u.cfg.Events.Message
	if f == nil {
		u.handOver(tx, req, acc, c)
		return
	}
	types := u.messageTypes()
	if len(req.Body()) > 0 && !hasType(types, req.Get("Content-Type")) {
		resp := withToTag(sip.NewResponse(req, 415, ""))
		resp.Set("Accept", strings.Join(types, ", "))
		u.respond(tx, resp)
		return
	}
	r := &ServerRequest{ua: u, tx: tx, acc: acc, call: c}
	f(r)
	if !r.done {
		r.Respond(200, "")
	}
}

// messageTypes are the MESSAGE body types the app takes.
func (u *UA) messageTypes() []string {
	if len(u.cfg.MessageTypes) == 0 {
		return []string{"text/plain"}
	}
	return u.cfg.MessageTypes
}

// hasType reports whether the media type ctype is one of types.
func hasType(types []string, ctype string) bool {
	mt, err := sip.ParseMediaType(ctype)
	if err != nil {
		return false
	}
	for _, t := range types {
		typ, sub, _ := strings.Cut(t, "/")
		if mt.Is(typ, sub) {
			return true
		}
	}
	return false
}
