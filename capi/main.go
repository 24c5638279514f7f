// Command capi is the cgo boundary of sk400vop: built with
// -buildmode=c-shared (libsk400vop.so) or c-archive (libsk400vop.a), it
// implements include/sk400vop.h over engine/stack.
//
// The Go exports have internal names (sk400vop__go_*); sk400vop.c wraps
// them in the public, const-correct sk400vop_* functions and holds the
// trampolines that call the app's callbacks; exports.map keeps only the
// public names visible. capi converts and dispatches, it does not decide:
// SIP behaviour lives in engine/.
//
// Concurrency: the UA's callbacks run on the stack's loop goroutine and only
// enqueue event records; a dispatcher (a goroutine locked to its OS thread,
// or the app's thread inside sk400vop_poll) delivers them in order. API calls
// hand commands to the loop with stack.Do and never wait on the dispatcher,
// so any call is safe from inside any callback.
package main

import "C"

func main() {}
