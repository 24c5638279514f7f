package main

/*
#include <stdlib.h>
#include <string.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/stack"
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
)

const (
	version    = "0.1.0"
	maxStr     = 64 * 1024 // as SK__MAX_STR in sk400vop.c
	defaultRTP = 40000
)

// cstack is one stack of the C API: the engine's Stack, its handle tables,
// its event queue and dispatcher.
type cstack struct {
	id       uint64
	s        *stack.Stack
	appCtx   uintptr
	pollMode bool

	// The C copy of the event table and the argument structs of the
	// callbacks: C memory, used by the dispatcher only, freed by release.
	ev       *C.sk400vop_events
	regInfo  *C.sk400vop_reg_info
	callInfo *C.sk400vop_call_info
	reqInfo  *C.sk400vop_request_info
	cs       cstrings

	hasIncoming    bool
	onLog          C.sk400vop__log_fn
	onPending      C.sk400vop__pending_fn
	logLevel       int
	requestTimeout time.Duration
	destroyTimeout time.Duration
	msgTypes       []string // config.message_types

	closing atomic.Bool // destroy began: the API answers ERR_CLOSED
	dead    atomic.Bool // no callback any more

	mu       sync.Mutex
	accounts map[uint64]*accEntry
	calls    map[uint64]*callEntry
	txns     map[uint64]*txnEntry
	objs     map[uint64]*objEntry // subscriptions, notifiers, publications, transfers, messages
	lastErr  string

	q      queue
	pollMu sync.Mutex
	done   chan struct{} // thread mode: the dispatcher has ended

	logMu  sync.RWMutex
	logOff bool

	release func() // frees the C memory once; set by create

	// Loop-only state.
	rtpMin, rtpMax int
	rtpTimeout     time.Duration
	bm             builtin       // the built-in media (media_builtin.go)
	net            *cnet         // the app's network table, or nil (net.go)
	mt             *mediaTable   // the app's media table, or nil (media_table.go)
	waitDone       chan struct{} // destroy waits for these calls and accounts
	waitCalls      map[*ua.Call]bool
	waitAccs       map[*ua.Account]bool
	waitObjs       map[*objEntry]bool // subscriptions and publications being ended
}

// fail records err as the stack's last error and returns its status.
func (st *cstack) fail(err error) C.sk400vop_status {
	code := statusOf(err)
	if code != C.SK400VOP_OK {
		st.mu.Lock()
		st.lastErr = err.Error()
		st.mu.Unlock()
	}
	return code
}

// do runs f on the loop and returns its error. It is never called on the
// loop: the app's code runs on the dispatcher or its own threads, never on
// the loop goroutine, and the loop never waits on the dispatcher.
func (st *cstack) do(f func(u *ua.UA) error) error {
	if st.closing.Load() {
		return errClosed
	}
	var err error
	if e := st.s.Do(func(u *ua.UA) {
		if pe := st.protect(func() { err = f(u) }); pe != nil {
			err = pe
		}
	}); e != nil {
		return e
	}
	return err
}

// goStr copies a C string of at most maxStr bytes of valid UTF-8; NULL is "".
func goStr(p *C.char) (string, error) {
	if p == nil {
		return "", nil
	}
	n := int(C.strnlen(p, maxStr+1))
	if n > maxStr {
		return "", fmt.Errorf("%w: string longer than %d bytes", errInvalid, maxStr)
	}
	s := C.GoStringN(p, C.int(n))
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: string is not UTF-8", errInvalid)
	}
	return s, nil
}

// goStrN copies n bytes at p as text: valid UTF-8 without NUL.
func goStrN(p *C.char, n C.size_t) (string, error) {
	if p == nil || n == 0 {
		return "", nil
	}
	if n > maxStr {
		return "", fmt.Errorf("%w: string longer than %d bytes", errInvalid, maxStr)
	}
	s := C.GoStringN(p, C.int(n))
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("%w: string is not UTF-8 text", errInvalid)
	}
	return s, nil
}

// headerSafe refuses a value that would break out of its header line.
func headerSafe(what, s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("%w: %s holds a line break", errInvalid, what)
	}
	return nil
}

// parseListen reads "udp:host:port,tcp:host:port".
func parseListen(spec string) ([]transport.ListenSpec, error) {
	var out []transport.ListenSpec
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		proto, addr, ok := strings.Cut(part, ":")
		p, okp := transport.ParseProto(proto)
		_, port, err := net.SplitHostPort(addr)
		if err == nil {
			_, err = strconv.ParseUint(port, 10, 16)
		}
		if !ok || !okp || err != nil {
			return nil, fmt.Errorf("%w: listen %q: want proto:host:port with proto udp, tcp or tls", errInvalid, part)
		}
		out = append(out, transport.ListenSpec{Proto: p, Address: addr})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no listen socket", errInvalid)
	}
	return out, nil
}

func parseURI(what, s string) (sip.URI, error) {
	u, err := sip.ParseURI(s)
	if err != nil {
		return sip.URI{}, fmt.Errorf("%w: %s %q: %v", errInvalid, what, s, err)
	}
	return u, nil
}

// create is sk400vop_create after sk400vop.c normalised both structs.
func create(cfg *C.sk400vop_config, ev *C.sk400vop_events, netT *C.sk400vop_net, mediaT *C.sk400vop_media,
	appCtx uintptr) (*cstack, error) {
	if major := uint32(cfg.abi_version) >> 16; major != 1 {
		return nil, fmt.Errorf("%w: the app was built for ABI major %d, this library is 1", errABI, major)
	}
	listenStr, err := goStr(cfg.listen)
	if err != nil {
		return nil, err
	}
	listen, err := parseListen(listenStr)
	if err != nil {
		return nil, err
	}
	agent := "sk400vop/" + version
	if cfg.user_agent != nil {
		if agent, err = goStr(cfg.user_agent); err != nil {
			return nil, err
		}
		if err := headerSafe("user_agent", agent); err != nil {
			return nil, err
		}
	}
	if cfg.dispatch != C.SK400VOP_DISPATCH_THREAD && cfg.dispatch != C.SK400VOP_DISPATCH_POLL {
		return nil, fmt.Errorf("%w: dispatch %d", errInvalid, cfg.dispatch)
	}
	if cfg.log_level < C.SK400VOP_LOG_NONE || cfg.log_level > C.SK400VOP_LOG_DEBUG {
		return nil, fmt.Errorf("%w: log_level %d", errInvalid, cfg.log_level)
	}
	if cfg.rel100 < 0 || cfg.rel100 > C.SK400VOP_REL100_OFF {
		return nil, fmt.Errorf("%w: rel100 %d", errInvalid, cfg.rel100)
	}
	if cfg.max_procs < 0 || cfg.memory_limit < 0 {
		return nil, fmt.Errorf("%w: max_procs and memory_limit must not be negative", errInvalid)
	}
	rtpMin, rtpMax := int(cfg.rtp_port_min), int(cfg.rtp_port_max)
	if rtpMin == 0 {
		rtpMin = defaultRTP
	}
	if rtpMax == 0 {
		rtpMax = rtpMin + 999
	}
	if rtpMax < rtpMin+1 || rtpMax > 65535 {
		return nil, fmt.Errorf("%w: rtp port range %d..%d", errInvalid, rtpMin, rtpMax)
	}
	// Runtime knobs for a host app (STYLE cgo pitfall 12).
	if cfg.max_procs > 0 {
		runtime.GOMAXPROCS(int(cfg.max_procs))
	}
	if cfg.memory_limit > 0 {
		debug.SetMemoryLimit(int64(cfg.memory_limit))
	}

	st := &cstack{
		id: newID(), appCtx: appCtx, pollMode: cfg.dispatch == C.SK400VOP_DISPATCH_POLL,
		logLevel: int(cfg.log_level), accounts: map[uint64]*accEntry{}, calls: map[uint64]*callEntry{},
		txns: map[uint64]*txnEntry{}, objs: map[uint64]*objEntry{}, rtpMin: rtpMin &^ 1, rtpMax: rtpMax, done: make(chan struct{}),
		requestTimeout: time.Duration(cfg.request_timeout) * time.Second,
		rtpTimeout:     time.Duration(cfg.rtp_timeout) * time.Second,
		destroyTimeout: time.Duration(cfg.destroy_timeout_ms) * time.Millisecond,
		hasIncoming:    ev.on_incoming_call != nil,
		onLog:          C.sk400vop__log_fn(ev.on_log),
		onPending:      C.sk400vop__pending_fn(ev.on_events_pending),
	}
	if st.requestTimeout == 0 {
		st.requestTimeout = 10 * time.Second
	}
	if cfg.message_types != nil {
		mts, err := goStr(cfg.message_types)
		if err != nil {
			return nil, err
		}
		for t := range strings.SplitSeq(mts, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if _, err := sip.ParseMediaType(t); err != nil || strings.ContainsAny(t, ";\r\n") {
				return nil, fmt.Errorf("%w: message_types: %q is no type/subtype", errInvalid, t)
			}
			st.msgTypes = append(st.msgTypes, t)
		}
	}
	if len(st.msgTypes) == 0 {
		st.msgTypes = []string{"text/plain"}
	}
	if st.destroyTimeout == 0 {
		st.destroyTimeout = 2 * time.Second
	}
	if !st.pollMode {
		st.onPending = nil
	}
	st.q.init()
	if st.pollMode {
		if err := st.q.openPipe(); err != nil {
			return nil, fmt.Errorf("poll fd: %w", err)
		}
	}
	st.ev = (*C.sk400vop_events)(C.malloc(C.sizeof_sk400vop_events))
	*st.ev = *ev
	st.regInfo = (*C.sk400vop_reg_info)(C.calloc(1, C.sizeof_sk400vop_reg_info))
	st.callInfo = (*C.sk400vop_call_info)(C.calloc(1, C.sizeof_sk400vop_call_info))
	st.reqInfo = (*C.sk400vop_request_info)(C.calloc(1, C.sizeof_sk400vop_request_info))
	var once sync.Once
	st.release = func() {
		once.Do(func() {
			st.q.closePipe()
			C.free(unsafe.Pointer(st.ev))
			C.free(unsafe.Pointer(st.regInfo))
			C.free(unsafe.Pointer(st.callInfo))
			C.free(unsafe.Pointer(st.reqInfo))
			st.ev, st.regInfo, st.callInfo, st.reqInfo = nil, nil, nil, nil
			st.cs.release()
		})
	}

	noAnswer := time.Duration(cfg.no_answer_timeout) * time.Second
	if cfg.no_answer_timeout < 0 {
		noAnswer = -1
	}
	rateLimit := float64(cfg.rate_limit)
	if cfg.rate_limit < 0 {
		rateLimit = -1
	}
	uc := ua.Config{
		Events:          st.uaEvents(),
		MessageTypes:    st.msgTypes,
		NewMedia:        st.newMedia,
		UserAgent:       agent,
		SessionExpires:  time.Duration(cfg.session_expires) * time.Second,
		NoAnswerTimeout: noAnswer,
		Rel100:          ua.Rel100Policy(cfg.rel100),
		RequestTimeout:  st.requestTimeout,
		Logger:          st.logger("ua"),
	}
	tc := transport.Config{
		InsecureSkipVerify: cfg.tls_insecure != 0,
		RateLimit:          rateLimit,
		Logger:             st.logger("transport"),
	}
	// The app's network and media tables and the SIP trace (tables.go).
	if err := st.plugTables(netT, mediaT, cfg.sip_trace != 0, &uc, &tc); err != nil {
		st.shutTables()
		st.release()
		return nil, err
	}
	s, err := stack.New(stack.Config{Listen: listen, UA: uc, Transport: tc})
	if err != nil {
		st.shutTables()
		st.release()
		return nil, err
	}
	st.s = s
	if !st.pollMode {
		st.startDispatcher()
	}
	registry.Lock()
	registry.stacks[st.id] = st
	registry.Unlock()
	return st, nil
}

var errABI = errors.New("ABI version mismatch")

// destroy is sk400vop_destroy; fromCallback says it runs inside a callback
// of this stack, on its dispatcher.
func (st *cstack) destroy(fromCallback bool) {
	if st.closing.Swap(true) {
		// Another thread is destroying it: wait for the end, unless that
		// would wait on ourselves.
		if !fromCallback && !st.pollMode {
			<-st.done
		}
		return
	}
	// Graceful part: end the calls (BYE, CANCEL) and unregister, then
	// wait, at most destroyTimeout, for the peers and registrars to answer.
	var wait chan struct{}
	st.s.Do(func(u *ua.UA) {
		st.waitCalls, st.waitAccs = map[*ua.Call]bool{}, map[*ua.Account]bool{}
		st.protect(func() {
			st.mu.Lock()
			calls := make([]*callEntry, 0, len(st.calls))
			for _, e := range st.calls {
				calls = append(calls, e)
			}
			accs := make([]*accEntry, 0, len(st.accounts))
			for _, e := range st.accounts {
				accs = append(accs, e)
			}
			st.mu.Unlock()
			for _, e := range calls {
				if e.call != nil && e.call.State() != ua.Disconnected && e.call.Hangup("") == nil &&
					e.call.State() != ua.Disconnected {
					st.waitCalls[e.call] = true
				}
			}
			for _, e := range accs {
				if r := e.acc.Registration(); r != nil && (r.State() == ua.Registered || r.State() == ua.Registering) {
					if e.acc.Unregister() == nil {
						st.waitAccs[e.acc] = true
					}
				}
			}
			st.endObjs()
			if len(st.waitCalls)+len(st.waitAccs)+len(st.waitObjs) > 0 {
				wait = make(chan struct{})
				st.waitDone = wait
			}
		})
	})
	if wait != nil {
		t := time.NewTimer(st.destroyTimeout)
		select {
		case <-wait:
		case <-t.C:
		}
		t.Stop()
	}
	st.s.Close()
	st.closeBuiltin() // the loop has stopped: what the UA left open
	st.shutTables()   // no network or media table callback after this
	st.q.close()
	registry.Lock()
	delete(registry.stacks, st.id)
	registry.Unlock()

	switch {
	case fromCallback:
		// The dispatcher we run on stops after this callback and releases.
		st.dead.Store(true)
	case st.pollMode:
		st.dead.Store(true)
		st.pollMu.Lock() // wait for a poll in progress on another thread
		st.release()
		st.pollMu.Unlock()
	default:
		<-st.done // the dispatcher drains the queue, then releases
		st.dead.Store(true)
	}
	st.closeGate()
	st.mu.Lock()
	clear(st.accounts)
	clear(st.calls)
	clear(st.txns)
	clear(st.objs)
	st.mu.Unlock()
}

// ---- accounts ----

type accountArgs struct {
	aor, display, authUser, password, realm, registrar, proxy, transport, instance string
	expires                                                                        time.Duration
	autoAnswer                                                                     int
	autoDelay                                                                      time.Duration
	acceptAny                                                                      bool
	regID                                                                          int
	media                                                                          mediaOpts // call_defaults
}

func (st *cstack) accountAdd(a accountArgs, ud uintptr) (uint64, error) {
	if st.closing.Load() {
		return 0, errClosed
	}
	aor, err := parseURI("aor", a.aor)
	if err != nil {
		return 0, err
	}
	if a.transport == "" {
		a.transport = "udp"
	}
	p, ok := transport.ParseProto(a.transport)
	if !ok {
		return 0, fmt.Errorf("%w: transport %q", errInvalid, a.transport)
	}
	cfg, err := st.s.Account(aor, p)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errInvalid, err)
	}
	cfg.Display, cfg.Realm, cfg.InstanceID, cfg.RegID = a.display, a.realm, a.instance, a.regID
	if err := headerSafe("display", a.display); err != nil {
		return 0, err
	}
	if a.password != "" {
		user := a.authUser
		if user == "" {
			user = aor.User
		}
		cfg.Secret = auth.Secret{Username: user, Password: a.password}
	}
	if a.registrar != "" {
		if cfg.Registrar, err = parseURI("registrar", a.registrar); err != nil {
			return 0, err
		}
	}
	if a.proxy != "" {
		if cfg.Proxy, err = parseURI("proxy", a.proxy); err != nil {
			return 0, err
		}
	}
	cfg.Expires = a.expires
	switch a.autoAnswer {
	case C.SK400VOP_AUTO_ANSWER_OFF:
		cfg.AutoAnswer = ua.AutoAnswerOff
	case C.SK400VOP_AUTO_ANSWER_ALWAYS:
		cfg.AutoAnswer = ua.AutoAnswerAlways
	case C.SK400VOP_AUTO_ANSWER_ON_REQUEST:
		cfg.AutoAnswer = ua.AutoAnswerOnRequest
	default:
		return 0, fmt.Errorf("%w: auto_answer %d", errInvalid, a.autoAnswer)
	}
	cfg.AutoAnswerDelay, cfg.AcceptAny = a.autoDelay, a.acceptAny
	if err := a.media.check(); err != nil {
		return 0, err
	}
	e := &accEntry{id: newID(), ud: ud, media: a.media}
	err = st.do(func(u *ua.UA) error {
		acc, err := u.AddAccount(cfg)
		if err != nil {
			return err
		}
		e.acc, acc.UserData = acc, e
		st.mu.Lock()
		st.accounts[e.id] = e
		st.mu.Unlock()
		return nil
	})
	if err != nil {
		return 0, err
	}
	return e.id, nil
}

const (
	opRegister = iota + 1
	opUnregister
	opRemove
)

func (st *cstack) accountOp(id uint64, op int) error {
	e, err := st.account(id)
	if err != nil {
		return err
	}
	return st.do(func(u *ua.UA) error {
		if e.removed {
			return errBadHandle
		}
		switch op {
		case opRegister:
			return e.acc.Register()
		case opUnregister:
			if e.acc.Registration() == nil {
				return fmt.Errorf("%w: the account never registered", errState)
			}
			return e.acc.Unregister()
		default:
			e.removed = true
			st.mu.Lock()
			delete(st.accounts, id)
			var calls []*callEntry
			for _, c := range st.calls {
				if c.acc == id {
					calls = append(calls, c)
				}
			}
			st.mu.Unlock()
			for _, c := range calls {
				if c.call != nil && c.call.State() != ua.Disconnected {
					c.call.Hangup("")
				}
			}
			if r := e.acc.Registration(); r != nil && (r.State() == ua.Registered || r.State() == ua.Registering) {
				e.acc.Unregister()
			}
			return nil
		}
	})
}

func (st *cstack) setUserData(id uint64, kind int, ud uintptr) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if kind == 1 {
		if e := st.accounts[id]; e != nil {
			e.ud = ud
			return nil
		}
	} else if e := st.calls[id]; e != nil {
		e.ud = ud
		return nil
	}
	return errBadHandle
}

// ---- calls ----

// parseHeaders reads "Name: value" lines.
func parseHeaders(s string) ([][2]string, error) {
	var out [][2]string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r") || strings.ContainsRune(value, '\r') {
			return nil, fmt.Errorf("%w: header line %q", errInvalid, line)
		}
		out = append(out, [2]string{name, value})
	}
	return out, nil
}

func (st *cstack) callMake(accID uint64, uri, headers string, noOffer bool, mo mediaOpts, ud uintptr) (uint64, error) {
	ae, err := st.account(accID)
	if err != nil {
		return 0, err
	}
	target, err := parseURI("uri", uri)
	if err != nil {
		return 0, err
	}
	hs, err := parseHeaders(headers)
	if err != nil {
		return 0, err
	}
	files, err := mo.open() // before the loop: it waits on no disk
	if err != nil {
		return 0, err
	}
	e := &callEntry{id: newID(), acc: accID, ud: ud}
	err = st.do(func(u *ua.UA) error {
		if ae.removed {
			return errBadHandle
		}
		st.bm.init()
		st.bm.pending[e], files = files, nil // newMedia takes them
		defer func() {
			if f := st.bm.pending[e]; f != nil {
				f.close()
				delete(st.bm.pending, e)
			}
		}()
		// In the table before the first event can reach the dispatcher.
		st.mu.Lock()
		st.calls[e.id] = e
		st.mu.Unlock()
		c, err := ae.acc.Call(target, ua.CallOptions{NoOffer: noOffer, Headers: hs, UserData: e})
		if err != nil {
			st.mu.Lock()
			delete(st.calls, e.id)
			st.mu.Unlock()
			return err
		}
		e.call = c
		return nil
	})
	files.close() // the command never reached the loop
	if err != nil {
		return 0, err
	}
	return e.id, nil
}

// callDo runs f on the loop with the call of handle id.
func (st *cstack) callDo(id uint64, f func(c *ua.Call) error) error {
	e, err := st.callEntry(id)
	if err != nil {
		return err
	}
	return st.do(func(*ua.UA) error {
		if e.call == nil {
			return errBadHandle
		}
		return f(e.call)
	})
}

func (st *cstack) callAnswer(id uint64, code int, early bool) error {
	switch {
	case code == 200:
		return st.callDo(id, func(c *ua.Call) error { return c.Answer() })
	case code > 100 && code < 200:
		return st.callDo(id, func(c *ua.Call) error { return c.Ring(code, early) })
	}
	return fmt.Errorf("%w: answer code %d: want 101..199 or 200", errInvalid, code)
}

func (st *cstack) callReject(id uint64, code int, reason string) error {
	if code < 300 || code > 699 {
		return fmt.Errorf("%w: reject code %d: want 300..699", errInvalid, code)
	}
	if err := headerSafe("reason", reason); err != nil {
		return err
	}
	return st.callDo(id, func(c *ua.Call) error {
		if c.Outgoing() {
			return fmt.Errorf("%w: an outgoing call cannot be rejected; hang it up", errState)
		}
		return c.Reject(code, reason)
	})
}

func (st *cstack) callHangup(id uint64, reason string) error {
	if err := headerSafe("reason", reason); err != nil {
		return err
	}
	return st.callDo(id, func(c *ua.Call) error {
		if c.State() == ua.Disconnected {
			return fmt.Errorf("%w: the call is over", errState)
		}
		return c.Hangup(reason)
	})
}

// ---- transactions ----

func (st *cstack) txnRespond(id uint64, code int, reason, ctype string, body []byte) error {
	if code < 100 || code > 699 {
		return fmt.Errorf("%w: response code %d", errInvalid, code)
	}
	if err := headerSafe("reason", reason); err != nil {
		return err
	}
	if err := headerSafe("content_type", ctype); err != nil {
		return err
	}
	st.mu.Lock()
	t := st.txns[id]
	st.mu.Unlock()
	if t == nil {
		return errBadHandle
	}
	err := st.do(func(*ua.UA) error {
		resp := t.req.Response(code, reason)
		if len(body) > 0 {
			resp.SetBody(ctype, body)
		}
		return t.req.Send(resp)
	})
	if code >= 200 && (err == nil || errors.Is(err, ua.ErrState)) {
		st.mu.Lock()
		delete(st.txns, id)
		st.mu.Unlock()
	}
	return err
}
