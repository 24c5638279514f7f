package loop

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
)

// waitTimeout bounds every wait on the real clock; it is generous because
// it is only reached when something is broken.
const waitTimeout = 5 * time.Second

// startLoop starts a loop that the test's cleanup closes, then checks that
// the goroutine count is back to what it was before.
func startLoop(t testing.TB) *Loop {
	t.Helper()
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	t.Cleanup(func() {
		l.Close()
		checkGoroutines(t, before)
	})
	return l
}

// checkGoroutines fails t if more than want goroutines remain. A goroutine
// that has closed its done channel may still be unwinding, so it polls
// briefly.
func checkGoroutines(t testing.TB, want int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d goroutines, want %d\n%s", runtime.NumGoroutine(), want, buf)
			return
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

func wait(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestPostOrder(t *testing.T) {
	l := startLoop(t)
	var got []int // touched only on the loop goroutine until Do returns
	const n = 10000
	for i := range n {
		if !l.Post(func() { got = append(got, i) }) {
			t.Fatal("Post returned false on a running loop")
		}
	}
	l.Do(func() {})
	if len(got) != n {
		t.Fatalf("ran %d posts, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("post %d ran at position %d", v, i)
		}
	}
	if s := l.Stats(); s.Posted != n+1 {
		t.Errorf("Stats.Posted = %d, want %d", s.Posted, n+1)
	}
}

func TestPostBeforeStart(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	if n := runtime.NumGoroutine(); n != before {
		t.Fatalf("New started %d goroutines", n-before)
	}
	done := make(chan struct{})
	var got []int
	l.Post(func() { got = append(got, 1) })
	l.AfterFunc(0, func() { got = append(got, 2) })
	l.Post(func() { got = append(got, 3); close(done) })
	l.Start()
	l.Start() // idempotent: still one goroutine
	if n := runtime.NumGoroutine(); n != before+1 {
		t.Errorf("after two Starts: %d goroutines, want %d", n, before+1)
	}
	wait(t, done, "posts queued before Start")
	l.Close()
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("order = %v, want [1 2 3]", got)
	}
	checkGoroutines(t, before)
}

func TestPostsFromCallbacksAndTimersInterleave(t *testing.T) {
	l := startLoop(t)
	var got []string
	l.Do(func() {
		// Both kinds are due at once; they run in the order they became
		// due, not kind by kind.
		l.AfterFunc(0, func() { got = append(got, "t1") })
		l.Post(func() { got = append(got, "p1") })
		l.AfterFunc(-time.Second, func() { got = append(got, "t2") })
		l.Post(func() {
			got = append(got, "p2")
			l.Post(func() { got = append(got, "p3") })
		})
		l.AfterFunc(time.Hour, func() { got = append(got, "late") })
	})
	l.Do(func() {}) // runs after p2, which queues p3 behind it
	l.Do(func() {}) // so this one runs after p3
	want := []string{"t1", "p1", "t2", "p2", "p3"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestTimersFireInDeadlineOrder(t *testing.T) {
	l := startLoop(t)
	// Armed from one callback, so all are in the heap before any can
	// run; the order is then the heap's, whatever the scheduling.
	durations := []time.Duration{12, 3, 7, 3, 0, 15, 1, 7, 3, 10} // ms
	type fired struct {
		i    int
		when int64
	}
	var got []fired
	var whens []int64
	done := make(chan struct{})
	l.Do(func() {
		for i, d := range durations {
			tm := l.AfterFunc(d*time.Millisecond, func() {
				got = append(got, fired{i, l.mono()})
				if len(got) == len(durations) {
					close(done)
				}
			})
			whens = append(whens, tm.(*timer).when)
		}
	})
	wait(t, done, "timers")
	l.Do(func() {})
	// Expected: by deadline, first armed first among equal deadlines.
	want := make([]int, len(durations))
	for i := range want {
		want[i] = i
	}
	slices.SortStableFunc(want, func(a, b int) int {
		switch {
		case whens[a] < whens[b]:
			return -1
		case whens[a] > whens[b]:
			return 1
		}
		return 0
	})
	for k, f := range got {
		if f.i != want[k] {
			t.Fatalf("fired %v, want order %v", got, want)
		}
		if f.when < whens[f.i] {
			t.Errorf("timer %d fired %v early", f.i, time.Duration(whens[f.i]-f.when))
		}
	}
	// The intended order, given durations milliseconds apart.
	var ds []time.Duration
	for _, f := range got {
		ds = append(ds, durations[f.i])
	}
	if !slices.IsSorted(ds) {
		t.Errorf("fired with durations %v, want ascending", ds)
	}
}

func TestEqualDeadlinesFIFO(t *testing.T) {
	l := startLoop(t)
	var got []int
	done := make(chan struct{})
	l.Do(func() {
		for i := range 100 {
			// A later deadline for all but forced equal: arm far, then
			// rewrite when before anything can run (we are on the loop).
			l.AfterFunc(time.Hour, func() {
				got = append(got, i)
				if i == 99 {
					close(done)
				}
			})
		}
		l.mu.Lock()
		for _, ln := range l.lanes {
			for tm := ln.first; tm != nil; tm = tm.next {
				tm.when = 0
			}
		}
		l.mu.Unlock()
	})
	wait(t, done, "equal-deadline timers")
	for i, v := range got {
		if v != i {
			t.Fatalf("equal deadlines ran out of order: %v", got)
		}
	}
}

func TestStopPreventsFiring(t *testing.T) {
	l := startLoop(t)
	var stoppedRan atomic.Bool
	stopped := l.AfterFunc(time.Millisecond, func() { stoppedRan.Store(true) })
	fired := make(chan struct{})
	later := l.AfterFunc(5*time.Millisecond, func() { close(fired) })
	if !stopped.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	if stopped.Stop() {
		t.Error("second Stop returned true")
	}
	wait(t, fired, "the later timer")
	l.Do(func() {})
	if stoppedRan.Load() {
		t.Error("a stopped timer ran")
	}
	if later.Stop() {
		t.Error("Stop after firing returned true")
	}
	if n := l.Stats().TimersArmed; n != 0 {
		t.Errorf("TimersArmed = %d, want 0", n)
	}
}

func TestStopFromCallbackOfSameDeadline(t *testing.T) {
	l := startLoop(t)
	var got []string
	var b clock.Timer
	var stopResult bool
	l.Do(func() {
		l.AfterFunc(0, func() {
			got = append(got, "a")
			stopResult = b.Stop()
		})
		b = l.AfterFunc(0, func() { got = append(got, "b") })
		l.AfterFunc(0, func() { got = append(got, "c") })
	})
	l.Do(func() {})
	if !stopResult {
		t.Error("Stop of a due but not yet run timer returned false")
	}
	if !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("ran %v, want [a c]", got)
	}
}

func TestStopRacesFiring(t *testing.T) {
	l := startLoop(t)
	const n = 2000
	var ran atomic.Int64
	timers := make([]clock.Timer, n)
	for i := range timers {
		timers[i] = l.AfterFunc(time.Duration(i%3)*time.Millisecond/2, func() { ran.Add(1) })
	}
	var stopped atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < n; i += 4 {
				if timers[i].Stop() {
					stopped.Add(1)
				}
			}
		})
	}
	wg.Wait()
	// Drain whatever is still armed: everything is due within 1 ms.
	done := make(chan struct{})
	l.AfterFunc(2*time.Millisecond, func() { close(done) })
	wait(t, done, "drain timer")
	l.Do(func() {})
	if got := ran.Load() + stopped.Load(); got != n {
		t.Errorf("ran %d + stopped %d = %d, want exactly %d", ran.Load(), stopped.Load(), got, n)
	}
}

func TestManyTimersStoppedLeaveHeapEmpty(t *testing.T) {
	l := startLoop(t)
	const n = 10000
	timers := make([]clock.Timer, n)
	for i := range timers {
		timers[i] = l.AfterFunc(time.Hour+time.Duration(i%97)*time.Second, func() {
			t.Error("stopped timer ran")
		})
	}
	if got := l.Stats().TimersArmed; got != n {
		t.Fatalf("TimersArmed = %d, want %d", got, n)
	}
	// Stop in an order unrelated to the heap's.
	for i := range timers {
		j := (i * 7919) % n
		if !timers[j].Stop() {
			t.Fatalf("Stop of armed timer %d returned false", j)
		}
	}
	if got := l.Stats().TimersArmed; got != 0 {
		t.Errorf("TimersArmed = %d after stopping all, want 0", got)
	}
	l.mu.Lock()
	c, lanes := cap(l.timers), len(l.lanes)
	l.mu.Unlock()
	if c > 256 {
		t.Errorf("heap kept capacity %d after every timer stopped", c)
	}
	if lanes != 0 {
		t.Errorf("%d lanes kept after every timer stopped", lanes)
	}
	for _, tm := range timers {
		if tm.(*timer).f != nil {
			t.Fatal("a stopped timer still holds its callback")
		}
	}
}

// Timers of one duration share a lane: stopping its first, one in the
// middle and its last keeps the others in deadline order, and lanes of
// other durations interleave with it by deadline.
func TestLanes(t *testing.T) {
	l := startLoop(t)
	var got []string
	done := make(chan struct{})
	l.Do(func() {
		var ts []clock.Timer
		for i := range 6 {
			name := string(rune('a' + i))
			ts = append(ts, l.AfterFunc(30*time.Millisecond, func() { got = append(got, name) }))
		}
		l.AfterFunc(10*time.Millisecond, func() { got = append(got, "early") })
		l.AfterFunc(60*time.Millisecond, func() { got = append(got, "late"); close(done) })
		for _, i := range []int{0, 2, 5} {
			if !ts[i].Stop() || ts[i].Stop() {
				t.Errorf("Stop of timer %d", i)
			}
		}
		if n := l.Stats().TimersArmed; n != 5 {
			t.Errorf("TimersArmed = %d, want 5", n)
		}
	})
	wait(t, done, "lane timers")
	if want := []string{"early", "b", "d", "e", "late"}; !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
	l.mu.Lock()
	lanes, heap := len(l.lanes), l.timers.Len()
	l.mu.Unlock()
	if lanes != 0 || heap != 0 {
		t.Errorf("%d lanes and %d heap entries left", lanes, heap)
	}
}

func TestIdleLoopDoesNotWake(t *testing.T) {
	l := startLoop(t)
	goroutines := runtime.NumGoroutine()
	const n = 10000
	for range n {
		l.AfterFunc(time.Hour, func() { t.Error("far-future timer ran") })
	}
	l.Do(func() {}) // settle: the loop has seen every timer and sleeps
	if got := runtime.NumGoroutine(); got > goroutines {
		t.Errorf("%d timers added %d goroutines", n, got-goroutines)
	}
	before := l.Stats().Wakeups
	time.Sleep(50 * time.Millisecond) // the real clock is the subject here
	s := l.Stats()
	if d := s.Wakeups - before; d > 2 {
		t.Errorf("idle loop with %d far timers woke %d times in 50ms, want <= 2", n, d)
	}
	if s.TimersArmed != n {
		t.Errorf("TimersArmed = %d, want %d", s.TimersArmed, n)
	}
}

func TestWakesOncePerDeadline(t *testing.T) {
	l := startLoop(t)
	l.Do(func() {})
	before := l.Stats().Wakeups
	done := make(chan struct{})
	var count int
	for _, d := range []time.Duration{2, 4, 6} {
		l.AfterFunc(d*time.Millisecond, func() {
			if count++; count == 3 {
				close(done)
			}
		})
	}
	wait(t, done, "three timers")
	// One wake for the first AfterFunc (new earliest deadline, at most one
	// more if a later one raced it), then one per deadline, at most.
	if d := l.Stats().Wakeups - before; d > 5 {
		t.Errorf("3 timers woke the loop %d times, want <= 5", d)
	}
}

func TestTimerFiresOnLoop(t *testing.T) {
	l := startLoop(t)
	loopID := make(chan uint64, 1)
	l.Post(func() { loopID <- currentGoroutineID() })
	timerID := make(chan uint64, 1)
	l.AfterFunc(time.Millisecond, func() { timerID <- currentGoroutineID() })
	var a, b uint64
	select {
	case a = <-loopID:
	case <-time.After(waitTimeout):
		t.Fatal("post did not run")
	}
	select {
	case b = <-timerID:
	case <-time.After(waitTimeout):
		t.Fatal("timer did not run")
	}
	if a == 0 || a != b || a == currentGoroutineID() {
		t.Errorf("post ran on goroutine %d, timer on %d, test on %d", a, b, currentGoroutineID())
	}
}

func TestCloseIsPromptAndIdempotent(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	for range 1000 {
		l.AfterFunc(time.Hour, func() { t.Error("timer ran after Close") })
	}
	start := time.Now()
	l.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close of an idle loop took %v", d)
	}
	l.Close()
	l.Start() // no-op after Close
	if l.Post(func() { t.Error("ran after Close") }) {
		t.Error("Post after Close returned true")
	}
	if l.Do(func() { t.Error("ran after Close") }) {
		t.Error("Do after Close returned true")
	}
	if l.AfterFunc(0, func() { t.Error("ran after Close") }).Stop() {
		t.Error("Stop of a timer armed after Close returned true")
	}
	if n := l.Stats().TimersArmed; n != 0 {
		t.Errorf("TimersArmed = %d after Close", n)
	}
	checkGoroutines(t, before)
}

func TestCloseBeforeStart(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Post(func() { t.Error("ran") })
	tm := l.AfterFunc(0, func() { t.Error("ran") })
	l.Close()
	l.Start()
	l.Close()
	if tm.Stop() {
		t.Error("Stop after Close returned true")
	}
	if l.Post(func() {}) {
		t.Error("Post after Close returned true")
	}
	checkGoroutines(t, before)
}

func TestCloseLetsRunningCallbackFinishAndRunsNothingMore(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	entered := make(chan struct{})
	release := make(chan struct{})
	var finished atomic.Bool
	l.Post(func() {
		close(entered)
		<-release
		finished.Store(true)
	})
	var queuedRan atomic.Bool
	l.Post(func() { queuedRan.Store(true) })
	l.AfterFunc(0, func() { queuedRan.Store(true) })
	wait(t, entered, "blocking callback")

	closed := make(chan struct{})
	go func() {
		l.Close()
		close(closed)
	}()
	// Close must not return while the callback runs; Post must fail as
	// soon as Close has begun.
	for l.Post(func() { queuedRan.Store(true) }) {
		runtime.Gosched()
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a callback was running")
	default:
	}
	close(release)
	wait(t, closed, "Close")
	if !finished.Load() {
		t.Error("Close returned before the running callback finished")
	}
	if queuedRan.Load() {
		t.Error("queued work ran after Close began")
	}
	checkGoroutines(t, before)
}

func TestNoCallbackAfterCloseReturns(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	var closeReturned atomic.Bool
	var late atomic.Int64
	check := func() {
		if closeReturned.Load() {
			late.Add(1)
		}
	}
	// Self-renewing posts and timers keep the loop busy across Close.
	var repost, rearm func()
	repost = func() { check(); l.Post(repost) }
	rearm = func() { check(); l.AfterFunc(0, rearm) }
	l.Post(repost)
	l.AfterFunc(0, rearm)
	for range 50 {
		l.AfterFunc(time.Millisecond, check)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for l.Post(check) {
				l.AfterFunc(0, check)
			}
		})
	}
	l.Do(func() {})
	l.Close()
	closeReturned.Store(true)
	wg.Wait()
	// Anything that could still run would be a 1 ms timer; give it time.
	<-time.After(20 * time.Millisecond)
	if n := late.Load(); n != 0 {
		t.Errorf("%d callbacks ran after Close returned", n)
	}
	checkGoroutines(t, before)
}

func TestConcurrentClose(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	entered := make(chan struct{})
	release := make(chan struct{})
	var finished atomic.Bool
	l.Post(func() {
		close(entered)
		<-release
		finished.Store(true)
	})
	wait(t, entered, "blocking callback")
	var returnedEarly atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			l.Close()
			if !finished.Load() {
				returnedEarly.Add(1)
			}
		})
	}
	close(release)
	wg.Wait()
	if n := returnedEarly.Load(); n != 0 {
		t.Errorf("%d of 8 concurrent Closes returned before the callback finished", n)
	}
	checkGoroutines(t, before)
}

func TestCloseFromCallbackPanics(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	panics := make(chan any, 2)
	l.PanicHandler = func(v any) { panics <- v }
	l.Start()
	l.Post(func() { l.Close() })
	l.Post(func() { l.Do(func() {}) })
	for _, want := range []string{"Close called from a callback", "Do called from a callback"} {
		select {
		case v := <-panics:
			if s, _ := v.(string); !strings.Contains(s, want) {
				t.Errorf("panic %v, want one containing %q", v, want)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("no panic for %q", want)
		}
	}
	// The loop survived the misuse.
	if !l.Do(func() {}) {
		t.Error("loop is closed after the misuse panics")
	}
	// Closing from a callback the supported way.
	l.Post(func() { go l.Close() })
	wait(t, l.done, "Close started from a callback")
	l.Close()
	checkGoroutines(t, before)
}

func TestDo(t *testing.T) {
	l := startLoop(t)
	x := 0
	for i := range 100 {
		if !l.Do(func() { x += i }) {
			t.Fatal("Do returned false on a running loop")
		}
	}
	if x != 4950 { // no race: Do orders the write before its return
		t.Errorf("x = %d, want 4950", x)
	}
}

func TestDoWaitsForStart(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	var ran atomic.Bool
	result := make(chan bool)
	go func() { result <- l.Do(func() { ran.Store(true) }) }()
	select {
	case <-result:
		t.Fatal("Do returned before Start")
	case <-time.After(5 * time.Millisecond):
	}
	l.Start()
	select {
	case ok := <-result:
		if !ok || !ran.Load() {
			t.Errorf("Do = %v, ran = %v; want true, true", ok, ran.Load())
		}
	case <-time.After(waitTimeout):
		t.Fatal("Do did not return after Start")
	}
	l.Close()
	checkGoroutines(t, before)
}

func TestDoReturnsFalseWhenClosedBeforeRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	entered := make(chan struct{})
	release := make(chan struct{})
	l.Post(func() { close(entered); <-release })
	wait(t, entered, "blocking callback")
	var ran atomic.Bool
	result := make(chan bool)
	go func() { result <- l.Do(func() { ran.Store(true) }) }()
	// Wait until Do's function is queued behind the blocked callback.
	for l.Stats().Posted < 2 {
		runtime.Gosched()
	}
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	for l.Post(func() {}) {
		runtime.Gosched()
	}
	close(release)
	select {
	case ok := <-result:
		if ok || ran.Load() {
			t.Errorf("Do = %v, ran = %v; want false, false", ok, ran.Load())
		}
	case <-time.After(waitTimeout):
		t.Fatal("Do hung on a closed loop")
	}
	wait(t, closed, "Close")
	checkGoroutines(t, before)
}

func TestPostConcurrent(t *testing.T) {
	l := startLoop(t)
	const goroutines, per = 16, 2000
	last := make([]int, goroutines) // loop-only
	for i := range last {
		last[i] = -1
	}
	var outOfOrder, total int // loop-only
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range per {
				if !l.Post(func() {
					if i != last[g]+1 {
						outOfOrder++
					}
					last[g] = i
					total++
				}) {
					t.Error("Post returned false")
					return
				}
			}
		})
	}
	wg.Wait()
	l.Do(func() {})
	if total != goroutines*per {
		t.Errorf("ran %d posts, want %d", total, goroutines*per)
	}
	if outOfOrder != 0 {
		t.Errorf("%d posts ran out of their poster's order", outOfOrder)
	}
}

func TestConcurrentAfterFuncAndStop(t *testing.T) {
	l := startLoop(t)
	var ran atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 500 {
				tm := l.AfterFunc(time.Duration(i%5)*100*time.Microsecond, func() { ran.Add(1) })
				if i%2 == 0 {
					tm.Stop()
				}
			}
		})
	}
	wg.Wait()
	done := make(chan struct{})
	l.AfterFunc(2*time.Millisecond, func() { close(done) })
	wait(t, done, "drain timer")
	if n := l.Stats().TimersArmed; n != 0 {
		t.Errorf("TimersArmed = %d after all timers are due", n)
	}
	if n := ran.Load(); n < 8*250 || n > 8*500 {
		t.Errorf("ran %d timers, want between %d and %d", n, 8*250, 8*500)
	}
}

func TestPanicHandler(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	var got []any // loop-only
	l.PanicHandler = func(v any) { got = append(got, v) }
	l.Start()
	l.Post(func() { panic("boom") })
	l.AfterFunc(0, func() { panic(fmt.Errorf("timer boom")) })
	l.Post(func() { panic(nil) })
	if !l.Do(func() { panic("in Do") }) {
		t.Error("Do of a panicking function returned false")
	}
	var after bool
	l.Do(func() { after = true })
	if !after {
		t.Fatal("loop stopped after a panic")
	}
	l.Close()
	if len(got) != 4 {
		t.Fatalf("handler got %v, want 4 panics", got)
	}
	if got[0] != "boom" || fmt.Sprint(got[1]) != "timer boom" || got[3] != "in Do" {
		t.Errorf("handler got %v", got)
	}
	if _, ok := got[2].(*runtime.PanicNilError); !ok {
		t.Errorf("panic(nil) reached the handler as %T", got[2])
	}
	checkGoroutines(t, before)
}

// TestDefaultPanicCrashes checks the default policy in a child process: a
// panic in a callback with no PanicHandler crashes with its message.
func TestDefaultPanicCrashes(t *testing.T) {
	if os.Getenv("LOOP_TEST_CRASH_CHILD") == "1" {
		l := New()
		l.Start()
		l.Post(func() { panic("loop-test-crash-marker") })
		time.Sleep(waitTimeout)
		os.Exit(0) // not reached if the panic crashed the process
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDefaultPanicCrashes$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOOP_TEST_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child exited cleanly; output:\n%s", out)
	}
	if !strings.Contains(string(out), "loop-test-crash-marker") {
		t.Errorf("child output lacks the panic message:\n%s", out)
	}
}

func TestGoexitInCallbackClosesLoop(t *testing.T) {
	before := runtime.NumGoroutine()
	l := New()
	l.Start()
	l.Post(runtime.Goexit)
	wait(t, l.done, "loop to finish after Goexit")
	if l.Post(func() {}) {
		t.Error("Post accepted after the loop goroutine exited")
	}
	l.Close() // must not hang
	checkGoroutines(t, before)
}

func TestLongDeadlineDoesNotOverflow(t *testing.T) {
	l := startLoop(t)
	tm := l.AfterFunc(time.Duration(1<<63-1), func() { t.Error("ran") })
	l.Do(func() {})
	if tm.(*timer).when <= 0 {
		t.Errorf("deadline overflowed to %d", tm.(*timer).when)
	}
	if !tm.Stop() {
		t.Error("Stop returned false")
	}
}

func TestQueueRingWrapsAndShrinks(t *testing.T) {
	var q queue
	next, want := 0, 0
	for round := range 50 {
		for range 1 + round*37%200 {
			q.push(post{seq: uint64(next)})
			next++
		}
		for range q.n / 2 {
			if p := q.pop(); p.seq != uint64(want) {
				t.Fatalf("popped %d, want %d", p.seq, want)
			}
			want++
		}
	}
	for q.n > 0 {
		if p := q.pop(); p.seq != uint64(want) {
			t.Fatalf("popped %d, want %d", p.seq, want)
		}
		want++
	}
	if want != next {
		t.Fatalf("popped %d, pushed %d", want, next)
	}
	if len(q.buf) > maxIdleQueue {
		t.Errorf("empty queue kept %d slots", len(q.buf))
	}
}

func TestCurrentGoroutineID(t *testing.T) {
	a := currentGoroutineID()
	if a == 0 {
		t.Fatal("goroutine id not parsed")
	}
	if b := currentGoroutineID(); b != a {
		t.Errorf("id changed: %d then %d", a, b)
	}
	ch := make(chan uint64)
	go func() { ch <- currentGoroutineID() }()
	if b := <-ch; b == a || b == 0 {
		t.Errorf("other goroutine id %d, this %d", b, a)
	}
}

func BenchmarkPost(b *testing.B) {
	l := startLoop(b)
	f := func() {}
	b.ReportAllocs()
	for b.Loop() {
		l.Post(f)
	}
	l.Do(f)
}

func BenchmarkPostParallel(b *testing.B) {
	l := startLoop(b)
	f := func() {}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Post(f)
		}
	})
	l.Do(f)
}

func BenchmarkAfterFuncStop(b *testing.B) {
	l := startLoop(b)
	f := func() {}
	// A realistic population of armed timers underneath.
	for i := range 10000 {
		l.AfterFunc(time.Hour+time.Duration(i)*time.Millisecond, f)
	}
	b.ReportAllocs()
	for b.Loop() {
		l.AfterFunc(time.Minute, f).Stop()
	}
}

func BenchmarkDo(b *testing.B) {
	l := startLoop(b)
	f := func() {}
	b.ReportAllocs()
	for b.Loop() {
		l.Do(f)
	}
}

func BenchmarkCurrentGoroutineID(b *testing.B) {
	for b.Loop() {
		currentGoroutineID()
	}
}

func TestNowIsMonotonicWallClock(t *testing.T) {
	l := New()
	a := time.Now()
	n := l.Now()
	b := time.Now()
	if n.Before(a) || n.After(b) {
		t.Errorf("Now = %v, outside [%v, %v]", n, a, b)
	}
	if n.Round(0) == n {
		t.Error("Now lacks a monotonic reading")
	}
}

// Reset re-arms a timer from its own callback (a periodic tick), moves an
// armed one to a new deadline, and revives a stopped one; the loop keeps
// one timer armed throughout.
func TestTimerReset(t *testing.T) {
	l := startLoop(t)
	ticks := make(chan int, 8)
	var tm clock.Timer
	n := 0
	var tick func()
	tick = func() {
		n++
		ticks <- n
		if n < 3 {
			tm.(clock.Resetter).Reset(time.Millisecond, tick)
		}
	}
	l.Do(func() { tm = l.AfterFunc(time.Millisecond, tick) })
	for want := 1; want <= 3; want++ {
		select {
		case got := <-ticks:
			if got != want {
				t.Fatalf("tick %d, want %d", got, want)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("no tick %d", want)
		}
	}

	// An armed timer reset far away is still one armed timer; stopped and
	// reset near, it runs (TestClockReset in testkit checks it runs once,
	// at the last deadline, on the virtual clock).
	fired := make(chan struct{}, 2)
	f := func() { fired <- struct{}{} }
	tm2 := l.AfterFunc(time.Millisecond, f)
	tm2.(clock.Resetter).Reset(time.Hour, f)
	if !tm2.Stop() {
		t.Fatal("a reset timer is not armed")
	}
	if st := l.Stats(); st.TimersArmed != 0 {
		t.Fatalf("%d timers armed after Stop", st.TimersArmed)
	}
	tm2.(clock.Resetter).Reset(time.Millisecond, f)
	select {
	case <-fired:
	case <-time.After(waitTimeout):
		t.Fatal("a stopped timer reset did not fire")
	}
}

// BeforeWait runs once after each burst of work, after everything that
// burst made due (posts from callbacks, timers due now), and never while
// the loop is idle.
func TestBeforeWait(t *testing.T) {
	l := New()
	var mu sync.Mutex
	var got []string
	add := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
	waited := make(chan struct{}, 8)
	l.BeforeWait = func() { add("wait"); waited <- struct{}{} }
	l.Post(func() { add("a") })
	l.Post(func() {
		add("b")
		l.Post(func() { add("c") })
		l.AfterFunc(0, func() { add("d") })
	})
	l.Start()
	defer l.Close()
	wait := func() {
		t.Helper()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			t.Fatal("BeforeWait did not run")
		}
	}
	wait()
	l.Post(func() { add("e") })
	wait()
	l.Do(func() {}) // a burst of its own, so BeforeWait has run for e and only once
	wait()
	select {
	case <-waited:
		t.Fatal("BeforeWait ran while the loop was idle")
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "a b c d wait e wait wait"; strings.Join(got, " ") != want {
		t.Fatalf("ran %q, want %q", strings.Join(got, " "), want)
	}
}

// A loop closed right after a callback still runs BeforeWait for it, before
// Close returns: what the callback queued is not lost.
func TestBeforeWaitRunsAsTheLoopCloses(t *testing.T) {
	l := New()
	var waited atomic.Int32
	l.BeforeWait = func() { waited.Add(1) }
	l.Start()
	closed := make(chan struct{})
	l.Do(func() {
		// Close from elsewhere while this callback runs, and make sure it
		// has marked the loop closed before the callback returns.
		go func() { l.Close(); close(closed) }()
		for {
			l.mu.Lock()
			st := l.state
			l.mu.Unlock()
			if st == stateClosed {
				return
			}
			runtime.Gosched()
		}
	})
	<-closed
	if n := waited.Load(); n != 1 {
		t.Fatalf("BeforeWait ran %d times for the last callback, want 1", n)
	}
}
