package ua

import (
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// eventState is what the UA keeps for subscriptions, publications and
// transfers, beside its calls. The maps are made on first use, so a UA
// that never subscribes pays nothing for them.
type eventState struct {
	live      map[*Subscription]struct{}   // every subscription not over for good
	subs      map[dialog.ID]*Subscription  // subscriber dialogs
	pending   map[pendingKey]*Subscription // SUBSCRIBEs whose NOTIFYs may still make dialogs (RFC 6665 §4.1.2.4)
	notifiers map[dialog.ID]*Notifier      // notifier dialogs of our own (not those of calls)
	pubs      map[*Publication]struct{}
	// Transfers (RFC 3515): the REFER each new call of ours was made for,
	// the REFER of ours under way in each call, and the calls an INVITE
	// with Replaces (RFC 3891) takes over.
	referred  map[*Call]*Transfer
	referring map[*Call]*referOut
	replacing map[*transaction.ServerTx]*Call
	replaces  map[*Call]*Call
}

// pendingKey finds the SUBSCRIBE a NOTIFY answers before any dialog
// exists: its Call-ID and our From tag, which the NOTIFY's To carries.
type pendingKey struct{ callID, tag string }

// ensure makes the maps.
func (e *eventState) ensure() {
	if e.subs != nil {
		return
	}
	e.live = map[*Subscription]struct{}{}
	e.subs = map[dialog.ID]*Subscription{}
	e.pending = map[pendingKey]*Subscription{}
	e.notifiers = map[dialog.ID]*Notifier{}
	e.pubs = map[*Publication]struct{}{}
	e.referred = map[*Call]*Transfer{}
	e.referring = map[*Call]*referOut{}
	e.replacing = map[*transaction.ServerTx]*Call{}
	e.replaces = map[*Call]*Call{}
}

// dialogRequest passes a request within a subscription or notifier
// dialog of ours, or a NOTIFY that makes one, to its owner; it reports
// whether one took it.
func (u *UA) dialogRequest(tx *transaction.ServerTx, req *sip.Message, id dialog.ID) bool {
	e := &u.es
	if e.subs == nil {
		return false
	}
	if s := e.subs[id]; s != nil {
		s.onRequest(tx, req)
		return true
	}
	if n := e.notifiers[id]; n != nil {
		n.onRequest(tx, req)
		return true
	}
	if req.Method() == "NOTIFY" {
		if s := e.pending[pendingKey{id.CallID, id.LocalTag}]; s != nil {
			s.onDialogNotify(tx, req)
			return true
		}
	}
	return false
}

// closeEvents stops the timers of every subscription, notifier and
// publication when the UA closes; nothing is sent.
func (u *UA) closeEvents() {
	e := &u.es
	for s := range e.live {
		s.stop()
	}
	for _, n := range e.notifiers {
		n.stop()
	}
	for p := range e.pubs {
		p.stop()
	}
}
