package ua

import (
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
)

// retransmitter resends a message the transaction layer leaves to the UA:
// our 2xx to an INVITE until its ACK (RFC 3261 §13.3.1.4) and a reliable
// provisional until its PRACK (RFC 3262 §3), both at T1 doubling up to T2,
// and gives up after 64*T1.
type retransmitter struct {
	timer    clock.Timer
	interval time.Duration
	left     time.Duration
}

// start sends once more every interval until stop, and calls giveUp when
// 64*T1 has passed.
func (r *retransmitter) start(u *UA, send func(), giveUp func()) {
	r.stop()
	r.interval, r.left = u.t1, 64*u.t1
	var tick func()
	tick = func() {
		r.left -= r.interval
		if r.left <= 0 {
			r.timer = nil
			giveUp()
			return
		}
		send()
		r.interval = min(2*r.interval, u.t2)
		r.timer = u.clk.AfterFunc(min(r.interval, r.left), tick)
	}
	r.timer = u.clk.AfterFunc(r.interval, tick)
}

func (r *retransmitter) stop() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// sessionTimer is the RFC 4028 session timer of a call: the refresher
// refreshes at half the interval (§10), the other side sends BYE when the
// interval runs out less min(32 s, interval/3) (§10).
type sessionTimer struct {
	interval  time.Duration // 0: no session timer
	refresher bool          // we refresh
	timer     clock.Timer
}

func (s *sessionTimer) stop() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}
