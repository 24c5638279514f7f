package ua

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// Config configures a UA. Clock and Transport are required, and NewMedia
// for calls.
type Config struct {
	Clock     clock.Clock
	Transport transport.Sender
	// Transaction tunes the transaction layer the UA runs (timers, limits);
	// its Clock and Transport are the UA's.
	Transaction transaction.Config
	Events      Events
	NewMedia    MediaFactory
	// Locate finds where to send a request for a URI (RFC 3263). nil uses
	// transport.Locate with Resolver behind a transport.DNSCache: the loop
	// waits for DNS only for a name not resolved lately (an answer is
	// fresh for a minute, then served at once while refreshed in the
	// background for up to an hour; FlushDNS forgets them); literal
	// addresses need no lookup.
	Locate func(sip.URI) ([]transport.Addr, error)
	// Resolver answers the DNS queries of the default Locate; nil is the
	// built-in resolver (Go's, and /etc/resolv.conf for NAPTR).
	Resolver transport.Resolver
	// UserAgent is the User-Agent of our requests and the Server of our
	// responses; "" sends none.
	UserAgent string
	// SessionExpires is the session interval our INVITEs ask for (RFC
	// 4028); 0 asks for none, though a peer's request is still honoured.
	SessionExpires time.Duration
	// MinSE is the shortest session interval we accept: default 90 s, the
	// RFC 4028 §4 minimum.
	MinSE time.Duration
	// NoAnswerTimeout ends a call that gets no final answer in time: an
	// outgoing one is cancelled, an incoming one refused with 480.
	// Default 3 minutes; negative waits for ever.
	NoAnswerTimeout time.Duration
	// Rel100 is our use of reliable provisional responses (RFC 3262).
	Rel100 Rel100Policy
	// RequestTimeout answers 500 for the app when it has not answered a
	// request handed over to it in time: default 10 s, so the answer still
	// reaches the client before its Timer F.
	RequestTimeout time.Duration
	// MessageTypes are the body types of MESSAGE the app takes when it
	// has Events.Message: default text/plain; others get 415 (RFC 3428 §7).
	// They also join the body types the UA takes in any request, as the
	// types of the Info Packages (RFC 6086) the app handles must.
	MessageTypes []string
	Logger       *slog.Logger // nil: no logging
	Rand         *rand.Rand   // nil: seeded from crypto/rand
}

// Rel100Policy says how a UA uses reliable provisional responses.
type Rel100Policy uint8

const (
	// Rel100Supported (the default) offers 100rel as a UAC and sends 18x
	// reliably as a UAS when the caller requires it.
	Rel100Supported Rel100Policy = iota
	// Rel100Required requires 100rel of the callee, and sends 18x
	// reliably whenever the caller supports it.
	Rel100Required
	// Rel100Off neither offers nor accepts 100rel: an INVITE requiring it
	// is refused with 420.
	Rel100Off
)

// Events are the app's callbacks. Each runs on the stack's goroutine, one
// at a time, and may call any method of the UA; a nil one is skipped.
type Events struct {
	// Registration reports the registration state of an account.
	Registration func(*Account, RegEvent)
	// IncomingCall hands over a new incoming call in state Incoming: the
	// app answers it with Ring, Answer or Reject, now or later. Without
	// this callback calls are refused with 480 unless auto-answered.
	IncomingCall func(*Call)
	// CallEvent reports each change of a call.
	CallEvent func(*Call, CallEvent)
	// Request hands over a request the UA does not answer itself; the app
	// must answer it (Respond), or the UA answers 500 after
	// Config.RequestTimeout. Without this callback such requests get 501.
	Request func(*ServerRequest)
	// Message hands over a MESSAGE (RFC 3428) of a type in
	// Config.MessageTypes; one the app leaves unanswered gets 200. Without
	// it, MESSAGE goes to Request.
	Message func(*ServerRequest)
	// MessageStatus reports the outcome of Account.SendMessage.
	MessageStatus func(*OutgoingMessage, MessageStatus)
	// Subscription reports each NOTIFY and change of our subscriptions.
	Subscription func(*Subscription, SubscriptionEvent)
	// IncomingSubscription hands over a SUBSCRIBE for the app to Accept
	// or Reject; without it SUBSCRIBE gets 489 (no package supported).
	IncomingSubscription func(*Notifier)
	// NotifierEvent reports refreshes and the end of subscriptions the
	// app accepted.
	NotifierEvent func(*Notifier, NotifierEvent)
	// Publication reports our publications (Account.Publish).
	Publication func(*Publication, PublicationEvent)
	// Transfer hands over a REFER received in a call, to Accept or
	// Reject; without it REFER gets 603. A REFER out of a dialog gets 403.
	Transfer func(*Transfer)
	// TransferProgress reports a transfer we asked for.
	TransferProgress func(*Call, TransferProgress)
}

// UA is the user-agent core of one stack: accounts, their registrations,
// calls and the requests nobody else answers, on top of one transaction
// layer. It is the layer's transaction user.
//
// Like the layers below, it is sans-IO and not safe for concurrent use:
// call it, and feed it what the transport reads (HandleMessage,
// HandleFlowError), on the one goroutine its Clock runs callbacks on.
type UA struct {
	cfg    Config
	clk    clock.Clock
	layer  *transaction.Layer
	policy sip.UASPolicy
	rnd    *rand.Rand
	t1, t2 time.Duration

	accounts []*Account
	calls    map[uint64]*Call
	dialogs  map[dialog.ID]*Call
	invites  map[*transaction.ServerTx]*Call // incoming INVITEs not yet answered finally
	requests map[*transaction.ServerTx]*ServerRequest
	es       eventState          // subscriptions, publications, transfers
	dns      *transport.DNSCache // behind the default Locate; nil with Config.Locate
	nextID   uint64
	closed   bool
}

// FlushDNS forgets the DNS answers the default Locate cached: after a
// network change they may be wrong (split-horizon DNS) or unreachable.
func (u *UA) FlushDNS() {
	if u.dns != nil {
		u.dns.Flush()
	}
}

// Errors of the UA.
var (
	// ErrState refuses an action the call's or account's state does not
	// allow (answering an outgoing call, holding one not confirmed...).
	ErrState = errors.New("ua: not allowed in this state")
	// ErrPending refuses a change while another offer/answer exchange or
	// re-INVITE of the call is under way; try again when it has ended.
	ErrPending = errors.New("ua: another change is under way")
	// ErrClosed refuses everything once the UA is closed.
	ErrClosed = errors.New("ua: closed")
	// ErrNoMedia refuses a call when Config.NewMedia is missing.
	ErrNoMedia = errors.New("ua: no media factory configured")
)

// Methods a UA handles, and the extensions it supports.
var (
	uaMethods = []string{"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "PRACK", "UPDATE",
		"INFO", "MESSAGE", "NOTIFY", "SUBSCRIBE", "REFER"}
	uaBodyTypes = []string{"application/sdp", "text/plain", "application/dtmf-relay",
		"application/dtmf", "message/sipfrag", "multipart/mixed", "multipart/alternative",
		PIDFType, MessageSummaryType, DialogInfoType}
	allowHeader = "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, MESSAGE, NOTIFY, SUBSCRIBE, REFER"
)

// New returns a UA with its own transaction layer.
func New(cfg Config) (*UA, error) {
	if cfg.Clock == nil || cfg.Transport == nil {
		return nil, configErr("Clock and Transport are required")
	}
	if cfg.MinSE <= 0 {
		cfg.MinSE = 90 * time.Second
	}
	if cfg.SessionExpires != 0 && cfg.SessionExpires < cfg.MinSE {
		return nil, configErr("SessionExpires below MinSE (RFC 4028 §4)")
	}
	if cfg.NoAnswerTimeout == 0 {
		cfg.NoAnswerTimeout = 3 * time.Minute
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	var dns *transport.DNSCache
	if cfg.Locate == nil {
		r := cfg.Resolver
		if r == nil {
			r = transport.NewDNSResolver(nil)
		}
		dns = transport.NewDNSCache(r, transport.DNSCacheConfig{Now: cfg.Clock.Now})
		cfg.Locate = func(u sip.URI) ([]transport.Addr, error) {
			// No context of our own: the cache bounds each lookup it
			// makes, and a literal address (every in-dialog request to
			// a phone) needs none.
			return transport.Locate(context.Background(), dns, u, nil)
		}
	}
	u := &UA{
		cfg:      cfg,
		clk:      cfg.Clock,
		rnd:      cfg.Rand,
		calls:    map[uint64]*Call{},
		dialogs:  map[dialog.ID]*Call{},
		invites:  map[*transaction.ServerTx]*Call{},
		requests: map[*transaction.ServerTx]*ServerRequest{},
		dns:      dns,
	}
	if u.rnd == nil {
		var seed [16]byte
		crand.Read(seed[:])
		u.rnd = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	tc := cfg.Transaction
	tc.Clock, tc.Transport = cfg.Clock, cfg.Transport
	if tc.Logger == nil {
		tc.Logger = cfg.Logger
	}
	u.t1, u.t2 = tc.T1, tc.T2
	if u.t1 <= 0 {
		u.t1 = 500 * time.Millisecond
	}
	if u.t2 <= 0 {
		u.t2 = 4 * time.Second
	}
	u.layer = transaction.New(tc, u)
	u.policy = sip.UASPolicy{
		Limits:      tc.Limits,
		Methods:     uaMethods,
		Extensions:  []string{"timer", "path", "outbound", "replaces"},
		BodyTypes:   append(slices.Clone(uaBodyTypes), cfg.MessageTypes...),
		AnswerTypes: map[string]string{"INVITE": "application/sdp"},
	}
	if cfg.Rel100 != Rel100Off {
		u.policy.Extensions = append(u.policy.Extensions, "100rel")
	}
	return u, nil
}

// Transactions returns the UA's transaction layer.
func (u *UA) Transactions() *transaction.Layer { return u.layer }

// HandleMessage takes what the transport read; it implements
// transport.Handler.
func (u *UA) HandleMessage(msg *sip.Message, src transport.Addr) { u.layer.HandleMessage(msg, src) }

// HandleFlowError takes a failed flow: the transactions on it fail, and
// the registrations using it register again (RFC 5626 §4.4.1); it
// implements transport.Handler.
func (u *UA) HandleFlowError(flow transport.Addr, err error) {
	u.layer.HandleFlowError(flow, err)
	for _, a := range u.accounts {
		if a.reg != nil && a.usesFlow(flow) {
			a.reg.FlowFailed()
		}
	}
}

// Calls returns the number of live calls.
func (u *UA) Calls() int { return len(u.calls) }

// Close ends every call (BYE or CANCEL), closes the registrations without
// unregistering, and stops the UA's timers; the transactions under way end
// by their own timers.
func (u *UA) Close() {
	if u.closed {
		return
	}
	for _, c := range u.calls {
		c.Hangup("")
	}
	for _, a := range u.accounts {
		if a.reg != nil {
			a.reg.Close()
		}
	}
	for _, r := range u.requests {
		r.Respond(503, "")
	}
	u.closeEvents()
	u.closed = true
}

// newID returns the next id of an account or call: never 0, never reused.
func (u *UA) newID() uint64 {
	u.nextID++
	return u.nextID
}

// locate returns where to send req: its first Route when that is a loose
// router, else its Request-URI (RFC 3261 §8.1.2; a strict router already
// sits in the Request-URI, §12.2.1.1).
func (u *UA) locate(req *sip.Message) ([]transport.Addr, error) {
	var room [4]sip.NameAddr
	routes, err := req.AppendNameAddrs("Route", room[:0])
	if err != nil {
		return nil, err
	}
	if len(routes) > 0 {
		if _, lr := routes[0].URI.Params.Get("lr"); lr {
			return u.cfg.Locate(routes[0].URI)
		}
	}
	ruri, err := req.RequestURI()
	if err != nil {
		return nil, err
	}
	return u.cfg.Locate(ruri)
}

// send starts a client transaction for req towards its next hop.
func (u *UA) send(req *sip.Message, h transaction.ClientHandler) (*transaction.ClientTx, error) {
	targets, err := u.locate(req)
	if err != nil {
		return nil, err
	}
	u.stamp(req)
	return u.layer.RequestTargets(req, targets, h)
}

// sendAck sends an ACK for a 2xx: no transaction, straight to the
// transport (RFC 3261 §13.2.2.4, §17.1.1.3).
func (u *UA) sendAck(ack *sip.Message) error {
	targets, err := u.locate(ack)
	if err != nil {
		return err
	}
	u.stamp(ack)
	return u.cfg.Transport.Send(targets[0], ack)
}

// stamp adds what every message of ours carries.
func (u *UA) stamp(m *sip.Message) {
	if u.cfg.UserAgent == "" {
		return
	}
	name := "User-Agent"
	if !m.IsRequest() {
		name = "Server"
	}
	if !m.Has(name) {
		m.Set(name, u.cfg.UserAgent)
	}
}

// respond sends a response on tx, with our Server header.
func (u *UA) respond(tx *transaction.ServerTx, resp *sip.Message) error {
	u.stamp(resp)
	return tx.Respond(resp)
}

// reply answers tx with a bare status.
func (u *UA) reply(tx *transaction.ServerTx, code int, reason string) {
	resp := sip.NewResponse(tx.Request(), code, reason)
	if code > 100 {
		withToTag(resp)
	}
	u.respond(tx, resp)
}

// withToTag gives a response to a request without To tag one of ours
// (RFC 3261 §8.2.6.2).
func withToTag(resp *sip.Message) *sip.Message {
	if to, err := resp.To(); err == nil && to.Tag() == "" {
		resp.SetToTag(sip.NewTag())
	}
	return resp
}

// OnRequest implements transaction.TU: requests in a dialog go to their
// call, the others are inspected (RFC 3261 §8.2) and dispatched.
func (u *UA) OnRequest(tx *transaction.ServerTx, req *sip.Message) {
	if u.closed {
		u.reply(tx, 503, "")
		return
	}
	if to, err := req.To(); err == nil && to.Tag() != "" {
		u.inDialog(tx, req)
		return
	}
	if rej := u.policy.Inspect(req); rej != nil {
		u.respond(tx, withToTag(rej.Response(req)))
		return
	}
	acc := u.accountFor(req)
	if acc == nil {
		u.reply(tx, 404, "")
		return
	}
	if !acc.accepts(tx.Source()) {
		// A registered account takes requests only through its
		// registrar or proxy: SIP scanners ringing devices directly get
		// no call (DESIGN §6).
		u.reply(tx, 403, "")
		return
	}
	switch req.Method() {
	case "INVITE":
		if req.Has("Replaces") {
			u.incomingReplaces(acc, tx, req)
			return
		}
		u.incomingCall(acc, tx, req)
	case "SUBSCRIBE":
		u.incomingSubscribe(acc, tx, req)
	case "REFER":
		u.reply(tx, 403, "") // only in a call's dialog (RFC 3515 §2.4.2)
	case "MESSAGE":
		u.incomingMessage(acc, tx, req, nil)
	case "OPTIONS":
		u.respond(tx, u.optionsResponse(req))
	case "BYE", "PRACK", "UPDATE", "INFO":
		u.reply(tx, 481, "") // need a dialog, and have none (§12.2.2)
	case "NOTIFY":
		u.reply(tx, 481, "") // no subscription of ours (RFC 6665 §4.1.3)
	default:
		u.handOver(tx, req, acc, nil)
	}
}

// optionsResponse answers OPTIONS with what we support (RFC 3261 §11.2).
func (u *UA) optionsResponse(req *sip.Message) *sip.Message {
	resp := withToTag(sip.NewResponse(req, 200, ""))
	resp.Set("Allow", allowHeader)
	resp.Set("Accept", "application/sdp")
	resp.Set("Supported", u.supported())
	return resp
}

// supported is the Supported header of our requests and 2xx.
func (u *UA) supported() string {
	if u.cfg.Rel100 == Rel100Off {
		return "timer, path, replaces"
	}
	return "100rel, timer, path, replaces"
}

// inDialog passes a request with a To tag to its call; a request no
// dialog of ours knows gets 481 (RFC 3261 §12.2.2).
func (u *UA) inDialog(tx *transaction.ServerTx, req *sip.Message) {
	id, err := dialog.IDOf(req, false)
	if err != nil {
		u.reply(tx, 400, "")
		return
	}
	c := u.dialogs[id]
	if c == nil {
		if u.dialogRequest(tx, req, id) {
			return
		}
		if req.Method() == "OPTIONS" {
			u.respond(tx, u.optionsResponse(req))
			return
		}
		u.reply(tx, 481, "")
		return
	}
	c.onRequest(tx, req, id)
}

// OnCancel implements transaction.TU: the INVITE is answered 487 and its
// call ends (RFC 3261 §9.2).
func (u *UA) OnCancel(inv *transaction.ServerTx, cancel *sip.Message) {
	if c := u.invites[inv]; c != nil {
		c.cancelled(cancel)
		return
	}
	if inv.State() == transaction.Proceeding {
		u.reply(inv, 487, "")
	}
}

// OnStray implements transaction.TU: the ACK of a 2xx we sent, and a 2xx
// retransmitted after the INVITE transaction ended, which the dialog
// acknowledges again (RFC 3261 §13.2.2.4).
func (u *UA) OnStray(msg *sip.Message, src transport.Addr) {
	if msg.IsRequest() {
		if msg.Method() != "ACK" {
			return
		}
		if id, err := dialog.IDOf(msg, false); err == nil {
			if c := u.dialogs[id]; c != nil {
				c.onAck(msg)
			}
		}
		return
	}
	id, err := dialog.IDOf(msg, true)
	if err != nil {
		return
	}
	if c := u.dialogs[id]; c != nil {
		c.onStray2xx(msg)
		return
	}
	// A 2xx that makes a dialog we never saw: its INVITE timed out or was
	// cancelled before any 18x. It still gets ACK and BYE (§15); the
	// search is rare and bounded by the live calls.
	for _, c := range u.calls {
		if c.outgoing && c.callID() == id.CallID {
			c.onStray2xx(msg)
			return
		}
	}
}

// BorrowsStrays: OnStray keeps values read from a stray (dialog IDs, the
// ACK's body, which media may keep), never the message: the ACKs and BYEs
// it answers with are built anew.
func (u *UA) BorrowsStrays() {}

// OnServerFailure implements transaction.TU.
func (u *UA) OnServerFailure(tx *transaction.ServerTx, err error) {
	if c := u.invites[tx]; c != nil {
		c.serverFailed(err)
	}
	if r := u.requests[tx]; r != nil {
		r.finish()
	}
}

// accountFor picks the account a request is for: the one whose Contact
// or AOR user is the Request-URI user, else the first account.
func (u *UA) accountFor(req *sip.Message) *Account {
	if len(u.accounts) == 0 {
		return nil
	}
	if ruri, err := req.RequestURI(); err == nil && ruri.User != "" {
		for _, a := range u.accounts {
			if a.contact.User == ruri.User || a.aor.User == ruri.User {
				return a
			}
		}
	}
	return u.accounts[0]
}

// jitter returns a random duration in [lo, hi) in steps of 10 ms (RFC
// 3261 §14.1).
func (u *UA) jitter(lo, hi time.Duration) time.Duration {
	steps := int64((hi - lo) / (10 * time.Millisecond))
	if steps <= 0 {
		return lo
	}
	return lo + time.Duration(u.rnd.Int64N(steps))*10*time.Millisecond
}
