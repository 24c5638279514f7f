package sip

// The fast scanners are checked against plain statements of the rules
// they implement, on exhaustive and random inputs.

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// scanHostnameRef is the plain statement of the hostname rules that
// scanHostname implements in a faster shape: the character-by-character
// walk it replaced, kept as the reference the two are compared against.
func scanHostnameRef(s string) int {
	isLabel := func(c byte) bool { return isDigit(c) || uriIsAlpha(c) || c == '-' || c == '_' }
	prev, i := byte('.'), 0
	for ; i < len(s); i++ {
		c := s[i]
		if !isLabel(c) && c != '.' {
			break
		}
		if c == '.' {
			if prev == '.' || prev == '-' {
				return -1
			}
		} else if c == '-' && prev == '.' {
			return -1
		}
		prev = c
	}
	host := s[:i]
	switch prev {
	case '-':
		return -1
	case '.':
		if i < 2 {
			return -1
		}
		host = host[:i-1]
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	for j := 0; j < len(last); j++ {
		if !isDigit(last[j]) {
			return i
		}
	}
	if len(host) == i && ipv4Ref(host) {
		return i
	}
	return -1
}

func ipv4Ref(s string) bool {
	parts, n, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n > 255 {
				return false
			}
			parts, n, digits = parts+1, 0, 0
			continue
		}
		if !isDigit(s[i]) || digits == 3 {
			return false
		}
		n, digits = n*10+int(s[i]-'0'), digits+1
	}
	return parts == 4
}

// TestScanHostnameMatchesReference compares scanHostname and uriIPv4Valid
// with the reference on every string of up to 6 characters over an
// alphabet that exercises each rule, up to 8 over one that makes dotted
// quads, on random strings mostly of digits and dots, and on some hosts.
func TestScanHostnameMatchesReference(t *testing.T) {
	check := func(s string) {
		if got, want := scanHostname(s), scanHostnameRef(s); got != want {
			t.Fatalf("scanHostname(%q) = %d, want %d", s, got, want)
		}
		if got, want := uriIPv4Valid(s), ipv4Ref(s); got != want {
			t.Fatalf("uriIPv4Valid(%q) = %v, want %v", s, got, want)
		}
	}
	var walk func(prefix, alphabet string, max int)
	walk = func(prefix, alphabet string, max int) {
		check(prefix)
		if len(prefix) == max {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			walk(prefix+alphabet[i:i+1], alphabet, max)
		}
	}
	walk("", "a1925-._:;", 6)
	walk("", "125.a", 8) // long enough for dotted quads
	rng := rand.New(rand.NewPCG(1, 2))
	const digitsAndMore = "0123456789012345678901234567890123456789...-a_:"
	for range 200000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = digitsAndMore[rng.IntN(len(digitsAndMore))]
		}
		check(string(b))
	}
	for _, s := range []string{
		"atlanta.example.com", "atlanta.example.com.", "192.0.2.101", "192.0.2.101:5060",
		"255.255.255.255", "256.1.1.1", "1.2.3.4.", "0001.2.3.4", "10.0.0", "a.1", "a.b1",
		"x-y.example-host.org;lr", "_sip._udp.example.com", "a..b", "a.-b", "a-.b", "-a", ".",
		"1.2.3.4.5", "01.02.03.004", "host\xff", "Host.Example.COM>", "[::1]",
		"1.2.3.4a", "1.2.3.4-x", "1.2.3.4_", "1.2.3.2555", "001.002.003.004;lr", "1.2.3.4:5060",
	} {
		check(s)
	}
}

// validFindRef is Params.validFind without its fast loop: the general
// scanner alone.
func validFindRef(p Params, name string) (value string, found, ok bool) {
	sc := paramScanner{s: string(p)}
	for {
		n, v, more := sc.next()
		if !more {
			return value, found, !sc.bad
		}
		if !found && equalFold(n, name) {
			value, found = v, true
		}
	}
}

// TestValidFindMatchesScanner compares validFind with the general scanner
// on every list of up to 7 bytes over an alphabet of parameter syntax,
// and on random longer ones.
func TestValidFindMatchesScanner(t *testing.T) {
	check := func(s string) {
		var k knownParam
		ok := Params(s).validFind("tag", &k)
		wantV, wantFound, wantOK := validFindRef(Params(s), "tag")
		if ok != wantOK || (ok && k.get(Params(s), "tag") != wantV) {
			t.Fatalf("validFind(%q) = %q %v, want %q %v (found %v)", s, k.get(Params(s), "tag"), ok, wantV, wantOK, wantFound)
		}
	}
	const alphabet = ";=t a\"x"
	var walk func(prefix string)
	walk = func(prefix string) {
		check(prefix)
		if len(prefix) == 7 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			walk(prefix + alphabet[i:i+1])
		}
	}
	walk("")
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{";", "tag", "TAG", "=", "x", "1.2", "z9hG4bK-1", " ", "\t", `"q;=v"`, "lr", ",", "[::1]", "%41"}
	for range 100000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check(b.String())
	}
}

// parseCSeqRef is ParseCSeq as the plain composition of the scanners.
func parseCSeqRef(s string) (CSeq, error) {
	num, method := cutWord(trimWS(s))
	n, ok := parseUint(num, 1<<32-1)
	if !ok || !isToken(method) {
		return CSeq{}, ErrCSeq
	}
	return CSeq{Seq: uint32(n), Method: method}, nil
}

// TestParseCSeqMatchesReference compares ParseCSeq with parseCSeqRef on
// every string of up to 6 bytes over an alphabet of CSeq syntax and on
// random longer ones.
func TestParseCSeqMatchesReference(t *testing.T) {
	check := func(s string) {
		got, gotErr := ParseCSeq(s)
		want, wantErr := parseCSeqRef(s)
		if got != want || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("ParseCSeq(%q) = %v %v, want %v %v", s, got, gotErr, want, wantErr)
		}
	}
	var walk func(prefix string)
	walk = func(prefix string) {
		check(prefix)
		if len(prefix) == 6 {
			return
		}
		for _, c := range "09 \tA;" {
			walk(prefix + string(c))
		}
	}
	walk("")
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"1", "4294967295", "4294967296", "0", " ", "\t", "INVITE", "ACK", "x;y", "\r\n", "-"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check(b.String())
	}
}

// parseStartLineRef is parseStartLine without its fast paths.
func (m *Message) parseStartLineRef(line string) *ProtocolError {
	if len(line) > 4 && equalFold(line[:4], "SIP/") {
		version, rest, _ := strings.Cut(line, " ")
		code, reason, _ := strings.Cut(rest, " ")
		if err := checkVersion(version); err != nil {
			return err
		}
		n, ok := parseUint(code, 999)
		if !ok || len(code) != 3 || n < 100 || n > 699 {
			return badRequest(ErrStatusCode, "")
		}
		m.status, m.reason = int(n), reason
		return nil
	}
	method, rest, ok1 := strings.Cut(line, " ")
	uri, version, ok2 := strings.Cut(rest, " ")
	if !isToken(method) {
		return badRequest(ErrStartLine, "")
	}
	m.method, m.requestURI = method, uri
	if !ok1 || !ok2 || uri == "" || strings.IndexByte(version, ' ') >= 0 {
		return badRequest(ErrStartLine, "")
	}
	return checkVersion(version)
}

// TestStartLineMatchesReference compares parseStartLine with the general
// way on lines built from start-line pieces.
func TestStartLineMatchesReference(t *testing.T) {
	check := func(line string) {
		var got, want Message
		gotErr, wantErr := got.parseStartLine(line), want.parseStartLineRef(line)
		if got.method != want.method || got.requestURI != want.requestURI || got.status != want.status || got.reason != want.reason ||
			(gotErr == nil) != (wantErr == nil) || (gotErr != nil && (gotErr.Status != wantErr.Status || gotErr.Err != wantErr.Err)) {
			t.Fatalf("%q: got %q %q %d %q %v, want %q %q %d %q %v", line, got.method, got.requestURI, got.status, got.reason, gotErr,
				want.method, want.requestURI, want.status, want.reason, wantErr)
		}
	}
	pieces := []string{"SIP/2.0", "sip/2.0", "SIP/3.0", " ", "INVITE", "sip:a@b", "200", "1", "699", "700", "099", "OK", "x y", "\t", "ACK", "SIP/2.0 "}
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		check(prefix)
		if depth == 4 {
			return
		}
		for _, p := range pieces {
			walk(prefix+p, depth+1)
		}
	}
	walk("", 0)
	for _, line := range []string{"SIP/2.0 200", "SIP/2.0 2000 OK", "SIP/2.0 180 Ringing", "INVITE  SIP/2.0", "INVITE x SIP/2.0", "INVITE SIP/2.0",
		"SIP/2.0 1a0 x", "SIP/2.0 200  two spaces", "REGISTER sip:atlanta.example.com;transport=UDP SIP/2.0"} {
		check(line)
	}
}
