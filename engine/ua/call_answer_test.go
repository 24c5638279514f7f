package ua

import (
	"testing"
	"time"
)

// AutoAnswerAlways answers every call: at once, or after ringing for
// AutoAnswerDelay.
func TestAutoAnswerAlways(t *testing.T) {
	for _, delay := range []time.Duration{0, 3 * time.Second} {
		w := newWorld(t, 1)
		alice := w.peer("alice", "10.0.0.1", nil)
		bob := w.peer("bob", "10.0.0.2", func(_ *Config, a *AccountConfig) {
			a.AutoAnswer, a.AutoAnswerDelay = AutoAnswerAlways, delay
		})
		ac := alice.call(bob)
		if delay == 0 {
			w.run(100 * time.Millisecond)
			alice.wantEvents("Confirmed 200", "MediaUpdated")
			bob.wantEvents("Connecting 200", "Confirmed 200")
			continue
		}
		w.run(delay - 100*time.Millisecond)
		alice.wantEvents("Early 180")
		bob.wantEvents("Early 180")
		w.run(200 * time.Millisecond)
		alice.wantEvents("Confirmed 200", "MediaUpdated")
		bob.wantEvents("Connecting 200", "Confirmed 200")
		if ac.State() != Confirmed {
			t.Errorf("state %v", ac.State())
		}
	}
}

// AutoAnswerOnRequest answers the calls that ask for it (RFC 5373
// Answer-Mode, Call-Info answer-after, Alert-Info alert-autoanswer) after
// the delay they give, and leaves the others to the app.
func TestAutoAnswerOnRequest(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		delay       time.Duration // -1: not auto-answered
	}{
		{"Answer-Mode", "Auto", 0},
		{"Call-Info", "<sip:x>;answer-after=2", 2 * time.Second},
		{"Alert-Info", "<http://x>;info=alert-autoanswer", 0},
		{"Alert-Info", "<http://x>;info=alert-normal", -1},
		{"Subject", "hello", -1},
	} {
		w := newWorld(t, 1)
		alice := w.peer("alice", "10.0.0.1", nil)
		bob := w.peer("bob", "10.0.0.2", func(_ *Config, a *AccountConfig) { a.AutoAnswer = AutoAnswerOnRequest })
		ac, err := alice.acc.Call(mustURI("sip:bob@10.0.0.2:5060"), CallOptions{Headers: [][2]string{{tc.name, tc.value}}})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.delay < 0:
			w.run(time.Minute)
			if ac.State() != Calling || len(bob.calls) != 1 || bob.last().State() != Incoming {
				t.Errorf("%s: %s: auto-answered (%v)", tc.name, tc.value, ac.State())
			}
		case tc.delay == 0:
			w.run(100 * time.Millisecond)
			if ac.State() != Confirmed {
				t.Errorf("%s: %s: %v", tc.name, tc.value, ac.State())
			}
		default:
			w.run(tc.delay - 100*time.Millisecond)
			if ac.State() != Early {
				t.Errorf("%s: %s: %v before the delay", tc.name, tc.value, ac.State())
			}
			w.run(200 * time.Millisecond)
			if ac.State() != Confirmed {
				t.Errorf("%s: %s: %v after the delay", tc.name, tc.value, ac.State())
			}
		}
	}
}

// NoAnswerTimeout: the caller cancels a call still ringing; the callee
// refuses one the app leaves unanswered with 480.
func TestNoAnswerTimeout(t *testing.T) {
	w := newWorld(t, 1)
	alice := w.peer("alice", "10.0.0.1", func(c *Config, _ *AccountConfig) { c.NoAnswerTimeout = 30 * time.Second })
	bob := w.peer("bob", "10.0.0.2", nil)
	bob.onCall = func(c *Call) { c.Ring(180, false) }
	alice.call(bob)
	w.run(29 * time.Second)
	alice.wantEvents("Early 180")
	bob.wantEvents("Early 180")
	w.run(2 * time.Second)
	alice.wantEvents("Disconnected 487")
	bob.wantEvents("Disconnected 487")
	if ev := bob.log[len(bob.log)-1]; ev.Cause == "" {
		t.Error("the CANCEL carried no Reason")
	}

	w = newWorld(t, 1)
	alice = w.peer("alice", "10.0.0.1", nil)
	bob = w.peer("bob", "10.0.0.2", func(c *Config, _ *AccountConfig) { c.NoAnswerTimeout = 20 * time.Second })
	alice.call(bob)
	w.run(19 * time.Second)
	alice.wantEvents()
	w.run(2 * time.Second)
	alice.wantEvents("Disconnected 480")
	bob.wantEvents("Disconnected 480")
	w.settle()
	if alice.ua.Calls()+bob.ua.Calls() != 0 || w.clk.Pending() != 0 {
		t.Errorf("left %d+%d calls, %d timers", alice.ua.Calls(), bob.ua.Calls(), w.clk.Pending())
	}
}
