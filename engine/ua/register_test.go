package ua

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transaction"
	"github.com/sk400vop/sk400vop/engine/transport"
)

const day = 24 * time.Hour

// Every REGISTER of a registration shares one Call-ID and counts its CSeq
// up by one (RFC 3261 §10.2.4); From and To are the AOR, From with a
// fresh tag each time and To without; the Contact carries the RFC 5626
// parameters and the Expires header the interval.
func TestRegisterRequests(t *testing.T) {
	const instance = "urn:uuid:00000000-0000-1000-8000-000A95A0E128"
	h := newHarness(t, 1, func(h *harness, cfg *RegistrationConfig) {
		h.g.password = ""
		cfg.InstanceID = instance
		cfg.RegID = 1
		cfg.Expires = 600 * time.Second
		cfg.Via.Params = ";branch=z9hG4bKconfigured;rport=99;received=10.9.9.9;x=1"
	})
	h.r.Register()
	h.run(3*540*time.Second + time.Minute)
	h.wantStates("Registering Registered Registered Registered Registered")
	h.wantRegisters(4)

	aor := mustURI("sip:alice@example.com")
	callID := h.g.seen[0].msg.CallID()
	tags, branches := map[string]bool{}, map[string]bool{}
	for i, s := range h.g.seen {
		m := s.msg
		cs, _ := m.CSeq()
		from, _ := m.From()
		to, _ := m.To()
		c, _ := m.Contact()
		via, _ := m.Via()
		inst, _ := c.Params.Get("+sip.instance")
		regID, _ := c.Params.Get("reg-id")
		switch {
		case cs.Seq != uint32(i+1) || cs.Method != "REGISTER":
			t.Errorf("REGISTER %d: CSeq %v", i, cs)
		case m.CallID() != callID:
			t.Errorf("REGISTER %d: Call-ID %q, want %q", i, m.CallID(), callID)
		case m.RawRequestURI() != "sip:example.com":
			t.Errorf("REGISTER %d: Request-URI %q", i, m.RawRequestURI())
		case !from.URI.Equal(aor) || !to.URI.Equal(aor) || to.Tag() != "" || from.Tag() == "" || tags[from.Tag()]:
			t.Errorf("REGISTER %d: From %v To %v", i, from, to)
		case from.DisplayName() != `Alice "A" Liddell`:
			t.Errorf("REGISTER %d: display name %q", i, from.DisplayName())
		case !c.URI.Equal(mustURI("sip:alice@192.0.2.1:5060")) || m.Count("Contact") != 1:
			t.Errorf("REGISTER %d: Contact %q", i, m.Get("Contact"))
		case inst != `"<`+instance+`>"` || regID != "1" || c.Params.Has("expires"):
			t.Errorf("REGISTER %d: Contact parameters %q", i, c.Params)
		case m.Get("Expires") != "600" || m.Get("Supported") != "path, outbound":
			t.Errorf("REGISTER %d: Expires %q Supported %q", i, m.Get("Expires"), m.Get("Supported"))
		case !strings.HasPrefix(via.Branch(), sip.BranchCookie) || via.Branch() == "z9hG4bKconfigured" || branches[via.Branch()]:
			t.Errorf("REGISTER %d: branch %q", i, via.Branch())
		}
		if v, _ := via.Params.Get("x"); v != "1" {
			t.Errorf("REGISTER %d: Via lost its parameter: %v", i, via)
		}
		// The registrar's stamp: our rport asked for the port, and the
		// configured received and rport values were not sent.
		if rport, _ := via.RPort(); rport != 5060 || via.Received() != "192.0.2.1" {
			t.Errorf("REGISTER %d: Via %v", i, via)
		}
		tags[from.Tag()], branches[via.Branch()] = true, true
		// Registered at 20 ms, then refreshed 540 s after each 2xx.
		if want := 10*time.Millisecond + time.Duration(i)*(540*time.Second+20*time.Millisecond); s.at != want {
			t.Errorf("REGISTER %d at %v, want %v", i, s.at, want)
		}
	}
	for _, e := range h.ev[1:] {
		if e.Code != 200 || e.Expires != 600*time.Second || e.Err != nil || e.RetryAfter != 0 {
			t.Errorf("event %+v", e)
		}
	}
	if got := h.r.State(); got != Registered {
		t.Errorf("state %v", got)
	}
}

// A 401 is answered once with credentials, CSeq+1 and a new branch; the
// refreshes then carry credentials from the start and are not challenged.
func TestRegisterDigest(t *testing.T) {
	h := newHarness(t, 1, nil)
	h.r.Register()
	h.run(time.Second)
	h.wantStates("Registering Registered")
	h.wantRegisters(2)
	first, second := h.g.seen[0].msg, h.g.seen[1].msg
	v1, _ := first.Via()
	v2, _ := second.Via()
	c1, _ := first.CSeq()
	c2, _ := second.CSeq()
	if first.Has("Authorization") || !second.Has("Authorization") || c1.Seq != 1 || c2.Seq != 2 ||
		v1.Branch() == v2.Branch() || first.CallID() != second.CallID() {
		t.Fatalf("challenge answered as\n%s", second)
	}
	if ev := h.last(); ev.Code != 200 || ev.Expires != time.Hour || ev.at != 40*time.Millisecond {
		t.Fatalf("Registered event %+v", ev)
	}

	h.run(3240 * time.Second)
	h.wantRegisters(3)
	h.wantStates("Registering Registered Registered")
	cr, err := sip.ParseCredentials(h.g.seen[2].msg.Get("Authorization"))
	if err != nil || cr.NC != "00000002" || cr.Nonce != "nonce1" {
		t.Errorf("refresh credentials %+v, %v", cr, err)
	}

	// Nothing the app can print holds the password.
	all := fmt.Sprintf("%v %+v %#v %v", h.r, *h.r, h.ev, h.r.ServiceRoute())
	if strings.Contains(all, testPassword) {
		t.Error("the password shows in the Registration's output")
	}
}

// A stale challenge is answered silently, both to credentials just
// computed (auth.ShouldRetry) and to those a refresh reused.
func TestRegisterStaleNonce(t *testing.T) {
	t.Run("within the exchange", func(t *testing.T) {
		h := newHarness(t, 1, nil)
		stale := 1
		h.g.hook = staleHook(h.g, &stale)
		h.r.Register()
		h.run(time.Second)
		h.wantStates("Registering Registered")
		h.wantRegisters(3) // no credentials, stale credentials, fresh credentials
	})
	t.Run("on refresh", func(t *testing.T) {
		h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) { h.g.staleAfter = 1000 * time.Second })
		h.r.Register()
		h.run(3300 * time.Second)
		h.wantStates("Registering Registered Registered")
		h.wantRegisters(4)
		if cr, _ := sip.ParseCredentials(h.g.seen[3].msg.Get("Authorization")); cr.Nonce != "nonce2" {
			t.Errorf("refresh answered %q", cr.Nonce)
		}
	})
	t.Run("endless stale", func(t *testing.T) {
		// A registrar that only ever says stale is given up on after
		// three stale answers in a row, for good.
		h := newHarness(t, 1, nil)
		stale := 1 << 30
		h.g.hook = staleHook(h.g, &stale)
		h.r.Register()
		h.run(day)
		h.wantStates("Registering Failed")
		h.wantRegisters(5)
		if ev := h.last(); ev.Code != 401 || ev.RetryAfter != 0 || !errors.Is(ev.Err, ErrCredentialsRefused) {
			t.Errorf("event %+v", ev)
		}
		h.idle()
	})
}

// staleHook makes the registrar answer the next *n requests carrying
// credentials with a stale challenge.
func staleHook(g *registrar, n *int) func(int, *sip.Message) (int, []string) {
	return func(_ int, req *sip.Message) (int, []string) {
		if !req.Has("Authorization") || *n == 0 {
			return 0, nil
		}
		*n--
		g.nonceSeq++
		nonce := fmt.Sprintf("nonce%d", g.nonceSeq)
		g.nonces[nonce] = nonceState{issued: g.clk.Now()}
		return 401, []string{`WWW-Authenticate: Digest realm="example.com", nonce="` + nonce + `", algorithm=MD5, qop="auth", stale=true`}
	}
}

// Refused credentials end the registration at once: one answer to the
// challenge, no automatic retry, no storm.
func TestRegisterRefusedCredentials(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tweak     func(h *harness, cfg *RegistrationConfig)
		code      int
		err       error
		registers int
	}{
		{"wrong password", func(_ *harness, cfg *RegistrationConfig) {
			cfg.Secret.Password = "wrong"
		}, 401, ErrCredentialsRefused, 2},
		{"403 to credentials", func(h *harness, _ *RegistrationConfig) {
			h.g.hook = func(_ int, req *sip.Message) (int, []string) {
				if req.Has("Authorization") {
					return 403, nil
				}
				return 0, nil
			}
		}, 403, nil, 2},
		{"404", func(h *harness, _ *RegistrationConfig) {
			h.g.hook = func(int, *sip.Message) (int, []string) { return 404, nil }
		}, 404, nil, 1},
		{"foreign realm", func(h *harness, _ *RegistrationConfig) {
			h.g.realm = "evil.example"
		}, 401, auth.ErrRealm, 1},
		{"no secret", func(_ *harness, cfg *RegistrationConfig) {
			cfg.Secret = auth.Secret{}
		}, 401, ErrNoCredentials, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 1, tc.tweak)
			h.r.Register()
			h.run(day)
			h.wantStates("Registering Failed")
			h.wantRegisters(tc.registers)
			ev := h.last()
			if ev.Code != tc.code || ev.RetryAfter != 0 || !errors.Is(ev.Err, tc.err) || (tc.err == nil) != (ev.Err == nil) {
				t.Errorf("event %+v", ev)
			}
			h.idle()

			// The app may try again, once more.
			h.r.Register()
			h.run(day)
			h.wantStates("Registering Failed Registering Failed")
			h.wantRegisters(2 * tc.registers)
		})
	}
}

// A 423 is answered with the registrar's Min-Expires, which later
// REGISTERs keep asking for (RFC 3261 §10.2.8).
func TestRegisterIntervalTooBrief(t *testing.T) {
	h := newHarness(t, 1, func(h *harness, cfg *RegistrationConfig) {
		h.g.password = ""
		h.g.minExpires = 1800
		cfg.Expires = time.Minute
	})
	h.r.Register()
	h.run(time.Second)
	h.wantStates("Registering Registered")
	h.wantRegisters(2)
	if e1, e2 := h.g.seen[0].msg.Get("Expires"), h.g.seen[1].msg.Get("Expires"); e1 != "60" || e2 != "1800" {
		t.Fatalf("Expires %s then %s", e1, e2)
	}
	if ev := h.last(); ev.Expires != 1800*time.Second {
		t.Fatalf("granted %v", ev.Expires)
	}
	h.run(1620 * time.Second)
	h.wantRegisters(3)
	if e := h.g.seen[2].msg.Get("Expires"); e != "1800" {
		t.Errorf("refresh asks for %s", e)
	}

	t.Run("no Min-Expires", func(t *testing.T) {
		h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) {
			h.g.hook = func(int, *sip.Message) (int, []string) { return 423, nil }
		})
		h.r.Register()
		h.run(time.Second)
		h.wantStates("Registering Failed")
		if ev := h.last(); !errors.Is(ev.Err, ErrIntervalTooBrief) || ev.RetryAfter == 0 {
			t.Errorf("event %+v", ev)
		}
	})
}

// The granted interval is the expires parameter of our Contact in the
// 2xx, else the Expires header, else what was asked; the refresh comes
// at refreshDelay of it.
func TestRegisterGrantedExpiry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tweak   func(g *registrar)
		granted time.Duration
	}{
		{"contact parameter", func(g *registrar) { g.maxExpires = 600 }, 600 * time.Second},
		{"Expires header", func(g *registrar) { g.noContacts, g.expiresHdr = true, 300 }, 300 * time.Second},
		{"as asked", func(g *registrar) { g.noContacts = true }, 3600 * time.Second},
		{"parameter over header", func(g *registrar) { g.maxExpires, g.expiresHdr = 120, 900 }, 120 * time.Second},
		{"another device listed first", func(g *registrar) {
			g.maxExpires = 600
			g.bindings = []binding{{uri: mustURI("sip:alice@198.51.100.7"), until: t0.Add(50 * time.Second)}}
		}, 600 * time.Second},
		{"short", func(g *registrar) { g.maxExpires = 40 }, 40 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) {
				h.g.password = ""
				tc.tweak(h.g)
			})
			h.r.Register()
			h.run(time.Second)
			h.wantStates("Registering Registered")
			ev := h.last()
			if ev.Expires != tc.granted {
				t.Fatalf("granted %v, want %v", ev.Expires, tc.granted)
			}
			h.run(refreshDelay(tc.granted) + time.Second)
			h.wantRegisters(2)
			if got, want := h.g.seen[1].at, ev.at+refreshDelay(tc.granted)+10*time.Millisecond; got != want {
				t.Errorf("refresh at %v, want %v", got, want)
			}
		})
	}
}

func TestRefreshDelay(t *testing.T) {
	for _, tc := range []struct{ granted, refresh float64 }{
		{3600, 3240}, {1800, 1620}, {600, 540}, {300, 270}, {120, 90}, {90, 60}, {60, 30}, {40, 20}, {10, 5}, {1, 0.5},
	} {
		if got := refreshDelay(secs(tc.granted)); got != secs(tc.refresh) {
			t.Errorf("refreshDelay(%vs) = %v, want %vs", tc.granted, got, tc.refresh)
		}
	}
}

// Behind a NAT the registrar sees another address than our Contact's
// (RFC 3581): the Registration registers the public one once, removing
// the private binding in the same REGISTER.
func TestRegisterPublicAddress(t *testing.T) {
	h := newHarness(t, 1, func(h *harness, cfg *RegistrationConfig) {
		cfg.Contact = mustURI("sip:alice@10.0.0.5:5070")
		cfg.Via = sip.Via{Transport: "UDP", Host: "10.0.0.5", Port: 5070}
	})
	h.r.Register()
	h.run(time.Second)
	h.wantStates("Registering Registered")
	h.wantRegisters(3) // challenged, private, public
	var contacts []string
	for v := range h.g.seen[2].msg.Values("Contact") {
		contacts = append(contacts, v)
	}
	if got := strings.Join(contacts, ", "); got != "<sip:alice@192.0.2.1:5060>, <sip:alice@10.0.0.5:5070>;expires=0" {
		t.Fatalf("rewriting REGISTER has Contact %s", got)
	}
	if got := h.g.list(); got != "sip:alice@192.0.2.1:5060" {
		t.Fatalf("bindings %q", got)
	}
	h.run(3240 * time.Second)
	h.wantRegisters(4)
	if got := h.g.seen[3].msg.Get("Contact"); got != "<sip:alice@192.0.2.1:5060>" {
		t.Errorf("refresh has Contact %s", got)
	}
	h.wantStates("Registering Registered Registered")
}

// The Service-Route of the last 2xx is kept for the UA's requests (RFC
// 3608 §6); the Path of the 2xx is not the UA's business.
func TestRegisterServiceRoute(t *testing.T) {
	routes := []string{"<sip:orig@scscf.example.com;lr>", "<sip:pcscf.example.com;lr>"}
	h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) {
		h.g.password = ""
		h.g.routes = routes
	})
	if len(h.r.ServiceRoute()) != 0 {
		t.Fatal("a route before registering")
	}
	h.r.Register()
	h.run(time.Second)
	got := h.r.ServiceRoute()
	if len(got) != 2 || got[0].String() != routes[0] || got[1].String() != routes[1] {
		t.Fatalf("service route %v", got)
	}
	got[0] = sip.NameAddr{}
	if h.r.ServiceRoute()[0].String() != routes[0] {
		t.Fatal("ServiceRoute returned its own slice")
	}

	h.g.routes = nil // the next 2xx replaces the route with none
	h.r.Register()   // an early refresh
	h.run(time.Second)
	h.wantStates("Registering Registered Registered")
	if len(h.r.ServiceRoute()) != 0 {
		t.Fatalf("route kept: %v", h.r.ServiceRoute())
	}
	h.g.routes = routes[:1]
	h.r.Register()
	h.run(time.Second)
	if len(h.r.ServiceRoute()) != 1 {
		t.Fatalf("route %v", h.r.ServiceRoute())
	}
	h.r.Unregister()
	h.run(time.Second)
	if len(h.r.ServiceRoute()) != 0 {
		t.Fatalf("route kept after unregistering: %v", h.r.ServiceRoute())
	}
}

// Failures that may pass are retried after the RFC 5626 §4.5 back-off:
// min(1800 s, 30 s * 2^failures) times a random share in [0.5, 1], reset
// by a success.
func TestRegisterBackoff(t *testing.T) {
	h := newHarness(t, 3, func(h *harness, _ *RegistrationConfig) {
		h.g.password = ""
		h.g.hook = func(n int, _ *sip.Message) (int, []string) {
			switch {
			case n <= 7:
				return 500, nil
			case n == 9:
				return 503, nil
			case n == 11:
				return 603, nil
			}
			return 0, nil
		}
	})
	h.r.Register()
	upper := []time.Duration{60, 120, 240, 480, 960, 1800, 1800}
	for i, u := range upper {
		h.run(time.Second)
		ev := h.last()
		hi, lo := u*time.Second, u*time.Second/2
		if ev.State != Failed || ev.Code != 500 || ev.RetryAfter < lo || ev.RetryAfter > hi {
			t.Fatalf("failure %d: %+v, want RetryAfter in [%v, %v]", i+1, ev.RegEvent, lo, hi)
		}
		h.run(ev.RetryAfter)
		h.wantRegisters(i + 2)
		if got, want := h.g.seen[i+1].at, ev.at+ev.RetryAfter+10*time.Millisecond; got != want {
			t.Fatalf("retry %d at %v, want %v", i+1, got, want)
		}
	}
	h.run(time.Second)
	if ev := h.last(); ev.State != Registered {
		t.Fatalf("after the failures: %+v", ev)
	}
	wantCycle := "Registering Failed" + strings.Repeat(" Registering Failed", 6) + " Registering Registered"
	h.wantStates(wantCycle)

	// A success reset the count: the failed refresh waits 30-60 s again,
	// and so does a 6xx, with another success between them.
	for range 2 {
		h.run(3240 * time.Second)
		ev := h.last()
		if ev.State != Failed || ev.RetryAfter < 30*time.Second || ev.RetryAfter > 60*time.Second {
			t.Fatalf("failed refresh: %+v", ev.RegEvent)
		}
		h.run(ev.RetryAfter + time.Second)
		if h.r.State() != Registered {
			t.Fatalf("not registered again: %v", h.states())
		}
	}

	t.Run("Retry-After", func(t *testing.T) {
		for _, tc := range []struct {
			header string
			want   time.Duration
		}{{"300", 300 * time.Second}, {"7200", 1800 * time.Second}} {
			h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) {
				h.g.password = ""
				h.g.hook = func(n int, _ *sip.Message) (int, []string) {
					if n == 1 {
						return 503, []string{"Retry-After: " + tc.header}
					}
					return 0, nil
				}
			})
			h.r.Register()
			h.run(time.Second)
			if ev := h.last(); ev.Code != 503 || ev.RetryAfter != tc.want {
				t.Fatalf("Retry-After %s: %+v", tc.header, ev.RegEvent)
			}
			h.run(tc.want)
			h.wantRegisters(2)
		}
	})
}

// When every target times out the registration fails with 408 and backs
// off; the retry fails over to the target that came up, and refreshes go
// to it first.
func TestRegisterTimeoutOnAllTargets(t *testing.T) {
	silent1 := netip.MustParseAddrPort("192.0.2.50:5060")
	silent2 := netip.MustParseAddrPort("192.0.2.51:5060")
	h := newHarness(t, 1, func(_ *harness, cfg *RegistrationConfig) {
		cfg.Targets = []transport.Addr{{Proto: transport.UDP, Addr: silent1}, {Proto: transport.UDP, Addr: silent2}}
	})
	h.r.Register()
	h.run(63 * time.Second)
	h.wantStates("Registering")
	h.run(time.Second)
	h.wantStates("Registering Failed")
	ev := h.last()
	if ev.at != 64*time.Second || ev.Code != 408 || !errors.Is(ev.Err, transaction.ErrTimeout) ||
		ev.RetryAfter < 30*time.Second || ev.RetryAfter > 60*time.Second {
		t.Fatalf("event %+v at %v", ev.RegEvent, ev.at)
	}

	g2 := newRegistrar(t, h.clk)
	h.addRegistrar(silent2, g2)
	h.run(ev.RetryAfter + 33*time.Second)
	h.wantStates("Registering Failed Registering Registered")
	registered := h.last().at
	if want := ev.at + ev.RetryAfter + 32*time.Second; registered != want {
		t.Fatalf("registered at %v, want %v (after the first target's Timer F)", registered, want)
	}
	h.run(3240 * time.Second)
	if len(g2.seen) != 2 || g2.seen[1].at != registered+3240*time.Second {
		t.Fatalf("refresh not sent straight to the target that answered: %d REGISTERs", len(g2.seen))
	}
}

// A transport that refuses at once (nobody listens on TCP) fails the
// REGISTER with 503, reported after Register has returned.
func TestRegisterTransportError(t *testing.T) {
	refusing := netip.MustParseAddrPort("192.0.2.60:5060")
	h := newHarness(t, 1, func(_ *harness, cfg *RegistrationConfig) {
		cfg.Targets = []transport.Addr{{Proto: transport.TCP, Addr: refusing}}
		cfg.Via.Transport = "TCP"
	})
	tcp := h.net.Endpoint(transport.TCP, uaAddr, &relay{l: h.layer})
	h.out.s = multiSender{transport.UDP: h.out.s, transport.TCP: tcp}
	h.r.Register()
	h.wantStates("Registering")
	h.run(0)
	h.wantStates("Registering Failed")
	if ev := h.last(); ev.Code != 503 || !errors.Is(ev.Err, testkit.ErrConnRefused) || ev.RetryAfter == 0 {
		t.Fatalf("event %+v", ev.RegEvent)
	}
}

// Unregister sends Expires: 0 for our Contact and ends Unregistered, with
// nothing left armed.
func TestUnregister(t *testing.T) {
	h := newHarness(t, 1, nil)
	h.r.Register()
	h.run(time.Minute)
	h.r.Unregister()
	h.wantStates("Registering Registered Unregistering")
	h.run(time.Minute)
	h.wantStates("Registering Registered Unregistering Unregistered")
	h.wantRegisters(3)
	m := h.g.seen[2].msg
	cs, _ := m.CSeq()
	if m.Get("Expires") != "0" || m.Get("Contact") != "<sip:alice@192.0.2.1:5060>" || cs.Seq != 3 || !m.Has("Authorization") {
		t.Fatalf("unregistering REGISTER:\n%s", m)
	}
	if ev := h.last(); ev.Code != 200 || ev.Err != nil {
		t.Errorf("event %+v", ev)
	}
	if got := h.g.list(); got != "" {
		t.Errorf("bindings left: %q", got)
	}
	h.run(day)
	h.wantRegisters(3)
	h.idle()

	// Unregistering fails: final, no retry.
	h.g.hook = func(int, *sip.Message) (int, []string) { return 500, nil }
	h.r.Unregister()
	h.run(day)
	h.wantRegisters(4)
	if ev := h.last(); ev.State != Failed || ev.RetryAfter != 0 {
		t.Errorf("failed unregister: %+v", ev)
	}
	h.idle()
}

// UnregisterAll sends "Contact: *" with "Expires: 0" (RFC 3261 §10.2.2),
// removing other devices' bindings too.
func TestUnregisterAll(t *testing.T) {
	h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) {
		h.g.bindings = []binding{{uri: mustURI("sip:alice@198.51.100.7"), until: t0.Add(day)}}
	})
	h.r.Register()
	h.run(time.Minute)
	if got := h.g.list(); got != "sip:alice@198.51.100.7 sip:alice@192.0.2.1:5060" {
		t.Fatalf("bindings %q", got)
	}
	h.r.UnregisterAll()
	h.run(time.Minute)
	h.wantStates("Registering Registered Unregistering Unregistered")
	m := h.g.seen[len(h.g.seen)-1].msg
	if m.Get("Contact") != "*" || m.Get("Expires") != "0" || m.Count("Contact") != 1 {
		t.Fatalf("REGISTER:\n%s", m)
	}
	if got := h.g.list(); got != "" {
		t.Errorf("bindings left: %q", got)
	}
	h.run(day)
	h.idle()
}

// FlowFailed re-registers at once when Registered, and does nothing while
// a back-off is running.
func TestRegisterFlowFailed(t *testing.T) {
	h := newHarness(t, 1, nil)
	h.r.FlowFailed() // not registered: nothing to do
	h.run(time.Second)
	h.wantRegisters(0)

	h.r.Register()
	h.run(1000 * time.Second)
	failed := h.now()
	h.r.FlowFailed()
	h.wantStates("Registering Registered Registering")
	h.run(time.Second)
	h.wantStates("Registering Registered Registering Registered")
	h.wantRegisters(3)
	if h.g.seen[2].at != failed+10*time.Millisecond {
		t.Fatalf("re-registered at %v", h.g.seen[2].at)
	}
	registered := h.last().at
	h.run(3240 * time.Second)
	if h.wantRegisters(4); h.g.seen[3].at != registered+3240*time.Second+10*time.Millisecond {
		t.Errorf("refresh at %v, want 3240 s after the new 2xx", h.g.seen[3].at)
	}

	h.g.hook = func(int, *sip.Message) (int, []string) { return 500, nil }
	h.r.Register()
	h.run(time.Second)
	if h.r.State() != Failed {
		t.Fatalf("state %v", h.r.State())
	}
	n := len(h.g.seen)
	for range 5 {
		h.r.FlowFailed()
	}
	h.run(10 * time.Second)
	h.wantRegisters(n)
}

// NetworkChanged re-registers the new Contact and removes the old binding
// in the same REGISTER; with a reg-id the registrar replaces it alone.
func TestRegisterNetworkChanged(t *testing.T) {
	for _, outbound := range []bool{false, true} {
		t.Run(fmt.Sprint("outbound=", outbound), func(t *testing.T) {
			h := newHarness(t, 1, func(_ *harness, cfg *RegistrationConfig) {
				if outbound {
					cfg.InstanceID, cfg.RegID = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", 1
				}
			})
			h.r.Register()
			h.run(time.Minute)

			h.out.s = h.net.Endpoint(transport.UDP, uaAddrB, &relay{l: h.layer})
			h.r.NetworkChanged(mustURI("sip:alice@192.0.2.3:5060"), sip.Via{Transport: "UDP", Host: "192.0.2.3", Port: 5060})
			h.run(time.Minute)
			h.wantStates("Registering Registered Registering Registered")
			h.wantRegisters(3)
			var contacts []string
			for v := range h.g.seen[2].msg.Values("Contact") {
				contacts = append(contacts, v)
			}
			want := "<sip:alice@192.0.2.3:5060>, <sip:alice@192.0.2.1:5060>;expires=0"
			if outbound {
				want = `<sip:alice@192.0.2.3:5060>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1`
			}
			if got := strings.Join(contacts, ", "); got != want {
				t.Errorf("Contacts %s, want %s", got, want)
			}
			if got := h.g.list(); got != "sip:alice@192.0.2.3:5060" {
				t.Errorf("bindings %q", got)
			}
			h.run(3240 * time.Second)
			if got := h.g.seen[len(h.g.seen)-1].msg.Count("Contact"); got != 1 {
				t.Errorf("refresh still lists %d Contacts", got)
			}
		})
	}
	t.Run("not registered", func(t *testing.T) {
		h := newHarness(t, 1, nil)
		h.r.NetworkChanged(mustURI("sip:alice@192.0.2.3:5060"), sip.Via{Transport: "UDP", Host: "192.0.2.3", Port: 5060})
		h.run(time.Minute)
		h.wantRegisters(0)
		h.out.s = h.net.Endpoint(transport.UDP, uaAddrB, &relay{l: h.layer})
		h.r.Register()
		h.run(time.Minute)
		if got := h.g.list(); got != "sip:alice@192.0.2.3:5060" {
			t.Errorf("bindings %q", got)
		}
		h.r.NetworkChanged(sip.URI{}, sip.Via{})
		if ev := h.last(); ev.State != Failed || !errors.Is(ev.Err, ErrConfig) {
			t.Errorf("invalid address: %+v", ev)
		}
	})
}

// Close leaves no timer armed and silences the Registration.
func TestRegisterClose(t *testing.T) {
	t.Run("registered", func(t *testing.T) {
		h := newHarness(t, 1, nil)
		h.r.Register()
		h.run(time.Minute) // past Timer K of the last transaction
		if h.clk.Pending() != 1 {
			t.Fatalf("%d timers armed, want the refresh", h.clk.Pending())
		}
		h.r.Close()
		if n := h.clk.Pending(); n != 0 {
			t.Fatalf("%d timers left armed after Close", n)
		}
		h.r.Register()
		h.r.Unregister()
		h.r.FlowFailed()
		h.run(day)
		h.wantStates("Registering Registered")
		h.wantRegisters(2)
		h.idle()
	})
	t.Run("in flight", func(t *testing.T) {
		h := newHarness(t, 1, nil)
		h.r.Register()
		h.run(15 * time.Millisecond) // the 401 is on its way
		h.r.Close()
		h.run(day)
		h.wantStates("Registering")
		h.wantRegisters(1)
		h.idle()
	})
	t.Run("backing off", func(t *testing.T) {
		h := newHarness(t, 1, func(h *harness, _ *RegistrationConfig) {
			h.g.hook = func(int, *sip.Message) (int, []string) { return 500, nil }
		})
		h.r.Register()
		h.run(10 * time.Second) // before the retry
		if h.r.State() != Failed {
			t.Fatalf("state %v", h.r.State())
		}
		// The registrar's Timer J is still armed; the retry goes.
		before := h.clk.Pending()
		h.r.Close()
		if n := h.clk.Pending(); n != before-1 {
			t.Fatalf("%d timers armed after Close, %d before", n, before)
		}
		h.run(day)
		h.wantStates("Registering Failed")
		h.wantRegisters(1)
		h.idle()
	})
	t.Run("from the event", func(t *testing.T) {
		var r *Registration
		h := newHarness(t, 1, func(_ *harness, cfg *RegistrationConfig) {
			next := cfg.OnEvent
			cfg.OnEvent = func(ev RegEvent) {
				next(ev)
				if ev.State == Registered {
					r.Close()
				}
			}
		})
		r = h.r
		h.r.Register()
		h.run(day)
		h.wantStates("Registering Registered")
		h.idle()
	})
}

// At 20 % loss each way the registration still ends Registered and is
// refreshed three times without its binding ever lapsing; on a clean
// network the same run takes exactly five REGISTERs.
func TestRegisterLossy(t *testing.T) {
	const period = 600 * time.Second
	run := func(t *testing.T, seed int64, loss float64) *harness {
		h := newHarness(t, seed, func(h *harness, cfg *RegistrationConfig) { cfg.Expires = period })
		imp := testkit.Impairment{Loss: loss, Delay: 10 * time.Millisecond, Jitter: 20 * time.Millisecond}
		h.net.Impair(uaAddr, regAddr, imp)
		h.net.Impair(regAddr, uaAddr, imp)
		h.r.Register()
		h.run(3*refreshDelay(period) + time.Minute)
		h.wantStates("Registering Registered Registered Registered Registered")
		if h.r.State() != Registered || h.g.lapsed != 0 || h.g.outOfOrder != 0 {
			t.Fatalf("state %v, %d lapses, %d out of order", h.r.State(), h.g.lapsed, h.g.outOfOrder)
		}
		for i, s := range h.g.seen {
			if cs, _ := s.msg.CSeq(); cs.Seq != uint32(i+1) || s.msg.CallID() != h.g.seen[0].msg.CallID() {
				t.Fatalf("REGISTER %d: CSeq %v, Call-ID %q", i, cs, s.msg.CallID())
			}
		}
		if _, ok := h.g.find("sip:alice@192.0.2.1:5060"); !ok {
			t.Fatal("no binding")
		}
		return h
	}
	t.Run("clean", func(t *testing.T) {
		h := run(t, 1, 0)
		h.wantRegisters(5) // challenge, credentials, three refreshes
	})
	dropped := 0
	for seed := range int64(50) {
		t.Run(fmt.Sprint("20% loss, seed ", seed), func(t *testing.T) {
			h := run(t, seed, 0.2)
			up, down := h.net.Stats(uaAddr, regAddr), h.net.Stats(regAddr, uaAddr)
			t.Logf("UA→registrar sent %d, dropped %d; registrar→UA sent %d, dropped %d", up.Sent, up.Dropped, down.Sent, down.Dropped)
			dropped += up.Dropped + down.Dropped
			h.wantRegisters(5) // retransmissions are the transactions' business
		})
	}
	if dropped < 100 { // about 600 messages at 20 %
		t.Errorf("the network lost only %d messages", dropped)
	}
}

func TestNewRegistrationConfig(t *testing.T) {
	clk := testkit.NewClock(t0)
	layer := transaction.New(transaction.Config{Clock: clk, Transport: &switchSender{}}, uaTU{})
	good := func() RegistrationConfig {
		return RegistrationConfig{
			AOR:          mustURI("sip:alice@example.com"),
			Targets:      []transport.Addr{{Proto: transport.UDP, Addr: regAddr}},
			Contact:      mustURI("sip:alice@192.0.2.1"),
			Via:          sip.Via{Transport: "UDP", Host: "192.0.2.1"},
			Clock:        clk,
			Transactions: layer,
			OnEvent:      func(RegEvent) {},
		}
	}
	if _, err := NewRegistration(good()); err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(*RegistrationConfig){
		"no OnEvent":        func(c *RegistrationConfig) { c.OnEvent = nil },
		"no Clock":          func(c *RegistrationConfig) { c.Clock = nil },
		"no Transactions":   func(c *RegistrationConfig) { c.Transactions = nil },
		"no Targets":        func(c *RegistrationConfig) { c.Targets = nil },
		"tel AOR":           func(c *RegistrationConfig) { c.AOR = mustURI("tel:+15551234") },
		"no AOR":            func(c *RegistrationConfig) { c.AOR = sip.URI{} },
		"registrar user":    func(c *RegistrationConfig) { c.Registrar = mustURI("sip:bob@example.com") },
		"no Contact":        func(c *RegistrationConfig) { c.Contact = sip.URI{} },
		"no Via host":       func(c *RegistrationConfig) { c.Via.Host = "" },
		"negative Expires":  func(c *RegistrationConfig) { c.Expires = -time.Second },
		"reg-id alone":      func(c *RegistrationConfig) { c.RegID = 1 },
		"instance not URN":  func(c *RegistrationConfig) { c.InstanceID = "<urn:uuid:1>" },
		"display newline":   func(c *RegistrationConfig) { c.Display = "A\r\nVia: x" },
		"bad secret":        func(c *RegistrationConfig) { c.Secret = auth.Secret{Password: "p"} },
		"newline in secret": func(c *RegistrationConfig) { c.Secret = auth.Secret{Username: "a\nb", Password: testPassword} },
	} {
		cfg := good()
		spoil(&cfg)
		_, err := NewRegistration(cfg)
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
		if strings.HasSuffix(name, "secret") && !errors.Is(err, auth.ErrSecret) {
			t.Errorf("%s: %v does not wrap auth.ErrSecret", name, err)
		}
		if err != nil && strings.Contains(err.Error(), testPassword) {
			t.Errorf("%s: the error shows the password", name)
		}
	}
}

func TestRegStateString(t *testing.T) {
	got := fmt.Sprint(Unregistered, Registering, Registered, Unregistering, Failed, RegState(9))
	if got != "Unregistered Registering Registered Unregistering Failed RegState(9)" {
		t.Error(got)
	}
}

// A proxy's 407 and the registrar's 401 are both answered, and both sets
// of credentials go with the refreshes.
func TestRegisterProxyAndRegistrarChallenges(t *testing.T) {
	h := newHarness(t, 1, nil)
	h.g.hook = func(_ int, req *sip.Message) (int, []string) {
		v := req.Get("Proxy-Authorization")
		if v == "" {
			return 407, []string{`Proxy-Authenticate: Digest realm="example.com", nonce="proxy1", qop="auth"`}
		}
		if cr, err := sip.ParseCredentials(v); err != nil || cr.Nonce != "proxy1" || cr.Response != digest(cr, "REGISTER", testPassword) {
			t.Errorf("proxy credentials %q", v)
		}
		return 0, nil
	}
	h.r.Register()
	h.run(time.Second)
	h.wantStates("Registering Registered")
	h.wantRegisters(3) // 407, 401, 200
	h.run(3240 * time.Second)
	h.wantRegisters(4)
	refresh := h.g.seen[3].msg
	if !refresh.Has("Authorization") || !refresh.Has("Proxy-Authorization") {
		t.Errorf("refresh without both credentials:\n%s", refresh)
	}
	h.wantStates("Registering Registered Registered")
}

// The app may call back into the Registration from its event: here it
// tries again at once after each final failure, twice.
func TestRegisterFromEvent(t *testing.T) {
	var r *Registration
	retries := 0
	h := newHarness(t, 1, func(h *harness, cfg *RegistrationConfig) {
		h.g.hook = func(int, *sip.Message) (int, []string) { return 404, nil }
		next := cfg.OnEvent
		cfg.OnEvent = func(ev RegEvent) {
			next(ev)
			if ev.State == Failed && ev.RetryAfter == 0 && retries < 2 {
				retries++
				r.Register()
			}
		}
	})
	r = h.r
	r.Register()
	h.run(day)
	h.wantStates("Registering Failed Registering Failed Registering Failed")
	h.wantRegisters(3)
	h.idle()
}

// A registrar that lists our binding under another URI (an outbound edge
// that keeps the flow's address) is still understood through the
// +sip.instance (RFC 5626 §6); and a Contact without a port is at the
// default port the registrar saw, so no rewrite follows.
func TestRegisterMatchesInstance(t *testing.T) {
	const instance = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
	h := newHarness(t, 1, func(h *harness, cfg *RegistrationConfig) {
		h.g.password = ""
		cfg.InstanceID = instance
		cfg.Contact = mustURI("sip:alice@192.0.2.1")
		cfg.Via = sip.Via{Transport: "UDP", Host: "192.0.2.1"}
		h.g.hook = func(int, *sip.Message) (int, []string) {
			return 200, []string{
				"Contact: <sip:alice@198.51.100.7>;expires=3000",
				`Contact: <sip:alice@203.0.113.9:40000>;expires=300;+sip.instance="<URN:UUID:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6>"`,
				"Expires: 900",
			}
		}
	})
	h.r.Register()
	h.run(time.Second)
	h.wantStates("Registering Registered")
	h.wantRegisters(1)
	if ev := h.last(); ev.Expires != 300*time.Second {
		t.Errorf("granted %v, want the instance's 300 s", ev.Expires)
	}
}
