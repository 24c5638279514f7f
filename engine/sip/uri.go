package sip

import (
	"fmt"
	"net/netip"
	"strings"
)

// URI is a parsed SIP, SIPS or tel URI, or an absolute URI of another scheme.
// Every field is a view into the parsed string: parsing never allocates.
type URI struct {
	Scheme   string // as written ("sip", "SIP", "sips", "tel", "soap.beep"); compare case-insensitively
	User     string // userinfo user part with %-escapes kept; for tel: the telephone number
	Password string // after ':' in userinfo, escapes kept
	Host     string // hostname, IPv4, or IPv6 address WITHOUT the brackets
	Port     int    // 0 when absent
	Params   Params // raw ";name=value..." uri-parameters, starting with ';' (tel: its parameters)
	Headers  string // text after '?', without the '?', escapes kept
	Opaque   string // schemes other than sip/sips/tel: everything after "scheme:"
}

// uriTable returns the RFC 3261 §25.1 "unreserved" set (alphanum / mark)
// plus the characters of extra.
func uriTable(extra string) charSet { return charTable("-_.!~*'()" + extra) }

// uriOpaqueValid refuses white space, controls, bytes above 0x7E and
// '<', '>', '"' in the text of a URI of another scheme.
func uriOpaqueValid(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' {
			return false
		}
	}
	return true
}

// uriSpan returns the length of the prefix of s made of characters of t
// and %HH escapes, or -1 if it meets a malformed escape. t must not hold '%'.
func uriSpan(s string, t *charSet) int {
	i := 0
	for {
		i = t.span(s, i)
		if i == len(s) || s[i] != '%' {
			return i
		}
		if i+2 >= len(s) || !uriIsHex(s[i+1]) || !uriIsHex(s[i+2]) {
			return -1
		}
		i += 3
	}
}

// Character sets of RFC 3261 §25.1, besides "escaped" (%HH), which
// uriSpan and uriCharsValid handle. They are filled once and never
// written again.
var (
	uriUserTable     = uriTable("&=+$,;?/") // user-unreserved
	uriPasswordTable = uriTable("&=+$,")    // password
	uriHeaderTable   = uriTable("[]/?:+$")  // hnv-unreserved
)

func uriErr(what string) error { return fmt.Errorf("%w: %s", ErrURI, what) }

// ParseURI parses s as a SIP or SIPS URI (RFC 3261 §19.1.1), a tel URI
// (RFC 3966) or any other absolute URI, whose text after the scheme is kept
// in Opaque. It does not allocate unless it fails. s must be the bare URI:
// white space, control characters, bytes above 0x7E and '<', '>', '"' are
// refused anywhere in it.
func ParseURI(s string) (URI, error) {
	var u URI
	err := parseURI(&u, s)
	return u, err
}

// parseURI is ParseURI writing into *u, which the typed header parsers
// use to fill their URI in place; *u is zero on error.
func parseURI(u *URI, s string) error {
	*u = URI{}
	if len(s) > 4 && s[:4] == "sip:" { // the usual case, without a scan
		u.Scheme = s[:3]
		if err := uriSIP(u, s[4:]); err != nil {
			*u = URI{}
			return err
		}
		return nil
	}
	n := uriSchemeLen(s)
	if n < 0 {
		return uriErr("missing scheme")
	}
	u.Scheme = s[:n]
	rest := s[n+1:]
	var err error
	switch {
	case u.IsSIP():
		err = uriSIP(u, rest)
	case u.IsTel():
		err = uriTel(u, rest)
	case rest == "":
		err = uriErr("empty URI after scheme")
	case !uriOpaqueValid(rest):
		err = uriErr("forbidden character")
	default:
		u.Opaque = rest
	}
	if err != nil {
		*u = URI{}
	}
	return err
}

// uriSchemeLen returns the length of the scheme at the front of s, which
// must be followed by ':' (RFC 3986 §3.1), or -1.
func uriSchemeLen(s string) int {
	if s == "" || !uriIsAlpha(s[0]) {
		return -1
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			return i
		case uriIsAlpha(c), isDigit(c), c == '+', c == '-', c == '.':
		default:
			return -1
		}
	}
	return -1
}

// uriSIP parses what follows "sip:" or "sips:":
// [userinfo "@"] hostport uri-parameters [headers].
// Each part is scanned once against its character class, which also
// refuses white space, controls and '<', '>', '"'.
func uriSIP(u *URI, s string) error {
	// userinfo ends at the first '@'. No other part of a SIP URI may hold
	// an unescaped '@', while the user part may hold ';' and '?'
	// (RFC 4475 §3.1.1.2 and §3.1.1.9), so neither of those ends it.
	// The usual user, plain user characters up to the '@', is read with
	// one span; anything else is looked at the general way.
	if n := uriUserTable.span(s, 0); n > 0 && n < len(s) && s[n] == '@' {
		u.User, s = s[:n], s[n+1:]
	} else if at := strings.IndexByte(s, '@'); at >= 0 {
		n := uriSpan(s[:at], &uriUserTable)
		if n <= 0 || (n < at && s[n] != ':') {
			return uriErr("invalid user")
		}
		u.User = s[:n]
		if n < at {
			pass := s[n+1 : at]
			if uriSpan(pass, &uriPasswordTable) != len(pass) {
				return uriErr("invalid password")
			}
			u.Password = pass
		}
		s = s[at+1:]
	}
	host, port, s, ok := cutHostPort(s)
	if !ok {
		return uriErr("invalid host or port")
	}
	u.Host, u.Port = host, port
	if s != "" && s[0] == ';' {
		n := uriParamsLen(s)
		if n < 0 {
			return uriErr("invalid parameters")
		}
		u.Params, s = Params(s[:n]), s[n:]
	}
	if s != "" && s[0] == '?' {
		if !uriHeadersValid(s[1:]) {
			return uriErr("invalid headers")
		}
		u.Headers, s = s[1:], ""
	}
	if s != "" {
		return uriErr("invalid character after host")
	}
	return nil
}

// scanHostname reads the hostname or IPv4 address at the front of s in one
// pass and returns its length, or -1 if it is not a valid one. Labels hold
// letters, digits, '-' and, leniently, '_', and do not begin or end with
// '-'; one trailing dot is allowed. A host whose last label is numeric must
// be a dotted quad, so "1.2.3.256" and "10.0.0" are refused rather than
// taken for names.
func scanHostname(s string) int {
	// Each label is one tight loop over label characters; only its edges
	// and the dot after it are looked at one by one. (Labels are short:
	// a plain loop beats charSet.span here.)
	// An IPv4 address, the usual host of a Via or Contact, is read in
	// one pass. If one is not followed by the end of the host, the labels
	// are scanned as for any name.
	if s != "" && isDigit(s[0]) {
		if n := dottedQuadLen(s); n > 0 && (n == len(s) || (!hostLabelSet.has(s[n]) && s[n] != '.')) {
			return n
		}
	}
	i, last := 0, 0 // last: where the last label starts
	for {
		if i == len(s) || !hostLabelSet.has(s[i]) || s[i] == '-' {
			// No label here. After a dot (i > 0) that is the one trailing
			// dot allowed, unless a '-' or another dot follows it.
			if i == 0 || (i < len(s) && (s[i] == '-' || s[i] == '.')) {
				return -1
			}
			break
		}
		last = i
		for i++; i < len(s) && hostLabelSet.has(s[i]); i++ {
		}
		if s[i-1] == '-' {
			return -1
		}
		if i == len(s) || s[i] != '.' {
			break
		}
		i++
	}
	j := last
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && hostLabelSet.has(s[j]) {
		return i // the last label is not numeric: a name
	}
	if s[i-1] != '.' && uriIPv4Valid(s[:i]) { // numeric: a dotted quad, no trailing dot
		return i
	}
	return -1
}

// uriIPv4Valid reports whether s is a dotted quad of decimal numbers of at
// most three digits and 255.
func uriIPv4Valid(s string) bool {
	n := dottedQuadLen(s)
	return n > 0 && n == len(s)
}

// dottedQuadLen returns the length of the dotted quad (four decimal
// numbers of at most three digits and 255) at the front of s, or 0.
func dottedQuadLen(s string) int {
	i := 0
	for part := 0; ; part++ {
		// One to three digits, unrolled: a loop costs twice as much here.
		if i == len(s) || !isDigit(s[i]) {
			return 0
		}
		n := int(s[i] - '0')
		if i++; i < len(s) && isDigit(s[i]) {
			n = n*10 + int(s[i]-'0')
			if i++; i < len(s) && isDigit(s[i]) {
				n = n*10 + int(s[i]-'0')
				i++
			}
		}
		switch {
		case n > 255:
			return 0
		case part == 3:
			return i
		case i == len(s) || s[i] != '.':
			return 0
		}
		i++
	}
}

// hostLabelSet holds the characters of a hostname label: letters, digits,
// '-' (not at either end) and, leniently, '_'.
var hostLabelSet = charTable("-_")

// Character classes of uri-parameters as Params reads them: names are
// tokens, values tokens or hosts, both also paramchar (RFC 3261 §25.1),
// with %HH escapes handled by uriParamsLen.
var (
	uriPNameTable  = func() charSet { t := uriTable("+"); t['('], t[')'] = 0, 0; return t }()
	uriPValueTable = uriTable("+[]:/&$")
)

// uriParamsLen returns the length of the uri-parameters at the front of s,
// ";name[=value]" repeated, in one pass, or -1 if they are malformed.
func uriParamsLen(s string) int {
	i := 0
	for i < len(s) && s[i] == ';' {
		// The spans are inline for the usual case; only a '%' needs
		// uriSpan's check of the escape.
		i++
		n := uriPNameTable.span(s, i)
		if n < len(s) && s[n] == '%' {
			n = i + uriSpan(s[i:], &uriPNameTable)
		}
		if n <= i {
			return -1
		}
		i = n
		if i < len(s) && s[i] == '=' {
			i++
			v := uriPValueTable.span(s, i)
			if v < len(s) && s[v] == '%' {
				v = i + uriSpan(s[i:], &uriPValueTable)
			}
			if v <= i {
				return -1
			}
			i = v
		}
	}
	return i
}

// uriParamsValid reports whether p is a list of ";pname[=pvalue]" uri-parameters
// made of paramchar (RFC 3261 §25.1). Names must also be tokens, as Params
// requires, which is stricter than the grammar's paramchar.
func uriParamsValid(p string) bool { return uriParamsLen(p) == len(p) }

// uriHeadersValid reports whether h is hname "=" hvalue pairs joined by '&'
// (RFC 3261 §25.1); hname is non-empty, hvalue may be empty.
func uriHeadersValid(h string) bool {
	for {
		item, rest, more := strings.Cut(h, "&")
		name, value, ok := strings.Cut(item, "=")
		if !ok || name == "" || !uriCharsValid(name, &uriHeaderTable) || !uriCharsValid(value, &uriHeaderTable) {
			return false
		}
		if !more {
			return true
		}
		h = rest
	}
}

// uriTel parses what follows "tel:": a telephone number and its
// parameters (RFC 3966 §3).
func uriTel(u *URI, s string) error {
	num, params := s, ""
	if i := strings.IndexByte(s, ';'); i >= 0 {
		num, params = s[:i], s[i:]
	}
	if !uriTelNumberValid(num) {
		return uriErr("invalid telephone number")
	}
	if params != "" && !uriParamsValid(params) {
		return uriErr("invalid parameters")
	}
	u.User, u.Params = num, Params(params)
	return nil
}

// uriTelNumberValid reports whether s is a global number ('+' then digits)
// or a local number (hex digits, '*', '#'), either with visual separators
// "-.()" and at least one digit (RFC 3966 §3 global-number-digits,
// local-number-digits).
func uriTelNumberValid(s string) bool {
	global := s != "" && s[0] == '+'
	if global {
		s = s[1:]
	}
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			digits = true
		case uriIsTelSeparator(c):
		case !global && (uriIsHex(c) || c == '*' || c == '#'):
			digits = true
		default:
			return false
		}
	}
	return digits
}

func uriIsTelSeparator(c byte) bool { return c == '-' || c == '.' || c == '(' || c == ')' }

// uriCharsValid reports whether every byte of s is in t or starts a
// well-formed %HH escape.
func uriCharsValid(s string, t *charSet) bool { return uriSpan(s, t) == len(s) }

func uriIsAlpha(c byte) bool { return lower(c) >= 'a' && lower(c) <= 'z' }

func uriIsHex(c byte) bool { return isDigit(c) || (lower(c) >= 'a' && lower(c) <= 'f') }

func uriUnhex(c byte) byte {
	if isDigit(c) {
		return c - '0'
	}
	return lower(c) - 'a' + 10
}

// AppendTo appends the canonical text of u to dst and returns the extended
// slice: the scheme as written, then user[:password]@, the host (bracketed
// when it is an IPv6 address), :port when nonzero, the parameters as written
// and ?headers. A tel URI is scheme ":" number parameters, any other scheme
// scheme ":" opaque. It allocates only when dst lacks room.
func (u URI) AppendTo(dst []byte) []byte {
	dst = append(dst, u.Scheme...)
	dst = append(dst, ':')
	switch {
	case u.IsSIP():
	case u.IsTel():
		dst = append(dst, u.User...)
		return append(dst, u.Params...)
	default:
		return append(dst, u.Opaque...)
	}
	if u.User != "" || u.Password != "" {
		dst = append(dst, u.User...)
		if u.Password != "" {
			dst = append(dst, ':')
			dst = append(dst, u.Password...)
		}
		dst = append(dst, '@')
	}
	dst = appendHostPort(dst, u.Host, u.Port)
	dst = append(dst, u.Params...)
	if u.Headers != "" {
		dst = append(dst, '?')
		dst = append(dst, u.Headers...)
	}
	return dst
}

// String returns the canonical text of u, as AppendTo writes it.
func (u URI) String() string {
	var buf [128]byte
	return string(u.AppendTo(buf[:0]))
}

// IsSIP reports whether u is a sip or sips URI.
func (u URI) IsSIP() bool { return equalFold(u.Scheme, "sip") || equalFold(u.Scheme, "sips") }

// IsSecure reports whether u is a sips URI.
func (u URI) IsSecure() bool { return equalFold(u.Scheme, "sips") }

// IsTel reports whether u is a tel URI.
func (u URI) IsTel() bool { return equalFold(u.Scheme, "tel") }

// Transport returns the value of the transport parameter as written,
// or "" when there is none.
func (u URI) Transport() string {
	v, _ := u.Params.Get("transport")
	return v
}

// Equal reports whether u and v are equivalent. SIP and SIPS URIs follow
// RFC 3261 §19.1.4: the schemes must match; user and password compare
// case-sensitively and the rest case-insensitively, each after undoing
// escapes of unreserved characters; the host compares case-insensitively
// (IPv6 references as addresses); an absent port never
// matches an explicit one; the user, ttl, method, maddr and transport
// parameters must match when either URI has them, other parameters only
// when both have them; and every header must appear in both. Tel URIs
// (RFC 3966 §4) compare the numbers ignoring visual separators and need the
// same parameters. Other schemes compare the scheme case-insensitively and
// the opaque part exactly.
func (u URI) Equal(v URI) bool {
	if !equalFold(u.Scheme, v.Scheme) {
		return false
	}
	switch {
	case u.IsSIP():
		return uriEscEqual(u.User, v.User, false) &&
			uriEscEqual(u.Password, v.Password, false) &&
			uriHostEqual(u.Host, v.Host) &&
			u.Port == v.Port &&
			uriParamsEqual(u.Params, v.Params) &&
			uriHeadersIn(u.Headers, v.Headers) &&
			uriHeadersIn(v.Headers, u.Headers)
	case u.IsTel():
		return uriTelNumberEqual(u.User, v.User) &&
			uriParamsSubset(u.Params, v.Params) &&
			uriParamsSubset(v.Params, u.Params)
	}
	return u.Opaque == v.Opaque
}

// uriHostEqual compares hosts case-insensitively, IPv6 addresses by value
// so that "::1" and "0:0::01" match.
func uriHostEqual(a, b string) bool {
	if strings.IndexByte(a, ':') >= 0 && strings.IndexByte(b, ':') >= 0 {
		x, errx := netip.ParseAddr(a)
		y, erry := netip.ParseAddr(b)
		if errx == nil && erry == nil {
			return x == y
		}
	}
	return equalFold(a, b)
}

// uriParamsEqual applies the parameter rules of RFC 3261 §19.1.4.
func uriParamsEqual(a, b Params) bool {
	for _, name := range [...]string{"user", "ttl", "method", "maddr", "transport"} {
		_, inA := uriParamLookup(a, name)
		_, inB := uriParamLookup(b, name)
		if inA != inB {
			return false
		}
	}
	equal := true
	a.Each(func(name, _ string) bool {
		// Compare first occurrences on both sides, so that the result
		// does not depend on the order of the operands.
		va, _ := uriParamLookup(a, name)
		vb, ok := uriParamLookup(b, name)
		equal = !ok || uriEscEqual(va, vb, true)
		return equal
	})
	return equal
}

// uriParamsSubset reports whether every parameter of a is in b with an
// equal value (case-insensitive, after unescaping).
func uriParamsSubset(a, b Params) bool {
	subset := true
	a.Each(func(name, _ string) bool {
		va, _ := uriParamLookup(a, name)
		vb, ok := uriParamLookup(b, name)
		subset = ok && uriEscEqual(va, vb, true)
		return subset
	})
	return subset
}

// uriParamLookup is Params.Get with names compared after unescaping.
func uriParamLookup(p Params, name string) (string, bool) {
	var value string
	found := false
	p.Each(func(n, v string) bool {
		if uriEscEqual(n, name, true) {
			value, found = v, true
		}
		return !found
	})
	return value, found
}

// uriHeadersIn reports whether every header of a appears in b: names
// compare case-insensitively, values exactly, both after unescaping.
func uriHeadersIn(a, b string) bool {
	for a != "" {
		var item string
		item, a, _ = strings.Cut(a, "&")
		name, value, _ := strings.Cut(item, "=")
		if !uriHeaderFind(b, name, value) {
			return false
		}
	}
	return true
}

func uriHeaderFind(h, name, value string) bool {
	for h != "" {
		var item string
		item, h, _ = strings.Cut(h, "&")
		n, v, _ := strings.Cut(item, "=")
		if uriEscEqual(n, name, true) && uriEscEqual(v, value, false) {
			return true
		}
	}
	return false
}

// uriEscEqual compares a and b octet by octet after decoding %HH escapes,
// folding ASCII case if fold is set. An escaped character of the RFC 3261
// §25.1 "reserved" set differs from the same character written plainly
// (RFC 3261 §19.1.4).
func uriEscEqual(a, b string, fold bool) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, ra, ni := uriNextOctet(a, i)
		cb, rb, nj := uriNextOctet(b, j)
		if fold {
			ca, cb = lower(ca), lower(cb)
		}
		if ca != cb || ra != rb {
			return false
		}
		i, j = ni, nj
	}
	return i == len(a) && j == len(b)
}

// uriNextOctet decodes the octet at s[i], reporting whether it is an
// escaped reserved character, and returns the index after it.
func uriNextOctet(s string, i int) (c byte, escapedReserved bool, next int) {
	if s[i] == '%' && i+2 < len(s) && uriIsHex(s[i+1]) && uriIsHex(s[i+2]) {
		c = uriUnhex(s[i+1])<<4 | uriUnhex(s[i+2])
		return c, strings.IndexByte(";/?:@&=+$,", c) >= 0, i + 3
	}
	return s[i], false, i + 1
}

// uriTelNumberEqual compares telephone numbers ignoring visual separators
// and the case of hex digits (RFC 3966 §4).
func uriTelNumberEqual(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && uriIsTelSeparator(a[i]) {
			i++
		}
		for j < len(b) && uriIsTelSeparator(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if lower(a[i]) != lower(b[j]) {
			return false
		}
		i++
		j++
	}
}

// Unescape returns s with its %HH escapes decoded. It returns s itself,
// without allocating, when s holds no '%'. A NUL octet ("%00") is kept like
// any other (RFC 4475 §3.1.1.4); a '%' not followed by two hex digits is an
// error wrapping ErrURI.
func Unescape(s string) (string, error) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !uriIsHex(s[i+1]) || !uriIsHex(s[i+2]) {
				return "", uriErr("malformed escape")
			}
			c = uriUnhex(s[i+1])<<4 | uriUnhex(s[i+2])
			i += 2
		}
		b = append(b, c)
	}
	return string(b), nil
}
