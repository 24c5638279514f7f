"""sk400vop: a thin ctypes binding of include/sk400vop.h (the one C contract).

Poll mode is the default: events are delivered on the caller's thread inside
Stack.poll() (or run_until()), so Python callbacks never race the app and an
exception raised by a callback surfaces from poll(). Handles are the header's
integer ids; the binding never second-guesses them, so a stale one reaches
the library and comes back as Sk400vopError(ERR_BAD_HANDLE).
"""
import atexit
import ctypes
import ctypes.util
import os
import select
import threading
import time
import traceback
import weakref
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char, c_char_p, c_int, c_int32, c_int64,
                    c_size_t, c_uint16, c_uint32, c_uint64, c_void_p)

__all__ = ["Stack", "Account", "Call", "Sk400vopError", "RegInfo", "CallInfo", "DtmfInfo",
           "run_until", "version", "strerror", "lib"]

# Status codes, dispatch modes and states, as in the header.
OK, ERR_INVALID, ERR_BAD_HANDLE, ERR_STATE, ERR_RANGE, ERR_ABI, ERR_NETWORK, ERR_CLOSED, \
    ERR_PENDING, ERR_INTERNAL, ERR_UNSUPPORTED, ERR_FAILED = 0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11
DISPATCH_THREAD, DISPATCH_POLL = 0, 1
LOG_NONE, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG = range(5)
REG_UNREGISTERED, REG_REGISTERING, REG_REGISTERED, REG_UNREGISTERING, REG_FAILED = range(5)
CALL_CALLING, CALL_INCOMING, CALL_EARLY, CALL_CONNECTING, CALL_CONFIRMED, CALL_DISCONNECTED = range(1, 7)
CALL_EV_STATE, CALL_EV_MEDIA, CALL_EV_CHANGE_FAILED, CALL_EV_REFRESHED, CALL_EV_MEDIA_TIMEOUT = range(1, 6)
DTMF_RFC4733, DTMF_INFO = 1, 2
AUTO_ANSWER_OFF, AUTO_ANSWER_ALWAYS, AUTO_ANSWER_ON_REQUEST = 0, 1, 2
ABI_VERSION = (1 << 16) | 2


def _load():
    # $SK400VOP_LIB, then the tree's own build, then the system's.
    path = os.environ.get("SK400VOP_LIB")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        built = os.path.join(here, "..", "..", "..", "build", "libsk400vop.so.1")
        path = built if os.path.exists(built) else ctypes.util.find_library("sk400vop")
    if not path:
        raise OSError("libsk400vop not found: set SK400VOP_LIB or run `make lib`")
    return ctypes.CDLL(path)  # CDLL releases the GIL during every call, so callbacks can take it


lib = _load()


# ---- Structures: field for field as in sk400vop.h (ABI 1.2) ----------------

class Config(Structure):
    _fields_ = [("struct_size", c_uint32), ("abi_version", c_uint32), ("listen", c_char_p),
                ("user_agent", c_char_p), ("dispatch", c_int32), ("log_level", c_int32),
                ("max_procs", c_int32), ("memory_limit", c_int64), ("session_expires", c_uint32),
                ("no_answer_timeout", c_int32), ("request_timeout", c_uint32), ("rel100", c_int32),
                ("tls_insecure", c_int32), ("rate_limit", c_int32), ("destroy_timeout_ms", c_uint32),
                ("sip_trace", c_int32), ("rtp_port_min", c_uint16), ("rtp_port_max", c_uint16),
                ("rtp_timeout", c_uint32), ("message_types", c_char_p)]


class CallOpts(Structure):
    _fields_ = [("struct_size", c_uint32), ("headers", c_char_p), ("no_offer", c_int32),
                ("early_media", c_int32), ("play_wav", c_char_p), ("play_loop", c_int32),
                ("tone_hz", c_uint32), ("record_wav", c_char_p)]


class AccountConfig(Structure):
    _fields_ = [("struct_size", c_uint32), ("aor", c_char_p), ("display", c_char_p),
                ("auth_user", c_char_p), ("password", c_char_p), ("realm", c_char_p),
                ("registrar", c_char_p), ("proxy", c_char_p), ("transport", c_char_p),
                ("expires", c_uint32), ("auto_answer", c_int32), ("auto_answer_delay_ms", c_uint32),
                ("accept_any", c_int32), ("instance_id", c_char_p), ("reg_id", c_int32),
                ("call_defaults", POINTER(CallOpts))]


class _RegInfo(Structure):
    _fields_ = [("struct_size", c_uint32), ("state", c_int32), ("code", c_int32), ("reason", c_char_p),
                ("expires", c_uint32), ("retry_after", c_uint32), ("error", c_char_p)]


class _CallInfo(Structure):
    _fields_ = [("struct_size", c_uint32), ("event", c_int32), ("state", c_int32), ("code", c_int32),
                ("reason", c_char_p), ("cause", c_char_p), ("local", c_int32), ("held", c_int32),
                ("outgoing", c_int32), ("account", c_uint64), ("remote_uri", c_char_p),
                ("remote_display", c_char_p)]


class _DtmfInfo(Structure):
    _fields_ = [("struct_size", c_uint32), ("digit", c_char), ("method", c_int32), ("duration_ms", c_uint32)]


REG_CB = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_void_p, POINTER(_RegInfo))
INCOMING_CB = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_void_p, c_uint64, POINTER(_CallInfo))
CALL_CB = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_void_p, POINTER(_CallInfo))
DTMF_CB = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_void_p, POINTER(_DtmfInfo))

# The whole table, so sizeof matches the header's; members not wrapped stay NULL
# (their documented defaults: 501 for requests, 489 for SUBSCRIBE, 603 for REFER...).
_OTHER = ["on_request", "on_log", "on_sip_trace", "on_events_pending"]
_OTHER12 = ["on_subscription_state", "on_notify", "on_incoming_subscription", "on_notifier_state",
            "on_publication_state", "on_transfer_progress", "on_transfer_request",
            "on_message_status", "on_message"]


class Events(Structure):
    _fields_ = ([("struct_size", c_uint32), ("on_reg_state", REG_CB), ("on_incoming_call", INCOMING_CB),
                 ("on_call_state", CALL_CB), ("on_call_media", CALL_CB)]
                + [(n, c_void_p) for n in _OTHER] + [("on_dtmf", DTMF_CB)]
                + [(n, c_void_p) for n in _OTHER12])


def _init(struct_type):
    """The header's static inline *_init(): zero, then struct_size = sizeof (and the defaults)."""
    s = struct_type()
    s.struct_size = ctypes.sizeof(struct_type)
    if struct_type is Config:
        s.abi_version, s.dispatch, s.log_level = ABI_VERSION, DISPATCH_THREAD, LOG_WARN
        s.destroy_timeout_ms, s.rtp_port_min, s.rtp_port_max = 2000, 40000, 40999
    elif struct_type is AccountConfig:
        s.expires = 3600
    return s


# ---- Functions: argtypes/restype for every one wrapped --------------------

_S, _ID = c_int32, c_uint64
for _name, _res, _args in [
    ("version", c_char_p, []),
    ("strerror", c_char_p, [_S]),
    ("last_error", _S, [_ID, c_char_p, c_size_t]),
    ("create", _S, [POINTER(Config), POINTER(Events), c_void_p, c_void_p, c_void_p, POINTER(_ID)]),
    ("destroy", _S, [_ID]),
    ("poll", _S, [_ID, c_int32]),
    ("poll_fd", _S, [_ID, POINTER(c_int)]),
    ("local_addr", _S, [_ID, c_char_p, c_char_p, c_size_t]),
    ("network_changed", _S, [_ID, c_char_p]),
    ("account_add", _S, [_ID, POINTER(AccountConfig), c_void_p, POINTER(_ID)]),
    ("account_register", _S, [_ID, _ID]),
    ("account_unregister", _S, [_ID, _ID]),
    ("account_remove", _S, [_ID, _ID]),
    ("call_make", _S, [_ID, _ID, c_char_p, POINTER(CallOpts), c_void_p, POINTER(_ID)]),
    ("call_answer", _S, [_ID, _ID, c_int32, POINTER(CallOpts)]),
    ("call_reject", _S, [_ID, _ID, c_int32, c_char_p]),
    ("call_hangup", _S, [_ID, _ID, c_char_p]),
    ("call_hold", _S, [_ID, _ID]),
    ("call_resume", _S, [_ID, _ID]),
    ("call_send_dtmf", _S, [_ID, _ID, c_char_p, c_uint32]),
]:
    _f = getattr(lib, "sk400vop_" + _name)
    _f.restype, _f.argtypes = _res, _args


# ---- Errors and text ---------------------------------------------------------

def version():
    return lib.sk400vop_version().decode("utf-8", "replace")


def strerror(code):
    return lib.sk400vop_strerror(code).decode("utf-8", "replace")


def last_error(stack_id=0):
    buf = ctypes.create_string_buffer(1024)
    lib.sk400vop_last_error(stack_id, buf, len(buf))  # RANGE only truncates: the start is enough
    return buf.value.decode("utf-8", "replace")


class Sk400vopError(Exception):
    """A negative sk400vop_status: code, name (sk400vop_strerror), message (sk400vop_last_error)."""

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code, self.name, self.message = code, strerror(code), message

    def __str__(self):
        return "%s (%d)%s" % (self.name, self.code, ": " + self.message if self.message else "")


def _check(status, stack_id=0):
    if status < 0:
        raise Sk400vopError(status, last_error(stack_id))
    return status


def _enc(s, what="string"):
    """UTF-8 for a NUL-terminated parameter; None is NULL. An embedded NUL would
    silently cut the string in C, so it is refused here as the library would."""
    if s is None:
        return None
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    if b"\0" in b:
        raise Sk400vopError(ERR_INVALID, "%s holds a NUL byte" % what)
    return b


def _dec(b):
    return b.decode("utf-8", "replace") if b is not None else ""


def _fill(struct, fields):
    """Sets struct members by name; strings are encoded, unknown names refused."""
    types = dict(struct._fields_)
    for k, v in fields.items():
        if k not in types or k == "struct_size":
            raise TypeError("unknown option %r for %s" % (k, type(struct).__name__))
        setattr(struct, k, _enc(v, k) if types[k] is c_char_p else v)
    return struct


def _opts(opts):
    return byref(_fill(_init(CallOpts), opts)) if opts else None


# ---- Event payloads: copies, because the C structs die when the callback returns

class _Info:
    def __init__(self, c, **extra):
        for name, t in c._fields_:
            if name != "struct_size":
                v = getattr(c, name)
                setattr(self, name, _dec(v) if t in (c_char_p, c_char) else v)
        self.__dict__.update(extra)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % kv for kv in vars(self).items()))


class RegInfo(_Info):
    pass


class CallInfo(_Info):
    pass


class DtmfInfo(_Info):
    pass


# ---- Objects -----------------------------------------------------------------

class Account:
    def __init__(self, stack, account_id, aor):
        self.stack, self.id, self.aor = stack, account_id, aor
        self.reg_state = None  # last RegInfo

    def register(self):
        _check(lib.sk400vop_account_register(self.stack.id, self.id), self.stack.id)

    def unregister(self):
        _check(lib.sk400vop_account_unregister(self.stack.id, self.id), self.stack.id)

    def remove(self):
        _check(lib.sk400vop_account_remove(self.stack.id, self.id), self.stack.id)

    def call(self, uri, **opts):
        """Places a call; opts are sk400vop_call_opts members (tone_hz=440, headers=...)."""
        return self.stack._make_call(self, uri, opts)

    def __repr__(self):
        return "Account(%d, %r)" % (self.id, self.aor)


class Call:
    def __init__(self, stack, call_id):
        self.stack, self.id = stack, call_id
        self.state = 0      # last SK400VOP_CALL_* reported
        self.info = None    # last CallInfo (state or media event)

    def _do(self, status):
        _check(status, self.stack.id)

    def answer(self, code=200, **opts):
        """180/183 (early_media=1 carries SDP) or 200; opts as for Account.call."""
        self._do(lib.sk400vop_call_answer(self.stack.id, self.id, code, _opts(opts)))

    def reject(self, code=486, reason=None):
        self._do(lib.sk400vop_call_reject(self.stack.id, self.id, code, _enc(reason, "reason")))

    def hangup(self, reason=None):
        self._do(lib.sk400vop_call_hangup(self.stack.id, self.id, _enc(reason, "reason")))

    def hold(self):
        self._do(lib.sk400vop_call_hold(self.stack.id, self.id))

    def resume(self):
        self._do(lib.sk400vop_call_resume(self.stack.id, self.id))

    def send_dtmf(self, digits, duration_ms=0):
        self._do(lib.sk400vop_call_send_dtmf(self.stack.id, self.id, _enc(digits, "digits"), duration_ms))

    def __repr__(self):
        return "Call(%d, state=%d)" % (self.id, self.state)


EVENTS = ("on_reg_state", "on_incoming_call", "on_call_state", "on_call_media", "on_dtmf")
_live = weakref.WeakSet()


class Stack:
    """A running stack. Events go to handler's methods named as in EVENTS, or to
    callables given as keywords (they win): on_reg_state(account, info),
    on_incoming_call(call, info), on_call_state(call, info),
    on_call_media(call, info), on_dtmf(call, info). Other keywords are
    sk400vop_config members (no_answer_timeout=5, rtp_port_min=...).
    dispatch="poll" (default): events run inside poll()/run_until() on the
    caller's thread; "thread": on the stack's own thread."""

    def __init__(self, listen="udp:127.0.0.1:0", handler=None, dispatch="poll", **kw):
        self._closed, self._fd, self._exc = True, None, None
        self._lock = threading.Lock()  # the maps, in case of thread mode
        self._calls, self._accounts = {}, {}
        self._handlers = {n: getattr(handler, n) for n in EVENTS if callable(getattr(handler, n, None))}
        self._handlers.update({k: kw.pop(k) for k in list(kw) if k in EVENTS})
        cfg = _fill(_init(Config), dict(kw, listen=listen))
        cfg.dispatch = {"poll": DISPATCH_POLL, "thread": DISPATCH_THREAD}[dispatch]
        ev = _init(Events)
        # Strong references for the stack's lifetime: the library keeps the
        # raw pointers, and a collected CFUNCTYPE object would be freed memory.
        self._keep = [REG_CB(self._on_reg), CALL_CB(self._on_state), CALL_CB(self._on_media),
                      DTMF_CB(self._on_dtmf)]
        ev.on_reg_state, ev.on_call_state, ev.on_call_media, ev.on_dtmf = self._keep
        # Only with a handler: NULL has a meaning of its own (refuse with 480
        # unless the account auto-answers).
        if "on_incoming_call" in self._handlers:
            self._keep.append(INCOMING_CB(self._on_incoming))
            ev.on_incoming_call = self._keep[-1]
        sid = c_uint64()
        _check(lib.sk400vop_create(byref(cfg), byref(ev), None, None, None, byref(sid)))
        self.id, self._closed = sid.value, False
        _live.add(self)
        if cfg.dispatch == DISPATCH_POLL:
            fd = c_int(-1)
            _check(lib.sk400vop_poll_fd(self.id, byref(fd)), self.id)
            self._fd = fd.value

    # -- lifecycle
    def close(self):
        """sk400vop_destroy: hangs up, unregisters; no callback after. Idempotent."""
        if not self._closed:
            self._closed, self._fd = True, None  # destroy closes the fd: never select on it again
            _live.discard(self)
            _check(lib.sk400vop_destroy(self.id))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # -- poll mode
    def fileno(self):
        """The poll fd (readable while events are pending), for select/selectors."""
        if self._fd is None:
            raise ValueError("stack closed or not in poll mode")
        return self._fd

    def poll(self, timeout=0.0):
        """Delivers pending events here, waiting up to timeout s (None: until one comes).
        Returns how many; re-raises the first exception a callback raised."""
        ms = -1 if timeout is None else int(timeout * 1000)
        n = _check(lib.sk400vop_poll(self.id, ms), self.id)
        exc, self._exc = self._exc, None
        if exc is not None:
            raise exc
        return n

    def run_until(self, cond, timeout=10.0):
        return run_until(cond, self, timeout=timeout)

    # -- objects
    def local_addr(self, proto="udp"):
        buf = ctypes.create_string_buffer(256)
        _check(lib.sk400vop_local_addr(self.id, _enc(proto, "proto"), buf, len(buf)), self.id)
        return buf.value.decode("utf-8", "replace")

    def network_changed(self, listen):
        _check(lib.sk400vop_network_changed(self.id, _enc(listen, "listen")), self.id)

    def add_account(self, aor, call_defaults=None, **kw):
        """kw: sk400vop_account_config members (password=, registrar=, auto_answer=...);
        call_defaults: a dict of call options for incoming calls."""
        acc = _fill(_init(AccountConfig), dict(kw, aor=aor))
        if call_defaults:
            acc.call_defaults = ctypes.pointer(_fill(_init(CallOpts), call_defaults))
        aid = c_uint64()
        _check(lib.sk400vop_account_add(self.id, byref(acc), None, byref(aid)), self.id)
        with self._lock:
            a = self._accounts[aid.value] = Account(self, aid.value, aor)
        return a

    def _make_call(self, account, uri, opts):
        cid = c_uint64()
        _check(lib.sk400vop_call_make(self.id, account.id, _enc(uri, "uri"), _opts(opts), None,
                                      byref(cid)), self.id)
        return self._call(cid.value)

    def _call(self, cid):
        # One Call object per handle, whether the app or an event sees it first.
        with self._lock:
            return self._calls.setdefault(cid, Call(self, cid))

    # -- trampolines: the library -> Python, on the dispatcher
    def _emit(self, name, *args):
        fn = self._handlers.get(name)
        if fn is None:
            return
        try:
            fn(*args)
        except BaseException as e:  # never let it unwind into C: hand it to poll()
            if self._fd is None:
                traceback.print_exc()  # thread mode: nobody to hand it to
            elif self._exc is None:
                self._exc = e

    def _on_reg(self, ctx, stack, account, ud, info):
        r = RegInfo(info.contents)
        with self._lock:
            a = self._accounts.get(account)
        if a is not None:
            a.reg_state = r
            self._emit("on_reg_state", a, r)

    def _on_incoming(self, ctx, stack, account, ud, call, info):
        c = self._call(call)
        c.info = CallInfo(info.contents)
        c.state = c.info.state
        self._emit("on_incoming_call", c, c.info)

    def _on_state(self, ctx, stack, call, ud, info):
        c = self._call(call)
        c.info = CallInfo(info.contents)
        c.state = c.info.state
        if c.state == CALL_DISCONNECTED:  # the handle is stale once this returns
            with self._lock:
                self._calls.pop(call, None)
        self._emit("on_call_state", c, c.info)

    def _on_media(self, ctx, stack, call, ud, info):
        c = self._call(call)
        c.info = CallInfo(info.contents)
        self._emit("on_call_media", c, c.info)

    def _on_dtmf(self, ctx, stack, call, ud, info):
        self._emit("on_dtmf", self._call(call), DtmfInfo(info.contents))


def run_until(cond, *stacks, timeout=10.0):
    """Delivers the events of stacks (poll mode, waiting on their fds) until cond()
    is true; raises TimeoutError after timeout s. Thread-mode stacks just get time."""
    deadline = time.monotonic() + timeout
    while not cond():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("condition not met within %.1f s" % timeout)
        open_ = [s for s in stacks if s._fd is not None]
        if not open_:
            time.sleep(min(left, 0.02))
            continue
        ready, _, _ = select.select(open_, [], [], min(left, 0.1))
        for s in ready:
            s.poll(0)
    return True


@atexit.register
def _close_all():
    # A thread-mode dispatcher must not call into a finalizing interpreter.
    for s in list(_live):
        try:
            s.close()
        except Exception:
            pass
