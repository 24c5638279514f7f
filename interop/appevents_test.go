package interop

// The events of issue 7 (subscriptions, publications, transfers, instant
// messages) for the test phone of phone_test.go, on a channel of their
// own so that they do not disturb the call and registration events the
// other tests read from phone.ev.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// appEvent is one such event: label says what it is ("sub Active notify
// application/pidf+xml", "pub Published 200", "xfer 200 final",
// "msgstatus 200", "message text/plain hello"), the rest its content.
type appEvent struct {
	label string
	sub   ua.SubscriptionEvent
	pub   ua.PublicationEvent
	xfer  ua.TransferProgress
	msg   ua.MessageStatus
	body  []byte // of a NOTIFY or an incoming MESSAGE
}

// appEvents is what the app of a phone heard.
type appEvents struct {
	t  *testing.T
	p  *phone
	ch chan appEvent
	// onMessage, if set, answers an incoming MESSAGE (on the loop);
	// without it the UA answers 200 when the callback returns.
	onMessage func(*ua.ServerRequest)
}

// newAppPhone is newPhone with the issue-7 callbacks wired to an
// appEvents; o.ua still runs after them.
func newAppPhone(t *testing.T, o phoneOptions) (*phone, *appEvents) {
	t.Helper()
	a := &appEvents{t: t, ch: make(chan appEvent, 256)}
	tune := o.ua
	o.ua = func(c *ua.Config) {
		c.Events.Subscription = func(_ *ua.Subscription, ev ua.SubscriptionEvent) {
			a.ch <- appEvent{label: "sub " + subLabel(ev), sub: ev, body: ev.Body}
		}
		c.Events.Publication = func(_ *ua.Publication, ev ua.PublicationEvent) {
			a.ch <- appEvent{label: fmt.Sprintf("pub %v %d", ev.State, ev.Code), pub: ev}
		}
		c.Events.TransferProgress = func(_ *ua.Call, pr ua.TransferProgress) {
			l := fmt.Sprintf("xfer %d", pr.Code)
			if pr.Final {
				l += " final"
			}
			a.ch <- appEvent{label: l, xfer: pr}
		}
		c.Events.MessageStatus = func(_ *ua.OutgoingMessage, st ua.MessageStatus) {
			a.ch <- appEvent{label: fmt.Sprintf("msgstatus %d", st.Code), msg: st}
		}
		c.Events.Message = func(r *ua.ServerRequest) {
			m := r.Request()
			ct, _, _ := strings.Cut(m.Get("Content-Type"), ";")
			a.ch <- appEvent{label: "message " + strings.TrimSpace(ct) + " " + string(m.Body()), body: append([]byte(nil), m.Body()...)}
			if a.onMessage != nil {
				a.onMessage(r)
			}
		}
		if tune != nil {
			tune(c)
		}
	}
	a.p = newPhone(t, o)
	return a.p, a
}

func subLabel(ev ua.SubscriptionEvent) string {
	s := ev.State.String()
	switch {
	case ev.Notify:
		s += " notify"
		if ev.ContentType != "" {
			s += " " + ev.ContentType
		}
	case ev.Code != 0:
		s += fmt.Sprintf(" %d", ev.Code)
	}
	if ev.Why != "" {
		s += " " + ev.Why
	}
	return s
}

// want waits for the next event whose label starts with prefix, skipping
// those that start with one of skip; any other fails the test.
func (a *appEvents) want(prefix string, skip ...string) appEvent {
	a.t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			a.p.advance(0)
		case ev := <-a.ch:
			if strings.HasPrefix(ev.label, prefix) {
				return ev
			}
			skipped := false
			for _, s := range skip {
				skipped = skipped || strings.HasPrefix(ev.label, s)
			}
			if !skipped {
				a.t.Fatalf("event %q, want %q", ev.label, prefix)
			}
		case <-deadline:
			a.t.Fatalf("no event %q within 10 s", prefix)
		}
	}
}

// none checks that no event came within d.
func (a *appEvents) none(d time.Duration) {
	a.t.Helper()
	select {
	case ev := <-a.ch:
		a.t.Fatalf("unexpected event %q", ev.label)
	case <-time.After(d):
	}
}
