package sip

// Authentication headers: WWW-Authenticate and Proxy-Authenticate carry
// challenges, Authorization and Proxy-Authorization carry credentials
// (RFC 3261 §22, §25.1; RFC 7616 digest with userhash and charset; RFC 8760
// SHA-256 and SHA-512-256 in SIP).
//
// Parsing does not copy: every string handed out is a view into the value,
// except a quoted value holding backslash escapes (Unquote resolves them) and
// an Other list whose unknown parameters were not written side by side.
//
// Linear white space, folds included, is allowed around '=' and ',' and
// inside quoted strings; any other control character is refused, so that
// what AppendTo writes never breaks the header line.

import "strings"

// Challenge is one authentication challenge.
type Challenge struct {
	Scheme    string // "Digest" as written; compare case-insensitively
	Realm     string // unquoted
	Domain    string
	Nonce     string
	Opaque    string
	Stale     bool
	Algorithm string // as written, e.g. "MD5", "SHA-256", "SHA-512-256", "MD5-sess"; "" when absent (means MD5)
	QOP       string // raw qop-options list content, e.g. "auth,auth-int"
	Charset   string
	Userhash  bool
	Other     string // any other auth-params, raw "name=value" items joined by ", " as written (kept for round trip)
	Token     string // for non-Digest schemes in token68 form, or the raw parameter text of an unknown scheme
}

// Credentials is one Authorization or Proxy-Authorization value.
type Credentials struct {
	Scheme, Username, Realm, Nonce, URI, Response, Algorithm, CNonce, Opaque, QOP, NC string // values unquoted

	Userhash bool
	Other    string // unknown auth-params, raw, as for Challenge
	Token    string // non-Digest schemes: the raw text after the scheme
}

// authError is a parse failure of an authentication header. It wraps ErrAuth.
type authError string

func (e authError) Error() string { return ErrAuth.Error() + ": " + string(e) }
func (e authError) Unwrap() error { return ErrAuth }

// The digest parameters given their own field. A parameter's index in its
// list is its bit in the set of parameters seen, to refuse duplicates.
var (
	authChallengeParams  = [...]string{"realm", "domain", "nonce", "opaque", "stale", "algorithm", "qop", "charset", "userhash"}
	authCredentialParams = [...]string{"username", "username*", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "opaque", "qop", "nc", "userhash"}
)

// ParseChallenges appends to dst every challenge of one WWW-Authenticate or
// Proxy-Authenticate value. A value may hold several challenges separated by
// commas: a new one starts where a token is followed by white space and not
// by '=', or stands alone between commas (RFC 7235 §4.1). On error dst is
// returned as it was given.
func ParseChallenges(value string, dst []Challenge) ([]Challenge, error) {
	s := trimWS(value)
	if s == "" {
		return dst, authError("empty value")
	}
	if err := authCheckText(s); err != nil {
		return dst, err
	}
	out := dst
	for i := 0; i < len(s); {
		var c Challenge
		var err error
		if c, i, err = authParseChallenge(s, i); err != nil {
			return dst, err
		}
		out = append(out, c)
	}
	return out, nil
}

// authParseChallenge parses the challenge whose scheme starts at s[i]. It
// returns the index where the next challenge's scheme starts, or len(s).
func authParseChallenge(s string, i int) (c Challenge, next int, err error) {
	j := authTokenEnd(s, i)
	if j == i {
		return c, 0, authError("missing auth scheme")
	}
	c.Scheme = s[i:j]
	digest := equalFold(c.Scheme, "Digest")
	i = authSkipWS(s, j)
	switch {
	case i < len(s) && s[i] == '=':
		return c, 0, authError("parameter where an auth scheme is expected")
	case i == j && i < len(s) && s[i] != ',':
		return c, 0, authError("auth scheme not followed by white space")
	}

	var seen uint16
	other := authOther{end: -1}
	if i < len(s) && s[i] != ',' {
		start, end := i, i
		if n := authToken68Len(s[i:]); n > 0 && !digest {
			end = i + n
		} else {
			for {
				name, raw, e, err := authParam(s, i)
				if err != nil {
					return c, 0, err
				}
				if digest {
					if err := c.authSet(s, i, e, name, raw, &seen, &other); err != nil {
						return c, 0, err
					}
				}
				end = e
				// Another parameter of this challenge follows a comma,
				// unless what follows starts the next challenge.
				k := authSkipWS(s, e)
				if k == len(s) || s[k] != ',' {
					break
				}
				k = authSkipWS(s, k+1)
				if authStartsChallenge(s, k) {
					break
				}
				i = k
			}
		}
		if !digest {
			c.Token = s[start:end]
		}
		i = authSkipWS(s, end)
	}
	c.Other = other.s

	if i < len(s) {
		if s[i] != ',' {
			return c, 0, authError("expected ',' after parameter")
		}
		if i = authSkipWS(s, i+1); i == len(s) {
			return c, 0, authError("empty list element")
		}
	}
	if digest && (seen&authBit(authChallengeParams[:], "realm") == 0 || seen&authBit(authChallengeParams[:], "nonce") == 0) {
		return c, 0, authError("digest challenge without realm or nonce")
	}
	return c, i, nil
}

// authSet stores the digest parameter name=raw, found at s[start:end].
func (c *Challenge) authSet(s string, start, end int, name, raw string, seen *uint16, other *authOther) error {
	k := authIndex(authChallengeParams[:], name)
	if k < 0 {
		other.add(s, start, end, name, raw)
		return nil
	}
	if *seen&(1<<k) != 0 {
		return authError("duplicate parameter " + authChallengeParams[k])
	}
	*seen |= 1 << k
	v := Unquote(raw)
	switch authChallengeParams[k] {
	case "realm":
		c.Realm = v
	case "domain":
		c.Domain = v
	case "nonce":
		c.Nonce = v
	case "opaque":
		c.Opaque = v
	case "stale":
		c.Stale = equalFold(v, "true") // anything else means false (RFC 2617 §3.2.1)
	case "algorithm":
		c.Algorithm = v
	case "qop":
		c.QOP = v
	case "charset":
		c.Charset = v
	case "userhash":
		c.Userhash = equalFold(v, "true")
	}
	return nil
}

// ParseCredentials parses one Authorization or Proxy-Authorization value.
// A scheme other than Digest is returned as Scheme and Token, unchecked
// (RFC 4475 §3.3.7).
func ParseCredentials(value string) (Credentials, error) {
	var c Credentials
	s := trimWS(value)
	if s == "" {
		return c, authError("empty value")
	}
	if err := authCheckText(s); err != nil {
		return c, err
	}
	j := authTokenEnd(s, 0)
	if j == 0 {
		return c, authError("missing auth scheme")
	}
	if j < len(s) && !isWS(s[j]) {
		return c, authError("auth scheme not followed by white space")
	}
	c.Scheme = s[:j]
	i := authSkipWS(s, j)
	if !equalFold(c.Scheme, "Digest") {
		c.Token = s[i:]
		return c, nil
	}

	var seen uint16
	other := authOther{end: -1}
	for i < len(s) {
		name, raw, end, err := authParam(s, i)
		if err != nil {
			return Credentials{}, err
		}
		if err := c.authSet(s, i, end, name, raw, &seen, &other); err != nil {
			return Credentials{}, err
		}
		if i = authSkipWS(s, end); i == len(s) {
			break
		}
		if s[i] != ',' {
			return Credentials{}, authError("expected ',' after parameter")
		}
		if i = authSkipWS(s, i+1); i == len(s) {
			return Credentials{}, authError("empty list element")
		}
	}
	c.Other = other.s

	has := func(name string) bool { return seen&authBit(authCredentialParams[:], name) != 0 }
	switch {
	case !has("username") && !has("username*"):
		return Credentials{}, authError("digest credentials without username")
	case has("username") && has("username*"):
		return Credentials{}, authError("both username and username*")
	case !has("realm"), !has("nonce"), !has("uri"), !has("response"):
		return Credentials{}, authError("digest credentials without realm, nonce, uri or response")
	case has("qop") && (!has("cnonce") || !has("nc")):
		return Credentials{}, authError("qop without cnonce or nc")
	}
	return c, nil
}

// authSet stores the digest parameter name=raw, found at s[start:end].
func (c *Credentials) authSet(s string, start, end int, name, raw string, seen *uint16, other *authOther) error {
	k := authIndex(authCredentialParams[:], name)
	if k < 0 {
		other.add(s, start, end, name, raw)
		return nil
	}
	if *seen&(1<<k) != 0 {
		return authError("duplicate parameter " + authCredentialParams[k])
	}
	*seen |= 1 << k
	v := Unquote(raw)
	switch authCredentialParams[k] {
	case "username":
		c.Username = v
	case "username*": // RFC 7616 §3.4.4 extended notation, kept as written
		other.add(s, start, end, name, raw)
	case "realm":
		c.Realm = v
	case "nonce":
		c.Nonce = v
	case "uri":
		c.URI = v
	case "response":
		c.Response = v
	case "algorithm":
		c.Algorithm = v
	case "cnonce":
		c.CNonce = v
	case "opaque":
		c.Opaque = v
	case "qop":
		c.QOP = v
	case "nc":
		if !authIsNC(v) {
			return authError("nc is not 8 hex digits")
		}
		c.NC = v
	case "userhash":
		c.Userhash = equalFold(v, "true")
	}
	return nil
}

// HasQOP reports whether q ("auth", "auth-int") is in the challenge's qop
// list. Case is ignored.
func (c Challenge) HasQOP(q string) bool {
	s := c.QOP
	for s != "" {
		var item string
		item, s, _ = strings.Cut(s, ",")
		if equalFold(trimWS(item), q) {
			return true
		}
	}
	return false
}

// AppendTo appends the challenge as a header value. A Digest challenge is
// written canonically in a fixed order, realm and nonce always, the other
// parameters when set, then Other; any other scheme is written as Scheme and
// Token.
func (c Challenge) AppendTo(dst []byte) []byte {
	w := authWriter{b: dst}
	w.raw(c.Scheme)
	if !equalFold(c.Scheme, "Digest") {
		w.raw(c.Token)
		return w.b
	}
	w.quoted("realm", c.Realm, true)
	w.quoted("domain", c.Domain, false)
	w.quoted("nonce", c.Nonce, true)
	w.quoted("opaque", c.Opaque, false)
	w.flag("stale", c.Stale)
	w.bare("algorithm", c.Algorithm)
	w.quoted("qop", c.QOP, false)
	w.bare("charset", c.Charset)
	w.flag("userhash", c.Userhash)
	w.raw(c.Other)
	return w.b
}

// AppendTo appends the credentials as a header value. Digest credentials
// are written canonically in a fixed order, the mandatory parameters always
// (username unless Other holds username*), cnonce whenever qop is set, then
// Other; any other scheme is written as Scheme and Token.
func (c Credentials) AppendTo(dst []byte) []byte {
	w := authWriter{b: dst}
	w.raw(c.Scheme)
	if !equalFold(c.Scheme, "Digest") {
		w.raw(c.Token)
		return w.b
	}
	w.quoted("username", c.Username, c.Username != "" || !authHasParam(c.Other, "username*"))
	w.quoted("realm", c.Realm, true)
	w.quoted("nonce", c.Nonce, true)
	w.quoted("uri", c.URI, true)
	w.quoted("response", c.Response, true)
	w.bare("algorithm", c.Algorithm)
	w.quoted("cnonce", c.CNonce, c.QOP != "")
	w.quoted("opaque", c.Opaque, false)
	w.bare("qop", c.QOP)
	w.bare("nc", c.NC)
	w.flag("userhash", c.Userhash)
	w.raw(c.Other)
	return w.b
}

// authParam scans one auth-param, name = ( token / quoted-string ), at s[i].
// It returns the name, the value as written (quotes included) and the
// index just past the value.
func authParam(s string, i int) (name, raw string, end int, err error) {
	j := authTokenEnd(s, i)
	if j == i {
		return "", "", 0, authError("empty parameter name")
	}
	name = s[i:j]
	if j = authSkipWS(s, j); j == len(s) || s[j] != '=' {
		return "", "", 0, authError("parameter " + name + " without value")
	}
	j = authSkipWS(s, j+1)
	if j < len(s) && s[j] == '"' {
		n := quotedLen(s[j:])
		if n < 0 {
			return "", "", 0, authError("missing closing quote")
		}
		return name, s[j : j+n], j + n, nil
	}
	k := authTokenEnd(s, j)
	if k == j {
		return "", "", 0, authError("value of " + name + " is neither token nor quoted-string")
	}
	return name, s[j:k], k, nil
}

// authStartsChallenge reports whether the list element at s[i] starts a new
// challenge: a token followed by white space and not by '=', or a token
// standing alone (a scheme without parameters).
func authStartsChallenge(s string, i int) bool {
	j := authTokenEnd(s, i)
	if j == i {
		return false
	}
	k := authSkipWS(s, j)
	if k == len(s) || s[k] == ',' {
		return true
	}
	return k > j && s[k] != '='
}

// authToken68Len returns the length of the token68 (RFC 7235 §2.1) that
// fills the list element at the front of s, or 0 if there is none.
func authToken68Len(s string) int {
	n := 0
	for n < len(s) && authIsToken68Char(s[n]) {
		n++
	}
	if n == 0 {
		return 0
	}
	for n < len(s) && s[n] == '=' {
		n++
	}
	if k := authSkipWS(s, n); k < len(s) && s[k] != ',' {
		return 0
	}
	return n
}

func authIsToken68Char(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// authIsNC reports whether v is a nonce-count: 8 hex digits (RFC 3261 §25.1
// asks lower case; upper case is accepted).
func authIsNC(v string) bool {
	if len(v) != 8 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := lower(v[i])
		if !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// authHasParam reports whether the raw list of auth-params holds name.
func authHasParam(list, name string) bool {
	for i := authSkipWS(list, 0); i < len(list); {
		n, _, end, err := authParam(list, i)
		if err != nil {
			return false
		}
		if equalFold(n, name) {
			return true
		}
		if i = authSkipWS(list, end); i < len(list) && list[i] == ',' {
			i = authSkipWS(list, i+1)
		}
	}
	return false
}

func authSkipWS(s string, i int) int {
	for i < len(s) && isWS(s[i]) {
		i++
	}
	return i
}

// authTokenEnd returns the end of the token at s[i], i if there is none.
func authTokenEnd(s string, i int) int {
	return tokenTable.span(s, i)
}

// authIndex returns the index of name in names, ignoring case, or -1.
func authIndex(names []string, name string) int {
	for k, n := range names {
		if equalFold(n, name) {
			return k
		}
	}
	return -1
}

func authBit(names []string, name string) uint16 { return 1 << authIndex(names, name) }

// authBadCTL reports whether s[i] is a control character that may not
// appear in a header value: anything below 0x20 but HTAB, and DEL, except
// the CR LF and LF of a line fold (followed by SP or HTAB).
func authBadCTL(s string, i int) bool {
	switch c := s[i]; {
	case c == '\r':
		return !(i+2 < len(s) && s[i+1] == '\n' && (s[i+2] == ' ' || s[i+2] == '\t'))
	case c == '\n':
		return !(i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t'))
	default:
		return c < 0x20 && c != '\t' || c == 0x7f
	}
}

func authCheckText(s string) error {
	for i := 0; i < len(s); i++ {
		if authBadCTL(s, i) {
			return authError("control character in value")
		}
	}
	return nil
}

// authOther collects the unknown parameters of one challenge or credentials.
// While they were written side by side, separated by exactly ", ", s stays a
// view into the value and end is where it ends there; otherwise s is built
// by concatenation and end is -1.
type authOther struct {
	s   string
	end int
}

// add appends the parameter name=raw found at in[start:end]. White space
// around its '=' is dropped.
func (o *authOther) add(in string, start, end int, name, raw string) {
	item := in[start:end]
	if len(item) != len(name)+1+len(raw) {
		item, end = name+"="+raw, -1
	}
	switch {
	case o.s == "":
		o.s, o.end = item, end
	case o.end >= 0 && end >= 0 && in[o.end:start] == ", ":
		o.s, o.end = in[o.end-len(o.s):end], end
	default:
		o.s, o.end = o.s+", "+item, -1
	}
}

// authWriter writes "Scheme p1=v1, p2=v2". Control characters that a parsed
// value cannot hold are written as spaces, so that no value set by hand
// can end the header line.
type authWriter struct {
	b []byte
	n int // items written
}

func (w *authWriter) sep() {
	switch {
	case w.n == 1:
		w.b = append(w.b, ' ')
	case w.n > 1:
		w.b = append(w.b, ", "...)
	}
	w.n++
}

// raw writes s as it is, if it is not empty.
func (w *authWriter) raw(s string) {
	if s == "" {
		return
	}
	w.sep()
	w.b = authAppendClean(w.b, s, false)
}

// quoted writes name="v" if v is set or always is true.
func (w *authWriter) quoted(name, v string, always bool) {
	if v == "" && !always {
		return
	}
	w.sep()
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = authAppendClean(w.b, v, true)
	w.b = append(w.b, '"')
}

// bare writes name=v if v is set: as a token, or quoted if it is not one.
func (w *authWriter) bare(name, v string) {
	if !isToken(v) {
		w.quoted(name, v, false)
		return
	}
	w.sep()
	w.b = append(w.b, name...)
	w.b = append(w.b, '=')
	w.b = append(w.b, v...)
}

// flag writes name=true if on is set; false is the default and left out.
func (w *authWriter) flag(name string, on bool) {
	if on {
		w.bare(name, "true")
	}
}

// authAppendClean appends s, escaping '"' and '\' if quoted, and writing a
// control character that is not part of a line fold as a space.
func authAppendClean(b []byte, s string, quoted bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && (c == '"' || c == '\\'):
			b = append(b, '\\', c)
		case authBadCTL(s, i):
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
}
