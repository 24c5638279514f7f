package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

const (
	realm    = "example.com"
	user     = "alice"
	password = "s3cr3t-Pa55word" // searched for in every printed form
)

// parse parses a message whose header is written with LF line ends; the
// body after the empty line is taken as it is.
func parse(t *testing.T, text string) *sip.Message {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	m, err := sip.Parse([]byte(strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

// request returns a request as a UA sends it, with body if not empty.
func request(t *testing.T, method, ruri, body string) *sip.Message {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "Content-Type: application/sdp\n"
	}
	return parse(t, method+" "+ruri+` SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7
Max-Forwards: 70
To: <sip:alice@example.com>
From: <sip:alice@example.com>;tag=456248
Call-ID: 843817637684230@998sdasdh09
CSeq: 1826 `+method+`
Contact: <sip:alice@192.0.2.10>
`+ct+"Content-Length: "+strconv.Itoa(len(body))+"\n\n"+body)
}

// challenge returns the 401 or 407 answering req with one header field
// per value.
func challenge(req *sip.Message, status int, values ...string) *sip.Message {
	resp := sip.NewResponse(req, status, "")
	name := "WWW-Authenticate"
	if status == 407 {
		name = "Proxy-Authenticate"
	}
	for _, v := range values {
		resp.Add(name, v)
	}
	return resp
}

// credentials returns the one value of req's header name, parsed.
func credentials(t *testing.T, req *sip.Message, name string) sip.Credentials {
	t.Helper()
	vals := slices.Collect(req.Values(name))
	if len(vals) != 1 {
		t.Fatalf("%d %s values, want 1: %q", len(vals), name, vals)
	}
	cr, err := sip.ParseCredentials(vals[0])
	if err != nil {
		t.Fatalf("%s %q: %v", name, vals[0], err)
	}
	return cr
}

// verify recomputes cred the way a registrar would, straight from RFC 7616
// §3.4 with the crypto packages and none of this package's code, and
// fails t where they differ.
func verify(t *testing.T, cred sip.Credentials, method, user, pass string, body []byte) {
	t.Helper()
	alg := strings.ToUpper(cred.Algorithm)
	sess := strings.HasSuffix(alg, "-SESS")
	var newHash func() hash.Hash
	switch strings.TrimSuffix(alg, "-SESS") {
	case "", "MD5":
		newHash = md5.New
	case "SHA-256":
		newHash = sha256.New
	case "SHA-512-256":
		newHash = sha512.New512_256
	default:
		t.Fatalf("algorithm %q", cred.Algorithm)
	}
	H := func(s string) string {
		h := newHash()
		io.WriteString(h, s)
		return hex.EncodeToString(h.Sum(nil))
	}
	ha1 := H(user + ":" + cred.Realm + ":" + pass)
	if sess {
		ha1 = H(ha1 + ":" + cred.Nonce + ":" + cred.CNonce)
	}
	a2 := method + ":" + cred.URI
	if cred.QOP == "auth-int" {
		a2 += ":" + H(string(body))
	}
	var want string
	if cred.QOP == "" {
		want = H(ha1 + ":" + cred.Nonce + ":" + H(a2))
	} else {
		want = H(ha1 + ":" + cred.Nonce + ":" + cred.NC + ":" + cred.CNonce + ":" + cred.QOP + ":" + H(a2))
	}
	if cred.Response != want {
		t.Errorf("response %s, verifier computes %s", cred.Response, want)
	}
	wantUser := user
	if cred.Userhash {
		wantUser = H(user + ":" + cred.Realm)
	}
	if cred.Username != wantUser {
		t.Errorf("username %q, want %q", cred.Username, wantUser)
	}
}

func fixedCNonce(c *Client, cnonce string) *Client {
	c.cnonce = func() string { return cnonce }
	return c
}

// TestRFC7616Example runs RFC 7616 §3.9.1 through Authorize: the server
// offers SHA-256 then MD5, as in the RFC; a password answers the first, an
// MD5-only HA1 the second.
func TestRFC7616Example(t *testing.T) {
	chSHA := `Digest realm="` + rfc7616Realm + `", qop="auth, auth-int", algorithm=SHA-256, nonce="` + rfc7616Nonce + `", opaque="` + rfc7616Opaque + `"`
	chMD5 := `Digest realm="` + rfc7616Realm + `", qop="auth, auth-int", algorithm=MD5, nonce="` + rfc7616Nonce + `", opaque="` + rfc7616Opaque + `"`
	md5HA1 := hex.EncodeToString(func() []byte { s := md5.Sum([]byte(rfc7616User + ":" + rfc7616Realm + ":" + rfc7616Pass)); return s[:] }())

	for _, c := range []struct {
		name   string
		secret Secret
		alg    string
		want   string
	}{
		{"password", Secret{Username: rfc7616User, Password: rfc7616Pass}, "SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		{"MD5 HA1 only", Secret{Username: rfc7616User, HA1: map[string]string{"md5": strings.ToUpper(md5HA1)}}, "MD5", "8ca523f5e9506fed4657c9700eebdbec"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := fixedCNonce(New(c.secret, rfc7616Realm), rfc7616CNonce)
			req := request(t, "GET", rfc7616URI, "")
			if err := cl.Authorize(req, challenge(req, 401, chSHA, chMD5)); err != nil {
				t.Fatal(err)
			}
			cr := credentials(t, req, "Authorization")
			want := sip.Credentials{
				Scheme: "Digest", Username: rfc7616User, Realm: rfc7616Realm, Nonce: rfc7616Nonce,
				URI: rfc7616URI, Response: c.want, Algorithm: c.alg, CNonce: rfc7616CNonce,
				Opaque: rfc7616Opaque, QOP: "auth", NC: "00000001",
			}
			if cr != want {
				t.Errorf("credentials\n got %+v\nwant %+v", cr, want)
			}
		})
	}
}

// TestRFC2617Example runs RFC 2617 §3.5 through Authorize.
func TestRFC2617Example(t *testing.T) {
	cl := fixedCNonce(New(Secret{Username: "Mufasa", Password: "Circle Of Life"}, rfc2617Realm), "0a4f113b")
	req := request(t, "GET", rfc7616URI, "")
	resp := challenge(req, 401, `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if err := cl.Authorize(req, resp); err != nil {
		t.Fatal(err)
	}
	got := req.Get("Authorization")
	want := `Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ` +
		`response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001`
	if got != want {
		t.Errorf("Authorization\n got %s\nwant %s", got, want)
	}
}

// TestRegisterRoundTrip answers REGISTER challenges as registrars send
// them, with a random cnonce, and checks each answer with the verifier.
func TestRegisterRoundTrip(t *testing.T) {
	for _, ch := range []string{
		`Digest realm="example.com", nonce="Y2Fmf2NbXo8ZkS4hQ3mX5n1Z2n8FzQ+f", qop="auth"`,                                                  // Kamailio
		`Digest realm="example.com",nonce="1510834400/2a69a7a1b0d4a2b6b2d73f3c34e1b3d2",opaque="6a1e2c4d4b25e9a4",algorithm=md5,qop="auth"`, // Asterisk
		`Digest algorithm=MD5, realm="example.com", nonce="4b8e6a2f"`,                                                                       // no qop
		`Digest realm="example.com", nonce="a1", algorithm=SHA-256, qop="auth"`,
		`Digest realm="example.com", nonce="a2", algorithm=SHA-512-256, qop="auth"`,
		`Digest realm="example.com", nonce="a3", algorithm=SHA-256-sess, qop="auth"`,
		`Digest realm="example.com", nonce="a4", algorithm=MD5-sess, qop="auth-int"`,
	} {
		cl := New(Secret{Username: user, Password: password}, realm)
		req := request(t, "REGISTER", "sip:example.com", "")
		if err := cl.Authorize(req, challenge(req, 401, ch)); err != nil {
			t.Fatalf("%s: %v", ch, err)
		}
		cr := credentials(t, req, "Authorization")
		verify(t, cr, "REGISTER", user, password, nil)
		if cr.URI != "sip:example.com" || cr.Realm != realm {
			t.Errorf("uri %q realm %q", cr.URI, cr.Realm)
		}
		if cr.QOP != "" {
			if b, err := hex.DecodeString(cr.CNonce); err != nil || len(b) < 16 {
				t.Errorf("cnonce %q: want at least 16 random bytes in hex", cr.CNonce)
			}
			if cr.NC != "00000001" {
				t.Errorf("nc %q", cr.NC)
			}
		} else if cr.CNonce != "" || cr.NC != "" {
			t.Errorf("cnonce %q and nc %q without qop", cr.CNonce, cr.NC)
		}
		if req.Has("Proxy-Authorization") {
			t.Error("Proxy-Authorization added for a 401")
		}
	}
}

func TestProxyAuthenticate(t *testing.T) {
	cl := New(Secret{Username: user, Password: password}, realm)
	req := request(t, "INVITE", "sip:bob@example.net", "")
	resp := challenge(req, 407, `Digest realm="example.com", nonce="p1", qop="auth"`)
	resp.Add("WWW-Authenticate", `Digest realm="example.com", nonce="w1", qop="auth"`) // not for a 407
	if err := cl.Authorize(req, resp); err != nil {
		t.Fatal(err)
	}
	cr := credentials(t, req, "Proxy-Authorization")
	verify(t, cr, "INVITE", user, password, nil)
	if cr.Nonce != "p1" || req.Has("Authorization") {
		t.Errorf("answered nonce %q; Authorization present: %v", cr.Nonce, req.Has("Authorization"))
	}
}

func TestNonceCount(t *testing.T) {
	cl := New(Secret{Username: user, Password: password}, realm)
	nc := func(nonce string) string {
		t.Helper()
		req := request(t, "REGISTER", "sip:example.com", "")
		if err := cl.Authorize(req, challenge(req, 401, `Digest realm="example.com", qop="auth", nonce="`+nonce+`"`)); err != nil {
			t.Fatal(err)
		}
		cr := credentials(t, req, "Authorization")
		verify(t, cr, "REGISTER", user, password, nil)
		return cr.NC
	}
	for i, c := range []struct{ nonce, want string }{
		{"n1", "00000001"},
		{"n1", "00000002"},
		{"n1", "00000003"},
		{"n2", "00000001"}, // a new nonce starts again
		{"n2", "00000002"},
		{"n1", "00000004"}, // an older nonce the server still uses goes on
	} {
		if got := nc(c.nonce); got != c.want {
			t.Errorf("step %d, nonce %s: nc %s, want %s", i, c.nonce, got, c.want)
		}
	}
	for i := range 16 { // evict n1 and n2: the table stays bounded
		nc("x" + strconv.Itoa(i))
	}
	if len(cl.counts) != maxNonces {
		t.Errorf("%d nonces remembered, want %d", len(cl.counts), maxNonces)
	}
	if got := nc("n1"); got != "00000001" {
		t.Errorf("evicted nonce: nc %s, want 00000001", got)
	}
	for range 17 {
		nc("xx")
	}
	if got := nc("xx"); got != "00000012" { // 18th use, in hex
		t.Errorf("18th use: nc %s, want 00000012", got)
	}
}

// TestNoViewIntoResponse checks that what the Client keeps outlives the
// receive buffer of the challenge, which the transport reuses.
func TestNoViewIntoResponse(t *testing.T) {
	cl := New(Secret{Username: user, Password: password}, "")
	req := request(t, "REGISTER", "sip:example.com", "")
	text := "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7\r\n" +
		"To: <sip:alice@example.com>;tag=a\r\nFrom: <sip:alice@example.com>;tag=456248\r\n" +
		"Call-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\n" +
		"WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abcdef\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n"
	buf := []byte(text)
	resp, err := sip.Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Authorize(req, resp); err != nil {
		t.Fatal(err)
	}
	for i := range buf { // the transport reads the next datagram into buf
		buf[i] = 'x'
	}
	if cl.Realm() != realm {
		t.Errorf("pinned realm %q after the buffer changed", cl.Realm())
	}
	resp, _ = sip.Parse([]byte(text))
	if err := cl.Authorize(req, resp); err != nil {
		t.Fatal(err)
	}
	if cr := credentials(t, req, "Authorization"); cr.NC != "00000002" {
		t.Errorf("nc %s after the buffer changed, want 00000002", cr.NC)
	}
}

func TestAuthInt(t *testing.T) {
	const body = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\n"
	for _, c := range []struct{ qop, want string }{
		{"auth-int", "auth-int"},
		{"auth-int,auth", "auth"}, // auth preferred, whatever the order
		{"auth, auth-int", "auth"},
		{"auth-conf, auth-int", "auth-int"},
	} {
		cl := New(Secret{Username: user, Password: password}, realm)
		req := request(t, "INVITE", "sip:bob@example.net", body)
		if err := cl.Authorize(req, challenge(req, 407, `Digest realm="example.com", nonce="i1", qop="`+c.qop+`", algorithm=SHA-256`)); err != nil {
			t.Fatal(err)
		}
		cr := credentials(t, req, "Proxy-Authorization")
		if cr.QOP != c.want {
			t.Errorf("qop %q offered: answered %q, want %q", c.qop, cr.QOP, c.want)
		}
		verify(t, cr, "INVITE", user, password, []byte(body))
	}

	// The body is covered: another body gives another response.
	cl := fixedCNonce(New(Secret{Username: user, Password: password}, realm), "c")
	resp := func(body string) string {
		req := request(t, "MESSAGE", "sip:bob@example.net", body)
		if err := cl.Authorize(req, challenge(req, 401, `Digest realm="example.com", nonce="i2", qop="auth-int"`)); err != nil {
			t.Fatal(err)
		}
		cr := credentials(t, req, "Authorization")
		verify(t, cr, "MESSAGE", user, password, []byte(body))
		return cr.Response
	}
	if resp("hello") == resp("hellO") {
		t.Error("auth-int response does not depend on the body")
	}
	resp("") // an empty body hashes as H("") (RFC 3261 §22.4)
}

// TestUserhash follows RFC 7616 §3.4.4 with the §3.9.1 account. The
// userhash example of §3.9.2 is not used: its printed values cannot be
// reproduced from its inputs.
func TestUserhash(t *testing.T) {
	cl := New(Secret{Username: rfc7616User, Password: rfc7616Pass}, rfc7616Realm)
	req := request(t, "REGISTER", "sip:example.org", "")
	resp := challenge(req, 401, `Digest realm="`+rfc7616Realm+`", qop="auth", algorithm=SHA-256, nonce="u1", userhash=true`)
	if err := cl.Authorize(req, resp); err != nil {
		t.Fatal(err)
	}
	cr := credentials(t, req, "Authorization")
	// sha256("Mufasa:http-auth@example.org"), computed with Python's hashlib.
	const want = "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"
	if cr.Username != want || !cr.Userhash {
		t.Errorf("username %q userhash %v, want %q true", cr.Username, cr.Userhash, want)
	}
	verify(t, cr, "REGISTER", rfc7616User, rfc7616Pass, nil)
}

func TestPicksFirstSupported(t *testing.T) {
	for _, c := range []struct {
		name      string
		secret    Secret
		values    []string
		wantNonce string
	}{
		{"server order, not ours", Secret{Username: user, Password: password},
			[]string{`Digest realm="example.com", nonce="md5", algorithm=MD5, qop="auth"`, `Digest realm="example.com", nonce="sha", algorithm=SHA-256, qop="auth"`}, "md5"},
		{"unknown algorithms skipped", Secret{Username: user, Password: password},
			[]string{`Digest realm="example.com", nonce="aka", algorithm=AKAv1-MD5, qop="auth"`, `Digest realm="example.com", nonce="s5", algorithm=SHA-512, qop="auth"`, `Digest realm="example.com", nonce="ok", algorithm=SHA-512-256, qop="auth"`}, "ok"},
		{"one field, several challenges (RFC 8760 §2.4)", Secret{Username: user, Password: password},
			[]string{`Basic realm="example.com", Digest realm="example.com", nonce="one", algorithm=SHA-256, qop="auth", Digest realm="example.com", nonce="two", algorithm=MD5, qop="auth"`}, "one"},
		{"other realm first", Secret{Username: user, Password: password},
			[]string{`Digest realm="other.net", nonce="o", qop="auth"`, `Digest realm="example.com", nonce="mine", qop="auth"`}, "mine"},
		{"qop it cannot do skipped", Secret{Username: user, Password: password},
			[]string{`Digest realm="example.com", nonce="conf", qop="auth-conf"`, `Digest realm="example.com", nonce="auth", qop="auth"`}, "auth"},
		{"-sess without qop skipped", Secret{Username: user, Password: password},
			[]string{`Digest realm="example.com", nonce="sess", algorithm=MD5-sess`, `Digest realm="example.com", nonce="plain", algorithm=MD5`}, "plain"},
		{"HA1 only for the second", Secret{Username: user, HA1: map[string]string{"SHA-256": strings.Repeat("ab", 32)}},
			[]string{`Digest realm="example.com", nonce="m", algorithm=MD5, qop="auth"`, `Digest realm="example.com", nonce="s", algorithm=SHA-256, qop="auth"`}, "s"},
		{"HA1 key -sess stands for the base", Secret{Username: user, HA1: map[string]string{"md5-sess": strings.Repeat("ab", 16)}},
			[]string{`Digest realm="example.com", nonce="s", algorithm=SHA-256, qop="auth"`, `Digest realm="example.com", nonce="m", algorithm=MD5-sess, qop="auth"`}, "m"},
	} {
		cl := New(c.secret, realm)
		req := request(t, "REGISTER", "sip:example.com", "")
		if err := cl.Authorize(req, challenge(req, 401, c.values...)); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if cr := credentials(t, req, "Authorization"); cr.Nonce != c.wantNonce {
			t.Errorf("%s: answered nonce %q, want %q", c.name, cr.Nonce, c.wantNonce)
		}
	}
}

// TestHA1Only answers with a stored HA1, as a registrar holding only HA1
// would check it.
func TestHA1Only(t *testing.T) {
	sum := func(h hash.Hash, s string) string { io.WriteString(h, s); return hex.EncodeToString(h.Sum(nil)) }
	secret := Secret{Username: user, HA1: map[string]string{
		"MD5":         sum(md5.New(), user+":"+realm+":"+password),
		"SHA-512-256": sum(sha512.New512_256(), user+":"+realm+":"+password),
	}}
	for _, alg := range []string{"MD5", "MD5-sess", "SHA-512-256", "SHA-512-256-sess"} {
		cl := New(secret, realm)
		req := request(t, "REGISTER", "sip:example.com", "")
		if err := cl.Authorize(req, challenge(req, 401, `Digest realm="example.com", nonce="h", qop="auth", algorithm=`+alg)); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		verify(t, credentials(t, req, "Authorization"), "REGISTER", user, password, nil)
	}
	cl := New(secret, realm)
	req := request(t, "REGISTER", "sip:example.com", "")
	if err := cl.Authorize(req, challenge(req, 401, `Digest realm="example.com", nonce="h", qop="auth", algorithm=SHA-256`)); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("SHA-256 without its HA1: %v, want ErrAlgorithm", err)
	}
}

func TestRealm(t *testing.T) {
	cl := New(Secret{Username: user, Password: password}, realm)
	req := request(t, "REGISTER", "sip:example.com", "")
	for _, v := range []string{
		`Digest realm="evil.example", nonce="e", qop="auth"`,
		`Digest realm="Example.com", nonce="e", qop="auth"`, // realms are case-sensitive
		`Digest realm="example.com.", nonce="e", qop="auth"`,
	} {
		err := cl.Authorize(req, challenge(req, 401, v))
		if !errors.Is(err, ErrRealm) {
			t.Errorf("%s: %v, want ErrRealm", v, err)
		}
		if req.Has("Authorization") {
			t.Fatalf("%s: credentials added for another realm", v)
		}
		if cl.ShouldRetry(challenge(req, 401, v)) {
			t.Errorf("%s: ShouldRetry true for another realm", v)
		}
	}

	// An empty realm pins the first one answered.
	cl = New(Secret{Username: user, Password: password}, "")
	if cl.Realm() != "" {
		t.Fatalf("realm %q before any challenge", cl.Realm())
	}
	if err := cl.Authorize(req, challenge(req, 401, `Digest realm="first.example", nonce="f", qop="auth"`)); err != nil {
		t.Fatal(err)
	}
	if cl.Realm() != "first.example" {
		t.Errorf("pinned realm %q", cl.Realm())
	}
	req = request(t, "REGISTER", "sip:example.com", "")
	if err := cl.Authorize(req, challenge(req, 401, `Digest realm="second.example", nonce="s", qop="auth"`)); !errors.Is(err, ErrRealm) {
		t.Errorf("second realm after pinning: %v, want ErrRealm", err)
	}
}

func TestReplacesCredentials(t *testing.T) {
	cl := New(Secret{Username: user, Password: password}, realm)
	req := request(t, "INVITE", "sip:bob@example.net", "")
	other := `Digest username="alice", realm="other.net", nonce="x", uri="sip:bob@example.net", response="0123456789abcdef0123456789abcdef"`
	req.Add("Proxy-Authorization", other)
	for i, nonce := range []string{"r1", "r2", "r2"} {
		if err := cl.Authorize(req, challenge(req, 407, `Digest realm="example.com", qop="auth", nonce="`+nonce+`"`)); err != nil {
			t.Fatal(err)
		}
		vals := slices.Collect(req.Values("Proxy-Authorization"))
		if len(vals) != 2 || vals[0] != other {
			t.Fatalf("round %d: Proxy-Authorization %q, want the other realm's kept and ours once", i, vals)
		}
		cr, _ := sip.ParseCredentials(vals[1])
		if cr.Nonce != nonce {
			t.Errorf("round %d: nonce %q, want %q", i, cr.Nonce, nonce)
		}
	}

	// Alone, ours is replaced in place.
	req = request(t, "REGISTER", "sip:example.com", "")
	for _, nonce := range []string{"a", "b"} {
		if err := cl.Authorize(req, challenge(req, 401, `Digest realm="example.com", qop="auth", nonce="`+nonce+`"`)); err != nil {
			t.Fatal(err)
		}
	}
	if cr := credentials(t, req, "Authorization"); cr.Nonce != "b" {
		t.Errorf("nonce %q, want b", cr.Nonce)
	}
}

func TestShouldRetry(t *testing.T) {
	cl := New(Secret{Username: user, Password: password}, realm)
	req := request(t, "REGISTER", "sip:example.com", "")
	ch := func(nonce string, stale bool) *sip.Message {
		v := `Digest realm="example.com", qop="auth", nonce="` + nonce + `"`
		if stale {
			v += ", stale=true"
		}
		return challenge(req, 401, v)
	}
	answer := func(resp *sip.Message) {
		t.Helper()
		if err := cl.Authorize(req, resp); err != nil {
			t.Fatal(err)
		}
	}

	answer(ch("n1", false)) // the first challenge: answered without asking
	for _, c := range []struct {
		name string
		resp *sip.Message
		want bool
	}{
		{"same nonce again: wrong password", ch("n1", false), false},
		{"new nonce, not stale: wrong password", ch("n2", false), false},
		{"same nonce, stale: a loop", ch("n1", true), false},
		{"stale with a new nonce", ch("n3", true), true},
		{"not a challenge", sip.NewResponse(req, 403, ""), false},
		{"no header", challenge(req, 401), false},
		{"another realm, stale", challenge(req, 401, `Digest realm="other.net", nonce="n9", qop="auth", stale=true`), false},
		{"stale=TRUE, any case", challenge(req, 401, `Digest realm="example.com", nonce="n4", qop="auth", stale=TRUE`), true},
	} {
		if got := cl.ShouldRetry(c.resp); got != c.want {
			t.Errorf("%s: ShouldRetry %v, want %v", c.name, got, c.want)
		}
	}

	// A server that only ever says stale is cut off.
	for i := range maxStaleRetries {
		resp := ch("s"+strconv.Itoa(i), true)
		if !cl.ShouldRetry(resp) {
			t.Fatalf("stale retry %d refused", i+1)
		}
		answer(resp)
	}
	if cl.ShouldRetry(ch("s-last", true)) {
		t.Errorf("stale retry %d allowed", maxStaleRetries+1)
	}
	answer(ch("fresh", false)) // a new request's first challenge starts over
	if !cl.ShouldRetry(ch("s-after", true)) {
		t.Error("stale retry refused after a fresh challenge")
	}

	// A Client that never answered has nothing to retry.
	if New(Secret{Username: user, Password: password}, "").ShouldRetry(ch("z", true)) {
		t.Error("ShouldRetry true before any answer")
	}
}

func TestAuthorizeErrors(t *testing.T) {
	good := New(Secret{Username: user, Password: password}, realm)
	req := request(t, "REGISTER", "sip:example.com", "")
	ok := challenge(req, 401, `Digest realm="example.com", nonce="n", qop="auth"`)
	for _, c := range []struct {
		name      string
		cl        *Client
		req, resp *sip.Message
		want      error
	}{
		{"403", good, req, sip.NewResponse(req, 403, ""), ErrNoChallenge},
		{"401 without header", good, req, challenge(req, 401), ErrNoChallenge},
		{"407 with WWW-Authenticate only", good, req, func() *sip.Message {
			r := sip.NewResponse(req, 407, "")
			r.Add("WWW-Authenticate", `Digest realm="example.com", nonce="n"`)
			return r
		}(), ErrNoChallenge},
		{"nil response", good, req, nil, ErrNoChallenge},
		{"request as response", good, req, req, ErrNoChallenge},
		{"response as request", good, ok, ok, ErrNotRequest},
		{"nil request", good, nil, ok, ErrNotRequest},
		{"challenge to another method", good, request(t, "BYE", "sip:bob@192.0.2.20", ""), ok, ErrMismatch},
		{"malformed challenge", good, req, challenge(req, 401, `Digest realm="example.com"`), sip.ErrAuth},
		{"Basic only", good, req, challenge(req, 401, `Basic realm="example.com"`), ErrAlgorithm},
		{"unknown algorithm", good, req, challenge(req, 401, `Digest realm="example.com", nonce="n", algorithm=AKAv1-MD5`), ErrAlgorithm},
		{"unknown qop", good, req, challenge(req, 401, `Digest realm="example.com", nonce="n", qop="auth-conf"`), ErrAlgorithm},
		{"-sess without qop", good, req, challenge(req, 401, `Digest realm="example.com", nonce="n", algorithm=SHA-256-sess`), ErrAlgorithm},
		{"no username", New(Secret{Password: password}, realm), req, ok, ErrSecret},
		{"bad HA1", New(Secret{Username: user, HA1: map[string]string{"MD5": "xyz"}}, realm), req, ok, ErrSecret},
		{"zero Client", &Client{}, req, ok, ErrSecret},
	} {
		var before string
		if c.req != nil {
			before = c.req.String()
		}
		if err := c.cl.Authorize(c.req, c.resp); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.req != nil && c.req.String() != before {
			t.Errorf("%s: request changed on error", c.name)
		}
	}
}

func TestCNonce(t *testing.T) {
	a, b := newCNonce(), newCNonce()
	if len(a) != 32 || a == b {
		t.Errorf("cnonces %q and %q: want 32 hex digits, distinct", a, b)
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Error(err)
	}
}
