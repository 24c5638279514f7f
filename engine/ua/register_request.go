package ua

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// regKind is what a REGISTER exchange does.
type regKind uint8

const (
	kindRegister      regKind = iota // add or refresh our binding
	kindUnregister                   // remove our binding: Expires 0
	kindUnregisterAll                // remove every binding: Contact *, Expires 0
)

// Indexes of Registration.challenges and attempt.answered.
const (
	wwwAuth   = iota // 401, WWW-Authenticate → Authorization
	proxyAuth        // 407, Proxy-Authenticate → Proxy-Authorization
)

// start abandons the exchange under way and any timer, and sends the
// first REGISTER of a new exchange of kind k.
func (r *Registration) start(k regKind, rewrite bool) {
	r.stopTimer()
	a := &attempt{r: r, kind: k, rewrite: rewrite}
	r.att = a
	r.send(a)
}

// send sends the next REGISTER of a, with the next CSeq, a fresh branch
// and the credentials of the challenges kept.
func (r *Registration) send(a *attempt) {
	seq := r.nextSeq()
	req, err := r.build(a.kind, seq)
	if err != nil {
		r.failSoon(a, err)
		return
	}
	r.authorize(req)
	r.transmit(a, req, seq)
}

// nextSeq returns the CSeq of the next REGISTER: one more than the last
// (RFC 3261 §10.2.4). CSeq numbers of a Call-ID must stay below 2**31
// (§8.1.1.5), so past that a new Call-ID starts again at 1.
func (r *Registration) nextSeq() uint32 {
	if r.cseq >= maxCSeq {
		r.callID, r.cseq = sip.NewCallID(), 0
	}
	r.cseq++
	return r.cseq
}

// transmit hands req to the transaction layer with failover across the
// targets.
func (r *Registration) transmit(a *attempt, req *sip.Message, seq uint32) {
	a.seq = seq
	r.sending = true
	_, err := r.layer.RequestTargets(req, r.orderedTargets(), a)
	r.sending = false
	if err != nil {
		r.failSoon(a, err)
	}
}

// failSoon reports a local failure to a on the next clock turn. A failure
// found while sending (a transport that refuses at once) is handled so,
// never inside the call that sent: the app, which may call Register from
// its Failed event, is not re-entered from inside its own call.
func (r *Registration) failSoon(a *attempt, err error) {
	r.timer = r.clk.AfterFunc(0, func() {
		r.timer = nil
		a.OnFailure(nil, err)
	})
}

// build makes a REGISTER without credentials (RFC 3261 §10.2):
// Request-URI the registrar's domain, To and From the AOR (From with a
// fresh tag, To without), the Call-ID of this Registration and CSeq seq
// (§10.2.4), and the Contact and Expires the kind calls for.
func (r *Registration) build(k regKind, seq uint32) (*sip.Message, error) {
	aor := sip.NameAddr{Display: r.display, URI: r.aor}
	spec := sip.RequestSpec{
		Method:     "REGISTER",
		RequestURI: r.reg,
		From:       aor,
		To:         aor,
		CallID:     r.callID,
		CSeq:       seq,
		Via:        r.via,
	}
	if k == kindUnregisterAll {
		spec.Contact = sip.NameAddr{Wildcard: true} // only with Expires: 0 (§10.2.2)
	} else {
		spec.Contact = r.ourContact()
	}
	req, err := sip.NewRequest(spec)
	if err != nil {
		return nil, err
	}
	if k != kindUnregisterAll {
		for _, old := range r.stale {
			req.Add("Contact", sip.NameAddr{URI: old, Params: ";expires=0"}.String())
		}
	}
	expires := "0"
	if k == kindRegister {
		expires = strconv.FormatInt(int64(seconds(r.expires)), 10)
	}
	req.Add("Expires", expires)
	if r.regID > 0 {
		// RFC 5626 §4.2.1: a UA using outbound says so, and its edge
		// proxy relies on Path (RFC 3327).
		req.Add("Supported", "path, outbound")
	}
	return req, nil
}

// ourContact returns our Contact with the RFC 5626 parameters.
func (r *Registration) ourContact() sip.NameAddr {
	c := sip.NameAddr{URI: r.contact}
	if r.instance != "" {
		c.Params = c.Params.With("+sip.instance", `"<`+r.instance+`>"`)
	}
	if r.regID > 0 {
		c.Params = c.Params.With("reg-id", strconv.Itoa(r.regID))
	}
	return c
}

// authorize adds to req the credentials of every challenge kept, so that
// a REGISTER is not challenged each time (each use counts up the nonce
// count, RFC 7616 §3.4). A challenge that no longer works is forgotten:
// the next REGISTER is challenged afresh.
func (r *Registration) authorize(req *sip.Message) {
	if r.auth == nil || !auth.Allowed(req.Method(), false, false) {
		return
	}
	for i, ch := range r.challenges {
		if ch != nil && r.auth.Authorize(req, ch) != nil {
			r.challenges[i] = nil
		}
	}
}

// orderedTargets returns the targets starting with the one that answered
// last, so that a dead first target does not delay every refresh by a
// transaction timeout.
func (r *Registration) orderedTargets() []transport.Addr {
	if r.good == 0 {
		return r.targets
	}
	return append(slices.Clone(r.targets[r.good:]), r.targets[:r.good]...)
}

// noteTarget remembers which target answered.
func (r *Registration) noteTarget(dst transport.Addr) {
	for i, t := range r.targets {
		if t.Proto == dst.Proto && t.Addr == dst.Addr {
			r.good = i
			return
		}
	}
}

// replaceContact makes c our Contact and, when the registrar may hold a
// binding of the old one, queues the old one for removal (see
// NetworkChanged for why not with a reg-id).
func (r *Registration) replaceContact(c sip.URI) {
	old := r.contact
	r.contact = c
	r.stale = slices.DeleteFunc(r.stale, c.Equal) // ours again: not to be removed
	if !r.bound || r.regID > 0 || old.Equal(c) {
		return
	}
	if !slices.ContainsFunc(r.stale, old.Equal) {
		r.stale = append(r.stale, old)
	}
	if len(r.stale) > maxStale {
		r.stale = r.stale[len(r.stale)-maxStale:]
	}
}

// seconds returns d in whole seconds, rounded up, as delta-seconds.
func seconds(d time.Duration) uint32 {
	return uint32(min((d+time.Second-1)/time.Second, maxExpires/time.Second))
}

// cloneURI returns a copy of u that shares no memory with a received
// message, and checks u on the way.
func cloneURI(u sip.URI) (sip.URI, error) {
	if u.Scheme == "" {
		return sip.URI{}, ErrConfig
	}
	return sip.ParseURI(u.String())
}

// cleanVia returns v for our requests: no branch (each request gets its
// own), no received or rport value (those are the registrar's to write),
// and an rport parameter without value asking for our public port (RFC
// 3581 §3).
func cleanVia(v sip.Via) (sip.Via, error) {
	if v.Transport == "" || v.Host == "" {
		return sip.Via{}, ErrConfig
	}
	var b []byte
	v.Params.Each(func(name, value string) bool {
		switch strings.ToLower(name) {
		case "branch", "received", "rport":
			return true
		}
		b = append(b, ';')
		b = append(b, name...)
		if value != "" {
			b = append(b, '=')
			b = append(b, value...)
		}
		return true
	})
	v.Params = sip.Params(b).With("rport", "")
	return sip.ParseVia(v.String())
}

// validInstance reports whether s can go into the quoted "<...>" of a
// +sip.instance parameter: a URN (RFC 5626 §4.1) of printable characters
// without quotes, angle brackets or backslashes.
func validInstance(s string) bool {
	if s == "" {
		return true
	}
	if len(s) < 5 || !strings.EqualFold(s[:4], "urn:") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' {
			return false
		}
	}
	return true
}

// quote returns s as a quoted-string (RFC 3261 §25.1).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isControl reports a character a header value cannot hold.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func itoa(n int) string { return strconv.Itoa(n) }
