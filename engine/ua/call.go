package ua

import (
	"errors"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
)

// CallState is where a call stands.
type CallState uint8

// The states of a call, in the order a call goes through them.
const (
	// Calling: our INVITE is out, no provisional response with a To tag
	// has come.
	Calling CallState = iota + 1
	// Incoming: an INVITE came in and waits for the app's answer.
	Incoming
	// Early: an early dialog exists: 18x received (outgoing) or sent
	// (incoming); early media may flow.
	Early
	// Connecting: we sent the 2xx and wait for the ACK.
	Connecting
	// Confirmed: the call is up.
	Confirmed
	// Disconnected: the call is over; CallEvent.Code says why.
	Disconnected
)

// String returns the state's name.
func (s CallState) String() string {
	switch s {
	case Calling:
		return "Calling"
	case Incoming:
		return "Incoming"
	case Early:
		return "Early"
	case Connecting:
		return "Connecting"
	case Confirmed:
		return "Confirmed"
	case Disconnected:
		return "Disconnected"
	}
	return "CallState(" + itoa(int(s)) + ")"
}

// CallEventKind says what a CallEvent reports.
type CallEventKind uint8

const (
	// StateChanged: the call entered CallEvent.State.
	StateChanged CallEventKind = iota + 1
	// MediaUpdated: an offer/answer exchange completed within the call
	// (hold, resume, a re-INVITE or UPDATE either way, an answer in a
	// 18x): the Media holds the new session.
	MediaUpdated
	// ChangeFailed: our re-INVITE or UPDATE failed (Code says how); the
	// session stays as it was.
	ChangeFailed
	// Refreshed: a session refresh (RFC 4028) without offer succeeded,
	// ours or the peer's: an UPDATE without body. A refresh by re-INVITE
	// carries an offer and reports MediaUpdated.
	Refreshed
)

// CallEvent is what the app hears about a call.
type CallEvent struct {
	Kind  CallEventKind
	State CallState // the call's state after the event
	// Code and Reason are the status behind the event: the response
	// received or sent that caused it, 408 for a timeout, 503 for a
	// transport failure; for a Disconnected by BYE, 200 (the BYE's
	// Reason header, if any, is in Cause). 0 when no response is
	// involved.
	Code   int
	Reason string
	// Cause is the Reason header (RFC 3326) of the peer's BYE or CANCEL.
	Cause string
	// Local says the event follows an action of ours (hangup, hold...).
	Local bool
	Err   error
}

// oaState tracks the offer/answer exchange of a call (RFC 3264, RFC 6337).
type oaState uint8

const (
	oaIdle        oaState = iota // no offer outstanding
	oaLocalOffer                 // we sent an offer, await the answer
	oaRemoteOffer                // we received an offer, owe the answer
)

// Call is one INVITE session (RFC 3261 §13-15), outgoing or incoming, with
// its dialog, offer/answer state and timers. UserData is the app's.
type Call struct {
	UserData any

	ua    *UA
	acc   *Account
	id    uint64
	media Media
	dlg   *dialog.Dialog   // the dialog in use (early or confirmed)
	forks []*dialog.Dialog // UAC: the other early dialogs of a forked INVITE
	ids   []dialog.ID      // the IDs registered in ua.dialogs for this call besides dlg's

	// Outgoing: the INVITE and its transaction, both let go of once the
	// call is confirmed (a confirmed call keeps what it needs to ACK a
	// retransmitted 2xx, not whole messages).
	invite   *sip.Message
	inviteTx *transaction.ClientTx
	ackAuth  []sip.Header            // credentials of the INVITE acknowledged, which its ACK repeats (RFC 3261 §13.2.2.4)
	ackBody  []byte                  // the answer our ACK carried, nil for none
	reason   string                  // Reason header of a hangup while the INVITE was pending
	byeLater *sip.Message            // incoming: hung up while Connecting, the BYE for the ACK
	rseq     map[string]uint32       // RSeq of the last reliable provisional PRACKed, by To tag
	unwanted map[string]*sip.Message // ACKs of the 2xx we ended with BYE, by To tag

	// Incoming: the INVITE, its transaction and our answers; the INVITE
	// and its transaction are let go of once the call is confirmed.
	req     *sip.Message
	srv     *transaction.ServerTx
	tag     string        // our To tag
	offer   []byte        // the INVITE's offer, a view into req, until answered
	answer  []byte        // our answer to it, the same in every 18x and the 2xx
	final   *sip.Message  // the 2xx retransmitted until the ACK
	relResp *sip.Message  // the reliable provisional awaiting PRACK
	retrans retransmitter // of final or relResp

	change   *change
	reinvite *transaction.ServerTx // a re-INVITE of the peer awaiting our ACK or answer

	noAnswer clock.Timer
	autoAns  clock.Timer
	glare    clock.Timer
	session  sessionTimer

	// The small fields, together so that padding does not add up (every
	// held call has one Call).
	inviteCSeq  uint32 // CSeq number of our current INVITE
	ackSeq      uint32 // CSeq of the INVITE the ACK is for
	relSeq      uint32 // our RSeq counter
	state       CallState
	oa          oaState
	outgoing    bool
	ended       bool    // Disconnected was emitted
	authTry     [2]bool // a 401 / 407 was answered already for the INVITE
	seTry       uint8   // 422s answered
	acked       bool    // we sent the ACK of the 2xx of INVITE ackSeq
	peerUpdate  bool    // the peer's INVITE or 2xx allowed UPDATE
	cancel      bool    // the app hung up while the INVITE was pending
	hangup      bool    // we hung up: the BYE's or CANCEL's outcome ends the call
	mediaClosed bool
	answered    bool // an answer to our INVITE offer was taken
	answerOK    bool // Answer called while a reliable 18x waits for PRACK
	hold        bool // we hold the call
}

// change is a re-INVITE or UPDATE of ours under way.
type change struct {
	method string
	hold   bool
	offer  bool // it carries an offer
	req    *sip.Message
	auth   [2]bool
	moved  bool // a NetworkChanged target refresh
}

// ID returns the call's id, unique within the UA.
func (c *Call) ID() uint64 { return c.id }

// Account returns the account the call belongs to.
func (c *Call) Account() *Account { return c.acc }

// State returns the call's state.
func (c *Call) State() CallState { return c.state }

// Outgoing reports whether we placed the call.
func (c *Call) Outgoing() bool { return c.outgoing }

// Media returns the call's media.
func (c *Call) Media() Media { return c.media }

// Held reports whether we hold the call.
func (c *Call) Held() bool { return c.hold }

// Dialog returns the call's dialog, nil before one exists.
func (c *Call) Dialog() *dialog.Dialog { return c.dlg }

// Request returns the INVITE that created the call, ours or the peer's,
// while the call is being set up: read what it carries (caller identity,
// Call-Info...) from IncomingCall or the events before Confirmed. A
// confirmed or ended call has let go of it, to hold only what it needs,
// and returns nil.
func (c *Call) Request() *sip.Message {
	if c.outgoing {
		return c.invite
	}
	return c.req
}

// Remote returns the peer's address: the To of our INVITE, or the From of
// the peer's (the caller identity; a P-Asserted-Identity the proxy added
// is in Request()).
func (c *Call) Remote() sip.NameAddr {
	var na sip.NameAddr
	switch {
	case c.outgoing && c.invite != nil:
		na, _ = c.invite.To()
	case !c.outgoing && c.req != nil:
		na, _ = c.req.From()
	case c.dlg != nil:
		// The INVITE is gone: the dialog's remote URI is the same
		// address, with the remote tag, which our To did not have.
		na = c.dlg.RemoteURI()
		if c.outgoing {
			na = withoutTag(na)
		}
	}
	return na
}

// withoutTag returns na without its tag parameter.
func withoutTag(na sip.NameAddr) sip.NameAddr {
	if na.Tag() == "" {
		return na
	}
	var b []byte
	na.Params.Each(func(n, v string) bool {
		if !strings.EqualFold(n, "tag") {
			b = append(b, ';')
			b = append(b, n...)
			if v != "" {
				b = append(b, '=')
				b = append(b, v...)
			}
		}
		return true
	})
	out := sip.NameAddr{Display: na.Display, URI: na.URI, Params: sip.Params(b)}
	if c, err := sip.ParseNameAddr(out.String()); err == nil {
		return c // with its parameter cache consistent
	}
	return out
}

// callID is the Call-ID of the call.
func (c *Call) callID() string {
	switch {
	case c.dlg != nil:
		return c.dlg.ID().CallID
	case c.invite != nil:
		return c.invite.CallID()
	case c.req != nil:
		return c.req.CallID()
	}
	return ""
}

// setUpDone lets go of what only the set-up of the call needed — the
// INVITE, its transaction, the 2xx and our answer — once the call is
// confirmed or over. What a confirmed call still needs was taken out of
// them: the INVITE's CSeq and credentials, the peer's Allow, the ACK's
// body. An outgoing call with no dialog keeps its INVITE, to acknowledge
// and end a 2xx that may still come (RFC 3261 §15).
func (c *Call) setUpDone() {
	if c.outgoing {
		if c.dlg != nil {
			c.invite = nil
		}
		c.inviteTx = nil
		return
	}
	if c.final != nil || c.relResp != nil {
		return // our 2xx or reliable 18x is still retransmitted from c.req's transaction
	}
	if c.srv != nil && c.ua.invites[c.srv] == c {
		return // not answered finally yet
	}
	c.req, c.srv, c.answer, c.offer = nil, nil, nil, nil
}

// SessionInterval returns the negotiated session interval (RFC 4028) and
// whether we refresh; 0 without session timer.
func (c *Call) SessionInterval() (time.Duration, bool) {
	return c.session.interval, c.session.refresher
}

// emit reports ev, with the call's state, to the app.
func (c *Call) emit(ev CallEvent) {
	ev.State = c.state
	c.ua.callEvent(c, ev) // transfers follow their calls (refer.go, replaces.go)
	if f := c.ua.cfg.Events.CallEvent; f != nil {
		f(c, ev)
	}
}

// enter moves the call to s and reports it.
func (c *Call) enter(s CallState, ev CallEvent) {
	if c.ended {
		return
	}
	c.state = s
	if s == Disconnected {
		c.ended = true
	}
	ev.Kind = StateChanged
	c.emit(ev)
}

// addDialog registers a dialog of the call so in-dialog messages find it.
// The ID of c.dlg is not in c.ids, which a call without forks need not
// allocate.
func (c *Call) addDialog(d *dialog.Dialog) {
	id := d.ID()
	c.ua.dialogs[id] = c
	if c.dlg != nil && c.dlg != d {
		c.ids = append(c.ids, id)
	}
}

// useDialog makes d, a dialog of the call, the one in use.
func (c *Call) useDialog(d *dialog.Dialog) {
	if c.dlg != nil && c.dlg != d {
		c.ids = append(c.ids, c.dlg.ID()) // still registered until release
	}
	c.dlg = d
}

// end reports the call Disconnected and lets go of its timers and media;
// the dialog stays registered until release, so late retransmissions are
// still answered.
func (c *Call) end(ev CallEvent) {
	if c.ended {
		return
	}
	c.stopTimers()
	if c.dlg != nil {
		c.dlg.Terminate()
	}
	c.closeMedia()
	c.enter(Disconnected, ev)
	c.setUpDone()
	// Keep the dialog IDs a while, to ACK a retransmitted 2xx and answer
	// a retransmitted BYE with 481 rather than nothing (RFC 3261 §15):
	// 64*T1 covers every retransmission.
	c.ua.clk.AfterFunc(64*c.ua.t1, c.release)
}

// release forgets the call.
func (c *Call) release() {
	c.retrans.stop()
	if c.dlg != nil {
		if id := c.dlg.ID(); c.ua.dialogs[id] == c {
			delete(c.ua.dialogs, id)
		}
	}
	for _, id := range c.ids {
		if c.ua.dialogs[id] == c {
			delete(c.ua.dialogs, id)
		}
	}
	c.ids = nil
	if c.srv != nil && c.ua.invites[c.srv] == c {
		delete(c.ua.invites, c.srv)
	}
	delete(c.ua.calls, c.id)
}

func (c *Call) stopTimers() {
	for _, t := range []*clock.Timer{&c.noAnswer, &c.autoAns, &c.glare} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
	c.session.stop()
}

// Hangup ends the call whatever its state: CANCEL for an outgoing call not
// yet answered (RFC 3261 §9.1), 603 for an incoming one, BYE for an
// established one (§15.1.1). reason is a Reason header (RFC 3326) for the
// CANCEL or BYE, "" for none. Media stops at once; Disconnected comes when
// the signalling is over, as in PJSIP: with the BYE's answer (its status
// in Code; 408 or 503 if none comes), or with the final response to the
// cancelled INVITE (487; a 2xx that crosses our CANCEL is acknowledged and
// ended with BYE, §15). Once hung up, a call refuses every other change.
func (c *Call) Hangup(reason string) error {
	if c.ended || c.hangup {
		return ErrState
	}
	switch c.state {
	case Incoming:
		return c.Reject(603, "")
	case Calling, Early:
		if !c.outgoing {
			return c.Reject(603, "")
		}
		c.cancel, c.reason = true, reason
		if c.inviteTx != nil {
			c.inviteTx.CancelReason(nil, reason)
		}
	case Connecting:
		// No BYE before the ACK of our 2xx, which is still retransmitted
		// (RFC 3261 §15): onAck or noAck sends it.
		c.byeLater = c.byeRequest(reason)
	default:
		c.sendBye(c.byeRequest(reason), reason)
	}
	c.hangup = true
	c.stopTimers()
	c.closeMedia()
	return nil
}

// closeMedia ends the call's media, once.
func (c *Call) closeMedia() {
	if c.media != nil && !c.mediaClosed {
		c.mediaClosed = true
		c.media.Close()
	}
}

// sendBye sends our BYE of a hangup; its answer ends the call.
func (c *Call) sendBye(req *sip.Message, reason string) {
	if req == nil {
		c.end(CallEvent{Code: 500, Local: true, Cause: reason})
		return
	}
	_, err := c.ua.send(req, &byeTU{c: c, reason: reason})
	if err != nil {
		c.end(CallEvent{Code: 503, Local: true, Cause: reason, Err: err})
	}
}

// byeTU hears the outcome of our BYE: its final response or failure ends
// the call. One allocation, where ClientFuncs with two closures takes three.
type byeTU struct {
	c      *Call
	reason string
}

func (h *byeTU) OnResponse(_ *transaction.ClientTx, resp *sip.Message) {
	if resp.StatusCode() >= 200 {
		h.c.end(CallEvent{Code: resp.StatusCode(), Reason: resp.Reason(), Local: true, Cause: h.reason})
	}
}

// BorrowsResponses: byeTU keeps only the status and reason of a response.
func (h *byeTU) BorrowsResponses() {}

func (h *byeTU) OnFailure(_ *transaction.ClientTx, err error) {
	h.c.end(CallEvent{Code: failureCode(err), Local: true, Cause: h.reason, Err: err})
}

// failureCode is the status a transaction failure counts as: 408 for a
// timeout, 503 for a transport error (RFC 3261 §8.1.3.1).
func failureCode(err error) int {
	if errors.Is(err, transaction.ErrTimeout) {
		return 408
	}
	return 503
}

// bye sends a BYE in the call's dialog, with a Reason header if given.
func (c *Call) bye(reason string) {
	if req := c.byeRequest(reason); req != nil {
		c.ua.send(req, transaction.ClientFuncs{})
	}
}

// byeRequest builds a BYE in the call's dialog; nil if it cannot.
func (c *Call) byeRequest(reason string) *sip.Message {
	req, err := c.dlg.NewRequest("BYE", c.acc.via, nil, "")
	if err != nil {
		return nil
	}
	if reason != "" {
		req.Set("Reason", reason)
	}
	return req
}
