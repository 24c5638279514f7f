package ua

import (
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// incomingReplaces takes an INVITE with Replaces (RFC 3891 §3): a call
// that takes over one of ours, as the target of an attended transfer. It
// is refused when no call matches (481), the call is over (603), it is
// confirmed and the INVITE says early-only (486), or it is an early call
// we did not place (481). Otherwise it is a new incoming call: the app
// hears of it (Call.Replacing names the old one) and may reject it, and
// unless it does it is answered at once, without ringing; once it is
// confirmed the old call is hung up.
func (u *UA) incomingReplaces(acc *Account, tx *transaction.ServerTx, req *sip.Message) {
	if req.Count("Replaces") != 1 {
		u.reply(tx, 400, "One Replaces")
		return
	}
	rp, err := sip.ParseReplaces(req.Get("Replaces"))
	if err != nil {
		u.reply(tx, 400, "Bad Replaces")
		return
	}
	// Our tag is the to-tag, the peer's the from-tag (RFC 3891 §3).
	old := u.dialogs[dialog.ID{CallID: rp.CallID(), LocalTag: rp.ToTag(), RemoteTag: rp.FromTag()}]
	early := old != nil && (old.state == Calling || old.state == Incoming || old.state == Early)
	switch {
	case old == nil:
		u.reply(tx, 481, "")
	case old.ended || old.hangup:
		u.reply(tx, 603, "")
	case !early && rp.EarlyOnly():
		u.reply(tx, 486, "")
	case early && !old.outgoing:
		u.reply(tx, 481, "")
	default:
		u.es.ensure()
		u.es.replacing[tx] = old
		u.incomingCall(acc, tx, req)
		delete(u.es.replacing, tx)
	}
}

// Replacing returns the call an incoming call with Replaces takes over
// (RFC 3891), nil for any other call.
func (c *Call) Replacing() *Call {
	e := &c.ua.es
	if old := e.replaces[c]; old != nil {
		return old
	}
	if c.srv != nil {
		return e.replacing[c.srv]
	}
	return nil
}

// callEvent follows the events of calls for the transfers: a call made
// for a REFER reports to the transferor, and a call with Replaces hangs
// up the old one once it is confirmed (RFC 3891 §3).
func (u *UA) callEvent(c *Call, ev CallEvent) {
	e := &u.es
	if e.subs == nil || ev.Kind != StateChanged {
		return // nothing of ours was ever made
	}
	if t := e.referred[c]; t != nil {
		t.progress(ev)
	}
	old := e.replaces[c]
	if old == nil && c.srv != nil && e.replacing[c.srv] != nil {
		old = e.replacing[c.srv]
		e.replaces[c] = old
	}
	if old == nil {
		return
	}
	switch ev.State {
	case Confirmed:
		delete(e.replaces, c)
		old.Hangup("")
	case Disconnected:
		delete(e.replaces, c)
	}
}
