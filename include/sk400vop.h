/*
 * sk400vop.h — the C contract of the sk400vop SIP stack.
 *
 * This hand-written header is the only public interface of libsk400vop.so
 * (Linux, Android) and libsk400vop.a (iOS). It is C99 and C++ clean.
 *
 * Model
 *   - Every object is an opaque uint64_t handle (0 = none). Handles grow
 *     monotonically and are never reused; a stale or unknown one is answered
 *     with SK400VOP_ERR_BAD_HANDLE, never a crash.
 *   - Every function returns an sk400vop_status: 0 (SK400VOP_OK) or a negative
 *     error code; sk400vop_strerror() names it, sk400vop_last_error() details it.
 *   - Every config struct and every app-supplied table starts with
 *     uint32_t struct_size. Fill it with the matching static inline
 *     sk400vop_*_init(); the library reads min(struct_size, its own size) and
 *     zero-fills the rest, so the ABI grows by appending members. A
 *     struct_size smaller than the struct of ABI 1.0 is refused
 *     (SK400VOP_ERR_INVALID).
 *   - Events reach the app in order, one at a time, from one dispatcher: a
 *     stack-owned thread (SK400VOP_DISPATCH_THREAD), which ends once the
 *     stack is destroyed and its last event delivered (thread-local
 *     destructors run: a JNI layer detaches there), or the app's own thread
 *     inside sk400vop_poll() (SK400VOP_DISPATCH_POLL).
 *   - Every function is safe from any thread and from inside any callback of
 *     the event table (but see on_log and on_events_pending). Functions that
 *     act on the engine hand it a command and return once the engine has taken
 *     it (microseconds): they never wait for the network or for the
 *     dispatcher. The outcome arrives as an event naming the same handle.
 *   - Strings passed in are UTF-8, NUL-terminated unless a length is given,
 *     and copied before the call returns. Strings and structs passed to a
 *     callback are valid only until it returns: copy what you keep.
 *
 * One Go runtime per process: an app that already embeds another Go library
 * must build one combined library. The library cannot be unloaded (dlclose).
 */
#ifndef SK400VOP_H
#define SK400VOP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SK400VOP_API __declspec(dllimport)
#elif defined(__GNUC__) || defined(__clang__)
#define SK400VOP_API __attribute__((visibility("default")))
#else
#define SK400VOP_API
#endif

/* ABI version: major << 16 | minor. sk400vop_create() rejects a config whose
 * abi_version has another major (SK400VOP_ERR_ABI). The major is also the
 * SONAME: libsk400vop.so.1. A minor bump only appends. */
#define SK400VOP_ABI_VERSION_MAJOR 1
#define SK400VOP_ABI_VERSION_MINOR 3
#define SK400VOP_ABI_VERSION \
    ((uint32_t)((SK400VOP_ABI_VERSION_MAJOR << 16) | SK400VOP_ABI_VERSION_MINOR))

/* ------------------------------------------------------------------------ */
/* Handles and status codes                                                 */
/* ------------------------------------------------------------------------ */

typedef uint64_t sk400vop_stack_id;   /* a running stack */
typedef uint64_t sk400vop_account_id; /* an address of record */
typedef uint64_t sk400vop_call_id;    /* an INVITE session */
typedef uint64_t sk400vop_txn_id;     /* a server transaction handed to the app */
/* ABI 1.2 */
typedef uint64_t sk400vop_sub_id;      /* a subscription of ours (SUBSCRIBE sent) */
typedef uint64_t sk400vop_notifier_id; /* a subscription a peer made to us (SUBSCRIBE received) */
typedef uint64_t sk400vop_pub_id;      /* a publication of ours (PUBLISH) */
typedef uint64_t sk400vop_transfer_id; /* a REFER received in a call, until answered */
typedef uint64_t sk400vop_msg_id;      /* a MESSAGE of ours, until its outcome */

typedef int32_t sk400vop_status;

enum {
    SK400VOP_OK = 0,
    SK400VOP_ERR_INVALID = -1,     /* NULL, malformed or out-of-range argument */
    SK400VOP_ERR_BAD_HANDLE = -2,  /* unknown, stale or wrong-kind handle */
    SK400VOP_ERR_STATE = -3,       /* not allowed in the object's state, or from this callback */
    SK400VOP_ERR_RANGE = -4,       /* caller buffer too small (output truncated) */
    SK400VOP_ERR_ABI = -5,         /* abi_version major mismatch */
    SK400VOP_ERR_NETWORK = -6,     /* a socket could not be opened or bound */
    SK400VOP_ERR_CLOSED = -7,      /* the stack is being destroyed */
    SK400VOP_ERR_PENDING = -8,     /* another change of the call is under way: retry later */
    SK400VOP_ERR_INTERNAL = -9,    /* a bug in the library, recovered and logged */
    SK400VOP_ERR_UNSUPPORTED = -10,/* reserved: returned by no function of ABI 1.x today */
    SK400VOP_ERR_FAILED = -11      /* the engine refused; sk400vop_last_error() says why */
};

/* Dispatch modes (sk400vop_config.dispatch). */
enum {
    SK400VOP_DISPATCH_THREAD = 0, /* callbacks on one stack-owned OS thread */
    SK400VOP_DISPATCH_POLL = 1    /* callbacks inside sk400vop_poll() only */
};

/* Log levels (sk400vop_config.log_level, on_log). */
enum {
    SK400VOP_LOG_NONE = 0,
    SK400VOP_LOG_ERROR = 1,
    SK400VOP_LOG_WARN = 2,
    SK400VOP_LOG_INFO = 3,
    SK400VOP_LOG_DEBUG = 4
};

/* Registration states (sk400vop_reg_info.state). */
enum {
    SK400VOP_REG_UNREGISTERED = 0,
    SK400VOP_REG_REGISTERING = 1,
    SK400VOP_REG_REGISTERED = 2,
    SK400VOP_REG_UNREGISTERING = 3,
    SK400VOP_REG_FAILED = 4
};

/* Call states (sk400vop_call_info.state), in the order a call goes through them. */
enum {
    SK400VOP_CALL_CALLING = 1,      /* our INVITE is out */
    SK400VOP_CALL_INCOMING = 2,     /* an INVITE came in and waits for the app */
    SK400VOP_CALL_EARLY = 3,        /* 18x sent or received: early dialog */
    SK400VOP_CALL_CONNECTING = 4,   /* we sent the 2xx and wait for the ACK */
    SK400VOP_CALL_CONFIRMED = 5,    /* the call is up */
    SK400VOP_CALL_DISCONNECTED = 6  /* the call is over: code says why */
};

/* What a call event reports (sk400vop_call_info.event). */
enum {
    SK400VOP_CALL_EV_STATE = 1,         /* the call entered info->state */
    SK400VOP_CALL_EV_MEDIA = 2,         /* an offer/answer exchange completed (hold, resume...) */
    SK400VOP_CALL_EV_CHANGE_FAILED = 3, /* our re-INVITE/UPDATE failed; the session stays as it was */
    SK400VOP_CALL_EV_REFRESHED = 4,     /* a session refresh (RFC 4028) succeeded */
    SK400VOP_CALL_EV_MEDIA_TIMEOUT = 5  /* (ABI 1.1) built-in media: no RTP came for
                                           config.rtp_timeout; the call stays up */
};

/* How a DTMF digit travelled (sk400vop_dtmf_info.method). ABI 1.1. */
enum {
    SK400VOP_DTMF_RFC4733 = 1, /* telephone-event in the RTP stream (RFC 4733) */
    SK400VOP_DTMF_INFO = 2     /* SIP INFO, application/dtmf-relay or application/dtmf */
};

/* Auto-answer modes (sk400vop_account_config.auto_answer). */
enum {
    SK400VOP_AUTO_ANSWER_OFF = 0,        /* every call goes to on_incoming_call */
    SK400VOP_AUTO_ANSWER_ALWAYS = 1,     /* answer every call (after auto_answer_delay_ms) */
    SK400VOP_AUTO_ANSWER_ON_REQUEST = 2  /* answer calls that ask for it (Answer-Mode: Auto, RFC 5373) */
};

/* Reliable provisional responses (sk400vop_config.rel100). */
enum {
    SK400VOP_REL100_SUPPORTED = 0,
    SK400VOP_REL100_REQUIRED = 1,
    SK400VOP_REL100_OFF = 2
};

/* Subscription states, of ours and of a peer's to us (RFC 6665 §4.1.3).
 * ABI 1.2. */
enum {
    SK400VOP_SUB_SUBSCRIBING = 1, /* our SUBSCRIBE is out, no NOTIFY yet */
    SK400VOP_SUB_PENDING = 2,     /* not authorised yet (or: waits for the app) */
    SK400VOP_SUB_ACTIVE = 3,      /* in place */
    SK400VOP_SUB_TERMINATED = 4   /* over: info->why and retry_after say how */
};

/* Publication states (RFC 3903). ABI 1.2. */
enum {
    SK400VOP_PUB_PUBLISHING = 1,   /* the first PUBLISH is out */
    SK400VOP_PUB_PUBLISHED = 2,    /* the server holds our state (first, modified, refreshed) */
    SK400VOP_PUB_UNPUBLISHING = 3, /* the removing PUBLISH is out */
    SK400VOP_PUB_UNPUBLISHED = 4   /* removed, or publishing failed (code says how) */
};

/* ------------------------------------------------------------------------ */
/* Library                                                                  */
/* ------------------------------------------------------------------------ */

/* sk400vop_version returns the library version, e.g. "sk400vop 0.1.0 (abi 1.0)".
 * Ownership: a static string; do not free.
 * Thread-safety: any thread, any callback.
 * Returns: never NULL. */
SK400VOP_API const char *sk400vop_version(void);

/* sk400vop_strerror names a status code.
 * Ownership: a static string; do not free.
 * Thread-safety: any thread, any callback.
 * Returns: never NULL; "ok" for SK400VOP_OK and for any positive value
 * (the count some functions such as sk400vop_poll return); "unknown
 * status" for a negative code it does not know. */
SK400VOP_API const char *sk400vop_strerror(sk400vop_status status);

/* sk400vop_last_error copies the detail of the last error a function returned
 * for stack (0: the last sk400vop_create failure of the process) into buf,
 * NUL-terminated. The detail never holds a password or digest.
 * Ownership: buf is the caller's.
 * Thread-safety: any thread, any callback. With several threads failing on
 *   one stack the detail is the latest of them.
 * Returns: SK400VOP_OK (an empty string if no error was recorded);
 *   SK400VOP_ERR_RANGE when truncated; SK400VOP_ERR_INVALID for buf NULL or
 *   len 0; SK400VOP_ERR_BAD_HANDLE for an unknown stack. */
SK400VOP_API sk400vop_status sk400vop_last_error(sk400vop_stack_id stack, char *buf, size_t len);

/* sk400vop_free frees memory the library allocated and handed to the app.
 * (No phase-1 function returns such memory; the media and network tables of
 * the next versions will.)
 * Ownership: p must come from the library; NULL is ignored.
 * Thread-safety: any thread, any callback.
 * Returns: nothing. */
SK400VOP_API void sk400vop_free(void *p);

/* ------------------------------------------------------------------------ */
/* Stack configuration                                                      */
/* ------------------------------------------------------------------------ */

typedef struct sk400vop_config {
    uint32_t struct_size;   /* sizeof(sk400vop_config), set by sk400vop_config_init */
    uint32_t abi_version;   /* SK400VOP_ABI_VERSION, set by sk400vop_config_init */
    /* Sockets to listen on, comma-separated "proto:host:port" with proto
     * udp, tcp or tls: "udp:192.0.2.1:5060,tcp:192.0.2.1:5060", "udp:[::1]:0".
     * Port 0 picks a free port. Required. The host should be the address
     * peers reach: it becomes the Contact and Via of accounts. */
    const char *listen;
    const char *user_agent;        /* User-Agent/Server header; NULL: "sk400vop/<version>", "": none */
    int32_t dispatch;              /* SK400VOP_DISPATCH_THREAD (default) or _POLL */
    int32_t log_level;             /* SK400VOP_LOG_*: what reaches on_log (default WARN) */
    int32_t max_procs;             /* > 0: runtime.GOMAXPROCS for the process; 0: leave (default 0) */
    int64_t memory_limit;          /* > 0: Go soft memory limit in bytes for the process; 0: leave */
    uint32_t session_expires;      /* s; session interval our INVITEs ask for (RFC 4028); 0: none */
    int32_t no_answer_timeout;     /* s; end unanswered calls (default 180 via 0); < 0: never */
    uint32_t request_timeout;      /* s; answer 500 for requests the app leaves unanswered (0: 10) */
    int32_t rel100;                /* SK400VOP_REL100_* (default SUPPORTED) */
    int32_t tls_insecure;          /* 0 (default): verify TLS peers; 1: do not (lab setups only) */
    int32_t rate_limit;            /* requests/s accepted per source IP (0: 200); < 0: no limit */
    uint32_t destroy_timeout_ms;   /* bound of sk400vop_destroy's wait for unregistration (0: 2000) */
    int32_t sip_trace;             /* 1: copy every SIP datagram / stream chunk sent or read to
                                      on_sip_trace (default 0) */
    uint16_t rtp_port_min;         /* port pairs (RTP even, RTCP odd) of the built-in media */
    uint16_t rtp_port_max;         /* (defaults 40000..40999) */
    /* ABI 1.1 */
    uint32_t rtp_timeout;          /* s without RTP before SK400VOP_CALL_EV_MEDIA_TIMEOUT (0: 30) */
    /* ABI 1.2 */
    /* Body types of MESSAGE that on_message takes, comma-separated
     * ("text/plain,application/im-iscomposing+xml"); others are answered
     * 415 with an Accept header (RFC 3428 §7). NULL: "text/plain". */
    const char *message_types;
} sk400vop_config;

/* sk400vop_config_init sets struct_size, abi_version and every default.
 * Ownership: cfg is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_config_init(sk400vop_config *cfg)
{
    sk400vop_config zero = {0};
    *cfg = zero;
    cfg->struct_size = (uint32_t)sizeof(sk400vop_config);
    cfg->abi_version = SK400VOP_ABI_VERSION;
    cfg->dispatch = SK400VOP_DISPATCH_THREAD;
    cfg->log_level = SK400VOP_LOG_WARN;
    cfg->destroy_timeout_ms = 2000;
    cfg->rtp_port_min = 40000;
    cfg->rtp_port_max = 40999;
}

/* ------------------------------------------------------------------------ */
/* Event table: stack -> app                                                */
/* ------------------------------------------------------------------------ */

/* sk400vop_reg_info describes a registration event. */
typedef struct sk400vop_reg_info {
    uint32_t struct_size;
    int32_t state;          /* SK400VOP_REG_* */
    int32_t code;           /* final response status behind it: 2xx, failure, 408 timeout, 503 transport; 0 */
    const char *reason;     /* reason phrase; never NULL */
    uint32_t expires;       /* s the registrar keeps the binding (REGISTERED) */
    uint32_t retry_after;   /* s until the next attempt (FAILED); 0: final, call register again */
    const char *error;      /* detail of a FAILED (e.g. "ua: credentials refused"); "" otherwise */
} sk400vop_reg_info;

/* sk400vop_call_info describes a call event or a new incoming call. */
typedef struct sk400vop_call_info {
    uint32_t struct_size;
    int32_t event;              /* SK400VOP_CALL_EV_* */
    int32_t state;              /* SK400VOP_CALL_*: the state after the event */
    int32_t code;               /* status behind the event (408 timeout, 503 transport, 200 BYE); 0 */
    const char *reason;         /* its reason phrase; never NULL */
    const char *cause;          /* Reason header (RFC 3326) of the peer's BYE/CANCEL; never NULL */
    int32_t local;              /* 1: follows an action of ours (hangup, hold...) */
    int32_t held;               /* 1: we hold the call */
    int32_t outgoing;           /* 1: we placed the call */
    sk400vop_account_id account;/* the call's account */
    const char *remote_uri;     /* the peer: To of our INVITE, From of theirs; never NULL */
    const char *remote_display; /* its display name, unquoted; never NULL */
} sk400vop_call_info;

/* sk400vop_dtmf_info describes a DTMF digit received (on_dtmf). ABI 1.1. */
typedef struct sk400vop_dtmf_info {
    uint32_t struct_size;
    char digit;             /* '0'-'9', '*', '#', 'A'-'D' */
    int32_t method;         /* SK400VOP_DTMF_RFC4733 or SK400VOP_DTMF_INFO */
    uint32_t duration_ms;   /* how long the key was held, as the peer said */
} sk400vop_dtmf_info;

/* sk400vop_request_info describes a request handed to the app (on_request). */
typedef struct sk400vop_request_info {
    uint32_t struct_size;
    const char *method;          /* "MESSAGE", "INFO", "OPTIONS"... */
    const char *request_uri;
    const char *from;            /* From header value */
    const char *to;              /* To header value */
    const char *call_id;
    const char *content_type;    /* "" without a body */
    const char *body;            /* body_len bytes, may hold NUL (also NUL-terminated) */
    size_t body_len;
    const char *message;         /* the whole request, message_len bytes (also NUL-terminated) */
    size_t message_len;
    sk400vop_account_id account; /* the account it is for; 0 for none */
    void *account_user_data;
    sk400vop_call_id call;       /* the call whose dialog it came in; 0 out of a dialog */
    void *call_user_data;
} sk400vop_request_info;

/* sk400vop_subscription_info describes an event of a subscription of ours
 * (on_subscription_state, on_notify). ABI 1.2. */
typedef struct sk400vop_subscription_info {
    uint32_t struct_size;
    int32_t state;               /* SK400VOP_SUB_*: the state after the event */
    const char *event;           /* the Event header subscribed with ("presence"); never NULL */
    const char *target;          /* the URI subscribed to; never NULL */
    const char *content_type;    /* on_notify: the NOTIFY's body type; "" without a body */
    const char *body;            /* on_notify: body_len bytes, may hold NUL (also NUL-terminated) */
    size_t body_len;
    uint32_t expires;            /* s left, as the last 2xx or NOTIFY said */
    int32_t code;                /* TERMINATED without a NOTIFY: the response behind it (489 Bad
                                    Event, 403..., 408 no answer or no NOTIFY, 503 transport); 0 */
    const char *reason;          /* its reason phrase; never NULL */
    const char *why;             /* TERMINATED by a NOTIFY: its reason parameter ("deactivated",
                                    "rejected", "timeout", "noresource"...); never NULL */
    uint32_t retry_after;        /* TERMINATED: > 0 when the stack subscribes again by itself after
                                    this many s (the handle stays); 0: over, the handle is stale
                                    once the callback returns */
    sk400vop_account_id account; /* the account that subscribed */
    sk400vop_sub_id origin;      /* a forked SUBSCRIBE (RFC 6665 §4.1.2.4) brought NOTIFYs from a
                                    second notifier: that subscription has a handle of its own
                                    (with the origin's user_data) and origin names the one the app
                                    made; otherwise origin is the handle itself */
} sk400vop_subscription_info;

/* sk400vop_notifier_info describes a subscription a peer made to us
 * (on_incoming_subscription, on_notifier_state). ABI 1.2. */
typedef struct sk400vop_notifier_info {
    uint32_t struct_size;
    int32_t state;               /* SK400VOP_SUB_*: PENDING while it waits for the app's answer;
                                    then as the app set it, or TERMINATED */
    const char *event;           /* the event package, lower case ("presence"); never NULL */
    const char *from;            /* the subscriber: From URI; never NULL */
    const char *from_display;    /* its display name; never NULL */
    const char *accept;          /* the SUBSCRIBE's Accept header; "" without one */
    uint32_t expires;            /* s asked (incoming) or granted by the last refresh */
    const char *why;             /* TERMINATED: "unsubscribed", "timeout" or "failed" (a NOTIFY
                                    got 481, 408 or nothing: the subscriber is gone); "" otherwise */
    int32_t code;                /* "failed": the NOTIFY's answer (481, 408); 0 */
    sk400vop_account_id account; /* the account subscribed to */
} sk400vop_notifier_info;

/* sk400vop_publication_info describes an event of a publication of ours
 * (on_publication_state). ABI 1.2. */
typedef struct sk400vop_publication_info {
    uint32_t struct_size;
    int32_t state;               /* SK400VOP_PUB_*; after UNPUBLISHED the handle is stale */
    int32_t code;                /* final response behind it; 408 no answer, 503 transport */
    const char *reason;          /* its reason phrase; never NULL */
    uint32_t expires;            /* PUBLISHED: s the server keeps our state */
    const char *etag;            /* the entity-tag of our state at the server; "" for none */
    sk400vop_account_id account;
} sk400vop_publication_info;

/* sk400vop_transfer_info describes a transfer: one we asked for
 * (on_transfer_progress) or a REFER the peer sent (on_transfer_request).
 * ABI 1.2. */
typedef struct sk400vop_transfer_info {
    uint32_t struct_size;
    /* on_transfer_progress: the REFER's answer (202: accepted; a refusal is
     * final), then each status line the transferee reported of its new
     * call: 100, 180, 200, 486...; 408 when it stopped reporting. */
    int32_t code;
    const char *reason;          /* its reason phrase; never NULL */
    int32_t final;               /* 1: the transfer is over; it succeeded when code is 2xx (not
                                    the REFER's 202): the app usually hangs the call up then */
    /* on_transfer_request: */
    const char *target;          /* the URI we are asked to call; never NULL */
    const char *referred_by;     /* who asked: Referred-By (RFC 3892), else the peer; never NULL */
    const char *replaces;        /* attended transfer: the Replaces the new call carries
                                    (RFC 3891); "" for a blind one */
    sk400vop_account_id account; /* the call's account */
} sk400vop_transfer_info;

/* sk400vop_message_info describes an instant message (RFC 3428): one
 * received (on_message) or the outcome of one sent (on_message_status).
 * ABI 1.2. */
typedef struct sk400vop_message_info {
    uint32_t struct_size;
    int32_t code;                /* on_message_status: the final response (2xx: delivered), 408
                                    for no answer, 503 for a transport failure */
    const char *reason;          /* its reason phrase; never NULL */
    const char *uri;             /* on_message: the sender's From URI; on_message_status: the
                                    target; never NULL */
    const char *display;         /* on_message: the sender's display name; never NULL */
    const char *to;              /* on_message: the To URI; never NULL */
    const char *content_type;    /* on_message: the body type ("text/plain"); never NULL */
    const char *body;            /* on_message: body_len bytes, may hold NUL (also NUL-terminated) */
    size_t body_len;
    sk400vop_account_id account; /* the account it is for / that sent it; 0 for none */
    void *account_user_data;
    sk400vop_call_id call;       /* on_message: the call whose dialog it came in; 0 out of a dialog */
    void *call_user_data;
} sk400vop_message_info;

/* The event table. Every member is optional: NULL means the default written
 * beside it. Every callback gets app_ctx (the value given to sk400vop_create)
 * first, the handle of the object the event concerns, and the user_data the
 * app attached to that object. Unless said otherwise, callbacks run on the
 * dispatcher (in order, never concurrently) and may call any sk400vop_*
 * function, including sk400vop_destroy. A callback that blocks delays the
 * following events but never the engine. */
typedef struct sk400vop_events {
    uint32_t struct_size; /* sizeof(sk400vop_events), set by sk400vop_events_init */

    /* A registration changed state (also on every refresh and every failure).
     * NULL: nothing is reported. */
    void (*on_reg_state)(void *app_ctx, sk400vop_stack_id stack, sk400vop_account_id account,
                         void *account_user_data, const sk400vop_reg_info *info);

    /* A new call came in (info->state INCOMING, or already answering when the
     * account auto-answers). Answer with sk400vop_call_answer / _reject, now
     * or later, from any thread; attach data with sk400vop_call_set_user_data.
     * NULL: calls are refused with 480 unless the account auto-answers. */
    void (*on_incoming_call)(void *app_ctx, sk400vop_stack_id stack, sk400vop_account_id account,
                             void *account_user_data, sk400vop_call_id call,
                             const sk400vop_call_info *info);

    /* A call changed state (info->event SK400VOP_CALL_EV_STATE). After the
     * DISCONNECTED event returns the call handle is stale.
     * NULL: nothing is reported (calls still end and their handles expire). */
    void (*on_call_state)(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call,
                          void *call_user_data, const sk400vop_call_info *info);

    /* An offer/answer exchange of the call completed or failed: the
     * call's first one too (an answer in a 18x or in the 2xx), hold,
     * resume, a re-INVITE or UPDATE either way, a session refresh
     * (info->event MEDIA, CHANGE_FAILED, REFRESHED); info->local tells
     * ours from the peer's. NULL: nothing is reported. */
    void (*on_call_media)(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call,
                          void *call_user_data, const sk400vop_call_info *info);

    /* A request the stack does not answer itself (MESSAGE, INFO, ...) was
     * handed over: answer it with sk400vop_txn_respond(stack, txn, ...), now or
     * later; unanswered after config.request_timeout it gets 500.
     * NULL: such requests are answered 501 Not Implemented. */
    void (*on_request)(void *app_ctx, sk400vop_stack_id stack, sk400vop_txn_id txn,
                       const sk400vop_request_info *info);

    /* A log line at or above config.log_level; msg is msg_len bytes, also
     * NUL-terminated; subsystem names the layer ("ua", "transport", "capi").
     * Runs on ANY internal thread, possibly concurrently and inside the
     * engine: it must be thread-safe and must not block. Only
     * sk400vop_version, _strerror, _last_error and _free may be called from it
     * (others return SK400VOP_ERR_STATE). Never holds credentials.
     * NULL: logs are dropped. */
    void (*on_log)(void *app_ctx, int32_t level, const char *subsystem, const char *msg,
                   size_t msg_len);

    /* With config.sip_trace set: the bytes of one UDP datagram, or of one
     * chunk of a TCP/TLS stream (a chunk may hold part of a message or
     * several; TLS is traced encrypted, unless the network table's connect_tls
     * carries it: plaintext then), sent (outgoing 1) or read
     * (outgoing 0) on a SIP socket; peer is the far end "ip:port". Runs
     * on the dispatcher, in order with the other events; msg is msg_len
     * bytes, also NUL-terminated. NULL: no trace. */
    void (*on_sip_trace)(void *app_ctx, sk400vop_stack_id stack, int32_t outgoing,
                         const char *peer, const char *msg, size_t msg_len);

    /* Poll mode: events became pending; the app should call sk400vop_poll()
     * soon on its own thread. Runs on an internal thread with the same
     * restrictions as on_log (wake your loop, nothing more).
     * NULL: use sk400vop_poll_fd() or poll periodically. */
    void (*on_events_pending)(void *app_ctx, sk400vop_stack_id stack);

    /* ABI 1.1 */

    /* A DTMF digit came in on a call, by RFC 4733 telephone-event or SIP
     * INFO (info->method); each digit once, in order, whatever the loss or
     * repetition of its packets. NULL: digits are dropped (the INFO is
     * still answered 200). */
    void (*on_dtmf)(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call,
                    void *call_user_data, const sk400vop_dtmf_info *info);

    /* ABI 1.2: subscriptions, publications, transfer and messages. */

    /* A subscription of ours (sk400vop_subscribe) changed state: reported
     * before the NOTIFY that made it ACTIVE or PENDING, after the NOTIFY
     * that TERMINATED it. With info->retry_after 0 a TERMINATED is the end:
     * the handle is stale once the callback returns. NULL: not reported
     * (the handle still expires). */
    void (*on_subscription_state)(void *app_ctx, sk400vop_stack_id stack, sk400vop_sub_id sub,
                                  void *sub_user_data, const sk400vop_subscription_info *info);

    /* A NOTIFY came for a subscription of ours (answered 200 already):
     * info->content_type and body are the resource's state. NULL: bodies
     * are dropped. */
    void (*on_notify)(void *app_ctx, sk400vop_stack_id stack, sk400vop_sub_id sub,
                      void *sub_user_data, const sk400vop_subscription_info *info);

    /* A SUBSCRIBE came in (info->state PENDING): answer it with
     * sk400vop_notifier_accept (which sends the first NOTIFY) or
     * sk400vop_notifier_reject, now or later from any thread; unanswered
     * after config.request_timeout it gets 500 and the handle is stale.
     * NULL: every SUBSCRIBE is refused with 489 Bad Event. */
    void (*on_incoming_subscription)(void *app_ctx, sk400vop_stack_id stack, sk400vop_account_id account,
                                     void *account_user_data, sk400vop_notifier_id notifier,
                                     const sk400vop_notifier_info *info);

    /* A subscription the app accepted was refreshed by the subscriber
     * (info->state as it was, the new expires) or ended (TERMINATED,
     * info->why): then the handle is stale once the callback returns.
     * NULL: not reported. */
    void (*on_notifier_state)(void *app_ctx, sk400vop_stack_id stack, sk400vop_notifier_id notifier,
                              void *notifier_user_data, const sk400vop_notifier_info *info);

    /* A publication of ours (sk400vop_publish) changed: each PUBLISHED
     * (first, modified, refreshed) and the end (UNPUBLISHED, after which the
     * handle is stale). NULL: not reported. */
    void (*on_publication_state)(void *app_ctx, sk400vop_stack_id stack, sk400vop_pub_id pub,
                                 void *pub_user_data, const sk400vop_publication_info *info);

    /* A transfer we asked for (sk400vop_call_transfer, _attended) made
     * progress; info->final ends it. The call stays up: hang it up when the
     * transfer succeeded. NULL: not reported. */
    void (*on_transfer_progress)(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call,
                                 void *call_user_data, const sk400vop_transfer_info *info);

    /* The peer of a confirmed call asks us to call info->target (REFER,
     * RFC 3515): answer with sk400vop_transfer_accept (which places the new
     * call) or sk400vop_transfer_reject, now or later from any thread;
     * unanswered after config.request_timeout it gets 500. Check the target
     * (premium numbers...) before accepting. NULL: every REFER is declined
     * (603). A REFER out of a call is always refused (403). */
    void (*on_transfer_request)(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call,
                                void *call_user_data, sk400vop_transfer_id transfer,
                                const sk400vop_transfer_info *info);

    /* The outcome of a MESSAGE of ours (sk400vop_message_send); the handle
     * is stale once the callback returns. NULL: not reported. */
    void (*on_message_status)(void *app_ctx, sk400vop_stack_id stack, sk400vop_msg_id msg,
                              void *msg_user_data, const sk400vop_message_info *info);

    /* A MESSAGE came in, of a type in config.message_types. To answer
     * otherwise than 200 (a refusal, a body) call sk400vop_txn_respond(stack,
     * txn, ...) inside the callback: once it returns without a final answer
     * the stack answers 200 (RFC 3428 §7: delivered to the user), as the
     * engine does, and txn is stale. NULL: MESSAGE
     * goes to on_request as any request (or 501 without it). */
    void (*on_message)(void *app_ctx, sk400vop_stack_id stack, sk400vop_txn_id txn,
                       const sk400vop_message_info *info);
} sk400vop_events;

/* sk400vop_events_init zeroes the table and sets struct_size.
 * Ownership: ev is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_events_init(sk400vop_events *ev)
{
    sk400vop_events zero = {0};
    *ev = zero;
    ev->struct_size = (uint32_t)sizeof(sk400vop_events);
}

/* The network table (app-supplied sockets) and the media table (app-supplied
 * media), passed to sk400vop_create; defined below under "Network table"
 * and "Media table". NULL selects the built-in sockets and media. */
typedef struct sk400vop_net sk400vop_net;
typedef struct sk400vop_media sk400vop_media;

/* ------------------------------------------------------------------------ */
/* Stack lifecycle                                                          */
/* ------------------------------------------------------------------------ */

/* sk400vop_create opens the sockets of cfg->listen and starts a stack.
 * cfg->max_procs and cfg->memory_limit apply to the whole process.
 * Ownership: cfg, events, net, media and their strings are copied; app_ctx is
 *   passed back untouched to every callback; *stack receives the handle.
 * Thread-safety: any thread, including from callbacks of another stack.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (NULL cfg or stack, bad listen
 *   spec or field, a net or media table with a bad struct_size or a
 *   required member NULL);
 *   SK400VOP_ERR_ABI (cfg->abi_version major differs); SK400VOP_ERR_NETWORK
 *   (a socket could not be bound). sk400vop_last_error(0, ...) has the detail.
 *   events NULL means no callbacks at all. */
SK400VOP_API sk400vop_status sk400vop_create(const sk400vop_config *cfg, const sk400vop_events *events,
                                             const sk400vop_net *net, const sk400vop_media *media,
                                             void *app_ctx, sk400vop_stack_id *stack);

/* sk400vop_destroy stops a stack gracefully: every call is hung up, every
 * registered account unregistered, every live subscription of ours
 * unsubscribed and publication removed, every accepted subscription to us
 * terminated, waiting for the peers at most cfg->destroy_timeout_ms; then
 * the sockets close. In thread mode the events
 * already queued are delivered first; in poll mode they are dropped. No
 * callback runs after it returns (when it is called from a callback, none
 * after that callback returns). Every handle of the stack becomes stale.
 * Ownership: -.
 * Thread-safety: any thread, any callback (not on_log/on_events_pending).
 * Returns: SK400VOP_OK; SK400VOP_ERR_BAD_HANDLE for an unknown stack (so a
 *   second destroy is harmless). */
SK400VOP_API sk400vop_status sk400vop_destroy(sk400vop_stack_id stack);

/* sk400vop_poll delivers pending events on the calling thread (poll mode),
 * waiting up to timeout_ms for the first one (0: do not wait; < 0: wait until
 * an event comes or the stack is destroyed).
 * Ownership: -.
 * Thread-safety: any one thread at a time (concurrent calls wait for each
 *   other); not from a callback of the same stack (SK400VOP_ERR_STATE).
 * Returns: the number of events delivered (>= 0); SK400VOP_ERR_STATE in
 *   thread mode or from a callback; SK400VOP_ERR_CLOSED if destroyed meanwhile;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_poll(sk400vop_stack_id stack, int32_t timeout_ms);

/* sk400vop_poll_fd returns a file descriptor that is readable while events
 * are pending (poll mode), for select/poll/epoll, ALooper or CFFileDescriptor.
 * Only wait on it; sk400vop_poll() resets it. It is closed by sk400vop_destroy.
 * Ownership: the stack keeps the descriptor; do not close it.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_STATE in thread mode;
 *   SK400VOP_ERR_INVALID for fd NULL; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_poll_fd(sk400vop_stack_id stack, int *fd);

/* sk400vop_local_addr writes the address of the stack's first socket of
 * proto ("udp", "tcp", "tls") into buf as "host:port" ("[::1]:5060" for
 * IPv6), NUL-terminated: the port actually bound when listen asked for 0.
 * Ownership: proto is read during the call; buf is the caller's.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_RANGE when truncated;
 *   SK400VOP_ERR_INVALID (NULL, unknown proto, no socket of proto);
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_local_addr(sk400vop_stack_id stack, const char *proto, char *buf, size_t len);

/* sk400vop_network_changed moves the stack to new sockets after the device's
 * network changed: listen as in sk400vop_config.listen. Every account takes
 * the new Contact, registers it at once and updates its confirmed calls by
 * re-INVITE; progress arrives as the usual events.
 * Ownership: listen is copied.
 * Thread-safety: any thread, any callback. It opens sockets (milliseconds).
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID; SK400VOP_ERR_NETWORK (the old
 *   sockets stay); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_network_changed(sk400vop_stack_id stack, const char *listen);

/* ------------------------------------------------------------------------ */
/* Accounts                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct sk400vop_account_config {
    uint32_t struct_size;     /* set by sk400vop_account_config_init */
    const char *aor;          /* address of record "sip:alice@example.com"; required */
    const char *display;      /* display name, unquoted; NULL: none */
    const char *auth_user;    /* digest username; NULL: the AOR's user */
    const char *password;     /* digest password; NULL: answer no challenge */
    const char *realm;        /* the only realm credentials go to; NULL: the first challenge's */
    const char *registrar;    /* REGISTER Request-URI "sip:example.com"; NULL: the AOR's domain */
    const char *proxy;        /* outbound proxy "sip:proxy.example.com;lr"; NULL: none */
    const char *transport;    /* "udp" (NULL), "tcp", "tls": needs a listen socket of it */
    uint32_t expires;         /* s asked of the registrar (0: 3600) */
    int32_t auto_answer;      /* SK400VOP_AUTO_ANSWER_* (default OFF) */
    uint32_t auto_answer_delay_ms; /* ALWAYS: ring this long first (0: answer at once) */
    int32_t accept_any;       /* 1: take requests from anywhere once registered (default 0:
                                 only from the registrar/proxy, against SIP scanners) */
    const char *instance_id;  /* RFC 5626 "urn:uuid:..."; NULL: none */
    int32_t reg_id;           /* RFC 5626 reg-id (needs instance_id); 0: none */
    /* ABI 1.1. The built-in media of this account's incoming calls (only the
     * play_wav, play_loop, tone_hz and record_wav members count) from the
     * moment the INVITE arrives, also for auto-answered calls, until
     * sk400vop_call_answer's opts or sk400vop_call_play/_record change it.
     * Copied at sk400vop_account_add (play_wav must open then). A
     * record_wav is truncated by every call. NULL: silence, nothing kept. */
    const struct sk400vop_call_opts *call_defaults;
} sk400vop_account_config;

/* sk400vop_account_config_init zeroes acc and sets struct_size and defaults.
 * Ownership: acc is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_account_config_init(sk400vop_account_config *acc)
{
    sk400vop_account_config zero = {0};
    *acc = zero;
    acc->struct_size = (uint32_t)sizeof(sk400vop_account_config);
    acc->expires = 3600;
}

/* sk400vop_account_add adds an account; registration starts only with
 * sk400vop_account_register (a peer-to-peer account never registers).
 * Ownership: cfg and its strings are copied; user_data is the app's and is
 *   passed to this account's callbacks.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK and *account; SK400VOP_ERR_INVALID (bad URI, no
 *   listen socket of cfg->transport...); SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_account_add(sk400vop_stack_id stack, const sk400vop_account_config *cfg,
                                                  void *user_data, sk400vop_account_id *account);

/* sk400vop_account_register starts (or refreshes) the registration; progress
 * arrives in on_reg_state. It is refreshed before expiry and retried with
 * back-off after failures until sk400vop_account_unregister.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_FAILED; SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_account_register(sk400vop_stack_id stack, sk400vop_account_id account);

/* sk400vop_account_unregister removes the account's binding at the registrar
 * (REGISTER with Expires: 0); on_reg_state reports UNREGISTERED.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_STATE if never registered;
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_account_unregister(sk400vop_stack_id stack, sk400vop_account_id account);

/* sk400vop_account_remove hangs up the account's calls, unregisters it if it
 * registered, and forgets it: no more events name it, its handle is stale,
 * and calls to it are refused with 404.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_account_remove(sk400vop_stack_id stack, sk400vop_account_id account);

/* sk400vop_account_set_user_data replaces the user_data passed to the
 * account's callbacks (events already queued see the new value).
 * Ownership: user_data is the app's.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_account_set_user_data(sk400vop_stack_id stack, sk400vop_account_id account,
                                                            void *user_data);

/* ------------------------------------------------------------------------ */
/* Calls                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct sk400vop_call_opts {
    uint32_t struct_size;   /* set by sk400vop_call_opts_init */
    /* Extra headers, "Name: value" lines separated by CRLF or LF, e.g.
     * "Answer-Mode: Auto\r\nCall-Info: <sip:x>;answer-after=0". Make only.
     * NULL: none. */
    const char *headers;
    int32_t no_offer;       /* make: send the INVITE without SDP (delayed offer) */
    int32_t early_media;    /* answer 183/18x: carry our SDP answer (early media) */
    /* ABI 1.1: what the built-in media (sk400vop_create with media NULL)
     * sends and keeps. Make: the call's media from the start. Answer: a
     * member set replaces what the call had (the account's call_defaults),
     * a member left zero keeps it. Files open before the function returns:
     * a missing or unsupported file fails it with SK400VOP_ERR_INVALID. */
    const char *play_wav;   /* WAV to send: PCM 8/16-bit, A-law or µ-law, mono or stereo,
                               8..48 kHz (converted to 8 kHz mono); NULL: see tone_hz */
    int32_t play_loop;      /* 1: play_wav starts over at its end; 0: silence after it */
    uint32_t tone_hz;       /* no play_wav: send a sine tone (1..3999 Hz); 0: silence */
    const char *record_wav; /* write the audio received to this WAV file (8 kHz 16-bit mono,
                               created or truncated; finished when the call ends);
                               NULL: discard it */
} sk400vop_call_opts;

/* sk400vop_call_opts_init zeroes opts and sets struct_size.
 * Ownership: opts is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_call_opts_init(sk400vop_call_opts *opts)
{
    sk400vop_call_opts zero = {0};
    *opts = zero;
    opts->struct_size = (uint32_t)sizeof(sk400vop_call_opts);
}

/* sk400vop_call_make places a call from account to uri ("sip:bob@example.com");
 * progress arrives in on_call_state (CALLING, EARLY, CONFIRMED, DISCONNECTED).
 * Ownership: uri and opts are copied; user_data is the app's, attached to the
 *   call from its first event.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK and *call; SK400VOP_ERR_INVALID (bad URI or headers);
 *   SK400VOP_ERR_FAILED (the INVITE could not be sent: see last_error);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_make(sk400vop_stack_id stack, sk400vop_account_id account,
                                                const char *uri, const sk400vop_call_opts *opts,
                                                void *user_data, sk400vop_call_id *call);

/* sk400vop_call_answer answers an incoming call: code 101..199 sends that
 * provisional response (180 Ringing, 183 Session Progress: with
 * opts->early_media our SDP goes in it), 200 accepts the call.
 * Ownership: opts is read during the call; NULL means defaults.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (code not 101..200);
 *   SK400VOP_ERR_STATE (outgoing call, already answered or over);
 *   SK400VOP_ERR_PENDING (a reliable 18x awaits its PRACK);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_answer(sk400vop_stack_id stack, sk400vop_call_id call, int32_t code,
                                                  const sk400vop_call_opts *opts);

/* sk400vop_call_reject refuses an incoming call not yet answered with code
 * (300..699) and reason (NULL: the standard phrase).
 * Ownership: reason is copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID; SK400VOP_ERR_STATE;
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_reject(sk400vop_stack_id stack, sk400vop_call_id call, int32_t code,
                                                  const char *reason);

/* sk400vop_call_hangup ends a call in any state: CANCEL before an answer,
 * 603 for an incoming call, BYE once established. reason (NULL: none) goes in
 * a Reason header (RFC 3326), e.g. "SIP;cause=200;text=\"done\"". The call
 * is DISCONNECTED at once.
 * Ownership: reason is copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_STATE (already disconnected);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE (once its DISCONNECTED
 *   event was delivered). */
SK400VOP_API sk400vop_status sk400vop_call_hangup(sk400vop_stack_id stack, sk400vop_call_id call,
                                                  const char *reason);

/* sk400vop_call_hold puts a confirmed call on hold (re-INVITE, a=sendonly);
 * on_call_media reports it done (MEDIA, held=1) or refused (CHANGE_FAILED).
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_STATE (not confirmed);
 *   SK400VOP_ERR_PENDING (another change under way); SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_hold(sk400vop_stack_id stack, sk400vop_call_id call);

/* sk400vop_call_resume takes a held call off hold (re-INVITE, a=sendrecv);
 * reported as for sk400vop_call_hold with held=0.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: as sk400vop_call_hold. */
SK400VOP_API sk400vop_status sk400vop_call_resume(sk400vop_stack_id stack, sk400vop_call_id call);

/* sk400vop_call_set_user_data replaces the user_data passed to the call's
 * callbacks (events already queued see the new value).
 * Ownership: user_data is the app's.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_set_user_data(sk400vop_stack_id stack, sk400vop_call_id call,
                                                         void *user_data);

/* ------------------------------------------------------------------------ */
/* Built-in media of a call (ABI 1.1)                                       */
/* ------------------------------------------------------------------------ */
/* With media NULL at sk400vop_create, every call gets the built-in engine:
 * SDP offer/answer (PCMU, PCMA, telephone-event), RTP/RTCP on a port pair
 * of cfg->rtp_port_min..max, a jitter buffer, G.711, and DTMF. What it sends
 * and keeps is chosen per call (sk400vop_call_opts: WAV file, tone or
 * silence; WAV recording or nothing), per account for incoming calls
 * (call_defaults) and during the call (sk400vop_call_play/_record). The
 * app's own PCM frames go through the media table instead.
 * RTP is announced on the IP address of the call's account's listen socket;
 * an unspecified listen address (0.0.0.0, ::) announces 127.0.0.1, so a
 * stack that calls other hosts must listen on a concrete address. */

/* sk400vop_call_send_dtmf queues digits ("0"-"9", "*", "#", "A"-"D"; a-d
 * taken as A-D) to send on a confirmed call, one after the other, each held
 * duration_ms (0: 100; at most 5000) with a 100 ms gap: as RFC 4733
 * telephone-events when the peer agreed to them, else as SIP INFO
 * (application/dtmf-relay). The queue holds 64 digits.
 * Ownership: digits is copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (NULL, empty, a bad digit,
 *   duration); SK400VOP_ERR_STATE (not confirmed); SK400VOP_ERR_PENDING
 *   (the queue is full); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_send_dtmf(sk400vop_stack_id stack, sk400vop_call_id call,
                                                     const char *digits, uint32_t duration_ms);

/* sk400vop_call_play changes what the call sends, from the next packet:
 * wav_path played once (loop 0, then silence) or over and over (loop 1);
 * NULL: silence. The file before is closed.
 * Ownership: wav_path is copied; the file is opened before it returns.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (the file cannot be opened or
 *   is no supported WAV: see last_error); SK400VOP_ERR_STATE (the call's
 *   media is over, or not the built-in engine); SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_play(sk400vop_stack_id stack, sk400vop_call_id call,
                                                const char *wav_path, int32_t loop);

/* sk400vop_call_record writes what the call receives, from the next frame,
 * to wav_path (created or truncated); NULL stops recording. The recording
 * before is finished and closed.
 * Ownership: wav_path is copied; the file is created before it returns.
 * Thread-safety: any thread, any callback.
 * Returns: as sk400vop_call_play. */
SK400VOP_API sk400vop_status sk400vop_call_record(sk400vop_stack_id stack, sk400vop_call_id call,
                                                  const char *wav_path);

/* sk400vop_rtp_stats holds the figures of a call's built-in media. */
typedef struct sk400vop_rtp_stats {
    uint32_t struct_size;      /* set by sk400vop_rtp_stats_init */
    int32_t active;            /* 1: an audio stream is agreed now */
    int32_t payload_type;      /* of the codec agreed (0 PCMU, 8 PCMA); -1 before */
    char codec[16];            /* "PCMU", "PCMA"; "" before */
    uint32_t ptime;            /* ms per packet */
    char remote_addr[64];      /* where RTP goes: "ip:port" (latched), "" before */
    uint64_t packets_sent;
    uint64_t bytes_sent;       /* payload octets, as in RTCP SR */
    uint64_t packets_received;
    uint64_t bytes_received;
    int64_t lost;              /* packets of the peer lost (RFC 3550 A.3) */
    double jitter_ms;          /* interarrival jitter of the peer's stream (A.8) */
    double rtt_ms;             /* round-trip time from RTCP; 0 before a report */
    int64_t remote_lost;       /* what the peer's last report says of our stream */
    double remote_fraction_lost; /* 0..1, in the peer's last interval */
    double remote_jitter_ms;
    uint64_t discarded;        /* duplicates and packets dropped by sequence checks */
    uint64_t late;             /* packets too late for the jitter buffer */
    uint64_t concealed;        /* frames made up for missing ones */
    double jitter_buffer_ms;   /* current target delay */
} sk400vop_rtp_stats;

/* sk400vop_rtp_stats_init zeroes stats and sets struct_size.
 * Ownership: stats is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_rtp_stats_init(sk400vop_rtp_stats *stats)
{
    sk400vop_rtp_stats zero = {0};
    *stats = zero;
    stats->struct_size = (uint32_t)sizeof(sk400vop_rtp_stats);
}

/* sk400vop_call_stats writes the RTP/RTCP figures of a call into *stats:
 * min(stats->struct_size, the library's size) bytes, struct_size kept. In
 * the DISCONNECTED callback of the call they are its final figures.
 * Ownership: stats is the caller's.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (NULL, struct_size too small);
 *   SK400VOP_ERR_STATE (the call has no built-in media);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_stats(sk400vop_stack_id stack, sk400vop_call_id call,
                                                 sk400vop_rtp_stats *stats);

/* ------------------------------------------------------------------------ */
/* Server transactions                                                      */
/* ------------------------------------------------------------------------ */

/* sk400vop_txn_respond answers a request handed over by on_request with code
 * (100..699) and reason (NULL: the standard phrase), optionally with a body
 * of body_len bytes (may hold NUL) of content_type. A final response (>= 200)
 * makes txn stale.
 * Ownership: every argument is copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (code, a body without
 *   content_type); SK400VOP_ERR_STATE; SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE (answered already, or timed out). */
SK400VOP_API sk400vop_status sk400vop_txn_respond(sk400vop_stack_id stack, sk400vop_txn_id txn, int32_t code,
                                                  const char *reason, const char *content_type,
                                                  const void *body, size_t body_len);

/* ------------------------------------------------------------------------ */
/* Subscriptions (RFC 6665), ABI 1.2                                        */
/* ------------------------------------------------------------------------ */

/* sk400vop_subscribe subscribes account to uri's state in an event package:
 * a SUBSCRIBE with Event event ("presence", "message-summary",
 * "dialog;id=7"), Accept accept (comma-separated body types; NULL: no Accept,
 * the package's default) and Expires expires s (0: 3600), through the
 * account's proxy, challenges answered. It is refreshed before it expires
 * until sk400vop_unsubscribe. Each change reaches on_subscription_state,
 * each NOTIFY on_notify.
 * Ownership: strings are copied; user_data is the app's, passed to the
 *   subscription's callbacks; *sub receives the handle.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK and *sub; SK400VOP_ERR_INVALID (NULL, bad URI,
 *   event without a package, accept with a line break); SK400VOP_ERR_FAILED
 *   (the SUBSCRIBE could not be sent: see last_error); SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE (stack or account). */
SK400VOP_API sk400vop_status sk400vop_subscribe(sk400vop_stack_id stack, sk400vop_account_id account,
                                                const char *uri, const char *event, const char *accept,
                                                uint32_t expires, void *user_data, sk400vop_sub_id *sub);

/* sk400vop_unsubscribe ends a subscription: a SUBSCRIBE with Expires 0
 * (once its dialog exists); TERMINATED follows with the notifier's last
 * NOTIFY, or after 32 s without one. A retry that was due is called off.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_PENDING (unsubscribing already);
 *   SK400VOP_ERR_STATE (over, its last event not yet delivered);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_unsubscribe(sk400vop_stack_id stack, sk400vop_sub_id sub);

/* sk400vop_notifier_accept accepts a SUBSCRIBE handed over by
 * on_incoming_subscription with 200 and sends the first NOTIFY at once:
 * state SK400VOP_SUB_ACTIVE or _PENDING, the resource's state in body
 * (body_len bytes of content_type; none with body_len 0). A SUBSCRIBE with
 * Expires 0 (a fetch) gets that one NOTIFY, terminated. The stack answers
 * refreshes and ends the subscription when it expires (on_notifier_state).
 * Ownership: content_type and body are copied; user_data is the app's,
 *   passed to the notifier's later callbacks.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (state, a body without
 *   content_type); SK400VOP_ERR_STATE (answered already); SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_notifier_accept(sk400vop_stack_id stack, sk400vop_notifier_id notifier,
                                                      int32_t state, const char *content_type,
                                                      const void *body, size_t body_len, void *user_data);

/* sk400vop_notifier_reject refuses a SUBSCRIBE not yet answered with code
 * (300..699): 403 for a subscriber not allowed, 489 for a package we do
 * not serve. The handle is stale afterwards.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (code); SK400VOP_ERR_STATE
 *   (accepted already); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_notifier_reject(sk400vop_stack_id stack, sk400vop_notifier_id notifier,
                                                      int32_t code);

/* sk400vop_notifier_notify sends the resource's new state in a NOTIFY:
 * state SK400VOP_SUB_ACTIVE or _PENDING, body as in sk400vop_notifier_accept.
 * NOTIFYs go one at a time; a state superseded while one is under way is
 * not sent.
 * Ownership: content_type and body are copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID; SK400VOP_ERR_STATE (not
 *   accepted, or over); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_notifier_notify(sk400vop_stack_id stack, sk400vop_notifier_id notifier,
                                                      int32_t state, const char *content_type,
                                                      const void *body, size_t body_len);

/* sk400vop_notifier_terminate ends an accepted subscription with a last
 * NOTIFY carrying reason ("noresource", "rejected", "deactivated"...;
 * NULL: none) and an optional body. The handle is stale afterwards (no
 * on_notifier_state follows).
 * Ownership: every argument is copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID; SK400VOP_ERR_STATE (not
 *   accepted); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_notifier_terminate(sk400vop_stack_id stack, sk400vop_notifier_id notifier,
                                                         const char *reason, const char *content_type,
                                                         const void *body, size_t body_len);

/* ------------------------------------------------------------------------ */
/* Publications (RFC 3903), ABI 1.2                                         */
/* ------------------------------------------------------------------------ */

/* sk400vop_publish publishes account's state of event ("presence") at its
 * AOR: body_len bytes of content_type ("application/pidf+xml"), kept
 * expires s (0: 3600), refreshed with SIP-If-Match before it expires until
 * sk400vop_publish_remove. Progress reaches on_publication_state.
 * Ownership: strings and body are copied; user_data is the app's, passed to
 *   the publication's callbacks; *pub receives the handle.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK and *pub; SK400VOP_ERR_INVALID (NULL, empty body or
 *   content_type); SK400VOP_ERR_FAILED; SK400VOP_ERR_CLOSED;
 *   SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_publish(sk400vop_stack_id stack, sk400vop_account_id account,
                                              const char *event, const char *content_type, const void *body,
                                              size_t body_len, uint32_t expires, void *user_data,
                                              sk400vop_pub_id *pub);

/* sk400vop_publish_modify replaces the published state with body (RFC
 * 3903 §4.4), now or when the PUBLISH under way is answered.
 * Ownership: content_type and body are copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID; SK400VOP_ERR_STATE (removed
 *   or being removed); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_publish_modify(sk400vop_stack_id stack, sk400vop_pub_id pub,
                                                     const char *content_type, const void *body,
                                                     size_t body_len);

/* sk400vop_publish_remove removes our state from the server (PUBLISH with
 * Expires 0, RFC 3903 §4.5); UNPUBLISHED follows.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_STATE (removed already);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_publish_remove(sk400vop_stack_id stack, sk400vop_pub_id pub);

/* sk400vop_presence_parse reads a PIDF document (RFC 3863, a NOTIFY body
 * of "presence"): *open is 1 when any tuple is open, else 0; the first
 * note (of the document, a person or a tuple) is copied into note
 * (note_len bytes, NUL-terminated; note may be NULL with note_len 0).
 * Bounded in size and depth; other namespaces are skipped.
 * Ownership: body is read during the call; note is the caller's.
 * Thread-safety: any thread, any callback (it needs no stack).
 * Returns: SK400VOP_OK; SK400VOP_ERR_RANGE (note truncated; *open is set);
 *   SK400VOP_ERR_INVALID (NULL, not a PIDF document). */
SK400VOP_API sk400vop_status sk400vop_presence_parse(const void *body, size_t body_len, int32_t *open,
                                                     char *note, size_t note_len);

/* ------------------------------------------------------------------------ */
/* Transfer (RFC 3515, 3891, 3892), ABI 1.2                                 */
/* ------------------------------------------------------------------------ */

/* sk400vop_call_transfer asks the peer of a confirmed call to call uri
 * instead: a blind transfer (REFER with Referred-By us). Progress reaches
 * on_transfer_progress; the call stays up until the app hangs it up.
 * Ownership: uri is copied.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (not a sip/sips URI);
 *   SK400VOP_ERR_STATE (not confirmed); SK400VOP_ERR_PENDING (a transfer of
 *   the call is under way); SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_call_transfer(sk400vop_stack_id stack, sk400vop_call_id call,
                                                    const char *uri);

/* sk400vop_call_transfer_attended asks the peer of call to call the party
 * of other_call (another confirmed call of ours) and take it over: a REFER
 * whose Refer-To carries Replaces naming other_call's dialog (RFC 3891).
 * Progress reaches on_transfer_progress of call; hang up other_call once the
 * transfer succeeded, if the new call has not replaced it already.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: as sk400vop_call_transfer; SK400VOP_ERR_STATE also when
 *   other_call is call or not confirmed. */
SK400VOP_API sk400vop_status sk400vop_call_transfer_attended(sk400vop_stack_id stack, sk400vop_call_id call,
                                                             sk400vop_call_id other_call);

/* sk400vop_transfer_accept accepts a REFER handed over by
 * on_transfer_request: 202, and a new call to the target (with
 * Referred-By, and Replaces for an attended transfer) whose progress
 * reaches on_call_state as any call's and the transferor in NOTIFYs. opts
 * tune the new call as for sk400vop_call_make (NULL: defaults); the
 * transfer handle is stale afterwards. The original call stays up.
 * Ownership: opts is copied; call_user_data is the app's, attached to the
 *   new call; *new_call (may be NULL) receives its handle.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (opts); SK400VOP_ERR_STATE
 *   (answered already, or the call ended); SK400VOP_ERR_FAILED (202 sent
 *   but the new call could not be placed; the transferor hears 503);
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_transfer_accept(sk400vop_stack_id stack, sk400vop_transfer_id transfer,
                                                      const sk400vop_call_opts *opts, void *call_user_data,
                                                      sk400vop_call_id *new_call);

/* sk400vop_transfer_reject refuses a REFER with code (300..699): 603
 * Declined, 403 Forbidden for a target the app will not call. The handle
 * is stale afterwards.
 * Ownership: -.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (code); SK400VOP_ERR_STATE;
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_transfer_reject(sk400vop_stack_id stack, sk400vop_transfer_id transfer,
                                                      int32_t code);

/* ------------------------------------------------------------------------ */
/* Instant messages (RFC 3428), ABI 1.2                                     */
/* ------------------------------------------------------------------------ */

/* sk400vop_message_send sends body_len bytes of content_type (NULL:
 * "text/plain") to uri in a MESSAGE out of any dialog, through the
 * account's proxy, challenges answered. The outcome reaches
 * on_message_status. Messages received arrive in on_message.
 * Ownership: strings and body are copied; user_data is the app's, passed to
 *   on_message_status; *msg (may be NULL) receives the handle.
 * Thread-safety: any thread, any callback.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (NULL uri, bad URI or content
 *   type, NULL body with body_len > 0, over 64 KiB); SK400VOP_ERR_FAILED;
 *   SK400VOP_ERR_CLOSED; SK400VOP_ERR_BAD_HANDLE. */
SK400VOP_API sk400vop_status sk400vop_message_send(sk400vop_stack_id stack, sk400vop_account_id account,
                                                   const char *uri, const char *content_type, const void *body,
                                                   size_t body_len, void *user_data, sk400vop_msg_id *msg);

/* ------------------------------------------------------------------------ */
/* Network table: the app's own sockets (sk400vop_create's net)             */
/* ------------------------------------------------------------------------ */

/* With a network table every SIP socket of the stack is the app's: the stack
 * asks for sockets through Berkeley-style callbacks and sends through
 * sendto; the app reads its sockets itself (poll, epoll, a Looper...) and
 * pushes what it reads with sk400vop_net_receive and what happens to its
 * stream sockets with sk400vop_net_event. For devices with their own IP
 * stack, Android per-network binding or VpnService.protect, iOS
 * Network.framework. The RTP sockets of calls are not (yet) taken from it.
 *
 * Addresses are struct sockaddr (sockaddr_in or sockaddr_in6) with their
 * length, as for bind(2); family and type are the platform's AF_INET,
 * AF_INET6, SOCK_DGRAM and SOCK_STREAM. Include <sys/socket.h> (or
 * <winsock2.h>) to fill them. Callbacks return 0 or a negative errno value
 * (-EADDRINUSE...) unless said otherwise.
 *
 * Threads: the callbacks of the table run on internal threads, possibly
 * concurrently for different sockets: the engine loop sends UDP and runs
 * resolve (as does a background thread refreshing a cached answer, see
 * there); each TCP/TLS connection has a thread that connects and writes;
 * the thread calling sk400vop_create or sk400vop_network_changed opens the
 * listening sockets. They must be thread-safe and must not block (resolve
 * aside, see there). From them only sk400vop_version, _strerror,
 * _last_error, _free, _net_receive and _net_event may be called (others
 * return SK400VOP_ERR_STATE). Use MSG_NOSIGNAL (or SO_NOSIGPIPE) on stream
 * sockets: the library does not handle SIGPIPE for the host. */

struct sockaddr; /* <sys/socket.h>, <winsock2.h> */

/* An app socket: any value the app chooses (a file descriptor, an index, a
 * pointer), unique among the sockets of the stack that are open. */
typedef int64_t sk400vop_sock;

/* What sk400vop_net_event reports (kind). */
enum {
    SK400VOP_NET_ACCEPTED = 1,  /* a listening sock accepted a connection: accepted, peer */
    SK400VOP_NET_CONNECTED = 2, /* a connect that returned -EINPROGRESS completed */
    SK400VOP_NET_CLOSED = 3,    /* the peer closed the stream (EOF) */
    SK400VOP_NET_ERROR = 4      /* the socket failed: error holds the errno value */
};

/* DNS record types of resolve (the RR TYPE values of RFC 1035, 3596, 2782, 3403). */
enum {
    SK400VOP_DNS_A = 1,
    SK400VOP_DNS_AAAA = 28,
    SK400VOP_DNS_SRV = 33,
    SK400VOP_DNS_NAPTR = 35
};

struct sk400vop_net {
    uint32_t struct_size; /* sizeof(sk400vop_net), set by sk400vop_net_init */
    void *user_data;      /* first argument of every callback below */

    /* Creates a socket of family AF_INET/AF_INET6 and type SOCK_DGRAM/
     * SOCK_STREAM and stores its id in *sock. Required. */
    int32_t (*open)(void *user_data, int32_t family, int32_t type, sk400vop_sock *sock);
    /* Binds sock to addr (port 0: any free port). Required. */
    int32_t (*bind)(void *user_data, sk400vop_sock sock, const struct sockaddr *addr, uint32_t addrlen);
    /* Connects a stream sock to addr: 0 when connected, -EINPROGRESS when
     * the outcome comes later as SK400VOP_NET_CONNECTED or _ERROR (within
     * the stack's connect timeout, or the stack closes sock). NULL: no
     * outgoing TCP/TLS connections. */
    int32_t (*connect)(void *user_data, sk400vop_sock sock, const struct sockaddr *addr, uint32_t addrlen);
    /* Makes a bound stream sock listen; connections arrive as
     * SK400VOP_NET_ACCEPTED. NULL: no tcp/tls listen sockets. */
    int32_t (*listen)(void *user_data, sk400vop_sock sock, int32_t backlog);
    /* Sends len bytes of buf: a datagram to `to` (UDP), or on a connected
     * stream (to NULL). Returns the bytes taken or a negative errno value.
     * A stream socket should take everything, queueing what the system does
     * not take yet: a short count is retried at once with the rest, and 0
     * or an error ends the connection. buf is valid during the call only.
     * Required. */
    int64_t (*sendto)(void *user_data, sk400vop_sock sock, const void *buf, size_t len,
                      const struct sockaddr *to, uint32_t tolen);
    /* Closes sock; the stack never names it again, and pushes for it are
     * refused (SK400VOP_ERR_BAD_HANDLE). Required. */
    int32_t (*close)(void *user_data, sk400vop_sock sock);
    /* getsockname(2): writes the local address of a bound sock into addr
     * (*addrlen bytes of room; set it to the length written). NULL: the
     * address given to bind is taken as it is, so listen ports must not be 0. */
    int32_t (*getsockname)(void *user_data, sk400vop_sock sock, struct sockaddr *addr, uint32_t *addrlen);
    /* Resolves name (no trailing dot) for type SK400VOP_DNS_*, as
     * res_query(3) does: writes the whole DNS response message into answer
     * (answer_len bytes of room) and returns its length; or a negative
     * value when the lookup failed (no record: any negative value). On
     * Linux `return res_query(name, 1, type, answer, answer_len);` is enough;
     * on Android use android_res_nquery/android_res_nresult. The stack
     * caches the answers: one is used for a minute, then for up to an
     * hour more while resolve refreshes it on a background thread; a
     * failure is remembered for 5 s; sk400vop_network_changed forgets
     * them all. A name not cached is resolved on the engine loop, which
     * waits for it: answer within a few seconds. Calls for different names
     * may run at once. NULL: the built-in resolver (Go's and
     * /etc/resolv.conf), cached alike. */
    int32_t (*resolve)(void *user_data, const char *name, int32_t type, uint8_t *answer, size_t answer_len);

    /* ABI 1.3. TLS from the platform (Network.framework, SSLSocket,
     * OpenSSL): connects the stream sock to addr as connect does, then runs
     * a TLS client handshake over it, with server_name (the SIP domain; ""
     * when the target is an address) for SNI and, when verify is 1, the
     * server's certificate checked for it (RFC 5922: a subjectAltName that
     * is the domain; addr itself when server_name is ""). verify is 0 only
     * with the config's tls_insecure. From then on sendto takes and
     * sk400vop_net_receive gets the plaintext. It runs on the connection's
     * own thread and may take until the handshake is done: return 0 once
     * connected and verified, or -EINPROGRESS and report the outcome as
     * SK400VOP_NET_CONNECTED or _ERROR (within the stack's connect
     * timeout). NULL: TLS connections use the library's own TLS; a library
     * built without it (make lib LIB_TLS=0) then refuses them. */
    int32_t (*connect_tls)(void *user_data, sk400vop_sock sock, const struct sockaddr *addr,
                           uint32_t addrlen, const char *server_name, int32_t verify);
};

/* sk400vop_net_init zeroes the table and sets struct_size.
 * Ownership: net is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_net_init(sk400vop_net *net)
{
    sk400vop_net zero = {0};
    *net = zero;
    net->struct_size = (uint32_t)sizeof(sk400vop_net);
}

/* sk400vop_net_receive hands the stack what the app read on sock: one
 * datagram with its source from (UDP), or the next bytes of a stream (from
 * may be NULL). Datagrams beyond a queue of 256 per socket are dropped, as
 * a full socket buffer would.
 * Ownership: buf and from are copied before it returns.
 * Thread-safety: any thread, any callback, including the network table's.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (NULL buf with len > 0, a
 *   datagram without a valid from); SK400VOP_ERR_RANGE (a stream holds over
 *   4 MiB unread: the stack is not keeping up, drop the connection);
 *   SK400VOP_ERR_BAD_HANDLE (unknown stack, or a sock the stack does not
 *   hold: not opened by it, or closed). */
SK400VOP_API sk400vop_status sk400vop_net_receive(sk400vop_stack_id stack, sk400vop_sock sock, const void *buf,
                                                  size_t len, const struct sockaddr *from, uint32_t fromlen);

/* sk400vop_net_event reports what happened to a stream sock: kind
 * SK400VOP_NET_ACCEPTED (sock listens; accepted is the new connection,
 * peer its address), _CONNECTED, _CLOSED or _ERROR (error: the errno).
 * Ownership: peer is copied. On SK400VOP_OK for ACCEPTED the stack owns
 *   accepted and closes it through the table; on an error the app closes it.
 * Thread-safety: any thread, any callback, including the network table's.
 * Returns: SK400VOP_OK; SK400VOP_ERR_INVALID (kind, a missing peer);
 *   SK400VOP_ERR_BAD_HANDLE (unknown stack or sock). */
SK400VOP_API sk400vop_status sk400vop_net_event(sk400vop_stack_id stack, sk400vop_sock sock, int32_t kind,
                                                int32_t error, sk400vop_sock accepted,
                                                const struct sockaddr *peer, uint32_t peerlen);

/* ------------------------------------------------------------------------ */
/* Media table: the app's own media per call (sk400vop_create's media)      */
/* ------------------------------------------------------------------------ */

/* With a media table the stack still negotiates SDP and runs RTP/RTCP,
 * but the audio is the app's: per call it creates a media context, tells
 * it what was negotiated, and exchanges one frame (PCM mode: G.711 done by
 * the stack) or one payload (encoded mode: the app's codec) per packet
 * time. One callback per frame or packet, never per sample.
 *
 * Threads: every callback of the table runs on the stack's engine loop (an
 * internal thread, not the dispatcher; for calls still open when
 * sk400vop_destroy ends, destroy runs on its caller's thread), one at a time
 * per stack. The loop also runs SIP: return quickly (a frame callback well
 * within a ptime; no blocking I/O or long locks). From them only
 * sk400vop_version, _strerror, _last_error and _free may be called (others
 * return SK400VOP_ERR_STATE): hand work to a thread of your own.
 * Buffers passed to a callback belong to the stack and are valid only
 * during it. */

/* Media modes (sk400vop_media.mode). */
enum {
    SK400VOP_MEDIA_PCM = 0,    /* frames of 16-bit mono PCM; the stack does G.711 (PCMU, PCMA) */
    SK400VOP_MEDIA_ENCODED = 1 /* RTP payloads of the negotiated codec; the app encodes and decodes */
};

/* Stream directions (sk400vop_media_params.direction), as our SDP says. */
enum {
    SK400VOP_DIR_INACTIVE = 0,
    SK400VOP_DIR_SENDONLY = 1,
    SK400VOP_DIR_RECVONLY = 2,
    SK400VOP_DIR_SENDRECV = 3
};

/* sk400vop_media_params is what an offer/answer exchange agreed. */
typedef struct sk400vop_media_params {
    uint32_t struct_size;
    int32_t active;            /* 1 while an audio stream is agreed; 0: none (refused, ended) */
    const char *remote_addr;   /* where RTP goes: "192.0.2.7", "2001:db8::7"; "" if none */
    uint16_t remote_port;      /* its RTP port */
    uint16_t remote_rtcp_port; /* its RTCP port */
    uint16_t local_port;       /* our RTP port (RTCP: the next one) */
    int32_t payload_type;      /* of the codec, as the peer numbers it */
    const char *codec;         /* encoding name: "PCMU", "PCMA", "opus"... */
    uint32_t clock_rate;       /* Hz */
    uint32_t ptime;            /* ms of audio per packet we send */
    uint32_t samples;          /* samples per frame: clock_rate * ptime / 1000 */
    int32_t direction;         /* SK400VOP_DIR_*, ours */
    int32_t sending;           /* 1: frame/payload is asked for every ptime */
    int32_t receiving;         /* 1: the peer may send: on_frame/on_payload come */
    int32_t telephone_event;   /* payload type of RFC 4733 events; 0: none agreed */
} sk400vop_media_params;

/* sk400vop_rtp_packet describes a payload received (encoded mode). */
typedef struct sk400vop_rtp_packet {
    uint32_t struct_size;
    const uint8_t *payload;
    size_t len;
    int32_t payload_type;
    uint16_t seq;              /* RTP sequence number: reordering and loss are the app's */
    uint32_t timestamp;
    int32_t marker;
    uint32_t ssrc;
} sk400vop_rtp_packet;

struct sk400vop_media {
    uint32_t struct_size; /* sizeof(sk400vop_media), set by sk400vop_media_init */
    void *user_data;      /* first argument of every callback below */
    int32_t mode;         /* SK400VOP_MEDIA_PCM (default) or _ENCODED */
    /* Encoded mode: the codecs we offer and accept, most preferred first,
     * "PT NAME/RATE[;FMTP]" separated by commas, mono formats only, e.g.
     * "9 G722/8000,0 PCMU/8000,101 telephone-event/8000;0-16". NULL: PCMU,
     * PCMA and telephone-event. PCM mode: always those (G.711). */
    const char *codecs;
    uint32_t ptime;       /* ms per packet we ask for and send (0: 20) */

    /* A call needs media (before its first offer or answer): store the
     * app's context for it in *media_ctx (NULL is fine). call is its handle
     * (an incoming call's handle before on_incoming_call announces it; a
     * call whose offer is refused may never be announced), call_user_data
     * what sk400vop_call_make got (NULL for incoming calls). Return 0, or a
     * negative value to refuse the call (503, or sk400vop_call_make fails).
     * NULL: a NULL context. */
    int32_t (*create)(void *user_data, sk400vop_call_id call, void *call_user_data, void **media_ctx);
    /* An offer/answer exchange completed: params says what flows now (the
     * first exchange, a hold, a new codec or address). NULL: not told. */
    void (*update)(void *user_data, void *media_ctx, const sk400vop_media_params *params);
    /* The call's media ended; media_ctx is not named again. NULL: not told. */
    void (*destroy)(void *user_data, void *media_ctx);

    /* PCM mode, report: the next frame played out of the jitter buffer
     * (lost packets concealed), params->samples samples, every ptime while
     * receiving. NULL: received audio is dropped. */
    void (*on_frame)(void *user_data, void *media_ctx, const int16_t *pcm, size_t samples);
    /* PCM mode, demand: fill pcm with the next `samples` samples to send and
     * return 0, or return a negative value to send nothing this time
     * (silence suppression; the next packet carries the marker bit). Every
     * ptime while sending. NULL: silence is sent. */
    int32_t (*frame)(void *user_data, void *media_ctx, int16_t *pcm, size_t samples);

    /* Encoded mode, report: an audio RTP packet from the peer, in arrival
     * order (duplicates and strangers dropped; no jitter buffer).
     * NULL: dropped. */
    void (*on_payload)(void *user_data, void *media_ctx, const sk400vop_rtp_packet *pkt);
    /* Encoded mode, demand: write the next packet time's payload into buf
     * (cap bytes of room) and return its length; 0 or a negative value sends
     * nothing this time. Every ptime while sending. NULL: nothing is sent. */
    int64_t (*payload)(void *user_data, void *media_ctx, uint8_t *buf, size_t cap);
};

/* sk400vop_media_init zeroes the table and sets struct_size and defaults.
 * Ownership: media is the caller's.
 * Thread-safety: any thread.
 * Returns: nothing. */
static inline void sk400vop_media_init(sk400vop_media *media)
{
    sk400vop_media zero = {0};
    *media = zero;
    media->struct_size = (uint32_t)sizeof(sk400vop_media);
    media->mode = SK400VOP_MEDIA_PCM;
    media->ptime = 20;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SK400VOP_H */
