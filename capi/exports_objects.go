package main

// The Go exports of ABI 1.2 (objects.go): subscriptions, notifiers,
// publications, transfer and messages. sk400vop.c checks NULLs and lengths
// and implements the public functions over them.

/*
#include "shim.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// goBody copies a body the app passed (n bytes, may hold NUL).
func goBody(p *C.char, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// goStrs copies several (pointer, length) strings, stopping at the first
// that is not UTF-8 text.
func goStrs(dst []*string, src []*C.char, n []C.size_t) error {
	for i := range dst {
		s, err := goStrN(src[i], n[i])
		if err != nil {
			return err
		}
		*dst[i] = s
	}
	return nil
}

//export sk400vop__go_subscribe
func sk400vop__go_subscribe(stack, acc C.uint64_t, uri *C.char, un C.size_t, event *C.char, en C.size_t,
	accept *C.char, an C.size_t, expires C.uint32_t, ud unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		var u, ev, ac string
		if err := goStrs([]*string{&u, &ev, &ac}, []*C.char{uri, event, accept}, []C.size_t{un, en, an}); err != nil {
			return err
		}
		id, err := st.subscribe(uint64(acc), u, ev, ac, time.Duration(expires)*time.Second, uintptr(ud))
		if err == nil {
			*out = C.uint64_t(id)
		}
		return err
	})
}

//export sk400vop__go_obj_op
func sk400vop__go_obj_op(stack, id C.uint64_t, op C.int, code C.int32_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error { return st.objOp(uint64(id), int(op), int(code)) })
}

//export sk400vop__go_notifier_send
func sk400vop__go_notifier_send(stack, id C.uint64_t, op C.int, state C.int32_t, reason *C.char, rn C.size_t,
	ctype *C.char, cn C.size_t, body *C.char, bn C.size_t, ud unsafe.Pointer) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		var r, ct string
		if err := goStrs([]*string{&r, &ct}, []*C.char{reason, ctype}, []C.size_t{rn, cn}); err != nil {
			return err
		}
		return st.notifierSend(uint64(id), int(op), int(state), r, ct, goBody(body, bn), uintptr(ud))
	})
}

//export sk400vop__go_publish
func sk400vop__go_publish(stack, acc C.uint64_t, event *C.char, en C.size_t, ctype *C.char, cn C.size_t,
	body *C.char, bn C.size_t, expires C.uint32_t, ud unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		var ev, ct string
		if err := goStrs([]*string{&ev, &ct}, []*C.char{event, ctype}, []C.size_t{en, cn}); err != nil {
			return err
		}
		id, err := st.publish(uint64(acc), ev, ct, goBody(body, bn), time.Duration(expires)*time.Second, uintptr(ud))
		if err == nil {
			*out = C.uint64_t(id)
		}
		return err
	})
}

//export sk400vop__go_publish_modify
func sk400vop__go_publish_modify(stack, pub C.uint64_t, ctype *C.char, cn C.size_t, body *C.char,
	bn C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		ct, err := goStrN(ctype, cn)
		if err != nil {
			return err
		}
		return st.publishModify(uint64(pub), ct, goBody(body, bn))
	})
}

//export sk400vop__go_presence_parse
func sk400vop__go_presence_parse(body *C.char, bn C.size_t, open *C.int32_t, note *C.char, nn C.size_t) (rc C.sk400vop_status) {
	defer guard(&rc, 0)
	o, n, err := presenceParse(goBody(body, bn))
	if err != nil {
		return result(nil, err)
	}
	*open = cbool(o)
	if note == nil || nn == 0 {
		if n != "" {
			return C.SK400VOP_ERR_RANGE
		}
		return C.SK400VOP_OK
	}
	return copyOut(note, nn, n)
}

//export sk400vop__go_call_transfer
func sk400vop__go_call_transfer(stack, call C.uint64_t, uri *C.char, un C.size_t, other C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		u, err := goStrN(uri, un)
		if err != nil {
			return err
		}
		return st.callTransfer(uint64(call), u, uint64(other))
	})
}

//export sk400vop__go_transfer_accept
func sk400vop__go_transfer_accept(stack, x C.uint64_t, opts *C.sk400vop_call_opts, headers *C.char, hn C.size_t,
	ud unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		h, err := goStrN(headers, hn)
		if err != nil {
			return err
		}
		mo, err := mediaOptsOf(opts)
		if err != nil {
			return err
		}
		id, err := st.transferAccept(uint64(x), h, opts.no_offer != 0, mo, uintptr(ud))
		if err == nil {
			*out = C.uint64_t(id)
		}
		return err
	})
}

//export sk400vop__go_message_send
func sk400vop__go_message_send(stack, acc C.uint64_t, uri *C.char, un C.size_t, ctype *C.char, cn C.size_t,
	body *C.char, bn C.size_t, ud unsafe.Pointer, out *C.uint64_t) (rc C.sk400vop_status) {
	defer guard(&rc, uint64(stack))
	return withStack(stack, func(st *cstack) error {
		var u, ct string
		if err := goStrs([]*string{&u, &ct}, []*C.char{uri, ctype}, []C.size_t{un, cn}); err != nil {
			return err
		}
		id, err := st.messageSend(uint64(acc), u, ct, goBody(body, bn), uintptr(ud))
		if err == nil {
			*out = C.uint64_t(id)
		}
		return err
	})
}
