//go:build race

package ua

// raceEnabled: the race detector's instrumentation moves some stack
// values to the heap, so allocation counts only hold without it.
const raceEnabled = true
