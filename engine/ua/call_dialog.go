package ua

import (
	"errors"
	"strconv"
	"time"

	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// onRequest takes a request within one of the call's dialogs (RFC 3261
// §12.2.2) and answers it.
func (c *Call) onRequest(tx *transaction.ServerTx, req *sip.Message, id dialog.ID) {
	d := c.dlg
	for _, f := range c.forks {
		if f.ID() == id {
			d = f
		}
	}
	if d == nil || d.ID() != id {
		c.ua.reply(tx, 481, "")
		return
	}
	if err := d.ReceiveRequest(req); err != nil {
		switch {
		case errors.Is(err, dialog.ErrOutOfOrder):
			c.ua.reply(tx, 500, "")
		case errors.Is(err, dialog.ErrBadMessage):
			c.ua.reply(tx, 400, "")
		default:
			c.ua.reply(tx, 481, "")
		}
		return
	}
	if rej := c.ua.policy.Inspect(req); rej != nil {
		c.ua.respond(tx, rej.Response(req))
		return
	}
	switch req.Method() {
	case "BYE":
		c.onBye(tx, req)
	case "INVITE":
		c.onReinvite(tx, req)
	case "UPDATE":
		c.onUpdate(tx, req)
	case "PRACK":
		c.onPrack(tx, req)
	case "OPTIONS":
		c.ua.respond(tx, c.ua.optionsResponse(req))
	case "INFO":
		c.onInfo(tx, req)
	case "REFER":
		c.onRefer(tx, req)
	case "NOTIFY":
		c.onNotify(tx, req)
	case "MESSAGE":
		c.ua.incomingMessage(c.acc, tx, req, c)
	default:
		c.ua.handOver(tx, req, c.acc, c)
	}
}

// onBye ends the call (RFC 3261 §15.1.2); a BYE before our final answer
// also ends the INVITE with 487.
func (c *Call) onBye(tx *transaction.ServerTx, req *sip.Message) {
	c.ua.reply(tx, 200, "")
	if !c.outgoing && (c.state == Incoming || c.state == Early) {
		c.retrans.stop()
		delete(c.ua.invites, c.srv)
		c.ua.respond(c.srv, c.response(487, ""))
	}
	c.end(CallEvent{Code: 200, Reason: "BYE", Cause: req.Get("Reason")})
}

// retryLater answers a request that crosses one of ours: 491 when both
// carry offers (glare, RFC 3261 §14.2, RFC 3311 §5.2), else 500 with a
// Retry-After of up to 10 s.
func (c *Call) retryLater(tx *transaction.ServerTx, glare bool) {
	if glare {
		c.ua.reply(tx, 491, "")
		return
	}
	resp := sip.NewResponse(tx.Request(), 500, "")
	resp.Set("Retry-After", strconv.Itoa(int(c.ua.jitter(0, 10*time.Second)/time.Second)))
	c.ua.respond(tx, resp)
}

// onReinvite answers a re-INVITE (RFC 3261 §14.2): its offer with our
// answer, or, without one, our offer, whose answer the ACK brings.
func (c *Call) onReinvite(tx *transaction.ServerTx, req *sip.Message) {
	switch {
	case c.oa == oaLocalOffer || (c.change != nil && c.change.method == "INVITE"):
		c.retryLater(tx, true)
		return
	case c.state != Confirmed || c.reinvite != nil || c.oa == oaRemoteOffer:
		c.retryLater(tx, false)
		return
	}
	resp := c.inDialogOK(req)
	if body := req.Body(); len(body) > 0 {
		ans, err := c.media.Answer(body, c.hold)
		if err != nil {
			c.ua.reply(tx, 488, "")
			return
		}
		resp.SetBody("application/sdp", ans)
	} else {
		offer, err := c.media.Offer(c.hold)
		if err != nil {
			c.ua.reply(tx, 500, "")
			return
		}
		resp.SetBody("application/sdp", offer)
		c.oa = oaLocalOffer
	}
	c.peerRefreshed(req, resp)
	if err := c.ua.respond(tx, resp); err != nil {
		return
	}
	c.reinvite, c.final = tx, resp
	c.retrans.start(c.ua, func() { tx.Respond(resp) }, c.noAck)
	if len(req.Body()) > 0 {
		c.emit(CallEvent{Kind: MediaUpdated, Code: 200})
	}
}

// onUpdate answers an UPDATE (RFC 3311 §5.2): an offer with our answer,
// no body as a plain session refresh.
func (c *Call) onUpdate(tx *transaction.ServerTx, req *sip.Message) {
	resp := c.inDialogOK(req)
	if body := req.Body(); len(body) > 0 {
		switch {
		case c.oa == oaLocalOffer:
			c.retryLater(tx, true)
			return
		case c.oa == oaRemoteOffer:
			c.retryLater(tx, false)
			return
		}
		ans, err := c.media.Answer(body, c.hold)
		if err != nil {
			c.ua.reply(tx, 488, "")
			return
		}
		resp.SetBody("application/sdp", ans)
	}
	c.peerRefreshed(req, resp)
	c.ua.respond(tx, resp)
	if len(req.Body()) > 0 {
		c.emit(CallEvent{Kind: MediaUpdated, Code: 200})
	}
}

// inDialogOK is the 200 to a target refresh request of the peer.
func (c *Call) inDialogOK(req *sip.Message) *sip.Message {
	resp := sip.NewResponse(req, 200, "")
	resp.Set("Contact", c.dlg.LocalTarget().String())
	resp.Set("Allow", allowHeader)
	resp.Set("Supported", c.ua.supported())
	return resp
}

// onPrack takes the PRACK of our reliable provisional (RFC 3262 §3): the
// retransmissions stop, its body answers an offer our 18x made, and an
// Answer that waited goes out.
func (c *Call) onPrack(tx *transaction.ServerTx, req *sip.Message) {
	rack, err := sip.ParseRAck(req.Get("RAck"))
	if c.relResp == nil || err != nil {
		c.ua.reply(tx, 481, "")
		return
	}
	rseq, _ := c.relResp.RSeq()
	cs, _ := c.relResp.CSeq()
	if rack.RSeq != rseq || rack.CSeq != cs.Seq || rack.Method != "INVITE" {
		c.ua.reply(tx, 481, "")
		return
	}
	c.retrans.stop()
	c.relResp = nil
	if body := req.Body(); len(body) > 0 && c.oa == oaLocalOffer {
		if err := c.media.Accept(body); err == nil {
			c.oa, c.answered = oaIdle, true
			c.emit(CallEvent{Kind: MediaUpdated})
		}
	}
	c.ua.reply(tx, 200, "")
	if c.answerOK {
		c.answerOK = false
		c.Answer()
	}
}

// Hold puts the call on hold with a re-INVITE whose offer makes our
// streams sendonly (RFC 3264 §8.4); MediaUpdated reports it done,
// ChangeFailed refused.
func (c *Call) Hold() error { return c.modify("INVITE", true, false) }

// Resume takes the call off hold with a re-INVITE.
func (c *Call) Resume() error { return c.modify("INVITE", false, false) }

// Reoffer sends a new offer for the session as it stands, by re-INVITE or
// UPDATE (method), after a change of the media (codec, address).
func (c *Call) Reoffer(method string) error {
	if method != "INVITE" && method != "UPDATE" {
		return configErr("a re-offer goes by INVITE or UPDATE")
	}
	return c.modify(method, c.hold, false)
}

// modify starts a re-INVITE or UPDATE with a new offer (RFC 3261 §14.1,
// RFC 3311 §5.1).
func (c *Call) modify(method string, hold, moved bool) error {
	switch {
	case c.ended || c.hangup || c.state != Confirmed:
		return ErrState
	case c.change != nil || c.oa != oaIdle || c.reinvite != nil:
		return ErrPending
	}
	if c.glare != nil {
		c.glare.Stop()
		c.glare = nil
	}
	offer, err := c.media.Offer(hold)
	if err != nil {
		return err
	}
	req, err := c.dlg.NewRequest(method, c.acc.via, offer, "application/sdp")
	if err != nil {
		c.media.Rollback()
		return err
	}
	ch := &change{method: method, hold: hold, offer: true, req: req, moved: moved}
	c.sendChange(ch)
	return nil
}

// sendChange sends a change request, with the headers every re-INVITE or
// UPDATE of ours carries.
func (c *Call) sendChange(ch *change) {
	req := ch.req
	req.Set("Allow", allowHeader)
	req.Set("Supported", c.ua.supported())
	if c.session.interval > 0 {
		// The refresher keeps its role: "uac" names us as the sender of
		// this request (RFC 4028 §7.4).
		role := "uas"
		if c.session.refresher {
			role = "uac"
		}
		req.Set("Session-Expires", strconv.FormatUint(uint64(seconds(c.session.interval)), 10)+";refresher="+role)
		req.Set("Min-SE", strconv.FormatUint(uint64(seconds(c.ua.cfg.MinSE)), 10))
	}
	c.change = ch
	if ch.offer {
		c.oa = oaLocalOffer
	}
	if _, err := c.ua.send(req, c.changeHandler(ch)); err != nil {
		c.changeFailed(ch, 503, "", err)
	}
}

func (c *Call) changeHandler(ch *change) transaction.ClientHandler {
	return transaction.ClientFuncs{
		Response: func(_ *transaction.ClientTx, resp *sip.Message) { c.onChangeResponse(ch, resp) },
		Failure: func(_ *transaction.ClientTx, err error) {
			if c.change != ch {
				return
			}
			// No answer to a re-INVITE or UPDATE: the peer is gone, end
			// the dialog (RFC 3261 §14.1, RFC 5057 §5.2).
			c.changeFailed(ch, 408, "", err)
			c.bye("")
			c.end(CallEvent{Code: 408, Reason: "Request Timeout", Err: err})
		},
	}
}

// onChangeResponse handles the answer to our re-INVITE or UPDATE.
func (c *Call) onChangeResponse(ch *change, resp *sip.Message) {
	code := resp.StatusCode()
	if code < 200 {
		return
	}
	cs, _ := resp.CSeq()
	if c.change != ch || cs.Seq != mustSeq(ch.req) {
		if code < 300 && ch.method == "INVITE" && c.acked && cs.Seq == c.ackSeq {
			c.resendAck(resp) // a retransmitted 2xx: our ACK was lost
		}
		return
	}
	switch {
	case code < 300:
		c.changeDone(ch, resp)
	case code == 401 || code == 407:
		if !c.authorize(ch.req, resp, &ch.auth, true) {
			c.changeFailed(ch, code, resp.Reason(), nil)
		}
	case code == 491:
		// Glare: try again after the §14.1 interval, longer for the
		// owner of the Call-ID so the two sides do not collide again.
		c.changeFailed(ch, 0, "", nil)
		lo, hi := time.Duration(0), 2*time.Second
		if c.outgoing {
			lo, hi = 2100*time.Millisecond, 4*time.Second
		}
		c.glare = c.ua.clk.AfterFunc(c.ua.jitter(lo, hi), func() {
			c.glare = nil
			if c.modify(ch.method, ch.hold, ch.moved) != nil && !c.ended {
				c.emit(CallEvent{Kind: ChangeFailed, Code: 491, Reason: "Request Pending"})
			}
		})
	case code == 481 || code == 408:
		// The dialog is gone at the far end (RFC 5057 §5.2).
		c.changeFailed(ch, code, resp.Reason(), nil)
		c.bye("")
		c.end(CallEvent{Code: code, Reason: resp.Reason()})
	default:
		c.changeFailed(ch, code, resp.Reason(), nil)
		c.emit(CallEvent{Kind: ChangeFailed, Code: code, Reason: resp.Reason()})
	}
}

// changeDone completes a change the peer accepted.
func (c *Call) changeDone(ch *change, resp *sip.Message) {
	c.change = nil
	c.dlg.ReceiveResponse(ch.req, resp)
	var mediaErr error
	if ch.offer {
		c.oa = oaIdle
		if body := resp.Body(); len(body) > 0 {
			mediaErr = c.media.Accept(body)
		} else {
			mediaErr = errors.New("ua: 2xx without the answer to our offer")
			c.media.Rollback()
		}
	}
	if ch.method == "INVITE" {
		c.sendInviteAck(ch.req, resp, nil)
	}
	if mediaErr != nil {
		c.bye(`SIP;cause=488;text="Not Acceptable Here"`)
		c.end(CallEvent{Code: 488, Err: mediaErr, Local: true})
		return
	}
	if ch.offer {
		c.hold = ch.hold
	}
	c.startSessionTimer(resp, true)
	kind := MediaUpdated
	if !ch.offer {
		kind = Refreshed
	}
	c.emit(CallEvent{Kind: kind, Code: resp.StatusCode(), Reason: resp.Reason(), Local: true})
}

// changeFailed gives up a change: the offer is forgotten.
func (c *Call) changeFailed(ch *change, code int, reason string, err error) {
	if c.change != ch {
		return
	}
	c.change = nil
	if ch.offer && c.oa == oaLocalOffer {
		c.oa = oaIdle
		c.media.Rollback()
	}
}

func mustSeq(m *sip.Message) uint32 {
	cs, _ := m.CSeq()
	return cs.Seq
}

// moved tells the peer our new Contact after a network change, by
// re-INVITE with a new offer (the media moved too) or, when one is under
// way, as soon as it ends.
func (c *Call) moved() {
	if c.ended || c.hangup || c.dlg == nil {
		return
	}
	c.dlg.SetLocalTarget(sip.NameAddr{URI: c.acc.Contact()})
	if c.state != Confirmed {
		return
	}
	if c.modify("INVITE", c.hold, true) == ErrPending {
		c.glare = c.ua.clk.AfterFunc(c.ua.t1, c.moved)
	}
}
