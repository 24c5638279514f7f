package transaction

import (
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// ClientTx is a client transaction: INVITE (RFC 3261 §17.1.1, RFC 6026)
// or non-INVITE (§17.1.2).
type ClientTx struct {
	l      *Layer
	key    clientKey
	req    *sip.Message
	dst    transport.Addr
	h      ClientHandler
	invite bool
	state  State

	interval         time.Duration // current retransmit interval (Timer A or E)
	retrans, timeout timer         // A or E; B or F
	wait             timer         // D, K or M
	timerC           timer         // optional no-answer guard (§16.8)
	cancelPending    bool          // CANCEL asked before any provisional (§9.1)
	cancelH          ClientHandler
	cancelReason     string // Reason header of the CANCEL (RFC 3326), "" for none
	cancelTx         *ClientTx
}

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
	if !tx.dst.Proto.Reliable() {
		tx.interval = c.T1 // Timer A or E starts at T1
		tx.retrans.arm(tx.l.clk, tx.interval, tx.retransmit)
	}
	tx.timeout.arm(tx.l.clk, 64*c.T1, tx.timedOut) // Timer B or F
}

// retransmit is Timer A (INVITE: doubling without bound, §17.1.1.2) or
// Timer E (non-INVITE: doubling up to T2, and T2 once Proceeding, §17.1.2.2).
func (tx *ClientTx) retransmit() {
	if tx.state != Calling && tx.state != Trying && tx.state != Proceeding {
		return
	}
	if err := tx.l.net.Send(tx.dst, tx.req); err != nil {
		tx.fail(err)
		return
	}
	switch {
	case tx.invite:
		tx.interval *= 2
	case tx.state == Proceeding:
		tx.interval = tx.l.cfg.T2
	default:
		tx.interval = min(2*tx.interval, tx.l.cfg.T2)
	}
	tx.retrans.arm(tx.l.clk, tx.interval, tx.retransmit)
}

// timedOut is Timer B or F. Timer B matters only while Calling: once a
// provisional came, the TU decides how long to wait (§17.1.1.2).
func (tx *ClientTx) timedOut() {
	if tx.state == Calling || tx.state == Trying || (!tx.invite && tx.state == Proceeding) {
		tx.fail(ErrTimeout)
	}
}

func (tx *ClientTx) receive(resp *sip.Message) {
	code := resp.StatusCode()
	switch tx.state {
	case Calling, Trying, Proceeding:
		switch {
		case code < 200:
			tx.state = Proceeding
			if tx.invite {
				tx.retrans.stop() // no more retransmissions once Proceeding
				tx.timeout.stop()
				if c := tx.l.cfg.TimerC; c > 0 {
					tx.timerC.arm(tx.l.clk, c, tx.noAnswer) // restarted by each provisional
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
	tx.retrans.stop()
	tx.timeout.stop()
	tx.timerC.stop()
	tx.wait.arm(tx.l.clk, 64*tx.l.cfg.T1, tx.terminate) // Timer M
	tx.h.OnResponse(tx, resp)
	if tx.state == Accepted {
		tx.release()
	}
}

// toCompleted absorbs retransmitted finals for Timer D (INVITE, 32 s, at
// least 64*T1) or K (non-INVITE, T4); both are zero over a reliable transport.
func (tx *ClientTx) toCompleted() {
	tx.state = Completed
	tx.retrans.stop()
	tx.timeout.stop()
	tx.timerC.stop()
	d := tx.l.cfg.T4 // Timer K
	if tx.invite {
		d = max(32*time.Second, 64*tx.l.cfg.T1) // Timer D
	}
	if tx.dst.Proto.Reliable() {
		d = 0
	}
	tx.wait.arm(tx.l.clk, d, tx.terminate)
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
	// ever: give up after 64*T1 (RFC 3261 §9.1).
	tx.timeout.arm(tx.l.clk, 64*tx.l.cfg.T1, tx.cancelTimedOut)
}

// cancelTimedOut ends a cancelled INVITE that got no final response.
func (tx *ClientTx) cancelTimedOut() {
	if tx.state == Proceeding {
		tx.fail(ErrTimeout)
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
	tx.retrans.stop()
	tx.timeout.stop()
	tx.wait.stop()
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
