package ua

import "time"

// refreshDelay returns how long after a 2xx granting d the binding is
// refreshed: d less a margin of a tenth of d, but at least 30 s, and never
// more than half of d. So 3600 s refreshes at 3240 s, 600 s at 540 s,
// 300 s at 270 s, 120 s at 90 s, 60 s at 30 s and 40 s at 20 s.
//
// The margin leaves a refresh that meets loss time to retransmit (a
// non-INVITE transaction gives up after 64*T1 = 32 s, RFC 3261 §17.1.2.2)
// and, for long bindings, a tenth to spare for a slow registrar. The
// refresh is not randomised: devices that lost their bindings together
// come back spread out by the jitter of the back-off (RFC 5626 §4.5), and
// each one's refreshes then keep that spread.
func refreshDelay(d time.Duration) time.Duration {
	margin := max(d/10, min(30*time.Second, d/2))
	return d - margin
}

// backoff returns the wait before the next REGISTER after n consecutive
// failures (n >= 1), by RFC 5626 §4.5: wait-time = min(max-time,
// base-time * 2^n), then a random share of it between 50 % and 100 %. With
// a base-time of 30 s and a max-time of 1800 s the first retry comes
// 30-60 s after the failure, the second 60-120 s, and from the sixth on
// 900-1800 s.
func (r *Registration) backoff(n int) time.Duration {
	upper := backoffMax
	if n < 6 { // 30 s * 2^6 is past max-time
		upper = min(backoffMax, backoffBase<<n)
	}
	share := 0.5 + 0.5*r.rnd.Float64() // [0.5, 1.0)
	return time.Duration(float64(upper) * share).Truncate(time.Millisecond)
}
