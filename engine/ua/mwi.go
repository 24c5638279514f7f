package ua

import (
	"bytes"
	"strconv"
	"strings"
)

// MessageSummaryType is the content type of message-waiting NOTIFYs (RFC
// 3842 §5.2).
const MessageSummaryType = "application/simple-message-summary"

// MessageSummary is a message-summary body of the "message-summary"
// package (RFC 3842 §5): whether messages wait, and how many of each
// class.
type MessageSummary struct {
	Waiting bool   // Messages-Waiting: yes
	Account string // Message-Account, "" for none
	Voice   MessageCounts
	// Other holds the other message classes (RFC 3458: "fax-message",
	// "text-message", ...), by lower-case name; nil when there are none.
	Other map[string]MessageCounts
}

// MessageCounts are the counts of one message class: new/old
// (new-urgent/old-urgent).
type MessageCounts struct {
	New, Old, NewUrgent, OldUrgent uint32
}

// maxSummary bounds a message-summary body; the lines after the summary
// (message headers, §5.2) are not read.
const maxSummary = 8 << 10

// ParseMessageSummary parses a message-summary body (RFC 3842 §5.2).
// Messages-Waiting is required; unknown lines are skipped.
func ParseMessageSummary(body []byte) (MessageSummary, error) {
	var s MessageSummary
	if len(body) > maxSummary {
		return s, ErrBody
	}
	seen := false
	for line := range bytes.Lines(body) {
		l := strings.TrimSpace(string(line))
		if l == "" {
			if seen {
				break // the optional message headers follow
			}
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return s, ErrBody
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		switch name {
		case "messages-waiting":
			switch strings.ToLower(value) {
			case "yes":
				s.Waiting = true
			case "no":
			default:
				return s, ErrBody
			}
			seen = true
		case "message-account":
			s.Account = value
		default:
			c, ok := parseCounts(value)
			if !ok {
				continue // a header we do not know
			}
			if name == "voice-message" {
				s.Voice = c
				continue
			}
			if s.Other == nil {
				s.Other = map[string]MessageCounts{}
			}
			if len(s.Other) < 16 {
				s.Other[name] = c
			}
		}
	}
	if !seen {
		return MessageSummary{}, ErrBody
	}
	return s, nil
}

// parseCounts parses "new/old" with an optional " (new-urgent/old-urgent)".
func parseCounts(v string) (MessageCounts, bool) {
	var c MessageCounts
	main, urgent, hasUrgent := strings.Cut(v, "(")
	var ok bool
	if c.New, c.Old, ok = parsePair(main); !ok {
		return c, false
	}
	if hasUrgent {
		urgent, closed := strings.CutSuffix(strings.TrimSpace(urgent), ")")
		if !closed {
			return c, false
		}
		if c.NewUrgent, c.OldUrgent, ok = parsePair(urgent); !ok {
			return c, false
		}
	}
	return c, true
}

func parsePair(s string) (uint32, uint32, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, false
	}
	x, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
	y, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
	return uint32(x), uint32(y), err1 == nil && err2 == nil
}
