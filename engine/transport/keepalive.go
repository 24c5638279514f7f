package transport

import (
	"math/rand/v2"
	"time"
)

// The keep-alive frames of RFC 5626 §4.4.1 on stream transports: a double
// CRLF is a ping, a single CRLF the pong that answers it.
var (
	pingFrame = []byte("\r\n\r\n")
	pongFrame = []byte("\r\n")
)

// keeper holds the timers a connection's writer goroutine waits on besides
// its queue: the ping interval and pong deadline of RFC 5626 §4.4.1 on a
// connection we opened, and the idle timeout on every connection. A timer
// that is off has a nil channel, which never fires in a select.
type keeper struct {
	interval, pongWait, idle time.Duration
	ping, pong, idleT        *time.Timer // nil when off
	awaiting                 bool        // a ping is out and its pong not yet in
}

// newKeeper starts the timers: pings every interval (0: none) with a pong
// due within pongWait, and an idle check after idle (0 or less: none).
func newKeeper(interval, pongWait, idle time.Duration) *keeper {
	k := &keeper{interval: interval, pongWait: pongWait, idle: idle}
	if interval > 0 {
		k.ping = time.NewTimer(jitter(interval))
		k.pong = time.NewTimer(pongWait)
		k.pong.Stop()
	}
	if idle > 0 {
		k.idleT = time.NewTimer(idle)
	}
	return k
}

// jitter draws a keep-alive interval between 80 % and 100 % of d, as
// RFC 5626 §4.4.1 asks, so that the clients behind one server do not ping
// in step.
func jitter(d time.Duration) time.Duration {
	return d - time.Duration(rand.Int64N(int64(d/5)+1))
}

func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

func (k *keeper) pingC() <-chan time.Time { return timerC(k.ping) }
func (k *keeper) pongC() <-chan time.Time { return timerC(k.pong) }
func (k *keeper) idleC() <-chan time.Time { return timerC(k.idleT) }

// pinged notes that a ping went out: the pong deadline starts unless an
// earlier ping's is still running, and the next ping is scheduled.
func (k *keeper) pinged() {
	if !k.awaiting {
		k.pong.Reset(k.pongWait)
		k.awaiting = true
	}
	k.ping.Reset(jitter(k.interval))
}

// ponged notes that a pong came in.
func (k *keeper) ponged() {
	if k.awaiting {
		k.pong.Stop()
		k.awaiting = false
	}
}

// idleFor reports whether a connection silent for quiet has been idle too
// long; if not, it re-arms the idle check for the time left.
func (k *keeper) idleFor(quiet time.Duration) bool {
	if quiet >= k.idle {
		return true
	}
	k.idleT.Reset(k.idle - quiet)
	return false
}

func (k *keeper) stop() {
	for _, t := range []*time.Timer{k.ping, k.pong, k.idleT} {
		if t != nil {
			t.Stop()
		}
	}
}
