package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// nextID numbers the handles of every kind (stacks, accounts, calls,
// transactions) from one counter: monotonic, never reused, 0 invalid, and
// a call id passed as an account id is simply unknown.
var nextID atomic.Uint64

func newID() uint64 { return nextID.Add(1) }

// registry holds the live stacks.
var registry = struct {
	sync.Mutex
	stacks  map[uint64]*cstack
	lastErr string // the detail of the last failure without a stack (create)
}{stacks: map[uint64]*cstack{}}

// lookupStack returns the live stack id names.
func lookupStack(id uint64) (*cstack, error) {
	registry.Lock()
	st := registry.stacks[id]
	registry.Unlock()
	if st == nil {
		return nil, errBadHandle
	}
	return st, nil
}

// setGlobalErr records the detail of a failure that has no stack.
func setGlobalErr(s string) {
	registry.Lock()
	registry.lastErr = s
	registry.Unlock()
}

// accEntry is an account handle. acc and removed are touched only on the
// loop goroutine; ud under cstack.mu.
type accEntry struct {
	id      uint64
	acc     *ua.Account
	ud      uintptr
	removed bool
	media   mediaOpts // call_defaults of its incoming calls; set once
}

// callEntry is a call handle. call is touched only on the loop goroutine
// (it is set before any other goroutine can find the entry); ud under
// cstack.mu. The entry leaves the table once the DISCONNECTED event has
// been delivered.
type callEntry struct {
	id   uint64
	acc  uint64
	call *ua.Call
	ud   uintptr
}

// txnEntry is a server transaction handed to the app; it leaves the table
// on a final response, or is swept once the UA has answered 500 for it.
type txnEntry struct {
	id  uint64
	req *ua.ServerRequest // loop only
	at  time.Time
}

func (st *cstack) account(id uint64) (*accEntry, error) {
	st.mu.Lock()
	e := st.accounts[id]
	st.mu.Unlock()
	if e == nil {
		return nil, errBadHandle
	}
	return e, nil
}

func (st *cstack) callEntry(id uint64) (*callEntry, error) {
	st.mu.Lock()
	e := st.calls[id]
	st.mu.Unlock()
	if e == nil {
		return nil, errBadHandle
	}
	return e, nil
}

// userData returns the user data of an account and a call (0 for unknown).
func (st *cstack) userData(acc, call uint64) (accUD, callUD uintptr) {
	st.mu.Lock()
	if e := st.accounts[acc]; e != nil {
		accUD = e.ud
	}
	if e := st.calls[call]; e != nil {
		callUD = e.ud
	}
	st.mu.Unlock()
	return
}

// handleCounts reports the live handles of every kind, for the tests that
// check the tables are empty after the C test drivers ran.
func handleCounts() (stacks, accounts, calls, txns, objs int) {
	registry.Lock()
	all := make([]*cstack, 0, len(registry.stacks))
	for _, st := range registry.stacks {
		all = append(all, st)
	}
	registry.Unlock()
	stacks = len(all)
	for _, st := range all {
		st.mu.Lock()
		accounts += len(st.accounts)
		calls += len(st.calls)
		txns += len(st.txns)
		objs += len(st.objs)
		st.mu.Unlock()
	}
	return
}
