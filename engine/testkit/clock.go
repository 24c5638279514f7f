package testkit

import (
	"container/heap"
	"sync"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
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
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64 // arming order, to run equal deadlines first in, first out
	timers timerHeap
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a Clock reading start, with nothing armed.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the virtual time. Inside a callback it is the callback's
// deadline.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
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
	t := &timer{c: c, when: c.now.Add(max(d, 0)), seq: c.seq, f: f}
	c.seq++
	heap.Push(&c.timers, t)
	return t
}

// Advance moves the clock forward by d, running every callback that falls
// due on the way, in deadline order, including those armed by callbacks
// when their deadlines fall within the window. Afterwards Now is exactly d
// later than before. A d of zero runs what is due now; a negative d is
// treated as zero.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(max(d, 0))
	c.mu.Unlock()
	c.runUntil(target)
}

// Step moves the clock to the earliest armed deadline and runs everything
// due then, including callbacks armed there with a zero delay. It reports
// false, without moving the clock, if nothing is armed.
func (c *Clock) Step() bool {
	c.mu.Lock()
	if len(c.timers) == 0 {
		c.mu.Unlock()
		return false
	}
	target := c.timers[0].when
	c.mu.Unlock()
	c.runUntil(target)
	return true
}

// Pending returns how many timers are armed: neither run nor stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// NextDeadline returns the earliest armed deadline, or false if nothing is
// armed.
func (c *Clock) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].when, true
}

// runUntil runs every timer due at or before target, one at a time and
// without the lock, then leaves the clock at target.
func (c *Clock) runUntil(target time.Time) {
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].when.After(target) {
			if c.now.Before(target) {
				c.now = target
			}
			c.mu.Unlock()
			return
		}
		t := heap.Pop(&c.timers).(*timer)
		if t.when.After(c.now) {
			c.now = t.when
		}
		f := t.f
		t.f = nil
		c.mu.Unlock()
		f()
	}
}

// timer is one armed callback; index is its place in the heap, or -1 once
// it has run or been stopped.
type timer struct {
	c     *Clock
	when  time.Time
	seq   uint64
	f     func()
	index int
}

// Stop disarms the timer; it reports false if the callback has already run
// (or is running) or the timer was already stopped.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.c.timers, t.index)
	t.f = nil
	return true
}

// timerHeap orders timers by deadline, then by arming order.
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
