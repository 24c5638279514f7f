package dtmf

import "time"

// Flash is the digit for a hook flash, RFC 4733 event 16.
const Flash = '!'

// digits lists the digit of each event code (RFC 4733 §3.2).
const digits = "0123456789*#ABCD!"

// Code returns the RFC 4733 event code of digit.
func Code(digit rune) (uint8, bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i, d := range digits {
		if d == digit {
			return uint8(i), true
		}
	}
	return 0, false
}

// Digit returns the digit of an RFC 4733 event code.
func Digit(code uint8) (rune, bool) {
	if int(code) >= len(digits) {
		return 0, false
	}
	return rune(digits[code]), true
}

// toSamples converts d to timestamp units at rate Hz.
func toSamples(d time.Duration, rate uint32) int64 {
	return int64(d) * int64(rate) / int64(time.Second)
}

// toDuration converts n timestamp units at rate Hz to a duration.
func toDuration(n uint32, rate uint32) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}

// The payload of RFC 4733 §2.3:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const (
	payloadSize = 4
	endBit      = 0x80
	maxDuration = 0xFFFF // largest duration field (§2.5.1.3)
)
