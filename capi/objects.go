package main

// The objects of ABI 1.2 (issue 7): subscriptions of ours and of peers to
// us (notifiers), publications, transfers asked of us, and messages of
// ours, each a handle of its own kind in one table; plus the events that
// concern calls (transfer progress) and server transactions (MESSAGE).
// As for calls, the engine objects are touched on the loop only; an entry
// leaves the table once the event that ends its object was delivered, or
// at once when the app's own call ends it (reject, terminate, accept).

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// Kinds of object handles.
const (
	objSub = iota + 1
	objNotifier
	objPub
	objTransfer
	objMsg
)

var objKindName = [...]string{objSub: "subscription", objNotifier: "notifier", objPub: "publication",
	objTransfer: "transfer", objMsg: "message"}

// objEntry is a handle of one of the kinds above. ud is under cstack.mu;
// the engine pointers and lastState are loop only.
type objEntry struct {
	id   uint64
	kind int
	acc  uint64
	ud   uintptr
	at   time.Time // notifiers and transfers: when handed over (unanswered ones are swept)

	sub       *ua.Subscription
	n         *ua.Notifier
	pub       *ua.Publication
	xfer      *ua.Transfer
	msg       *ua.OutgoingMessage
	lastState ua.SubState // the subscription state last reported
	answered  bool        // notifiers and transfers: the app answered
}

// Kinds of event records of this file (events.go has 1.., media_builtin.go
// 100.., trace.go 200).
const (
	evSub = 300 + iota
	evIncomingSub
	evNotifier
	evPub
	evXferProgress
	evXferRequest
	evMsgStatus
	evMessage
)

// objData is what one of these events shows, copied on the loop.
type objData struct {
	id, id2            uint64 // the object's handle; a second one (notifier, transfer, txn)
	state, code        int
	reason, why        string
	event, target      string
	ctype              string
	body               []byte
	from, display, to  string
	accept, etag       string
	referredBy, replac string
	expires, retry     time.Duration
	notify, changed    bool // evSub: a NOTIFY came; the state differs from the last reported
	final              bool // the object's handle goes after this event
	origin             uint64
}

func (st *cstack) obj(id uint64, kind int) (*objEntry, error) {
	st.mu.Lock()
	e := st.objs[id]
	st.mu.Unlock()
	if e == nil || e.kind != kind {
		return nil, fmt.Errorf("%w: no %s %d", errBadHandle, objKindName[kind], id)
	}
	return e, nil
}

func (st *cstack) addObj(e *objEntry) {
	st.mu.Lock()
	st.objs[e.id] = e
	st.mu.Unlock()
}

func (st *cstack) dropObj(id uint64) {
	st.mu.Lock()
	delete(st.objs, id)
	st.mu.Unlock()
}

// sweepObjs forgets notifiers and transfers the app never answered: the
// UA refused them with 500 after the request timeout. Loop only.
func (st *cstack) sweepObjs(now time.Time) {
	st.mu.Lock()
	for id, e := range st.objs {
		if (e.kind == objNotifier || e.kind == objTransfer) && !e.answered &&
			now.Sub(e.at) > st.requestTimeout+5*time.Second {
			delete(st.objs, id)
		}
	}
	st.mu.Unlock()
}

// ---- loop side ----

func (st *cstack) objEvents(ev *ua.Events) {
	p := st.protect
	ev.Subscription = func(s *ua.Subscription, se ua.SubscriptionEvent) { p(func() { st.onSubscription(s, se) }) }
	ev.NotifierEvent = func(n *ua.Notifier, ne ua.NotifierEvent) { p(func() { st.onNotifierEvent(n, ne) }) }
	ev.Publication = func(pb *ua.Publication, pe ua.PublicationEvent) { p(func() { st.onPublication(pb, pe) }) }
	ev.TransferProgress = func(c *ua.Call, tp ua.TransferProgress) { p(func() { st.onTransferProgress(c, tp) }) }
	ev.MessageStatus = func(m *ua.OutgoingMessage, ms ua.MessageStatus) { p(func() { st.onMessageStatus(m, ms) }) }
	if st.hasCB(C.SK400VOP__CB_INCOMING_SUB) {
		ev.IncomingSubscription = func(n *ua.Notifier) { p(func() { st.onIncomingSubscription(n) }) }
	}
	if st.hasCB(C.SK400VOP__CB_XFER_REQUEST) {
		ev.Transfer = func(t *ua.Transfer) { p(func() { st.onTransferRequest(t) }) }
	}
}

func (st *cstack) hasCB(which int) bool { return C.sk400vop__has_cb(st.ev, C.int(which)) != 0 }

func (st *cstack) onSubscription(s *ua.Subscription, se ua.SubscriptionEvent) {
	e, _ := s.UserData.(*objEntry)
	if e == nil {
		return
	}
	if e.sub != s { // a fork of e's SUBSCRIBE: a handle of its own
		st.mu.Lock()
		ud := e.ud
		st.mu.Unlock()
		ne := &objEntry{id: newID(), kind: objSub, acc: e.acc, ud: ud, sub: s}
		s.UserData = ne
		st.addObj(ne)
		e = ne
	}
	origin := e.id
	if o := s.Origin(); o != s {
		if oe, _ := o.UserData.(*objEntry); oe != nil {
			origin = oe.id
		}
	}
	d := &objData{id: e.id, state: int(se.State), code: se.Code, reason: strings.Clone(se.Reason),
		why: strings.Clone(se.Why), event: s.Event(), target: s.Target().String(), notify: se.Notify,
		changed: se.State != e.lastState, expires: se.Expires, origin: origin,
		final: se.State == ua.Terminated && !se.Retry}
	if se.Retry {
		d.retry = max(se.RetryAfter, time.Second)
	}
	if se.Notify {
		d.ctype, d.body = strings.Clone(se.ContentType), se.Body // Body is a copy already
	}
	e.lastState = se.State
	if d.final {
		st.objEnded(e)
	}
	st.push(event{kind: evSub, acc: e.acc, x: d})
}

func (st *cstack) onIncomingSubscription(n *ua.Notifier) {
	ae, _ := n.Account().UserData.(*accEntry)
	if ae == nil || ae.removed {
		n.Reject(404)
		return
	}
	now := time.Now()
	st.sweepObjs(now)
	e := &objEntry{id: newID(), kind: objNotifier, acc: ae.id, n: n, at: now}
	n.UserData = e
	st.addObj(e)
	d := &objData{id: ae.id, id2: e.id, state: int(ua.Pending), event: n.Event(), expires: n.Expires()}
	if req := n.Request(); req != nil {
		if f, err := req.From(); err == nil {
			d.from, d.display = f.URI.String(), f.DisplayName()
		}
		d.accept = strings.Clone(req.Get("Accept"))
	}
	st.push(event{kind: evIncomingSub, acc: ae.id, x: d})
}

func (st *cstack) onNotifierEvent(n *ua.Notifier, ne ua.NotifierEvent) {
	e, _ := n.UserData.(*objEntry)
	if e == nil {
		return
	}
	d := &objData{id: e.id, state: int(ne.State), why: ne.Why, code: ne.Code, event: n.Event(),
		expires: ne.Expires, final: ne.State == ua.Terminated}
	st.push(event{kind: evNotifier, acc: e.acc, x: d})
}

func (st *cstack) onPublication(pb *ua.Publication, pe ua.PublicationEvent) {
	e, _ := pb.UserData.(*objEntry)
	if e == nil {
		return
	}
	d := &objData{id: e.id, state: int(pe.State), code: pe.Code, reason: strings.Clone(pe.Reason),
		expires: pe.Expires, etag: strings.Clone(pb.ETag()), final: pe.State == ua.Unpublished}
	if d.final {
		st.objEnded(e)
	}
	st.push(event{kind: evPub, acc: e.acc, x: d})
}

func (st *cstack) onTransferProgress(c *ua.Call, tp ua.TransferProgress) {
	e, _ := c.UserData.(*callEntry)
	if e == nil {
		return
	}
	d := &objData{id: e.id, code: tp.Code, reason: strings.Clone(tp.Reason), final: tp.Final}
	st.push(event{kind: evXferProgress, call: e.id, acc: e.acc, x: d})
}

func (st *cstack) onTransferRequest(t *ua.Transfer) {
	ce, _ := t.Call().UserData.(*callEntry)
	if ce == nil {
		t.Reject(603)
		return
	}
	now := time.Now()
	st.sweepObjs(now)
	e := &objEntry{id: newID(), kind: objTransfer, acc: ce.acc, xfer: t, at: now}
	t.UserData = e
	st.addObj(e)
	d := &objData{id: ce.id, id2: e.id, target: t.Target().String(), referredBy: strings.Clone(t.ReferredBy()),
		replac: strings.Clone(t.Replaces())}
	st.push(event{kind: evXferRequest, call: ce.id, acc: ce.acc, x: d})
}

func (st *cstack) onMessageStatus(m *ua.OutgoingMessage, ms ua.MessageStatus) {
	e, _ := m.UserData.(*objEntry)
	if e == nil {
		return
	}
	d := &objData{id: e.id, code: ms.Code, reason: strings.Clone(ms.Reason), target: m.Target().String(), final: true}
	st.push(event{kind: evMsgStatus, acc: e.acc, x: d})
}

// onMessage takes a MESSAGE for on_message (onRequest routes it here): a
// body of a type the app did not list gets 415 (RFC 3428 §7); the others
// become a transaction handle that on_message may answer, else 200.
func (st *cstack) onMessage(r *ua.ServerRequest) {
	m := r.Request()
	if len(m.Body()) > 0 && !st.takesMessage(m.Get("Content-Type")) {
		resp := r.Response(415, "")
		resp.Set("Accept", strings.Join(st.msgTypes, ", "))
		r.Send(resp)
		return
	}
	d := &objData{ctype: strings.Clone(m.Get("Content-Type")), body: append([]byte(nil), m.Body()...)}
	if d.ctype == "" {
		d.ctype = "text/plain"
	}
	if f, err := m.From(); err == nil {
		d.from, d.display = f.URI.String(), f.DisplayName()
	}
	if to, err := m.To(); err == nil {
		d.to = to.URI.String()
	}
	rec := event{kind: evMessage, x: d}
	st.requestContext(&rec, r)
	d.id = rec.txn
	st.push(rec)
}

// takesMessage reports whether ctype is one of config.message_types.
func (st *cstack) takesMessage(ctype string) bool {
	mt, err := sip.ParseMediaType(ctype)
	if err != nil {
		return false
	}
	for _, t := range st.msgTypes {
		typ, sub, _ := strings.Cut(t, "/")
		if mt.Is(typ, sub) {
			return true
		}
	}
	return false
}

// endObjs is destroy's part for these objects, on the loop: our
// subscriptions are unsubscribed and our publications removed, so that
// no server keeps a state we no longer refresh (destroy waits for them as
// for the calls it hangs up); the subscriptions peers made to us get their
// last NOTIFY.
func (st *cstack) endObjs() {
	st.waitObjs = map[*objEntry]bool{}
	st.mu.Lock()
	objs := make([]*objEntry, 0, len(st.objs))
	for _, e := range st.objs {
		objs = append(objs, e)
	}
	st.mu.Unlock()
	for _, e := range objs {
		switch {
		case e.sub != nil && e.sub.State() != ua.Terminated:
			if e.sub.Unsubscribe() == nil {
				st.waitObjs[e] = true
			}
		case e.pub != nil && (e.pub.State() == ua.Published || e.pub.State() == ua.Publishing):
			if e.pub.Remove() == nil {
				st.waitObjs[e] = true
			}
		case e.n != nil && e.answered && e.n.State() != ua.Terminated:
			e.n.Terminate("deactivated", nil, "")
		}
	}
}

// objEnded ends destroy's wait for e, on the loop.
func (st *cstack) objEnded(e *objEntry) {
	if st.waitObjs[e] {
		delete(st.waitObjs, e)
		st.waitCheck()
	}
}

// ---- dispatcher side ----

// deliverObj calls the callback of an event of this file.
func (st *cstack) deliverObj(e *event) {
	d := e.x
	cs := &st.cs
	app, sid := C.uintptr_t(st.appCtx), C.uint64_t(st.id)
	call := func(which int, id uint64, ud uintptr, id2 uint64, ud2 uintptr, info unsafe.Pointer) {
		C.sk400vop__call_obj(C.int(which), st.ev, app, sid, C.uint64_t(id), C.uintptr_t(ud), C.uint64_t(id2),
			C.uintptr_t(ud2), info)
	}
	switch e.kind {
	case evSub:
		ud := st.objUD(d.id)
		info := C.sk400vop_subscription_info{struct_size: C.uint32_t(C.sizeof_sk400vop_subscription_info),
			state: C.int32_t(d.state), event: cs.str(d.event), target: cs.str(d.target),
			content_type: cs.str(d.ctype), body: cs.bytes(d.body), body_len: C.size_t(len(d.body)),
			expires: seconds(d.expires), code: C.int32_t(d.code), reason: cs.str(d.reason), why: cs.str(d.why),
			retry_after: seconds(d.retry), account: C.sk400vop_account_id(e.acc),
			origin: C.sk400vop_sub_id(d.origin)}
		// The state first when it opens (ACTIVE/PENDING), the NOTIFY, the
		// state last when it ends.
		if d.changed && ua.SubState(d.state) != ua.Terminated {
			call(C.SK400VOP__CB_SUB_STATE, d.id, ud, 0, 0, ptr(&info))
		}
		if d.notify {
			call(C.SK400VOP__CB_NOTIFY, d.id, ud, 0, 0, ptr(&info))
		}
		if ua.SubState(d.state) == ua.Terminated {
			call(C.SK400VOP__CB_SUB_STATE, d.id, ud, 0, 0, ptr(&info))
		}
	case evIncomingSub, evNotifier:
		info := C.sk400vop_notifier_info{struct_size: C.uint32_t(C.sizeof_sk400vop_notifier_info),
			state: C.int32_t(d.state), event: cs.str(d.event), from: cs.str(d.from),
			from_display: cs.str(d.display), accept: cs.str(d.accept), expires: seconds(d.expires),
			why: cs.str(d.why), code: C.int32_t(d.code), account: C.sk400vop_account_id(e.acc)}
		if e.kind == evIncomingSub {
			accUD, _ := st.userData(e.acc, 0)
			call(C.SK400VOP__CB_INCOMING_SUB, d.id, accUD, d.id2, 0, ptr(&info))
		} else {
			call(C.SK400VOP__CB_NOTIFIER_STATE, d.id, st.objUD(d.id), 0, 0, ptr(&info))
		}
	case evPub:
		info := C.sk400vop_publication_info{struct_size: C.uint32_t(C.sizeof_sk400vop_publication_info),
			state: C.int32_t(d.state), code: C.int32_t(d.code), reason: cs.str(d.reason),
			expires: seconds(d.expires), etag: cs.str(d.etag), account: C.sk400vop_account_id(e.acc)}
		call(C.SK400VOP__CB_PUB_STATE, d.id, st.objUD(d.id), 0, 0, ptr(&info))
	case evXferProgress, evXferRequest:
		_, callUD := st.userData(0, e.call)
		info := C.sk400vop_transfer_info{struct_size: C.uint32_t(C.sizeof_sk400vop_transfer_info),
			code: C.int32_t(d.code), reason: cs.str(d.reason), final: cbool(d.final), target: cs.str(d.target),
			referred_by: cs.str(d.referredBy), replaces: cs.str(d.replac), account: C.sk400vop_account_id(e.acc)}
		if e.kind == evXferProgress {
			call(C.SK400VOP__CB_XFER_PROGRESS, e.call, callUD, 0, 0, ptr(&info))
		} else {
			call(C.SK400VOP__CB_XFER_REQUEST, e.call, callUD, d.id2, 0, ptr(&info))
		}
	case evMsgStatus, evMessage:
		accUD, callUD := st.userData(e.acc, e.call)
		info := C.sk400vop_message_info{struct_size: C.uint32_t(C.sizeof_sk400vop_message_info),
			code: C.int32_t(d.code), reason: cs.str(d.reason), uri: cs.str(d.from), display: cs.str(d.display),
			to: cs.str(d.to), content_type: cs.str(d.ctype), body: cs.bytes(d.body), body_len: C.size_t(len(d.body)),
			account: C.sk400vop_account_id(e.acc), call: C.sk400vop_call_id(e.call)}
		if e.kind == evMsgStatus {
			info.uri = cs.str(d.target)
			call(C.SK400VOP__CB_MSG_STATUS, d.id, st.objUD(d.id), 0, accUD, ptr(&info))
		} else {
			call(C.SK400VOP__CB_MESSAGE, d.id, accUD, 0, callUD, ptr(&info))
			st.messageDefault(d.id)
		}
	}
	if d.final {
		st.dropObj(d.id)
	}
}

// messageDefault answers 200 for a MESSAGE that on_message returned from
// without a final answer (RFC 3428 §7), as the engine does for Go apps.
func (st *cstack) messageDefault(txn uint64) {
	st.mu.Lock()
	t := st.txns[txn]
	delete(st.txns, txn)
	st.mu.Unlock()
	if t != nil {
		st.s.Post(func(*ua.UA) { t.req.Respond(200, "") }) // ErrState if the UA answered 500 already
	}
}

// ptr passes a callback's info struct: Go memory that holds C pointers
// only, valid for the call (cgo pointer rules), which the header says the
// app must copy from.
func ptr[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }

func (st *cstack) objUD(id uint64) uintptr {
	st.mu.Lock()
	defer st.mu.Unlock()
	if e := st.objs[id]; e != nil {
		return e.ud
	}
	return 0
}

// ---- API ----

func (st *cstack) subscribe(accID uint64, uri, event, accept string, expires time.Duration, ud uintptr) (uint64, error) {
	ae, err := st.account(accID)
	if err != nil {
		return 0, err
	}
	target, err := parseURI("uri", uri)
	if err != nil {
		return 0, err
	}
	if err := headerSafe("event", event); err != nil {
		return 0, err
	}
	if err := headerSafe("accept", accept); err != nil {
		return 0, err
	}
	opts := ua.SubscribeOptions{Event: event, Expires: expires}
	for a := range strings.SplitSeq(accept, ",") {
		if a = strings.TrimSpace(a); a != "" {
			opts.Accept = append(opts.Accept, a)
		}
	}
	e := &objEntry{id: newID(), kind: objSub, acc: accID, ud: ud}
	opts.UserData = e
	return st.startObj(ae, e, func() (err error) {
		e.sub, err = ae.acc.Subscribe(target, opts)
		return err
	})
}

// startObj registers e, an object of account ae, and runs start on the
// loop to make the engine's object; e is dropped again if start fails. It
// returns e's handle. e is registered first, so the object's first event
// finds it.
func (st *cstack) startObj(ae *accEntry, e *objEntry, start func() error) (uint64, error) {
	err := st.do(func(*ua.UA) error {
		if ae.removed {
			return errBadHandle
		}
		st.addObj(e)
		if err := start(); err != nil {
			st.dropObj(e.id)
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return e.id, nil
}

const (
	opUnsubscribe = iota + 1
	opNotifierReject
	opPublishRemove
	opTransferReject
)

// objOp is sk400vop_unsubscribe, _notifier_reject, _publish_remove and
// _transfer_reject.
func (st *cstack) objOp(id uint64, op, code int) error {
	kind := [...]int{opUnsubscribe: objSub, opNotifierReject: objNotifier, opPublishRemove: objPub,
		opTransferReject: objTransfer}[op]
	if (op == opNotifierReject || op == opTransferReject) && (code < 300 || code > 699) {
		return fmt.Errorf("%w: reject code %d: want 300..699", errInvalid, code)
	}
	e, err := st.obj(id, kind)
	if err != nil {
		return err
	}
	return st.do(func(*ua.UA) error {
		switch op {
		case opUnsubscribe:
			if e.sub == nil {
				return errBadHandle
			}
			return e.sub.Unsubscribe()
		case opPublishRemove:
			if e.pub == nil {
				return errBadHandle
			}
			return e.pub.Remove()
		case opNotifierReject:
			if err := e.n.Reject(code); err != nil {
				return err
			}
		default:
			if err := e.xfer.Reject(code); err != nil {
				return err
			}
		}
		e.answered = true
		st.dropObj(id)
		return nil
	})
}

const (
	opNotifierAccept = iota + 1
	opNotifierNotify
	opNotifierTerminate
)

func subState(state int) (ua.SubState, error) {
	switch state {
	case C.SK400VOP_SUB_ACTIVE:
		return ua.Active, nil
	case C.SK400VOP_SUB_PENDING:
		return ua.Pending, nil
	}
	return 0, fmt.Errorf("%w: state %d: want SK400VOP_SUB_ACTIVE or _PENDING", errInvalid, state)
}

func (st *cstack) notifierSend(id uint64, op, state int, reason, ctype string, body []byte, ud uintptr) error {
	var ss ua.SubState
	var err error
	if op != opNotifierTerminate {
		if ss, err = subState(state); err != nil {
			return err
		}
	}
	for _, f := range [][2]string{{"reason", reason}, {"content_type", ctype}} {
		if err := headerSafe(f[0], f[1]); err != nil {
			return err
		}
	}
	if ctype != "" {
		if _, err := sip.ParseMediaType(ctype); err != nil {
			return fmt.Errorf("%w: content_type %q", errInvalid, ctype)
		}
	}
	e, err := st.obj(id, objNotifier)
	if err != nil {
		return err
	}
	return st.do(func(*ua.UA) error {
		switch op {
		case opNotifierAccept:
			st.mu.Lock()
			old := e.ud
			e.ud = ud
			st.mu.Unlock()
			if err := e.n.Accept(ss, body, ctype); err != nil {
				st.mu.Lock()
				e.ud = old
				st.mu.Unlock()
				if errors.Is(err, ua.ErrState) {
					return err
				}
				e.answered = true // refused with 400 by the UA
				st.dropObj(id)
				return err
			}
			e.answered = true
			return nil
		case opNotifierNotify:
			return e.n.Notify(ss, body, ctype)
		default:
			if err := e.n.Terminate(reason, body, ctype); err != nil {
				return err
			}
			st.dropObj(id)
			return nil
		}
	})
}

func (st *cstack) publish(accID uint64, event, ctype string, body []byte, expires time.Duration, ud uintptr) (uint64, error) {
	ae, err := st.account(accID)
	if err != nil {
		return 0, err
	}
	if err := headerSafe("event", event); err != nil {
		return 0, err
	}
	if err := headerSafe("content_type", ctype); err != nil {
		return 0, err
	}
	e := &objEntry{id: newID(), kind: objPub, acc: accID, ud: ud}
	return st.startObj(ae, e, func() error {
		pb, err := ae.acc.Publish(event, body, ctype, expires)
		if err != nil {
			return err
		}
		e.pub, pb.UserData = pb, e
		return nil
	})
}

func (st *cstack) publishModify(id uint64, ctype string, body []byte) error {
	if err := headerSafe("content_type", ctype); err != nil {
		return err
	}
	e, err := st.obj(id, objPub)
	if err != nil {
		return err
	}
	return st.do(func(*ua.UA) error {
		if e.pub == nil {
			return errBadHandle
		}
		return e.pub.Modify(body, ctype)
	})
}

func (st *cstack) callTransfer(id uint64, uri string, other uint64) error {
	if other == 0 {
		target, err := parseURI("uri", uri)
		if err != nil {
			return err
		}
		return st.callDo(id, func(c *ua.Call) error { return c.Transfer(target) })
	}
	oe, err := st.callEntry(other)
	if err != nil {
		return err
	}
	return st.callDo(id, func(c *ua.Call) error {
		if oe.call == nil {
			return errBadHandle
		}
		return c.TransferTo(oe.call)
	})
}

func (st *cstack) transferAccept(id uint64, headers string, noOffer bool, mo mediaOpts, ud uintptr) (uint64, error) {
	x, err := st.obj(id, objTransfer)
	if err != nil {
		return 0, err
	}
	hs, err := parseHeaders(headers)
	if err != nil {
		return 0, err
	}
	files, err := mo.open()
	if err != nil {
		return 0, err
	}
	e := &callEntry{id: newID(), acc: x.acc, ud: ud}
	err = st.do(func(*ua.UA) error {
		st.bm.init()
		st.bm.pending[e], files = files, nil // newMedia takes them
		defer func() {
			if f := st.bm.pending[e]; f != nil {
				f.close()
				delete(st.bm.pending, e)
			}
		}()
		st.mu.Lock()
		st.calls[e.id] = e
		st.mu.Unlock()
		err := x.xfer.Accept(ua.CallOptions{NoOffer: noOffer, Headers: hs, UserData: e})
		if nc := x.xfer.NewCall(); nc != nil {
			e.call = nc
		} else {
			st.mu.Lock()
			delete(st.calls, e.id)
			st.mu.Unlock()
		}
		if err != nil && errors.Is(err, ua.ErrState) {
			return err
		}
		x.answered = true
		st.dropObj(id)
		return err
	})
	files.close()
	if err != nil {
		return 0, err
	}
	return e.id, nil
}

func (st *cstack) messageSend(accID uint64, uri, ctype string, body []byte, ud uintptr) (uint64, error) {
	ae, err := st.account(accID)
	if err != nil {
		return 0, err
	}
	target, err := parseURI("uri", uri)
	if err != nil {
		return 0, err
	}
	if err := headerSafe("content_type", ctype); err != nil {
		return 0, err
	}
	e := &objEntry{id: newID(), kind: objMsg, acc: accID, ud: ud}
	return st.startObj(ae, e, func() (err error) {
		e.msg, err = ae.acc.SendMessage(target, ctype, body, e)
		if errors.Is(err, ua.ErrConfig) {
			return fmt.Errorf("%w: %v", errInvalid, err)
		}
		return err
	})
}

// presenceParse is sk400vop_presence_parse: whether any tuple is open and
// the first note.
func presenceParse(body []byte) (open bool, note string, err error) {
	p, err := ua.ParsePIDF(body)
	if err != nil {
		return false, "", fmt.Errorf("%w: %v", errInvalid, err)
	}
	if len(p.Notes) > 0 {
		note = p.Notes[0]
	}
	for _, t := range p.Tuples {
		if note == "" && t.Note != "" {
			note = t.Note
		}
	}
	return p.Open(), note, nil
}
