package transaction

import (
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// ServerTx is a server transaction: INVITE (RFC 3261 §17.2.1, RFC 6026)
// or non-INVITE (§17.2.2).
type ServerTx struct {
	l         *Layer
	key       serverKey
	legacyKey *legacyKey
	mergeKey  *mergeKey
	req       *sip.Message
	src, dst  transport.Addr
	invite    bool
	state     State
	last      *sip.Message // the last response sent, resent on retransmissions
	tag       string       // our To tag, once req and last are let go of

	// The transaction has one clock timer. Until the first response goes
	// out it is trying, the 100 Trying delay of an INVITE; then it moves
	// to tick, which serves every later timer. In an INVITE's Completed
	// state tick fires at the earlier of resend (Timer G) and giveUp
	// (Timer H), both times since l.epoch; otherwise it is Timer I, J or
	// L. onTick is tx.fire, bound once so that arming allocates nothing.
	interval       time.Duration // Timer G's current interval
	resend, giveUp time.Duration
	trying, tick   timer
	onTick         func()
}

// Request returns the request that created the transaction. An INVITE
// transaction that has sent a 2xx lets go of it (and of the 2xx), since
// in the Accepted state of RFC 6026 it only absorbs retransmissions and
// passes on the TU's further 2xx; Request then returns nil.
func (tx *ServerTx) Request() *sip.Message { return tx.req }

// Source returns where the request came from.
func (tx *ServerTx) Source() transport.Addr { return tx.src }

// State returns the transaction's state.
func (tx *ServerTx) State() State { return tx.state }

func (tx *ServerTx) start() {
	tx.onTick = tx.fire
	if tx.invite {
		tx.state = Proceeding
		// Send 100 Trying unless the TU answers first (§17.2.1).
		tx.trying.arm(tx.l.clk, tx.l.cfg.TryingDelay, tx.onTick)
	} else {
		tx.state = Trying
	}
}

// fire runs when trying or tick does. Only trying is ever armed while
// Proceeding, and only tick once a response has gone out.
func (tx *ServerTx) fire() {
	switch tx.state {
	case Proceeding:
		if tx.last == nil {
			tx.send(sip.NewResponse(tx.req, 100, ""))
		}
	case Completed:
		if tx.invite {
			tx.timerGH()
			return
		}
		tx.terminate() // Timer J
	case Confirmed, Accepted:
		tx.terminate() // Timer I or L
	}
}

// Respond sends resp, a response to the transaction's request, and moves
// the state machine on. It refuses a second final response, except for
// the further 2xx an INVITE may send while Accepted (RFC 6026 §8.5).
func (tx *ServerTx) Respond(resp *sip.Message) error {
	code := resp.StatusCode()
	if resp.IsRequest() || code < 100 {
		return ErrNotRequest
	}
	switch tx.state {
	case Trying, Proceeding:
	case Accepted:
		if code < 200 || code >= 300 {
			return ErrState
		}
		if err := tx.l.net.Send(tx.dst, resp); err != nil {
			tx.fail(err)
		}
		return nil
	default:
		return ErrState
	}
	// A response goes out: the 100 Trying is never due again, and its
	// clock timer serves tick from now on.
	tx.trying.moveTo(&tx.tick)
	tx.send(resp)
	if tx.state == Terminated {
		return ErrNotSent // the transport failed; the TU has heard via OnServerFailure
	}
	c := tx.l.cfg
	switch {
	case code < 200:
		tx.state = Proceeding
	case tx.invite && code < 300:
		tx.state = Accepted                       // 2xx retransmissions are the TU's (RFC 6026 §7.1)
		tx.tick.arm(tx.l.clk, 64*c.T1, tx.onTick) // Timer L
		tx.release()
	case tx.invite:
		tx.state = Completed
		now := tx.l.since()
		tx.resend, tx.giveUp = never, now+64*c.T1 // Timer H
		if !tx.dst.Proto.Reliable() {
			// Only an unreliable transport retransmits (§17.2.1).
			tx.interval = c.T1 // Timer G starts at T1
			tx.resend = now + tx.interval
		}
		tx.armTick(now)
	default:
		tx.state = Completed
		d := 64 * c.T1 // Timer J
		if tx.dst.Proto.Reliable() {
			d = 0
		}
		tx.tick.arm(tx.l.clk, d, tx.onTick)
	}
	return nil
}

func (tx *ServerTx) send(resp *sip.Message) {
	tx.last = resp
	if err := tx.l.net.Send(tx.dst, resp); err != nil {
		tx.fail(err)
	}
}

// receive handles a retransmitted request, or the ACK of an INVITE.
func (tx *ServerTx) receive(req *sip.Message) {
	if req.Method() == "ACK" {
		if tx.state == Completed {
			// Confirmed absorbs further ACKs until Timer I (§17.2.1).
			tx.state = Confirmed
			d := tx.l.cfg.T4 // Timer I, in place of G and H
			if tx.dst.Proto.Reliable() {
				d = 0
			}
			tx.tick.arm(tx.l.clk, d, tx.onTick)
		}
		return
	}
	// A retransmission: resend the last provisional or final response;
	// in Accepted the 2xx is the TU's to resend, so nothing (RFC 6026).
	if tx.last != nil && (tx.state == Proceeding || tx.state == Completed) {
		if err := tx.l.net.Send(tx.dst, tx.last); err != nil {
			tx.fail(err)
		}
	}
}

// timerGH runs when tick fires while an INVITE's 3xx-6xx awaits its ACK:
// Timer H if due (the ACK never came), else Timer G if due (resend the
// final, doubling the interval up to T2, §17.2.1). H goes first when both
// are due at once, as it did when they were two timers and H, armed
// first, ran first.
func (tx *ServerTx) timerGH() {
	now := tx.l.since()
	if now >= tx.giveUp {
		tx.terminate()
		tx.l.tu.OnServerFailure(tx, ErrTimeout)
		return
	}
	if now >= tx.resend {
		if err := tx.l.net.Send(tx.dst, tx.last); err != nil {
			tx.fail(err)
			return
		}
		tx.interval = min(2*tx.interval, tx.l.cfg.T2)
		tx.resend = now + tx.interval
	}
	tx.armTick(now) // also when nothing was due yet: the timer ran early
}

// armTick arms tick for the earlier of resend and giveUp, now being the
// time since l.epoch.
func (tx *ServerTx) armTick(now time.Duration) {
	tx.tick.arm(tx.l.clk, min(tx.resend, tx.giveUp)-now, tx.onTick)
}

func (tx *ServerTx) fail(err error) {
	if tx.state == Terminated {
		return
	}
	tx.terminate()
	tx.l.tu.OnServerFailure(tx, err)
}

func (tx *ServerTx) terminate() {
	if tx.state == Terminated {
		return
	}
	tx.state = Terminated
	tx.trying.stop()
	tx.tick.stop()
	tx.l.removeServer(tx)
}

// release lets go of the request and the 2xx of an Accepted INVITE
// transaction, which waits out Timer L needing neither: a retransmitted
// INVITE is absorbed, the 2xx is the TU's to resend, and a CANCEL is
// answered with the To tag kept here. The keys, which view the request's
// buffer, get strings of their own. A transaction matched by the RFC 2543
// rules keeps its request, which that matching reads.
func (tx *ServerTx) release() {
	if tx.legacyKey != nil || tx.req == nil {
		return
	}
	tx.tag = strings.Clone(tx.toTag())
	if tx.l.servers[tx.key] == tx {
		delete(tx.l.servers, tx.key)
		tx.key = ownServerKey(tx.key)
		tx.l.servers[tx.key] = tx
	}
	if tx.mergeKey != nil {
		k := *tx.mergeKey
		own := mergeKey{strings.Clone(k.fromTag), strings.Clone(k.callID), k.seq, ownMethod(k.method)}
		if tx.l.merged[k] == tx {
			delete(tx.l.merged, k)
			tx.l.merged[own] = tx
		}
		tx.mergeKey = &own
	}
	tx.req, tx.last = nil, nil
}

func ownServerKey(k serverKey) serverKey {
	return serverKey{strings.Clone(k.branch), strings.Clone(k.host), k.port, ownMethod(k.method)}
}

func ownMethod(m string) string {
	if m == "INVITE" {
		return "INVITE"
	}
	return strings.Clone(m)
}

// toTag is the To tag the transaction answered with, if any.
func (tx *ServerTx) toTag() string {
	if tx.last == nil {
		return tx.tag
	}
	to, _ := tx.last.To()
	return to.Tag()
}

// matchesLegacy applies the RFC 2543 rules of RFC 3261 §17.2.3 to a
// request whose Call-ID, From tag and CSeq number already match.
func (tx *ServerTx) matchesLegacy(req *sip.Message, method string) bool {
	if tx.req.Method() != method || req.RawRequestURI() != tx.req.RawRequestURI() {
		return false
	}
	top, _ := req.Via()
	mine, _ := tx.req.Via()
	if top.String() != mine.String() {
		return false
	}
	to, _ := req.To()
	want, _ := tx.req.To()
	if req.Method() == "ACK" {
		return to.Tag() == tx.toTag()
	}
	return to.Tag() == want.Tag()
}
