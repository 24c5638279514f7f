package main

import (
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/sk400vop/sk400vop/capi/internal/ctest"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// cast sets *dst to p, typed as *dst is: C types cannot be named in a test
// file.
func cast[T any](dst **T, p unsafe.Pointer) { *dst = (*T)(p) }

// benchStack is a cstack with only what the dispatcher uses: the C event
// table of ctest.NoopEvents and the C argument structs.
func benchStack(b *testing.B) *cstack {
	st := &cstack{id: 1}
	cast(&st.ev, ctest.NoopEvents())
	cast(&st.regInfo, ctest.Calloc(unsafe.Sizeof(*st.regInfo)))
	cast(&st.callInfo, ctest.Calloc(unsafe.Sizeof(*st.callInfo)))
	cast(&st.reqInfo, ctest.Calloc(unsafe.Sizeof(*st.reqInfo)))
	st.q.init()
	st.done = make(chan struct{})
	st.release = func() {}
	b.Cleanup(func() {
		ctest.Free(unsafe.Pointer(st.regInfo))
		ctest.Free(unsafe.Pointer(st.callInfo))
		ctest.Free(unsafe.Pointer(st.reqInfo))
	})
	return st
}

// The cost of one event crossing from Go into the app's C callback, with
// callbacks that do nothing (capi/internal/ctest/events_noop.c).
//
//   - deliver/<kind>: the dispatcher's part alone, on the benchmark's
//     goroutine: the C argument struct filled, its strings copied to C
//     memory (one C.malloc each) and freed after, one call through the C
//     trampoline. reg is a registration event (reason "OK"), call a call
//     state change with a remote URI and display name.
//   - queued/reg: the whole path of thread mode: the event pushed by
//     another goroutine (as the engine loop does), the dispatcher's OS
//     thread woken, the batch delivered; b.N events pushed as fast as
//     possible, so wake-ups are shared by the events of a batch.
//   - queued-one/reg: the same, one event at a time (each waits for the
//     callback before the next is pushed): one wake-up of the dispatcher
//     per event, the latency an isolated event sees.
func BenchmarkEventCrossing(b *testing.B) {
	reg := event{kind: evReg, acc: 7, state: 2, code: 200, reason: "OK", expires: time.Hour}
	call := event{kind: evCall, acc: 7, call: 9, callKind: int(ua.StateChanged), state: 4, code: 200, reason: "OK",
		remoteURI: "sip:bob@example.com", remoteDisplay: "Bob"}
	start := ctest.EventsSeen()
	b.Run("deliver/reg", func(b *testing.B) {
		st := benchStack(b)
		for b.Loop() {
			st.deliver(&reg)
		}
	})
	b.Run("deliver/call", func(b *testing.B) {
		st := benchStack(b)
		for b.Loop() {
			st.deliver(&call)
		}
	})
	if ctest.EventsSeen() == start {
		b.Fatal("no callback ran")
	}
	b.Run("queued/reg", func(b *testing.B) {
		st := benchStack(b)
		go st.runThread()
		start := ctest.EventsSeen()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			st.push(reg)
		}
		for ctest.EventsSeen()-start < int64(b.N) {
			runtime.Gosched()
		}
		b.StopTimer()
		st.q.close()
		<-st.done
	})
	b.Run("queued-one/reg", func(b *testing.B) {
		st := benchStack(b)
		go st.runThread()
		start := ctest.EventsSeen()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			st.push(reg)
			for ctest.EventsSeen()-start <= int64(i) {
				runtime.Gosched()
			}
		}
		b.StopTimer()
		st.q.close()
		<-st.done
	})
}
