package dtmf

import (
	"bytes"
	"strconv"
	"time"
)

// maxRelayBody bounds the SIP INFO bodies ParseRelay reads.
const maxRelayBody = 1024

// ParseRelay reads the body of a SIP INFO carrying a digit, either
// application/dtmf-relay ("Signal=5\r\nDuration=160\r\n", the duration in
// milliseconds) or application/dtmf (the digit alone). Keys are matched
// without regard to case, unknown lines are skipped, and a signal may be
// the digit or its event code ("11" for '#', "16" for a flash). duration
// is 0 when the body gives none.
func ParseRelay(body []byte) (digit rune, duration time.Duration, err error) {
	if len(body) > maxRelayBody {
		return 0, 0, ErrMalformed
	}
	if bytes.IndexByte(body, '=') < 0 { // application/dtmf
		digit, ok := parseSignal(bytes.TrimSpace(body))
		if !ok {
			return 0, 0, ErrMalformed
		}
		return digit, 0, nil
	}
	haveSignal := false
	for line := range bytes.Lines(body) {
		key, val, ok := bytes.Cut(line, []byte("="))
		key, val = bytes.TrimSpace(key), bytes.TrimSpace(val)
		switch {
		case !ok:
			if len(bytes.TrimSpace(line)) != 0 {
				return 0, 0, ErrMalformed
			}
		case bytes.EqualFold(key, []byte("Signal")):
			if digit, ok = parseSignal(val); !ok || haveSignal {
				return 0, 0, ErrMalformed
			}
			haveSignal = true
		case bytes.EqualFold(key, []byte("Duration")):
			ms, err := strconv.ParseUint(string(val), 10, 32)
			if err != nil || time.Duration(ms)*time.Millisecond > maxEventDuration {
				return 0, 0, ErrMalformed
			}
			duration = time.Duration(ms) * time.Millisecond
		}
	}
	if !haveSignal {
		return 0, 0, ErrMalformed
	}
	return digit, duration, nil
}

// parseSignal reads a digit or its event code.
func parseSignal(v []byte) (rune, bool) {
	if len(v) == 1 {
		if code, ok := Code(rune(v[0])); ok {
			return Digit(code)
		}
		return 0, false
	}
	if len(v) != 2 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(v), 10, 8)
	if err != nil {
		return 0, false
	}
	return Digit(uint8(n))
}

// FormatRelay returns an application/dtmf-relay body for digit lasting
// duration (0: DefaultDuration), or nil if digit is no DTMF digit. A flash
// is written as event code 16, which is more widely understood than '!'.
func FormatRelay(digit rune, duration time.Duration) []byte {
	code, ok := Code(digit)
	if !ok {
		return nil
	}
	if duration <= 0 {
		duration = DefaultDuration
	}
	b := make([]byte, 0, 32)
	b = append(b, "Signal="...)
	if code == 16 {
		b = append(b, "16"...)
	} else {
		b = append(b, digits[code])
	}
	b = append(b, "\r\nDuration="...)
	b = strconv.AppendInt(b, duration.Milliseconds(), 10)
	return append(b, "\r\n"...)
}
