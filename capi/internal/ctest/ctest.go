// Package ctest holds C test bodies for the C API (misuse.c): cgo is not
// allowed in _test.go files, so capi's Go tests call them through here.
// The sk400vop_* functions they use are resolved when the test binary links
// package capi (as libtailscale's tsnetctest does).
package ctest

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include -Wall
#include <stdlib.h>
#include "misuse.h"

static inline const struct sk400vop_ctest *test_at(int i) { return &sk400vop_ctests[i]; }
static inline const char *run_test(const struct sk400vop_ctest *t) { return t->run(); }
const void *sk400vop_ctest_noop_media(void);
const void *sk400vop_ctest_noop_events(void);
long sk400vop_ctest_events_seen(void);
*/
import "C"

import "unsafe"

// NoopMediaTable returns a C sk400vop_media (media_noop.c) whose frame and
// on_frame do nothing: the benchmark of one frame crossing uses it.
func NoopMediaTable() unsafe.Pointer { return unsafe.Pointer(C.sk400vop_ctest_noop_media()) }

// NoopEvents returns a C sk400vop_events (events_noop.c) whose on_reg_state
// and on_call_state only count their calls (EventsSeen): the benchmark of
// one event crossing uses it.
func NoopEvents() unsafe.Pointer { return unsafe.Pointer(C.sk400vop_ctest_noop_events()) }

// EventsSeen is the number of callbacks of the NoopEvents table so far.
func EventsSeen() int64 { return int64(C.sk400vop_ctest_events_seen()) }

// Calloc returns n zeroed bytes of C memory; Free releases them.
func Calloc(n uintptr) unsafe.Pointer { return C.calloc(1, C.size_t(n)) }

// Free releases memory from Calloc.
func Free(p unsafe.Pointer) { C.free(p) }

// Names lists the C tests in order.
func Names() []string {
	var out []string
	for i := 0; ; i++ {
		t := tests(i)
		if t.name == nil {
			return out
		}
		out = append(out, C.GoString(t.name))
	}
}

// Run runs the named C test; "" means it passed, else the failure.
func Run(name string) string {
	for i := 0; ; i++ {
		t := tests(i)
		if t.name == nil {
			return "no such C test: " + name
		}
		if C.GoString(t.name) == name {
			if msg := C.run_test(t); msg != nil {
				return C.GoString(msg)
			}
			return ""
		}
	}
}

func tests(i int) *C.struct_sk400vop_ctest { return C.test_at(C.int(i)) }
