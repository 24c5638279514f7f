package auth

import "testing"

// The inputs of RFC 7616 §3.9.1 (and of RFC 2617 §3.5, RFC 2069 §2.4).
const (
	rfc7616Realm  = "http-auth@example.org"
	rfc7616Nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
	rfc7616CNonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
	rfc7616URI    = "/dir/index.html"
	rfc7616User   = "Mufasa"
	rfc7616Pass   = "Circle of Life" // RFC 2617 spells it "Circle Of Life"

	rfc2617Realm = "testrealm@host.com"
	rfc2617Nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"

	// sdpBody is the entity body of the auth-int vectors.
	sdpBody = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n"
)

// digestVectors are request-digests. The RFC ones are printed in the RFC;
// the others were computed outside Go, with Python's hashlib, from the
// formulas of RFC 7616 §3.4, and then checked against this package.
var digestVectors = []struct {
	name                        string
	alg                         string
	user, realm, pass           string
	nonce, cnonce, nc, qop, uri string
	body                        string
	want                        string
}{
	{"RFC 7616 §3.9.1 MD5", "MD5", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth", rfc7616URI, "",
		"8ca523f5e9506fed4657c9700eebdbec"},
	{"RFC 7616 §3.9.1 SHA-256", "SHA-256", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth", rfc7616URI, "",
		"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	{"RFC 2617 §3.5 MD5", "", rfc7616User, rfc2617Realm, "Circle Of Life", rfc2617Nonce, "0a4f113b", "00000001", "auth", rfc7616URI, "",
		"6629fae49393a05397450978507c4ef1"},
	// RFC 2069 §2.4's inputs, no qop. The response printed there does not
	// follow from its inputs; this one does.
	{"RFC 2069 form", "MD5", rfc7616User, rfc2617Realm, "CircleOfLife", rfc2617Nonce, "", "", "", rfc7616URI, "",
		"1949323746fe6a43ef61f9606e7febea"},
	{"MD5 auth-int", "MD5", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth-int", rfc7616URI, sdpBody,
		"f5b7794329df116f9d8f4c03afa69783"},
	{"MD5-sess", "MD5-sess", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth", rfc7616URI, "",
		"e783283f46242139c486a698fec7211d"},
	{"MD5-sess auth-int", "md5-SESS", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth-int", rfc7616URI, sdpBody,
		"dcba4e5a1b404b4cfc5537da33d9a62a"},
	{"SHA-256 auth-int", "SHA-256", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth-int", rfc7616URI, sdpBody,
		"ae128bdae06c63a62bb1d51caeb15d49ca3966774c9e229e750dcd3789f483a5"},
	{"SHA-256-sess", "SHA-256-sess", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth", rfc7616URI, "",
		"2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"},
	{"SHA-256-sess auth-int", "SHA-256-sess", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth-int", rfc7616URI, sdpBody,
		"9890bad416c462d0013824bc9636651c48b6951027c7cc55ee4076cf20f38879"},
	{"SHA-512-256", "SHA-512-256", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth", rfc7616URI, "",
		"430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"},
	{"SHA-512-256 auth-int", "sha-512-256", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth-int", rfc7616URI, sdpBody,
		"5d61d0598e964ee608aba6f4d7591fa00880c49ca15b00f1c2c3ea5c62ee09c5"},
	{"SHA-512-256-sess", "SHA-512-256-sess", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth", rfc7616URI, "",
		"3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e"},
	{"SHA-512-256-sess auth-int", "SHA-512-256-sess", rfc7616User, rfc7616Realm, rfc7616Pass, rfc7616Nonce, rfc7616CNonce, "00000001", "auth-int", rfc7616URI, sdpBody,
		"8081a900d5e71143b8b854a3dd229e102d784cf2e747400488e235e28cbe7551"},
}

func TestDigestVectors(t *testing.T) {
	for _, v := range digestVectors {
		alg, ok := parseAlgorithm(v.alg)
		if !ok {
			t.Fatalf("%s: algorithm %q not parsed", v.name, v.alg)
		}
		p := digestParams{
			alg:    alg,
			ha1:    alg.hash.sum(v.user, v.realm, v.pass),
			nonce:  v.nonce,
			cnonce: v.cnonce,
			nc:     v.nc,
			qop:    v.qop,
			method: "GET",
			uri:    v.uri,
			body:   []byte(v.body),
		}
		if got := p.response(); got != v.want {
			t.Errorf("%s: response %s, want %s", v.name, got, v.want)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, c := range []struct {
		in   string
		want algorithm
		ok   bool
	}{
		{"", algorithm{hashMD5, false}, true},
		{"MD5", algorithm{hashMD5, false}, true},
		{"md5", algorithm{hashMD5, false}, true},
		{"MD5-sess", algorithm{hashMD5, true}, true},
		{"md5-SESS", algorithm{hashMD5, true}, true},
		{"SHA-256", algorithm{hashSHA256, false}, true},
		{"sha-256-sess", algorithm{hashSHA256, true}, true},
		{"SHA-512-256", algorithm{hashSHA512256, false}, true},
		{"SHA-512-256-Sess", algorithm{hashSHA512256, true}, true},
		{"-sess", algorithm{}, false},
		{"sess", algorithm{}, false},
		{"SHA-512", algorithm{}, false},
		{"SHA256", algorithm{}, false},
		{"AKAv1-MD5", algorithm{}, false},
		{"MD5-sess-sess", algorithm{}, false},
	} {
		got, ok := parseAlgorithm(c.in)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("parseAlgorithm(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestHexLen(t *testing.T) {
	for h := range numHashes {
		if got := len(h.sum("x")); got != h.hexLen() {
			t.Errorf("%s: digest of %d hex digits, hexLen says %d", h.name(), got, h.hexLen())
		}
	}
}
