package sip

// Params is the raw text of a parameter list as it appeared on the wire,
// each parameter introduced by ';' (";tag=1928;lr"). Lookups scan the text,
// so a Params costs no allocation; names compare case-insensitively
// (RFC 3261 §7.3.1) and values are returned as written, quotes included.
type Params string

// Get returns the value of the named parameter. A parameter without a
// value ("lr") is reported as present with an empty value.
func (p Params) Get(name string) (value string, ok bool) {
	sc := paramScanner{s: string(p)}
	for {
		n, v, more := sc.next()
		if !more {
			return "", false
		}
		if equalFold(n, name) {
			return v, true
		}
	}
}

// Has reports whether the named parameter is present.
func (p Params) Has(name string) bool {
	_, ok := p.Get(name)
	return ok
}

// Each calls fn for every parameter in order until fn returns false.
func (p Params) Each(fn func(name, value string) bool) {
	sc := paramScanner{s: string(p)}
	for {
		n, v, more := sc.next()
		if !more || !fn(n, v) {
			return
		}
	}
}

// valid reports whether the whole list is well formed: every parameter has
// a token name and, after '=', a token, host or quoted-string value.
func (p Params) valid() bool {
	sc := paramScanner{s: string(p)}
	for {
		if _, _, more := sc.next(); !more {
			return !sc.bad
		}
	}
}

// paramScanner walks ";name[=value]" items, tolerating linear white space
// around ';' and '=' (RFC 3261 §25.1 SEMI and EQUAL).
type paramScanner struct {
	s   string
	bad bool
}

func (sc *paramScanner) next() (name, value string, ok bool) {
	s := trimLeftWS(sc.s)
	if s == "" {
		return "", "", false
	}
	if s[0] != ';' {
		sc.bad = true
		return "", "", false
	}
	s = trimLeftWS(s[1:])
	i := 0
	for i < len(s) && tokenTable[s[i]] {
		i++
	}
	if i == 0 {
		sc.bad = true
		return "", "", false
	}
	name, s = s[:i], trimLeftWS(s[i:])
	if s != "" && s[0] == '=' {
		s = trimLeftWS(s[1:])
		switch {
		case s != "" && s[0] == '"':
			n := quotedLen(s)
			if n < 0 {
				sc.bad = true
				return "", "", false
			}
			value, s = s[:n], s[n:]
		default:
			j := 0
			for j < len(s) && paramValueTable[s[j]] {
				j++
			}
			if j == 0 {
				sc.bad = true
				return "", "", false
			}
			value, s = s[:j], s[j:]
		}
	}
	sc.s = s
	return name, value, true
}
