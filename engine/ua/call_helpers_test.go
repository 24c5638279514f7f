package ua

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// fakeMedia is a Media whose SDP says just enough for the tests to follow
// the offer/answer exchange: who made it, its version and direction.
type fakeMedia struct {
	name      string
	version   int
	offered   bool   // an offer of ours is outstanding
	remote    string // the last SDP taken from the peer
	dir       string // our direction in the session agreed
	refuse    bool   // refuse every offer (488)
	closed    bool
	offers    int
	rollbacks int
}

func (m *fakeMedia) sdp(dir string) []byte {
	m.version++
	return fmt.Appendf(nil, "v=0\r\no=%s 1 %d IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=%s\r\n", m.name, m.version, dir)
}

func sdpDir(b []byte) string {
	for _, d := range []string{"sendonly", "recvonly", "inactive", "sendrecv"} {
		if bytes.Contains(b, []byte("a="+d)) {
			return d
		}
	}
	return ""
}

func (m *fakeMedia) Offer(hold bool) ([]byte, error) {
	m.offered = true
	m.offers++
	if hold {
		return m.sdp("sendonly"), nil
	}
	return m.sdp("sendrecv"), nil
}

func (m *fakeMedia) Answer(offer []byte, hold bool) ([]byte, error) {
	if m.refuse || !bytes.HasPrefix(offer, []byte("v=0")) {
		return nil, errors.New("fake: offer refused")
	}
	m.remote = string(offer)
	switch {
	case sdpDir(offer) == "sendonly":
		m.dir = "recvonly"
	case hold:
		m.dir = "sendonly"
	default:
		m.dir = "sendrecv"
	}
	return m.sdp(m.dir), nil
}

func (m *fakeMedia) Accept(answer []byte) error {
	if !bytes.HasPrefix(answer, []byte("v=0")) {
		return errors.New("fake: bad answer")
	}
	m.offered = false
	m.remote = string(answer)
	switch sdpDir(answer) {
	case "recvonly":
		m.dir = "sendonly"
	case "sendonly":
		m.dir = "recvonly"
	default:
		m.dir = sdpDir(answer)
	}
	return nil
}

func (m *fakeMedia) Rollback() { m.offered = false; m.rollbacks++ }
func (m *fakeMedia) Close()    { m.closed = true }

// uaRelay lets an Endpoint be made before the UA it delivers to.
type uaRelay struct{ ua *UA }

func (r *uaRelay) HandleMessage(m *sip.Message, src transport.Addr) { r.ua.HandleMessage(m, src) }
func (r *uaRelay) HandleFlowError(a transport.Addr, err error)      { r.ua.HandleFlowError(a, err) }

// peer is one UA of a scenario, with what it heard.
type peer struct {
	t      *testing.T
	name   string
	addr   netip.AddrPort
	ua     *UA
	acc    *Account
	ep     *testkit.Endpoint
	events []string    // "Early 180", "Confirmed 200", "MediaUpdated", ...
	log    []CallEvent // every event, in full
	calls  []*Call     // every call seen, in order
	media  map[*Call]*fakeMedia
	onCall func(*Call)
	reqs   []*ServerRequest
	onReq  func(*ServerRequest)
}

// world is a scenario: peers on one virtual network and clock.
type world struct {
	t   *testing.T
	clk *testkit.Clock
	net *testkit.Network
}

func newWorld(t *testing.T, seed int64) *world {
	clk := testkit.NewClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	return &world{t: t, clk: clk, net: testkit.NewNetwork(clk, seed)}
}

// peer adds a UA named name at ip:5060 with one account sip:name@ip.
func (w *world) peer(name, ip string, tune func(*Config, *AccountConfig)) *peer {
	p := &peer{t: w.t, name: name, addr: netip.MustParseAddrPort(ip + ":5060"), media: map[*Call]*fakeMedia{}}
	r := &uaRelay{}
	p.ep = w.net.Endpoint(transport.UDP, p.addr, r)
	cfg := Config{
		Clock: w.clk, Transport: p.ep,
		Rand: rand.New(rand.NewPCG(uint64(len(name)), 7)),
		NewMedia: func(c *Call) (Media, error) {
			m := &fakeMedia{name: name}
			p.media[c] = m
			return m, nil
		},
		Events: Events{
			IncomingCall: func(c *Call) {
				p.calls = append(p.calls, c)
				if p.onCall != nil {
					p.onCall(c)
				}
			},
			CallEvent: func(c *Call, ev CallEvent) {
				p.events = append(p.events, ev.Kind.label(ev))
				p.log = append(p.log, ev)
			},
			Request: func(r *ServerRequest) {
				p.reqs = append(p.reqs, r)
				if p.onReq != nil {
					p.onReq(r)
				}
			},
		},
	}
	acfg := AccountConfig{
		AOR:     mustURI("sip:" + name + "@" + ip),
		Contact: mustURI("sip:" + name + "@" + ip + ":5060"),
		Via:     sip.Via{Transport: "UDP", Host: ip, Port: 5060},
	}
	if tune != nil {
		tune(&cfg, &acfg)
	}
	u, err := New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	r.ua, p.ua = u, u
	if p.acc, err = u.AddAccount(acfg); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// label names an event for the tests' logs.
func (k CallEventKind) label(ev CallEvent) string {
	switch k {
	case StateChanged:
		if ev.Code != 0 {
			return fmt.Sprintf("%v %d", ev.State, ev.Code)
		}
		return ev.State.String()
	case MediaUpdated:
		return "MediaUpdated"
	case ChangeFailed:
		return fmt.Sprintf("ChangeFailed %d", ev.Code)
	case Refreshed:
		return "Refreshed"
	}
	return "?"
}

// call places a call from p to q.
func (p *peer) call(q *peer) *Call {
	p.t.Helper()
	c, err := p.acc.Call(mustURI("sip:"+q.name+"@"+q.addr.String()), CallOptions{})
	if err != nil {
		p.t.Fatal(err)
	}
	p.calls = append(p.calls, c)
	return c
}

func (p *peer) last() *Call {
	p.t.Helper()
	if len(p.calls) == 0 {
		p.t.Fatalf("%s has no call", p.name)
	}
	return p.calls[len(p.calls)-1]
}

// wantEvents checks the events heard since the last check.
func (p *peer) wantEvents(want ...string) {
	p.t.Helper()
	if got := strings.Join(p.events, ", "); got != strings.Join(want, ", ") {
		p.t.Errorf("%s events\n got: %s\nwant: %s", p.name, got, strings.Join(want, ", "))
	}
	p.events = nil
}

func (w *world) run(d time.Duration) { w.clk.Advance(d) }

// settle runs long enough for every retransmission, transaction and
// released call to be gone.
func (w *world) settle() { w.clk.Advance(64*500*time.Millisecond + 10*time.Second) }
