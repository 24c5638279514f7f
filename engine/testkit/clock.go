package testkit

import (
	"math"
	"sync"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/internal/timerheap"
)

// Clock is a virtual clock implementing clock.Clock. Time stands still
// until Advance or Step moves it, and armed callbacks run only then, on the
// caller's goroutine, in deadline order (first armed first for equal
// deadlines), each with Now returning its own deadline.
//
// AfterFunc, Stop, Now, Pending and NextDeadline are safe for concurrent
// use; the Clock's lock is never held while a callback runs, so callbacks
// may arm and stop timers. Advance and Step are meant to be called from one
// goroutine at a time.
//
// Times are kept as nanoseconds since the start time, so the clock reaches
// at most about 292 years past it (math.MaxInt64 nanoseconds): later
// deadlines, and Advance beyond that, stop there.
type Clock struct {
	mu     sync.Mutex
	start  time.Time
	now    int64  // virtual time, nanoseconds since start
	seq    uint64 // arming order, to run equal deadlines first in, first out
	timers timerheap.Heap[*timer]
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a Clock reading start, with nothing armed.
func NewClock(start time.Time) *Clock {
	return &Clock{start: start}
}

// Now returns the virtual time. Inside a callback it is the callback's
// deadline.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.time(c.now)
}

// AfterFunc arms f to run once d has passed on the virtual clock. A d of
// zero or less makes f due now: it runs at the next Advance or Step (within
// the current one if called from a callback), never inside AfterFunc.
func (c *Clock) AfterFunc(d time.Duration, f func()) clock.Timer {
	if f == nil {
		panic("testkit: AfterFunc with a nil func")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{c: c, when: later(c.now, d), f: f}
	t.Seq = c.seq
	c.seq++
	c.timers.Push(t)
	return t
}

// Advance moves the clock forward by d, running every callback that falls
// due on the way, in deadline order, including those armed by callbacks
// when their deadlines fall within the window. Afterwards Now is exactly d
// later than before. A d of zero runs what is due now; a negative d is
// treated as zero.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := later(c.now, d)
	c.mu.Unlock()
	c.runUntil(target)
}

// Step moves the clock to the earliest armed deadline and runs everything
// due then, including callbacks armed there with a zero delay. It reports
// false, without moving the clock, if nothing is armed.
func (c *Clock) Step() bool {
	c.mu.Lock()
	t, ok := c.timers.Peek()
	if !ok {
		c.mu.Unlock()
		return false
	}
	target := t.when
	c.mu.Unlock()
	c.runUntil(target)
	return true
}

// Pending returns how many timers are armed: neither run nor stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timers.Len()
}

// NextDeadline returns the earliest armed deadline, or false if nothing is
// armed.
func (c *Clock) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.timers.Peek()
	if !ok {
		return time.Time{}, false
	}
	return c.time(t.when), true
}

// runUntil runs every timer due at or before target, one at a time and
// without the lock, then leaves the clock at target.
func (c *Clock) runUntil(target int64) {
	for {
		c.mu.Lock()
		if t, ok := c.timers.Peek(); !ok || t.when > target {
			c.now = max(c.now, target)
			c.mu.Unlock()
			return
		}
		t, _ := c.timers.Pop()
		c.now = max(c.now, t.when)
		f := t.f
		t.f = nil
		c.mu.Unlock()
		f()
	}
}

// time returns the wall time of ns nanoseconds since start.
func (c *Clock) time(ns int64) time.Time { return c.start.Add(time.Duration(ns)) }

// later returns now+d, with d below zero taken as zero, and stopping at
// math.MaxInt64 rather than overflowing.
func later(now int64, d time.Duration) int64 {
	if d <= 0 {
		return now
	}
	if now > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return now + int64(d)
}

// timer is one armed callback. It is in c.timers until it runs or is
// stopped.
type timer struct {
	timerheap.Entry
	c    *Clock
	when int64 // deadline, nanoseconds since the clock's start
	f    func()
}

// Deadline implements timerheap.Elem.
func (t *timer) Deadline() int64 { return t.when }

// Reset arms the timer again to run f once d has passed, dropping its
// deadline if it is still armed; it implements clock.Resetter.
func (t *timer) Reset(d time.Duration, f func()) {
	if f == nil {
		panic("testkit: Reset with a nil func")
	}
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers.Remove(t)
	t.when, t.f = later(c.now, d), f
	t.Seq = c.seq
	c.seq++
	c.timers.Push(t)
}

// Stop disarms the timer; it reports false if the callback has already run
// (or is running) or the timer was already stopped.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if !t.c.timers.Remove(t) {
		return false
	}
	t.f = nil
	return true
}
