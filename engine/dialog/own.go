package dialog

import (
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// A parsed sip.Message hands out views into its receive buffer. A dialog
// lives far longer than that buffer should, so it keeps copies: each value
// is serialised into one new string and parsed back, which views that
// string instead.

// ownURI returns a copy of u that shares no memory with the message it
// came from.
func ownURI(u sip.URI) sip.URI {
	if u.Scheme == "" {
		return sip.URI{}
	}
	c, err := sip.ParseURI(u.String())
	if err != nil {
		return u // not reached: the canonical text of a parsed URI parses
	}
	return c
}

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

// ownID returns a copy of id that shares no memory with a message.
func ownID(id ID) ID {
	return ID{strings.Clone(id.CallID), strings.Clone(id.LocalTag), strings.Clone(id.RemoteTag)}
}
