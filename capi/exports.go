package main

// The Go exports, one per public function that needs Go. Their names are
// internal (sk400vop__go_*): sk400vop.c implements the public API over them
// and exports.map hides them. Each recovers panics into
// SK400VOP_ERR_INTERNAL, so that no panic crosses into C.

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR} -O2 -Wall
#include <stdlib.h>
#include <string.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"time"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// startDispatcher runs st's thread-mode dispatcher on a thread of C's own
// (sk400vop__start_dispatcher): a cgo callback stays on the thread that
// made it, and the thread ends when runThread returns. Should no thread be
// had, a goroutine locked to a Go-made thread does the job.
func (st *cstack) startDispatcher() {
	h := cgo.NewHandle(st)
	if C.sk400vop__start_dispatcher(C.uintptr_t(h)) != 0 {
		h.Delete()
		go func() {
			runtime.LockOSThread() // never unlocked: the thread goes with the goroutine
			st.runThread()
		}()
	}
}

//export sk400vop__go_dispatch
func sk400vop__go_dispatch(h C.uintptr_t) {
	st := cgo.Handle(h).Value().(*cstack)
	cgo.Handle(h).Delete()
	st.runThread()
}

// guard turns a panic of an export into SK400VOP_ERR_INTERNAL, recorded as
// the last error of stack id (0: global) and logged.
func guard(rc *C.sk400vop_status, id uint64) {
	r := recover()
	if r == nil {
		return
	}
	*rc = C.SK400VOP_ERR_INTERNAL
	msg := fmt.Sprintf("internal error: %v", r)
	if st, err := lookupStack(id); err == nil {
		st.mu.Lock()
		st.lastErr = msg
		st.mu.Unlock()
		st.logf(C.SK400VOP_LOG_ERROR, "panic: %v\n%s", r, debug.Stack())
		return
	}
	setGlobalErr(msg)
}

// result records err for stack st (or globally when st is nil).
func result(st *cstack, err error) C.sk400vop_status {
	if err == nil {
		return C.SK400VOP_OK
	}
	if st != nil {
		return st.fail(err)
	}
	setGlobalErr(err.Error())
	return statusOf(err)
}

// withStack finds the stack and runs f, mapping its error.
func withStack(id C.uint64_t, f func(st *cstack) error) C.sk400vop_status {
	st, err := lookupStack(uint64(id))
	if err != nil {
		return result(nil, fmt.Errorf("%w: stack %d", err, uint64(id)))
	}
	return result(st, f(st))
}

//export sk400vop__go_fail
func sk400vop__go_fail(stack C.uint64_t, code C.sk400vop_status, msg *C.char) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	s := C.GoString(msg)
	if st, err := lookupStack(uint64(stack)); err == nil {
		st.mu.Lock()
		st.lastErr = s
		st.mu.Unlock()
	} else {
		setGlobalErr(s)
	}
	return code
}

//export sk400vop__go_last_error
func sk400vop__go_last_error(stack C.uint64_t, buf *C.char, n C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	var s string
	if stack == 0 {
		registry.Lock()
		s = registry.lastErr
		registry.Unlock()
	} else {
		st, err := lookupStack(uint64(stack))
		if err != nil {
			return C.SK400VOP_ERR_BAD_HANDLE
		}
		st.mu.Lock()
		s = st.lastErr
		st.mu.Unlock()
	}
	return copyOut(buf, n, s)
}

//export sk400vop__go_create
func sk400vop__go_create(cfg *C.sk400vop_config, ev *C.sk400vop_events, netT *C.sk400vop_net, mediaT *C.sk400vop_media,
	appCtx unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	st, err := create(cfg, ev, netT, mediaT, uintptr(appCtx))
	if err != nil {
		return result(nil, err)
	}
	*out = C.uint64_t(st.id)
	return C.SK400VOP_OK
}

//export sk400vop__go_destroy
func sk400vop__go_destroy(stack C.uint64_t, fromCallback C.int) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	st, err := lookupStack(uint64(stack))
	if err != nil {
		return result(nil, fmt.Errorf("%w: stack %d", err, uint64(stack)))
	}
	st.destroy(fromCallback != 0)
	return C.SK400VOP_OK
}

//export sk400vop__go_poll
func sk400vop__go_poll(stack C.uint64_t, timeoutMS C.int32_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	st, err := lookupStack(uint64(stack))
	if err != nil {
		return result(nil, fmt.Errorf("%w: stack %d", err, uint64(stack)))
	}
	timeout := time.Duration(timeoutMS) * time.Millisecond
	if timeoutMS < 0 {
		timeout = -1
	}
	n, err := st.poll(timeout)
	if err != nil && n == 0 {
		return st.fail(err)
	}
	return C.sk400vop_status(n)
}

//export sk400vop__go_poll_fd
func sk400vop__go_poll_fd(stack C.uint64_t, fd *C.int) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		if !st.pollMode {
			return fmt.Errorf("%w: the stack dispatches on its own thread", errState)
		}
		if st.closing.Load() {
			return errClosed
		}
		*fd = C.int(st.q.pipeR)
		return nil
	})
}

// copyOut writes s into the C buffer buf of n > 0 bytes, NUL-terminated,
// truncating with SK400VOP_ERR_RANGE.
func copyOut(buf *C.char, n C.size_t, s string) C.sk400vop_status {
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	k := copy(dst[:len(dst)-1], s)
	dst[k] = 0
	if k < len(s) {
		return C.SK400VOP_ERR_RANGE
	}
	return C.SK400VOP_OK
}

//export sk400vop__go_local_addr
func sk400vop__go_local_addr(stack C.uint64_t, proto *C.char, pn C.size_t, buf *C.char, n C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	var addr string
	if rc = withStack(stack, func(st *cstack) error {
		ps, err := goStrN(proto, pn)
		if err != nil {
			return err
		}
		p, ok := transport.ParseProto(ps)
		if !ok {
			return fmt.Errorf("%w: proto %q", errInvalid, ps)
		}
		a, ok := st.s.LocalAddr(p)
		if !ok {
			return fmt.Errorf("%w: no %v socket", errInvalid, p)
		}
		addr = a.String()
		return nil
	}); rc != C.SK400VOP_OK {
		return rc
	}
	return copyOut(buf, n, addr)
}

//export sk400vop__go_network_changed
func sk400vop__go_network_changed(stack C.uint64_t, listen *C.char, n C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		s, err := goStrN(listen, n)
		if err != nil {
			return err
		}
		specs, err := parseListen(s)
		if err != nil {
			return err
		}
		if st.closing.Load() {
			return errClosed
		}
		return st.s.NetworkChanged(specs)
	})
}

//export sk400vop__go_account_add
func sk400vop__go_account_add(stack C.uint64_t, cfg *C.sk400vop_account_config, defaults *C.sk400vop_call_opts,
	ud unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		var a accountArgs
		for _, f := range []struct {
			dst *string
			src *C.char
		}{
			{&a.aor, cfg.aor}, {&a.display, cfg.display}, {&a.authUser, cfg.auth_user},
			{&a.password, cfg.password}, {&a.realm, cfg.realm}, {&a.registrar, cfg.registrar},
			{&a.proxy, cfg.proxy}, {&a.transport, cfg.transport}, {&a.instance, cfg.instance_id},
		} {
			s, err := goStr(f.src)
			if err != nil {
				return err
			}
			*f.dst = s
		}
		if a.aor == "" {
			return fmt.Errorf("%w: aor is required", errInvalid)
		}
		a.expires = time.Duration(cfg.expires) * time.Second
		a.autoAnswer = int(cfg.auto_answer)
		a.autoDelay = time.Duration(cfg.auto_answer_delay_ms) * time.Millisecond
		a.acceptAny = cfg.accept_any != 0
		a.regID = int(cfg.reg_id)
		var err error
		if a.media, err = mediaOptsOf(defaults); err != nil {
			return err
		}
		id, err := st.accountAdd(a, uintptr(ud))
		if err == nil {
			*out = C.uint64_t(id)
		}
		return err
	})
}

//export sk400vop__go_account_op
func sk400vop__go_account_op(stack, acc C.uint64_t, op C.int) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error { return st.accountOp(uint64(acc), int(op)) })
}

//export sk400vop__go_set_user_data
func sk400vop__go_set_user_data(stack, id C.uint64_t, kind C.int, ud unsafe.Pointer) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error { return st.setUserData(uint64(id), int(kind), uintptr(ud)) })
}

//export sk400vop__go_call_make
func sk400vop__go_call_make(stack, acc C.uint64_t, uri *C.char, un C.size_t, headers *C.char, hn C.size_t,
	opts *C.sk400vop_call_opts, ud unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		u, err := goStrN(uri, un)
		if err != nil {
			return err
		}
		h, err := goStrN(headers, hn)
		if err != nil {
			return err
		}
		mo, err := mediaOptsOf(opts)
		if err != nil {
			return err
		}
		id, err := st.callMake(uint64(acc), u, h, opts.no_offer != 0, mo, uintptr(ud))
		if err == nil {
			*out = C.uint64_t(id)
		}
		return err
	})
}

//export sk400vop__go_call_answer
func sk400vop__go_call_answer(stack, call C.uint64_t, code C.int32_t, early C.int32_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error { return st.callAnswer(uint64(call), int(code), early != 0) })
}

//export sk400vop__go_call_reject
func sk400vop__go_call_reject(stack, call C.uint64_t, code C.int32_t, reason *C.char, n C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		r, err := goStrN(reason, n)
		if err != nil {
			return err
		}
		return st.callReject(uint64(call), int(code), r)
	})
}

//export sk400vop__go_call_hangup
func sk400vop__go_call_hangup(stack, call C.uint64_t, reason *C.char, n C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		r, err := goStrN(reason, n)
		if err != nil {
			return err
		}
		return st.callHangup(uint64(call), r)
	})
}

//export sk400vop__go_call_op
func sk400vop__go_call_op(stack, call C.uint64_t, op C.int) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		return st.callDo(uint64(call), func(c *ua.Call) error {
			if op == 1 {
				return c.Hold()
			}
			return c.Resume()
		})
	})
}

//export sk400vop__go_txn_respond
func sk400vop__go_txn_respond(stack, txn C.uint64_t, code C.int32_t, reason *C.char, rn C.size_t,
	ctype *C.char, cn C.size_t, body *C.char, bn C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		r, err := goStrN(reason, rn)
		if err != nil {
			return err
		}
		ct, err := goStrN(ctype, cn)
		if err != nil {
			return err
		}
		var b []byte
		if body != nil && bn > 0 {
			b = C.GoBytes(unsafe.Pointer(body), C.int(bn))
		}
		return st.txnRespond(uint64(txn), int(code), r, ct, b)
	})
}

// ---- the built-in media (media_builtin.go) ----

//export sk400vop__go_call_media
func sk400vop__go_call_media(stack, call C.uint64_t, opts *C.sk400vop_call_opts, setSrc, setSink C.int) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		mo, err := mediaOptsOf(opts)
		if err != nil {
			return err
		}
		return st.callMedia(uint64(call), mo, setSrc != 0, setSink != 0)
	})
}

//export sk400vop__go_call_send_dtmf
func sk400vop__go_call_send_dtmf(stack, call C.uint64_t, digits *C.char, n C.size_t, durationMS C.uint32_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		d, err := goStrN(digits, n)
		if err != nil {
			return err
		}
		return st.callSendDTMF(uint64(call), d, time.Duration(durationMS)*time.Millisecond)
	})
}

//export sk400vop__go_call_stats
func sk400vop__go_call_stats(stack, call C.uint64_t, out *C.sk400vop_rtp_stats) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error { return st.callStats(uint64(call), out) })
}
