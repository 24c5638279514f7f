package sip

import (
	"net/netip"
	"strconv"
	"strings"
)

// parseHostPort splits and checks a hostport (RFC 3261 §25.1), as a SIP
// URI and a Via sent-by hold it: a host, then an optional ":port". The
// returned host has no brackets; port is 0 if absent.
func parseHostPort(s string) (host string, port int, ok bool) {
	host, rest, ok := cutHost(s)
	if !ok {
		return "", 0, false
	}
	if rest == "" {
		return host, 0, true
	}
	if rest[0] != ':' {
		return "", 0, false
	}
	p, ok := parseUint(rest[1:], 65535)
	if !ok || p == 0 {
		return "", 0, false
	}
	return host, int(p), true
}

// cutHost splits the host at the front of s from the rest. An IPv6
// reference must be bracketed (RFC 5118 §4.2) and a valid address without
// zone; the colon after ']' starts a port, colons inside belong to the
// address (RFC 5118 §4.3, §4.4).
func cutHost(s string) (host, rest string, ok bool) {
	if s != "" && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false
		}
		host = s[1:end]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", "", false
		}
		return host, s[end+1:], true
	}
	end := 0
	for end < len(s) && s[end] != ':' && s[end] != ';' {
		end++
	}
	host = s[:end]
	return host, s[end:], uriHostnameValid(host)
}

// appendHostPort writes host (bracketed if it is IPv6) and a non-zero port.
func appendHostPort(dst []byte, host string, port int) []byte {
	if strings.IndexByte(host, ':') >= 0 {
		dst = append(dst, '[')
		dst = append(dst, host...)
		dst = append(dst, ']')
	} else {
		dst = append(dst, host...)
	}
	if port != 0 {
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, int64(port), 10)
	}
	return dst
}
