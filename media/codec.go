package media

import (
	"strconv"
	"strings"
)

// staticCodecs are the mono audio payload types of RFC 3551 §6, which an
// m-line may list without a=rtpmap.
var staticCodecs = map[uint8]Codec{
	0:  {PayloadType: 0, Name: "PCMU", ClockRate: 8000},
	3:  {PayloadType: 3, Name: "GSM", ClockRate: 8000},
	4:  {PayloadType: 4, Name: "G723", ClockRate: 8000},
	5:  {PayloadType: 5, Name: "DVI4", ClockRate: 8000},
	6:  {PayloadType: 6, Name: "DVI4", ClockRate: 16000},
	7:  {PayloadType: 7, Name: "LPC", ClockRate: 8000},
	8:  {PayloadType: 8, Name: "PCMA", ClockRate: 8000},
	9:  {PayloadType: 9, Name: "G722", ClockRate: 8000},
	11: {PayloadType: 11, Name: "L16", ClockRate: 44100},
	12: {PayloadType: 12, Name: "QCELP", ClockRate: 8000},
	13: {PayloadType: 13, Name: "CN", ClockRate: 8000},
	15: {PayloadType: 15, Name: "G728", ClockRate: 8000},
	16: {PayloadType: 16, Name: "DVI4", ClockRate: 11025},
	17: {PayloadType: 17, Name: "DVI4", ClockRate: 22050},
	18: {PayloadType: 18, Name: "G729", ClockRate: 8000},
}

// parsePT parses a payload type number as an m= line lists it.
func parsePT(s string) (uint8, bool) {
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil || n > 127 {
		return 0, false
	}
	return uint8(n), true
}

// splitPT splits the value of a=rtpmap or a=fmtp, "<pt> <rest>".
func splitPT(v string) (uint8, string, bool) {
	num, rest, ok := strings.Cut(v, " ")
	if !ok {
		return 0, "", false
	}
	pt, ok := parsePT(num)
	return pt, strings.TrimSpace(rest), ok
}

// parseRtpmap parses "<name>/<rate>[/<channels>]". Only mono formats are
// usable here, so a channel count other than 1 fails.
func parseRtpmap(pt uint8, s string) (Codec, bool) {
	name, rest, ok := strings.Cut(s, "/")
	if !ok || !isToken(name) {
		return Codec{}, false
	}
	rate, ch, hasCh := strings.Cut(rest, "/")
	r, err := strconv.ParseUint(rate, 10, 32)
	if err != nil || r == 0 || (hasCh && ch != "1") {
		return Codec{}, false
	}
	return Codec{PayloadType: pt, Name: name, ClockRate: uint32(r)}, true
}

// events is a set of RFC 4733 event codes, 0-255.
type events [4]uint64

// defaultEvents is what a telephone-event format without a=fmtp means:
// DTMF 0-9, *, #, A-D (RFC 4733 §2.4.1).
const defaultEvents = "0-15"

// parseEvents parses an RFC 4733 event list such as "0-15,66,70".
func parseEvents(s string) (events, bool) {
	var e events
	if strings.TrimSpace(s) == "" {
		return e, false
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.ParseUint(lo, 10, 8)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 8)
		}
		if err1 != nil || err2 != nil || b < a {
			return events{}, false
		}
		for n := a; n <= b; n++ {
			e[n/64] |= 1 << (n % 64)
		}
	}
	return e, true
}

func (e events) and(o events) events {
	for i := range e {
		e[i] &= o[i]
	}
	return e
}

func (e events) empty() bool { return e == events{} }

func (e events) has(n int) bool { return e[n/64]&(1<<(n%64)) != 0 }

// String formats the set as a list of ranges, e.g. "0-15,66".
func (e events) String() string {
	var b strings.Builder
	for n := 0; n < 256; n++ {
		if !e.has(n) {
			continue
		}
		m := n
		for m+1 < 256 && e.has(m+1) {
			m++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(n))
		if m > n {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(m))
		}
		n = m
	}
	return b.String()
}
