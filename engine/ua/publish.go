package ua

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
)

// PubState is where a Publication stands.
type PubState uint8

// The states of a Publication.
const (
	// Publishing: the first PUBLISH is out.
	Publishing PubState = iota + 1
	// Published: the server holds our state, refreshed before it expires.
	Published
	// Unpublishing: the PUBLISH that removes it is out.
	Unpublishing
	// Unpublished: the state is removed, or publishing failed
	// (PublicationEvent.Code says how).
	Unpublished
)

// String returns the state's name.
func (s PubState) String() string {
	switch s {
	case Publishing:
		return "Publishing"
	case Published:
		return "Published"
	case Unpublishing:
		return "Unpublishing"
	case Unpublished:
		return "Unpublished"
	}
	return "PubState(" + itoa(int(s)) + ")"
}

// PublicationEvent is what the app hears about a Publication: each
// Published (first, modified, refreshed) and the end.
type PublicationEvent struct {
	State PubState
	// Code and Reason are the final response behind the event; 408 for no
	// answer, 503 for a transport failure.
	Code    int
	Reason  string
	Expires time.Duration // how long the server keeps it (Published)
	Err     error
}

// Publication is our event state held by a server (RFC 3903): the state
// of an event package, "presence" for instance, for the account's AOR,
// refreshed by its entity-tag before it expires. Make one with
// Account.Publish. UserData is the app's.
type Publication struct {
	UserData any

	ua      *UA
	acc     *Account
	id      uint64
	event   string
	ctype   string
	body    []byte
	expires time.Duration // asked for
	etag    string        // SIP-ETag of the server's copy, "" for none
	state   PubState
	out     *outRequest // the PUBLISH under way: one at a time (RFC 3903 §4)
	removal bool        // it removes
	timer   clock.Timer // refresh

	modified bool // a Modify waits for the PUBLISH under way
	remove   bool // a Remove waits for it
	fresh    bool // a 412 was answered with a fresh publication
	brief    bool // a 423 was answered
}

// Publish publishes our state of event (RFC 3903 §4.1) for the account's
// AOR, body of ctype, asking to keep it expires (default 3600 s): the
// first PUBLISH, then refreshes with SIP-If-Match before it expires. Its
// events reach Events.Publication.
func (a *Account) Publish(event string, body []byte, ctype string, expires time.Duration) (*Publication, error) {
	u := a.ua
	switch {
	case u.closed:
		return nil, ErrClosed
	case expires < 0 || expires > maxExpires:
		return nil, configErr("Expires out of range")
	case len(body) == 0 || ctype == "":
		return nil, configErr("a publication needs a body and its type")
	}
	if ev, err := sip.ParseEvent(event); err != nil || ev.Package() == "" {
		return nil, configErr("event must name an event package")
	}
	if expires == 0 {
		expires = defaultExpires
	}
	p := &Publication{ua: u, acc: a, id: u.newID(), event: event, ctype: ctype, body: bytes.Clone(body), expires: expires, state: Publishing}
	if err := p.send(true, false); err != nil {
		return nil, err
	}
	u.es.ensure()
	u.es.pubs[p] = struct{}{}
	return p, nil
}

// ID returns the publication's id, unique within the UA.
func (p *Publication) ID() uint64 { return p.id }

// State returns the publication's state.
func (p *Publication) State() PubState { return p.state }

// ETag returns the entity-tag of our state at the server, "" for none.
func (p *Publication) ETag() string { return p.etag }

// Modify replaces the published state with body (RFC 3903 §4.4), now or
// when the PUBLISH under way is answered.
func (p *Publication) Modify(body []byte, ctype string) error {
	if p.state == Unpublishing || p.state == Unpublished || p.remove {
		return ErrState
	}
	if len(body) == 0 || ctype == "" {
		return configErr("a publication needs a body and its type")
	}
	p.body, p.ctype = bytes.Clone(body), ctype
	if p.out != nil {
		p.modified = true
		return nil
	}
	return p.send(true, false)
}

// Remove removes our state from the server: a PUBLISH with Expires 0 and
// our entity-tag (RFC 3903 §4.5), now or when the PUBLISH under way is
// answered. Unpublished follows.
func (p *Publication) Remove() error {
	if p.state == Unpublishing || p.state == Unpublished || p.remove {
		return ErrState
	}
	p.stop()
	if p.out != nil {
		p.remove = true
		return nil
	}
	return p.send(false, true)
}

// send sends a PUBLISH: with the body (first or modified) or without
// (refresh, removal), with SIP-If-Match once the server gave us an
// entity-tag (RFC 3903 §4.2-§4.5).
func (p *Publication) send(withBody, removal bool) error {
	var body []byte
	ctype := ""
	if withBody {
		body, ctype = p.body, p.ctype
	}
	req, err := p.acc.newOutRequest("PUBLISH", p.acc.aor, false, ctype, body)
	if err != nil {
		return err
	}
	req.Set("Event", p.event)
	exp := p.expires
	if removal {
		exp = 0
		p.state = Unpublishing
	}
	req.Set("Expires", strconv.FormatUint(uint64(seconds(exp)), 10))
	if p.etag != "" {
		req.Set("SIP-If-Match", p.etag)
	}
	p.removal = removal
	p.out, err = p.acc.sendOut(req, p.onResponse)
	return err
}

// onResponse takes the answer to our PUBLISH.
func (p *Publication) onResponse(o *outRequest, resp *sip.Message, err error) {
	if o != p.out {
		return
	}
	code, reason := statusOf(resp, err)
	switch {
	case code == 412 && !p.removal && !p.fresh:
		// Our entity-tag is unknown there (it expired, the server
		// restarted): publish afresh, body and all (RFC 3903 §4.4).
		p.fresh, p.etag = true, ""
		if p.send(true, false) == nil {
			return
		}
	case code == 423 && !p.brief:
		if least, ok := resp.MinExpires(); ok && time.Duration(least)*time.Second > p.expires {
			p.brief, p.expires = true, time.Duration(least)*time.Second
			if o.again(func(m *sip.Message) error {
				m.Set("Expires", strconv.FormatUint(uint64(least), 10))
				return nil
			}) == nil {
				return
			}
		}
	}
	p.out = nil
	p.fresh, p.brief = false, false
	if code >= 300 || p.removal {
		p.stop()
		p.etag, p.state = "", Unpublished
		p.modified, p.remove = false, false
		delete(p.ua.es.pubs, p)
		p.emit(PublicationEvent{Code: code, Reason: reason, Err: err})
		return
	}
	if tag := resp.Get("SIP-ETag"); tag != "" {
		p.etag = strings.Clone(tag)
	}
	granted := p.expires
	if exp, ok := resp.Expires(); ok {
		granted = time.Duration(exp) * time.Second
	}
	p.state = Published
	p.stop()
	if granted > 0 {
		p.timer = p.ua.clk.AfterFunc(refreshDelay(granted), func() {
			p.timer = nil
			if p.out == nil {
				p.send(false, false)
			}
		})
	}
	p.emit(PublicationEvent{Code: code, Reason: reason, Expires: granted})
	switch {
	case p.remove:
		p.remove = false
		p.stop()
		p.send(false, true)
	case p.modified:
		p.modified = false
		p.send(true, false)
	}
}

func (p *Publication) stop() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

func (p *Publication) emit(ev PublicationEvent) {
	ev.State = p.state
	if f := p.ua.cfg.Events.Publication; f != nil {
		f(p, ev)
	}
}
