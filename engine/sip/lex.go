package sip

import "strings"

// Character classes and scanners of the RFC 3261 §25.1 grammar, shared by
// every header parser. They work on strings and never allocate.

var tokenTable = charTable("-.!%*_+`'~")

// charSet is a character class: 1 for each byte it holds, 0 for the rest.
// Bytes rather than bools let span test four bytes with a single branch.
type charSet [256]uint8

func (t *charSet) has(c byte) bool { return t[c] != 0 }

// span returns the end of the run of bytes of t that starts at s[i]. The
// scanners use it for the runs that can be long (parameter names and
// values, URI parts, header names off the usual path).
func (t *charSet) span(s string, i int) int {
	for ; i < len(s)-3; i += 4 {
		if t[s[i]]&t[s[i+1]]&t[s[i+2]]&t[s[i+3]] == 0 {
			break
		}
	}
	for ; i < len(s) && t[s[i]] != 0; i++ {
	}
	return i
}

// charTable returns a set of letters, digits and the bytes of extra.
func charTable(extra string) (t charSet) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = 1, 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = 1
	}
	return t
}

// paramValueTable admits token characters plus what a host (IPv6 reference)
// or a URI parameter value may hold (RFC 3261 §25.1 paramchar, gen-value).
var paramValueTable = func() (t charSet) {
	t = tokenTable
	for _, c := range "[]:/&$()" {
		t[c] = 1
	}
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWS(c byte) bool { return wsTable[c] }

var wsTable = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// isToken reports whether s is a non-empty RFC 3261 token.
func isToken(s string) bool {
	return s != "" && tokenTable.span(s, 0) == len(s)
}

// trimWS removes linear white space from both ends of s.
func trimWS(s string) string {
	i, j := 0, len(s)
	for i < j && isWS(s[i]) {
		i++
	}
	for j > i && isWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

func trimLeftWS(s string) string {
	i := 0
	for i < len(s) && isWS(s[i]) {
		i++
	}
	return s[i:]
}

// equalFold reports whether a and b are equal under ASCII case folding.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	b = b[:len(a)] // lets the compiler drop the bounds checks below
	for i := 0; i < len(a); i++ {
		if x, y := a[i], b[i]; x != y {
			// Only letters fold: they differ in bit 0x20 alone.
			if c := x | 0x20; x^y != 0x20 || c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// quotedLen returns the length of the quoted-string at the front of s
// (s[0] must be '"'), including both quotes, or -1 if it is not terminated.
// A backslash escapes the next octet (RFC 3261 §25.1 quoted-pair).
func quotedLen(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// Unquote returns the content of a quoted-string with its quoted-pairs
// resolved. A string that is not quoted is returned as it is. It allocates
// only when the string holds escapes.
func Unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	esc := false
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			esc = true
			break
		}
	}
	if !esc {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}

// cutList splits the first element off a comma-separated header value
// (RFC 3261 §7.3.1), ignoring commas inside quoted strings and <...>.
// It returns the trimmed element, the remainder after the comma, and false
// if a quoted string or angle bracket is left open.
func cutList(s string) (elem, rest string, ok bool) {
	if strings.IndexByte(s, ',') < 0 { // the usual single value
		return trimWS(s), "", true
	}
	angle := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			n := quotedLen(s[i:])
			if n < 0 {
				return trimWS(s), "", false
			}
			i += n - 1
		case '<':
			angle = true
		case '>':
			angle = false
		case ',':
			if !angle {
				return trimWS(s[:i]), s[i+1:], true
			}
		}
	}
	return trimWS(s), "", !angle
}

// parseUint parses a decimal number of at most max. It accepts leading
// zeros (RFC 4475 §3.1.1.1 "0068") and rejects signs, blanks and overflow.
func parseUint(s string, max uint64) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > max {
			return 0, false
		}
	}
	return n, true
}

// cutWord splits s at its first run of white space.
func cutWord(s string) (word, rest string) {
	for i := 0; i < len(s); i++ {
		if isWS(s[i]) {
			return s[:i], trimLeftWS(s[i:])
		}
	}
	return s, ""
}
