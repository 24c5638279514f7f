package rtp

import (
	"math/rand/v2"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
)

// Defaults of the zero Config.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMinDelay     = 20 * time.Millisecond
	DefaultMaxDelay     = 200 * time.Millisecond
	DefaultRTCPInterval = 5 * time.Second // RFC 3550 §6.2 minimum
)

// Config sets up a Session. Clock and RTP are required; every other zero
// value selects a default.
type Config struct {
	// Clock reads time and arms timers on the stack's loop.
	Clock clock.Clock
	// RTP sends RTP. RTCP sends RTCP; nil sends RTCP through RTP as well
	// (RFC 5761 multiplexing).
	RTP, RTCP Conn

	// Source gives the PCM audio to send; nil sends silence. PayloadSource,
	// if set, is used instead and gives encoded payloads.
	Source        Source
	PayloadSource PayloadSource
	// Sink receives the PCM audio played out; nil discards it.
	Sink Sink
	// OnPayload, if set, receives the payload of every audio packet
	// accepted from the peer, in arrival order and before the jitter
	// buffer, for apps that decode themselves (the C API's encoded media
	// mode). payload is valid only during the call.
	OnPayload func(payload []byte, pt uint8, seq uint16, ts uint32, marker bool, ssrc uint32)

	// Events, if set, may send telephone-events in place of audio.
	Events EventSource
	// OnEvent receives the payloads of telephone-events (RFC 4733) with
	// their RTP timestamp and marker bit; payload is valid only during the
	// call.
	OnEvent func(payload []byte, ts uint32, marker bool)
	// OnDigit receives the DTMF digits of received telephone-events, each
	// once, decoded by a media/dtmf Receiver (RFC 4733).
	OnDigit func(digit rune, duration time.Duration)
	// OnTimeout is called once when no RTP has come from the peer for
	// Timeout while we receive, and again after RTP resumed and stopped.
	OnTimeout func()
	// Timeout is the RTP inactivity timeout. 0: DefaultTimeout.
	Timeout time.Duration

	// MinDelay and MaxDelay bound the jitter buffer's target delay, which
	// adapts to the measured jitter. 0: DefaultMinDelay, DefaultMaxDelay;
	// MaxDelay is capped at 500 ms.
	MinDelay, MaxDelay time.Duration

	// RTCPInterval is the mean report interval, randomised by 0.5-1.5
	// (RFC 3550 §6.3). 0: DefaultRTCPInterval.
	RTCPInterval time.Duration
	// CNAME is the SDES canonical name (RFC 3550 §6.5.1). "": a random
	// one per session (RFC 7022).
	CNAME string

	// Rand draws SSRC, initial sequence number and timestamp, and the
	// RTCP intervals. nil: seeded from crypto/rand.
	Rand *rand.Rand
}
