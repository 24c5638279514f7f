package ua

import (
	"strconv"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// InfoMedia is a Media that takes the SIP INFO bodies meant for it: the
// DTMF of application/dtmf-relay and application/dtmf, the fallback for
// peers without RFC 4733 telephone-events. ReceiveInfo reports whether the
// body was one of those; the others go to the app (Events.Request).
type InfoMedia interface {
	ReceiveInfo(contentType string, body []byte) bool
}

// DTMFMedia is a Media that sends DTMF in the media stream (RFC 4733). An
// error means it cannot (no telephone-event agreed): SendDTMF then falls
// back to SIP INFO.
type DTMFMedia interface {
	SendDTMF(digit rune, duration time.Duration) error
}

// SendInfo sends an INFO in the call's dialog (RFC 6086) with body of
// contentType, outside any Info Package (the legacy usage, §2). A 481 or
// 408 in answer ends the call (RFC 5057 §5.2).
func (c *Call) SendInfo(contentType string, body []byte) error {
	return c.sendInfo("", contentType, body)
}

// sendInfo sends an INFO, of the Info Package pkg unless it is "".
func (c *Call) sendInfo(pkg, contentType string, body []byte) error {
	if c.ended || c.hangup || c.dlg == nil || (c.state != Confirmed && c.state != Early) {
		return ErrState
	}
	req, err := c.dlg.NewRequest("INFO", c.acc.via, body, contentType)
	if err != nil {
		return err
	}
	if pkg != "" {
		req.Set("Info-Package", pkg)
		if len(body) > 0 {
			req.Set("Content-Disposition", "Info-Package")
		}
	}
	_, err = c.ua.send(req, transaction.ClientFuncs{
		Response: func(_ *transaction.ClientTx, resp *sip.Message) {
			if code := resp.StatusCode(); code == 481 || code == 408 {
				c.bye("")
				c.end(CallEvent{Code: code, Reason: resp.Reason()})
			}
		},
	})
	return err
}

// SendDTMF sends one digit (0-9 * # A-D): in the media as an RFC 4733
// telephone-event when the Media can, else as a SIP INFO with an
// application/dtmf-relay body. It reports which way it went.
func (c *Call) SendDTMF(digit rune, duration time.Duration) (viaInfo bool, err error) {
	if !validDigit(digit) {
		return false, configErr("DTMF digit must be 0-9 * # A-D")
	}
	if c.ended || c.hangup || c.state != Confirmed {
		return false, ErrState
	}
	if m, ok := c.media.(DTMFMedia); ok && m.SendDTMF(digit, duration) == nil {
		return false, nil
	}
	if duration <= 0 {
		duration = 100 * time.Millisecond
	}
	body := "Signal=" + string(digit) + "\r\nDuration=" + strconv.Itoa(int(duration/time.Millisecond)) + "\r\n"
	return true, c.SendInfo("application/dtmf-relay", []byte(body))
}

func validDigit(d rune) bool {
	return d >= '0' && d <= '9' || d == '*' || d == '#' || d >= 'A' && d <= 'D'
}

// onInfo takes an INFO of the peer: DTMF for the Media, the rest for the
// app.
func (c *Call) onInfo(tx *transaction.ServerTx, req *sip.Message) {
	if m, ok := c.media.(InfoMedia); ok && !c.mediaClosed {
		if ct, err := sip.ParseMediaType(req.Get("Content-Type")); err == nil &&
			m.ReceiveInfo(strings.ToLower(ct.Type+"/"+ct.Subtype), req.Body()) {
			c.ua.reply(tx, 200, "")
			return
		}
	}
	c.ua.handOver(tx, req, c.acc, c)
}
