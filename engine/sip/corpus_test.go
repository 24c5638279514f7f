package sip

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir locates ../shared/corpus beside the project checkout (or the
// folder named by SK400VOP_CORPUS). The corpus is not copied into the tree.
func corpusDir(t testing.TB) string {
	dir := os.Getenv("SK400VOP_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "rfc4475")); err != nil {
		t.Fatalf("torture corpus not found at %s (expected ../shared/corpus beside the checkout, or set SK400VOP_CORPUS): %v", dir, err)
	}
	return dir
}

// testPolicy is an ordinary user agent: a phone, not a registrar.
var testPolicy = UASPolicy{
	Methods:     []string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "PRACK", "UPDATE", "INFO", "MESSAGE", "REFER", "NOTIFY", "SUBSCRIBE"},
	Extensions:  []string{"100rel", "timer", "replaces", "norefersub"},
	BodyTypes:   []string{"application/sdp"},
	AnswerTypes: map[string]string{"INVITE": "application/sdp"},
}

// verdict is what the UA does with a message received over UDP: for a
// request the status it answers with (0 = taken), for a response whether
// it is discarded.
type verdict struct {
	statuses []int // acceptable outcomes; 0 means accepted
	check    func(t *testing.T, m *Message)
}

func accept(check func(t *testing.T, m *Message)) verdict {
	return verdict{statuses: []int{0}, check: check}
}

func reject(codes ...int) verdict { return verdict{statuses: codes} }

// validOnly: a message RFC 4475 calls valid; the parser must accept it and
// expose the fields. What the UA answers afterwards (a 405 for REGISTER, a
// 415 for a body it cannot use) is application behaviour listed as well.
func validThen(check func(t *testing.T, m *Message), codes ...int) verdict {
	return verdict{statuses: codes, check: check}
}

const discard = -1

var rfc4475Verdicts = map[string]verdict{
	"wsinv": accept(func(t *testing.T, m *Message) {
		eq(t, m.Method(), "INVITE")
		mf, _ := m.MaxForwards()
		eq(t, mf, 68)
		cs, _ := m.CSeq()
		eq(t, cs, CSeq{9, "INVITE"})
		eq(t, m.Get("NewFangledHeader"), "newfangled value continued newfangled value")
		eq(t, m.Get("UnknownHeaderWithUnusualValue"), ";;,,;;,;")
		eq(t, m.Count("Via"), 3)
		to, _ := m.To()
		eq(t, to.Tag(), "1918181833n")
		from, _ := m.From()
		eq(t, from.Tag(), "98asjd8")
		eq(t, from.DisplayName(), `J Rosenberg \"`)
		c, _ := m.Contact()
		eq(t, c.DisplayName(), `Quoted string ""`)
		q, _ := c.Params.Get("q")
		eq(t, q, "0.33")
		eq(t, len(m.Body()), 150)
	}),
	"intmeth": validThen(func(t *testing.T, m *Message) {
		eq(t, m.Method(), "!interesting-Method0123456789_*+`.%indeed'~")
		cs, _ := m.CSeq()
		eq(t, cs.Method, m.Method())
	}, 501),
	"esc01": accept(func(t *testing.T, m *Message) {
		u, _ := m.RequestURI()
		eq(t, u.User, "sips%3Auser%40example.com")
		user, err := Unescape(u.User)
		eq(t, err, nil)
		eq(t, user, "sips:user@example.com")
		from, _ := m.From()
		eq(t, mustUnescape(t, from.URI.User), "I have spaces")
	}),
	"escnull": validThen(func(t *testing.T, m *Message) {
		to, _ := m.To()
		eq(t, mustUnescape(t, to.URI.User), "null-\x00-null")
		eq(t, m.Count("Contact"), 2)
		var users []string
		for c := range m.NameAddrs("Contact") {
			users = append(users, c.URI.User)
		}
		if users[0] == users[1] {
			t.Errorf("contacts not distinct: %q", users)
		}
	}, 405),
	"esc02": validThen(func(t *testing.T, m *Message) {
		eq(t, m.Method(), "RE%47IST%45R")
		eq(t, m.Count("Contact"), 2)
	}, 501),
	"lwsdisp": accept(func(t *testing.T, m *Message) {
		from, _ := m.From()
		eq(t, from.Display, "caller")
	}),
	"longreq": accept(func(t *testing.T, m *Message) {
		eq(t, m.Method(), "INVITE")
		if len(m.Get("To")) < 100 {
			t.Errorf("long To value truncated")
		}
	}),
	"dblreq": validThen(func(t *testing.T, m *Message) {
		eq(t, m.Method(), "REGISTER")
		eq(t, len(m.Body()), 0)
	}, 405),
	"semiuri": accept(func(t *testing.T, m *Message) {
		u, _ := m.RequestURI()
		eq(t, u.User, "user;par=u%40example.net")
		eq(t, u.Host, "example.com")
	}),
	"transports": accept(func(t *testing.T, m *Message) {
		var tr []string
		for v := range m.Vias() {
			tr = append(tr, v.Transport)
		}
		if len(tr) < 3 {
			t.Errorf("Via transports %q", tr)
		}
	}),
	"mpart01": validThen(func(t *testing.T, m *Message) {
		ct, err := ParseMediaType(m.Get("Content-Type"))
		eq(t, err, nil)
		parts, err := SplitMultipart(m.Body(), ct.Param("boundary"))
		eq(t, err, nil)
		eq(t, len(parts), 2)
	}, 415),
	"unreason": accept(func(t *testing.T, m *Message) {
		eq(t, m.StatusCode(), 200)
		if len(m.Reason()) < 20 {
			t.Errorf("UTF-8 reason lost: %q", m.Reason())
		}
	}),
	"noreason": accept(func(t *testing.T, m *Message) {
		eq(t, m.StatusCode(), 100)
		eq(t, m.Reason(), "")
	}),
	"badinv01":   reject(400),
	"clerr":      reject(400),
	"ncl":        reject(400),
	"scalar02":   reject(400),
	"scalarlg":   reject(discard),
	"quotbal":    reject(400),
	"ltgtruri":   reject(400),
	"lwsruri":    reject(400),
	"lwsstart":   reject(400),
	"trws":       reject(400, 0),
	"escruri":    reject(400, 0),
	"baddate":    accept(nil),
	"regbadct":   reject(400, 405),
	"badaspec":   reject(400),
	"baddn":      reject(400),
	"badvers":    reject(505),
	"mismatch01": reject(400),
	"mismatch02": reject(501),
	"bigcode":    reject(discard),
	"badbranch":  reject(400, 0),
	"insuf":      reject(400),
	"unkscm":     reject(416),
	"novelsc":    reject(416),
	"unksm2":     validThen(nil, 0, 405),
	"bext01": validThen(func(t *testing.T, m *Message) {
		rej := testPolicy.Inspect(m)
		eq(t, rej.Header.Name, "Unsupported")
		eq(t, rej.Header.Value, "nothingSupportsThis, nothingSupportsThisEither")
	}, 420),
	"invut":    reject(415),
	"regaut01": reject(405),
	"multi01":  reject(400),
	"mcl01":    reject(400),
	"bcast":    reject(discard),
	"zeromf": accept(func(t *testing.T, m *Message) {
		mf, ok := m.MaxForwards()
		eq(t, ok, true)
		eq(t, mf, 0)
	}),
	"cparam01": validThen(nil, 405),
	"cparam02": validThen(nil, 405),
	"regescrt": validThen(nil, 405),
	"sdp01":    reject(406),
	"inv2543": accept(func(t *testing.T, m *Message) {
		v, _ := m.Via()
		eq(t, v.Branch(), "")
		eq(t, len(m.Body()) > 0, true)
	}),
}

var rfc5118Verdicts = map[string]verdict{
	"ipv6-good": validThen(func(t *testing.T, m *Message) {
		u, _ := m.RequestURI()
		eq(t, u.Host, "2001:db8::10")
	}, 405),
	"ipv6-bad": reject(400),
	"port-ambiguous": validThen(func(t *testing.T, m *Message) {
		u, _ := m.RequestURI()
		eq(t, u.Host, "2001:db8::10:5070")
		eq(t, u.Port, 0)
	}, 405),
	"port-unambiguous": validThen(func(t *testing.T, m *Message) {
		u, _ := m.RequestURI()
		eq(t, u.Host, "2001:db8::10")
		eq(t, u.Port, 5070)
	}, 405),
	"via-received-param-with-delim": accept(func(t *testing.T, m *Message) {
		v, _ := m.Via()
		eq(t, v.Received(), "[2001:db8::9:255]")
	}),
	"via-received-param-no-delim": accept(func(t *testing.T, m *Message) {
		v, _ := m.Via()
		eq(t, v.Received(), "2001:db8::9:255")
	}),
	"ipv6-in-sdp": accept(func(t *testing.T, m *Message) { eq(t, len(m.Body()), 241) }),
	"mult-ip-in-header": accept(func(t *testing.T, m *Message) {
		eq(t, m.Count("Via"), 3)
	}),
	"mult-ip-in-sdp": accept(nil),
	"ipv4-mapped-ipv6": accept(func(t *testing.T, m *Message) {
		v, _ := m.Via()
		eq(t, v.Host, "::ffff:192.0.2.10")
		eq(t, v.Port, 19823)
	}),
	"ipv6-bug-abnf-3-colons":     reject(400),
	"ipv6-correct-abnf-2-colons": accept(nil),
}

// uaVerdict runs what a UA does with a datagram: parse, then inspect a
// request (RFC 3261 §8.2) or check a response (§18.1.2).
func uaVerdict(data []byte) (int, *Message) {
	m, err := Parse(data)
	if err != nil {
		if m.IsRequest() {
			return StatusOf(err), m
		}
		return discard, m
	}
	if !m.IsRequest() {
		if CheckResponse(m, Limits{}) != nil {
			return discard, m
		}
		return 0, m
	}
	if rej := testPolicy.Inspect(m); rej != nil {
		return rej.Status, m
	}
	return 0, m
}

func TestTortureCorpus(t *testing.T) {
	dir := corpusDir(t)
	for _, set := range []struct {
		sub, ext string
		want     map[string]verdict
	}{
		{"rfc4475", ".dat", rfc4475Verdicts},
		{"rfc5118", ".sip", rfc5118Verdicts},
	} {
		files, _ := filepath.Glob(filepath.Join(dir, set.sub, "*"+set.ext))
		if len(files) != len(set.want) {
			t.Errorf("%s: %d files, %d verdicts", set.sub, len(files), len(set.want))
		}
		for _, f := range files {
			name := filepath.Base(f)
			name = name[:len(name)-len(set.ext)]
			t.Run(set.sub+"/"+name, func(t *testing.T) {
				v, ok := set.want[name]
				if !ok {
					t.Fatalf("no verdict for %s", name)
				}
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				got, m := uaVerdict(data)
				if !containsInt(v.statuses, got) {
					t.Fatalf("verdict %d, want one of %v", got, v.statuses)
				}
				if v.check != nil {
					if err := m.Validate(Limits{}); err != nil {
						t.Fatalf("valid message refused: %v", err)
					}
					v.check(t, m)
				}
				if got > 0 {
					// The UA must be able to answer: build and re-parse the response.
					resp := (&Rejection{Status: got}).Response(m)
					if _, err := Parse(resp.AppendTo(nil)); err != nil && m.Has("Via") && m.Has("CSeq") {
						t.Errorf("error response does not parse: %v\n%s", err, resp)
					}
				}
				roundTrip(t, data)
			})
		}
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := Unescape(s)
	if err != nil {
		t.Fatalf("Unescape(%q): %v", s, err)
	}
	return u
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// roundTrip checks the serializer against the parser: a message that parses
// serialises to bytes that parse to the same serialisation.
func roundTrip(t testing.TB, data []byte) {
	t.Helper()
	m, err := Parse(data)
	if err != nil {
		return
	}
	out := m.AppendTo(nil)
	m2, err := Parse(out)
	if err != nil {
		t.Fatalf("re-parse of serialised message failed: %v\n%q\nfrom\n%q", err, out, data)
	}
	if out2 := m2.AppendTo(nil); string(out2) != string(out) {
		t.Fatalf("serialisation not stable:\n%q\n%q", out, out2)
	}
	if (m.Validate(Limits{}) == nil) != (m2.Validate(Limits{}) == nil) {
		t.Fatalf("validity changed on round trip: %v / %v", m.Validate(Limits{}), m2.Validate(Limits{}))
	}
}
