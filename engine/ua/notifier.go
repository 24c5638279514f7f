package ua

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// NotifierEvent is what the app hears about a subscription a peer made to
// us, once accepted: a refresh (State as it was, the new Expires) or the
// end (State Terminated).
type NotifierEvent struct {
	State   SubState
	Expires time.Duration // granted by the last SUBSCRIBE
	// Why says how a Terminated came: "unsubscribed" (the subscriber sent
	// Expires 0), "timeout" (it was not refreshed in time; our last
	// NOTIFY said reason=timeout, RFC 6665 §4.2.2), or "failed" (a NOTIFY
	// got 481 or 408 or no answer: the subscriber is gone, Code says
	// which).
	Why  string
	Code int
	Err  error
}

// Notifier is a subscription a peer made to us (RFC 6665 §4.2): the app
// accepts or rejects its SUBSCRIBE and sends the NOTIFYs; the UA answers
// refreshes, ends it when it expires, and sends one NOTIFY at a time,
// keeping only the latest state while one is under way. UserData is the
// app's.
type Notifier struct {
	UserData any

	ua      *UA
	acc     *Account
	id      uint64
	tx      *transaction.ServerTx // the SUBSCRIBE, until answered
	timer   clock.Timer           // answer timeout, then expiry
	event   string                // the Event header, package and id
	pkg, ev string
	dlg     *dialog.Dialog
	call    *Call // the call whose dialog an implicit subscription (REFER) uses
	state   SubState
	expires time.Duration // granted
	until   time.Time     // when it expires
	sending bool          // a NOTIFY is under way
	next    *notifyState  // the state to send when it is answered
	last    *notifyState  // the last state sent, again after a refresh
	ended   bool
}

// notifyState is the content of one NOTIFY.
type notifyState struct {
	state  SubState
	reason string // of a terminated state
	ctype  string
	body   []byte
}

// incomingSubscribe takes a SUBSCRIBE out of a dialog (RFC 6665 §4.2.1):
// the app accepts or rejects it from Events.IncomingSubscription; without
// that callback no event package is supported (489, §4.2.1.1).
func (u *UA) incomingSubscribe(acc *Account, tx *transaction.ServerTx, req *sip.Message) {
	ev, err := sip.ParseEvent(req.Get("Event"))
	if err != nil || ev.Package() == "" {
		u.reply(tx, 400, "Missing Event")
		return
	}
	f := u.cfg.Events.IncomingSubscription
	if f == nil {
		u.reply(tx, 489, "")
		return
	}
	u.es.ensure()
	n := &Notifier{
		ua: u, acc: acc, id: u.newID(), tx: tx, state: Pending,
		event: strings.Clone(req.Get("Event")), pkg: strings.ToLower(ev.Package()), ev: strings.Clone(ev.ID()),
	}
	n.expires = requestedExpires(req)
	n.timer = u.clk.AfterFunc(u.cfg.RequestTimeout, func() {
		n.timer = nil
		n.Reject(500)
	})
	f(n)
}

// requestedExpires is the Expires of a SUBSCRIBE, the default 3600 s
// without one.
func requestedExpires(req *sip.Message) time.Duration {
	if exp, ok := req.Expires(); ok {
		return time.Duration(exp) * time.Second
	}
	return defaultExpires
}

// ID returns the notifier's id, unique within the UA.
func (n *Notifier) ID() uint64 { return n.id }

// Account returns the account subscribed to.
func (n *Notifier) Account() *Account { return n.acc }

// Event returns the event package subscribed to ("presence", ...).
func (n *Notifier) Event() string { return n.pkg }

// Request returns the SUBSCRIBE while it waits for Accept or Reject, nil
// after.
func (n *Notifier) Request() *sip.Message {
	if n.tx == nil {
		return nil
	}
	return n.tx.Request()
}

// State returns the state of the subscription.
func (n *Notifier) State() SubState { return n.state }

// Expires returns the duration granted.
func (n *Notifier) Expires() time.Duration { return n.expires }

// Dialog returns the subscription's dialog, nil before Accept.
func (n *Notifier) Dialog() *dialog.Dialog { return n.dlg }

// Accept accepts the SUBSCRIBE with 200 and sends the first NOTIFY at once
// (RFC 6665 §4.2.1.2), with state Pending or Active and the resource's
// state as body. A SUBSCRIBE with Expires 0 (a fetch) gets that one
// NOTIFY, terminated.
func (n *Notifier) Accept(state SubState, body []byte, ctype string) error {
	if n.tx == nil {
		return ErrState
	}
	if state != Pending && state != Active {
		return configErr("a subscription starts Pending or Active")
	}
	u := n.ua
	req := n.tx.Request()
	resp := withToTag(sip.NewResponse(req, 200, ""))
	resp.Set("Contact", sip.NameAddr{URI: n.acc.Contact()}.String())
	resp.Set("Expires", strconv.FormatUint(uint64(seconds(n.expires)), 10))
	d, err := dialog.NewUAS(req, resp)
	if err != nil {
		n.Reject(400)
		return err
	}
	n.stopTimer()
	tx := n.tx
	n.tx, n.dlg = nil, d
	if err := u.respond(tx, resp); err != nil {
		return err
	}
	u.es.notifiers[d.ID()] = n
	if n.expires == 0 {
		n.send(&notifyState{state: Terminated, reason: "timeout", ctype: ctype, body: body})
		return nil
	}
	n.arm()
	return n.Notify(state, body, ctype)
}

// Reject refuses the SUBSCRIBE with code (300-699): 403 for a subscriber
// not allowed, 489 for a package we do not serve (RFC 6665 §4.2.1.1).
func (n *Notifier) Reject(code int) error {
	if n.tx == nil {
		return ErrState
	}
	if code < 300 || code > 699 {
		return configErr("a rejection status is 300-699")
	}
	n.stopTimer()
	tx := n.tx
	n.tx, n.ended, n.state = nil, true, Terminated
	n.ua.reply(tx, code, "")
	return nil
}

// Notify sends the resource's state, Pending or Active, in a NOTIFY (RFC
// 6665 §4.2.2).
func (n *Notifier) Notify(state SubState, body []byte, ctype string) error {
	if state != Pending && state != Active {
		return configErr("Notify sends Pending or Active; Terminate ends")
	}
	if n.ended || n.dlg == nil {
		return ErrState
	}
	n.state = state
	n.send(&notifyState{state: state, ctype: ctype, body: bytes.Clone(body)})
	return nil
}

// Terminate ends the subscription with a last NOTIFY carrying reason
// ("noresource", "rejected", "deactivated"...; RFC 6665 §4.2.2) and an
// optional body.
func (n *Notifier) Terminate(reason string, body []byte, ctype string) error {
	if n.ended || n.dlg == nil {
		return ErrState
	}
	n.send(&notifyState{state: Terminated, reason: reason, ctype: ctype, body: bytes.Clone(body)})
	return nil
}

// arm (re)starts the expiry of the subscription.
func (n *Notifier) arm() {
	n.stopTimer()
	n.until = n.ua.clk.Now().Add(n.expires)
	n.timer = n.ua.clk.AfterFunc(n.expires, func() {
		n.timer = nil
		n.send(&notifyState{state: Terminated, reason: "timeout"})
		n.report(NotifierEvent{Why: "timeout"})
	})
}

func (n *Notifier) stopTimer() {
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
}

// stop stops the notifier's timer when the UA closes.
func (n *Notifier) stop() { n.stopTimer() }

// send sends ns, or keeps it for when the NOTIFY under way is answered:
// NOTIFYs of a subscription go one at a time, so they cannot overtake one
// another, and a state superseded meanwhile is not sent at all.
func (n *Notifier) send(ns *notifyState) {
	if n.ended {
		return
	}
	if ns.state == Terminated {
		n.ended, n.state = true, Terminated
		n.stopTimer()
	}
	if n.sending {
		n.next = ns
		return
	}
	req, err := n.dlg.NewRequest("NOTIFY", n.acc.via, ns.body, ns.ctype)
	if err != nil {
		n.closed()
		return
	}
	req.Set("Event", n.event)
	req.Set("Subscription-State", n.subscriptionState(ns))
	n.sending, n.last = true, ns
	_, err = n.ua.send(req, transaction.ClientFuncs{
		Response: func(_ *transaction.ClientTx, resp *sip.Message) {
			if resp.StatusCode() >= 200 {
				n.answered(resp.StatusCode(), nil)
			}
		},
		Failure: func(_ *transaction.ClientTx, err error) { n.answered(failureCode(err), err) },
	})
	if err != nil {
		n.sending = false
		n.closed()
	}
}

// subscriptionState is the Subscription-State header of a NOTIFY (RFC
// 6665 §4.2.2): the time left with active and pending.
func (n *Notifier) subscriptionState(ns *notifyState) string {
	switch ns.state {
	case Terminated:
		if ns.reason == "" {
			return "terminated"
		}
		return "terminated;reason=" + ns.reason
	case Active, Pending:
		left := max(n.until.Sub(n.ua.clk.Now()), 0)
		name := "active"
		if ns.state == Pending {
			name = "pending"
		}
		return name + ";expires=" + strconv.FormatUint(uint64(seconds(left)), 10)
	}
	return "pending"
}

// answered takes the answer to our NOTIFY: 481, 408 or no answer means the
// subscriber is gone (RFC 6665 §4.2.2); otherwise the next state goes.
func (n *Notifier) answered(code int, err error) {
	n.sending = false
	if code == 481 || code == 408 || err != nil {
		if !n.ended {
			n.ended, n.state = true, Terminated
			n.stopTimer()
			n.report(NotifierEvent{Why: "failed", Code: code, Err: err})
		}
		n.next = nil
		n.closed()
		return
	}
	if ns := n.next; ns != nil {
		n.next = nil
		n.ended = false // let the kept state go
		n.send(ns)
		return
	}
	if n.ended {
		n.closed()
	}
}

// closed lets go of the subscription's dialog once its last NOTIFY is
// answered. An implicit subscription leaves its call's dialog alone.
func (n *Notifier) closed() {
	n.ended = true
	n.stopTimer()
	if n.dlg == nil || n.call != nil {
		return
	}
	if m := n.ua.es.notifiers; m[n.dlg.ID()] == n {
		delete(m, n.dlg.ID())
	}
	n.dlg.Terminate()
}

// onRequest takes a request in the subscription's dialog: a SUBSCRIBE
// refreshes it or, with Expires 0, ends it (RFC 6665 §4.2.1.2, §4.2.1.4);
// either way the current state follows in a NOTIFY.
func (n *Notifier) onRequest(tx *transaction.ServerTx, req *sip.Message) {
	u := n.ua
	if req.Method() != "SUBSCRIBE" {
		u.reply(tx, 405, "")
		return
	}
	ev, err := sip.ParseEvent(req.Get("Event"))
	if err != nil || !strings.EqualFold(ev.Package(), n.pkg) || ev.ID() != n.ev {
		u.reply(tx, 489, "")
		return
	}
	if err := n.dlg.ReceiveRequest(req); err != nil {
		u.reply(tx, dialogErrorStatus(err), "")
		return
	}
	if n.ended {
		u.reply(tx, 481, "")
		return
	}
	n.expires = requestedExpires(req)
	resp := sip.NewResponse(req, 200, "")
	resp.Set("Contact", n.dlg.LocalTarget().String())
	resp.Set("Expires", strconv.FormatUint(uint64(seconds(n.expires)), 10))
	u.respond(tx, resp)
	if n.expires == 0 {
		n.send(&notifyState{state: Terminated, reason: "timeout"})
		n.report(NotifierEvent{Why: "unsubscribed"})
		return
	}
	n.arm()
	n.report(NotifierEvent{})
	if !n.ended && n.state != Terminated {
		n.resend()
	}
}

// resend sends the last state again after a refresh, with the new
// expiry, unless a NOTIFY is under way: the one it is kept for goes next.
func (n *Notifier) resend() {
	switch {
	case n.sending && n.next == nil:
		n.next = n.last
	case !n.sending && n.last != nil:
		n.send(n.last)
	}
}

// report tells the app, for a subscription it accepted.
func (n *Notifier) report(ev NotifierEvent) {
	if n.call != nil {
		return // an implicit subscription is the UA's own
	}
	if ev.Why != "" {
		ev.State = Terminated
	} else {
		ev.State = n.state
	}
	ev.Expires = n.expires
	if f := n.ua.cfg.Events.NotifierEvent; f != nil {
		f(n, ev)
	}
}
