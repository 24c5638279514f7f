package dialog

import (
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// A parsed sip.Message hands out views into its receive buffer. A dialog
// lives far longer than that buffer should, so it keeps copies: each value
// is serialised into one new string and parsed back, which views that
// string instead.

// ownNameAddr returns a copy of na that shares no memory with the message
// it came from.
func ownNameAddr(na sip.NameAddr) sip.NameAddr {
	if na.URI.Scheme == "" && !na.Wildcard {
		return sip.NameAddr{}
	}
	c, err := sip.ParseNameAddr(na.String())
	if err != nil {
		return na // not reached: the canonical text of a parsed name-addr parses
	}
	return c
}

// ownText returns the canonical text of na, which nameAddr parses back:
// a copy that shares no memory with the message na came from; "" for the
// zero NameAddr.
func ownText(na sip.NameAddr) string {
	if na.URI.Scheme == "" && !na.Wildcard {
		return ""
	}
	return na.String()
}

// uriText returns the canonical text of u, which parseURI parses back; ""
// for the zero URI.
func uriText(u sip.URI) string {
	if u.Scheme == "" {
		return ""
	}
	return u.String()
}

// parseURI parses text uriText made; the zero URI for "".
func parseURI(text string) sip.URI {
	if text == "" {
		return sip.URI{}
	}
	u, _ := sip.ParseURI(text) // the canonical text of a parsed URI parses
	return u
}

// nameAddr parses text ownText made; the zero NameAddr for "".
func nameAddr(text string) sip.NameAddr {
	if text == "" {
		return sip.NameAddr{}
	}
	na, _ := sip.ParseNameAddr(text) // the canonical text of a parsed name-addr parses
	return na
}

// ownID returns a copy of id that shares no memory with a message: its
// three strings are cut from one new string.
func ownID(id ID) ID {
	var b strings.Builder // one allocation; + could return a view of a lone non-empty part
	b.Grow(len(id.CallID) + len(id.LocalTag) + len(id.RemoteTag))
	b.WriteString(id.CallID)
	b.WriteString(id.LocalTag)
	b.WriteString(id.RemoteTag)
	all := b.String()
	n, m := len(id.CallID), len(id.CallID)+len(id.LocalTag)
	return ID{all[:n], all[n:m], all[m:]}
}
