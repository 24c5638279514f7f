package transaction

import (
	"log/slog"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// Config configures a Layer. Zero durations and limits take the RFC 3261
// defaults; the timers are per stack, never package globals.
type Config struct {
	Clock     clock.Clock      // required
	Transport transport.Sender // required

	T1 time.Duration // RTT estimate, 500 ms (RFC 3261 §17.1.1.1)
	T2 time.Duration // longest non-INVITE retransmit interval, 4 s
	T4 time.Duration // longest time a message stays in the network, 5 s

	// TimerC bounds how long an INVITE client transaction waits for a
	// final response once it is Proceeding, restarted by every provisional
	// (RFC 3261 §16.6 step 11, §16.8: more than 3 minutes). When it fires
	// the INVITE is cancelled. A proxy's timer, it serves a UA as a
	// no-answer guard; 0 (the default) leaves that to the TU.
	TimerC time.Duration

	// TryingDelay is how long an INVITE server transaction waits for the TU
	// before it sends 100 Trying itself (RFC 3261 §17.2.1): 200 ms.
	TryingDelay time.Duration
	// MaxTransactions bounds live transactions; past it new requests get a
	// 503 with Retry-After and new client transactions fail with
	// ErrOverload. Default 20000.
	MaxTransactions int
	// RetryAfter is the Retry-After of that 503, in seconds: default 5.
	RetryAfter int

	// Limits bound what a received message may hold (sip.DefaultLimits
	// where zero); Validate checks them.
	Limits sip.Limits

	Logger *slog.Logger // nil: no logging
}

func (c Config) withDefaults() Config {
	if c.T1 <= 0 {
		c.T1 = 500 * time.Millisecond
	}
	if c.T2 <= 0 {
		c.T2 = 4 * time.Second
	}
	if c.T4 <= 0 {
		c.T4 = 5 * time.Second
	}
	if c.TryingDelay <= 0 {
		c.TryingDelay = 200 * time.Millisecond
	}
	if c.MaxTransactions <= 0 {
		c.MaxTransactions = 20000
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = 5
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
