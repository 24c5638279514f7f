package sip

import (
	"os"
	"path/filepath"
	"testing"
)

// addCorpusSeeds adds every torture message as a fuzz seed.
func addCorpusSeeds(f *testing.F) {
	dir := corpusDir(f)
	for _, pattern := range []string{"rfc4475/*.dat", "rfc5118/*.sip"} {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add(inviteMsg)
}

// FuzzParse feeds datagrams to the parser and the UAS checks. Nothing may
// panic or hang, and a message that parses must serialise to bytes that
// parse to the same serialisation and the same validity.
func FuzzParse(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if m.IsRequest() && m.Has("Via") {
				_ = NewResponse(m, StatusOf(err), "").AppendTo(nil)
			}
			return
		}
		readHot(m)
		_ = testPolicy.Inspect(m)
		_ = CheckResponse(m, Limits{})
		roundTrip(t, data)
	})
}

// FuzzParseNameAddr checks name-addr parsing and its canonical round trip.
func FuzzParseNameAddr(f *testing.F) {
	for _, s := range []string{
		`"Alice" <sip:alice@atlanta.example.com>;tag=1928301774`,
		`sip:+12125551212@server.phone2net.com;tag=887s`,
		`Bob <sips:bob@biloxi.example.com:5061;transport=tls>;expires=3600;q=0.7`,
		`"J Rosenberg \\\""       <sip:jdrosen@example.com> ; tag = 98asjd8`,
		`<tel:+1-201-555-0123;phone-context=example.com>`, `*`, `caller<sip:caller@example.com>;tag=323`,
		`<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>`, `"x, y" <sip:[2001:db8::1]:5070;lr>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		na, err := ParseNameAddr(s)
		if err != nil {
			return
		}
		_, _ = na.Tag(), na.DisplayName()
		out := na.String()
		na2, err := ParseNameAddr(out)
		if err != nil {
			t.Fatalf("%q -> %q does not re-parse: %v", s, out, err)
		}
		if na2 != na {
			t.Fatalf("round trip changed %q:\n%#v\n%#v", s, na, na2)
		}
	})
}

// FuzzParseVia checks Via parsing and its canonical round trip.
func FuzzParseVia(f *testing.F) {
	for _, s := range []string{
		"SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
		"SIP/2.0/TCP [2001:db8::9:1]:5061;branch=z9hG4bKas3;received=2001:db8::9:255;rport=5061",
		"SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw",
		"SIP/2.0/UDP 192.0.2.1:5060;rport;maddr=224.2.0.1;ttl=16;branch=z9hG4bK1",
		`SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks;x="quoted ; value"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVia(s)
		if err != nil {
			return
		}
		_, _ = v.RPort()
		_, _ = v.TTL()
		out := v.String()
		v2, err := ParseVia(out)
		if err != nil {
			t.Fatalf("%q -> %q does not re-parse: %v", s, out, err)
		}
		if v2 != v {
			t.Fatalf("round trip changed %q:\n%#v\n%#v", s, v, v2)
		}
	})
}
