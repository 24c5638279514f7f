package interop

// A sk400vop phone for the interop tests: a real engine/stack on
// 127.0.0.1 with one account, SDP from package media, a virtual clock for
// the UA's timers (so refresh and expiry are reached without sleeping)
// and its events on a channel.

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/stack"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
	"github.com/sk400vop/sk400vop/media/endpoint"
	"github.com/sk400vop/sk400vop/media/rtp"
)

type phone struct {
	t     *testing.T
	s     *stack.Stack
	clk   *testkit.Clock // nil with real media, which runs in real time
	acc   *ua.Account
	ev    chan string
	calls chan *ua.Call
	rec   *recording // what the calls received, with real media
}

type phoneOptions struct {
	user, password string
	k              *Kamailio // registrar and outbound proxy; nil for none
	proto          transport.Proto
	expires        time.Duration
	autoAnswer     bool
	ua             func(*ua.Config)
	// tone > 0 gives the calls real media (media/endpoint on 127.0.0.1)
	// sending a tone of that frequency and recording what comes in; the
	// UA then runs on the real clock.
	tone float64
}

// recording is the audio a phone's calls received, written on the loop
// and read by the test.
type recording struct {
	mu    sync.Mutex
	pcm   []int16
	wrote chan struct{} // signalled after each frame
}

func (r *recording) WriteFrame(pcm []int16) error {
	r.mu.Lock()
	r.pcm = append(r.pcm, pcm...)
	r.mu.Unlock()
	select {
	case r.wrote <- struct{}{}:
	default:
	}
	return nil
}

// wait returns once n samples are in, or fails the test after timeout.
func (r *recording) wait(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for len(r.samples()) < n {
		select {
		case <-r.wrote:
		case <-deadline:
			t.Fatalf("recorded %d samples in %v, want %d", len(r.samples()), timeout, n)
		}
	}
}

func (r *recording) samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.pcm...)
}

func newPhone(t *testing.T, o phoneOptions) *phone {
	t.Helper()
	if o.proto == 0 {
		o.proto = transport.UDP
	}
	p := &phone{t: t, ev: make(chan string, 256), calls: make(chan *ua.Call, 16)}
	ports := FreePortRange(t, 20)
	next := 0
	var ep *endpoint.Endpoint
	newMedia := func(*ua.Call) (ua.Media, error) {
		port := ports + 2*(next%10)
		next++
		return media.NewSession(media.Config{Addr: netip.MustParseAddr(Host), Port: uint16(port)})
	}
	if o.tone > 0 {
		p.rec = &recording{wrote: make(chan struct{}, 1)}
		newMedia = func(*ua.Call) (ua.Media, error) {
			return ep.NewCall(endpoint.Options{Source: audio.NewTone(o.tone, 8000), Sink: p.rec})
		}
	} else {
		p.clk = testkit.NewClock(time.Now())
	}
	uc := ua.Config{
		UserAgent: "sk400vop-interop",
		NewMedia:  newMedia,
		Events: ua.Events{
			Registration: func(_ *ua.Account, ev ua.RegEvent) {
				p.ev <- fmt.Sprintf("reg %v %d", ev.State, ev.Code)
			},
			IncomingCall: func(c *ua.Call) {
				p.ev <- "incoming " + c.Remote().URI.User
				p.calls <- c
			},
			CallEvent: func(c *ua.Call, ev ua.CallEvent) {
				switch ev.Kind {
				case ua.StateChanged:
					p.ev <- fmt.Sprintf("call %v %d", ev.State, ev.Code)
				case ua.MediaUpdated:
					p.ev <- "call media"
				case ua.ChangeFailed:
					p.ev <- fmt.Sprintf("call change failed %d", ev.Code)
				case ua.Refreshed:
					p.ev <- "call refreshed"
				}
			},
		},
	}
	if o.ua != nil {
		o.ua(&uc)
	}
	s, err := stack.New(stack.Config{
		Listen:    []transport.ListenSpec{{Proto: o.proto, Address: Host + ":0"}},
		UA:        uc,
		Transport: transport.Config{RateLimit: -1},
		Clock:     clockOrNil(p.clk),
	})
	if err != nil {
		t.Fatal(err)
	}
	p.s = s
	t.Cleanup(s.Close)
	if o.tone > 0 {
		ep, err = endpoint.New(endpoint.Config{Clock: s.Clock(), Post: s.Exec, Addr: netip.MustParseAddr(Host),
			Ports: rtp.PortRange{Min: uint16(ports), Max: uint16(ports + 19)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	domain := Host
	if o.k != nil {
		domain = o.k.Domain
	}
	cfg, err := s.Account(sip.URI{Scheme: "sip", User: o.user, Host: domain}, o.proto)
	if err != nil {
		t.Fatal(err)
	}
	if o.k != nil {
		cfg.Registrar = mustURI(t, "sip:"+o.k.Domain)
		proxy := o.k.URI() + ";lr"
		if o.proto == transport.TCP {
			proxy += ";transport=tcp"
		}
		cfg.Proxy = mustURI(t, proxy)
		cfg.Realm = o.k.Domain
	}
	if o.password != "" {
		cfg.Secret = auth.Secret{Username: o.user, Password: o.password}
	}
	cfg.Expires = o.expires
	if o.autoAnswer {
		cfg.AutoAnswer = ua.AutoAnswerAlways
	}
	p.do(func(u *ua.UA) { p.acc, err = u.AddAccount(cfg) })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustURI(t *testing.T, s string) sip.URI {
	t.Helper()
	u, err := sip.ParseURI(s)
	if err != nil {
		t.Fatalf("URI %q: %v", s, err)
	}
	return u
}

// do runs f on the phone's loop.
func (p *phone) do(f func(*ua.UA)) {
	if err := p.s.Do(f); err != nil {
		p.t.Fatal(err)
	}
}

// clockOrNil keeps a nil *testkit.Clock from becoming a non-nil
// clock.Clock.
func clockOrNil(c *testkit.Clock) clock.Clock {
	if c == nil {
		return nil
	}
	return c
}

// advance moves the UA's virtual clock, running its timers on the loop;
// with real media there is none, and only the due work runs.
func (p *phone) advance(d time.Duration) {
	if p.clk != nil {
		p.do(func(*ua.UA) { p.clk.Advance(d) })
	}
}

// want waits for the next event with the given prefix, skipping others
// that match skip (provisional states, media updates...).
func (p *phone) want(prefix string, skip ...string) string {
	p.t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			// Work the UA armed "for now" runs on the next Advance.
			p.advance(0)
		case ev := <-p.ev:
			if strings.HasPrefix(ev, prefix) {
				return ev
			}
			skipped := false
			for _, s := range skip {
				skipped = skipped || strings.HasPrefix(ev, s)
			}
			if !skipped {
				p.t.Fatalf("event %q, want %q", ev, prefix)
			}
		case <-deadline:
			p.t.Fatalf("no event %q within 10 s", prefix)
		}
	}
}

// call places a call to target and returns it.
func (p *phone) call(target string) *ua.Call {
	p.t.Helper()
	var c *ua.Call
	var err error
	u := mustURI(p.t, target)
	p.do(func(*ua.UA) { c, err = p.acc.Call(u, ua.CallOptions{}) })
	if err != nil {
		p.t.Fatal(err)
	}
	return c
}

func (p *phone) incoming() *ua.Call {
	p.t.Helper()
	select {
	case c := <-p.calls:
		return c
	case <-time.After(10 * time.Second):
		p.t.Fatal("no incoming call")
	}
	return nil
}

// register registers the account and waits for the result.
func (p *phone) register() string {
	p.t.Helper()
	var err error
	p.do(func(*ua.UA) { err = p.acc.Register() })
	if err != nil {
		p.t.Fatal(err)
	}
	p.want("reg Registering")
	return p.want("reg ")
}
