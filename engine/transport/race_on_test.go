//go:build race

package transport

// raceEnabled: allocation counts only hold without the race detector.
const raceEnabled = true
