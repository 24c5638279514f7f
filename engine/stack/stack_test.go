package stack

import (
	"fmt"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// sdpMedia answers any offer with a fixed SDP: enough for signalling.
type sdpMedia struct{ v int }

func (m *sdpMedia) sdp() []byte {
	m.v++
	return fmt.Appendf(nil, "v=0\r\no=- 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n", m.v)
}
func (m *sdpMedia) Offer(bool) ([]byte, error)          { return m.sdp(), nil }
func (m *sdpMedia) Answer([]byte, bool) ([]byte, error) { return m.sdp(), nil }
func (m *sdpMedia) Accept([]byte) error                 { return nil }
func (m *sdpMedia) Rollback()                           {}
func (m *sdpMedia) Close()                              {}

type phone struct {
	s     *Stack
	acc   *ua.Account
	ev    chan string
	calls []*ua.Call // incoming calls, read on the loop
}

func newPhone(t *testing.T, user string, p transport.Proto, auto bool) *phone {
	t.Helper()
	ph := &phone{ev: make(chan string, 64)}
	s, err := New(Config{
		Listen: []transport.ListenSpec{{Proto: p, Address: "127.0.0.1:0"}},
		UA: ua.Config{
			NewMedia: func(*ua.Call) (ua.Media, error) { return &sdpMedia{}, nil },
			Events: ua.Events{
				IncomingCall: func(c *ua.Call) {
					ph.calls = append(ph.calls, c)
					ph.ev <- "incoming"
				},
				CallEvent: func(c *ua.Call, ev ua.CallEvent) {
					switch ev.Kind {
					case ua.StateChanged:
						ph.ev <- fmt.Sprintf("%v %d", ev.State, ev.Code)
					case ua.MediaUpdated:
						ph.ev <- "media"
					}
				},
			},
		},
		Transport: transport.Config{RateLimit: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ph.s = s
	cfg, err := s.Account(sip.URI{Scheme: "sip", User: user, Host: "127.0.0.1"}, p)
	if err != nil {
		t.Fatal(err)
	}
	if auto {
		cfg.AutoAnswer = ua.AutoAnswerAlways
	}
	s.Do(func(u *ua.UA) { ph.acc, err = u.AddAccount(cfg) })
	if err != nil {
		t.Fatal(err)
	}
	return ph
}

func (ph *phone) want(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-ph.ev:
		if got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no event, want %q", want)
	}
}

// callUp starts alice and bob (who answers at once) on proto, has alice
// call bob, and returns once both see the call confirmed.
func callUp(t *testing.T, p transport.Proto) (alice, bob *phone, call *ua.Call) {
	t.Helper()
	alice = newPhone(t, "alice", p, false)
	bob = newPhone(t, "bob", p, true)
	bobAddr, _ := bob.s.LocalAddr(p)
	target, _ := sip.ParseURI(fmt.Sprintf("sip:bob@%s;transport=%s", bobAddr, p))
	var err error
	alice.s.Do(func(*ua.UA) { call, err = alice.acc.Call(target, ua.CallOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	bob.want(t, "incoming")
	bob.want(t, "Connecting 200")
	alice.want(t, "Confirmed 200")
	alice.want(t, "media")
	bob.want(t, "Confirmed 200")
	return alice, bob, call
}

// Two stacks call each other over loopback sockets: UDP and TCP.
func TestLoopbackCall(t *testing.T) {
	for _, p := range []transport.Proto{transport.UDP, transport.TCP} {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob, call := callUp(t, p)
			var err error
			alice.s.Do(func(*ua.UA) { err = call.Hangup("") })
			if err != nil {
				t.Fatal(err)
			}
			alice.want(t, "Disconnected 200")
			bob.want(t, "Disconnected 200")
		})
	}
}

// A network change in the middle of a call: the caller moves to a new
// address, tells the callee by re-INVITE, and the callee's BYE finds it
// at the new socket.
func TestNetworkChangedMovesCall(t *testing.T) {
	alice, bob, _ := callUp(t, transport.UDP)

	if err := alice.s.NetworkChanged([]transport.ListenSpec{{Proto: transport.UDP, Address: "127.0.0.2:0"}}); err != nil {
		t.Fatal(err)
	}
	moved, _ := alice.s.LocalAddr(transport.UDP)
	if moved.Addr().String() != "127.0.0.2" {
		t.Fatalf("alice now at %v", moved)
	}
	// The re-INVITE's answer on both sides; bob's dialog now targets
	// alice's new address.
	alice.want(t, "media")
	bob.want(t, "media")
	var remote string
	bob.s.Do(func(*ua.UA) { remote = bob.calls[0].Dialog().RemoteTarget().Host })
	if remote != "127.0.0.2" {
		t.Fatalf("bob's remote target %q", remote)
	}
	var err error
	bob.s.Do(func(*ua.UA) { err = bob.calls[0].Hangup("") })
	if err != nil {
		t.Fatal(err)
	}
	bob.want(t, "Disconnected 200")
	alice.want(t, "Disconnected 200")
}

// Closing a stack in the middle of a call hangs it up: the BYE the UA
// sends as it closes goes out (the transport batches datagrams until the
// loop would wait, and a closing loop does not wait again).
func TestCloseHangsUp(t *testing.T) {
	for i := range 20 { // the loss this guards against depended on timing
		alice, bob, _ := callUp(t, transport.UDP)
		alice.s.Close()
		select {
		case got := <-bob.ev:
			if got != "Disconnected 200" {
				t.Fatalf("round %d: bob's event %q, want Disconnected 200", i, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: no BYE reached bob after alice's stack closed", i)
		}
	}
}
