package ua

import (
	"fmt"
	"strings"
	"testing"
)

// evRec records what an app hears of subscriptions, publications,
// transfers and messages, and acts as the test tells it to.
type evRec struct {
	t         *testing.T
	subs      []string // "Active notify application/pidf+xml", "Terminated 489", ...
	subEvs    []SubscriptionEvent
	subOf     []*Subscription
	notifiers []*Notifier
	nevs      []string // "Active 600s", "Terminated timeout"
	pubs      []string // "Published 200 600s", ...
	msgs      []string // "text/plain hello"
	msgStatus []int
	transfers []*Transfer
	progress  []string // "202", "100", "180", "200 final"

	onSubscribe func(*Notifier)
	onTransfer  func(*Transfer)
	onMessage   func(*ServerRequest)
}

// evPeer adds a peer whose app records those events.
func (w *world) evPeer(name, ip string, tune func(*Config, *AccountConfig)) (*peer, *evRec) {
	r := &evRec{t: w.t}
	p := w.peer(name, ip, func(c *Config, a *AccountConfig) {
		c.Events.Subscription = func(s *Subscription, ev SubscriptionEvent) {
			r.subOf = append(r.subOf, s)
			r.subEvs = append(r.subEvs, ev)
			r.subs = append(r.subs, ev.label())
		}
		c.Events.IncomingSubscription = func(n *Notifier) {
			r.notifiers = append(r.notifiers, n)
			if r.onSubscribe != nil {
				r.onSubscribe(n)
			}
		}
		c.Events.NotifierEvent = func(n *Notifier, ev NotifierEvent) {
			s := fmt.Sprintf("%v %v", ev.State, ev.Expires)
			if ev.State == Terminated {
				s = fmt.Sprintf("Terminated %s", ev.Why)
			}
			r.nevs = append(r.nevs, s)
		}
		c.Events.Publication = func(p *Publication, ev PublicationEvent) {
			s := fmt.Sprintf("%v %d", ev.State, ev.Code)
			if ev.Expires > 0 {
				s += fmt.Sprintf(" %v", ev.Expires)
			}
			r.pubs = append(r.pubs, s)
		}
		c.Events.Message = func(sr *ServerRequest) {
			m := sr.Request()
			r.msgs = append(r.msgs, m.Get("Content-Type")+" "+string(m.Body()))
			if r.onMessage != nil {
				r.onMessage(sr)
			}
		}
		c.Events.MessageStatus = func(_ *OutgoingMessage, st MessageStatus) { r.msgStatus = append(r.msgStatus, st.Code) }
		c.Events.Transfer = func(t *Transfer) {
			r.transfers = append(r.transfers, t)
			if r.onTransfer != nil {
				r.onTransfer(t)
			}
		}
		c.Events.TransferProgress = func(_ *Call, p TransferProgress) {
			s := fmt.Sprint(p.Code)
			if p.Final {
				s += " final"
			}
			r.progress = append(r.progress, s)
		}
		if tune != nil {
			tune(c, a)
		}
	})
	return p, r
}

func (ev SubscriptionEvent) label() string {
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
	if ev.Retry {
		s += fmt.Sprintf(" retry %v", ev.RetryAfter)
	}
	return s
}

// want checks a list of labels heard since the last check, and empties it.
func want(t *testing.T, what string, got *[]string, w ...string) {
	t.Helper()
	if g := strings.Join(*got, ", "); g != strings.Join(w, ", ") {
		t.Errorf("%s\n got: %s\nwant: %s", what, g, strings.Join(w, ", "))
	}
	*got = nil
}
