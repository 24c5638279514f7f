// Package loop is the event loop that drives one stack instance: a single
// goroutine runs posted functions and timer callbacks one at a time, so the
// protocol state machines it drives need no locks.
//
// There is no goroutine per transaction, dialog or call. Timers wait in
// lanes by duration, the lanes' first timers in a heap keyed by deadline,
// and the loop arms one runtime timer for the earliest of them, so an idle
// stack with thousands of armed timers costs memory only:
// the loop goroutine sleeps until the earliest deadline or until work is
// posted, and wakes once for each (Stop does not wake it: if the earliest
// timer is stopped, the loop wakes once at its old deadline and re-arms).
//
// Close and Do block until the loop has done something, so they must not be
// called from a callback; they detect that and panic rather than deadlock.
//
// Ordering: posted functions run in the order Post accepted them; timer
// callbacks run in deadline order, first armed first among equal deadlines.
// Between the two, work runs in the order it became due: a posted function
// is due when it is posted, a timer at its deadline, so AfterFunc(0, f)
// followed by Post(g) runs f then g, and a timer whose deadline passed
// before g was posted runs before g.
package loop

import (
	"math"
	"sync"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/internal/timerheap"
)

// Loop runs posted functions and timer callbacks one at a time on a single
// goroutine. It implements clock.Clock; every callback armed through it runs
// on the loop goroutine.
//
// The zero Loop is not usable; call New. Post, Do, AfterFunc, Now, Stats,
// Start, Close and Timer.Stop are safe for concurrent use; Do and Close must
// not be called from the loop goroutine (see their docs). A callback that
// calls runtime.Goexit (t.FailNow, say) ends the loop goroutine; the Loop
// then behaves as closed.
type Loop struct {
	// PanicHandler, if set before Start, receives the value of any panic in
	// a callback, on the loop goroutine, and the loop goes on with the next
	// callback. It must not call Close or Do (it runs on the loop); it may
	// Post and arm timers. If it panics itself, the process crashes.
	//
	// If nil (the default), a panic in a callback is not recovered: it
	// crashes the process with the callback's own stack trace, so bugs are
	// loud in tests. A stack that must survive its own bugs sets a handler
	// that logs them. Changes after Start are ignored.
	PanicHandler func(any)

	// BeforeWait, if set before Start, runs on the loop goroutine each
	// time the loop has run callbacks and finds nothing more due, before
	// it waits: the place to write out what those callbacks queued (the
	// transport's batched datagrams). It also runs once as the loop stops
	// if callbacks ran since it last did, before Close returns. It runs
	// under the panic policy of a callback; work it posts or arms is run
	// before the loop waits (and dropped once closed). Changes after Start
	// are ignored.
	BeforeWait func()

	base   time.Time     // origin of the monotonic deadlines below
	notify chan struct{} // 1-buffered; a token is sent only when sleeping
	done   chan struct{} // closed once the loop has finished for good

	loopID goroutineID // loop goroutine, for Close/Do misuse detection

	mu       sync.Mutex
	state    state
	sleeping bool // the loop goroutine is (about to be) blocked in select
	busy     bool // the loop goroutine is running a callback
	seq      uint64
	lastAt   int64 // due time of the newest post, to keep posts monotonic
	posts    queue
	timers   timerheap.Heap[*timer] // the first timer of each lane
	lanes    map[int64]*lane        // armed timers by duration, each lane in deadline order
	armedN   int                    // timers armed, in every lane
	onPanic  func(any)              // PanicHandler as of Start
	onWait   func()                 // BeforeWait as of Start
	posted   uint64
	wakeups  uint64
}

// Stats is a snapshot of a Loop's counters.
type Stats struct {
	// Wakeups counts the times the loop goroutine woke up from waiting for
	// work (a post, a due timer, or Close).
	Wakeups uint64
	// TimersArmed is the number of timers armed now, neither run, stopped
	// nor dropped by Close.
	TimersArmed int
	// Posted counts the functions accepted by Post and Do since New.
	Posted uint64
}

type state uint8

const (
	stateNew state = iota
	stateRunning
	stateClosed
)

var _ clock.Clock = (*Loop)(nil)

// New returns a Loop that accepts posts and timers but runs nothing until
// Start. It does not start a goroutine.
func New() *Loop {
	return &Loop{
		base:   time.Now(),
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
}

// Start starts the loop goroutine, which runs whatever was posted or armed
// before. It is idempotent, and does nothing after Close.
func (l *Loop) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != stateNew {
		return
	}
	l.state = stateRunning
	l.onPanic, l.onWait = l.PanicHandler, l.BeforeWait
	go l.run()
}

// Close stops the loop: it stops accepting work, lets the callback that is
// running (if any) finish, runs nothing more, drops whatever is still queued
// or armed, and waits for the loop goroutine to exit. Once Close returns no
// callback of this Loop is running or will ever run. Close is idempotent,
// and every call waits as the first does.
//
// Close may be called from any goroutine except the loop's own: a callback
// that called Close would wait for itself to finish. Close detects that case
// and panics with a message saying so (to shut down from a callback, call
// Close from another goroutine: go l.Close()).
func (l *Loop) Close() {
	if l.onLoop() {
		panic("loop: Close called from a callback on the loop goroutine; it would wait for itself forever (use go l.Close())")
	}
	l.mu.Lock()
	switch l.state {
	case stateNew:
		// No goroutine to stop: finish here.
		l.state = stateClosed
		l.dropLocked()
		l.mu.Unlock()
		close(l.done)
		return
	case stateRunning:
		l.state = stateClosed
		l.wakeLocked()
	}
	l.mu.Unlock()
	<-l.done
}

// Post queues f to run on the loop goroutine and reports whether it was
// accepted; it is false once Close has been called. Post never blocks (apart
// from a short lock) and may be called from any goroutine, including the
// loop's own. Functions posted before Start run after Start.
func (l *Loop) Post(f func()) bool {
	if f == nil {
		panic("loop: Post with a nil func")
	}
	at := l.mono()
	l.mu.Lock()
	if l.state == stateClosed {
		l.mu.Unlock()
		return false
	}
	if at < l.lastAt {
		at = l.lastAt
	}
	l.lastAt = at
	l.seq++
	l.posts.push(post{f: f, at: at, seq: l.seq})
	l.posted++
	l.wakeLocked()
	l.mu.Unlock()
	return true
}

// Do runs f on the loop goroutine and waits for it to finish. It reports
// false, without f having run, if the loop is closed before f could run.
// Before Start, Do waits for Start (or Close). If f panics and a
// PanicHandler is set, the handler gets the value and Do returns true.
//
// Do must not be called from the loop goroutine (it would wait for itself);
// it detects that case and panics with a message saying so. A callback that
// wants f to run simply calls it.
func (l *Loop) Do(f func()) bool {
	if f == nil {
		panic("loop: Do with a nil func")
	}
	if l.onLoop() {
		panic("loop: Do called from a callback on the loop goroutine; it would wait for itself forever (call f directly)")
	}
	ran := make(chan struct{})
	if !l.Post(func() {
		defer close(ran)
		f()
	}) {
		return false
	}
	select {
	case <-ran:
		return true
	case <-l.done:
		// The loop finished; f ran only if ran was closed before that.
		select {
		case <-ran:
			return true
		default:
			return false
		}
	}
}

// Now returns the current time, with its monotonic reading (time.Now).
func (l *Loop) Now() time.Time { return time.Now() }

// AfterFunc arms f to run on the loop goroutine once d has passed on the
// monotonic clock, and returns a Timer whose Stop cancels it. A d of zero or
// less makes f due now: it runs at the loop's next opportunity, after the
// work already due, never inside AfterFunc. AfterFunc may be called from any
// goroutine. After Close it arms nothing and returns a Timer whose Stop
// reports false.
func (l *Loop) AfterFunc(d time.Duration, f func()) clock.Timer {
	if f == nil {
		panic("loop: AfterFunc with a nil func")
	}
	if d < 0 {
		d = 0
	}
	t := &timer{l: l}
	l.mu.Lock()
	l.armLocked(t, d, f)
	l.mu.Unlock()
	return t
}

// Reset arms t again to run f once d has passed, dropping its deadline if
// it is still armed; it implements clock.Resetter. It may be called from
// any goroutine, and from t's own callback, which no longer holds t.
func (t *timer) Reset(d time.Duration, f func()) {
	if f == nil {
		panic("loop: Reset with a nil func")
	}
	l := t.l
	l.mu.Lock()
	if t.lane != nil {
		l.laneRemoveLocked(t)
	}
	l.armLocked(t, max(d, 0), f)
	l.mu.Unlock()
}

// armLocked puts t, due in d, in its lane and, if it heads it, the heap.
func (l *Loop) armLocked(t *timer, d time.Duration, f func()) {
	if l.state == stateClosed {
		return
	}
	// The clock is read under the lock, so that the deadlines of one lane
	// never decrease whichever goroutines arm its timers.
	now := l.mono()
	when := now + int64(d)
	if when < now {
		when = math.MaxInt64
	}
	t.when = when
	l.seq++
	t.Seq = l.seq
	t.f = f
	if l.laneAppendLocked(t, int64(d)) {
		l.timers.Push(t)
		if top, _ := l.timers.Peek(); top == t {
			// New earliest deadline: a sleeping loop must re-arm its wake-up.
			l.wakeLocked()
		}
	}
}

// A lane holds the armed timers of one duration in arming order, which is
// deadline order, as their deadlines are the clock read under the lock
// plus that duration: only its first timer needs to be in the heap. A
// stack arms most of its timers with a few fixed durations (T1 and its
// multiples, 64*T1 for Timers B, F, H, J, L, M and the calls kept after
// their end, T4), tens of thousands at a time under load, so the heap
// holds a few dozen entries instead of every timer, and arming, stopping
// and firing a timer cost O(1) list work plus, for a lane's first timer
// only, a heap operation on that small heap.
type lane struct {
	d           int64
	first, last *timer
}

// laneAppendLocked appends t, armed for duration d, to its lane and
// reports whether it is the lane's first timer, to be pushed on the heap.
func (l *Loop) laneAppendLocked(t *timer, d int64) bool {
	ln := l.lanes[d]
	if ln == nil {
		if l.lanes == nil {
			l.lanes = make(map[int64]*lane)
		}
		ln = &lane{d: d}
		l.lanes[d] = ln
	}
	t.lane = ln
	l.armedN++
	if ln.last == nil {
		ln.first, ln.last = t, t
		return true
	}
	t.prev = ln.last
	ln.last.next = t
	ln.last = t
	return false
}

// laneRemoveLocked takes t out of its lane, and out of the heap if it was
// the lane's first timer, whose successor then takes its place there.
func (l *Loop) laneRemoveLocked(t *timer) {
	ln := t.lane
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		ln.first = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		ln.last = t.prev
	}
	head := t.InHeap()
	if head {
		l.timers.Remove(t)
	}
	next := t.next
	t.lane, t.prev, t.next = nil, nil, nil
	l.armedN--
	switch {
	case ln.first == nil:
		delete(l.lanes, ln.d)
	case head:
		l.timers.Push(next)
	}
}

// Stats returns a snapshot of the loop's counters.
func (l *Loop) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Wakeups: l.wakeups, TimersArmed: l.armedN, Posted: l.posted}
}

// mono returns monotonic nanoseconds since New.
func (l *Loop) mono() int64 { return int64(time.Since(l.base)) }

// wakeLocked wakes the loop goroutine if it is asleep. At most one token is
// ever in notify: only a sender that finds sleeping set sends, and it clears
// sleeping under the same lock.
func (l *Loop) wakeLocked() {
	if l.sleeping {
		l.sleeping = false
		select {
		case l.notify <- struct{}{}:
		default:
		}
	}
}

// run is the loop goroutine.
func (l *Loop) run() {
	l.loopID.set()
	// finish runs however the goroutine ends, even by runtime.Goexit in a
	// callback, so Close and Do never wait forever.
	defer l.finish()

	wake := time.NewTimer(time.Hour)
	wake.Stop()
	armed := false
	var armedWhen int64

	now := l.mono()
	ran := false // callbacks ran since BeforeWait last did
	l.mu.Lock()
	for l.state != stateClosed {
		f := l.nextLocked(&now)
		if f == nil && ran && l.onWait != nil {
			f, ran = l.onWait, false
		} else if f != nil {
			ran = true
		}
		if f != nil {
			l.busy = true
			l.mu.Unlock()
			l.call(f)
			l.mu.Lock()
			l.busy = false
			continue
		}
		// Nothing is due: wake at the earliest deadline, or on notify.
		if top, ok := l.timers.Peek(); ok {
			if when := top.when; !armed || armedWhen != when {
				wake.Reset(time.Duration(when - now))
				armed, armedWhen = true, when
			}
		} else if armed {
			wake.Stop()
			armed = false
		}
		l.sleeping = true
		l.mu.Unlock()
		fromTimer := false
		select {
		case <-l.notify:
		case <-wake.C:
			fromTimer = true
		}
		l.mu.Lock()
		l.wakeups++
		if fromTimer {
			armed = false
			if !l.sleeping {
				// A sender sent a token under the lock while the timer
				// fired: consume it so the next sleep is not cut short.
				<-l.notify
			}
		}
		l.sleeping = false
		now = l.mono()
	}
	if ran && l.onWait != nil {
		// Closed right after callbacks ran: what they queued for
		// BeforeWait still goes out, before Close returns.
		l.busy = true
		l.mu.Unlock()
		l.call(l.onWait)
		l.mu.Lock()
		l.busy = false
	}
	l.mu.Unlock()
	wake.Stop()
}

// nextLocked removes and returns the next callback that is due, or nil.
// *now is the loop's last clock reading; it is refreshed only when a timer
// might have become due and no post decides the question.
func (l *Loop) nextLocked(now *int64) func() {
	if t, ok := l.timers.Peek(); ok {
		if l.posts.n > 0 {
			p := l.posts.peek()
			// A timer whose deadline is not after the post's due time is
			// due (that time has passed), and became due first.
			if t.when < p.at || (t.when == p.at && t.Seq < p.seq) {
				return l.popTimerLocked()
			}
			return l.posts.pop().f
		}
		if t.when > *now {
			*now = l.mono()
		}
		if t.when <= *now {
			return l.popTimerLocked()
		}
		return nil
	}
	if l.posts.n > 0 {
		return l.posts.pop().f
	}
	return nil
}

func (l *Loop) popTimerLocked() func() {
	t, _ := l.timers.Peek()
	l.laneRemoveLocked(t)
	f := t.f
	t.f = nil
	return f
}

// call runs one callback under the loop's panic policy.
func (l *Loop) call(f func()) {
	if l.onPanic == nil {
		f()
		return
	}
	defer func() {
		if r := recover(); r != nil {
			l.onPanic(r)
		}
	}()
	f()
}

// finish marks the loop closed, drops pending work and releases waiters.
func (l *Loop) finish() {
	l.mu.Lock()
	l.state = stateClosed
	l.dropLocked()
	l.mu.Unlock()
	close(l.done)
}

func (l *Loop) dropLocked() {
	l.posts = queue{}
	for _, ln := range l.lanes {
		for t := ln.first; t != nil; {
			next := t.next
			t.f, t.lane, t.prev, t.next = nil, nil, nil, nil
			t = next
		}
	}
	l.lanes, l.armedN = nil, 0
	l.timers.Clear()
}

// onLoop reports whether the caller is the loop goroutine, for Close and
// Do, which would deadlock there. The caller can only be the loop goroutine
// while a callback runs, so the costly goroutine-id check (a runtime.Stack
// call, about 2µs) is skipped when the loop is idle or not started.
func (l *Loop) onLoop() bool {
	l.mu.Lock()
	busy := l.busy
	l.mu.Unlock()
	if !busy {
		return false
	}
	id := l.loopID.get()
	return id != 0 && id == currentGoroutineID()
}

// timer is an armed callback. It is in l.timers until it runs, is stopped
// or is dropped by Close; its Seq comes from the sequence it shares with
// posts.
type timer struct {
	timerheap.Entry
	l    *Loop
	f    func()
	when int64 // monotonic deadline, nanoseconds since l.base

	lane       *lane // nil once run, stopped or dropped
	prev, next *timer
}

// Deadline implements timerheap.Elem.
func (t *timer) Deadline() int64 { return t.when }

// Stop cancels the callback, removing it from the heap in O(log n). It
// reports false if the callback has already run (or is running), was
// stopped, or was dropped by Close. It may be called from any goroutine.
func (t *timer) Stop() bool {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.lane == nil {
		return false
	}
	l.laneRemoveLocked(t)
	t.f = nil
	// The loop's wake-up may still be armed for this deadline; it then
	// wakes once, finds nothing due and re-arms. Not waking it now means a
	// burst of Stops costs at most one wake-up, and none if the deadline
	// was far away and a later one replaces it first.
	return true
}

// post is a queued function and the time and order in which it became due.
type post struct {
	f   func()
	at  int64
	seq uint64
}

// maxIdleQueue is the most ring slots an empty queue keeps (32 bytes each).
const maxIdleQueue = 4096

// queue is a FIFO ring of posts whose size is a power of two.
type queue struct {
	buf  []post
	head int
	n    int
}

func (q *queue) push(p post) {
	if q.n == len(q.buf) {
		q.resize(max(16, 2*len(q.buf)))
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = p
	q.n++
}

func (q *queue) peek() *post { return &q.buf[q.head] }

func (q *queue) pop() post {
	p := q.buf[q.head]
	q.buf[q.head] = post{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	if q.n == 0 && len(q.buf) > maxIdleQueue {
		// A burst is over: give its memory back. Shrinking only when
		// empty avoids reallocating back and forth around a steady size.
		*q = queue{}
	}
	return p
}

func (q *queue) resize(size int) {
	buf := make([]post, size)
	k := copy(buf, q.buf[q.head:min(q.head+q.n, len(q.buf))])
	copy(buf[k:q.n], q.buf[:q.n-k])
	q.buf = buf
	q.head = 0
}
