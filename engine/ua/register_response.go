package ua

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// attempt is one REGISTER exchange: the first REGISTER and those that
// answer its challenges or its 423, each with the next CSeq. It is the
// transaction.ClientHandler of their transactions, and hears nothing once
// the Registration has moved on to another exchange.
type attempt struct {
	r    *Registration
	kind regKind
	seq  uint32 // CSeq of the REGISTER whose answer is awaited
	// answered says which challenge kind got credentials computed within
	// this exchange: a second challenge of that kind that is not stale
	// means the credentials were refused.
	answered [2]bool
	interval bool // a 423 was answered already
	rewrite  bool // this exchange moves our Contact to the public address
}

// live reports whether resp (or a failure) still concerns the
// Registration.
func (a *attempt) live() bool { return a.r.att == a && !a.r.closed }

// OnResponse implements transaction.ClientHandler.
func (a *attempt) OnResponse(tx *transaction.ClientTx, resp *sip.Message) {
	code := resp.StatusCode()
	if !a.live() || code < 200 {
		return
	}
	if cs, err := resp.CSeq(); err != nil || cs.Seq != a.seq {
		return
	}
	r := a.r
	if tx != nil {
		r.noteTarget(tx.Dst())
	}
	switch {
	case code < 300:
		r.succeeded(a, resp)
	case code == 401 || code == 407:
		r.challenged(a, resp)
	case code == 423 && a.kind == kindRegister:
		r.tooBrief(a, resp)
	default:
		// 403 and 404 are final: the account or the domain is refused,
		// and asking again will not change that. Anything else may pass
		// (RFC 5626 §4.5).
		final := code == 403 || code == 404
		r.fail(a, code, resp.Reason(), nil, final, retryAfter(resp))
	}
}

// OnFailure implements transaction.ClientHandler: every target timed out
// or failed at the transport.
func (a *attempt) OnFailure(_ *transaction.ClientTx, err error) {
	if !a.live() {
		return
	}
	r := a.r
	if r.sending {
		r.failSoon(a, err)
		return
	}
	code := 503 // a transport error (RFC 3261 §8.1.3.1)
	if errors.Is(err, transaction.ErrTimeout) {
		code = 408
	}
	r.fail(a, code, "", err, false, 0)
}

// succeeded takes a 2xx.
func (r *Registration) succeeded(a *attempt, resp *sip.Message) {
	r.att = nil
	r.stale = nil // removed, if this REGISTER listed them
	if a.kind != kindRegister {
		r.bound, r.routes, r.failures = false, nil, 0
		r.state = Unregistered
		r.emit(RegEvent{State: Unregistered, Code: resp.StatusCode(), Reason: strings.Clone(resp.Reason())})
		return
	}
	granted := r.granted(resp)
	if granted <= 0 {
		r.fail(a, resp.StatusCode(), resp.Reason(), ErrNotBound, false, 0)
		return
	}
	r.bound, r.failures = true, 0
	r.routes = serviceRoute(resp)
	if pub, ok := r.publicContact(resp); ok && !a.rewrite {
		// RFC 3581 §4: the registrar saw us at another address, a NAT's.
		// A Contact there is one it can reach, so register that once,
		// removing the private one in the same REGISTER.
		r.replaceContact(pub)
		r.start(kindRegister, true)
		return
	}
	r.timer = r.clk.AfterFunc(refreshDelay(granted), r.refresh)
	r.state = Registered
	r.emit(RegEvent{State: Registered, Code: resp.StatusCode(), Reason: strings.Clone(resp.Reason()), Expires: granted})
}

// challenged takes a 401 or 407 (RFC 3261 §22.2, §22.3). The first
// challenge of its kind within an exchange is answered, and so is a
// stale one (auth.ShouldRetry: the nonce expired, the password is fine);
// a second one that is not stale refuses the credentials, which is final.
func (r *Registration) challenged(a *attempt, resp *sip.Message) {
	code := resp.StatusCode()
	i := wwwAuth
	if code == 407 {
		i = proxyAuth
	}
	if r.auth == nil {
		r.fail(a, code, resp.Reason(), ErrNoCredentials, true, 0)
		return
	}
	if a.answered[i] && !r.auth.ShouldRetry(resp) {
		r.fail(a, code, resp.Reason(), ErrCredentialsRefused, true, 0)
		return
	}
	// The new challenge is answered first, and must be: from the
	// configured realm, with an algorithm the secret serves.
	seq := r.nextSeq()
	req, err := r.build(a.kind, seq)
	if err == nil {
		err = r.auth.Authorize(req, resp)
	}
	if err != nil {
		r.fail(a, code, resp.Reason(), err, true, 0)
		return
	}
	a.answered[i] = true
	r.challenges[i] = resp
	if other := r.challenges[1-i]; other != nil && r.auth.Authorize(req, other) != nil {
		r.challenges[1-i] = nil
	}
	r.transmit(a, req, seq)
}

// tooBrief takes a 423 (RFC 3261 §10.2.8): ask again for the registrar's
// Min-Expires, once per exchange, and keep it for later REGISTERs.
func (r *Registration) tooBrief(a *attempt, resp *sip.Message) {
	m, ok := resp.MinExpires()
	minimum := time.Duration(m) * time.Second
	if !ok || a.interval || minimum <= r.expires {
		r.fail(a, resp.StatusCode(), resp.Reason(), ErrIntervalTooBrief, false, 0)
		return
	}
	a.interval = true
	r.expires = minimum
	r.send(a)
}

// fail ends the exchange a with a failure. A REGISTER that may pass gets
// another try after the RFC 5626 §4.5 back-off, or after the response's
// Retry-After if that is longer (bounded by the back-off's max-time); a
// final failure, and any failure to unregister, waits for the app.
func (r *Registration) fail(a *attempt, code int, reason string, err error, final bool, hint time.Duration) {
	r.att = nil
	r.routes = nil
	if reason == "" {
		reason = sip.ReasonPhrase(code)
	}
	ev := RegEvent{State: Failed, Code: code, Reason: strings.Clone(reason), Err: err}
	if final || a.kind != kindRegister {
		// The app decides what comes next; the credentials kept may be
		// the reason, so the next REGISTER is challenged afresh.
		r.want = false
		r.challenges = [2]*sip.Message{}
	} else {
		r.failures = min(r.failures+1, 32)
		wait := r.backoff(r.failures)
		if hint > 0 {
			wait = max(wait, min(hint, backoffMax))
		}
		r.timer = r.clk.AfterFunc(wait, r.retry)
		ev.RetryAfter = wait
	}
	r.state = Failed
	r.emit(ev)
}

// granted returns the binding lifetime a 2xx grants (RFC 3261 §10.2.4):
// the expires parameter of the Contact that is ours, else the Expires
// header, else what was asked.
func (r *Registration) granted(resp *sip.Message) time.Duration {
	for na, err := range resp.NameAddrs("Contact") {
		if err != nil {
			break
		}
		if !r.isOurs(na) {
			continue
		}
		if v, ok := na.Params.Get("expires"); ok {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				return time.Duration(n) * time.Second
			}
		}
		break
	}
	if n, ok := resp.Expires(); ok {
		return time.Duration(n) * time.Second
	}
	return r.expires
}

// isOurs reports whether a Contact of a 2xx is our binding: the same URI
// (RFC 3261 §19.1.4), or the same +sip.instance (RFC 5626 §6).
func (r *Registration) isOurs(na sip.NameAddr) bool {
	if na.Wildcard {
		return false
	}
	if na.URI.Equal(r.contact) {
		return true
	}
	if r.instance == "" {
		return false
	}
	v, ok := na.Params.Get("+sip.instance")
	v = strings.Trim(sip.Unquote(v), "<>")
	return ok && strings.EqualFold(v, r.instance)
}

// publicContact returns our Contact moved to the address the registrar
// saw us at, from the received and rport parameters it put in the top
// Via of the 2xx (RFC 3581 §4, RFC 3261 §18.2.1), when that differs from
// our Contact's host and port. Without either parameter it reports false:
// the registrar said nothing about our address.
func (r *Registration) publicContact(resp *sip.Message) (sip.URI, bool) {
	via, err := resp.Via()
	if err != nil {
		return sip.URI{}, false
	}
	received := strings.Trim(via.Received(), "[]")
	rport, _ := via.RPort()
	if received == "" && rport == 0 {
		return sip.URI{}, false
	}
	host, port := via.Host, via.Port
	if received != "" {
		host = received
	}
	if rport != 0 {
		port = rport
	}
	if port == 0 {
		port = viaDefaultPort(via)
	}
	cport := r.contact.Port
	if cport == 0 {
		cport = uriDefaultPort(r.contact)
	}
	if sameHost(host, r.contact.Host) && port == cport {
		return sip.URI{}, false
	}
	u := r.contact
	u.Host, u.Port = host, port
	pub, err := cloneURI(u)
	return pub, err == nil
}

// sameHost compares hosts, IP addresses by value.
func sameHost(a, b string) bool {
	x, err := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err == nil && err2 == nil {
		return x.Unmap() == y.Unmap()
	}
	return strings.EqualFold(a, b)
}

func viaDefaultPort(v sip.Via) int {
	p, _ := transport.ParseProto(v.Transport)
	return int(transport.DefaultPort(p))
}

func uriDefaultPort(u sip.URI) int {
	if u.IsSecure() || strings.EqualFold(u.Transport(), "tls") {
		return 5061
	}
	return 5060
}

// serviceRoute returns a copy of the Service-Route of a 2xx (RFC 3608
// §6), which replaces the one before; a malformed one yields none, since
// a partial route set would send requests astray.
func serviceRoute(resp *sip.Message) []sip.NameAddr {
	var out []sip.NameAddr
	for na, err := range resp.NameAddrs("Service-Route") {
		if err != nil {
			return nil
		}
		c, err := sip.ParseNameAddr(na.String()) // a copy, not a view of resp
		if err != nil {
			return nil
		}
		out = append(out, c)
	}
	return out
}

// retryAfter returns a response's Retry-After (RFC 3261 §20.33), or 0.
func retryAfter(resp *sip.Message) time.Duration {
	v := resp.Get("Retry-After")
	if v == "" {
		return 0
	}
	ra, err := sip.ParseRetryAfter(v)
	if err != nil {
		return 0
	}
	return ra.Duration()
}
