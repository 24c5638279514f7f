package ua

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transaction"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// RegState is where a Registration stands.
type RegState uint8

// The states of a Registration.
const (
	// Unregistered: no binding is kept. The state before the first
	// Register, and after the registrar confirmed an Unregister or
	// UnregisterAll.
	Unregistered RegState = iota
	// Registering: a REGISTER is on its way and no binding is known to
	// be in place (the first one, a retry after a failure, or a
	// re-registration after FlowFailed or NetworkChanged).
	Registering
	// Registered: the registrar holds our binding; it is refreshed before
	// it expires.
	Registered
	// Unregistering: a REGISTER removing our binding (or all of them) is
	// on its way.
	Unregistering
	// Failed: the last REGISTER failed. RegEvent.RetryAfter says whether
	// and when the Registration tries again by itself.
	Failed
)

// String returns the state's name.
func (s RegState) String() string {
	switch s {
	case Unregistered:
		return "Unregistered"
	case Registering:
		return "Registering"
	case Registered:
		return "Registered"
	case Unregistering:
		return "Unregistering"
	case Failed:
		return "Failed"
	}
	return "RegState(" + itoa(int(s)) + ")"
}

// RegEvent is what the app hears from a Registration. One is emitted on
// each change of state, and also on every Failed (each with its own
// RetryAfter) and every Registered (each refresh confirms the binding
// with the expiry the registrar granted).
type RegEvent struct {
	State RegState
	// Code is the status of the final response behind the event: 2xx for
	// Registered and Unregistered, the failure's status for Failed. A
	// transaction timeout counts as 408 and a transport error as 503
	// (RFC 3261 §8.1.3.1). It is 0 for Registering and Unregistering.
	Code   int
	Reason string // the response's reason phrase, or the standard one for Code
	// Expires is how long the registrar keeps the binding (Registered
	// only): the expires parameter of our Contact in the 2xx, else its
	// Expires header, else what was asked (RFC 3261 §10.2.4).
	Expires time.Duration
	// RetryAfter is, for Failed, when the Registration sends its next
	// REGISTER by itself (RFC 5626 §4.5 back-off); 0 means the failure is
	// final and nothing more is sent until the app calls Register again.
	RetryAfter time.Duration
	// Err says more about a Failed: transaction.ErrTimeout, a transport
	// error, ErrCredentialsRefused, an auth error (auth.ErrRealm, ...),
	// ErrNotBound, ErrIntervalTooBrief. It is nil for a plain rejection,
	// which Code describes.
	Err error
}

// RegistrationConfig configures a Registration. OnEvent, Clock,
// Transactions, AOR, Contact, Via and Targets are required.
type RegistrationConfig struct {
	AOR     sip.URI // the address of record, e.g. sip:alice@example.com (From and To)
	Display string  // display name for From and To, unquoted; "" for none
	// Registrar is the Request-URI of REGISTER: the domain of the
	// location service, without userinfo (RFC 3261 §10.2). The default is
	// the AOR's scheme, host and port.
	Registrar sip.URI
	// Targets is where to send, in RFC 3263 order (transport.Locate).
	// They are tried in order with failover (transaction.RequestTargets),
	// starting from the one that answered last.
	Targets []transport.Addr
	Contact sip.URI // our contact address
	// Via gives the transport and sent-by of our requests. Any branch is
	// dropped (each request gets its own) and rport is added to learn our
	// public address (RFC 3581 §3).
	Via sip.Via
	// InstanceID is the URN of the "+sip.instance" Contact parameter
	// (RFC 5626 §4.1), e.g. "urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF",
	// without angle brackets or quotes; "" for none.
	InstanceID string
	// RegID is the reg-id Contact parameter (RFC 5626 §4.2); 0 for none.
	// It needs an InstanceID, and makes the REGISTER say
	// "Supported: path, outbound".
	RegID int
	// Expires is the binding lifetime asked for: default 3600 s. It is
	// sent in whole seconds, rounded up. A 423 raises it to the
	// registrar's Min-Expires for good (RFC 3261 §10.2.8).
	Expires time.Duration
	// Secret answers the registrar's digest challenges; a zero Secret
	// answers none (a challenge then fails with ErrNoCredentials).
	Secret auth.Secret
	// Realm is the only realm credentials are computed for. "" trusts the
	// realm of the first challenge (see auth.New): set it when known.
	Realm        string
	Clock        clock.Clock
	Transactions *transaction.Layer
	// OnEvent hears every RegEvent, on the stack's goroutine. It may call
	// any method of the Registration.
	OnEvent func(RegEvent)
	// Rand draws the back-off jitter. nil: a generator seeded from
	// crypto/rand, private to the Registration.
	Rand *rand.Rand
}

// Defaults and bounds.
const (
	defaultExpires = 3600 * time.Second
	maxExpires     = (1<<32 - 1) * time.Second // delta-seconds are 32 bits (RFC 3261 §25.1)
	// backoffBase and backoffMax are the base-time and max-time of RFC
	// 5626 §4.5. The base-time is 30 s when every flow has failed, which
	// a Registration's single registration flow has when it retries.
	backoffBase = 30 * time.Second
	backoffMax  = 1800 * time.Second
	// maxStale bounds the old Contacts a REGISTER carries for removal.
	maxStale = 4
	// maxCSeq is where the CSeq of a Call-ID stops: a new CSeq must be
	// below 2**31 (RFC 3261 §8.1.1.5).
	maxCSeq = 1<<31 - 1
)

// Registration keeps one binding of an address of record at a registrar
// (RFC 3261 §10): it registers, authenticates, refreshes before expiry,
// backs off after failures (RFC 5626 §4.5), follows the public address
// the registrar sees (RFC 3581), keeps the Service-Route (RFC 3608) and
// unregisters. Make one with NewRegistration.
//
// A Registration is not safe for concurrent use: call it on the goroutine
// that drives its Clock and transaction layer, the one its events and
// timers run on. It never holds the Secret itself, only the auth.Client
// made from it, which never prints or logs it.
type Registration struct {
	clk      clock.Clock
	layer    *transaction.Layer
	onEvent  func(RegEvent)
	auth     *auth.Client // nil without a Secret
	rnd      *rand.Rand
	targets  []transport.Addr
	good     int // index in targets of the target that answered last
	aor      sip.URI
	display  string // quoted, ready for a name-addr
	reg      sip.URI
	instance string
	regID    int

	contact sip.URI       // our Contact now
	via     sip.Via       // our Via, without branch, with rport
	expires time.Duration // asked for
	stale   []sip.URI     // old Contacts of ours still to remove

	callID string
	cseq   uint32 // of the last REGISTER sent

	state  RegState
	want   bool // the app wants a binding: Register called, no Unregister or final failure since
	bound  bool // a 2xx granted a binding since the last confirmed removal
	routes []sip.NameAddr
	// challenges holds the last 401 and 407 answered, so that every
	// REGISTER carries credentials without being challenged first.
	challenges [2]*sip.Message
	failures   int // consecutive failures, for the back-off

	timer   clock.Timer // refresh, retry, or a deferred failure
	att     *attempt    // the REGISTER exchange under way, nil when idle
	sending bool        // inside RequestTargets: failures are deferred
	closed  bool
}

// NewRegistration checks cfg and returns a Registration in the
// Unregistered state; nothing is sent until Register. Errors wrap
// ErrConfig.
func NewRegistration(cfg RegistrationConfig) (*Registration, error) {
	switch {
	case cfg.OnEvent == nil:
		return nil, configErr("OnEvent is required")
	case cfg.Clock == nil:
		return nil, configErr("Clock is required")
	case cfg.Transactions == nil:
		return nil, configErr("Transactions is required")
	case len(cfg.Targets) == 0:
		return nil, configErr("no Targets")
	case cfg.Expires < 0 || cfg.Expires > maxExpires:
		return nil, configErr("Expires out of range")
	case cfg.RegID < 0 || cfg.RegID > 0 && cfg.InstanceID == "":
		return nil, configErr("reg-id needs a positive value and an InstanceID (RFC 5626 §4.2)")
	case !validInstance(cfg.InstanceID):
		return nil, configErr("InstanceID is not a bare URN")
	case strings.ContainsFunc(cfg.Display, isControl):
		return nil, configErr("Display holds a control character")
	}
	r := &Registration{
		clk:      cfg.Clock,
		layer:    cfg.Transactions,
		onEvent:  cfg.OnEvent,
		rnd:      cfg.Rand,
		targets:  slices.Clone(cfg.Targets),
		instance: cfg.InstanceID,
		regID:    cfg.RegID,
		expires:  cfg.Expires,
		callID:   sip.NewCallID(),
	}
	if r.expires == 0 {
		r.expires = defaultExpires
	}
	if cfg.Display != "" {
		r.display = quote(cfg.Display)
	}
	var err error
	if r.aor, err = cloneURI(cfg.AOR); err != nil || !r.aor.IsSIP() {
		return nil, configErr("AOR must be a sip or sips URI (RFC 3261 §10.2)")
	}
	reg := cfg.Registrar
	if reg.Scheme == "" {
		reg = sip.URI{Scheme: r.aor.Scheme, Host: r.aor.Host, Port: r.aor.Port}
	}
	if r.reg, err = cloneURI(reg); err != nil || !r.reg.IsSIP() || r.reg.User != "" {
		return nil, configErr("Registrar must be a sip or sips URI without userinfo (RFC 3261 §10.2)")
	}
	if r.contact, err = cloneURI(cfg.Contact); err != nil {
		return nil, configErr("invalid Contact")
	}
	if r.via, err = cleanVia(cfg.Via); err != nil {
		return nil, configErr("invalid Via")
	}
	if cfg.Secret.Username != "" || cfg.Secret.Password != "" || len(cfg.Secret.HA1) != 0 {
		if err := cfg.Secret.Validate(); err != nil {
			return nil, configWrap(err) // auth errors never hold the secret
		}
		r.auth = auth.New(cfg.Secret, cfg.Realm)
	}
	if r.rnd == nil {
		var seed [16]byte
		crand.Read(seed[:]) // never fails (crypto/rand, Go 1.24)
		r.rnd = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	if _, err := r.build(kindRegister, 1); err != nil {
		return nil, configWrap(err)
	}
	return r, nil
}

// Register starts registering, or restarts: a REGISTER goes out at once.
// From Registered it is an early refresh and the state stays Registered;
// from any other state the Registration enters Registering. A REGISTER
// still waiting for its answer is abandoned (its answer is ignored), and
// a pending retry is dropped. The back-off count is kept: only a 2xx
// resets it.
func (r *Registration) Register() {
	if r.closed {
		return
	}
	r.want = true
	r.start(kindRegister, false)
	if r.state != Registered {
		r.enter(Registering)
	}
}

// Unregister removes our binding: a REGISTER with Expires: 0 for our
// Contact (RFC 3261 §10.2.2), which also removes the old Contacts still
// pending removal. The 2xx brings Unregistered; a failure brings a final
// Failed (no retry: the binding lapses at its expiry anyway). Refreshes
// and retries stop at once.
func (r *Registration) Unregister() {
	if r.closed {
		return
	}
	r.want = false
	r.start(kindUnregister, false)
	r.enter(Unregistering)
}

// UnregisterAll removes every binding of the AOR, ours and other
// devices': "Contact: *" with "Expires: 0" (RFC 3261 §10.2.2). It
// otherwise behaves as Unregister.
func (r *Registration) UnregisterAll() {
	if r.closed {
		return
	}
	r.want = false
	r.start(kindUnregisterAll, false)
	r.enter(Unregistering)
}

// FlowFailed tells that the flow to the registrar died (a failed
// keep-alive, a reset connection): a Registered binding may now be
// unreachable, so a REGISTER goes out at once (RFC 5626 §4.4.1) and the
// Registration enters Registering. It does nothing in any other state: a
// REGISTER under way fails by itself, and during a back-off the next
// attempt waits its turn, so that a flow that keeps failing never causes
// a storm of REGISTERs (RFC 5626 §4.5).
func (r *Registration) FlowFailed() {
	if r.closed || r.state != Registered {
		return
	}
	r.start(kindRegister, false)
	r.enter(Registering)
}

// NetworkChanged tells that our local address changed: contact and via
// replace the configured ones. When the app wants a binding (Register was
// called, and no Unregister or final failure came since), a REGISTER goes
// out at once with the new Contact and the Registration enters
// Registering; otherwise the new addresses are only kept for later.
//
// The old binding is removed in that same REGISTER: the old Contact is
// listed after the new one with ";expires=0" (RFC 3261 §10.2.2), without
// instance parameters so that a registrar matching bindings by
// +sip.instance (RFC 5627) cannot take it for the new one. With a reg-id
// it is not listed at all: the registrar replaces the binding of the same
// instance and reg-id by itself (RFC 5626 §6), and an explicit removal
// could race with that.
//
// An invalid contact or via (one that cannot make a REGISTER) is not
// taken: the old addresses stay, refreshes and retries stop, and a final
// Failed with ErrConfig tells the app.
func (r *Registration) NetworkChanged(contact sip.URI, via sip.Via) {
	if r.closed {
		return
	}
	c, err := cloneURI(contact)
	v, err2 := cleanVia(via)
	if err != nil || err2 != nil {
		r.stopTimer()
		r.att, r.want, r.routes = nil, false, nil
		r.state = Failed
		r.emit(RegEvent{State: Failed, Err: configErr("NetworkChanged: invalid contact or via")})
		return
	}
	r.replaceContact(c)
	r.via = v
	if !r.want {
		return
	}
	r.start(kindRegister, false)
	r.enter(Registering)
}

// State returns the current state.
func (r *Registration) State() RegState { return r.state }

// ServiceRoute returns a copy of the Service-Route of the last 2xx to a
// REGISTER (RFC 3608 §6): the route set, in order, that the UA puts in
// its Route headers for requests other than REGISTER while registered.
// Each 2xx replaces it (one without Service-Route empties it); a failed
// REGISTER, a removed binding and Close empty it. A re-registration
// under way (FlowFailed, NetworkChanged) keeps the last one until its
// answer.
func (r *Registration) ServiceRoute() []sip.NameAddr { return slices.Clone(r.routes) }

// Close stops the Registration: no timer of its own stays armed, the
// answer to a REGISTER under way is ignored, and no event comes any more;
// every other method does nothing from then on. Close does not unregister
// (call Unregister and wait for its event first); a REGISTER transaction
// under way still ends in the transaction layer, by its own timers.
func (r *Registration) Close() {
	r.closed = true
	r.stopTimer()
	r.att = nil
	r.routes = nil
}

// enter moves to s and tells the app when that is a change.
func (r *Registration) enter(s RegState) {
	if r.state == s {
		return
	}
	r.state = s
	r.emit(RegEvent{State: s})
}

// emit hands ev to the app unless the Registration is closed. Callers
// emit last, with their state settled, since the app may call back in.
func (r *Registration) emit(ev RegEvent) {
	if !r.closed {
		r.onEvent(ev)
	}
}

func (r *Registration) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// refresh is the refresh timer: a new REGISTER before the binding
// expires, the state staying Registered.
func (r *Registration) refresh() {
	r.timer = nil
	r.start(kindRegister, false)
}

// retry is the back-off timer after a failure.
func (r *Registration) retry() {
	r.timer = nil
	r.start(kindRegister, false)
	r.enter(Registering)
}
