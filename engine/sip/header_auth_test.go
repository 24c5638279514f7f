package sip

import (
	"errors"
	"strings"
	"testing"
)

// Values as sent by real servers and as printed in the RFCs.
const (
	authRFC3261Credentials = `Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`
	authAsteriskChallenge  = `Digest realm="asterisk",nonce="1510834400/2a69a7a1b0d4a2b6b2d73f3c34e1b3d2",opaque="6a1e2c4d4b25e9a4",algorithm=md5,qop="auth"`
	authRFC7616Nonce       = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
	authRFC7616Opaque      = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
	authRFC7616CNonce      = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	authRFC7616Nonce2      = "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK"
	authRFC7616Opaque2     = "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS"
	authRFC7616CNonce2     = "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"
	authRFC7616UserHash    = "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec"
)

var authChallengeTests = []struct {
	name string
	in   string
	want []Challenge // nil: an error wrapping ErrAuth is expected
}{
	{
		name: "kamailio",
		in:   `Digest realm="sip.example.com", nonce="Y2Fmf2NbXo8ZkS4hQ3mX5n1Z2n8FzQ+f", qop="auth"`,
		want: []Challenge{{Scheme: "Digest", Realm: "sip.example.com", Nonce: "Y2Fmf2NbXo8ZkS4hQ3mX5n1Z2n8FzQ+f", QOP: "auth"}},
	},
	{
		name: "kamailio stale",
		in:   `Digest realm="sip.example.com", nonce="Z3dRJl6ieW0AAAAA3vPRUv1XSl/v1q4M", qop="auth", stale=true`,
		want: []Challenge{{Scheme: "Digest", Realm: "sip.example.com", Nonce: "Z3dRJl6ieW0AAAAA3vPRUv1XSl/v1q4M", QOP: "auth", Stale: true}},
	},
	{
		name: "asterisk pjsip, no blanks",
		in:   authAsteriskChallenge,
		want: []Challenge{{Scheme: "Digest", Realm: "asterisk", Nonce: "1510834400/2a69a7a1b0d4a2b6b2d73f3c34e1b3d2", Opaque: "6a1e2c4d4b25e9a4", Algorithm: "md5", QOP: "auth"}},
	},
	{
		name: "asterisk chan_sip, algorithm first",
		in:   `Digest algorithm=MD5, realm="asterisk", nonce="4b8e6a2f"`,
		want: []Challenge{{Scheme: "Digest", Realm: "asterisk", Nonce: "4b8e6a2f", Algorithm: "MD5"}},
	},
	{
		name: "freeswitch",
		in:   `Digest realm="10.0.0.1", nonce="2c4b8a3e-6f7d-11e0-9d3f-5b0c1a6c2e3d", algorithm=MD5, qop="auth"`,
		want: []Challenge{{Scheme: "Digest", Realm: "10.0.0.1", Nonce: "2c4b8a3e-6f7d-11e0-9d3f-5b0c1a6c2e3d", Algorithm: "MD5", QOP: "auth"}},
	},
	{
		name: "rfc 3261 20.44, empty opaque, stale=FALSE",
		in:   `Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5`,
		want: []Challenge{{Scheme: "Digest", Realm: "atlanta.com", Domain: "sip:boxesbybob.com", QOP: "auth", Nonce: "f84f1cec41e6cbe5aea9c8e88d359", Algorithm: "MD5"}},
	},
	{
		name: "rfc 8760 2.4, SHA-256 and MD5 in one value",
		in: `Digest realm="atlanta.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", algorithm=SHA-256, ` +
			`Digest realm="atlanta.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", algorithm=MD5`,
		want: []Challenge{
			{Scheme: "Digest", Realm: "atlanta.com", QOP: "auth", Nonce: "f84f1cec41e6cbe5aea9c8e88d359", Algorithm: "SHA-256"},
			{Scheme: "Digest", Realm: "atlanta.com", QOP: "auth", Nonce: "f84f1cec41e6cbe5aea9c8e88d359", Algorithm: "MD5"},
		},
	},
	{
		name: "SHA-512-256, SHA-256 and MD5 offered, one without parameters after the scheme's comma",
		in:   `Digest realm="r", nonce="n1", algorithm=SHA-512-256,Digest realm="r", nonce="n1", algorithm=SHA-256 , Digest realm="r",nonce="n1"`,
		want: []Challenge{
			{Scheme: "Digest", Realm: "r", Nonce: "n1", Algorithm: "SHA-512-256"},
			{Scheme: "Digest", Realm: "r", Nonce: "n1", Algorithm: "SHA-256"},
			{Scheme: "Digest", Realm: "r", Nonce: "n1"},
		},
	},
	{
		name: "rfc 7616 3.9.1, folded",
		in: "Digest\r\n    realm=\"http-auth@example.org\",\r\n    qop=\"auth, auth-int\",\r\n    algorithm=SHA-256,\r\n" +
			"    nonce=\"" + authRFC7616Nonce + "\",\r\n    opaque=\"" + authRFC7616Opaque + "\"",
		want: []Challenge{{Scheme: "Digest", Realm: "http-auth@example.org", QOP: "auth, auth-int", Algorithm: "SHA-256", Nonce: authRFC7616Nonce, Opaque: authRFC7616Opaque}},
	},
	{
		name: "rfc 7616 3.9.2, charset and userhash",
		in:   `Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="` + authRFC7616Nonce2 + `", opaque="` + authRFC7616Opaque2 + `", charset=UTF-8, userhash=true`,
		want: []Challenge{{Scheme: "Digest", Realm: "api@example.org", QOP: "auth", Algorithm: "SHA-512-256", Nonce: authRFC7616Nonce2, Opaque: authRFC7616Opaque2, Charset: "UTF-8", Userhash: true}},
	},
	{
		name: "stale=TRUE and userhash=True, any case",
		in:   `Digest realm="r", nonce="n", stale=TRUE, userhash=True`,
		want: []Challenge{{Scheme: "Digest", Realm: "r", Nonce: "n", Stale: true, Userhash: true}},
	},
	{
		name: "stale quoted, other values mean false",
		in:   `Digest realm="r", nonce="n", stale="true", userhash=maybe`,
		want: []Challenge{{Scheme: "Digest", Realm: "r", Nonce: "n", Stale: true}},
	},
	{
		name: "names and scheme in any case",
		in:   `DIGEST REALM="x", Nonce="y", QoP="auth-int", ALGORITHM=sha-256`,
		want: []Challenge{{Scheme: "DIGEST", Realm: "x", Nonce: "y", QOP: "auth-int", Algorithm: "sha-256"}},
	},
	{
		name: "white space around = and ,",
		in:   "Digest realm = \"x\" ,nonce=\t\"y\" ,  qop =\"auth\"",
		want: []Challenge{{Scheme: "Digest", Realm: "x", Nonce: "y", QOP: "auth"}},
	},
	{
		name: "token values for quoted parameters",
		in:   `Digest realm=biloxi.com, nonce=abc123, qop=auth`,
		want: []Challenge{{Scheme: "Digest", Realm: "biloxi.com", Nonce: "abc123", QOP: "auth"}},
	},
	{
		name: "escapes in quoted values",
		in:   `Digest realm="a \"b\" \\c", nonce="n,o"`,
		want: []Challenge{{Scheme: "Digest", Realm: `a "b" \c`, Nonce: "n,o"}},
	},
	{
		name: "unknown parameters side by side",
		in:   `Digest realm="x", nonce="y", foo=bar, baz="q, Digest x"`,
		want: []Challenge{{Scheme: "Digest", Realm: "x", Nonce: "y", Other: `foo=bar, baz="q, Digest x"`}},
	},
	{
		name: "unknown parameters apart and with blanks",
		in:   `Digest foo = bar, realm="x",baz="q", nonce="y"`,
		want: []Challenge{{Scheme: "Digest", Realm: "x", Nonce: "y", Other: `foo=bar, baz="q"`}},
	},
	{
		name: "basic",
		in:   `Basic realm="WallyWorld"`,
		want: []Challenge{{Scheme: "Basic", Token: `realm="WallyWorld"`}},
	},
	{
		name: "token68",
		in:   `Negotiate oYG2MIGzoAMKAQChCwYJKoZIgvcSAQICooGe+/==`,
		want: []Challenge{{Scheme: "Negotiate", Token: "oYG2MIGzoAMKAQChCwYJKoZIgvcSAQICooGe+/=="}},
	},
	{
		name: "basic then digest",
		in:   `Basic realm="x", charset="UTF-8", Digest realm="y", nonce="z"`,
		want: []Challenge{{Scheme: "Basic", Token: `realm="x", charset="UTF-8"`}, {Scheme: "Digest", Realm: "y", Nonce: "z"}},
	},
	{
		name: "schemes without parameters",
		in:   `Negotiate, Digest realm="r", nonce="n", NTLM`,
		want: []Challenge{{Scheme: "Negotiate"}, {Scheme: "Digest", Realm: "r", Nonce: "n"}, {Scheme: "NTLM"}},
	},
	{
		name: "token68 then digest",
		in:   `Negotiate abc=, Digest realm="r", nonce="n"`,
		want: []Challenge{{Scheme: "Negotiate", Token: "abc="}, {Scheme: "Digest", Realm: "r", Nonce: "n"}},
	},
	{
		name: "unknown scheme with parameters",
		in:   `NoOneKnowsThisScheme opaque-data=here`,
		want: []Challenge{{Scheme: "NoOneKnowsThisScheme", Token: "opaque-data=here"}},
	},
	{
		name: "MD5-sess, empty realm",
		in:   `Digest realm="", nonce="n", algorithm=MD5-sess`,
		want: []Challenge{{Scheme: "Digest", Nonce: "n", Algorithm: "MD5-sess"}},
	},
	{
		name: "UTF-8 in quoted string",
		in:   `Digest realm="Jäsøn's realm", nonce="n"`,
		want: []Challenge{{Scheme: "Digest", Realm: "Jäsøn's realm", Nonce: "n"}},
	},

	{name: "empty", in: "  "},
	{name: "missing realm", in: `Digest nonce="n"`},
	{name: "missing nonce", in: `Digest realm="r"`},
	{name: "digest without parameters", in: `Digest`},
	{name: "missing nonce in second challenge", in: `Digest realm="r", nonce="n", Digest realm="r"`},
	{name: "missing closing quote", in: `Digest realm="r", nonce="n`},
	{name: "duplicate parameter", in: `Digest realm="a", nonce="n", Realm="b"`},
	{name: "empty parameter name", in: `Digest realm="a", ="b", nonce="n"`},
	{name: "empty value", in: `Digest realm=, nonce="n"`},
	{name: "value neither token nor quoted", in: `Digest realm=<r>, nonce="n"`},
	{name: "missing comma", in: `Digest realm="a" nonce="n"`},
	{name: "trailing comma", in: `Digest realm="a", nonce="n",`},
	{name: "empty list element", in: `Digest realm="a",, nonce="n"`},
	{name: "parameter without value", in: `Digest realm="a", nonce="n", stale=`},
	{name: "token after quoted value", in: `Digest realm="a"x, nonce="n"`},
	{name: "digest token68", in: `Digest abc==`},
	{name: "parameter first", in: `realm="x", Digest realm="r", nonce="n"`},
	{name: "parameter after token68", in: `Negotiate abc=, realm="x"`},
	{name: "scheme glued to quote", in: `Digest"realm"`},
	{name: "NUL", in: "Digest realm=\"a\x00\", nonce=\"n\""},
	{name: "CR LF not a fold", in: "Digest realm=\"a\", nonce=\"n\"\r\nVia: x"},
	{name: "bare LF in quoted", in: "Digest realm=\"a\nb\", nonce=\"n\""},
}

var authCredentialsTests = []struct {
	name string
	in   string
	want *Credentials // nil: an error wrapping ErrAuth is expected
}{
	{
		name: "rfc 3261 20.7",
		in:   authRFC3261Credentials,
		want: &Credentials{Scheme: "Digest", Username: "bob", Realm: "biloxi.com", Nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", URI: "sip:bob@biloxi.com",
			QOP: "auth", NC: "00000001", CNonce: "0a4f113b", Response: "6629fae49393a05397450978507c4ef1", Opaque: "5ccc069c403ebaf9f0171e9517f40e41"},
	},
	{
		name: "rfc 7616 3.9.1 SHA-256, folded",
		in: "Digest username=\"Mufasa\",\r\n    realm=\"http-auth@example.org\",\r\n    uri=\"/dir/index.html\",\r\n    algorithm=SHA-256,\r\n" +
			"    nonce=\"" + authRFC7616Nonce + "\",\r\n    nc=00000001,\r\n    cnonce=\"" + authRFC7616CNonce + "\",\r\n    qop=auth,\r\n" +
			"    response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n    opaque=\"" + authRFC7616Opaque + "\"",
		want: &Credentials{Scheme: "Digest", Username: "Mufasa", Realm: "http-auth@example.org", URI: "/dir/index.html", Algorithm: "SHA-256",
			Nonce: authRFC7616Nonce, NC: "00000001", CNonce: authRFC7616CNonce, QOP: "auth",
			Response: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", Opaque: authRFC7616Opaque},
	},
	{
		name: "rfc 7616 3.9.1 MD5",
		in: `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, nonce="` + authRFC7616Nonce +
			`", nc=00000001, cnonce="` + authRFC7616CNonce + `", qop=auth, response="8ca523f5e9506fed4657c9700eebdbec", opaque="` + authRFC7616Opaque + `"`,
		want: &Credentials{Scheme: "Digest", Username: "Mufasa", Realm: "http-auth@example.org", URI: "/dir/index.html", Algorithm: "MD5",
			Nonce: authRFC7616Nonce, NC: "00000001", CNonce: authRFC7616CNonce, QOP: "auth",
			Response: "8ca523f5e9506fed4657c9700eebdbec", Opaque: authRFC7616Opaque},
	},
	{
		name: "rfc 7616 3.9.2 userhash",
		in: `Digest username="` + authRFC7616UserHash + `", realm="api@example.org", uri="/doe.json", algorithm=SHA-512-256, nonce="` + authRFC7616Nonce2 +
			`", nc=00000001, cnonce="` + authRFC7616CNonce2 + `", qop=auth, response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd", opaque="` + authRFC7616Opaque2 + `", userhash=true`,
		want: &Credentials{Scheme: "Digest", Username: authRFC7616UserHash, Realm: "api@example.org", URI: "/doe.json", Algorithm: "SHA-512-256",
			Nonce: authRFC7616Nonce2, NC: "00000001", CNonce: authRFC7616CNonce2, QOP: "auth",
			Response: "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd", Opaque: authRFC7616Opaque2, Userhash: true},
	},
	{
		name: "rfc 7616 3.9.2 username*",
		in: `Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", uri="/doe.json", algorithm=SHA-512-256, nonce="` + authRFC7616Nonce2 +
			`", nc=00000001, cnonce="` + authRFC7616CNonce2 + `", qop=auth, response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd", opaque="` + authRFC7616Opaque2 + `", userhash=false`,
		want: &Credentials{Scheme: "Digest", Realm: "api@example.org", URI: "/doe.json", Algorithm: "SHA-512-256",
			Nonce: authRFC7616Nonce2, NC: "00000001", CNonce: authRFC7616CNonce2, QOP: "auth",
			Response: "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd", Opaque: authRFC7616Opaque2,
			Other: "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"},
	},
	{
		name: "asterisk style, no qop",
		in:   `Digest username="1001",realm="asterisk",nonce="4b8e6a2f",uri="sip:192.168.1.10",response="b1e5e0f0f3b1c5d8e1b7f2a9c3d4e5f6",algorithm=MD5`,
		want: &Credentials{Scheme: "Digest", Username: "1001", Realm: "asterisk", Nonce: "4b8e6a2f", URI: "sip:192.168.1.10", Response: "b1e5e0f0f3b1c5d8e1b7f2a9c3d4e5f6", Algorithm: "MD5"},
	},
	{
		name: "proxy-authorization with quoted qop, upper-case nc, unknown parameters",
		in:   `digest USERNAME = "alice" , realm="atlanta.com", nonce="c60f3082ee1212b402a21831ae", uri="sip:bob@biloxi.com;transport=tcp", response="245f23415f11432b3434341c022", qop="auth", nc=0000000A, cnonce="1a2b", foo=bar, x-id="a b"`,
		want: &Credentials{Scheme: "digest", Username: "alice", Realm: "atlanta.com", Nonce: "c60f3082ee1212b402a21831ae", URI: "sip:bob@biloxi.com;transport=tcp",
			Response: "245f23415f11432b3434341c022", QOP: "auth", NC: "0000000A", CNonce: "1a2b", Other: `foo=bar, x-id="a b"`},
	},
	{
		name: "escaped quote in username",
		in:   `Digest username="a\"b", realm="r", nonce="n", uri="sip:r", response="0"`,
		want: &Credentials{Scheme: "Digest", Username: `a"b`, Realm: "r", Nonce: "n", URI: "sip:r", Response: "0"},
	},
	{
		name: "rfc 4475 3.3.7 unknown scheme",
		in:   `NoOneKnowsThisScheme opaque-data=here`,
		want: &Credentials{Scheme: "NoOneKnowsThisScheme", Token: "opaque-data=here"},
	},
	{
		name: "basic",
		in:   `Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==`,
		want: &Credentials{Scheme: "Basic", Token: "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
	},

	{name: "empty", in: ""},
	{name: "digest alone", in: "Digest"},
	{name: "missing username", in: `Digest realm="r", nonce="n", uri="sip:r", response="0"`},
	{name: "missing response", in: `Digest username="u", realm="r", nonce="n", uri="sip:r"`},
	{name: "missing uri", in: `Digest username="u", realm="r", nonce="n", response="0"`},
	{name: "qop without nc", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", qop=auth, cnonce="c"`},
	{name: "qop without cnonce", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", qop=auth, nc=00000001`},
	{name: "nc too short", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", qop=auth, cnonce="c", nc=0000001`},
	{name: "nc not hex", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", qop=auth, cnonce="c", nc=0000000g`},
	{name: "duplicate response", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", RESPONSE="1"`},
	{name: "username and username*", in: `Digest username="u", username*=UTF-8''u, realm="r", nonce="n", uri="sip:r", response="0"`},
	{name: "missing closing quote", in: `Digest username="u, realm="r", nonce="n", uri="sip:r", response="0`},
	{name: "missing comma", in: `Digest username="u" realm="r", nonce="n", uri="sip:r", response="0"`},
	{name: "trailing comma", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0",`},
	{name: "uri neither token nor quoted", in: `Digest username="u", realm="r", nonce="n", uri=<sip:r>, response="0"`},
	{name: "scheme glued to comma", in: `Digest,username="u", realm="r", nonce="n", uri="sip:r", response="0"`},
	{name: "two credentials", in: `Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", Digest username="v"`},
	{name: "header injection", in: "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"0\"\r\nContact: <sip:evil>"},
}

func TestParseChallenges(t *testing.T) {
	for _, tt := range authChallengeTests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []Challenge{{Scheme: "Kept"}}
			got, err := ParseChallenges(tt.in, prefix)
			if tt.want == nil {
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("ParseChallenges(%q) = %+v, %v; want error wrapping ErrAuth", tt.in, got, err)
				}
				if len(got) != 1 || got[0].Scheme != "Kept" {
					t.Fatalf("on error dst changed to %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseChallenges(%q): %v", tt.in, err)
			}
			if len(got) != len(tt.want)+1 || got[0].Scheme != "Kept" {
				t.Fatalf("got %d challenges %+v, want kept prefix and %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if got[i+1] != w {
					t.Errorf("challenge %d:\n got %+v\nwant %+v", i, got[i+1], w)
				}
			}
			authCheckChallengeRoundTrip(t, got[1:])
		})
	}
}

func TestParseCredentials(t *testing.T) {
	for _, tt := range authCredentialsTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCredentials(tt.in)
			if tt.want == nil {
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("ParseCredentials(%q) = %+v, %v; want error wrapping ErrAuth", tt.in, got, err)
				}
				if got != (Credentials{}) {
					t.Fatalf("on error got %+v, want zero", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCredentials(%q): %v", tt.in, err)
			}
			if got != *tt.want {
				t.Fatalf("\n got %+v\nwant %+v", got, *tt.want)
			}
			authCheckCredentialsRoundTrip(t, got)
		})
	}
}

// authCheckChallengeRoundTrip checks that each challenge, written alone, and
// all of them, written as one comma-separated value, parse back the same.
func authCheckChallengeRoundTrip(t *testing.T, cs []Challenge) {
	t.Helper()
	var all []byte
	for i, c := range cs {
		out := c.AppendTo(nil)
		back, err := ParseChallenges(string(out), nil)
		if err != nil {
			t.Fatalf("challenge %d %+v written as %q does not parse: %v", i, c, out, err)
		}
		if len(back) != 1 || back[0] != c {
			t.Fatalf("challenge %d round trip through %q:\n got %+v\nwant %+v", i, out, back, c)
		}
		if i > 0 {
			all = append(all, ", "...)
		}
		all = c.AppendTo(all)
	}
	back, err := ParseChallenges(string(all), nil)
	if err != nil {
		t.Fatalf("challenges written as %q do not parse: %v", all, err)
	}
	if len(back) != len(cs) {
		t.Fatalf("challenges written as %q parse as %d, want %d", all, len(back), len(cs))
	}
	for i := range cs {
		if back[i] != cs[i] {
			t.Fatalf("challenge %d round trip through %q:\n got %+v\nwant %+v", i, all, back[i], cs[i])
		}
	}
}

func authCheckCredentialsRoundTrip(t *testing.T, c Credentials) {
	t.Helper()
	out := c.AppendTo(nil)
	back, err := ParseCredentials(string(out))
	if err != nil {
		t.Fatalf("%+v written as %q does not parse: %v", c, out, err)
	}
	if back != c {
		t.Fatalf("round trip through %q:\n got %+v\nwant %+v", out, back, c)
	}
}

func TestChallengeAppendTo(t *testing.T) {
	tests := []struct {
		c    Challenge
		want string
	}{
		{
			Challenge{Scheme: "Digest", Realm: "asterisk", Nonce: "1510834400/2a69", Opaque: "6a1e", Algorithm: "md5", QOP: "auth"},
			`Digest realm="asterisk", nonce="1510834400/2a69", opaque="6a1e", algorithm=md5, qop="auth"`,
		},
		{
			Challenge{Scheme: "Digest", Realm: "api@example.org", Domain: "sip:a.example.org sip:b.example.org", Nonce: "n", Stale: true, Algorithm: "SHA-512-256",
				QOP: "auth,auth-int", Charset: "UTF-8", Userhash: true, Other: `foo=bar`},
			`Digest realm="api@example.org", domain="sip:a.example.org sip:b.example.org", nonce="n", stale=true, algorithm=SHA-512-256, qop="auth,auth-int", charset=UTF-8, userhash=true, foo=bar`,
		},
		{Challenge{Scheme: "Digest"}, `Digest realm="", nonce=""`},
		{Challenge{Scheme: "Digest", Realm: `a"b\c`, Nonce: "n"}, `Digest realm="a\"b\\c", nonce="n"`},
		{Challenge{Scheme: "Digest", Realm: "r", Nonce: "n", Algorithm: "MD 5"}, `Digest realm="r", nonce="n", algorithm="MD 5"`},
		{Challenge{Scheme: "Basic", Token: `realm="x"`, Realm: "ignored"}, `Basic realm="x"`},
		{Challenge{Scheme: "Negotiate"}, `Negotiate`},
		// Control characters set by hand cannot end the header line.
		{Challenge{Scheme: "Digest", Realm: "r\r\nVia: evil", Nonce: "n\x00", Other: "a=b\nc"}, `Digest realm="r  Via: evil", nonce="n ", a=b c`},
	}
	for _, tt := range tests {
		if got := string(tt.c.AppendTo([]byte("x: "))); got != "x: "+tt.want {
			t.Errorf("%+v.AppendTo:\n got %q\nwant %q", tt.c, got, "x: "+tt.want)
		}
	}
}

func TestCredentialsAppendTo(t *testing.T) {
	c, err := ParseCredentials(authRFC3261Credentials)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		c    Credentials
		want string
	}{
		{c, `Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001`},
		{
			Credentials{Scheme: "Digest", Username: "u", Realm: "r", Nonce: "n", URI: "sip:r", Response: "0", Algorithm: "SHA-256", QOP: "auth", NC: "00000002", Userhash: true},
			`Digest username="u", realm="r", nonce="n", uri="sip:r", response="0", algorithm=SHA-256, cnonce="", qop=auth, nc=00000002, userhash=true`,
		},
		{
			Credentials{Scheme: "Digest", Realm: "r", Nonce: "n", URI: "sip:r", Response: "0", Other: "username*=UTF-8''u"},
			`Digest realm="r", nonce="n", uri="sip:r", response="0", username*=UTF-8''u`,
		},
		{Credentials{Scheme: "Digest"}, `Digest username="", realm="", nonce="", uri="", response=""`},
		{Credentials{Scheme: "NoOneKnowsThisScheme", Token: "opaque-data=here", Username: "ignored"}, `NoOneKnowsThisScheme opaque-data=here`},
	}
	for _, tt := range tests {
		if got := string(tt.c.AppendTo(nil)); got != tt.want {
			t.Errorf("%+v.AppendTo:\n got %q\nwant %q", tt.c, got, tt.want)
		}
	}
}

func TestChallengeHasQOP(t *testing.T) {
	c := Challenge{QOP: "auth, AUTH-INT ,x"}
	for q, want := range map[string]bool{"auth": true, "auth-int": true, "x": true, "au": false, "": false, "auth,": false} {
		if got := c.HasQOP(q); got != want {
			t.Errorf("HasQOP(%q) = %v, want %v", q, got, want)
		}
	}
	if (Challenge{}).HasQOP("auth") {
		t.Error("empty qop list has auth")
	}
}

func TestAuthErrorWrapsErrAuth(t *testing.T) {
	_, err := ParseCredentials(`Digest realm="r"`)
	if !errors.Is(err, ErrAuth) || !strings.HasPrefix(err.Error(), ErrAuth.Error()) {
		t.Fatalf("err = %v", err)
	}
}

func TestAuthAllocs(t *testing.T) {
	rfc7616 := authCredentialsTests[1].in
	dst := make([]Challenge, 0, 4)
	buf := make([]byte, 0, 1024)
	chal, _ := ParseChallenges(authChallengeTests[7].in, nil)
	cred, _ := ParseCredentials(authRFC3261Credentials)
	other, _ := ParseChallenges(`Digest realm="x", nonce="y", foo=bar, baz="q"`, nil)
	for name, fn := range map[string]func(){
		"ParseCredentials": func() {
			if _, err := ParseCredentials(authRFC3261Credentials); err != nil {
				t.Fatal(err)
			}
		},
		"ParseCredentials folded": func() {
			if _, err := ParseCredentials(rfc7616); err != nil {
				t.Fatal(err)
			}
		},
		"ParseChallenges": func() {
			var err error
			if dst, err = ParseChallenges(authChallengeTests[7].in, dst[:0]); err != nil {
				t.Fatal(err)
			}
		},
		"ParseChallenges asterisk": func() {
			var err error
			if dst, err = ParseChallenges(authAsteriskChallenge, dst[:0]); err != nil {
				t.Fatal(err)
			}
		},
		"ParseChallenges other": func() {
			var err error
			if dst, err = ParseChallenges(`Digest realm="x", nonce="y", foo=bar, baz="q"`, dst[:0]); err != nil {
				t.Fatal(err)
			}
		},
		"Challenge.AppendTo": func() {
			buf = buf[:0]
			for _, c := range chal {
				buf = c.AppendTo(buf)
			}
			buf = other[0].AppendTo(buf)
		},
		"Credentials.AppendTo": func() { buf = cred.AppendTo(buf[:0]) },
		"HasQOP":               func() { _ = chal[0].HasQOP("auth-int") },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, tt := range authChallengeTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseChallenges(in, nil)
		if err != nil {
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("error %v does not wrap ErrAuth", err)
			}
			if cs != nil {
				t.Fatalf("on error got %+v", cs)
			}
			return
		}
		if len(cs) == 0 {
			t.Fatalf("no challenge and no error for %q", in)
		}
		authCheckChallengeRoundTrip(t, cs)
	})
}

func FuzzParseCredentials(f *testing.F) {
	for _, tt := range authCredentialsTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCredentials(in)
		if err != nil {
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("error %v does not wrap ErrAuth", err)
			}
			return
		}
		authCheckCredentialsRoundTrip(t, c)
	})
}
