package interop

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file holds a deliberately tiny SIP-over-UDP client, independent of
// the sk400vop engine, so that the infrastructure can be checked (and SIPp
// parties registered) without the code under test.

// UDPClient is a UDP socket on 127.0.0.1 for hand-built SIP messages.
type UDPClient struct {
	Conn *net.UDPConn
	Port int
}

// NewUDPClient opens a UDP socket on 127.0.0.1:0; t.Cleanup closes it.
func NewUDPClient(t testing.TB) *UDPClient {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("interop: udp socket: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &UDPClient{Conn: c, Port: c.LocalAddr().(*net.UDPAddr).Port}
}

// Addr is the client's host:port.
func (c *UDPClient) Addr() string { return net.JoinHostPort(Host, strconv.Itoa(c.Port)) }

// Send writes one datagram to addr (host:port).
func (c *UDPClient) Send(addr string, msg []byte) error {
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return err
	}
	_, err = c.Conn.WriteToUDP(msg, ua)
	return err
}

// Recv reads one datagram and parses it, waiting at most d.
func (c *UDPClient) Recv(d time.Duration) (*RawMessage, error) {
	buf := make([]byte, 65536)
	if err := c.Conn.SetReadDeadline(time.Now().Add(d)); err != nil {
		return nil, err
	}
	n, _, err := c.Conn.ReadFromUDP(buf)
	if err != nil {
		return nil, err
	}
	return ParseRawMessage(buf[:n])
}

// Transact sends a request and returns the first final (>= 200) response
// whose CSeq and Call-ID match, skipping provisionals and strays. It
// retransmits every 500 ms (RFC 3261 Timer E, capped) and gives up after d.
func (c *UDPClient) Transact(addr string, req []byte, d time.Duration) (*RawMessage, error) {
	r, err := ParseRawMessage(req)
	if err != nil {
		return nil, fmt.Errorf("interop: Transact: own request: %w", err)
	}
	callID, cseq := r.Header("Call-ID"), r.Header("CSeq")
	deadline := time.Now().Add(d)
	nextSend := time.Now()
	for time.Now().Before(deadline) {
		if !time.Now().Before(nextSend) {
			if err := c.Send(addr, req); err != nil {
				return nil, err
			}
			nextSend = time.Now().Add(500 * time.Millisecond)
		}
		wait := time.Until(nextSend)
		if rem := time.Until(deadline); rem < wait {
			wait = rem
		}
		m, err := c.Recv(wait)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return nil, err
		}
		if m.StatusCode >= 200 && m.Header("Call-ID") == callID && m.Header("CSeq") == cseq {
			return m, nil
		}
	}
	return nil, fmt.Errorf("interop: no final response to %s from %s within %v", r.Method, addr, d)
}

// RawMessage is a parsed SIP message, just enough for tests: start line,
// headers (long names, case-insensitive lookup) and body.
type RawMessage struct {
	Raw        []byte
	StartLine  string
	Method     string // requests
	RequestURI string // requests
	StatusCode int    // responses
	Reason     string // responses
	Headers    []RawHeader
	Body       []byte
}

// RawHeader is one header field as it appeared, name expanded from compact
// form.
type RawHeader struct{ Name, Value string }

var compactNames = map[string]string{
	"i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
	"c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To",
	"v": "Via", "o": "Event", "r": "Refer-To", "b": "Referred-By", "x": "Session-Expires",
	"u": "Allow-Events",
}

// ParseRawMessage parses one SIP message (no header folding support beyond
// the simple case; enough for what Kamailio, baresip and SIPp send).
func ParseRawMessage(b []byte) (*RawMessage, error) {
	m := &RawMessage{Raw: append([]byte(nil), b...)}
	head, body, found := bytes.Cut(b, []byte("\r\n\r\n"))
	if !found {
		return nil, fmt.Errorf("interop: no end of headers in %q", truncate(string(b), 200))
	}
	m.Body = body
	lines := strings.Split(string(head), "\r\n")
	m.StartLine = lines[0]
	parts := strings.SplitN(m.StartLine, " ", 3)
	if len(parts) < 3 {
		return nil, fmt.Errorf("interop: bad start line %q", m.StartLine)
	}
	if strings.HasPrefix(parts[0], "SIP/") {
		code, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("interop: bad status line %q", m.StartLine)
		}
		m.StatusCode, m.Reason = code, parts[2]
	} else {
		m.Method, m.RequestURI = parts[0], parts[1]
	}
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(m.Headers) > 0 {
			m.Headers[len(m.Headers)-1].Value += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("interop: bad header line %q", l)
		}
		name = strings.TrimSpace(name)
		if long, ok := compactNames[strings.ToLower(name)]; ok {
			name = long
		}
		m.Headers = append(m.Headers, RawHeader{Name: name, Value: strings.TrimSpace(value)})
	}
	return m, nil
}

// Header returns the first value of the named header ("" if absent).
func (m *RawMessage) Header(name string) string {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// HeaderValues returns all values of the named header, in order.
func (m *RawMessage) HeaderValues(name string) []string {
	var vs []string
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			vs = append(vs, h.Value)
		}
	}
	return vs
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// --- digest (RFC 2617 / RFC 7616) ------------------------------------------

// ParseDigestChallenge parses a WWW-Authenticate / Proxy-Authenticate value
// such as `Digest realm="x", nonce="y", qop="auth"` into lower-case keys
// plus "scheme". Quoted values are unquoted.
func ParseDigestChallenge(v string) map[string]string {
	out := map[string]string{}
	v = strings.TrimSpace(v)
	scheme, rest, _ := strings.Cut(v, " ")
	out["scheme"] = scheme
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " ,\t")
		if rest == "" {
			break
		}
		k, r, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		r = strings.TrimLeft(r, " \t")
		var val string
		if strings.HasPrefix(r, `"`) {
			var sb strings.Builder
			i := 1
			for ; i < len(r); i++ {
				if r[i] == '\\' && i+1 < len(r) {
					i++
					sb.WriteByte(r[i])
					continue
				}
				if r[i] == '"' {
					break
				}
				sb.WriteByte(r[i])
			}
			val = sb.String()
			if i < len(r) {
				i++
			}
			rest = r[i:]
		} else {
			end := strings.IndexByte(r, ',')
			if end < 0 {
				end = len(r)
			}
			val = strings.TrimSpace(r[:end])
			rest = r[end:]
		}
		out[k] = val
	}
	return out
}

// Credentials computes an Authorization / Proxy-Authorization value that
// answers chal (from ParseDigestChallenge) for method and digest URI. It
// supports MD5 and SHA-256, qop=auth or no qop. nc is the nonce count.
func Credentials(chal map[string]string, user, password, method, uri string, nc int) string {
	alg := chal["algorithm"]
	if alg == "" {
		alg = "MD5"
	}
	var h func() hash.Hash
	switch strings.ToUpper(alg) {
	case "SHA-256":
		h = sha256.New
	default:
		h = md5.New
	}
	H := func(s string) string {
		x := h()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	realm, nonce := chal["realm"], chal["nonce"]
	ha1 := H(user + ":" + realm + ":" + password)
	ha2 := H(method + ":" + uri)
	qop := ""
	for _, q := range strings.Split(chal["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			qop = "auth"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s"`, user, realm, nonce, uri)
	if qop != "" {
		cb := make([]byte, 8)
		_, _ = rand.Read(cb)
		cnonce := hex.EncodeToString(cb)
		ncs := fmt.Sprintf("%08x", nc)
		resp := H(ha1 + ":" + nonce + ":" + ncs + ":" + cnonce + ":" + qop + ":" + ha2)
		fmt.Fprintf(&b, `, response="%s", qop=%s, nc=%s, cnonce="%s"`, resp, qop, ncs, cnonce)
	} else {
		fmt.Fprintf(&b, `, response="%s"`, H(ha1+":"+nonce+":"+ha2))
	}
	fmt.Fprintf(&b, ", algorithm=%s", alg)
	if op, ok := chal["opaque"]; ok {
		fmt.Fprintf(&b, `, opaque="%s"`, op)
	}
	return b.String()
}

// RandomToken returns n random bytes in hex, for tags, branches, Call-IDs.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RegisterRequest builds a REGISTER for user@domain sent from client (its
// host:port goes into Via), binding contact (a SIP URI; empty means
// sip:user@client), with an optional Authorization value.
func RegisterRequest(domain, user, client, contact, callID string, cseq, expires int, authorization string) []byte {
	if contact == "" {
		contact = "sip:" + user + "@" + client
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER sip:%s SIP/2.0\r\n", domain)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n", client, RandomToken(8))
	fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:%s@%s>;tag=%s\r\n", user, domain, RandomToken(4))
	fmt.Fprintf(&b, "To: <sip:%s@%s>\r\n", user, domain)
	fmt.Fprintf(&b, "Call-ID: %s\r\n", callID)
	fmt.Fprintf(&b, "CSeq: %d REGISTER\r\n", cseq)
	fmt.Fprintf(&b, "Contact: <%s>\r\n", contact)
	fmt.Fprintf(&b, "Expires: %d\r\n", expires)
	if authorization != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", authorization)
	}
	fmt.Fprintf(&b, "User-Agent: sk400vop-interop-raw\r\n")
	fmt.Fprintf(&b, "Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// Register binds contact to user's AOR at k with digest authentication, from
// a throwaway UDP socket, and fails t unless the registrar answers 200. Use
// it to make a SIPp UAS reachable as sip:user@domain through Kamailio:
// Register(t, k, "carol", "pw", "sip:carol@127.0.0.1:5099", 300).
func Register(t testing.TB, k *Kamailio, user, password, contact string, expires int) *RawMessage {
	t.Helper()
	c := NewUDPClient(t)
	callID := RandomToken(8) + "@" + Host
	req := RegisterRequest(k.Domain, user, c.Addr(), contact, callID, 1, expires, "")
	resp, err := c.Transact(k.Addr, req, 5*time.Second)
	if err != nil {
		t.Fatalf("interop: REGISTER %s: %v", user, err)
	}
	if resp.StatusCode == 401 {
		chal := ParseDigestChallenge(resp.Header("WWW-Authenticate"))
		auth := Credentials(chal, user, password, "REGISTER", "sip:"+k.Domain, 1)
		req = RegisterRequest(k.Domain, user, c.Addr(), contact, callID, 2, expires, auth)
		resp, err = c.Transact(k.Addr, req, 5*time.Second)
		if err != nil {
			t.Fatalf("interop: REGISTER %s with credentials: %v", user, err)
		}
	}
	if resp.StatusCode != 200 {
		t.Fatalf("interop: REGISTER %s: got %q, want 200\n%s", user, resp.StartLine, resp.Raw)
	}
	return resp
}
