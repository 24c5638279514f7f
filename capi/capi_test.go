package main

import (
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/capi/internal/ctest"
)

// The C misuse tests (capi/internal/ctest/misuse.c) through the public
// header: NULL arguments, stale handles, double hangup, destroy with live
// calls and from a callback, the API from inside callbacks, 8 threads at
// once, a callback that blocks, poll mode. After each, every handle table
// must be empty: nothing leaks past destroy.
func TestC(t *testing.T) {
	for _, name := range ctest.Names() {
		t.Run(name, func(t *testing.T) {
			if msg := ctest.Run(name); msg != "" {
				t.Fatal(msg)
			}
			assertEmpty(t)
		})
	}
}

func assertEmpty(t *testing.T) {
	t.Helper()
	// A stack destroyed from its own callback is released by its
	// dispatcher right after; give it a moment.
	deadline := time.Now().Add(2 * time.Second)
	for {
		s, a, c, x, o := handleCounts()
		if s+a+c+x+o == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("handle tables not empty: %d stacks, %d accounts, %d calls, %d transactions, %d other objects",
				s, a, c, x, o)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
