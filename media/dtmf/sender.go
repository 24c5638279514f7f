package dtmf

import (
	"encoding/binary"
	"time"
)

// Sender defaults.
const (
	// DefaultDuration is the length of a digit started with duration 0.
	DefaultDuration = 100 * time.Millisecond
	// DefaultGap is the silence between two digits when Sender.Gap is 0.
	DefaultGap = 50 * time.Millisecond
	// DefaultVolume is a usual power level, -10 dBm0.
	DefaultVolume = 10
	// DefaultRate is the telephone-event clock rate when none is set.
	DefaultRate = 8000
	// MaxQueue is the number of digits a Sender holds.
	MaxQueue = 32
	// maxEventDuration bounds one digit; a longer press makes no sense.
	maxEventDuration = 10 * time.Minute
	// endPackets is how often the end of an event is sent (§2.5.1.4).
	endPackets = 3
)

type event struct {
	code    uint8
	volume  uint8
	samples uint32 // total duration in timestamp units
}

// Sender produces the telephone-event packets of queued digits. The zero
// value is ready to use at 8 kHz with DefaultGap.
//
// The RTP session calls Next once per packet tick. While Next returns
// ok, the session sends its payload with the telephone-event payload type,
// the marker bit and the RTP timestamp it returns, instead of audio.
type Sender struct {
	// Rate is the clock rate of the telephone-event payload type
	// (its a=rtpmap); 0 means 8000.
	Rate uint32
	// Gap is the least silence between the end of one digit and the
	// start of the next; 0 means DefaultGap.
	Gap time.Duration

	queue   [MaxQueue]event
	head, n int

	cur     event
	active  bool
	started bool   // the first packet of cur went out
	start   uint32 // timestamp of the current segment
	done    uint32 // duration of cur in earlier segments
	ends    int    // end packets sent
	endTS   uint32 // when the last event ended (its start + duration)
	ended   bool   // endTS is set
	buf     [payloadSize]byte
}

func (s *Sender) rate() uint32 {
	if s.Rate == 0 {
		return DefaultRate
	}
	return s.Rate
}

// Start queues digit to be sent for duration (0: DefaultDuration) at
// volume, the power level in -dBm0 (0..63; DefaultVolume is usual).
func (s *Sender) Start(digit rune, duration time.Duration, volume int) error {
	code, ok := Code(digit)
	if !ok {
		return ErrInvalidDigit
	}
	if duration == 0 {
		duration = DefaultDuration
	}
	if duration < 0 || duration > maxEventDuration {
		return ErrInvalidDuration
	}
	if volume < 0 || volume > 63 {
		return ErrInvalidVolume
	}
	if s.n == len(s.queue) {
		return ErrQueueFull
	}
	s.queue[(s.head+s.n)%len(s.queue)] = event{
		code:    code,
		volume:  uint8(volume),
		samples: uint32(max(toSamples(duration, s.rate()), 1)),
	}
	s.n++
	return nil
}

// Pending returns the number of digits queued or being sent.
func (s *Sender) Pending() int {
	if s.active {
		return s.n + 1
	}
	return s.n
}

// Clear drops the queued digits. A digit already being sent runs on to
// its end packets, as a receiver would otherwise wait for them.
func (s *Sender) Clear() { s.head, s.n = 0, 0 }

// Next is called once per packet tick with the RTP timestamp ts of the
// tick and the tick's length in timestamp units. When a digit is due it
// returns ok and the packet to send: the 4-byte payload (valid until the
// next call), the marker bit and the RTP timestamp of the event.
//
// Each digit is sent as RFC 4733 §2.5.1 describes: the first packet with
// the marker bit, then one packet per tick, all with the event's start
// timestamp and a duration that grows to the end of the tick, and the
// final duration with the E bit three times (§2.5.1.4). A digit longer
// than 0xFFFF units goes out in segments (§2.5.1.3). The next digit
// starts Gap after the end of the previous one.
func (s *Sender) Next(ts, samplesPerPacket uint32) (payload []byte, marker bool, eventTS uint32, ok bool) {
	if !s.active && !s.dequeue(ts) {
		return nil, false, 0, false
	}
	if s.ends > 0 { // §2.5.1.4: repeat the end packet unchanged
		s.ends++
		if s.ends == endPackets {
			s.active = false
		}
		return s.buf[:], false, s.start, true
	}
	marker = !s.started
	s.started = true
	eventTS = s.start

	elapsed := samplesPerPacket // duration up to the end of this tick
	if d := ts - s.start; int32(d) > 0 {
		elapsed += d
	}
	left := s.cur.samples - s.done
	dur, flags := elapsed, uint8(0)
	switch {
	case left > maxDuration && elapsed >= maxDuration:
		// §2.5.1.3: report the maximum without E, then start a new
		// segment at the time the maximum was reached, without marker.
		dur = maxDuration
		s.start += maxDuration
		s.done += maxDuration
	case elapsed >= left:
		dur, flags = left, endBit
		s.ends = 1
		s.endTS = s.start + left
		s.ended = true
	}
	s.buf[0] = s.cur.code
	s.buf[1] = flags | s.cur.volume
	binary.BigEndian.PutUint16(s.buf[2:], uint16(dur))
	return s.buf[:], marker, eventTS, true
}

// dequeue starts the next queued digit at ts if the gap after the
// previous one has passed.
func (s *Sender) dequeue(ts uint32) bool {
	if s.n == 0 {
		return false
	}
	gap := s.Gap
	if gap == 0 {
		gap = DefaultGap
	}
	if s.ended && int64(int32(ts-s.endTS)) < toSamples(gap, s.rate()) {
		return false
	}
	s.cur = s.queue[s.head]
	s.head = (s.head + 1) % len(s.queue)
	s.n--
	s.active, s.started = true, false
	s.start, s.done, s.ends = ts, 0, 0
	return true
}
