package transaction

import (
	"strconv"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// TU is the transaction user: the UA core above the layer. Its methods run
// on the layer's goroutine and may call back into the layer (answer from
// OnRequest, for instance).
type TU interface {
	// OnRequest hands over a new server transaction; the TU answers it
	// with ServerTx.Respond, now or later.
	OnRequest(tx *ServerTx, req *sip.Message)
	// OnCancel says a CANCEL matched the INVITE transaction inv (RFC 3261
	// §9.2). The layer has answered the CANCEL with 200; the TU answers
	// inv with 487 unless it has already sent a final response.
	OnCancel(inv *ServerTx, cancel *sip.Message)
	// OnStray gets what no transaction takes: the ACK for a 2xx, 2xx
	// responses that arrive after the INVITE transaction is gone (the
	// dialog must ACK them again), and responses nobody asked for.
	OnStray(msg *sip.Message, src transport.Addr)
	// OnServerFailure reports a server transaction that ended badly: no
	// ACK for its final response (Timer H) or a transport error.
	OnServerFailure(tx *ServerTx, err error)
}

// ClientHandler receives what a client transaction passes up.
type ClientHandler interface {
	// OnResponse gets each provisional and final response the transaction
	// passes up: for an INVITE also every 2xx while Accepted (RFC 6026),
	// but never a retransmitted 3xx-6xx, which the transaction ACKs itself.
	OnResponse(tx *ClientTx, resp *sip.Message)
	// OnFailure reports ErrTimeout (Timer B or F) or a transport error.
	// The transaction is over.
	OnFailure(tx *ClientTx, err error)
}

// A ResponseBorrower is a ClientHandler that keeps nothing of the
// responses OnResponse gets once it returns but values read from them
// (strings included): neither the *sip.Message nor a slice of it. Each
// such response is then given back with sip.ReleaseMessage, and its
// memory serves the next datagram read: a caller's INVITE and BYE handlers
// borrow, so the four responses of a call leave no garbage
// (docs/PERFORMANCE.md).
type ResponseBorrower interface {
	ClientHandler
	BorrowsResponses()
}

// A StrayBorrower is a TU that keeps nothing of the messages OnStray gets
// once it returns but values read from them (as ResponseBorrower): each
// is then given back with sip.ReleaseMessage. The ACKs of a callee's 2xx
// all come that way.
type StrayBorrower interface {
	TU
	BorrowsStrays()
}

// stray hands msg to the TU as a stray, then releases it if the TU
// borrows strays.
func (l *Layer) stray(msg *sip.Message, src transport.Addr) {
	l.tu.OnStray(msg, src)
	if l.borrowStrays {
		sip.ReleaseMessage(msg)
	}
}

// borrows reports whether h, or the handler a failover wraps, is a
// ResponseBorrower.
func borrows(h ClientHandler) bool {
	if f, ok := h.(*failover); ok {
		h = f.h
	}
	_, ok := h.(ResponseBorrower)
	return ok
}

// Layer matches messages to transactions and runs their state machines.
// It is not safe for concurrent use: drive it from one goroutine, the one
// its Clock runs callbacks on.
type Layer struct {
	cfg   Config
	clk   clock.Clock
	epoch time.Time // origin of the times client transactions keep (since)
	net   transport.Sender
	tu    TU
	// borrowStrays: tu is a StrayBorrower, so strays are released after it.
	borrowStrays bool
	clients      map[clientKey]*ClientTx
	servers      map[serverKey]*ServerTx
	legacy       map[legacyKey][]*ServerTx // RFC 2543 requests without the magic cookie
	merged       map[mergeKey]*ServerTx    // requests without To tag (§8.2.2.2)
}

// clientKey matches a response to its client transaction: the top Via
// branch and the CSeq method (RFC 3261 §17.1.3).
type clientKey struct{ branch, method string }

// serverKey matches a request to its server transaction: branch, sent-by
// and method, with ACK matching INVITE (RFC 3261 §17.2.3).
type serverKey struct {
	branch, host string
	port         int
	method       string
}

// legacyKey finds candidates for RFC 2543 matching (§17.2.3), which then
// compares Request-URI, To tag and top Via too.
type legacyKey struct {
	callID, fromTag string
	seq             uint32
}

// mergeKey detects a request that reached us twice by different paths
// (RFC 3261 §8.2.2.2).
type mergeKey struct {
	fromTag, callID string
	seq             uint32
	method          string
}

// New returns a Layer that reports to tu.
func New(cfg Config, tu TU) *Layer {
	cfg = cfg.withDefaults()
	_, borrowStrays := tu.(StrayBorrower)
	return &Layer{
		borrowStrays: borrowStrays,
		cfg:          cfg,
		clk:          cfg.Clock,
		epoch:        cfg.Clock.Now(),
		net:          cfg.Transport,
		tu:           tu,
		clients:      make(map[clientKey]*ClientTx),
		servers:      make(map[serverKey]*ServerTx),
		legacy:       make(map[legacyKey][]*ServerTx),
		merged:       make(map[mergeKey]*ServerTx),
	}
}

// since returns the time since l.epoch. A Clock whose Now carries a
// monotonic reading (the loop's: time.Now) keeps it steady across changes
// of the wall clock.
func (l *Layer) since() time.Duration { return l.clk.Now().Sub(l.epoch) }

// Len returns the number of live client and server transactions.
func (l *Layer) Len() (clients, servers int) {
	n := 0
	for _, list := range l.legacy {
		n += len(list)
	}
	return len(l.clients), len(l.servers) + n
}

// HandleMessage takes a message the transport received; it implements
// transport.Handler. A malformed request is answered with the status
// Validate names (400, 414, 505) and goes no further; a malformed response,
// or one with more than one Via, is dropped (RFC 3261 §18.1.2).
func (l *Layer) HandleMessage(msg *sip.Message, src transport.Addr) {
	if msg.IsRequest() {
		if err := msg.Validate(l.cfg.Limits); err != nil {
			l.rejectMalformed(msg, src, err)
			return
		}
		l.handleRequest(msg, src)
		return
	}
	if sip.CheckResponse(msg, l.cfg.Limits) != nil {
		return
	}
	via, _ := msg.Via()
	cseq, _ := msg.CSeq()
	if tx := l.clients[clientKey{via.Branch(), cseq.Method}]; tx != nil {
		tx.receive(msg)
		if tx.borrows {
			sip.ReleaseMessage(msg)
		}
		return
	}
	l.stray(msg, src)
}

// rejectMalformed answers a request that failed validation, without a
// transaction, when it has what a response needs; an ACK is never answered.
func (l *Layer) rejectMalformed(req *sip.Message, src transport.Addr, err error) {
	via, verr := req.Via()
	if verr != nil || req.Method() == "ACK" || !req.Has("Call-ID") || !req.Has("CSeq") || !req.Has("From") || !req.Has("To") {
		return
	}
	resp := sip.NewResponse(req, sip.StatusOf(err), "")
	if pe, ok := err.(*sip.ProtocolError); ok {
		resp.SetStatus(pe.Status, pe.Reason())
	}
	_ = l.net.Send(transport.ResponseAddr(via, src), resp)
}

// HandleFlowError fails every transaction that uses the broken flow, at
// once rather than when its timers run out; it implements transport.Handler.
func (l *Layer) HandleFlowError(flow transport.Addr, err error) {
	for _, tx := range l.clients {
		if sameFlow(tx.dst, flow) {
			tx.fail(err)
		}
	}
	for _, tx := range l.servers {
		if sameFlow(tx.dst, flow) {
			tx.fail(err)
		}
	}
}

func sameFlow(a, b transport.Addr) bool {
	if a.Proto != b.Proto {
		return false
	}
	if a.Flow != 0 && b.Flow != 0 {
		return a.Flow == b.Flow
	}
	return a.Addr == b.Addr
}

func (l *Layer) handleRequest(req *sip.Message, src transport.Addr) {
	via, err := req.Via()
	if err != nil {
		return
	}
	method := req.Method()
	if tx := l.matchServer(req, via); tx != nil {
		tx.receive(req)
		return
	}
	switch method {
	case "ACK":
		l.stray(req, src) // the ACK for a 2xx is end to end (RFC 3261 §17.1.1.3)
		return
	case "CANCEL":
		l.handleCancel(req, via, src)
		return
	}
	if len(l.servers) >= l.cfg.MaxTransactions {
		// Answered without a transaction, so a flood cannot grow the table.
		resp := sip.NewResponse(req, 503, "")
		resp.Add("Retry-After", strconv.Itoa(l.cfg.RetryAfter))
		_ = l.net.Send(transport.ResponseAddr(via, src), resp)
		return
	}
	tx := l.newServer(req, via, src)
	if tx == nil {
		return
	}
	switch {
	case l.isMerged(req, tx):
		_ = tx.Respond(sip.NewResponse(req, 482, "")) // RFC 3261 §8.2.2.2
	default:
		l.tu.OnRequest(tx, req)
	}
}

// matchServer finds the server transaction a request belongs to.
func (l *Layer) matchServer(req *sip.Message, via sip.Via) *ServerTx {
	method := req.Method()
	if method == "ACK" {
		method = "INVITE"
	}
	if isRFC3261(via.Branch()) {
		return l.servers[serverKey{via.Branch(), via.Host, via.Port, method}]
	}
	key, ok := legacyKeyOf(req)
	if !ok {
		return nil
	}
	for _, tx := range l.legacy[key] {
		if tx.matchesLegacy(req, method) {
			return tx
		}
	}
	return nil
}

func isRFC3261(branch string) bool {
	return len(branch) > len(sip.BranchCookie) && branch[:len(sip.BranchCookie)] == sip.BranchCookie
}

func legacyKeyOf(req *sip.Message) (legacyKey, bool) {
	from, err := req.From()
	cseq, err2 := req.CSeq()
	if err != nil || err2 != nil {
		return legacyKey{}, false
	}
	return legacyKey{req.CallID(), from.Tag(), cseq.Seq}, true
}

// handleCancel answers a CANCEL (RFC 3261 §9.2): 200 and a word to the TU
// when it matches an INVITE transaction, 481 when it matches none.
func (l *Layer) handleCancel(req *sip.Message, via sip.Via, src transport.Addr) {
	tx := l.newServer(req, via, src)
	if tx == nil {
		return
	}
	var inv *ServerTx
	if isRFC3261(via.Branch()) {
		inv = l.servers[serverKey{via.Branch(), via.Host, via.Port, "INVITE"}]
	} else if key, ok := legacyKeyOf(req); ok {
		for _, c := range l.legacy[key] {
			if c.matchesLegacy(req, "INVITE") {
				inv = c
			}
		}
	}
	if inv == nil {
		_ = tx.Respond(sip.NewResponse(req, 481, ""))
		return
	}
	resp := sip.NewResponse(req, 200, "")
	resp.SetToTag(inv.toTag())
	_ = tx.Respond(resp)
	l.tu.OnCancel(inv, req)
}

// isMerged reports a request without To tag whose From tag, Call-ID and
// CSeq equal those of another live transaction that it does not match:
// the same request forked to us twice (RFC 3261 §8.2.2.2).
func (l *Layer) isMerged(req *sip.Message, tx *ServerTx) bool {
	to, err := req.To()
	if err != nil || to.Tag() != "" {
		return false
	}
	from, _ := req.From()
	cseq, _ := req.CSeq()
	key := mergeKey{from.Tag(), req.CallID(), cseq.Seq, req.Method()}
	if other := l.merged[key]; other != nil && other != tx {
		return true
	}
	l.merged[key] = tx
	tx.mergeKey = &key
	return false
}

// Request starts a client transaction that sends req to dst. The top Via
// of req must carry a branch unique to this transaction (sip.NewRequest
// makes one). ACK is not a transaction: send it with the transport.
func (l *Layer) Request(req *sip.Message, dst transport.Addr, h ClientHandler) (*ClientTx, error) {
	if !req.IsRequest() || req.Method() == "ACK" {
		return nil, ErrNotRequest
	}
	via, err := req.Via()
	if err != nil {
		return nil, err
	}
	key := clientKey{via.Branch(), req.Method()}
	if l.clients[key] != nil {
		return nil, ErrExists
	}
	if len(l.clients) >= l.cfg.MaxTransactions {
		return nil, ErrOverload
	}
	tx := &ClientTx{l: l, key: key, req: req, dst: dst, h: h, invite: req.Method() == "INVITE", borrows: borrows(h)}
	l.clients[key] = tx
	tx.start()
	return tx, nil
}

func (l *Layer) newServer(req *sip.Message, via sip.Via, src transport.Addr) *ServerTx {
	tx := &ServerTx{l: l, req: req, src: src, dst: transport.ResponseAddr(via, src), invite: req.Method() == "INVITE"}
	if isRFC3261(via.Branch()) {
		tx.key = serverKey{via.Branch(), via.Host, via.Port, req.Method()}
		l.servers[tx.key] = tx
	} else {
		key, ok := legacyKeyOf(req)
		if !ok {
			return nil
		}
		tx.legacyKey = &key
		l.legacy[key] = append(l.legacy[key], tx)
	}
	tx.start()
	return tx
}

func (l *Layer) removeServer(tx *ServerTx) {
	if tx.legacyKey != nil {
		list := l.legacy[*tx.legacyKey]
		for i, c := range list {
			if c == tx {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(l.legacy, *tx.legacyKey)
		} else {
			l.legacy[*tx.legacyKey] = list
		}
	} else if l.servers[tx.key] == tx {
		delete(l.servers, tx.key)
	}
	if tx.mergeKey != nil && l.merged[*tx.mergeKey] == tx {
		delete(l.merged, *tx.mergeKey)
	}
}

// timer is a clock timer that a transaction arms, re-arms and stops on
// any exit. It keeps its clock.Timer once it has one, and re-arms it in
// place where the clock allows (clock.Resetter, as the loop's and the test
// kit's timers do), so only the first arm allocates.
type timer struct{ t clock.Timer }

// arm runs f once d has passed, in place of whatever t had armed.
func (t *timer) arm(c clock.Clock, d time.Duration, f func()) {
	if r, ok := t.t.(clock.Resetter); ok {
		r.Reset(d, f)
		return
	}
	t.stop()
	t.t = c.AfterFunc(d, f)
}

func (t *timer) stop() {
	if t.t != nil {
		t.t.Stop()
	}
}

// moveTo stops t, which will not be armed again, and hands its clock
// timer to u, unless u has one, to be re-armed there: a transaction that
// lives on (Timer L, 32 s) keeps one clock timer, not two.
func (t *timer) moveTo(u *timer) {
	t.stop()
	if u.t == nil {
		u.t = t.t
	}
	t.t = nil
}

// State is where a transaction stands in its RFC 3261 §17 state machine.
type State uint8

// The states of the four machines; each uses a subset.
const (
	Calling State = iota + 1
	Trying
	Proceeding
	Accepted // RFC 6026
	Completed
	Confirmed
	Terminated
)

func (s State) String() string {
	return [...]string{"", "Calling", "Trying", "Proceeding", "Accepted", "Completed", "Confirmed", "Terminated"}[s]
}
