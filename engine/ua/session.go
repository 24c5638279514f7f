package ua

import (
	"strconv"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Session timers (RFC 4028): a session interval agreed in INVITE or UPDATE
// and their 2xx, refreshed by one side (the refresher) at half the
// interval, and ended with BYE by the other when no refresh comes.

// negotiateSession decides the session timer our 2xx to req sets (RFC
// 4028 §9) and returns the Session-Expires value for it, "" for none. The
// caller's interval is taken (it is at least our Min-SE, or we answered
// 422); when it names no refresher, a caller that supports timers
// refreshes, else we do. Without a request of the caller, our own
// SessionExpires applies with us as refresher.
func (c *Call) negotiateSession(req *sip.Message) string {
	se, err := sip.ParseSessionExpires(req.Get("Session-Expires"))
	switch {
	case err == nil:
		c.session.interval = time.Duration(se.Delta) * time.Second
		switch se.Refresher() {
		case "uas":
			c.session.refresher = true
		case "uac":
			c.session.refresher = false
		default:
			c.session.refresher = !req.HasToken("Supported", "timer")
		}
	case c.ua.cfg.SessionExpires > 0 && req == c.req:
		c.session.interval, c.session.refresher = c.ua.cfg.SessionExpires, true
	default:
		c.session.interval = 0
		return ""
	}
	refresher := "uac"
	if c.session.refresher {
		refresher = "uas"
	}
	return strconv.FormatUint(uint64(seconds(c.session.interval)), 10) + ";refresher=" + refresher
}

// peerRefreshed takes a re-INVITE or UPDATE of the peer as a session
// refresh, putting the agreed Session-Expires in our 2xx.
func (c *Call) peerRefreshed(req, resp *sip.Message) {
	if !req.Has("Session-Expires") && c.session.interval == 0 {
		return
	}
	if se := c.negotiateSession(req); se != "" {
		resp.Set("Session-Expires", se)
		if !c.session.refresher {
			resp.Set("Require", "timer")
		}
	}
	c.armSessionTimer()
	// A refresh with an offer reports MediaUpdated instead, as ours do.
	if c.session.interval > 0 && req.Method() == "UPDATE" && len(req.Body()) == 0 {
		c.emit(CallEvent{Kind: Refreshed, Code: 200})
	}
}

// startSessionTimer takes the session timer of a 2xx to our INVITE,
// re-INVITE or UPDATE (RFC 4028 §7.4): none without Session-Expires, and
// we refresh when it says refresher=uac.
func (c *Call) startSessionTimer(resp *sip.Message, uac bool) {
	se, err := sip.ParseSessionExpires(resp.Get("Session-Expires"))
	if err != nil {
		c.session.stop()
		c.session.interval = 0
		return
	}
	c.session.interval = time.Duration(se.Delta) * time.Second
	c.session.refresher = (se.Refresher() != "uas") == uac
	c.armSessionTimer()
}

// armSessionTimer (re)starts the session timer for the interval agreed:
// the refresher refreshes at half of it, the other side ends the call when
// it runs out, less min(32 s, interval/3) (RFC 4028 §10).
func (c *Call) armSessionTimer() {
	c.session.stop()
	iv := c.session.interval
	if iv <= 0 || c.ended || c.hangup {
		return
	}
	if c.session.refresher {
		c.session.timer = c.ua.clk.AfterFunc(iv/2, c.refreshSession)
		return
	}
	c.session.timer = c.ua.clk.AfterFunc(iv-min(32*time.Second, iv/3), func() {
		c.session.timer = nil
		c.bye(`SIP;cause=408;text="Session expired"`)
		c.end(CallEvent{Code: 408, Reason: "Session Expired", Local: true})
	})
}

// refreshSession refreshes the session: UPDATE without body when the peer
// allows it (RFC 4028 §7.4 prefers it), else a re-INVITE with the session
// as it stands. A change under way refreshes the session when it succeeds.
func (c *Call) refreshSession() {
	c.session.timer = nil
	if c.change != nil || c.oa != oaIdle || c.reinvite != nil || c.state != Confirmed {
		c.session.timer = c.ua.clk.AfterFunc(c.ua.t1, c.refreshSession)
		return
	}
	if c.peerAllowsUpdate() {
		req, err := c.dlg.NewRequest("UPDATE", c.acc.via, nil, "")
		if err != nil {
			return
		}
		c.sendChange(&change{method: "UPDATE", req: req})
		return
	}
	c.modify("INVITE", c.hold, false)
}

// peerAllowsUpdate reports whether the peer listed UPDATE in the Allow of
// the INVITE or 2xx that set up the call (all the call keeps of it).
func (c *Call) peerAllowsUpdate() bool { return c.peerUpdate }
