package main

import (
	"sync"
	"syscall"
	"time"
)

// queue is the one ordered event stream of a stack: the loop pushes, the
// dispatcher takes everything at once. In poll mode a pipe mirrors it: the
// read end is readable exactly while events are pending, because both the
// first push and the emptying take happen under mu.
type queue struct {
	mu     sync.Mutex
	items  []event
	spare  []event
	closed bool
	wake   chan struct{} // cap 1: something was pushed
	done   chan struct{} // closed by close
	pipeR  int           // -1 unless poll mode
	pipeW  int
}

func (q *queue) init() {
	q.wake = make(chan struct{}, 1)
	q.done = make(chan struct{})
	q.pipeR, q.pipeW = -1, -1
}

// openPipe creates the pollable fd of poll mode.
func (q *queue) openPipe() error {
	var p [2]int
	syscall.ForkLock.RLock()
	err := syscall.Pipe(p[:])
	if err == nil {
		syscall.CloseOnExec(p[0])
		syscall.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return err
	}
	for _, fd := range p {
		if err := syscall.SetNonblock(fd, true); err != nil {
			syscall.Close(p[0])
			syscall.Close(p[1])
			return err
		}
	}
	q.pipeR, q.pipeW = p[0], p[1]
	return nil
}

func (q *queue) closePipe() {
	if q.pipeR >= 0 {
		syscall.Close(q.pipeR)
		syscall.Close(q.pipeW)
		q.pipeR, q.pipeW = -1, -1
	}
}

// push appends e; it never blocks. It reports whether the queue was empty
// (the moment to notify a poll-mode app) and false after close.
func (q *queue) push(e event) (first, ok bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false, false
	}
	first = len(q.items) == 0
	q.items = append(q.items, e)
	if first && q.pipeW >= 0 {
		syscall.Write(q.pipeW, []byte{1})
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return first, true
}

// take returns every pending event, and whether the queue is closed.
func (q *queue) take() ([]event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.items
	if len(batch) > 0 {
		q.items, q.spare = q.spare[:0], nil
		if q.pipeR >= 0 {
			var b [64]byte
			for {
				n, err := syscall.Read(q.pipeR, b[:])
				if n <= 0 || err != nil {
					break
				}
			}
		}
	}
	return batch, q.closed
}

// recycle gives a delivered batch back for reuse.
func (q *queue) recycle(batch []event) {
	clear(batch)
	q.mu.Lock()
	if q.spare == nil && cap(batch) <= 1024 {
		q.spare = batch[:0]
	}
	q.mu.Unlock()
}

// close stops pushes; events already queued can still be taken.
func (q *queue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
	q.mu.Unlock()
}

// runThread is the dispatcher of thread mode, on one OS thread for its
// whole life (startDispatcher), so the app (and a JNI layer) sees one
// stable thread. It delivers until the queue is closed and drained, or the
// stack is dead (destroyed from a callback), then releases the stack.
func (st *cstack) runThread() {
	defer close(st.done)
	defer st.release()
	for !st.dead.Load() {
		batch, closed := st.q.take()
		if len(batch) == 0 {
			if closed {
				return
			}
			select {
			case <-st.q.wake:
			case <-st.q.done:
			}
			continue
		}
		st.deliverAll(batch)
	}
}

// deliverAll delivers a batch in order, stopping when the stack dies.
func (st *cstack) deliverAll(batch []event) int {
	n := 0
	for i := range batch {
		if st.dead.Load() {
			break
		}
		st.deliver(&batch[i])
		n++
	}
	st.q.recycle(batch)
	return n
}

// poll is sk400vop_poll: deliver what is pending on the caller's thread,
// waiting up to timeout for the first event (negative: without limit).
func (st *cstack) poll(timeout time.Duration) (int, error) {
	if !st.pollMode {
		return 0, errState
	}
	st.pollMu.Lock()
	defer st.pollMu.Unlock()
	defer func() {
		if st.dead.Load() {
			st.release()
		}
	}()
	if st.dead.Load() {
		return 0, errClosed
	}
	batch, closed := st.q.take()
	if len(batch) == 0 && !closed && timeout != 0 {
		var tc <-chan time.Time
		if timeout > 0 {
			t := time.NewTimer(timeout)
			defer t.Stop()
			tc = t.C
		}
		select {
		case <-st.q.wake:
		case <-st.q.done:
		case <-tc:
		}
		batch, closed = st.q.take()
	}
	n := st.deliverAll(batch)
	if st.dead.Load() || (closed && n == 0) {
		return n, errClosed
	}
	return n, nil
}
