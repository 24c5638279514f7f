package timerheap

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// tm is a test timer.
type tm struct {
	Entry
	when int64
	id   int
}

func (t *tm) Deadline() int64 { return t.when }

func compare(a, b *tm) int {
	return cmp.Or(cmp.Compare(a.when, b.when), cmp.Compare(a.Seq, b.Seq))
}

// check fails unless h is a valid heap whose timers know their places.
func check(t *testing.T, h Heap[*tm]) {
	t.Helper()
	for i, x := range h {
		if x.pos != i+1 {
			t.Fatalf("timer %d at index %d records pos %d", x.id, i, x.pos)
		}
		if i > 0 && compare(h[(i-1)/2], x) > 0 {
			t.Fatalf("timer %d at index %d comes before its parent", x.id, i)
		}
	}
}

func TestTable(t *testing.T) {
	const maxW = math.MaxInt64
	tests := []struct {
		name   string
		whens  []int64 // armed in this order, Seq = index, id = index
		remove []int   // ids removed after arming
		want   []int   // ids in pop order
	}{
		{name: "empty"},
		{name: "one", whens: []int64{5}, want: []int{0}},
		{name: "ascending", whens: []int64{1, 2, 3, 4}, want: []int{0, 1, 2, 3}},
		{name: "descending", whens: []int64{4, 3, 2, 1}, want: []int{3, 2, 1, 0}},
		{name: "equal deadlines FIFO", whens: []int64{7, 7, 7, 7, 7}, want: []int{0, 1, 2, 3, 4}},
		{name: "mixed ties", whens: []int64{3, 1, 3, 1, 2, 1}, want: []int{1, 3, 5, 4, 0, 2}},
		{name: "extremes", whens: []int64{maxW, math.MinInt64, 0, maxW, -1}, want: []int{1, 4, 2, 0, 3}},
		{name: "remove root", whens: []int64{1, 2, 3}, remove: []int{0}, want: []int{1, 2}},
		{name: "remove last", whens: []int64{1, 2, 3}, remove: []int{2}, want: []int{0, 1}},
		{name: "remove all", whens: []int64{3, 1, 2}, remove: []int{1, 0, 2}},
		{name: "remove middle sifts up", whens: []int64{1, 10, 2, 11, 12, 3, 4}, remove: []int{3}, want: []int{0, 2, 5, 6, 1, 4}},
		{name: "remove middle sifts down", whens: []int64{1, 2, 10, 3, 4, 11, 12}, remove: []int{1}, want: []int{0, 3, 4, 2, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Heap[*tm]
			timers := make([]*tm, len(tt.whens))
			for i, w := range tt.whens {
				timers[i] = &tm{Entry: Entry{Seq: uint64(i)}, when: w, id: i}
				h.Push(timers[i])
				check(t, h)
			}
			for _, id := range tt.remove {
				if !h.Remove(timers[id]) {
					t.Fatalf("Remove(%d) = false", id)
				}
				if timers[id].InHeap() {
					t.Fatalf("timer %d InHeap after Remove", id)
				}
				if h.Remove(timers[id]) {
					t.Fatalf("second Remove(%d) = true", id)
				}
				check(t, h)
			}
			var got []int
			for h.Len() > 0 {
				top, ok := h.Peek()
				x, ok2 := h.Pop()
				if !ok || !ok2 || top != x {
					t.Fatalf("Peek = %v, %v; Pop = %v, %v", top, ok, x, ok2)
				}
				if x.InHeap() {
					t.Fatalf("timer %d InHeap after Pop", x.id)
				}
				got = append(got, x.id)
				check(t, h)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("popped %v, want %v", got, tt.want)
			}
			if x, ok := h.Pop(); ok || x != nil {
				t.Fatalf("Pop on empty heap = %v, %v", x, ok)
			}
			if x, ok := h.Peek(); ok || x != nil {
				t.Fatalf("Peek on empty heap = %v, %v", x, ok)
			}
		})
	}
}

func TestZeroAndForeign(t *testing.T) {
	var a, b Heap[*tm]
	x := &tm{}
	if x.InHeap() {
		t.Fatal("zero Entry InHeap")
	}
	if a.Remove(x) {
		t.Fatal("Remove of a timer never pushed = true")
	}
	y := &tm{Entry: Entry{Seq: 1}}
	a.Push(x)
	b.Push(y)
	// Both sit at index 0 of their heaps: neither heap may remove the other's.
	if a.Remove(y) || b.Remove(x) {
		t.Fatal("Remove of another heap's timer = true")
	}
	if !x.InHeap() || !y.InHeap() || a.Len() != 1 || b.Len() != 1 {
		t.Fatal("foreign Remove changed a heap")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("second Push of a queued timer did not panic")
			}
		}()
		b.Push(x)
	}()
	a.Clear()
	if x.InHeap() || a.Len() != 0 || a != nil {
		t.Fatal("Clear left a timer queued")
	}
	a.Push(x) // reusable after Clear
	if !a.Remove(x) {
		t.Fatal("Remove after re-Push = false")
	}
}

// TestRandom drives a heap and a sorted-slice model with the same seeded
// mix of pushes, pops, removes and peeks.
func TestRandom(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 0x7415))
		var h Heap[*tm]
		var model []*tm // sorted by (when, Seq)
		var gone []*tm  // popped or removed
		var seq uint64
		ops := 2000 + r.IntN(2000)
		spread := int64(1 + r.IntN(50)) // small spreads make many ties
		for op := range ops {
			switch k := r.IntN(10); {
			case k < 5: // push, sometimes re-arming a timer that is gone
				var x *tm
				if len(gone) > 0 && r.IntN(4) == 0 {
					j := r.IntN(len(gone))
					x = gone[j]
					gone = slices.Delete(gone, j, j+1)
				} else {
					x = &tm{id: int(seq)}
				}
				seq++
				x.Seq, x.when = seq, r.Int64N(spread)
				h.Push(x)
				i, _ := slices.BinarySearchFunc(model, x, compare)
				model = slices.Insert(model, i, x)
			case k < 7: // pop
				x, ok := h.Pop()
				if ok != (len(model) > 0) {
					t.Fatalf("seed %d op %d: Pop ok = %v with %d queued", seed, op, ok, len(model))
				}
				if ok {
					if x != model[0] {
						t.Fatalf("seed %d op %d: popped (%d, %d), want (%d, %d)", seed, op, x.when, x.Seq, model[0].when, model[0].Seq)
					}
					model = model[1:]
					gone = append(gone, x)
				}
			case k < 9: // remove a queued timer
				if len(model) == 0 {
					continue
				}
				j := r.IntN(len(model))
				x := model[j]
				if !h.Remove(x) || x.InHeap() {
					t.Fatalf("seed %d op %d: Remove of a queued timer failed", seed, op)
				}
				model = slices.Delete(model, j, j+1)
				gone = append(gone, x)
			default: // remove a gone timer, and peek
				if len(gone) > 0 && h.Remove(gone[r.IntN(len(gone))]) {
					t.Fatalf("seed %d op %d: Remove of a gone timer = true", seed, op)
				}
				x, ok := h.Peek()
				if ok != (len(model) > 0) || ok && x != model[0] {
					t.Fatalf("seed %d op %d: Peek disagrees with the model", seed, op)
				}
			}
			if h.Len() != len(model) {
				t.Fatalf("seed %d op %d: Len = %d, want %d", seed, op, h.Len(), len(model))
			}
			if op%64 == 0 {
				check(t, h)
			}
		}
		check(t, h)
		for _, want := range model {
			if x, _ := h.Pop(); x != want {
				t.Fatalf("seed %d: draining popped %v, want %v", seed, x, want)
			}
		}
	}
}

func TestShrink(t *testing.T) {
	const n = 10000
	var h Heap[*tm]
	timers := make([]*tm, n)
	for i := range timers {
		timers[i] = &tm{Entry: Entry{Seq: uint64(i)}, when: int64(i % 97)}
		h.Push(timers[i])
	}
	grown := cap(h)
	for i := range timers {
		if !h.Remove(timers[(i*7919)%n]) {
			t.Fatalf("Remove of queued timer %d = false", (i*7919)%n)
		}
		if i == n/2 {
			check(t, h)
		}
	}
	if c := cap(h); c > shrinkAbove {
		t.Errorf("capacity %d (grown to %d) kept after every timer was removed", c, grown)
	}
	for i := range timers {
		h.Push(timers[i])
	}
	for range n {
		h.Pop()
	}
	if c := cap(h); c > shrinkAbove {
		t.Errorf("capacity %d kept after every timer was popped", c)
	}
}

func TestPushPopNoAllocs(t *testing.T) {
	const n = 64
	h := make(Heap[*tm], 0, n)
	timers := make([]*tm, n)
	for i := range timers {
		timers[i] = &tm{Entry: Entry{Seq: uint64(i)}, when: int64((i * 37) % 11)}
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, x := range timers {
			h.Push(x)
		}
		h.Remove(timers[n/2])
		for h.Len() > 0 {
			h.Pop()
		}
	})
	if allocs != 0 {
		t.Errorf("Push/Pop/Remove allocated %v times per run, want 0", allocs)
	}
}

func BenchmarkPushPop(b *testing.B) {
	const n = shrinkAbove // the most a heap holds without giving memory back
	r := rand.New(rand.NewPCG(1, 2))
	timers := make([]*tm, n)
	for i := range timers {
		timers[i] = &tm{Entry: Entry{Seq: uint64(i)}, when: r.Int64N(1 << 20)}
	}
	h := make(Heap[*tm], 0, n)
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range timers {
			h.Push(x)
		}
		for h.Len() > 0 {
			h.Pop()
		}
	}
}
