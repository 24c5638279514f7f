package ua

import (
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// incomingCall takes an INVITE out of a dialog (RFC 3261 §13.3): a new
// call, handed to the app or auto-answered.
func (u *UA) incomingCall(acc *Account, tx *transaction.ServerTx, req *sip.Message) {
	if u.cfg.NewMedia == nil {
		u.reply(tx, 503, "")
		return
	}
	if se, err := sip.ParseSessionExpires(req.Get("Session-Expires")); err == nil && time.Duration(se.Delta)*time.Second < u.cfg.MinSE {
		// Too short a session interval (RFC 4028 §8.1).
		resp := withToTag(sip.NewResponse(req, 422, ""))
		resp.Set("Min-SE", strconv.FormatUint(uint64(seconds(u.cfg.MinSE)), 10))
		u.respond(tx, resp)
		return
	}
	c := &Call{ua: u, acc: acc, id: u.newID(), state: Incoming, req: req, srv: tx, tag: sip.NewTag(),
		peerUpdate: req.HasToken("Allow", "UPDATE")}
	m, err := u.cfg.NewMedia(c)
	if err != nil {
		u.reply(tx, 503, "")
		return
	}
	c.media = m
	if body := req.Body(); len(body) > 0 {
		// The offer is answered only when the answer goes out (Ring with
		// early media, or Answer): the media starts with the answer, and
		// a device must not send its microphone before the user answers.
		c.offer, c.oa = body, oaRemoteOffer
	}
	u.calls[c.id] = c
	u.invites[tx] = c
	if d := u.cfg.NoAnswerTimeout; d > 0 {
		c.noAnswer = u.clk.AfterFunc(d, func() {
			c.noAnswer = nil
			c.Reject(480, "")
		})
	}
	delay, auto := acc.autoAnswer(req)
	if u.es.replacing[tx] != nil {
		delay, auto = 0, true // a call with Replaces takes over at once (RFC 3891 §3)
	}
	if f := u.cfg.Events.IncomingCall; f != nil {
		f(c)
	} else if !auto {
		c.Reject(480, "")
		return
	}
	if !auto || c.state != Incoming {
		return
	}
	if delay <= 0 {
		c.Answer()
		return
	}
	c.Ring(180, false)
	c.autoAns = u.clk.AfterFunc(delay, func() {
		c.autoAns = nil
		c.Answer()
	})
}

// autoAnswer says whether the account answers req by itself, and after
// how long.
func (a *Account) autoAnswer(req *sip.Message) (time.Duration, bool) {
	switch a.cfg.AutoAnswer {
	case AutoAnswerAlways:
		return a.cfg.AutoAnswerDelay, true
	case AutoAnswerOnRequest:
		return requestedAutoAnswer(req)
	}
	return 0, false
}

// requestedAutoAnswer reads what a caller asks for: "Answer-Mode: Auto"
// (RFC 5373 §5), or the de-facto intercom forms, an answer-after
// parameter in Call-Info or Alert-Info and Alert-Info's
// info=alert-autoanswer.
func requestedAutoAnswer(req *sip.Message) (time.Duration, bool) {
	if v, err := sip.ParseValueParams(req.Get("Answer-Mode")); err == nil && strings.EqualFold(v.Value, "Auto") {
		return 0, true
	}
	for _, h := range [...]string{"Call-Info", "Alert-Info"} {
		var room [2]sip.NameAddr
		values, _ := req.AppendNameAddrs(h, room[:0]) // those before a malformed one count
		for _, na := range values {
			if v, ok := na.Params.Get("answer-after"); ok {
				n, err := strconv.ParseUint(v, 10, 16)
				if err == nil {
					return time.Duration(n) * time.Second, true
				}
			}
			if v, _ := na.Params.Get("info"); strings.EqualFold(v, "alert-autoanswer") {
				return 0, true
			}
		}
	}
	return 0, false
}

// reliable reports whether our provisional responses to the call's INVITE
// go reliably (RFC 3262 §3).
func (c *Call) reliable() bool {
	switch {
	case c.ua.cfg.Rel100 == Rel100Off:
		return false
	case c.req.HasToken("Require", "100rel"):
		return true
	}
	return c.ua.cfg.Rel100 == Rel100Required && c.req.HasToken("Supported", "100rel")
}

// response builds a response to the call's INVITE with our To tag and,
// for 101-299, our Contact.
func (c *Call) response(code int, reason string) *sip.Message {
	resp := sip.NewResponse(c.req, code, reason)
	resp.SetToTag(c.tag)
	if code > 100 && code < 300 {
		resp.Set("Contact", sip.NameAddr{URI: c.acc.Contact()}.String())
	}
	return resp
}

// Ring sends a provisional response, 180 Ringing or 183 Session Progress
// for instance (100-199; a 100 only says the INVITE arrived). earlyMedia puts our answer to the caller's offer
// in it (RFC 3261 §13.3.1.1, RFC 3960). When the caller requires 100rel
// (or supports it and Config.Rel100 is Rel100Required) it goes reliably,
// retransmitted until the PRACK (RFC 3262 §3); a second one cannot go
// before the first is acknowledged (ErrPending).
func (c *Call) Ring(code int, earlyMedia bool) error {
	if c.outgoing || (c.state != Incoming && c.state != Early) {
		return ErrState
	}
	if code == 100 {
		// 100 Trying has no To tag and makes no dialog (RFC 3261 §8.2.6.1).
		return c.ua.respond(c.srv, sip.NewResponse(c.req, 100, ""))
	}
	if code < 100 || code >= 200 {
		return configErr("a provisional status is 100-199")
	}
	reliable := c.reliable()
	if reliable && c.relResp != nil {
		return ErrPending
	}
	resp := c.response(code, "")
	if earlyMedia && c.oa == oaRemoteOffer {
		ans, err := c.ourAnswer()
		if err != nil {
			return err
		}
		resp.SetBody("application/sdp", ans)
	}
	if reliable {
		if earlyMedia && c.answer == nil && c.oa == oaIdle && !c.answered {
			// An INVITE without offer: ours goes in the reliable 18x and
			// the answer comes in the PRACK (RFC 3262 §5).
			offer, err := c.media.Offer(c.hold)
			if err != nil {
				return err
			}
			resp.SetBody("application/sdp", offer)
			c.oa = oaLocalOffer
		}
		c.relSeq++
		resp.Set("Require", "100rel")
		resp.Set("RSeq", strconv.FormatUint(uint64(c.relSeq), 10))
		if len(resp.Body()) > 0 && c.oa == oaRemoteOffer {
			c.oa, c.answered = oaIdle, true // a reliable answer is final
		}
	}
	if err := c.uasDialog(resp); err != nil {
		return err
	}
	if err := c.ua.respond(c.srv, resp); err != nil {
		return err
	}
	if reliable {
		c.relResp = resp
		c.retrans.start(c.ua, func() { c.srv.Respond(resp) }, func() {
			// No PRACK: refuse the INVITE (RFC 3262 §3).
			c.relResp = nil
			c.Reject(504, "")
		})
	}
	if c.state != Early {
		c.enter(Early, CallEvent{Code: code, Reason: resp.Reason(), Local: true})
	}
	return nil
}

// uasDialog makes the call's dialog from the first response with our tag
// (early for a 18x, confirmed for the 2xx, RFC 3261 §12.1.1), or confirms
// the early one with the 2xx.
func (c *Call) uasDialog(resp *sip.Message) error {
	if c.dlg != nil {
		if resp.StatusCode() >= 200 {
			return c.dlg.Confirm(resp)
		}
		return nil
	}
	d, err := dialog.NewUAS(c.req, resp)
	if err != nil {
		return err
	}
	c.dlg = d
	c.addDialog(d)
	return nil
}

// ourAnswer answers the caller's offer, once: the same answer goes in
// every 18x and the 2xx (RFC 3261 §13.2.1). An offer the media refuses
// ends the call with 488 (§13.3.1.3), and the error says why.
func (c *Call) ourAnswer() ([]byte, error) {
	if c.answer == nil {
		ans, err := c.media.Answer(c.offer, c.hold)
		if err != nil {
			c.Reject(488, "")
			return nil, err
		}
		c.answer = ans
	}
	return c.answer, nil
}

// Answer accepts the call with 200 OK, carrying our answer to the caller's
// offer or, for an INVITE without one, our offer (RFC 3261 §13.3.1.4).
// The 2xx is retransmitted until the ACK, which confirms the call. While a
// reliable 18x waits for its PRACK the 200 waits too.
func (c *Call) Answer() error {
	if c.outgoing || (c.state != Incoming && c.state != Early) {
		return ErrState
	}
	if c.relResp != nil {
		c.answerOK = true
		return nil
	}
	resp := c.response(200, "")
	resp.Set("Allow", allowHeader)
	resp.Set("Supported", c.ua.supported())
	switch {
	case c.oa == oaRemoteOffer:
		ans, err := c.ourAnswer()
		if err != nil {
			return err
		}
		resp.SetBody("application/sdp", ans)
		c.oa, c.answered = oaIdle, true
	case c.answer == nil && !c.answered && c.oa == oaIdle:
		offer, err := c.media.Offer(c.hold)
		if err != nil {
			return err
		}
		resp.SetBody("application/sdp", offer)
		c.oa = oaLocalOffer
	}
	if auto, ok := requestedAutoAnswer(c.req); ok && auto == 0 && c.acc.cfg.AutoAnswer == AutoAnswerOnRequest {
		resp.Set("Answer-Mode", "Auto") // RFC 5373 §6: how we answered
	}
	if se := c.negotiateSession(c.req); se != "" {
		resp.Set("Session-Expires", se)
		if !c.session.refresher {
			resp.Set("Require", "timer")
		}
	}
	if err := c.uasDialog(resp); err != nil {
		return err
	}
	if err := c.ua.respond(c.srv, resp); err != nil {
		c.end(CallEvent{Code: 503, Err: err, Local: true})
		return err
	}
	delete(c.ua.invites, c.srv)
	c.final = resp
	c.retrans.start(c.ua, func() { c.srv.Respond(resp) }, c.noAck)
	if c.noAnswer != nil {
		c.noAnswer.Stop()
		c.noAnswer = nil
	}
	c.enter(Connecting, CallEvent{Code: 200, Reason: "OK", Local: true})
	return nil
}

// noAck ends a call whose 2xx got no ACK in 64*T1 (RFC 3261 §13.3.1.4).
func (c *Call) noAck() {
	c.final = nil
	if bye := c.byeLater; bye != nil {
		c.byeLater = nil
		c.ua.send(bye, transaction.ClientFuncs{})
	} else {
		c.bye(`SIP;cause=408;text="No ACK"`)
	}
	c.end(CallEvent{Code: 408, Reason: "No ACK", Local: true})
}

// Reject refuses an incoming call that has no final answer yet with code
// (300-699) and reason ("" for the standard phrase).
func (c *Call) Reject(code int, reason string) error {
	if c.outgoing || (c.state != Incoming && c.state != Early) {
		return ErrState
	}
	if code < 300 || code > 699 {
		return configErr("a rejection status is 300-699")
	}
	c.retrans.stop()
	c.relResp = nil
	resp := c.response(code, reason)
	delete(c.ua.invites, c.srv)
	c.ua.respond(c.srv, resp)
	c.end(CallEvent{Code: code, Reason: resp.Reason(), Local: true})
	return nil
}

// cancelled handles a CANCEL of the call's INVITE (RFC 3261 §9.2).
func (c *Call) cancelled(cancel *sip.Message) {
	if c.state != Incoming && c.state != Early {
		return
	}
	c.retrans.stop()
	delete(c.ua.invites, c.srv)
	c.ua.respond(c.srv, c.response(487, ""))
	c.end(CallEvent{Code: 487, Reason: "Request Terminated", Cause: cancel.Get("Reason")})
}

// serverFailed: the INVITE transaction could not deliver our answer.
func (c *Call) serverFailed(err error) {
	delete(c.ua.invites, c.srv)
	c.end(CallEvent{Code: 503, Err: err})
}

// onAck takes the ACK of our 2xx: the initial one confirms the call, one
// for a re-INVITE ends that exchange; either may carry the answer to the
// offer our 2xx made (RFC 3261 §13.3.1.4, §14.2).
func (c *Call) onAck(ack *sip.Message) {
	if c.final == nil {
		return
	}
	cs, err := ack.CSeq()
	fcs, _ := c.final.CSeq()
	if err != nil || cs.Seq != fcs.Seq {
		return
	}
	c.retrans.stop()
	c.final = nil
	if c.hangup {
		if bye := c.byeLater; bye != nil {
			c.byeLater = nil
			c.sendBye(bye, bye.Get("Reason"))
		}
		return
	}
	media := false
	if c.oa == oaLocalOffer {
		c.oa = oaIdle
		if body := ack.Body(); len(body) > 0 {
			if err := c.media.Accept(body); err != nil {
				c.bye(`SIP;cause=488;text="Not Acceptable Here"`)
				c.end(CallEvent{Code: 488, Err: err, Local: true})
				return
			}
			media = true
		} else {
			c.media.Rollback()
		}
	}
	if c.reinvite != nil {
		c.reinvite = nil
		if media {
			c.emit(CallEvent{Kind: MediaUpdated})
		}
		return
	}
	c.armSessionTimer()
	c.enter(Confirmed, CallEvent{Code: 200, Reason: "OK"})
	c.setUpDone()
}
