package sip

import (
	"net/netip"
	"strconv"
	"strings"
)

// cutHostPort reads the hostport at the front of s, as a SIP URI and a
// Via sent-by hold it: a hostname, an IPv4 address or a bracketed IPv6
// reference, then an optional ":port". The host comes back without
// brackets, port is 0 if absent, and rest is what follows.
func cutHostPort(s string) (host string, port int, rest string, ok bool) {
	if s != "" && s[0] == '[' {
		// An IPv6 reference must be bracketed (RFC 5118 §4.2) and a valid
		// address without zone; a colon after ']' starts a port, colons
		// inside belong to the address (RFC 5118 §4.3, §4.4).
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, "", false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", 0, "", false
		}
		host, rest = s[1:end], s[end+1:]
	} else {
		end := scanHostname(s)
		if end < 0 {
			return "", 0, "", false
		}
		host, rest = s[:end], s[end:]
	}
	if rest == "" || rest[0] != ':' {
		return host, 0, rest, true
	}
	p, end := 0, 1
	for ; end < len(rest) && isDigit(rest[end]); end++ {
		if p = p*10 + int(rest[end]-'0'); p > 65535 {
			return "", 0, "", false
		}
	}
	if end == 1 || p == 0 {
		return "", 0, "", false
	}
	return host, p, rest[end:], true
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
