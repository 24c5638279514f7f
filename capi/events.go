package main

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// Kinds of event records.
const (
	evReg = iota + 1
	evIncoming
	evCall
	evRequest
)

// event is one record of the stream: plain Go data copied on the loop, so
// that nothing of the engine is touched by the dispatcher.
type event struct {
	kind int
	acc  uint64
	call uint64
	txn  uint64

	state, code   int
	callKind      int // ua.CallEventKind
	reason, extra string
	expires       time.Duration
	retryAfter    time.Duration
	local, held   bool
	outgoing      bool
	remoteURI     string
	remoteDisplay string
	final         bool // the call handle goes after this event
	req           *reqData
	digit         rune       // evDTMF (method in state, duration ms in code)
	trace         *traceData // evTrace (trace.go)
	x             *objData   // the events of objects.go
}

// reqData is what on_request shows of a request.
type reqData struct {
	method, ruri, from, to, callID, ctype string
	body, raw                             []byte
}

// ---- loop side: the UA's callbacks enqueue records ----

// protect runs f, turning a panic into a logged internal error: code of
// capi that runs on the loop must never take the host process down.
func (st *cstack) protect(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			st.logf(C.SK400VOP_LOG_ERROR, "panic: %v\n%s", r, debug.Stack())
			err = fmt.Errorf("%w: %v", errInternal, r)
		}
	}()
	f()
	return nil
}

func (st *cstack) push(e event) {
	first, ok := st.q.push(e)
	if ok && first && st.onPending != nil {
		st.gate(func() { C.sk400vop__call_pending(st.onPending, C.uintptr_t(st.appCtx), C.uint64_t(st.id)) })
	}
}

func (st *cstack) uaEvents() ua.Events {
	ev := ua.Events{
		Registration: func(a *ua.Account, re ua.RegEvent) { st.protect(func() { st.onReg(a, re) }) },
		IncomingCall: func(c *ua.Call) { st.protect(func() { st.onIncoming(c) }) },
		CallEvent:    func(c *ua.Call, ce ua.CallEvent) { st.protect(func() { st.onCallEvent(c, ce) }) },
	}
	// MESSAGE reaches on_message through Request rather than the UA's
	// Message event: the UA answers that one 200 as soon as the Go
	// callback returns, before the app's C callback has run.
	if st.ev.on_request != nil || st.ev.on_message != nil {
		ev.Request = func(r *ua.ServerRequest) { st.protect(func() { st.onRequest(r) }) }
	}
	st.objEvents(&ev)
	return ev
}

func (st *cstack) onReg(a *ua.Account, re ua.RegEvent) {
	e, _ := a.UserData.(*accEntry)
	if e == nil {
		return
	}
	if st.waitAccs[a] && (re.State == ua.Unregistered || re.State == ua.Failed) {
		delete(st.waitAccs, a)
		st.waitCheck()
	}
	if e.removed {
		return
	}
	rec := event{kind: evReg, acc: e.id, state: int(re.State), code: re.Code, reason: strings.Clone(re.Reason),
		expires: re.Expires, retryAfter: re.RetryAfter}
	if re.Err != nil {
		rec.extra = re.Err.Error()
	}
	st.push(rec)
}

func (st *cstack) onIncoming(c *ua.Call) {
	ae, _ := c.Account().UserData.(*accEntry)
	if ae == nil || ae.removed {
		c.Reject(404, "")
		return
	}
	// A media table (media_table.go) gave the call its handle already.
	e, _ := c.UserData.(*callEntry)
	if e == nil {
		e = &callEntry{id: newID(), acc: ae.id, call: c}
		c.UserData = e
	}
	st.mu.Lock()
	st.calls[e.id] = e
	st.mu.Unlock()
	if st.hasIncoming {
		rec := st.callRecord(c, e)
		rec.kind, rec.state = evIncoming, int(c.State())
		st.push(rec)
		return
	}
	// Nobody to ask: refuse, unless the account answers it by itself,
	// which the UA does right after this callback returns.
	st.s.Post(func(*ua.UA) {
		if c.State() == ua.Incoming {
			c.Reject(480, "")
		}
	})
}

func (st *cstack) callRecord(c *ua.Call, e *callEntry) event {
	r := c.Remote()
	return event{call: e.id, acc: e.acc, held: c.Held(), outgoing: c.Outgoing(),
		remoteURI: r.URI.String(), remoteDisplay: r.DisplayName()}
}

func (st *cstack) onCallEvent(c *ua.Call, ce ua.CallEvent) {
	if st.waitCalls[c] && ce.State == ua.Disconnected {
		delete(st.waitCalls, c)
		st.waitCheck()
	}
	e, _ := c.UserData.(*callEntry)
	if e == nil {
		return
	}
	rec := st.callRecord(c, e)
	rec.kind, rec.callKind, rec.state, rec.code = evCall, int(ce.Kind), int(ce.State), ce.Code
	rec.reason, rec.extra, rec.local = strings.Clone(ce.Reason), strings.Clone(ce.Cause), ce.Local
	rec.final = ce.Kind == ua.StateChanged && ce.State == ua.Disconnected
	st.push(rec)
}

func (st *cstack) onRequest(r *ua.ServerRequest) {
	m := r.Request()
	if st.ev.on_message != nil && m.Method() == "MESSAGE" {
		st.onMessage(r)
		return
	}
	if st.ev.on_request == nil {
		r.Respond(501, "") // as the UA without Events.Request
		return
	}
	d := &reqData{method: strings.Clone(m.Method()), ruri: strings.Clone(m.RawRequestURI()),
		from: strings.Clone(m.Get("From")), to: strings.Clone(m.Get("To")), callID: strings.Clone(m.CallID()),
		ctype: strings.Clone(m.Get("Content-Type")), body: append([]byte(nil), m.Body()...)}
	if raw := m.Raw(); len(raw) > 0 {
		d.raw = append([]byte(nil), raw...)
	} else {
		d.raw = m.AppendTo(nil)
	}
	rec := event{kind: evRequest, req: d}
	st.requestContext(&rec, r)
	st.push(rec)
}

// addTxn gives r a transaction handle, forgetting those the UA has
// answered 500 for meanwhile.
func (st *cstack) addTxn(r *ua.ServerRequest) uint64 {
	now := time.Now()
	t := &txnEntry{id: newID(), req: r, at: now}
	st.mu.Lock()
	for id, old := range st.txns {
		if now.Sub(old.at) > st.requestTimeout+5*time.Second {
			delete(st.txns, id)
		}
	}
	st.txns[t.id] = t
	st.mu.Unlock()
	return t.id
}

// waitCheck ends destroy's wait once every call it hung up has ended and
// every account it unregistered has heard back.
func (st *cstack) waitCheck() {
	if st.waitDone != nil && len(st.waitCalls) == 0 && len(st.waitAccs) == 0 && len(st.waitObjs) == 0 {
		close(st.waitDone)
		st.waitDone = nil
	}
}

// ---- dispatcher side: records become C structs and callbacks ----

// requestContext gives rec the originating context of r, a request handed
// to the app: its account, its call, and a transaction handle to answer it.
func (st *cstack) requestContext(rec *event, r *ua.ServerRequest) {
	if a := r.Account(); a != nil {
		if ae, _ := a.UserData.(*accEntry); ae != nil && !ae.removed {
			rec.acc = ae.id
		}
	}
	if c := r.Call(); c != nil {
		if ce, _ := c.UserData.(*callEntry); ce != nil {
			rec.call = ce.id
		}
	}
	rec.txn = st.addTxn(r)
}

// cstrings hands out the C copies of the strings of one callback. They are
// carved from C memory chunks kept from one callback to the next, so a
// string costs a copy and no cgo crossing (a malloc and a free are a
// crossing each); free makes the chunks reusable, release gives them back.
// A string larger than a chunk gets a malloc of its own, freed by free.
type cstrings struct {
	chunks []unsafe.Pointer // cstrChunk bytes each
	cur    int              // the chunk in use; == len(chunks) before the first
	off    int              // bytes used in chunks[cur]
	big    []unsafe.Pointer
}

const cstrChunk = 4096

// alloc returns n bytes of C memory, valid until free.
func (cs *cstrings) alloc(n int) unsafe.Pointer {
	if n > cstrChunk {
		p := C.malloc(C.size_t(n))
		cs.big = append(cs.big, p)
		return p
	}
	if cs.cur < len(cs.chunks) && cs.off+n > cstrChunk {
		cs.cur, cs.off = cs.cur+1, 0
	}
	if cs.cur == len(cs.chunks) {
		cs.chunks = append(cs.chunks, C.malloc(cstrChunk))
		cs.off = 0
	}
	p := unsafe.Add(cs.chunks[cs.cur], cs.off)
	cs.off += n
	return p
}

func (cs *cstrings) str(s string) *C.char {
	p := cs.alloc(len(s) + 1)
	copy(unsafe.Slice((*byte)(p), len(s)), s)
	*(*byte)(unsafe.Add(p, len(s))) = 0
	return (*C.char)(p)
}

// bytes copies b NUL-terminated (it may hold NULs itself).
func (cs *cstrings) bytes(b []byte) *C.char {
	p := cs.alloc(len(b) + 1)
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	*(*byte)(unsafe.Add(p, len(b))) = 0
	return (*C.char)(p)
}

// free ends the callback: its strings are invalid from now on.
func (cs *cstrings) free() {
	for _, p := range cs.big {
		C.free(p)
	}
	cs.big = cs.big[:0]
	if len(cs.chunks) > 0 {
		cs.cur, cs.off = 0, 0
	}
}

// release frees all the C memory; the cstrings can be used again after.
func (cs *cstrings) release() {
	cs.free()
	for _, p := range cs.chunks {
		C.free(p)
	}
	cs.chunks, cs.cur, cs.off = nil, 0, 0
}

// deliver calls the app's callback for e, on the dispatcher.
func (st *cstack) deliver(e *event) {
	defer func() {
		if r := recover(); r != nil {
			st.logf(C.SK400VOP_LOG_ERROR, "panic in dispatcher: %v\n%s", r, debug.Stack())
		}
	}()
	cs := &st.cs
	defer cs.free()
	accUD, callUD := st.userData(e.acc, e.call)
	app := C.uintptr_t(st.appCtx)
	sid := C.uint64_t(st.id)
	switch e.kind {
	case evReg:
		if st.ev.on_reg_state == nil {
			break
		}
		ri := st.regInfo
		*ri = C.sk400vop_reg_info{}
		ri.struct_size = C.uint32_t(C.sizeof_sk400vop_reg_info)
		ri.state, ri.code = C.int32_t(e.state), C.int32_t(e.code)
		ri.reason, ri.error = cs.str(e.reason), cs.str(e.extra)
		ri.expires, ri.retry_after = seconds(e.expires), seconds(e.retryAfter)
		C.sk400vop__call_reg(st.ev, app, sid, C.uint64_t(e.acc), C.uintptr_t(accUD), ri)
	case evIncoming, evCall:
		which := C.SK400VOP__CB_INCOMING
		ci := st.callInfo
		*ci = C.sk400vop_call_info{}
		ci.struct_size = C.uint32_t(C.sizeof_sk400vop_call_info)
		ci.event = C.SK400VOP_CALL_EV_STATE
		if e.kind == evCall {
			which = C.SK400VOP__CB_CALL_STATE
			ci.event = C.int32_t(e.callKind)
			if ua.CallEventKind(e.callKind) != ua.StateChanged {
				which = C.SK400VOP__CB_CALL_MEDIA
			}
		}
		if (which == C.SK400VOP__CB_INCOMING && st.ev.on_incoming_call == nil) ||
			(which == C.SK400VOP__CB_CALL_STATE && st.ev.on_call_state == nil) ||
			(which == C.SK400VOP__CB_CALL_MEDIA && st.ev.on_call_media == nil) {
			break
		}
		ci.state, ci.code = C.int32_t(e.state), C.int32_t(e.code)
		ci.reason, ci.cause = cs.str(e.reason), cs.str(e.extra)
		ci.local, ci.held, ci.outgoing = cbool(e.local), cbool(e.held), cbool(e.outgoing)
		ci.account = C.sk400vop_account_id(e.acc)
		ci.remote_uri, ci.remote_display = cs.str(e.remoteURI), cs.str(e.remoteDisplay)
		C.sk400vop__call_cb(C.int(which), st.ev, app, sid, C.uint64_t(e.acc), C.uintptr_t(accUD),
			C.uint64_t(e.call), C.uintptr_t(callUD), ci)
	case evRequest:
		if st.ev.on_request == nil {
			break
		}
		d := e.req
		qi := st.reqInfo
		*qi = C.sk400vop_request_info{}
		qi.struct_size = C.uint32_t(C.sizeof_sk400vop_request_info)
		qi.method, qi.request_uri = cs.str(d.method), cs.str(d.ruri)
		qi.from, qi.to, qi.call_id = cs.str(d.from), cs.str(d.to), cs.str(d.callID)
		qi.content_type = cs.str(d.ctype)
		qi.body, qi.body_len = cs.bytes(d.body), C.size_t(len(d.body))
		qi.message, qi.message_len = cs.bytes(d.raw), C.size_t(len(d.raw))
		qi.account = C.sk400vop_account_id(e.acc)
		qi.call = C.sk400vop_call_id(e.call)
		C.sk400vop__call_request(st.ev, app, sid, C.uint64_t(e.txn), qi, C.uintptr_t(accUD), C.uintptr_t(callUD))
	case evDTMF:
		st.deliverDTMF(e, callUD)
	case evTrace:
		st.deliverTrace(e)
	default:
		if e.x != nil {
			st.deliverObj(e)
		}
	}
	if e.final {
		st.mu.Lock()
		delete(st.calls, e.call)
		st.mu.Unlock()
	}
}

func cbool(b bool) C.int32_t {
	if b {
		return 1
	}
	return 0
}

func seconds(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	return C.uint32_t((d + time.Second - 1) / time.Second)
}
