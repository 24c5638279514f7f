package dtmf

import (
	"encoding/binary"
	"time"
)

// DefaultTimeout is how long after the last reported moment of an event
// a Receiver waits for more packets before it takes the event as ended.
const DefaultTimeout = 250 * time.Millisecond

// Receiver turns received telephone-event payloads into digits, each
// reported exactly once: when its end packet arrives, when a packet of a
// later event proves it ended, or when Tick finds its packets stopped. The
// zero value is ready to use at 8 kHz with DefaultTimeout.
//
// Receive, Tick and Flush each return at most one digit. A packet can end
// two digits at once (the lost end of one and the only surviving packet of
// the next); the second is returned by the next call, so call Tick once
// per packet interval even when no telephone-event arrives.
type Receiver struct {
	// Rate is the clock rate of the telephone-event payload type; 0
	// means 8000.
	Rate uint32
	// Timeout is how long an event may go without packets; 0 means
	// DefaultTimeout.
	Timeout time.Duration

	active bool
	code   uint8
	start  uint32 // timestamp of the event's first segment
	seg    uint32 // timestamp of its current segment
	dur    uint32 // largest duration seen in the current segment
	last   uint32 // segment timestamp of the last event that ended
	ended  bool   // last is set

	out        [4]digitReport // at most 2 are ever waiting, see Receive
	head, nOut int
}

type digitReport struct {
	digit   rune
	samples uint32
}

func (r *Receiver) rate() uint32 {
	if r.Rate == 0 {
		return DefaultRate
	}
	return r.Rate
}

// Receive takes the payload, RTP timestamp and marker bit of a received
// telephone-event packet. When a digit is complete it returns it with its
// duration and done. Payloads that are too short or carry an event other
// than 0-16 are ignored; of a packet with several events (§2.5.1.5) only
// the first is read.
func (r *Receiver) Receive(payload []byte, rtpTimestamp uint32, marker bool) (digit rune, duration time.Duration, done bool) {
	r.receive(payload, rtpTimestamp, marker)
	return r.pop()
}

func (r *Receiver) receive(p []byte, ts uint32, marker bool) {
	if len(p) < payloadSize || int(p[0]) >= len(digits) {
		return
	}
	code, end := p[0], p[1]&endBit != 0
	dur := uint32(binary.BigEndian.Uint16(p[2:4]))
	if r.active {
		diff := int32(ts - r.seg)
		switch {
		case diff == 0: // the current event: a retransmission or update
			if code == r.code {
				r.dur = max(r.dur, dur)
				if end {
					r.finish()
				}
			}
			return
		case diff < 0:
			// A late packet from before the current event. If it is
			// newer than the last event reported, it is the only
			// packet to arrive of an event in between; the current
			// event is not reported yet, so reporting it now keeps
			// the order.
			if int32(ts-r.start) < 0 && (!r.ended || int32(ts-r.last) > 0) {
				r.report(code, dur)
				r.last, r.ended = ts, true
			}
			return
		case code == r.code && !marker && uint32(diff)%maxDuration == 0:
			// §2.5.2.3: the next segment of a long event starts where
			// the previous reached 0xFFFF.
			r.seg, r.dur = ts, dur
			if end {
				r.finish()
			}
			return
		}
		// A later event proves the current one ended though its end
		// packets were lost.
		r.finish()
	}
	if r.ended && int32(ts-r.last) <= 0 {
		return // duplicate or late packet of an event already reported
	}
	r.active, r.code = true, code
	r.start, r.seg, r.dur = ts, ts, dur
	if end {
		r.finish()
	}
}

// Tick ends an event whose packets have stopped for longer than Timeout,
// judged at nowTS, the current time in the RTP timestamp units of the
// incoming stream (for instance the timestamp of an audio packet just
// received, or one extrapolated from the local sample clock). It returns
// a digit that is waiting, if any.
func (r *Receiver) Tick(nowTS uint32) (digit rune, duration time.Duration, done bool) {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if r.active && int64(int32(nowTS-(r.seg+r.dur))) > toSamples(timeout, r.rate()) {
		r.finish()
	}
	return r.pop()
}

// Flush ends the current event, if any, and returns one waiting digit;
// call it until done is false, for instance when the stream stops.
func (r *Receiver) Flush() (digit rune, duration time.Duration, done bool) {
	if r.active {
		r.finish()
	}
	return r.pop()
}

// finish reports the current event and remembers it so that its late
// and repeated packets are dropped.
func (r *Receiver) finish() {
	r.report(r.code, r.seg-r.start+r.dur)
	r.active, r.last, r.ended = false, r.seg, true
}

// report queues a digit for the caller.
func (r *Receiver) report(code uint8, samples uint32) {
	d, _ := Digit(code)
	if r.nOut == len(r.out) { // cannot happen: each call pops one
		r.head = (r.head + 1) % len(r.out)
		r.nOut--
	}
	r.out[(r.head+r.nOut)%len(r.out)] = digitReport{d, samples}
	r.nOut++
}

func (r *Receiver) pop() (rune, time.Duration, bool) {
	if r.nOut == 0 {
		return 0, 0, false
	}
	d := r.out[r.head]
	r.head = (r.head + 1) % len(r.out)
	r.nOut--
	return d.digit, toDuration(d.samples, r.rate()), true
}
