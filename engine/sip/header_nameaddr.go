package sip

import "strings"

// NameAddr is a name-addr or addr-spec with header parameters (RFC 3261
// §20.10, §25.1): the value of From, To, Contact, Route, Record-Route,
// Path, Service-Route, Refer-To, Referred-By, Reply-To and
// P-Asserted-Identity.
type NameAddr struct {
	Display  string // display name as written: a quoted-string with its quotes, or tokens; "" if none
	URI      URI
	Params   Params // header parameters: tag, expires, q, ...
	Wildcard bool   // the Contact value "*" (RFC 3261 §10.2.2)
	tag      knownParam
}

// ParseNameAddr parses one name-addr or addr-spec with its parameters.
// In the addr-spec form (no angle brackets) the parameters belong to the
// header, not to the URI, and the URI may not hold ';', ',' or '?'
// (RFC 3261 §20.10; RFC 4475 §3.1.2.13).
func ParseNameAddr(s string) (NameAddr, error) {
	var na NameAddr
	err := parseNameAddr(&na, s)
	return na, err
}

// parseNameAddr is ParseNameAddr writing into *na, so that a Message fills
// its cache in place instead of copying the result; *na is zero on error.
func parseNameAddr(na *NameAddr, s string) error {
	err := fillNameAddr(na, s)
	if err != nil {
		*na = NameAddr{}
	}
	return err
}

func fillNameAddr(na *NameAddr, s string) error {
	na.Display, na.Params, na.Wildcard, na.tag = "", "", false, knownParam{} // parseURI clears the URI
	s = trimWS(s)
	if s == "*" {
		na.Wildcard, na.URI = true, URI{}
		return nil
	}
	if s == "" {
		return ErrNameAddr
	}
	// One pass over the display name finds the '<' that opens the URI;
	// without one the value is an addr-spec.
	var uri string
	i := 0
	if s[0] == '"' {
		if i = quotedLen(s); i < 0 {
			return ErrNameAddr
		}
		na.Display = s[:i]
		for i < len(s) && isWS(s[i]) {
			i++
		}
		if i == len(s) || s[i] != '<' {
			return ErrNameAddr // a display name with no <uri> after it
		}
	} else {
		// display-name = *(token LWS) (RFC 3261 §25.1; RFC 4475 §3.1.2.15)
		for i < len(s) && (tokenTable.has(s[i]) || isWS(s[i])) {
			i++
		}
		if i < len(s) && s[i] == '<' {
			na.Display = trimWS(s[:i])
		} else {
			i = -1
		}
	}
	if i >= 0 {
		end := strings.IndexByte(s[i+1:], '>') + i + 1
		if end == i {
			return ErrNameAddr
		}
		uri, s = s[i+1:end], s[end+1:]
	} else {
		// In the addr-spec form the URI ends at the first ';', and may not
		// hold '?' or ',' (RFC 3261 §20.10).
		end := strings.IndexByte(s, ';')
		if end < 0 {
			end = len(s)
		}
		if strings.ContainsAny(s[:end], "?,") {
			return ErrNameAddr
		}
		uri, s = trimWS(s[:end]), s[end:]
	}
	if err := parseURI(&na.URI, uri); err != nil {
		return err
	}
	na.Params = Params(trimWS(s))
	if !na.Params.validFind("tag", &na.tag) {
		return ErrNameAddr
	}
	return nil
}

// Tag returns the tag parameter (RFC 3261 §19.3).
func (n NameAddr) Tag() string { return n.tag.get(n.Params, "tag") }

// DisplayName returns the display name without quotes and escapes.
func (n NameAddr) DisplayName() string { return Unquote(n.Display) }

// AppendTo appends the canonical name-addr form: display name, <uri>,
// parameters.
func (n NameAddr) AppendTo(dst []byte) []byte {
	if n.Wildcard {
		return append(dst, '*')
	}
	if n.Display != "" {
		dst = append(dst, n.Display...)
		dst = append(dst, ' ')
	}
	dst = append(dst, '<')
	dst = n.URI.AppendTo(dst)
	dst = append(dst, '>')
	return append(dst, n.Params...)
}

// String returns the text AppendTo writes, built on the stack so that the
// string is the one allocation.
func (n NameAddr) String() string {
	var buf [256]byte
	return string(n.AppendTo(buf[:0]))
}
