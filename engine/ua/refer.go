package ua

import (
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// Call transfer with REFER (RFC 3515), blind or attended (Replaces, RFC
// 3891), with the transferor's identity in Referred-By (RFC 3892). The
// REFER makes an implicit subscription to the "refer" event in the call's
// dialog: the transferee reports its new call's progress in NOTIFYs whose
// message/sipfrag bodies are that call's status lines (§2.4.4, §2.4.5).

// TransferProgress reports a transfer we asked for (Transfer,
// TransferTo), in Events.TransferProgress.
type TransferProgress struct {
	// Code and Reason are the REFER's answer (202: accepted; a refusal is
	// Final), or then the status line the transferee reported of its new
	// call: 100 Trying, 180 Ringing, 200 OK, 486 Busy Here...; 408 when
	// the transferee stopped reporting before the end.
	Code   int
	Reason string
	// Final says the transfer is over: it succeeded when Code is 2xx and
	// not the REFER's own 202. The app usually hangs up the call then.
	Final bool
	Err   error
}

// referOut is a REFER of ours in a call, until its outcome is known.
type referOut struct {
	c      *Call
	req    *sip.Message
	seq    string // the REFER's CSeq number: the NOTIFYs' Event id
	tried  [2]bool
	passed bool // a 2xx came
	timer  clock.Timer
}

// Transfer asks the peer to call target instead, a blind transfer (RFC
// 3515, RFC 5589 §6): a REFER in the call with Refer-To target and
// Referred-By us. Its progress reaches Events.TransferProgress; the call
// stays up until the app hangs up.
func (c *Call) Transfer(target sip.URI) error {
	t, err := cloneURI(target)
	if err != nil || !t.IsSIP() {
		return configErr("transfer target must be a sip or sips URI")
	}
	return c.refer(sip.NameAddr{URI: t}.String())
}

// TransferTo asks the peer to call the party of other, another call of
// ours, and take that call over: an attended transfer (RFC 5589 §7), whose
// Refer-To carries a Replaces naming other's dialog (RFC 3891 §6.1). The
// app hangs up other once the transfer succeeded, if the new call has not
// replaced it already.
func (c *Call) TransferTo(other *Call) error {
	if other == c || other.ended || other.dlg == nil || other.state != Confirmed {
		return ErrState
	}
	id := other.dlg.ID()
	// The peer's INVITE reaches other's far end: its tags are named from
	// that side, so our remote tag is its to-tag (RFC 3891 §3).
	replaces := id.CallID + ";to-tag=" + id.RemoteTag + ";from-tag=" + id.LocalTag
	u := other.Remote().URI
	u.Headers = ""
	u, err := cloneURI(u)
	if err != nil || !u.IsSIP() {
		return ErrState
	}
	return c.refer("<" + u.String() + "?Replaces=" + escapeHeaderValue(replaces) + ">")
}

// escapeHeaderValue escapes s for the headers part of a SIP URI (RFC 3261
// §19.1.1, §25.1 hvalue): all but the unreserved characters.
func escapeHeaderValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte("-_.!~*'()[]/?:+$", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

// refer sends our REFER with referTo, a name-addr.
func (c *Call) refer(referTo string) error {
	switch {
	case c.ended || c.hangup || c.state != Confirmed:
		return ErrState
	case c.ua.es.referring[c] != nil:
		return ErrPending
	}
	if _, err := sip.ParseNameAddr(referTo); err != nil {
		return configWrap(err)
	}
	req, err := c.dlg.NewRequest("REFER", c.acc.via, nil, "")
	if err != nil {
		return err
	}
	req.Set("Refer-To", referTo)
	req.Set("Referred-By", c.acc.fromAddr().String())
	c.ua.es.ensure()
	r := &referOut{c: c}
	c.ua.es.referring[c] = r
	if err := r.send(req); err != nil {
		delete(c.ua.es.referring, c)
		return err
	}
	return nil
}

func (r *referOut) send(req *sip.Message) error {
	r.req = req
	cs, _ := req.CSeq()
	r.seq = strconv.FormatUint(uint64(cs.Seq), 10)
	_, err := r.c.ua.send(req, transaction.ClientFuncs{
		Response: func(_ *transaction.ClientTx, resp *sip.Message) { r.onResponse(req, resp) },
		Failure: func(_ *transaction.ClientTx, err error) {
			if r.req == req {
				code := failureCode(err)
				r.done(TransferProgress{Code: code, Reason: sip.ReasonPhrase(code), Err: err})
			}
		},
	})
	return err
}

// onResponse takes the answer to our REFER: a 2xx starts the wait for
// NOTIFYs, a refusal ends the transfer; a challenge is answered when the
// call came through the account's proxy (auth.Allowed).
func (r *referOut) onResponse(req, resp *sip.Message) {
	code := resp.StatusCode()
	if r.req != req || code < 200 || r.c.ua.es.referring[r.c] != r {
		return
	}
	c := r.c
	switch {
	case code < 300:
		r.passed = true
		r.wait(64 * c.ua.t1) // the first NOTIFY comes at once (RFC 3515 §2.4.4)
		r.report(TransferProgress{Code: code, Reason: resp.Reason()})
		return
	case code == 401 || code == 407:
		k := wwwAuth
		if code == 407 {
			k = proxyAuth
		}
		if a := c.acc.auth; a != nil && auth.Allowed("REFER", true, c.trustedRoute()) && (!r.tried[k] || a.ShouldRetry(resp)) {
			next := c.nextAttempt(req)
			if a.Authorize(next, resp) == nil {
				r.tried[k] = true
				if r.send(next) == nil {
					return
				}
			}
		}
	}
	r.done(TransferProgress{Code: code, Reason: resp.Reason()})
}

// wait (re)arms the end of the transfer when no NOTIFY comes in d.
func (r *referOut) wait(d time.Duration) {
	if r.timer != nil {
		r.timer.Stop()
	}
	r.timer = r.c.ua.clk.AfterFunc(d, func() {
		r.timer = nil
		r.done(TransferProgress{Code: 408, Reason: "No NOTIFY"})
	})
}

// done ends the transfer with its last report.
func (r *referOut) done(p TransferProgress) {
	if r.c.ua.es.referring[r.c] != r {
		return
	}
	delete(r.c.ua.es.referring, r.c)
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	p.Final = true
	r.report(p)
}

func (r *referOut) report(p TransferProgress) {
	if f := r.c.ua.cfg.Events.TransferProgress; f != nil {
		f(r.c, p)
	}
}

// onNotify takes a NOTIFY in the call's dialog: the transferee's report
// on a REFER of ours (RFC 3515 §2.4.5). Any other gets 481 (RFC 6665
// §4.1.3): we hold no other subscription in a call.
func (c *Call) onNotify(tx *transaction.ServerTx, req *sip.Message) {
	r := c.ua.es.referring[c]
	ev, err := sip.ParseEvent(req.Get("Event"))
	if r == nil || err != nil || !strings.EqualFold(ev.Package(), "refer") || (ev.ID() != "" && ev.ID() != r.seq) {
		c.ua.reply(tx, 481, "")
		return
	}
	ss, err := sip.ParseSubscriptionState(req.Get("Subscription-State"))
	if err != nil {
		c.ua.reply(tx, 400, "")
		return
	}
	c.ua.reply(tx, 200, "")
	code, reason := sipfragStatus(req.Body())
	terminated := strings.EqualFold(ss.State(), "terminated")
	switch {
	case code >= 200 || terminated:
		if code == 0 {
			code, reason = 408, "Request Timeout" // ended with no final status
		}
		r.done(TransferProgress{Code: code, Reason: reason})
	default:
		if exp, ok := ss.Expires(); ok && exp > 0 {
			r.wait(time.Duration(exp) * time.Second)
		}
		if code > 0 {
			r.report(TransferProgress{Code: code, Reason: reason})
		}
	}
}

// sipfragStatus reads the status line of a message/sipfrag body (RFC
// 3420): "SIP/2.0 180 Ringing"; 0 when it holds none.
func sipfragStatus(body []byte) (int, string) {
	line, _, _ := strings.Cut(string(body[:min(len(body), 256)]), "\n")
	line = strings.TrimRight(line, "\r")
	rest, ok := strings.CutPrefix(line, "SIP/2.0 ")
	if !ok {
		return 0, ""
	}
	num, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(num)
	if err != nil || code < 100 || code > 699 {
		return 0, ""
	}
	return code, strings.Clone(reason)
}

// Transfer is a REFER the peer sent in a call (RFC 3515): the app accepts
// it, and the UA calls the target and reports that call's progress to
// the transferor, or rejects it. The app is asked through Events.Transfer,
// where it can check the target (refusing premium numbers, say); without
// that callback every REFER is declined (603). UserData is the app's.
type Transfer struct {
	UserData any

	ua         *UA
	call       *Call
	tx         *transaction.ServerTx // until answered
	timer      clock.Timer
	target     sip.URI
	replaces   string // Replaces for the new INVITE, from Refer-To
	referredBy string
	newCall    *Call
	n          *Notifier
}

// referExpires is how long the implicit subscription of a REFER we
// accept lasts: longer than a new call rings.
const referExpires = 300 * time.Second

// onRefer takes a REFER in the call (RFC 3515 §2.4.2): checked, then
// handed to the app.
func (c *Call) onRefer(tx *transaction.ServerTx, req *sip.Message) {
	u := c.ua
	if c.state != Confirmed || c.hangup {
		u.reply(tx, 403, "")
		return
	}
	if req.Count("Refer-To") != 1 {
		u.reply(tx, 400, "One Refer-To")
		return
	}
	na, err := sip.ParseNameAddr(req.Get("Refer-To"))
	if err != nil {
		u.reply(tx, 400, "Bad Refer-To")
		return
	}
	if !na.URI.IsSIP() {
		u.reply(tx, 416, "")
		return
	}
	replaces, ok := uriReplaces(na.URI.Headers)
	target := na.URI
	target.Headers = ""
	if target, err = cloneURI(target); !ok || err != nil {
		u.reply(tx, 400, "Bad Refer-To")
		return
	}
	u.es.ensure()
	for _, t := range u.es.referred {
		if t.call == c {
			u.reply(tx, 491, "") // one transfer of a call at a time
			return
		}
	}
	f := u.cfg.Events.Transfer
	if f == nil {
		u.reply(tx, 603, "")
		return
	}
	t := &Transfer{ua: u, call: c, tx: tx, target: target, replaces: replaces, referredBy: strings.Clone(req.Get("Referred-By"))}
	if t.referredBy == "" {
		// The transferor is the peer (RFC 3892 §3).
		t.referredBy = withoutTag(c.Remote()).String()
	}
	t.timer = u.clk.AfterFunc(u.cfg.RequestTimeout, func() {
		t.timer = nil
		t.Reject(500)
	})
	f(t)
}

// uriReplaces returns the Replaces among the headers of a Refer-To URI,
// unescaped and checked; other headers are not taken into the new call.
func uriReplaces(headers string) (string, bool) {
	for h := range strings.SplitSeq(headers, "&") {
		name, value, _ := strings.Cut(h, "=")
		if !strings.EqualFold(name, "Replaces") {
			continue
		}
		v, err := sip.Unescape(value)
		if err != nil {
			return "", false
		}
		if _, err := sip.ParseReplaces(v); err != nil {
			return "", false
		}
		return v, true
	}
	return "", true
}

// Call returns the call the REFER came in.
func (t *Transfer) Call() *Call { return t.call }

// Target returns the URI we are asked to call.
func (t *Transfer) Target() sip.URI { return t.target }

// Replaces returns the Replaces header the new call carries for an
// attended transfer, "" for a blind one.
func (t *Transfer) Replaces() string { return t.replaces }

// ReferredBy returns who asked: the REFER's Referred-By, else the peer.
func (t *Transfer) ReferredBy() string { return t.referredBy }

// NewCall returns the call the transfer made, nil before Accept.
func (t *Transfer) NewCall() *Call { return t.newCall }

// Accept accepts the REFER with 202, tells the transferor "100 Trying"
// and calls the target with Referred-By (and Replaces for an attended
// transfer); the new call's progress reaches the app as any call's does,
// and the transferor in NOTIFYs. opts tune the new call; its Headers are
// added to those.
func (t *Transfer) Accept(opts CallOptions) error {
	if t.tx == nil {
		return ErrState
	}
	c, u := t.call, t.ua
	t.stopTimer()
	tx := t.tx
	t.tx = nil
	if c.ended || c.hangup || c.dlg == nil {
		u.reply(tx, 481, "")
		return ErrState
	}
	cs, _ := tx.Request().CSeq()
	u.reply(tx, 202, "")
	t.n = &Notifier{
		ua: u, acc: c.acc, id: u.newID(), call: c, dlg: c.dlg, state: Active, expires: referExpires,
		event: "refer;id=" + strconv.FormatUint(uint64(cs.Seq), 10), pkg: "refer",
	}
	t.n.ev = strconv.FormatUint(uint64(cs.Seq), 10)
	t.n.arm()
	t.notify(100, "Trying")
	opts.Headers = append(opts.Headers, [2]string{"Referred-By", t.referredBy})
	if t.replaces != "" {
		opts.Headers = append(opts.Headers, [2]string{"Replaces", t.replaces}, [2]string{"Require", "replaces"})
	}
	nc, err := c.acc.Call(t.target, opts)
	if err != nil {
		t.notify(503, "Service Unavailable")
		return err
	}
	t.newCall = nc
	u.es.referred[nc] = t
	return nil
}

// Reject refuses the REFER with code (300-699): 603 Declined, 403
// Forbidden for a target the app will not call.
func (t *Transfer) Reject(code int) error {
	if t.tx == nil {
		return ErrState
	}
	if code < 300 || code > 699 {
		return configErr("a rejection status is 300-699")
	}
	t.stopTimer()
	tx := t.tx
	t.tx = nil
	t.ua.reply(tx, code, "")
	return nil
}

func (t *Transfer) stopTimer() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// progress reports an event of the new call to the transferor: a 18x,
// then the final status, with which the implicit subscription ends (RFC
// 3515 §2.4.5).
func (t *Transfer) progress(ev CallEvent) {
	switch ev.State {
	case Early:
		t.notify(ev.Code, ev.Reason)
	case Confirmed:
		t.notify(200, "OK")
	case Disconnected:
		code, reason := ev.Code, ev.Reason
		if code < 300 {
			code, reason = 487, "Request Terminated"
		}
		t.notify(code, reason)
	}
}

// notify sends the sipfrag of one status line; a final one ends the
// subscription.
func (t *Transfer) notify(code int, reason string) {
	if code >= 200 {
		delete(t.ua.es.referred, t.newCall)
	}
	if code < 100 || t.n.ended {
		return
	}
	if reason == "" {
		reason = sip.ReasonPhrase(code)
	}
	body := []byte("SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n")
	ns := &notifyState{state: Active, ctype: "message/sipfrag;version=2.0", body: body}
	if code >= 200 {
		ns.state, ns.reason = Terminated, "noresource"
	}
	t.n.send(ns)
}
