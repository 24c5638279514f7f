package ua

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transaction"
	"github.com/sk400vop/sk400vop/engine/transport"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	uaAddr  = netip.MustParseAddrPort("192.0.2.1:5060")
	uaAddrB = netip.MustParseAddrPort("192.0.2.3:5060")
	regAddr = netip.MustParseAddrPort("192.0.2.2:5060")
)

const (
	testRealm    = "example.com"
	testUser     = "alice"
	testPassword = "correct horse"
)

// seenReq is one REGISTER the registrar's TU got: one per transaction,
// since the server transaction absorbs retransmissions.
type seenReq struct {
	at  time.Duration
	msg *sip.Message
}

// binding is one contact the registrar keeps for the AOR.
type binding struct {
	uri             sip.URI
	instance, regID string
	until           time.Time
}

// registrar is a scripted registrar written as a transaction TU: digest
// authentication (MD5, qop=auth) with nonces that go stale, Min-Expires,
// a cap on the granted expiry, the CSeq ordering of RFC 3261 §10.3 step 7,
// bindings matched by URI or by instance and reg-id (RFC 5626 §6), and
// hooks to answer anything else.
type registrar struct {
	t   *testing.T
	clk *testkit.Clock

	password   string        // "" asks for no authentication
	realm      string        // the realm challenged, testRealm by default
	staleAfter time.Duration // a nonce older than this is stale; 0 never
	minExpires uint32        // 0: no minimum
	maxExpires uint32        // 0: grant what is asked
	noContacts bool          // 2xx without the Contact list
	expiresHdr uint32        // 2xx with this Expires header when set
	routes     []string      // Service-Route values of the 2xx
	// hook answers a REGISTER before anything else when it returns a
	// status; extra are header lines "Name: value" for the response.
	hook func(n int, req *sip.Message) (code int, extra []string)

	seen       []seenReq
	bindings   []binding
	nonces     map[string]nonceState
	lastCSeq   map[string]uint32
	nonceSeq   int
	outOfOrder int // REGISTERs refused with 500 for their CSeq
	lapsed     int // refreshes that came after the binding had expired
}

type nonceState struct {
	issued time.Time
	nc     uint64
}

func newRegistrar(t *testing.T, clk *testkit.Clock) *registrar {
	return &registrar{t: t, clk: clk, realm: testRealm, nonces: map[string]nonceState{}, lastCSeq: map[string]uint32{}}
}

func (g *registrar) OnRequest(tx *transaction.ServerTx, req *sip.Message) {
	g.seen = append(g.seen, seenReq{g.clk.Now().Sub(t0), req})
	if req.Method() != "REGISTER" {
		g.reply(tx, req, 405)
		return
	}
	if g.hook != nil {
		if code, extra := g.hook(len(g.seen), req); code != 0 {
			g.reply(tx, req, code, extra...)
			return
		}
	}
	cs, _ := req.CSeq()
	if last, ok := g.lastCSeq[req.CallID()]; ok && cs.Seq <= last {
		g.outOfOrder++
		g.reply(tx, req, 500) // RFC 3261 §10.3 step 7
		return
	}
	if g.password != "" && !g.authorized(tx, req) {
		return
	}
	g.lastCSeq[req.CallID()] = cs.Seq
	g.register(tx, req)
}

// authorized checks the request's credentials, answering 401 when they
// are missing, wrong or stale.
func (g *registrar) authorized(tx *transaction.ServerTx, req *sip.Message) bool {
	v := req.Get("Authorization")
	if v == "" {
		g.challenge(tx, req, false)
		return false
	}
	cr, err := sip.ParseCredentials(v)
	if err != nil {
		g.t.Errorf("registrar: bad Authorization %q: %v", v, err)
		g.reply(tx, req, 400)
		return false
	}
	if cr.URI != req.RawRequestURI() || cr.Realm != g.realm || cr.Username != testUser {
		g.t.Errorf("registrar: credentials for uri %q realm %q user %q", cr.URI, cr.Realm, cr.Username)
	}
	st, known := g.nonces[cr.Nonce]
	if !known {
		g.challenge(tx, req, false)
		return false
	}
	nc, _ := strconv.ParseUint(cr.NC, 16, 32)
	if nc <= st.nc {
		g.t.Errorf("registrar: nonce count %s replayed (last %d)", cr.NC, st.nc)
	}
	st.nc = nc
	g.nonces[cr.Nonce] = st
	if cr.Response != digest(cr, req.Method(), g.password) {
		g.challenge(tx, req, false) // wrong password: a new challenge, not stale
		return false
	}
	if g.staleAfter > 0 && g.clk.Now().Sub(st.issued) >= g.staleAfter {
		g.challenge(tx, req, true)
		return false
	}
	return true
}

func (g *registrar) challenge(tx *transaction.ServerTx, req *sip.Message, stale bool) {
	g.nonceSeq++
	nonce := fmt.Sprintf("nonce%d", g.nonceSeq)
	g.nonces[nonce] = nonceState{issued: g.clk.Now()}
	ch := `Digest realm="` + g.realm + `", nonce="` + nonce + `", algorithm=MD5, qop="auth"`
	if stale {
		ch += ", stale=true"
	}
	g.reply(tx, req, 401, "WWW-Authenticate: "+ch)
}

// digest computes the RFC 7616 response for qop=auth with MD5.
func digest(cr sip.Credentials, method, password string) string {
	ha1 := md5hex(cr.Username + ":" + cr.Realm + ":" + password)
	ha2 := md5hex(method + ":" + cr.URI)
	return md5hex(ha1 + ":" + cr.Nonce + ":" + cr.NC + ":" + cr.CNonce + ":" + cr.QOP + ":" + ha2)
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// register applies the Contacts of req (RFC 3261 §10.3 steps 6-8).
func (g *registrar) register(tx *transaction.ServerTx, req *sip.Message) {
	now := g.clk.Now()
	hdr, hasHdr := req.Expires()
	var contacts []sip.NameAddr
	for na, err := range req.NameAddrs("Contact") {
		if err != nil {
			g.reply(tx, req, 400)
			return
		}
		contacts = append(contacts, na)
	}
	expiresOf := func(na sip.NameAddr) uint32 {
		if v, ok := na.Params.Get("expires"); ok {
			n, _ := strconv.ParseUint(v, 10, 32)
			return uint32(n)
		}
		if hasHdr {
			return hdr
		}
		return 3600
	}
	for _, na := range contacts {
		if na.Wildcard {
			if !hasHdr || hdr != 0 || len(contacts) != 1 {
				g.reply(tx, req, 400)
				return
			}
			g.bindings = nil
			g.ok(tx, req)
			return
		}
		if e := expiresOf(na); e != 0 && e < g.minExpires {
			g.reply(tx, req, 423, "Min-Expires: "+strconv.Itoa(int(g.minExpires)))
			return
		}
	}
	for _, na := range contacts {
		e := expiresOf(na)
		if g.maxExpires > 0 {
			e = min(e, g.maxExpires)
		}
		inst, _ := na.Params.Get("+sip.instance")
		regID, _ := na.Params.Get("reg-id")
		b := binding{uri: na.URI, instance: inst, regID: regID, until: now.Add(time.Duration(e) * time.Second)}
		i := slices.IndexFunc(g.bindings, func(old binding) bool {
			if b.regID != "" {
				return old.instance == b.instance && old.regID == b.regID
			}
			return old.uri.Equal(b.uri)
		})
		switch {
		case i >= 0 && e == 0:
			g.bindings = slices.Delete(g.bindings, i, i+1)
		case i >= 0:
			if !g.bindings[i].until.After(now) {
				g.lapsed++
			}
			g.bindings[i] = b
		case e != 0:
			g.bindings = append(g.bindings, b)
		}
	}
	g.ok(tx, req)
}

// ok answers 200 with the current bindings (RFC 3261 §10.3 step 8).
func (g *registrar) ok(tx *transaction.ServerTx, req *sip.Message) {
	now := g.clk.Now()
	var extra []string
	g.bindings = slices.DeleteFunc(g.bindings, func(b binding) bool { return !b.until.After(now) })
	if !g.noContacts {
		for _, b := range g.bindings {
			c := "Contact: <" + b.uri.String() + ">;expires=" + strconv.Itoa(int(b.until.Sub(now)/time.Second))
			if b.instance != "" {
				c += ";+sip.instance=" + b.instance
			}
			if b.regID != "" {
				c += ";reg-id=" + b.regID
			}
			extra = append(extra, c)
		}
	}
	if g.expiresHdr != 0 {
		extra = append(extra, "Expires: "+strconv.Itoa(int(g.expiresHdr)))
	}
	for _, r := range g.routes {
		extra = append(extra, "Service-Route: "+r)
	}
	extra = append(extra, "Path: <sip:edge.example.com;lr>") // the registrar's, for the UA to ignore
	g.reply(tx, req, 200, extra...)
}

func (g *registrar) reply(tx *transaction.ServerTx, req *sip.Message, code int, extra ...string) {
	resp := sip.NewResponse(req, code, "")
	resp.SetToTag("reg")
	for _, h := range extra {
		name, value, _ := strings.Cut(h, ":")
		resp.Add(name, strings.TrimSpace(value))
	}
	if err := tx.Respond(resp); err != nil {
		g.t.Errorf("registrar: respond %d: %v", code, err)
	}
}

func (g *registrar) OnCancel(*transaction.ServerTx, *sip.Message) {}
func (g *registrar) OnStray(*sip.Message, transport.Addr)         {}
func (g *registrar) OnServerFailure(*transaction.ServerTx, error) {}

// find returns the live binding of the contact u.
func (g *registrar) find(u string) (binding, bool) {
	uri, now := mustURI(u), g.clk.Now()
	for _, b := range g.bindings {
		if b.uri.Equal(uri) && b.until.After(now) {
			return b, true
		}
	}
	return binding{}, false
}

// list returns the contacts of the live bindings.
func (g *registrar) list() string {
	var out []string
	now := g.clk.Now()
	for _, b := range g.bindings {
		if b.until.After(now) {
			out = append(out, b.uri.String())
		}
	}
	return strings.Join(out, " ")
}

// stamper stands for the registrar's transport: it stamps received and
// rport on the top Via of each request (RFC 3261 §18.2.1, RFC 3581 §4)
// before the transaction layer sees it.
type stamper struct{ l *transaction.Layer }

func (s *stamper) HandleMessage(m *sip.Message, src transport.Addr) {
	if via, err := m.Via(); err == nil && m.IsRequest() {
		via.Params = via.Params.With("received", src.Addr.Addr().String())
		if v, ok := via.Params.Get("rport"); ok && v == "" {
			via.Params = via.Params.With("rport", strconv.Itoa(int(src.Addr.Port())))
		}
		m.SetFirstValue("Via", via.String())
	}
	s.l.HandleMessage(m, src)
}
func (s *stamper) HandleFlowError(a transport.Addr, err error) { s.l.HandleFlowError(a, err) }

// relay lets an Endpoint deliver to a Layer created after it.
type relay struct{ l *transaction.Layer }

func (r *relay) HandleMessage(m *sip.Message, src transport.Addr) { r.l.HandleMessage(m, src) }
func (r *relay) HandleFlowError(a transport.Addr, err error)      { r.l.HandleFlowError(a, err) }

// switchSender sends through whichever sender is plugged in: the UA's
// network interface, which NetworkChanged tests swap.
type switchSender struct{ s transport.Sender }

func (w *switchSender) Send(dst transport.Addr, m *sip.Message) error { return w.s.Send(dst, m) }

// multiSender sends through the endpoint of the destination's transport.
type multiSender map[transport.Proto]transport.Sender

func (m multiSender) Send(dst transport.Addr, msg *sip.Message) error {
	return m[dst.Proto].Send(dst, msg)
}

// uaTU is the UA side's transaction user: nothing comes to it here.
type uaTU struct{}

func (uaTU) OnRequest(tx *transaction.ServerTx, req *sip.Message) {
	tx.Respond(sip.NewResponse(req, 405, ""))
}
func (uaTU) OnCancel(*transaction.ServerTx, *sip.Message) {}
func (uaTU) OnStray(*sip.Message, transport.Addr)         {}
func (uaTU) OnServerFailure(*transaction.ServerTx, error) {}

// timedEvent is a RegEvent and when the app heard it.
type timedEvent struct {
	at time.Duration
	RegEvent
}

// harness is a UA and a registrar on the test network, 10 ms apart.
type harness struct {
	t     *testing.T
	clk   *testkit.Clock
	net   *testkit.Network
	g     *registrar
	out   *switchSender // the UA's network interface
	layer *transaction.Layer
	r     *Registration
	ev    []timedEvent
}

// newHarness builds the network, the registrar at regAddr and the UA at
// uaAddr; tweak adjusts the registrar and the UA's config before the
// Registration is made.
func newHarness(t *testing.T, seed int64, tweak func(h *harness, cfg *RegistrationConfig)) *harness {
	t.Helper()
	clk := testkit.NewClock(t0)
	h := &harness{t: t, clk: clk, net: testkit.NewNetwork(clk, seed)}
	for _, p := range [][2]netip.AddrPort{{uaAddr, regAddr}, {regAddr, uaAddr}, {uaAddrB, regAddr}, {regAddr, uaAddrB}} {
		h.net.Impair(p[0], p[1], testkit.Impairment{Delay: 10 * time.Millisecond})
	}
	h.g = newRegistrar(t, clk)
	h.g.password = testPassword
	h.addRegistrar(regAddr, h.g)

	ra := &relay{}
	h.out = &switchSender{s: h.net.Endpoint(transport.UDP, uaAddr, ra)}
	h.layer = transaction.New(transaction.Config{Clock: clk, Transport: h.out}, uaTU{})
	ra.l = h.layer

	cfg := RegistrationConfig{
		AOR:          mustURI("sip:alice@example.com"),
		Display:      `Alice "A" Liddell`,
		Targets:      []transport.Addr{{Proto: transport.UDP, Addr: regAddr}},
		Contact:      mustURI("sip:alice@192.0.2.1:5060"),
		Via:          sip.Via{Transport: "UDP", Host: "192.0.2.1", Port: 5060},
		Secret:       auth.Secret{Username: testUser, Password: testPassword},
		Realm:        testRealm,
		Clock:        clk,
		Transactions: h.layer,
		OnEvent:      func(ev RegEvent) { h.ev = append(h.ev, timedEvent{h.now(), ev}) },
		Rand:         rand.New(rand.NewPCG(uint64(seed), 7)),
	}
	if tweak != nil {
		tweak(h, &cfg)
	}
	r, err := NewRegistration(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	return h
}

// addRegistrar puts a registrar TU on the network at addr (UDP).
func (h *harness) addRegistrar(addr netip.AddrPort, tu transaction.TU) {
	s := &stamper{}
	ep := h.net.Endpoint(transport.UDP, addr, s)
	s.l = transaction.New(transaction.Config{Clock: h.clk, Transport: ep}, tu)
}

func (h *harness) now() time.Duration { return h.clk.Now().Sub(t0) }

// run advances the virtual clock by d.
func (h *harness) run(d time.Duration) { h.clk.Advance(d) }

// states lists the states of the events heard so far.
func (h *harness) states() string {
	var s []string
	for _, e := range h.ev {
		s = append(s, e.State.String())
	}
	return strings.Join(s, " ")
}

// last returns the last event heard.
func (h *harness) last() timedEvent {
	h.t.Helper()
	if len(h.ev) == 0 {
		h.t.Fatal("no event")
	}
	return h.ev[len(h.ev)-1]
}

// wantStates checks the sequence of states heard.
func (h *harness) wantStates(want string) {
	h.t.Helper()
	if got := h.states(); got != want {
		h.t.Fatalf("events %q, want %q", got, want)
	}
}

// wantRegisters checks how many REGISTERs the registrar's TU got.
func (h *harness) wantRegisters(n int) {
	h.t.Helper()
	if len(h.g.seen) != n {
		h.t.Fatalf("registrar saw %d REGISTERs, want %d", len(h.g.seen), n)
	}
}

// idle checks that nothing is left behind: after the clock has run out,
// no transaction and no timer.
func (h *harness) idle() {
	h.t.Helper()
	if c, s := h.layer.Len(); c+s != 0 {
		h.t.Errorf("UA transactions left: %d client, %d server", c, s)
	}
	if n := h.clk.Pending(); n != 0 {
		h.t.Errorf("%d timers left armed", n)
	}
}

func mustURI(s string) sip.URI {
	u, err := sip.ParseURI(s)
	if err != nil {
		panic(err)
	}
	return u
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
