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
	i   int // where the next item starts
	val int // where the value of the last item starts in s
	bad bool
}

func (sc *paramScanner) next() (name, value string, ok bool) {
	s, i := sc.s, sc.i
	for i < len(s) && isWS(s[i]) {
		i++
	}
	if i == len(s) {
		return "", "", false
	}
	if s[i] != ';' {
		sc.bad = true
		return "", "", false
	}
	for i++; i < len(s) && isWS(s[i]); i++ {
	}
	start := i
	i = tokenTable.span(s, i)
	if i == start {
		sc.bad = true
		return "", "", false
	}
	name = s[start:i]
	j := i
	for j < len(s) && isWS(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '=' {
		for j++; j < len(s) && isWS(s[j]); j++ {
		}
		start = j
		if j < len(s) && s[j] == '"' {
			n := quotedLen(s[j:])
			if n < 0 {
				sc.bad = true
				return "", "", false
			}
			j += n
		} else {
			j = paramValueTable.span(s, j)
			if j == start {
				sc.bad = true
				return "", "", false
			}
		}
		value, i = s[start:j], j
	}
	sc.i, sc.val = i, start
	return name, value, true
}

// knownParam remembers where one parameter's value lies in the list it
// was found in while a header was parsed (a Via's branch, a From or To
// tag), so that reading it does not scan the list again. It answers only
// for that very list: once the Params are changed, lookups scan them as
// usual. An absent parameter reads as "", as Branch and Tag report it.
type knownParam struct {
	in       Params
	off, end int32 // the value is in[off:end]
}

func (k *knownParam) get(p Params, name string) string {
	if k.in == p { // equal strings share their bytes here, so this is cheap
		return string(p[k.off:k.end])
	}
	v, _ := p.Get(name)
	return v
}

// validFind checks the whole list, as valid does, and sets k to the first
// parameter called name (k answers "" if there is none).
func (p Params) validFind(name string, k *knownParam) bool {
	s := string(p)
	off, end, found := 0, 0, false
	// Parameters in the strict form, ";name" or ";name=value" with no
	// blanks and no quotes, are read here in one tight loop. At the first
	// one in any other form the general scanner takes over from its ';',
	// so the outcome is the scanner's in every case.
	i := 0
	for i < len(s) && s[i] == ';' {
		ns := i + 1
		ne := tokenTable.span(s, ns)
		if ne == ns {
			break
		}
		vs, ve := ne, ne
		if ne < len(s) && s[ne] == '=' {
			vs = ne + 1
			ve = paramValueTable.span(s, vs)
			if ve == vs {
				break
			}
		}
		if ve < len(s) && s[ve] != ';' {
			break
		}
		if !found && equalFold(s[ns:ne], name) {
			off, end, found = vs, ve, true
		}
		i = ve
	}
	ok := true
	if i < len(s) {
		sc := paramScanner{s: s, i: i}
		for {
			n, v, more := sc.next()
			if !more {
				ok = !sc.bad
				break
			}
			if !found && equalFold(n, name) {
				off, end, found = sc.val, sc.val+len(v), true
			}
		}
	}
	if len(p) <= 1<<31-1 { // else k answers for no list, and lookups scan
		*k = knownParam{in: p, off: int32(off), end: int32(end)}
	} else {
		*k = knownParam{}
	}
	return ok
}

// With returns the list with the named parameter set to value (or present
// without a value when value is ""): in the place of the first parameter of
// that name, dropping any others, or at the end if there was none.
func (p Params) With(name, value string) Params {
	var room [256]byte // the new list is built here, copied once into the result
	b := room[:0]
	put := func(n, v string) {
		b = append(b, ';')
		b = append(b, n...)
		if v != "" {
			b = append(b, '=')
			b = append(b, v...)
		}
	}
	done := false
	p.Each(func(n, v string) bool {
		switch {
		case !equalFold(n, name):
			put(n, v)
		case !done:
			put(name, value)
			done = true
		}
		return true
	})
	if !done {
		put(name, value)
	}
	return Params(b)
}
