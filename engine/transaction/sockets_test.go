package transaction

import (
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/loop"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit/pki"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// stack is one engine instance on real sockets: the loop, the transports
// and the transaction layer, wired the way the UA will wire them.
type stack struct {
	loop *loop.Loop
	net  *transport.Layer
	tx   *Layer
}

func newStack(t testing.TB, tu TU, tlsCfg *tls.Config, listen ...transport.ListenSpec) *stack {
	t.Helper()
	s := &stack{loop: loop.New()}
	r := &relay{}
	var err error
	s.net, err = transport.NewLayer(transport.Config{
		Handler: r, Post: func(f func()) { s.loop.Post(f) },
		Listen: listen, TLS: tlsCfg, RateLimit: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.tx = New(Config{Clock: s.loop, Transport: s.net}, tu)
	r.l = s.tx
	s.loop.Start()
	t.Cleanup(func() {
		s.net.Close()
		s.loop.Close()
	})
	return s
}

func (s *stack) addr(t testing.TB, p transport.Proto) transport.Addr {
	a, ok := s.net.LocalAddr(p)
	if !ok {
		t.Fatalf("no %v listener", p)
	}
	return a
}

// answering is a TU that answers OPTIONS with 200 and INVITE with 486,
// or not at all when silent.
type answering struct{ silent bool }

func (a *answering) OnRequest(tx *ServerTx, req *sip.Message) {
	if a.silent {
		return
	}
	code := 200
	if req.Method() == "INVITE" {
		code = 486
	}
	resp := sip.NewResponse(req, code, "")
	resp.SetToTag("b")
	tx.Respond(resp)
}
func (a *answering) OnCancel(*ServerTx, *sip.Message)     {}
func (a *answering) OnStray(*sip.Message, transport.Addr) {}
func (a *answering) OnServerFailure(*ServerTx, error)     {}

// result is how a client transaction ended, delivered on a channel.
type result struct {
	code int
	err  error
}

type waiter chan result

func (w waiter) OnResponse(_ *ClientTx, resp *sip.Message) {
	if resp.StatusCode() >= 200 {
		w <- result{code: resp.StatusCode()}
	}
}
func (w waiter) OnFailure(_ *ClientTx, err error) { w <- result{err: err} }

// send runs a client transaction from s to dst on s's loop and waits.
func (s *stack) send(t *testing.T, method string, dst transport.Addr, scheme string) result {
	t.Helper()
	w := make(waiter, 4)
	via, ok := s.net.LocalAddr(dst.Proto)
	if !ok {
		via = s.net.LocalAddrs()[0] // a client-only transport: any address of ours
	}
	ruri, _ := sip.ParseURI(scheme + ":bob@" + dst.Addr.String())
	from, _ := sip.ParseNameAddr("<sip:alice@example.com>")
	to, _ := sip.ParseNameAddr("<sip:bob@example.com>")
	req, err := sip.NewRequest(sip.RequestSpec{
		Method: method, RequestURI: ruri, From: from, To: to,
		Via: sip.Via{Transport: dst.Proto.String(), Host: via.Addr.Addr().String(), Port: int(via.Addr.Port())},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.loop.Do(func() {
		if _, err := s.tx.Request(req, dst, w); err != nil {
			w <- result{err: err}
		}
	})
	select {
	case r := <-w:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s over %v: no outcome", method, dst.Proto)
		return result{}
	}
}

func TestRealSockets(t *testing.T) {
	cert, pool, err := pki.ForNames("sip.example.test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	b := newStack(t, &answering{}, serverTLS,
		transport.ListenSpec{Proto: transport.UDP, Address: "127.0.0.1:0"},
		transport.ListenSpec{Proto: transport.TCP, Address: "127.0.0.1:0"},
		transport.ListenSpec{Proto: transport.TLS, Address: "127.0.0.1:0"},
		transport.ListenSpec{Proto: transport.UDP, Address: "[::1]:0"})
	a := newStack(t, &answering{}, &tls.Config{RootCAs: pool},
		transport.ListenSpec{Proto: transport.UDP, Address: "127.0.0.1:0"},
		transport.ListenSpec{Proto: transport.TCP, Address: "127.0.0.1:0"})

	tlsDst := b.addr(t, transport.TLS)
	tlsDst.Host = "sip.example.test"
	for _, tc := range []struct {
		name   string
		dst    transport.Addr
		scheme string
	}{
		{"UDP", b.addr(t, transport.UDP), "sip"},
		{"TCP", b.addr(t, transport.TCP), "sip"},
		{"TLS", tlsDst, "sips"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := a.send(t, "OPTIONS", tc.dst, tc.scheme); r.code != 200 {
				t.Fatalf("OPTIONS: %+v", r)
			}
			if r := a.send(t, "INVITE", tc.dst, tc.scheme); r.code != 486 {
				t.Fatalf("INVITE: %+v", r)
			}
		})
	}

	t.Run("IPv6 loopback", func(t *testing.T) {
		a6 := newStack(t, &answering{}, nil, transport.ListenSpec{Proto: transport.UDP, Address: "[::1]:0"})
		if r := a6.send(t, "OPTIONS", ipv6Listener(t, b), "sip"); r.code != 200 {
			t.Fatalf("OPTIONS over [::1]: %+v", r)
		}
	})

	t.Run("TLS wrong hostname refused", func(t *testing.T) {
		wrong := tlsDst
		wrong.Host = "wrong.example.test"
		r := a.send(t, "OPTIONS", wrong, "sips")
		t.Logf("refused: %v", r.err)
		if r.err == nil || r.code != 0 {
			t.Fatalf("a peer that cannot prove wrong.example.test was accepted: %+v", r)
		}
	})
}

// ipv6Listener finds b's IPv6 UDP listener.
func ipv6Listener(t *testing.T, b *stack) transport.Addr {
	for _, a := range b.net.LocalAddrs() {
		if a.Proto == transport.UDP && a.Addr.Addr().Is6() {
			return a
		}
	}
	t.Fatal("no IPv6 listener")
	return transport.Addr{}
}

func TestTCPResetMidTransaction(t *testing.T) {
	b := newStack(t, &answering{silent: true}, nil, transport.ListenSpec{Proto: transport.TCP, Address: "127.0.0.1:0"})
	a := newStack(t, &answering{}, nil, transport.ListenSpec{Proto: transport.TCP, Address: "127.0.0.1:0"})
	dst := b.addr(t, transport.TCP)
	w := make(waiter, 2)
	done := make(chan struct{})
	go func() {
		r := <-w
		if r.err == nil || errors.Is(r.err, ErrTimeout) {
			t.Errorf("reset flow reported as %+v, want a transport error at once", r)
		}
		close(done)
	}()
	req := newRequest("OPTIONS", 1)
	req.SetFirstValue("Via", "SIP/2.0/TCP 127.0.0.1:5060;branch="+sip.NewBranch())
	a.loop.Do(func() { a.tx.Request(req, dst, w) })
	// Wait until b holds the request, then kill its side of the flow.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		b.loop.Do(func() { _, n = b.tx.Len() })
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("request never reached the server")
		}
		time.Sleep(5 * time.Millisecond) // polling real sockets, not a protocol timer
	}
	b.net.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not notice the reset")
	}
}
