package loop

import (
	"runtime"
	"sync/atomic"
)

// goroutineID records the loop goroutine's id so that Close and Do can
// refuse to deadlock when called from a callback. Go has no goroutine
// identity API; the id is read from the header line runtime.Stack writes
// ("goroutine 123 [running]:"). That is only done by Close and Do, which
// block anyway, and by the loop goroutine once at start. Should the header
// ever change shape, the id reads as 0 and the check is simply skipped.
type goroutineID struct{ id atomic.Uint64 }

func (g *goroutineID) set()        { g.id.Store(currentGoroutineID()) }
func (g *goroutineID) get() uint64 { return g.id.Load() }

func currentGoroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) <= len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			if c != ' ' {
				return 0
			}
			return id
		}
		id = id*10 + uint64(c-'0')
	}
	return 0
}
