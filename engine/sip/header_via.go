package sip

import "strconv"

// BranchCookie starts every RFC 3261 branch (§8.1.1.7); a branch without it
// comes from an RFC 2543 element and is matched the old way (§17.2.3).
const BranchCookie = "z9hG4bK"

// Via is one Via value (RFC 3261 §20.42): "SIP/2.0/UDP host:port;params".
type Via struct {
	Transport string // "UDP", "TCP", "TLS", "SCTP", "WS", ... as written
	Host      string // sent-by host, IPv6 without brackets
	Port      int    // sent-by port, 0 if absent
	Params    Params // ";branch=...;received=...;rport"
	branch    knownParam
}

// ParseVia parses one Via value. White space around the slashes and before
// the parameters is allowed (RFC 3261 §25.1 SLASH, RFC 4475 §3.1.1.1).
func ParseVia(s string) (Via, error) {
	var v Via
	err := parseVia(&v, s)
	return v, err
}

// parseVia is ParseVia writing into *v (zero on error), so a Message fills
// its cache in place.
func parseVia(v *Via, s string) error {
	*v = Via{}
	if len(s) > 8 && s[:8] == "SIP/2.0/" { // the usual spelling, without blanks
		s = s[8:]
	} else {
		proto, rest, ok := cutSlash(s)
		if !ok || !equalFold(proto, "SIP") {
			return ErrVia
		}
		version, rest, ok := cutSlash(rest)
		if !ok || version != "2.0" {
			return ErrVia
		}
		s = trimLeftWS(rest)
	}
	i := tokenTable.span(s, 0)
	if i == 0 || i == len(s) || !isWS(s[i]) {
		return ErrVia
	}
	transport := s[:i]
	host, port, s, ok := cutHostPort(trimLeftWS(s[i:]))
	if !ok || (s != "" && s[0] != ';' && !isWS(s[0])) {
		return ErrVia
	}
	params := Params(trimWS(s))
	var branch knownParam
	if !params.validFind("branch", &branch) {
		return ErrVia
	}
	*v = Via{Transport: transport, Host: host, Port: port, Params: params, branch: branch}
	return nil
}

// cutSlash splits "token SWS / rest" at the slash.
func cutSlash(s string) (tok, rest string, ok bool) {
	s = trimLeftWS(s)
	i := 0
	for i < len(s) && tokenTable.has(s[i]) && s[i] != '/' {
		i++
	}
	tok, s = s[:i], trimLeftWS(s[i:])
	if tok == "" || s == "" || s[0] != '/' {
		return "", "", false
	}
	return tok, s[1:], true
}

// Branch returns the branch parameter (RFC 3261 §8.1.1.7).
func (v Via) Branch() string { return v.branch.get(v.Params, "branch") }

// Received returns the received parameter (RFC 3261 §18.2.1).
func (v Via) Received() string { r, _ := v.Params.Get("received"); return r }

// MAddr returns the maddr parameter.
func (v Via) MAddr() string { a, _ := v.Params.Get("maddr"); return a }

// RPort reports the rport parameter (RFC 3581): present says whether it is
// there at all, port is its value (0 when it came without one).
func (v Via) RPort() (port int, present bool) {
	s, ok := v.Params.Get("rport")
	if !ok {
		return 0, false
	}
	p, _ := parseUint(s, 65535)
	return int(p), true
}

// TTL returns the ttl parameter of a multicast Via.
func (v Via) TTL() (int, bool) {
	s, ok := v.Params.Get("ttl")
	if !ok {
		return 0, false
	}
	n, ok := parseUint(s, 255)
	return int(n), ok
}

// SentBy returns "host:port" as it identifies the sender (§18.2.2).
func (v Via) SentBy() string { return string(appendHostPort(nil, v.Host, v.Port)) }

// AppendTo appends the canonical form of v.
func (v Via) AppendTo(dst []byte) []byte {
	dst = append(dst, "SIP/2.0/"...)
	dst = append(dst, v.Transport...)
	dst = append(dst, ' ')
	dst = appendHostPort(dst, v.Host, v.Port)
	return append(dst, v.Params...)
}

func (v Via) String() string {
	var buf [128]byte
	return string(v.AppendTo(buf[:0]))
}

// CSeq is the CSeq header (RFC 3261 §20.16).
type CSeq struct {
	Seq    uint32
	Method string
}

// ParseCSeq parses "number method". The number must fit 32 bits
// (§8.1.1.5; RFC 4475 §3.1.2.4) and the method must be a token.
func ParseCSeq(s string) (CSeq, error) {
	// One pass: the digits, the white space after them, the token to the end.
	s = trimWS(s)
	var n uint64
	i := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		if n = n*10 + uint64(s[i]-'0'); n > 1<<32-1 {
			return CSeq{}, ErrCSeq
		}
	}
	j := i
	for j < len(s) && isWS(s[j]) {
		j++
	}
	if i == 0 || j == i || j == len(s) || tokenTable.span(s, j) != len(s) {
		return CSeq{}, ErrCSeq
	}
	return CSeq{Seq: uint32(n), Method: s[j:]}, nil
}

// AppendTo appends "seq method".
func (c CSeq) AppendTo(dst []byte) []byte {
	dst = strconv.AppendUint(dst, uint64(c.Seq), 10)
	dst = append(dst, ' ')
	return append(dst, c.Method...)
}

func (c CSeq) String() string {
	var buf [32]byte
	return string(c.AppendTo(buf[:0]))
}
