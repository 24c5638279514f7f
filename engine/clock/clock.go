// Package clock is the seam through which the protocol core reads time and
// arms timers. The stack's event loop implements it for real; the test kit
// implements it with a virtual clock that tests advance by hand, so every
// RFC timer is testable without sleeping.
package clock

import "time"

// Clock tells the time and runs functions later. Implementations run every
// callback on the one goroutine that drives the protocol core, never
// concurrently with it, so state machines need no locks.
type Clock interface {
	Now() time.Time
	// AfterFunc arranges for f to run once d has passed. A d of zero or
	// less runs f at the next opportunity, not inside AfterFunc.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is an armed callback.
type Timer interface {
	// Stop cancels the callback; it reports false if the callback has
	// already run or been stopped.
	Stop() bool
}

// Resetter is a Timer that can be armed again, so that a callback due
// every few milliseconds (an RTP packet time) costs no new Timer each
// time. Both the loop's and the test kit's timers implement it.
type Resetter interface {
	// Reset arms the timer to run f once d has passed, whether it has
	// run, was stopped or is still armed (its old deadline is dropped).
	Reset(d time.Duration, f func())
}
