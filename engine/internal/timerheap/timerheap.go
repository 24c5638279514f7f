// Package timerheap is the timer queue shared by the event loop and the
// virtual test clock: a min-heap ordered by deadline, then by arming order,
// with O(log n) removal.
package timerheap

// Entry is embedded in a timer; the heap keeps the timer's position in it.
// The zero Entry is in no heap.
type Entry struct {
	// Seq is the arming order, set by the owner before Push; it breaks ties
	// between equal deadlines, lowest first.
	Seq uint64
	pos int // 1 + index in the heap; 0 when not in it
}

// HeapEntry returns e. Promoted through embedding, it gives the heap a
// timer's Entry.
func (e *Entry) HeapEntry() *Entry { return e }

// InHeap reports whether the timer is queued in a heap.
func (e *Entry) InHeap() bool { return e.pos > 0 }

// Elem is a queueable timer: a pointer to a struct that embeds Entry and
// has a deadline.
type Elem interface {
	HeapEntry() *Entry
	// Deadline returns the timer's deadline, in the owner's units
	// (nanoseconds for both users). While the timer is queued it may change
	// only in ways that keep the heap's order.
	Deadline() int64
}

// Heap is a min-heap of timers by (Deadline, Seq). The zero Heap is empty
// and ready; make(Heap[T], 0, n) gives one with room for n timers.
//
// It is a slice so that its owner may range over the queued timers (in no
// particular order) and see its capacity; only its methods may modify it.
// A timer may be in one heap at a time.
type Heap[T Elem] []T

// shrinkAbove is the capacity below which the heap never gives memory back.
const shrinkAbove = 256

// Len returns the number of queued timers.
func (h Heap[T]) Len() int { return len(h) }

// Push queues t, which must not be in a heap already.
func (h *Heap[T]) Push(t T) {
	if t.HeapEntry().pos != 0 {
		panic("timerheap: Push of a timer that is already queued")
	}
	*h = append(*h, t)
	h.up(len(*h)-1, t)
}

// Peek returns the earliest timer without removing it, or false if the heap
// is empty.
func (h Heap[T]) Peek() (T, bool) {
	if len(h) == 0 {
		var zero T
		return zero, false
	}
	return h[0], true
}

// Pop removes and returns the earliest timer, or false if the heap is empty.
func (h *Heap[T]) Pop() (T, bool) {
	if len(*h) == 0 {
		var zero T
		return zero, false
	}
	t := (*h)[0]
	h.removeAt(0)
	return t, true
}

// Remove removes t in O(log n); it reports false if t is not in this heap.
func (h *Heap[T]) Remove(t T) bool {
	e := t.HeapEntry()
	i := e.pos - 1
	if i < 0 || i >= len(*h) || (*h)[i].HeapEntry() != e {
		return false
	}
	h.removeAt(i)
	return true
}

// Clear empties the heap, marking every timer as not queued, and lets go of
// its memory.
func (h *Heap[T]) Clear() {
	for _, t := range *h {
		t.HeapEntry().pos = 0
	}
	*h = nil
}

// removeAt removes the timer at index i, fills its slot with the last
// timer and restores the heap order.
func (h *Heap[T]) removeAt(i int) {
	s := *h
	n := len(s) - 1
	s[i].HeapEntry().pos = 0
	last := s[n]
	var zero T
	s[n] = zero // let go of it
	s = s[:n]
	*h = s
	if i < n {
		if i > 0 && before(last, s[(i-1)/2]) {
			s.up(i, last)
		} else {
			s.down(i, last)
		}
	}
	h.shrink()
}

// shrink gives back memory after many timers ran or were stopped: once
// fewer than a quarter of the slots are used, it halves the capacity.
func (h *Heap[T]) shrink() {
	if c := cap(*h); c > shrinkAbove && len(*h) < c/4 {
		s := make(Heap[T], len(*h), c/2)
		copy(s, *h)
		*h = s
	}
}

// up puts t at slot i, or above it while t comes before its parent.
func (h Heap[T]) up(i int, t T) {
	when, seq := t.Deadline(), t.HeapEntry().Seq
	for i > 0 {
		p := (i - 1) / 2
		q := h[p]
		if qw := q.Deadline(); when > qw || when == qw && seq >= q.HeapEntry().Seq {
			break
		}
		h.set(i, q)
		i = p
	}
	h.set(i, t)
}

// down puts t at slot i, or below it while a child comes before t.
func (h Heap[T]) down(i int, t T) {
	when, seq := t.Deadline(), t.HeapEntry().Seq
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		cw, cs := h[c].Deadline(), h[c].HeapEntry().Seq
		if r := c + 1; r < n {
			if rw, rs := h[r].Deadline(), h[r].HeapEntry().Seq; rw < cw || rw == cw && rs < cs {
				c, cw, cs = r, rw, rs
			}
		}
		if when < cw || when == cw && seq <= cs {
			break
		}
		h.set(i, h[c])
		i = c
	}
	h.set(i, t)
}

func (h Heap[T]) set(i int, t T) {
	h[i] = t
	t.HeapEntry().pos = i + 1
}

// before reports whether a comes before b.
func before[T Elem](a, b T) bool {
	aw, bw := a.Deadline(), b.Deadline()
	return aw < bw || aw == bw && a.HeapEntry().Seq < b.HeapEntry().Seq
}
