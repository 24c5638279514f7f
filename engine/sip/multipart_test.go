package sip

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// multipartCheck fails unless every Body is a subslice of body.
func multipartCheck(t *testing.T, body []byte, parts []Part) {
	t.Helper()
	base := uintptr(unsafe.Pointer(unsafe.SliceData(body)))
	for i, p := range parts {
		if len(p.Body) == 0 {
			continue
		}
		at := uintptr(unsafe.Pointer(unsafe.SliceData(p.Body)))
		if at < base || at+uintptr(len(p.Body)) > base+uintptr(len(body)) {
			t.Fatalf("part %d body is not a view into the input", i)
		}
	}
}

type multipartWant struct{ header, contentType, body string }

func multipartExpect(t *testing.T, name string, body []byte, boundary string, want []multipartWant) {
	t.Helper()
	parts, err := SplitMultipart(body, boundary)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	multipartCheck(t, body, parts)
	if len(parts) != len(want) {
		t.Fatalf("%s: %d parts, want %d: %q", name, len(parts), len(want), parts)
	}
	for i, w := range want {
		p := parts[i]
		if p.Header != w.header || p.ContentType != w.contentType || string(p.Body) != w.body {
			t.Errorf("%s: part %d = {%q %q %q}, want {%q %q %q}", name, i,
				p.Header, p.ContentType, p.Body, w.header, w.contentType, w.body)
		}
	}
}

// The example of RFC 2046 §5.1.1, with its quoted boundary, preamble and epilogue.
func TestSplitMultipartRFC2046(t *testing.T) {
	body := "This is the preamble.  It is to be ignored, though it\r\n" +
		"is a handy place for composition agents to include an\r\n" +
		"explanatory note to non-MIME conformant readers.\r\n" +
		"\r\n" +
		"--simple boundary\r\n" +
		"\r\n" +
		"This is implicitly typed plain US-ASCII text.\r\n" +
		"It does NOT end with a linebreak.\r\n" +
		"--simple boundary\r\n" +
		"Content-type: text/plain; charset=us-ascii\r\n" +
		"\r\n" +
		"This is explicitly typed plain US-ASCII text.\r\n" +
		"It DOES end with a linebreak.\r\n" +
		"\r\n" +
		"--simple boundary--\r\n" +
		"\r\n" +
		"This is the epilogue.  It is also to be ignored.\r\n"
	want := []multipartWant{
		{"", "", "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak."},
		{"Content-type: text/plain; charset=us-ascii", "text/plain; charset=us-ascii",
			"This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n"},
	}
	multipartExpect(t, "quoted", []byte(body), `"simple boundary"`, want)
	multipartExpect(t, "unquoted", []byte(body), "simple boundary", want)
	multipartExpect(t, "bare LF", []byte(strings.ReplaceAll(body, "\r\n", "\n")), "simple boundary", []multipartWant{
		{"", "", "This is implicitly typed plain US-ASCII text.\nIt does NOT end with a linebreak."},
		{"Content-type: text/plain; charset=us-ascii", "text/plain; charset=us-ascii",
			"This is explicitly typed plain US-ASCII text.\nIt DOES end with a linebreak.\n"},
	})
}

func TestSplitMultipartSDPAndText(t *testing.T) {
	sdp := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"
	isup := "\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x33\x63\x21\x43\x00\x00\x03\x06\x0d\x03\x80\x90\xa2\x07\x03\x10\x03\x63\x53\x00"
	body := "--unique-boundary-1\r\n" +
		"Content-Type: application/sdp\r\n" +
		"\r\n" + sdp +
		"\r\n--unique-boundary-1 \t\r\n" + // transport padding
		"c:application/ISUP; version=nxv3; base=etsi121\r\n" +
		"Content-Disposition: signal; handling=optional\r\n" +
		"\r\n" + isup +
		"\r\n--unique-boundary-1\r\n" +
		"content-type:  text/plain \r\n" +
		"X-Folded: a\r\n b\r\n" +
		"\r\n" +
		"see you\r\n" +
		"--unique-boundary-1--"
	parts, err := SplitMultipart([]byte(body), "unique-boundary-1")
	if err != nil {
		t.Fatal(err)
	}
	multipartExpect(t, "mixed", []byte(body), "unique-boundary-1", []multipartWant{
		{"Content-Type: application/sdp", "application/sdp", sdp},
		{"c:application/ISUP; version=nxv3; base=etsi121\r\nContent-Disposition: signal; handling=optional",
			"application/ISUP; version=nxv3; base=etsi121", isup},
		{"content-type:  text/plain \r\nX-Folded: a\r\n b", "text/plain", "see you"},
	})
	if got := parts[1].HeaderValue("content-disposition"); got != "signal; handling=optional" {
		t.Errorf("HeaderValue = %q", got)
	}
	if got := parts[2].HeaderValue("X-FOLDED"); got != "a\r\n b" {
		t.Errorf("folded HeaderValue = %q", got)
	}
	if got := parts[0].HeaderValue("Content-Disposition"); got != "" {
		t.Errorf("absent HeaderValue = %q", got)
	}
}

func TestSplitMultipartBinary(t *testing.T) {
	bin := "\x00\r\n\x00--b\r\n\r\n--bX\r\n--b-\r\n\n\r\x00\xff\r\n"
	body := "--b\r\nContent-Type: application/octet-stream\r\n\r\n" + bin + "\r\n--b\r\n\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b--\r\n"
	multipartExpect(t, "binary", []byte(body), "b", []multipartWant{
		{"Content-Type: application/octet-stream", "application/octet-stream", bin},
		{"", "", ""}, // a blank line and nothing else
		{"Content-Type: text/plain", "text/plain", ""}, // headers and no body
	})
}

// The body of RFC 4475 §3.1.1.11 (mpart01): a multipart/mixed MESSAGE
// whose second part is a binary S/MIME signature holding NUL bytes.
const multipartRFC4475Body = "--7a9cbec02ceef655\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Transfer-Encoding: binary\r\n" +
	"\r\n" +
	"Hello\r\n" +
	"--7a9cbec02ceef655\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Transfer-Encoding: binary\r\n" +
	"\r\n" +
	multipartRFC4475Binary +
	"\r\n--7a9cbec02ceef655--\r\n"

const multipartRFC4475Binary = "0\x82\x01R\x06\x09*\x86H\x86\xf7\r\x01\x07\x02\xa0\x82\x01C0" +
	"\x82\x01?\x02\x01\x011\x090\x07\x06\x05+\x0e\x03\x02\x1a0\x0b\x06" +
	"\x09*\x86H\x86\xf7\r\x01\x07\x011\x82\x01 0\x82\x01\x1c\x02\x01" +
	"\x010|0p1\x0b0\x09\x06\x03U\x04\x06\x13\x02US1\x13" +
	"0\x11\x06\x03U\x04\x08\x13\nCalifornia1" +
	"\x110\x0f\x06\x03U\x04\x07\x13\x08San Jose1\x0e" +
	"0\x0c\x06\x03U\x04\n\x13\x05sipit1)0'\x06\x03" +
	"U\x04\x0b\x13 Sipit Test Cert" +
	"ificate Authority\x02\x08\x01" +
	"\x95\x00q\x023\x01\x130\x07\x06\x05+\x0e\x03\x02\x1a0\r\x06\x09" +
	"*\x86H\x86\xf7\r\x01\x01\x01\x05\x00\x04\x81\x80\x8e\xf4f\xf9H\xf0" +
	"R-\xd2\xe5\x97\x8e\x9d\x95\xaa\xe9\xf2\xfe\x15\xa0fYqb\x92\xe8" +
	"\xda*\xa8\xd85\nh\xce\xff\xae<\xbd+\xff\x16u\xdd\xd5d\x8e" +
	"Y=\xd6G(\xf2b \xf7\xe9At\x9e3\r\x9a\x15\xed\xab\xdb" +
	"\x93\xd1\x0cB\x10.{r\x89\xd2\x9c\xc0\xc9\xae.\xfb\xc7\xc0\xcf\xf9" +
	"\x17/;\x02~O\xc0'\xe1Tm\xe4\xb6\xaa:\xbb>f\xcc\xcb" +
	"]\xd6\xc6K\x83\x83\x14\x9c\xb8\xe6\xff\x18-\x94O\xe5{e\xbc\x99" +
	"\xd0\x05"

func TestSplitMultipartRFC4475(t *testing.T) {
	body := []byte(multipartRFC4475Body)
	if len(body) != 553 { // the Content-Length of the RFC 4475 message
		t.Fatalf("body of %d bytes, want 553", len(body))
	}
	// The DER signature: SEQUENCE of length 0x152, 4 + 338 bytes.
	if len(multipartRFC4475Binary) != 342 || !strings.Contains(multipartRFC4475Binary, "\x00") {
		t.Fatal("bad test data")
	}
	multipartExpect(t, "mpart01", body, "7a9cbec02ceef655", []multipartWant{
		{"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary", "text/plain", "Hello"},
		{"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary",
			"application/octet-stream", multipartRFC4475Binary},
	})
}

func TestSplitMultipartMalformed(t *testing.T) {
	var many strings.Builder
	for i := range 65 {
		fmt.Fprintf(&many, "--b\r\n\r\npart %d\r\n", i)
	}
	many.WriteString("--b--")
	tests := []struct{ name, body, boundary string }{
		{"empty boundary", "--\r\n\r\nx\r\n----", ""},
		{"empty quoted boundary", "--\r\n\r\nx\r\n----", `""`},
		{"boundary too long", "--" + strings.Repeat("b", 71) + "\r\n\r\nx\r\n--" + strings.Repeat("b", 71) + "--", strings.Repeat("b", 71)},
		{"no delimiter", "hello", "b"},
		{"empty body", "", "b"},
		{"no close delimiter", "--b\r\n\r\nhello\r\n", "b"},
		{"delimiter at the end", "--b\r\n\r\nhello\r\n--b", "b"},
		{"delimiter not at a line start", "--b\r\n\r\nhello --b--", "b"},
		{"only a close delimiter", "--b--\r\n", "b"},
		{"longer boundary is content", "--b\r\n\r\nhello\r\n--bb--", "b"},
		{"65 parts", many.String(), "b"},
	}
	for _, tt := range tests {
		parts, err := SplitMultipart([]byte(tt.body), tt.boundary)
		if !errors.Is(err, ErrMultipart) {
			t.Errorf("%s: %d parts, error %v, want ErrMultipart", tt.name, len(parts), err)
		}
	}
	// 64 parts and a 70-character boundary are fine.
	b70 := strings.Repeat("b", 70)
	var ok strings.Builder
	for i := range 64 {
		fmt.Fprintf(&ok, "--%s\r\n\r\npart %d\r\n", b70, i)
	}
	ok.WriteString("--" + b70 + "--")
	parts, err := SplitMultipart([]byte(ok.String()), b70)
	if err != nil || len(parts) != 64 || string(parts[63].Body) != "part 63" {
		t.Fatalf("64 parts: %d parts, error %v", len(parts), err)
	}
}

func FuzzSplitMultipart(f *testing.F) {
	f.Add([]byte(multipartRFC4475Body), "7a9cbec02ceef655")
	f.Add([]byte("pre\r\n--b \r\nc: text/plain\r\n\r\nhi\r\n--b\r\n\r\n\r\n--b\n\n--b--\r\nepi"), "b")
	f.Add([]byte("--b\r\n--b\r\nX: y\r\n--b--"), "b")
	f.Add([]byte("--b\n\n\n--b--"), `"b"`)
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		orig := bytes.Clone(body)
		parts, err := SplitMultipart(body, boundary)
		if !bytes.Equal(body, orig) {
			t.Fatal("input modified")
		}
		if err != nil {
			if !errors.Is(err, ErrMultipart) || parts != nil {
				t.Fatalf("error %v with %d parts", err, len(parts))
			}
			return
		}
		if len(parts) == 0 || len(parts) > multipartMaxParts {
			t.Fatalf("%d parts", len(parts))
		}
		multipartCheck(t, body, parts)
		for _, p := range parts {
			if cap(p.Body) != len(p.Body) {
				t.Fatal("a part body reaches past its end")
			}
		}
	})
}
