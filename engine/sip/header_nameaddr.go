package sip

// NameAddr is a name-addr or addr-spec with header parameters (RFC 3261
// §20.10, §25.1): the value of From, To, Contact, Route, Record-Route,
// Path, Service-Route, Refer-To, Referred-By, Reply-To and
// P-Asserted-Identity.
type NameAddr struct {
	Display  string // display name as written: a quoted-string with its quotes, or tokens; "" if none
	URI      URI
	Params   Params // header parameters: tag, expires, q, ...
	Wildcard bool   // the Contact value "*" (RFC 3261 §10.2.2)
}

// ParseNameAddr parses one name-addr or addr-spec with its parameters.
// In the addr-spec form (no angle brackets) the parameters belong to the
// header, not to the URI, and the URI may not hold ';', ',' or '?'
// (RFC 3261 §20.10; RFC 4475 §3.1.2.13).
func ParseNameAddr(s string) (NameAddr, error) {
	var na NameAddr
	s = trimWS(s)
	if s == "*" {
		na.Wildcard = true
		return na, nil
	}
	if s == "" {
		return na, ErrNameAddr
	}
	var uri string
	switch open := angleStart(s); {
	case open >= 0:
		display := trimWS(s[:open])
		if !validDisplay(display) {
			return na, ErrNameAddr
		}
		end := open + 1
		for end < len(s) && s[end] != '>' {
			end++
		}
		if end == len(s) {
			return na, ErrNameAddr
		}
		na.Display, uri, s = display, s[open+1:end], s[end+1:]
	case s[0] == '"':
		return na, ErrNameAddr // a display name with no <uri> after it
	default:
		i := 0
		for i < len(s) && s[i] != ';' {
			if s[i] == '?' || s[i] == ',' {
				return na, ErrNameAddr
			}
			i++
		}
		uri, s = trimWS(s[:i]), s[i:]
	}
	u, err := ParseURI(uri)
	if err != nil {
		return na, err
	}
	na.URI = u
	na.Params = Params(trimWS(s))
	if !na.Params.valid() {
		return na, ErrNameAddr
	}
	return na, nil
}

// angleStart returns the index of the '<' that opens the URI, skipping a
// quoted display name, or -1 for the addr-spec form.
func angleStart(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			n := quotedLen(s[i:])
			if n < 0 {
				return -1
			}
			i += n - 1
		case '<':
			return i
		case ';', ':':
			return -1 // an addr-spec: scheme or parameters before any '<'
		}
	}
	return -1
}

// validDisplay accepts an empty display name, one quoted-string, or tokens
// separated by white space (RFC 3261 §25.1 display-name; RFC 4475 §3.1.2.15).
func validDisplay(d string) bool {
	if d == "" {
		return true
	}
	if d[0] == '"' {
		return quotedLen(d) == len(d)
	}
	for i := 0; i < len(d); i++ {
		if !tokenTable[d[i]] && !isWS(d[i]) {
			return false
		}
	}
	return true
}

// Tag returns the tag parameter (RFC 3261 §19.3).
func (n NameAddr) Tag() string { t, _ := n.Params.Get("tag"); return t }

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

func (n NameAddr) String() string { return string(n.AppendTo(nil)) }
