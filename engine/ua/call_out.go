package ua

import (
	"errors"
	"strconv"
	"strings"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// CallOptions tune an outgoing call.
type CallOptions struct {
	// NoOffer sends the INVITE without SDP (a "delayed offer"): the peer
	// offers in its 2xx or reliable 18x and we answer in the ACK or PRACK
	// (RFC 3261 §13.2.1).
	NoOffer bool
	// Headers are added to the INVITE as they are, e.g. Answer-Mode or
	// Call-Info for intercoms; name and value pairs.
	Headers [][2]string
	// UserData is the Call's UserData from the start, so that it is there
	// in the first event.
	UserData any
}

// Call places a call to target from the account: an INVITE with an SDP
// offer from a new Media, sent through the account's proxy if any. Its
// progress reaches Events.CallEvent.
func (a *Account) Call(target sip.URI, opts CallOptions) (*Call, error) {
	u := a.ua
	switch {
	case u.closed:
		return nil, ErrClosed
	case a.removed:
		return nil, ErrState
	case u.cfg.NewMedia == nil:
		return nil, ErrNoMedia
	case !target.IsSIP():
		return nil, configErr("call target must be a sip or sips URI")
	}
	c := &Call{ua: u, acc: a, id: u.newID(), outgoing: true, state: Calling, UserData: opts.UserData}
	m, err := u.cfg.NewMedia(c)
	if err != nil {
		return nil, err
	}
	c.media = m
	var offer []byte
	if !opts.NoOffer {
		if offer, err = m.Offer(false); err != nil {
			m.Close()
			return nil, err
		}
		c.oa = oaLocalOffer
	}
	to, err := cloneURI(target)
	if err != nil {
		m.Close()
		return nil, configErr("invalid call target")
	}
	spec := sip.RequestSpec{
		Method: "INVITE", RequestURI: to, From: a.fromAddr(), To: sip.NameAddr{URI: to},
		Via: a.via, Contact: sip.NameAddr{URI: a.Contact()}, Route: a.outOfDialogRoute(),
	}
	if offer != nil {
		spec.ContentType, spec.Body = "application/sdp", offer
	}
	inv, err := sip.NewRequest(spec)
	if err != nil {
		m.Close()
		return nil, configWrap(err)
	}
	inv.Set("Allow", allowHeader)
	inv.Set("Supported", u.supported())
	if u.cfg.Rel100 == Rel100Required {
		inv.Set("Require", "100rel")
	}
	if se := u.cfg.SessionExpires; se > 0 {
		inv.Set("Session-Expires", strconv.FormatUint(uint64(seconds(se)), 10))
		inv.Set("Min-SE", strconv.FormatUint(uint64(seconds(u.cfg.MinSE)), 10))
	}
	for _, h := range opts.Headers {
		inv.Add(h[0], h[1])
	}
	c.invite, c.inviteCSeq = inv, 1 // sip.NewRequest's first CSeq
	if cs, err := inv.CSeq(); err == nil {
		c.inviteCSeq = cs.Seq
	}
	if c.inviteTx, err = u.send(inv, c.inviteHandler()); err != nil {
		m.Close()
		return nil, err
	}
	u.calls[c.id] = c
	if d := u.cfg.NoAnswerTimeout; d > 0 {
		c.noAnswer = u.clk.AfterFunc(d, func() {
			c.noAnswer = nil
			c.Hangup(`SIP;cause=408;text="No answer"`)
		})
	}
	return c, nil
}

// inviteTU is a Call as the handler of its INVITE transactions: a
// conversion, not an allocation as method values in ClientFuncs are.
type inviteTU Call

func (h *inviteTU) OnResponse(tx *transaction.ClientTx, resp *sip.Message) {
	(*Call)(h).onInviteResponse(tx, resp)
}

// BorrowsResponses: the call keeps values read from its INVITE's
// responses (dialog state, strings, the body, which media may keep), never
// a response itself; the ACKs and BYEs it builds from one are Messages of
// their own.
func (h *inviteTU) BorrowsResponses() {}

func (h *inviteTU) OnFailure(tx *transaction.ClientTx, err error) {
	(*Call)(h).onInviteFailure(tx, err)
}

func (c *Call) inviteHandler() transaction.ClientHandler { return (*inviteTU)(c) }

// inviteSeq is the CSeq number of our current INVITE.
func (c *Call) inviteSeq() uint32 { return c.inviteCSeq }

// onInviteResponse handles each response to our INVITE (RFC 3261 §13.2.2).
func (c *Call) onInviteResponse(tx *transaction.ClientTx, resp *sip.Message) {
	cs, err := resp.CSeq()
	if err != nil || cs.Seq != c.inviteSeq() {
		return // a response to an INVITE we have replaced
	}
	switch code := resp.StatusCode(); {
	case code == 100:
	case code < 200:
		c.onProvisional(resp)
	case code < 300:
		c.onInvite2xx(resp)
	default:
		c.onInviteRejected(resp)
	}
}

// onInviteFailure: no answer at all (408) or a transport failure (503).
func (c *Call) onInviteFailure(tx *transaction.ClientTx, err error) {
	if tx != c.inviteTx || c.state == Confirmed {
		return
	}
	code := 503
	if errors.Is(err, transaction.ErrTimeout) {
		code = 408
	}
	c.end(CallEvent{Code: code, Reason: sip.ReasonPhrase(code), Err: err})
}

// earlyDialog returns the dialog of resp's To tag, creating it (RFC 3261
// §12.1.2): each tag of a forked INVITE has a dialog of its own.
func (c *Call) earlyDialog(resp *sip.Message) (*dialog.Dialog, error) {
	to, err := resp.To()
	if err != nil {
		return nil, err
	}
	tag := to.Tag()
	if c.dlg != nil && c.dlg.ID().RemoteTag == tag {
		return c.dlg, nil
	}
	for _, d := range c.forks {
		if d.ID().RemoteTag == tag {
			return d, nil
		}
	}
	var d *dialog.Dialog
	switch {
	case c.invite != nil:
		d, err = dialog.NewUAC(c.invite, resp)
	case c.dlg != nil:
		d, err = c.dlg.NewFork(resp)
	default:
		err = errors.New("ua: no INVITE to make a dialog from")
	}
	if err != nil {
		return nil, err
	}
	c.addDialog(d)
	if c.dlg == nil {
		c.dlg = d
	} else {
		c.forks = append(c.forks, d)
	}
	return d, nil
}

// onProvisional handles a 101-199 (RFC 3261 §13.2.2.1, RFC 3262 §4).
func (c *Call) onProvisional(resp *sip.Message) {
	// A provisional after the 2xx comes from a proxy's other worker, or
	// the call is over: ignore it (INTEROP.md, Kamailio).
	if c.ended || c.state == Confirmed || c.cancel {
		return
	}
	if to, err := resp.To(); err != nil || to.Tag() == "" {
		return // no dialog: a progress report only
	}
	d, err := c.earlyDialog(resp)
	if err != nil {
		return
	}
	rseq, reliable := resp.RSeq()
	reliable = reliable && resp.HasToken("Require", "100rel") && c.ua.cfg.Rel100 != Rel100Off
	if reliable {
		// Only the next RSeq is taken; a retransmission or one out of
		// order is not processed (RFC 3262 §4). Each UAS of a forked
		// INVITE numbers its own, so the count is per dialog.
		tag := d.ID().RemoteTag
		if last, ok := c.rseq[tag]; ok && rseq != last+1 {
			return
		}
		if c.rseq == nil {
			c.rseq = map[string]uint32{}
		}
		c.rseq[tag] = rseq
	}
	var prackBody []byte
	media := false
	if body := resp.Body(); len(body) > 0 {
		switch {
		case c.oa == oaLocalOffer && d == c.dlg:
			// The answer, final if reliable; an unreliable one is a
			// preview the 2xx repeats (RFC 3261 §13.2.1), taken for
			// early media.
			if err := c.media.Accept(body); err == nil {
				if reliable {
					c.oa, c.answered = oaIdle, true
				}
				media = true
			}
		case c.oa == oaIdle && !c.answered && reliable:
			// An offer in a reliable 18x to our INVITE without one: the
			// answer goes in the PRACK (RFC 3262 §5).
			if ans, err := c.media.Answer(body, c.hold); err == nil {
				prackBody, c.answered, media = ans, true, true
			}
		}
	}
	if reliable {
		c.prack(d, resp, rseq, prackBody)
	}
	if c.state != Early || d == c.dlg {
		c.state = Calling // enter reports each 18x
		c.enter(Early, CallEvent{Code: resp.StatusCode(), Reason: resp.Reason()})
	}
	if media {
		c.emit(CallEvent{Kind: MediaUpdated, Code: resp.StatusCode(), Reason: resp.Reason()})
	}
}

// prack acknowledges a reliable provisional (RFC 3262 §7.2).
func (c *Call) prack(d *dialog.Dialog, resp *sip.Message, rseq uint32, body []byte) {
	ctype := ""
	if body != nil {
		ctype = "application/sdp"
	}
	req, err := d.NewRequest("PRACK", c.acc.via, body, ctype)
	if err != nil {
		return
	}
	cs, _ := resp.CSeq()
	req.Set("RAck", strconv.FormatUint(uint64(rseq), 10)+" "+strconv.FormatUint(uint64(cs.Seq), 10)+" INVITE")
	c.ua.send(req, transaction.ClientFuncs{})
}

// onInvite2xx handles a 2xx to our INVITE: the dialog of its To tag is
// confirmed and acknowledged (RFC 3261 §13.2.2.4). A 2xx of another fork
// once a call is set up, or of a call we have given up, is acknowledged
// and ended with BYE (§15).
func (c *Call) onInvite2xx(resp *sip.Message) {
	to, err := resp.To()
	if err != nil {
		return
	}
	if c.cancel && !c.ended {
		// Answered as we cancelled: acknowledge, end with BYE (§15).
		c.ackAndBye(resp)
		c.end(CallEvent{Code: resp.StatusCode(), Reason: resp.Reason(), Local: true, Cause: c.reason})
		return
	}
	if c.state == Confirmed || c.ended {
		if c.dlg != nil && c.dlg.ID().RemoteTag == to.Tag() && c.acked {
			c.resendAck(resp) // a retransmission
			return
		}
		c.ackAndBye(resp)
		return
	}
	d, err := c.earlyDialog(resp)
	if err == nil {
		err = d.Confirm(resp)
	}
	if err != nil {
		c.ackAndBye(resp)
		return
	}
	// The chosen dialog; the other early ones end with it (§13.2.2.4).
	c.useDialog(d)
	c.peerUpdate = resp.HasToken("Allow", "UPDATE")
	for _, f := range c.forks {
		if f != d {
			f.Terminate()
		}
	}
	c.forks = nil
	var ackBody []byte
	var mediaErr error
	if body := resp.Body(); len(body) > 0 {
		switch {
		case c.oa == oaLocalOffer:
			mediaErr = c.media.Accept(body)
			c.oa = oaIdle
		case !c.answered:
			ackBody, mediaErr = c.media.Answer(body, c.hold)
		}
	} else if c.oa == oaLocalOffer {
		c.oa = oaIdle // answered unreliably in an 18x; nothing better will come
	}
	c.answered = true
	c.sendInviteAck(c.invite, resp, ackBody)
	if mediaErr != nil {
		c.bye(`SIP;cause=488;text="Not Acceptable Here"`)
		c.end(CallEvent{Code: 488, Reason: "Not Acceptable Here", Err: mediaErr, Local: true})
		return
	}
	if c.noAnswer != nil {
		c.noAnswer.Stop()
		c.noAnswer = nil
	}
	c.startSessionTimer(resp, true)
	c.enter(Confirmed, CallEvent{Code: resp.StatusCode(), Reason: resp.Reason()})
	if len(resp.Body()) > 0 {
		c.emit(CallEvent{Kind: MediaUpdated, Code: resp.StatusCode()})
	}
	c.setUpDone()
}

// sendInviteAck sends the ACK of a 2xx to inv, an INVITE of ours in the
// call's dialog, and keeps what its retransmissions need: the INVITE's
// CSeq and credentials, and body (RFC 3261 §13.2.2.4).
func (c *Call) sendInviteAck(inv, resp *sip.Message, body []byte) {
	cs, _ := resp.CSeq()
	c.acked, c.ackSeq, c.ackAuth, c.ackBody = true, cs.Seq, nil, nil
	if len(body) > 0 {
		c.ackBody = body
	}
	if inv != nil {
		for _, h := range inv.Headers() {
			if n := h.Name; strings.EqualFold(n, "Authorization") || strings.EqualFold(n, "Proxy-Authorization") {
				c.ackAuth = append(c.ackAuth, sip.Header{Name: n, Value: strings.Clone(h.Value)})
			}
		}
	}
	c.resendAck(resp)
}

// resendAck acknowledges resp, the 2xx of the INVITE with CSeq c.ackSeq,
// with an ACK built anew from the dialog: a 2xx retransmitted because our
// ACK was lost gets an ACK of its own, as RFC 3261 §13.2.2.4 has the UAC
// core generate one for each 2xx, with the same credentials and body.
func (c *Call) resendAck(resp *sip.Message) {
	ack, err := c.dlg.NewAck(resp, c.ackSeq)
	if err != nil {
		return
	}
	for _, h := range c.ackAuth {
		ack.Add(h.Name, h.Value)
	}
	if c.ackBody != nil {
		ack.SetBody("application/sdp", c.ackBody)
	}
	c.ua.sendAck(ack)
	sip.ReleaseMessage(ack) // sent, and built anew for a retransmitted 2xx
}

// onStray2xx handles a 2xx that reached us after its INVITE transaction
// ended: ours is retransmitted because our ACK was lost, so send it again;
// one from an unknown fork is acknowledged and ended.
func (c *Call) onStray2xx(resp *sip.Message) {
	cs, err := resp.CSeq()
	if err != nil || cs.Method != "INVITE" {
		return
	}
	to, _ := resp.To()
	if c.acked && cs.Seq == c.ackSeq && c.dlg.ID().RemoteTag == to.Tag() {
		c.resendAck(resp)
		return
	}
	if c.outgoing && cs.Seq == c.inviteSeq() {
		c.ackAndBye(resp)
	}
}

// ackAndBye acknowledges a 2xx that creates a dialog we do not want and
// ends that dialog at once (RFC 3261 §13.2.2.4, §15).
// A retransmission of that 2xx is only acknowledged again: one BYE ends
// the dialog.
func (c *Call) ackAndBye(resp *sip.Message) {
	to, _ := resp.To()
	if ack := c.unwanted[to.Tag()]; ack != nil {
		c.ua.sendAck(ack)
		return
	}
	var d *dialog.Dialog
	var err error
	switch {
	case c.invite != nil:
		d, err = dialog.NewUAC(c.invite, resp)
	case c.dlg != nil:
		d, err = c.dlg.NewFork(resp) // the INVITE is let go of once confirmed
	default:
		return
	}
	if err != nil {
		return
	}
	cs, _ := resp.CSeq()
	if ack, err := d.NewAck(resp, cs.Seq); err == nil {
		if c.unwanted == nil {
			c.unwanted = map[string]*sip.Message{}
		}
		c.unwanted[to.Tag()] = ack
		c.ua.sendAck(ack)
	}
	if bye, err := d.NewRequest("BYE", c.acc.via, nil, ""); err == nil {
		c.ua.send(bye, transaction.ClientFuncs{})
	}
	d.Terminate()
}

// onInviteRejected handles a 3xx-6xx to our INVITE: a challenge or a 422
// is answered with a new INVITE (RFC 3261 §22.2, RFC 4028 §7.4); anything
// else ends the call.
func (c *Call) onInviteRejected(resp *sip.Message) {
	if c.ended || c.state == Confirmed {
		return
	}
	code := resp.StatusCode()
	if c.cancel {
		c.end(CallEvent{Code: code, Reason: resp.Reason(), Local: true, Cause: c.reason})
		return
	}
	switch {
	case code == 401 || code == 407:
		if c.authorize(c.invite, resp, &c.authTry, false) {
			return
		}
	case code == 422:
		if c.retryInterval(resp) {
			return
		}
	}
	if c.oa == oaLocalOffer {
		c.media.Rollback()
	}
	c.end(CallEvent{Code: code, Reason: resp.Reason()})
}

// authorize answers a challenge to req, one of our requests in the call,
// by sending it again with credentials and the next CSeq. It reports
// whether it did: only the account's realm gets credentials, only for
// requests auth.Allowed lets through, and a challenge to credentials just
// sent is answered only when stale (RFC 7616 §3.3).
func (c *Call) authorize(req, resp *sip.Message, tried *[2]bool, inDialog bool) bool {
	a := c.acc.auth
	if a == nil || !auth.Allowed(req.Method(), inDialog, c.trustedRoute()) {
		return false
	}
	k := wwwAuth
	if resp.StatusCode() == 407 {
		k = proxyAuth
	}
	if tried[k] && !a.ShouldRetry(resp) {
		return false
	}
	next := c.nextAttempt(req)
	if a.Authorize(next, resp) != nil {
		return false
	}
	tried[k] = true
	return c.resend(req, next)
}

// trustedRoute reports whether the call goes through the account's own
// proxy, whose challenges in the dialog may be answered (auth.Allowed).
func (c *Call) trustedRoute() bool { return len(c.acc.route) > 0 }

// nextAttempt copies req for a new attempt: the next CSeq and a fresh
// branch, the rest kept (RFC 3261 §8.1.3.5, §22.2).
func (c *Call) nextAttempt(req *sip.Message) *sip.Message {
	next := req.Clone()
	if req == c.invite {
		cs, _ := req.CSeq()
		next.Set("CSeq", strconv.FormatUint(uint64(cs.Seq)+1, 10)+" INVITE")
	} else {
		c.dlg.Renumber(next)
	}
	via, _ := next.Via()
	via.Params = via.Params.With("branch", sip.NewBranch())
	next.SetFirstValue("Via", via.String())
	return next
}

// resend sends next in place of old: the INVITE of the call or the
// request of the change under way.
func (c *Call) resend(old, next *sip.Message) bool {
	if old == c.invite {
		c.invite = next
		if cs, err := next.CSeq(); err == nil {
			c.inviteCSeq = cs.Seq
		}
		tx, err := c.ua.send(next, c.inviteHandler())
		if err != nil {
			return false
		}
		c.inviteTx = tx
		if c.cancel {
			tx.CancelReason(nil, c.reason)
		}
		return true
	}
	if c.change == nil || c.change.req != old {
		return false
	}
	c.change.req = next
	_, err := c.ua.send(next, c.changeHandler(c.change))
	return err == nil
}

// retryInterval answers a 422 with an INVITE asking for the Min-SE the
// 422 names (RFC 4028 §7.4), twice at most.
func (c *Call) retryInterval(resp *sip.Message) bool {
	minSE, err := sip.ParseSessionExpires(resp.Get("Min-SE"))
	if err != nil || c.seTry >= 2 {
		return false
	}
	c.seTry++
	next := c.nextAttempt(c.invite)
	v := strconv.FormatUint(uint64(minSE.Delta), 10)
	next.Set("Session-Expires", v)
	next.Set("Min-SE", v)
	return c.resend(c.invite, next)
}
