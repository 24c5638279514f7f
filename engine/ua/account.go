package ua

import (
	"slices"
	"time"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// AccountConfig describes an account: an address of record, how to reach
// its registrar and proxy, and how it treats incoming calls. AOR, Contact
// and Via are required.
type AccountConfig struct {
	AOR     sip.URI // sip:alice@example.com
	Display string  // display name, unquoted; "" for none
	// Secret and Realm answer digest challenges (see auth.New); a zero
	// Secret answers none.
	Secret auth.Secret
	Realm  string
	// Registrar is where REGISTER goes; its zero value means the AOR's
	// domain. Registration starts only with Account.Register.
	Registrar sip.URI
	// Proxy is the outbound proxy: a loose-routing Route preloaded on
	// every request out of a dialog, REGISTER included (RFC 3261 §8.1.2).
	Proxy sip.URI
	// Contact is our address for this account; Via gives the transport
	// and sent-by of our requests (see RegistrationConfig).
	Contact    sip.URI
	Via        sip.Via
	InstanceID string
	RegID      int
	Expires    time.Duration // registration interval asked for: default 3600 s
	// AcceptAny lets a registered account take requests from anywhere.
	// By default, once registered, requests out of a dialog are taken only
	// from the addresses of its registrar and proxy; others get 403, so a
	// SIP scanner cannot ring the device directly (DESIGN §6).
	AcceptAny bool
	// AutoAnswer answers incoming calls without the app (intercoms).
	AutoAnswer AutoAnswer
	// AutoAnswerDelay waits before an AutoAnswerAlways answer, ringing
	// meanwhile; 0 answers at once.
	AutoAnswerDelay time.Duration
}

// AutoAnswer says which incoming calls are answered without the app.
type AutoAnswer uint8

const (
	// AutoAnswerOff leaves every call to the app.
	AutoAnswerOff AutoAnswer = iota
	// AutoAnswerAlways answers every call, after AutoAnswerDelay.
	AutoAnswerAlways
	// AutoAnswerOnRequest answers the calls that ask for it: an
	// "answer-after" parameter in Call-Info or Alert-Info (the delay it
	// gives), an Alert-Info with info=alert-autoanswer, or "Answer-Mode:
	// Auto" (RFC 5373 §5). The others go to the app.
	AutoAnswerOnRequest
)

// Account is an address of record of the UA: its registration, its calls
// and its policy for requests. UserData is the app's.
type Account struct {
	UserData any

	ua      *UA
	id      uint64
	cfg     AccountConfig
	aor     sip.URI
	contact sip.URI
	via     sip.Via
	route   []sip.NameAddr // the outbound proxy, or nothing
	auth    *auth.Client   // nil without a Secret
	reg     *Registration  // nil until Register
	removed bool
	servers []transport.Addr
}

// AddAccount adds an account; its registration starts with Register.
func (u *UA) AddAccount(cfg AccountConfig) (*Account, error) {
	if u.closed {
		return nil, ErrClosed
	}
	a := &Account{ua: u, id: u.newID(), cfg: cfg}
	var err error
	if a.aor, err = cloneURI(cfg.AOR); err != nil || !a.aor.IsSIP() {
		return nil, configErr("AOR must be a sip or sips URI")
	}
	if a.contact, err = cloneURI(cfg.Contact); err != nil {
		return nil, configErr("invalid Contact")
	}
	if a.via, err = cleanVia(cfg.Via); err != nil {
		return nil, configErr("invalid Via")
	}
	if cfg.Proxy.Scheme != "" {
		p, err := cloneURI(cfg.Proxy)
		if err != nil || !p.IsSIP() {
			return nil, configErr("Proxy must be a sip or sips URI")
		}
		if _, lr := p.Params.Get("lr"); !lr {
			p.Params = p.Params.With("lr", "")
		}
		a.route = []sip.NameAddr{{URI: p}}
		if a.servers, err = u.cfg.Locate(p); err != nil {
			return nil, configWrap(err)
		}
	}
	if cfg.Secret.Username != "" || cfg.Secret.Password != "" || len(cfg.Secret.HA1) != 0 {
		if err := cfg.Secret.Validate(); err != nil {
			return nil, configWrap(err)
		}
		a.auth = auth.New(cfg.Secret, cfg.Realm)
	}
	u.accounts = append(u.accounts, a)
	return a, nil
}

// ID returns the account's id, unique within the UA.
func (a *Account) ID() uint64 { return a.id }

// Accounts returns the UA's accounts, in the order they were added.
func (u *UA) Accounts() []*Account { return slices.Clone(u.accounts) }

// Transport returns the transport of the account's Via: "UDP", "TCP", "TLS".
func (a *Account) Transport() string { return a.via.Transport }

// AOR returns the account's address of record.
func (a *Account) AOR() sip.URI { return a.aor }

// Contact returns the account's Contact now: the configured one, or the
// public address the registrar reported (RFC 3581).
func (a *Account) Contact() sip.URI {
	if a.reg != nil {
		return a.reg.contact
	}
	return a.contact
}

// Register starts (or refreshes) the account's registration; its events
// reach Events.Registration.
func (a *Account) Register() error {
	if a.ua.closed {
		return ErrClosed
	}
	if a.removed {
		return ErrState
	}
	if a.reg == nil {
		registrar := a.cfg.Registrar
		if registrar.Scheme == "" {
			registrar = sip.URI{Scheme: a.aor.Scheme, Host: a.aor.Host, Port: a.aor.Port}
		}
		next := registrar
		if len(a.route) > 0 {
			next = a.route[0].URI
		}
		targets, err := a.ua.cfg.Locate(next)
		if err != nil {
			return err
		}
		a.servers = append(a.servers, targets...)
		reg, err := NewRegistration(RegistrationConfig{
			AOR: a.aor, Display: a.cfg.Display, Registrar: registrar,
			Targets: targets, Contact: a.contact, Via: a.via,
			InstanceID: a.cfg.InstanceID, RegID: a.cfg.RegID, Expires: a.cfg.Expires,
			Secret: a.cfg.Secret, Realm: a.cfg.Realm,
			Clock: a.ua.clk, Transactions: a.ua.layer,
			OnEvent: func(ev RegEvent) {
				if f := a.ua.cfg.Events.Registration; f != nil {
					f(a, ev)
				}
			},
			Rand: a.ua.rnd,
		})
		if err != nil {
			return err
		}
		a.reg = reg
	}
	a.reg.Register()
	return nil
}

// Unregister removes the account's binding (RFC 3261 §10.2.2).
func (a *Account) Unregister() error {
	if a.reg == nil || a.removed {
		return ErrState
	}
	a.reg.Unregister()
	return nil
}

// Remove takes the account out of the UA: its calls are hung up and its
// registration stops (without unregistering: call Unregister and wait for
// Unregistered first for that). Requests for it go to the other accounts
// from then on; its methods return ErrState.
func (a *Account) Remove() {
	if a.removed {
		return
	}
	a.removed = true
	for _, c := range a.ua.calls {
		if c.acc == a && !c.ended {
			c.Hangup("")
		}
	}
	if a.reg != nil {
		a.reg.Close()
	}
	a.ua.accounts = slices.DeleteFunc(a.ua.accounts, func(x *Account) bool { return x == a })
}

// Registration returns the account's registration, nil before Register.
func (a *Account) Registration() *Registration { return a.reg }

// NetworkChanged moves the account to a new local address: the
// registration registers the new Contact at once, and every confirmed call
// tells its peer with a re-INVITE or UPDATE carrying it (RFC 3261
// §12.2.1.1). Each step is reported as usual.
func (a *Account) NetworkChanged(contact sip.URI, via sip.Via) error {
	c, err := cloneURI(contact)
	if err != nil {
		return configErr("invalid Contact")
	}
	v, err := cleanVia(via)
	if err != nil {
		return configErr("invalid Via")
	}
	a.contact, a.via = c, v
	if a.reg != nil {
		a.reg.NetworkChanged(c, v)
	}
	for _, call := range a.ua.calls {
		if call.acc == a {
			call.moved()
		}
	}
	return nil
}

// accepts applies the acceptance policy to a request from src.
func (a *Account) accepts(src transport.Addr) bool {
	if a.cfg.AcceptAny || a.reg == nil || a.reg.State() == Unregistered {
		return true
	}
	return a.usesFlow(src)
}

// usesFlow reports whether addr is one of the account's servers: same IP,
// and same port for UDP (a connection's far port is its own).
func (a *Account) usesFlow(addr transport.Addr) bool {
	for _, s := range a.servers {
		if s.Addr.Addr().Unmap() != addr.Addr.Addr().Unmap() {
			continue
		}
		if addr.Proto != transport.UDP || s.Addr.Port() == addr.Addr.Port() {
			return true
		}
	}
	return false
}

// outOfDialogRoute is the Route set of a request out of a dialog: the
// registrar's Service-Route while registered (RFC 3608 §6), else the
// outbound proxy.
func (a *Account) outOfDialogRoute() []sip.NameAddr {
	if a.reg != nil && a.reg.State() == Registered {
		if sr := a.reg.ServiceRoute(); len(sr) > 0 {
			return sr
		}
	}
	return a.route
}

// fromAddr is our From for a request out of a dialog.
func (a *Account) fromAddr() sip.NameAddr {
	na := sip.NameAddr{URI: a.aor}
	if a.cfg.Display != "" {
		na.Display = quote(a.cfg.Display)
	}
	return na
}
