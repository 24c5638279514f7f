package transaction

import (
	"math"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// ClientTx is a client transaction: INVITE (RFC 3261 §17.1.1, RFC 6026)
// or non-INVITE (§17.1.2).
type ClientTx struct {
	l       *Layer
	key     clientKey
	req     *sip.Message
	dst     transport.Addr
	h       ClientHandler
	invite  bool
	borrows bool // h is a ResponseBorrower: responses are released after it
	state   State
	// cancelPending: a CANCEL was asked for before any provisional (§9.1).
	cancelPending bool

	// One loop timer, tick, serves Timers A, B, D, E, F, K and M. While
	// the request is pending it fires at the earlier of resend (Timer A
	// or E) and giveUp (Timer B or F, or the 64*T1 a CANCEL waits, §9.1),
	// both times since l.epoch, or never; once Completed or Accepted it
	// is Timer D, K or M. onTick is tx.fire, bound once so that arming
	// allocates nothing.
	interval       time.Duration // current retransmit interval (Timer A or E)
	resend, giveUp time.Duration
	tick           timer
	onTick         func()

	timerC     timer  // optional no-answer guard (§16.8)
	onNoAnswer func() // tx.noAnswer, bound on first use

	cancelH      ClientHandler
	cancelReason string // Reason header of the CANCEL (RFC 3326), "" for none
	cancelTx     *ClientTx
}

// never is the resend or giveUp time of a timer that is not due.
const never = time.Duration(math.MaxInt64)

// Request returns the request the transaction sends. An INVITE
// transaction lets go of it once Accepted (RFC 6026: the 2xx and its ACK
// are the TU's business from then on), after passing the first 2xx up,
// and a non-INVITE one once Completed; Request then returns nil.
func (tx *ClientTx) Request() *sip.Message { return tx.req }

// release lets go of the request once no retransmission, CANCEL or ACK
// can need it, so a transaction waiting out Timer M or K holds a few
// hundred bytes instead of a whole message. The matching key's branch is
// copied, since it views the request's buffer.
func (tx *ClientTx) release() {
	if tx.req == nil {
		return
	}
	tx.req = nil
	if tx.l.clients[tx.key] == tx {
		delete(tx.l.clients, tx.key)
		tx.key = ownClientKey(tx.key)
		tx.l.clients[tx.key] = tx
	} else {
		tx.key = ownClientKey(tx.key)
	}
}

// ownClientKey returns k with strings of its own.
func ownClientKey(k clientKey) clientKey {
	k.branch = strings.Clone(k.branch)
	switch k.method {
	case "INVITE":
		k.method = "INVITE"
	default:
		k.method = strings.Clone(k.method)
	}
	return k
}

// Dst returns where the request goes.
func (tx *ClientTx) Dst() transport.Addr { return tx.dst }

// State returns the transaction's state.
func (tx *ClientTx) State() State { return tx.state }

func (tx *ClientTx) start() {
	c := tx.l.cfg
	if tx.invite {
		tx.state = Calling
	} else {
		tx.state = Trying
	}
	if err := tx.l.net.Send(tx.dst, tx.req); err != nil {
		tx.fail(err)
		return
	}
	tx.onTick = tx.fire
	now := tx.l.since()
	tx.resend, tx.giveUp = never, now+64*c.T1 // Timer B or F
	if !tx.dst.Proto.Reliable() {
		// Only an unreliable transport retransmits (§17.1.1.2, §17.1.2.2).
		tx.interval = c.T1 // Timer A or E starts at T1
		tx.resend = now + tx.interval
	}
	tx.armTick(now)
}

// fire runs when tick does: Timer D, K or M once Completed or Accepted;
// before that whichever of giveUp and resend is due, giveUp first, as
// Timer B or F fires before a retransmission due at the same time would.
func (tx *ClientTx) fire() {
	switch tx.state {
	case Completed, Accepted:
		tx.terminate()
		return
	case Terminated:
		return
	}
	now := tx.l.since()
	if now >= tx.giveUp {
		// Timer B (pending only while Calling: once a provisional came,
		// the TU decides how long to wait, §17.1.1.2), Timer F (Trying
		// or Proceeding, §17.1.2.2), or a CANCEL unanswered (§9.1).
		tx.fail(ErrTimeout)
		return
	}
	if now >= tx.resend {
		if !tx.retransmit() {
			return
		}
		tx.resend = now + tx.interval
	}
	tx.armTick(now) // also when nothing was due yet: the timer ran early
}

// retransmit sends the request again and works out the next interval:
// Timer A (INVITE: doubling without bound, §17.1.1.2) or Timer E
// (non-INVITE: doubling up to T2, and T2 once Proceeding, §17.1.2.2). It
// reports false if the transport failed, which ends the transaction.
func (tx *ClientTx) retransmit() bool {
	if err := tx.l.net.Send(tx.dst, tx.req); err != nil {
		tx.fail(err)
		return false
	}
	switch {
	case tx.invite:
		tx.interval *= 2
	case tx.state == Proceeding:
		tx.interval = tx.l.cfg.T2
	default:
		tx.interval = min(2*tx.interval, tx.l.cfg.T2)
	}
	return true
}

// armTick arms tick for the earlier of resend and giveUp, now being the
// time since l.epoch, or stops it if neither is pending.
func (tx *ClientTx) armTick(now time.Duration) {
	at := min(tx.resend, tx.giveUp)
	if at == never {
		tx.tick.stop()
		return
	}
	tx.tick.arm(tx.l.clk, at-now, tx.onTick)
}

func (tx *ClientTx) receive(resp *sip.Message) {
	code := resp.StatusCode()
	switch tx.state {
	case Calling, Trying, Proceeding:
		switch {
		case code < 200:
			tx.state = Proceeding
			if tx.invite {
				// No more retransmissions once Proceeding, and no Timer
				// B (§17.1.1.2). A non-INVITE keeps Timers E and F.
				tx.resend, tx.giveUp = never, never
				tx.tick.stop()
				if c := tx.l.cfg.TimerC; c > 0 {
					if tx.onNoAnswer == nil {
						tx.onNoAnswer = tx.noAnswer
					}
					tx.timerC.arm(tx.l.clk, c, tx.onNoAnswer) // restarted by each provisional
				}
			}
			tx.h.OnResponse(tx, resp)
			if tx.cancelPending {
				tx.sendCancel()
			}
		case tx.invite && code < 300:
			tx.toAccepted(resp)
		case tx.invite:
			tx.toCompleted()
			tx.sendAck(resp)
			tx.h.OnResponse(tx, resp)
		default:
			tx.toCompleted()
			tx.h.OnResponse(tx, resp)
			if tx.state == Completed {
				tx.release() // only absorbs retransmitted finals now
			}
		}
	case Accepted:
		if code >= 200 && code < 300 {
			tx.h.OnResponse(tx, resp) // 2xx retransmissions and other forks: the TU ACKs
		}
	case Completed:
		if tx.invite && code >= 300 {
			tx.sendAck(resp) // a retransmitted final: ACK again, not for the TU
		}
	}
}

// noAnswer is Timer C: the INVITE has been Proceeding too long without a
// final response, so it is cancelled; the 487 ends it as usual (§16.8).
func (tx *ClientTx) noAnswer() {
	if tx.state == Proceeding {
		tx.Cancel(tx.cancelH)
	}
}

// toAccepted enters the RFC 6026 Accepted state: 2xx responses go to the
// TU, which ACKs them end to end, until Timer M.
func (tx *ClientTx) toAccepted(resp *sip.Message) {
	tx.state = Accepted
	tx.timerC.stop()
	tx.tick.arm(tx.l.clk, 64*tx.l.cfg.T1, tx.onTick) // Timer M, in place of A and B
	tx.h.OnResponse(tx, resp)
	if tx.state == Accepted {
		tx.release()
	}
}

// toCompleted absorbs retransmitted finals for Timer D (INVITE, 32 s, at
// least 64*T1) or K (non-INVITE, T4); both are zero over a reliable transport.
func (tx *ClientTx) toCompleted() {
	tx.state = Completed
	tx.timerC.stop()
	d := tx.l.cfg.T4 // Timer K
	if tx.invite {
		d = max(32*time.Second, 64*tx.l.cfg.T1) // Timer D
	}
	if tx.dst.Proto.Reliable() {
		d = 0
	}
	tx.tick.arm(tx.l.clk, d, tx.onTick) // in place of Timers A and B, or E and F
}

func (tx *ClientTx) sendAck(resp *sip.Message) {
	if err := tx.l.net.Send(tx.dst, sip.NewAck(tx.req, resp)); err != nil {
		tx.l.cfg.Logger.Debug("ACK not sent", "err", err)
	}
}

// Cancel cancels a pending INVITE (RFC 3261 §9.1). The CANCEL goes out
// when the first provisional response has arrived, at once if one has; h
// (which may be nil) hears about the CANCEL's own transaction. Cancelling
// an INVITE that already has a final response does nothing.
func (tx *ClientTx) Cancel(h ClientHandler) { tx.CancelReason(h, "") }

// CancelReason is Cancel with a Reason header (RFC 3326) in the CANCEL,
// such as `SIP;cause=200;text="Call completed elsewhere"`; "" adds none.
func (tx *ClientTx) CancelReason(h ClientHandler, reason string) {
	if !tx.invite || tx.cancelPending || tx.cancelTx != nil {
		return
	}
	tx.cancelH, tx.cancelReason = h, reason
	switch tx.state {
	case Calling:
		tx.cancelPending = true
	case Proceeding:
		tx.sendCancel()
	}
}

func (tx *ClientTx) sendCancel() {
	tx.cancelPending = false
	h := tx.cancelH
	if h == nil {
		h = ClientFuncs{}
	}
	cancel := sip.NewCancel(tx.req)
	if tx.cancelReason != "" {
		cancel.Add("Reason", tx.cancelReason)
	}
	ctx, err := tx.l.Request(cancel, tx.dst, h)
	if err != nil {
		h.OnFailure(nil, err)
		return
	}
	tx.cancelTx = ctx
	// A UAS that never answers the cancelled INVITE must not keep it for
	// ever: give up after 64*T1 (RFC 3261 §9.1). The check keeps Timer D
	// or M if h's OnFailure took the INVITE past Proceeding.
	if tx.state == Proceeding {
		now := tx.l.since()
		tx.giveUp = now + 64*tx.l.cfg.T1
		tx.armTick(now)
	}
}

func (tx *ClientTx) fail(err error) {
	if tx.state == Terminated {
		return
	}
	live := tx.state != Completed && tx.state != Accepted
	tx.terminate()
	if live {
		tx.h.OnFailure(tx, err)
	}
}

func (tx *ClientTx) terminate() {
	if tx.state == Terminated {
		return
	}
	tx.state = Terminated
	tx.tick.stop()
	tx.timerC.stop()
	if tx.l.clients[tx.key] == tx {
		delete(tx.l.clients, tx.key)
	}
}

// ClientFuncs adapts two functions to a ClientHandler; a nil one ignores
// its event.
type ClientFuncs struct {
	Response func(tx *ClientTx, resp *sip.Message)
	Failure  func(tx *ClientTx, err error)
}

// OnResponse calls Response.
func (f ClientFuncs) OnResponse(tx *ClientTx, resp *sip.Message) {
	if f.Response != nil {
		f.Response(tx, resp)
	}
}

// OnFailure calls Failure.
func (f ClientFuncs) OnFailure(tx *ClientTx, err error) {
	if f.Failure != nil {
		f.Failure(tx, err)
	}
}
