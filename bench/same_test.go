package bench

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/sk400vop/sk400vop/engine/sip"
)

// diff reports how a and b differ, or "" when they agree on every field.
func (a fields) diff(b fields) string {
	var d []string
	cmp := func(name string, x, y any) {
		if x != y {
			d = append(d, fmt.Sprintf("%s: %v vs %v", name, x, y))
		}
	}
	cmp("method", a.method, b.method)
	cmp("status", a.status, b.status)
	cmp("branch", a.branch, b.branch)
	cmp("via host", a.viaHost, b.viaHost)
	cmp("via port", a.viaPort, b.viaPort)
	cmp("from tag", a.fromTag, b.fromTag)
	cmp("to tag", a.toTag, b.toTag)
	cmp("call-id", a.callID, b.callID)
	cmp("cseq", a.cseq, b.cseq)
	cmp("cseq method", a.cseqMethod, b.cseqMethod)
	cmp("has contact", a.hasContact, b.hasContact)
	cmp("contact host", a.contactHost, b.contactHost)
	cmp("content-length", a.contentLength, b.contentLength)
	cmp("body length", len(a.body), len(b.body))
	if !bytes.Equal(a.body, b.body) {
		d = append(d, "bodies differ")
	}
	return strings.Join(d, "; ")
}

// wantHot is what each message must yield, checked against both stacks.
var wantHot = map[string]struct {
	method     string
	status     int
	cseqMethod string
	contact    bool
	body       bool
	toTag      bool
}{
	"INVITE":   {"INVITE", 0, "INVITE", true, true, false},
	"180":      {"", 180, "INVITE", true, false, true},
	"200":      {"", 200, "INVITE", true, true, true},
	"REGISTER": {"REGISTER", 0, "REGISTER", true, false, false},
	"401":      {"", 401, "REGISTER", false, false, true},
	"ACK":      {"ACK", 0, "ACK", true, false, true},
	"BYE":      {"BYE", 0, "BYE", true, false, true},
	"NOTIFY":   {"NOTIFY", 0, "NOTIFY", true, true, true},
}

// declaredLength returns the Content-Length written in a wire message.
func declaredLength(t *testing.T, data []byte) int {
	t.Helper()
	for line := range strings.SplitSeq(string(data), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Content-Length")
	return 0
}

// TestSameMessages checks that both stacks accept every benchmark message
// and read the same values from it, so the Parse comparison is honest.
func TestSameMessages(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.HasSuffix(bytes.SplitN(c.data, []byte("\r\n\r\n"), 2)[0], []byte("\r\n"+"Content-Length: "+strconv.Itoa(declaredLength(t, c.data)))) {
				t.Fatal("Content-Length is not the last header")
			}
			if bytes.Contains(bytes.ReplaceAll(c.data, []byte("\r\n"), nil), []byte("\n")) {
				t.Fatal("bare LF in a wire message")
			}

			// sk400vop: both entry points, and every typed getter succeeds.
			var p sip.Parser
			var reused sip.Message
			if err := p.Parse(&reused, c.data); err != nil {
				t.Fatalf("sk400vop: %v", err)
			}
			if err := reused.Validate(sip.Limits{}); err != nil {
				t.Fatalf("sk400vop Validate: %v", err)
			}
			for name, err := range map[string]error{
				"Via": second(reused.Via()), "From": second(reused.From()),
				"To": second(reused.To()), "CSeq": second(reused.CSeq()),
			} {
				if err != nil {
					t.Errorf("sk400vop %s: %v", name, err)
				}
			}
			sk := readSK(&reused)
			fresh, err := sip.Parse(c.data)
			if err != nil {
				t.Fatalf("sk400vop sip.Parse: %v", err)
			}
			if d := sk.diff(readSK(fresh)); d != "" {
				t.Errorf("sk400vop reused vs new Message: %s", d)
			}

			// sipgo.
			msg, err := sipgo.NewParser().ParseSIP(c.data)
			if err != nil {
				t.Fatalf("sipgo: %v", err)
			}
			sg := readSipgo(msg)

			if d := sk.diff(sg); d != "" {
				t.Errorf("sk400vop vs sipgo: %s", d)
			}

			// And the values are the real ones, not two equal blanks.
			w := wantHot[c.name]
			for _, f := range []fields{sk, sg} {
				if f.method != w.method || f.status != w.status || f.cseqMethod != w.cseqMethod {
					t.Errorf("start line / CSeq: %q %d %q", f.method, f.status, f.cseqMethod)
				}
				if !strings.HasPrefix(f.branch, sip.BranchCookie) || f.viaHost == "" {
					t.Errorf("top Via: branch %q host %q", f.branch, f.viaHost)
				}
				if f.fromTag == "" || f.callID == "" || f.cseq == 0 {
					t.Errorf("dialog fields: from tag %q call-id %q cseq %d", f.fromTag, f.callID, f.cseq)
				}
				if (f.toTag != "") != w.toTag {
					t.Errorf("to tag %q", f.toTag)
				}
				if f.hasContact != w.contact || (w.contact && f.contactHost == "") {
					t.Errorf("contact %v %q", f.hasContact, f.contactHost)
				}
				if (len(f.body) > 0) != w.body || f.contentLength != len(f.body) || len(f.body) != declaredLength(t, c.data) {
					t.Errorf("body %d bytes, Content-Length %d", len(f.body), f.contentLength)
				}
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

// TestSerializeSame checks that what each Serialize benchmark writes is the
// message it stands for: both stacks read back the same fields from either
// stack's output, and the built INVITEs carry the wire INVITE's values.
func TestSerializeSame(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			orig, err := sip.Parse(c.data)
			if err != nil {
				t.Fatal(err)
			}
			want := readSK(orig)
			outs := map[string][]byte{
				"sk400vop": skMessage(t, c.name, c.data).AppendTo(nil),
				"sipgo":    []byte(sipgoMessage(t, c.name, c.data).String()),
			}
			for stack, out := range outs {
				m, err := sip.Parse(out)
				if err != nil {
					t.Fatalf("%s output, sk400vop parse: %v\n%s", stack, err, out)
				}
				if d := want.diff(readSK(m)); d != "" {
					t.Errorf("%s output read by sk400vop: %s\n%s", stack, d, out)
				}
				g, err := sipgo.NewParser().ParseSIP(out)
				if err != nil {
					t.Fatalf("%s output, sipgo parse: %v\n%s", stack, err, out)
				}
				if d := want.diff(readSipgo(g)); d != "" {
					t.Errorf("%s output read by sipgo: %s\n%s", stack, d, out)
				}
				if n := bytes.Count(out, []byte("\r\n")) - bytes.Count(c.data, []byte("\r\n")); n != 0 {
					t.Errorf("%s output has %+d lines against the wire message\n%s", stack, n, out)
				}
			}
			if c.name == "INVITE" && !bytes.Equal(outs["sk400vop"], c.data) {
				t.Errorf("built INVITE differs from the wire INVITE:\n%s\n----\n%s", outs["sk400vop"], c.data)
			}
		})
	}
}
