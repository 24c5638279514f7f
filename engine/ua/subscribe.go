package ua

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// SubState is where a subscription stands (RFC 6665 §4.1.3), on either
// side.
type SubState uint8

// The states of a subscription.
const (
	// Subscribing: our SUBSCRIBE is out, no NOTIFY has come yet.
	Subscribing SubState = iota + 1
	// Pending: the notifier has not authorised the subscription yet.
	Pending
	// Active: the subscription is in place.
	Active
	// Terminated: the subscription is over; SubscriptionEvent says why,
	// and whether it is made again.
	Terminated
)

// String returns the state's name.
func (s SubState) String() string {
	switch s {
	case Subscribing:
		return "Subscribing"
	case Pending:
		return "Pending"
	case Active:
		return "Active"
	case Terminated:
		return "Terminated"
	}
	return "SubState(" + itoa(int(s)) + ")"
}

// SubscribeOptions describe a subscription. Event is required.
type SubscribeOptions struct {
	// Event is the Event header: the package and any id parameter,
	// "presence", "message-summary", "dialog;id=7" (RFC 6665 §8.2.1).
	Event string
	// Accept lists the body types we take in NOTIFYs; none sends no
	// Accept, which means the package's default (RFC 6665 §4.1.2).
	Accept []string
	// Expires is the duration asked for: default 3600 s.
	Expires time.Duration
	// ContentType and Body are a body for the SUBSCRIBE (a filter);
	// usually none.
	ContentType string
	Body        []byte
	// Headers are added to the initial SUBSCRIBE as they are.
	Headers [][2]string
	// UserData is the Subscription's UserData from the start.
	UserData any
}

// SubscriptionEvent is what the app hears about a subscription of ours:
// each NOTIFY, and each change that comes otherwise (a refused SUBSCRIBE,
// a timeout).
type SubscriptionEvent struct {
	State SubState
	// Notify says the event reports a NOTIFY, whose body is ContentType
	// and Body (empty when it had none; Body is a copy).
	Notify      bool
	ContentType string
	Body        []byte
	// Expires is the time left of the subscription, as the last 2xx or
	// NOTIFY said.
	Expires time.Duration
	// Code and Reason are the response behind a Terminated that no NOTIFY
	// brought: the SUBSCRIBE's refusal (489 Bad Event for an unknown
	// package), 408 for no answer or no NOTIFY (Timer N, RFC 6665
	// §4.1.2.4), 503 for a transport failure.
	Code   int
	Reason string
	// Why is the reason parameter of a terminated Subscription-State
	// (RFC 6665 §4.1.3): "deactivated", "probation", "rejected",
	// "timeout", "giveup", "noresource", "invariant", or "".
	Why string
	// Retry says, for Terminated, that the subscription subscribes again
	// by itself after RetryAfter (RFC 6665 §4.1.3): it goes back to
	// Subscribing, the same Subscription with a new dialog.
	Retry      bool
	RetryAfter time.Duration
	Err        error
}

// Subscription is a subscription of ours to an event package at a
// notifier (RFC 6665 §4.1): its dialog, refreshed before it expires.
// A SUBSCRIBE that forks may bring NOTIFYs from several notifiers: the
// first makes this subscription's dialog, each other one a Subscription
// of its own whose Origin is this one (§4.1.2.4). UserData is the app's.
type Subscription struct {
	UserData any

	ua      *UA
	acc     *Account
	id      uint64
	origin  *Subscription // nil, or the subscription whose SUBSCRIBE forked
	target  sip.URI
	opts    SubscribeOptions
	pkg     string // the Event package and id
	eventID string
	expires time.Duration // asked for

	state    SubState
	out      *outRequest  // our SUBSCRIBE out of a dialog under way
	sub      *sip.Message // that SUBSCRIBE, while NOTIFYs may make dialogs with it
	key      pendingKey
	dlg      *dialog.Dialog
	granted  time.Duration
	notified bool // a NOTIFY came in the dialog
	brief    bool // a 423 was answered
	forks    int
	retries  int // retries since the last Active
	closing  bool
	unsubbed bool // our SUBSCRIBE with Expires 0 is out
	over     bool // terminated for good

	refresh clock.Timer // refresh, retry, or wait for the last NOTIFY
	wait    clock.Timer // Timer N and the end of the fork window
}

// maxForks bounds the dialogs one SUBSCRIBE may make: a NOTIFY beyond
// them gets 481.
const maxForks = 8

// Subscribe subscribes to target's state in an event package (RFC 6665
// §4.1.2): a SUBSCRIBE through the account's proxy, its digest challenges
// answered. Each NOTIFY and each change reaches Events.Subscription; the
// subscription is refreshed before it expires.
func (a *Account) Subscribe(target sip.URI, opts SubscribeOptions) (*Subscription, error) {
	u := a.ua
	if u.closed {
		return nil, ErrClosed
	}
	ev, err := sip.ParseEvent(opts.Event)
	if err != nil || ev.Package() == "" {
		return nil, configErr("Event must name an event package")
	}
	if opts.Expires < 0 || opts.Expires > maxExpires {
		return nil, configErr("Expires out of range")
	}
	t, err := cloneURI(target)
	if err != nil || !t.IsSIP() {
		return nil, configErr("target must be a sip or sips URI")
	}
	opts.Accept = slices.Clone(opts.Accept)
	opts.Body = bytes.Clone(opts.Body)
	opts.Headers = slices.Clone(opts.Headers)
	s := &Subscription{
		UserData: opts.UserData, ua: u, acc: a, id: u.newID(), target: t, opts: opts,
		pkg: strings.ToLower(ev.Package()), eventID: ev.ID(), expires: opts.Expires,
	}
	if s.expires == 0 {
		s.expires = defaultExpires
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	u.es.live[s] = struct{}{}
	return s, nil
}

// ID returns the subscription's id, unique within the UA.
func (s *Subscription) ID() uint64 { return s.id }

// Account returns the account that subscribed.
func (s *Subscription) Account() *Account { return s.acc }

// State returns the subscription's state.
func (s *Subscription) State() SubState { return s.state }

// Event returns the Event header the subscription was made with.
func (s *Subscription) Event() string { return s.opts.Event }

// Target returns the URI subscribed to.
func (s *Subscription) Target() sip.URI { return s.target }

// Origin returns the subscription whose forked SUBSCRIBE made this one,
// or s itself.
func (s *Subscription) Origin() *Subscription {
	if s.origin != nil {
		return s.origin
	}
	return s
}

// Dialog returns the subscription's dialog, nil before one exists.
func (s *Subscription) Dialog() *dialog.Dialog { return s.dlg }

// start sends a SUBSCRIBE out of a dialog: the first one, or a new one
// after a termination (a new Call-ID and From tag, so a new dialog).
func (s *Subscription) start() error {
	a := s.acc
	req, err := a.newOutRequest("SUBSCRIBE", s.target, true, s.opts.ContentType, s.opts.Body)
	if err != nil {
		return err
	}
	s.subscribeHeaders(req, s.expires)
	for _, h := range s.opts.Headers {
		req.Add(h[0], h[1])
	}
	from, _ := req.From()
	e := &s.ua.es
	e.ensure()
	s.key = pendingKey{strings.Clone(req.CallID()), strings.Clone(from.Tag())}
	s.sub, s.state, s.notified, s.brief, s.unsubbed = req, Subscribing, false, false, false
	e.pending[s.key] = s
	s.out, err = a.sendOut(req, s.onResponse)
	if err != nil {
		delete(e.pending, s.key)
		s.sub = nil
	}
	return err
}

// subscribeHeaders adds what every SUBSCRIBE of ours carries.
func (s *Subscription) subscribeHeaders(req *sip.Message, expires time.Duration) {
	req.Set("Event", s.opts.Event)
	if len(s.opts.Accept) > 0 {
		req.Set("Accept", strings.Join(s.opts.Accept, ", "))
	}
	req.Set("Expires", strconv.FormatUint(uint64(seconds(expires)), 10))
	req.Set("Allow", allowHeader)
}

// onResponse takes the final answer to our SUBSCRIBE out of a dialog.
func (s *Subscription) onResponse(o *outRequest, resp *sip.Message, err error) {
	if o != s.out || s.over {
		return
	}
	code, reason := statusOf(resp, err)
	if code == 423 && !s.brief && !s.closing {
		// Interval too brief: ask again for the Min-Expires (RFC 6665
		// §4.1.2.1, as RFC 3261 §10.2.8 for REGISTER).
		if least, ok := resp.MinExpires(); ok && time.Duration(least)*time.Second > s.expires {
			s.brief, s.expires = true, time.Duration(least)*time.Second
			if o.again(func(m *sip.Message) error {
				m.Set("Expires", strconv.FormatUint(uint64(least), 10))
				return nil
			}) == nil {
				return
			}
		}
	}
	s.out = nil
	if code >= 300 {
		if s.dlg != nil && s.notified {
			return // a NOTIFY made the dialog already: it decides
		}
		var after time.Duration
		retry := false
		if resp != nil && resp.Has("Retry-After") && code != 489 {
			if ra, err := sip.ParseRetryAfter(resp.Get("Retry-After")); err == nil {
				after, retry = ra.Duration(), true
			}
		}
		s.end(SubscriptionEvent{Code: code, Reason: reason, Err: err}, retry, after)
		return
	}
	if s.dlg == nil {
		d, err := dialog.NewUAC(o.req, resp)
		if err != nil {
			s.end(SubscriptionEvent{Code: code, Reason: reason, Err: err}, false, 0)
			return
		}
		s.setDialog(d)
	} else if to, _ := resp.To(); to.Tag() != s.dlg.ID().RemoteTag {
		return // the 2xx of another fork, whose NOTIFY made it ours already
	}
	// The 2xx says how long (RFC 6665 §4.1.2.1); a NOTIFY may say less.
	if exp, ok := resp.Expires(); ok {
		s.arm(time.Duration(exp) * time.Second)
	} else {
		s.arm(s.expires)
	}
	if s.closing {
		s.unsubscribe()
	}
}

// setDialog makes d the subscription's dialog, and opens the window in
// which NOTIFYs of other forks make subscriptions of their own and the
// first NOTIFY must come (Timer N, 64*T1, RFC 6665 §4.1.2.4).
func (s *Subscription) setDialog(d *dialog.Dialog) {
	s.dlg = d
	s.ua.es.subs[d.ID()] = s
	if s.wait == nil && s.origin == nil {
		s.wait = s.ua.clk.AfterFunc(64*s.ua.t1, s.windowEnd)
	}
}

// windowEnd closes the fork window; a subscription still without NOTIFY
// has failed (Timer N).
func (s *Subscription) windowEnd() {
	s.wait = nil
	s.closeWindow()
	if !s.notified && !s.over && s.dlg != nil {
		s.dlg.Terminate()
		s.end(SubscriptionEvent{Code: 408, Reason: "No NOTIFY"}, false, 0)
	}
}

// closeWindow stops taking new dialogs from the SUBSCRIBE, and lets go of
// it.
func (s *Subscription) closeWindow() {
	if e := &s.ua.es; e.pending[s.key] == s {
		delete(e.pending, s.key)
	}
	s.sub = nil
}

// arm takes the time the subscription was granted and refreshes it
// before the end, as a registration is (refreshDelay).
func (s *Subscription) arm(granted time.Duration) {
	s.granted = granted
	if s.closing || s.over || granted <= 0 {
		return
	}
	if s.refresh != nil {
		s.refresh.Stop()
	}
	s.refresh = s.ua.clk.AfterFunc(refreshDelay(granted), s.sendRefresh)
}

// onDialogNotify takes a NOTIFY that matches our SUBSCRIBE but no dialog:
// the first makes the subscription's dialog, even before the 2xx; later
// ones with another From tag come from other forks (RFC 6665 §4.1.2.4).
func (s *Subscription) onDialogNotify(tx *transaction.ServerTx, req *sip.Message) {
	u := s.ua
	if !s.matches(req) {
		u.reply(tx, 489, "")
		return
	}
	owner := s
	if s.dlg != nil {
		if s.forks >= maxForks || s.sub == nil {
			u.reply(tx, 481, "")
			return
		}
		s.forks++
		owner = &Subscription{
			UserData: s.UserData, ua: u, acc: s.acc, id: u.newID(), origin: s, target: s.target,
			opts: s.opts, pkg: s.pkg, eventID: s.eventID, expires: s.expires, state: Subscribing,
			closing: s.closing,
		}
		u.es.live[owner] = struct{}{}
	}
	d, err := dialogOfNotify(s.sub, req)
	if err != nil {
		u.reply(tx, 400, "")
		return
	}
	owner.setDialog(d)
	owner.onNotify(tx, req)
	if owner.closing && !owner.over {
		owner.unsubscribe()
	}
}

// dialogOfNotify makes the subscriber's dialog from the SUBSCRIBE and a
// NOTIFY that came before its 2xx, as the 2xx would have (RFC 6665
// §4.1.2.4): the notifier's tag and Contact, and the route set of the
// NOTIFY's Record-Route, which a request lists in the order a UAS keeps
// (RFC 3261 §12.1.1), so reversed into the response form NewUAC reverses.
func dialogOfNotify(sub, notify *sip.Message) (*dialog.Dialog, error) {
	from, err := notify.From()
	if err != nil {
		return nil, err
	}
	resp := sip.NewResponse(sub, 200, "")
	resp.SetToTag(from.Tag())
	resp.Set("Contact", notify.Get("Contact"))
	var rr []string
	for v := range notify.Values("Record-Route") {
		rr = append(rr, v)
	}
	for i := len(rr) - 1; i >= 0; i-- {
		resp.Add("Record-Route", rr[i])
	}
	return dialog.NewUAC(sub, resp)
}

// matches reports whether a NOTIFY's Event is our package and id (RFC
// 6665 §8.2.1: ids compare exactly, packages case-insensitively).
func (s *Subscription) matches(req *sip.Message) bool {
	ev, err := sip.ParseEvent(req.Get("Event"))
	return err == nil && strings.EqualFold(ev.Package(), s.pkg) && ev.ID() == s.eventID
}

// onRequest takes a request in the subscription's dialog.
func (s *Subscription) onRequest(tx *transaction.ServerTx, req *sip.Message) {
	if req.Method() != "NOTIFY" {
		s.ua.reply(tx, 405, "")
		return
	}
	if !s.matches(req) {
		s.ua.reply(tx, 489, "")
		return
	}
	s.onNotify(tx, req)
}

// onNotify takes a NOTIFY in the subscription's dialog (RFC 6665 §4.1.3):
// answered 200, its state and body reported.
func (s *Subscription) onNotify(tx *transaction.ServerTx, req *sip.Message) {
	u := s.ua
	ss, err := sip.ParseSubscriptionState(req.Get("Subscription-State"))
	if err != nil {
		u.reply(tx, 400, "")
		return
	}
	if err := s.dlg.ReceiveRequest(req); err != nil {
		u.reply(tx, dialogErrorStatus(err), "")
		return
	}
	resp := sip.NewResponse(req, 200, "")
	resp.Set("Contact", s.dlg.LocalTarget().String())
	u.respond(tx, resp)
	s.notified = true
	ev := SubscriptionEvent{Notify: true, Body: bytes.Clone(req.Body())}
	if len(ev.Body) > 0 {
		ev.ContentType = strings.Clone(req.Get("Content-Type"))
	}
	exp, hasExp := ss.Expires()
	switch strings.ToLower(ss.State()) {
	case "terminated":
		ev.Why = strings.ToLower(ss.Reason())
		ra, hasRA := ss.RetryAfter()
		after, retry := retryAfterTermination(ev.Why, ra, hasRA)
		s.dlg.Terminate()
		s.end(ev, retry, after)
		return
	case "active":
		s.state = Active
		s.retries = 0
	default: // "pending", or one we do not know: as pending (RFC 6665 §4.1.3)
		s.state = Pending
	}
	if hasExp {
		s.arm(time.Duration(exp) * time.Second)
	}
	ev.Expires = s.granted
	s.emit(ev)
}

// retryAfterTermination says whether and when a subscription the
// notifier terminated is made again, by the reason it gave (RFC 6665
// §4.1.3).
func retryAfterTermination(reason string, retryAfter uint32, has bool) (time.Duration, bool) {
	after := time.Duration(retryAfter) * time.Second
	switch reason {
	case "deactivated", "timeout", "giveup":
		return after, true // at once, or after retry-after
	case "probation":
		if !has {
			after = 30 * time.Second // "at some later time"
		}
		return after, true
	case "rejected", "noresource", "invariant":
		return 0, false // not to be retried
	}
	return after, has // none or unknown: only when told when
}

// sendRefresh refreshes the subscription in its dialog before it expires
// (RFC 6665 §4.1.2.2).
func (s *Subscription) sendRefresh() {
	s.refresh = nil
	if s.over || s.closing || s.dlg == nil {
		return
	}
	req, err := s.dlg.NewRequest("SUBSCRIBE", s.acc.via, nil, "")
	if err != nil {
		return
	}
	s.subscribeHeaders(req, s.expires)
	d := s.dlg
	_, err = s.ua.send(req, transaction.ClientFuncs{
		Response: func(_ *transaction.ClientTx, resp *sip.Message) { s.onRefreshed(d, req, resp, nil) },
		Failure:  func(_ *transaction.ClientTx, err error) { s.onRefreshed(d, req, nil, err) },
	})
	if err != nil {
		s.ua.clk.AfterFunc(0, func() { s.onRefreshed(d, req, nil, err) })
	}
}

// onRefreshed takes the answer to a refresh: a 2xx says the new expiry;
// any failure loses the dialog, and the subscription is made again unless
// the notifier refused it outright (RFC 6665 §4.1.2.2).
func (s *Subscription) onRefreshed(d *dialog.Dialog, req, resp *sip.Message, err error) {
	code, reason := statusOf(resp, err)
	if code < 200 || s.dlg != d || s.closing {
		return
	}
	if code < 300 {
		s.dlg.ReceiveResponse(req, resp)
		if exp, ok := resp.Expires(); ok {
			s.arm(time.Duration(exp) * time.Second)
		} else {
			s.arm(s.expires)
		}
		return
	}
	var after time.Duration
	if resp != nil {
		if ra, err := sip.ParseRetryAfter(resp.Get("Retry-After")); err == nil {
			after = ra.Duration()
		}
	}
	s.dlg.Terminate()
	refused := code == 403 || code == 404 || code == 489 || code == 603
	s.end(SubscriptionEvent{Code: code, Reason: reason, Err: err}, !refused, after)
}

// Unsubscribe ends the subscription: a SUBSCRIBE with Expires 0 in its
// dialog (RFC 6665 §4.1.2.3), sent once the dialog exists. Terminated
// comes with the notifier's last NOTIFY, or after 64*T1 without one. A
// retry that was due is called off.
func (s *Subscription) Unsubscribe() error {
	switch {
	case s.over:
		return ErrState
	case s.closing:
		return ErrPending
	}
	s.closing = true
	if s.refresh != nil {
		s.refresh.Stop()
		s.refresh = nil
	}
	if s.state == Terminated { // waiting to retry
		s.end(SubscriptionEvent{}, false, 0)
		return nil
	}
	if s.dlg != nil {
		s.unsubscribe()
	}
	return nil
}

// unsubscribe sends our SUBSCRIBE with Expires 0.
func (s *Subscription) unsubscribe() {
	if s.unsubbed {
		return
	}
	s.unsubbed = true
	d := s.dlg
	s.refresh = s.ua.clk.AfterFunc(64*s.ua.t1, func() {
		s.refresh = nil
		d.Terminate()
		s.end(SubscriptionEvent{Code: 408, Reason: "No NOTIFY"}, false, 0)
	})
	req, err := d.NewRequest("SUBSCRIBE", s.acc.via, nil, "")
	if err != nil {
		return
	}
	s.subscribeHeaders(req, 0)
	end := func(resp *sip.Message, err error) {
		code, reason := statusOf(resp, err)
		if code >= 300 && s.dlg == d {
			d.Terminate()
			s.end(SubscriptionEvent{Code: code, Reason: reason, Err: err}, false, 0)
		}
	}
	s.ua.send(req, transaction.ClientFuncs{
		Response: func(_ *transaction.ClientTx, resp *sip.Message) { end(resp, nil) },
		Failure:  func(_ *transaction.ClientTx, err error) { end(nil, err) },
	})
}

// end reports the subscription Terminated, lets go of its dialog, and
// subscribes again after a while when retry says so. Only the original
// subscription retries, and not more than three times in a row without
// reaching Active, so a notifier that keeps terminating it is not
// flooded.
func (s *Subscription) end(ev SubscriptionEvent, retry bool, after time.Duration) {
	e := &s.ua.es
	s.stop()
	s.out = nil
	if s.dlg != nil {
		delete(e.subs, s.dlg.ID())
		s.dlg = nil
	}
	s.closeWindow()
	retry = retry && s.origin == nil && !s.closing && !s.ua.closed && s.retries < 3
	s.state = Terminated
	ev.State, ev.Retry = Terminated, retry
	if retry {
		s.retries++
		ev.RetryAfter = after
		s.refresh = s.ua.clk.AfterFunc(after, s.resubscribe)
	} else {
		s.over = true
		delete(e.live, s)
	}
	s.emit(ev)
}

// resubscribe makes the subscription again, in a new dialog.
func (s *Subscription) resubscribe() {
	s.refresh = nil
	if err := s.start(); err != nil {
		s.end(SubscriptionEvent{Code: 503, Reason: "Service Unavailable", Err: err}, false, 0)
	}
}

// stop stops the subscription's timers.
func (s *Subscription) stop() {
	for _, t := range []*clock.Timer{&s.refresh, &s.wait} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
}

func (s *Subscription) emit(ev SubscriptionEvent) {
	if ev.State == 0 {
		ev.State = s.state
	}
	if f := s.ua.cfg.Events.Subscription; f != nil {
		f(s, ev)
	}
}

// dialogErrorStatus is the answer to a request a dialog refused (RFC 3261
// §12.2.2).
func dialogErrorStatus(err error) int {
	switch {
	case errors.Is(err, dialog.ErrOutOfOrder):
		return 500
	case errors.Is(err, dialog.ErrBadMessage):
		return 400
	}
	return 481
}
