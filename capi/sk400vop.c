/* sk400vop.c — the public, const-correct C functions of include/sk400vop.h
 * over the Go exports (sk400vop__go_*), plus the trampolines that call the
 * app's callbacks. Including both sk400vop.h and _cgo_export.h makes the
 * compiler check the two sets of prototypes against each other.
 *
 * What lives here is pure C and decides nothing about SIP: struct_size
 * normalisation (read min(struct_size, sizeof), zero-fill the rest), NULL
 * and length checks, the thread-local markers that tell a call from inside a
 * callback, and static strings. */
#include <pthread.h>
#include <string.h>

#include "sk400vop.h"
#include "shim.h"
#include "_cgo_export.h"

/* Longest string accepted from the app: a URI, a reason, a header block or a
 * listen spec longer than this is refused (SK400VOP_ERR_INVALID). */
#define SK__MAX_STR (64 * 1024)

/* The stack whose callback runs on this thread (0: none), and whether this
 * thread is inside on_log or on_events_pending. */
/* Shared with tables.c (declared in shim.h); local to the library. */
__thread uint64_t sk400vop__dispatching;
__thread int sk400vop__restricted;
#define sk__dispatching sk400vop__dispatching
#define sk__restricted sk400vop__restricted

#define SK__GUARD()                                                                     \
    do {                                                                                \
        if (sk__restricted) return SK400VOP_ERR_STATE;                                  \
    } while (0)

/* sk__len measures s, refusing NULL (unless optional) and over-long strings. */
static int sk__len(const char *s, int optional, size_t *n)
{
    if (s == NULL) {
        *n = 0;
        return optional ? 1 : 0;
    }
    size_t l = strnlen(s, SK__MAX_STR + 1);
    if (l > SK__MAX_STR) return 0;
    *n = l;
    return 1;
}

/* Smallest struct_size accepted for each struct: its size in ABI 1.0, the
 * first version. A struct_size between two published sizes would cut a
 * member (half a pointer), so it is refused; when a later version appends
 * members, the sizes of the earlier versions are accepted as well, and the
 * members they lack are zero-filled (which must mean "the default").
 * Appending a member therefore turns sizeof(T) below into
 * offsetof(T, first_member_of_the_new_version), portable across ABIs. */
#define SK__MIN_CONFIG offsetof(sk400vop_config, rtp_timeout)              /* 1.1 appended */
#define SK__MIN_EVENTS offsetof(sk400vop_events, on_dtmf)                  /* 1.1 appended */
#define SK__MIN_ACCOUNT offsetof(sk400vop_account_config, call_defaults)   /* 1.1 appended */
#define SK__MIN_CALL_OPTS offsetof(sk400vop_call_opts, play_wav)           /* 1.1 appended */
#define SK__MIN_RTP_STATS sizeof(sk400vop_rtp_stats)                       /* new in 1.1 */
#define SK__MIN_NET sizeof(sk400vop_net)     /* new in 1.1 */
#define SK__MIN_MEDIA sizeof(sk400vop_media) /* new in 1.1 */

/* sk__copy_in copies min(app_size, own) bytes of an app struct into a zeroed
 * struct of our size, refusing a struct_size below min. */
static int sk__copy_in(void *dst, size_t own, size_t min, const void *src)
{
    uint32_t app_size;
    memset(dst, 0, own);
    memcpy(&app_size, src, sizeof app_size);
    if (app_size < min) return 0;
    memcpy(dst, src, app_size < own ? app_size : own);
    ((uint32_t *)dst)[0] = (uint32_t)own;
    return 1;
}

const char *sk400vop_version(void)
{
    return "sk400vop 0.1.0 (abi 1.3)";
}

const char *sk400vop_strerror(sk400vop_status status)
{
    switch (status) {
    case SK400VOP_OK: return "ok";
    case SK400VOP_ERR_INVALID: return "invalid argument";
    case SK400VOP_ERR_BAD_HANDLE: return "unknown or stale handle";
    case SK400VOP_ERR_STATE: return "not allowed in this state";
    case SK400VOP_ERR_RANGE: return "buffer too small";
    case SK400VOP_ERR_ABI: return "ABI version mismatch";
    case SK400VOP_ERR_NETWORK: return "network error";
    case SK400VOP_ERR_CLOSED: return "stack closed";
    case SK400VOP_ERR_PENDING: return "another change is under way";
    case SK400VOP_ERR_INTERNAL: return "internal error";
    case SK400VOP_ERR_UNSUPPORTED: return "not supported";
    case SK400VOP_ERR_FAILED: return "operation failed";
    default: return status > 0 ? "ok" : "unknown status";
    }
}

sk400vop_status sk400vop_last_error(sk400vop_stack_id stack, char *buf, size_t len)
{
    if (buf == NULL || len == 0) return SK400VOP_ERR_INVALID;
    return sk400vop__go_last_error(stack, buf, len);
}

void sk400vop_free(void *p)
{
    free(p);
}

sk400vop_status sk400vop_create(const sk400vop_config *cfg, const sk400vop_events *events,
                                const sk400vop_net *net, const sk400vop_media *media,
                                void *app_ctx, sk400vop_stack_id *stack)
{
    sk400vop_config c;
    sk400vop_events e;
    sk400vop_net n;
    sk400vop_media m;
    SK__GUARD();
    if (stack != NULL) *stack = 0;
    if (cfg == NULL || stack == NULL) return SK400VOP_ERR_INVALID;
    if (net != NULL && !sk__copy_in(&n, sizeof n, SK__MIN_NET, net))
        return sk400vop__go_fail(0, SK400VOP_ERR_INVALID, (char *)"net: struct_size too small");
    if (media != NULL && !sk__copy_in(&m, sizeof m, SK__MIN_MEDIA, media))
        return sk400vop__go_fail(0, SK400VOP_ERR_INVALID, (char *)"media: struct_size too small");
    if (!sk__copy_in(&c, sizeof c, SK__MIN_CONFIG, cfg)) return SK400VOP_ERR_INVALID;
    if (events != NULL) {
        if (!sk__copy_in(&e, sizeof e, SK__MIN_EVENTS, events)) return SK400VOP_ERR_INVALID;
    } else {
        sk400vop_events_init(&e);
    }
    return sk400vop__go_create(&c, &e, net ? &n : NULL, media ? &m : NULL, app_ctx, stack);
}

sk400vop_status sk400vop_destroy(sk400vop_stack_id stack)
{
    SK__GUARD();
    return sk400vop__go_destroy(stack, sk__dispatching == stack);
}

sk400vop_status sk400vop_poll(sk400vop_stack_id stack, int32_t timeout_ms)
{
    SK__GUARD();
    if (stack != 0 && sk__dispatching == stack) return SK400VOP_ERR_STATE;
    return sk400vop__go_poll(stack, timeout_ms);
}

sk400vop_status sk400vop_poll_fd(sk400vop_stack_id stack, int *fd)
{
    SK__GUARD();
    if (fd == NULL) return SK400VOP_ERR_INVALID;
    *fd = -1;
    return sk400vop__go_poll_fd(stack, fd);
}

sk400vop_status sk400vop_local_addr(sk400vop_stack_id stack, const char *proto, char *buf, size_t len)
{
    size_t n;
    SK__GUARD();
    if (buf == NULL || len == 0 || !sk__len(proto, 0, &n)) return SK400VOP_ERR_INVALID;
    buf[0] = 0;
    return sk400vop__go_local_addr(stack, (char *)proto, n, buf, len);
}

sk400vop_status sk400vop_network_changed(sk400vop_stack_id stack, const char *listen)
{
    size_t n;
    SK__GUARD();
    if (!sk__len(listen, 0, &n)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_network_changed(stack, (char *)listen, n);
}

sk400vop_status sk400vop_account_add(sk400vop_stack_id stack, const sk400vop_account_config *cfg,
                                     void *user_data, sk400vop_account_id *account)
{
    sk400vop_account_config c;
    sk400vop_call_opts d, *pd = NULL;
    SK__GUARD();
    if (account != NULL) *account = 0;
    if (cfg == NULL || account == NULL) return SK400VOP_ERR_INVALID;
    if (!sk__copy_in(&c, sizeof c, SK__MIN_ACCOUNT, cfg)) return SK400VOP_ERR_INVALID;
    if (c.call_defaults != NULL) {
        if (!sk__copy_in(&d, sizeof d, SK__MIN_CALL_OPTS, c.call_defaults)) return SK400VOP_ERR_INVALID;
        pd = &d;
    }
    return sk400vop__go_account_add(stack, &c, pd, user_data, account);
}

sk400vop_status sk400vop_account_register(sk400vop_stack_id stack, sk400vop_account_id account)
{
    SK__GUARD();
    return sk400vop__go_account_op(stack, account, 1);
}

sk400vop_status sk400vop_account_unregister(sk400vop_stack_id stack, sk400vop_account_id account)
{
    SK__GUARD();
    return sk400vop__go_account_op(stack, account, 2);
}

sk400vop_status sk400vop_account_remove(sk400vop_stack_id stack, sk400vop_account_id account)
{
    SK__GUARD();
    return sk400vop__go_account_op(stack, account, 3);
}

sk400vop_status sk400vop_account_set_user_data(sk400vop_stack_id stack, sk400vop_account_id account,
                                               void *user_data)
{
    SK__GUARD();
    return sk400vop__go_set_user_data(stack, account, 1, user_data);
}

sk400vop_status sk400vop_call_make(sk400vop_stack_id stack, sk400vop_account_id account, const char *uri,
                                   const sk400vop_call_opts *opts, void *user_data, sk400vop_call_id *call)
{
    sk400vop_call_opts o;
    size_t un, hn;
    SK__GUARD();
    if (call != NULL) *call = 0;
    if (call == NULL || !sk__len(uri, 0, &un)) return SK400VOP_ERR_INVALID;
    sk400vop_call_opts_init(&o);
    if (opts != NULL && !sk__copy_in(&o, sizeof o, SK__MIN_CALL_OPTS, opts)) return SK400VOP_ERR_INVALID;
    if (!sk__len(o.headers, 1, &hn)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_call_make(stack, account, (char *)uri, un, (char *)o.headers, hn, &o,
                                  user_data, call);
}

sk400vop_status sk400vop_call_answer(sk400vop_stack_id stack, sk400vop_call_id call, int32_t code,
                                     const sk400vop_call_opts *opts)
{
    sk400vop_call_opts o;
    int src, sink;
    SK__GUARD();
    sk400vop_call_opts_init(&o);
    if (opts != NULL && !sk__copy_in(&o, sizeof o, SK__MIN_CALL_OPTS, opts)) return SK400VOP_ERR_INVALID;
    /* The media members set replace the call's (its account's defaults)
     * before the answer goes out. */
    src = o.play_wav != NULL || o.tone_hz != 0;
    sink = o.record_wav != NULL;
    if (src || sink) {
        sk400vop_status st = sk400vop__go_call_media(stack, call, &o, src, sink);
        if (st != SK400VOP_OK) return st;
    }
    return sk400vop__go_call_answer(stack, call, code, o.early_media);
}

sk400vop_status sk400vop_call_reject(sk400vop_stack_id stack, sk400vop_call_id call, int32_t code,
                                     const char *reason)
{
    size_t n;
    SK__GUARD();
    if (!sk__len(reason, 1, &n)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_call_reject(stack, call, code, (char *)reason, n);
}

sk400vop_status sk400vop_call_hangup(sk400vop_stack_id stack, sk400vop_call_id call, const char *reason)
{
    size_t n;
    SK__GUARD();
    if (!sk__len(reason, 1, &n)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_call_hangup(stack, call, (char *)reason, n);
}

sk400vop_status sk400vop_call_hold(sk400vop_stack_id stack, sk400vop_call_id call)
{
    SK__GUARD();
    return sk400vop__go_call_op(stack, call, 1);
}

sk400vop_status sk400vop_call_resume(sk400vop_stack_id stack, sk400vop_call_id call)
{
    SK__GUARD();
    return sk400vop__go_call_op(stack, call, 2);
}

sk400vop_status sk400vop_call_set_user_data(sk400vop_stack_id stack, sk400vop_call_id call, void *user_data)
{
    SK__GUARD();
    return sk400vop__go_set_user_data(stack, call, 2, user_data);
}

sk400vop_status sk400vop_txn_respond(sk400vop_stack_id stack, sk400vop_txn_id txn, int32_t code,
                                     const char *reason, const char *content_type, const void *body,
                                     size_t body_len)
{
    size_t rn, cn;
    SK__GUARD();
    if (!sk__len(reason, 1, &rn) || !sk__len(content_type, 1, &cn)) return SK400VOP_ERR_INVALID;
    if (body == NULL && body_len > 0) return SK400VOP_ERR_INVALID;
    if (body_len > 0 && cn == 0) return SK400VOP_ERR_INVALID;
    if (body_len > SK__MAX_STR) return SK400VOP_ERR_INVALID;
    return sk400vop__go_txn_respond(stack, txn, code, (char *)reason, rn, (char *)content_type, cn,
                                    (char *)body, body_len);
}

/* ---- trampolines ---- */

void sk400vop__call_reg(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t acc,
                        uintptr_t acc_ud, const sk400vop_reg_info *info)
{
    uint64_t prev = sk__dispatching;
    if (ev->on_reg_state == NULL) return;
    sk__dispatching = stack;
    ev->on_reg_state((void *)app_ctx, stack, acc, (void *)acc_ud, info);
    sk__dispatching = prev;
}

void sk400vop__call_cb(int which, const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack,
                       uint64_t acc, uintptr_t acc_ud, uint64_t call, uintptr_t call_ud,
                       const sk400vop_call_info *info)
{
    uint64_t prev = sk__dispatching;
    sk__dispatching = stack;
    switch (which) {
    case SK400VOP__CB_INCOMING:
        if (ev->on_incoming_call)
            ev->on_incoming_call((void *)app_ctx, stack, acc, (void *)acc_ud, call, info);
        break;
    case SK400VOP__CB_CALL_STATE:
        if (ev->on_call_state) ev->on_call_state((void *)app_ctx, stack, call, (void *)call_ud, info);
        break;
    case SK400VOP__CB_CALL_MEDIA:
        if (ev->on_call_media) ev->on_call_media((void *)app_ctx, stack, call, (void *)call_ud, info);
        break;
    }
    sk__dispatching = prev;
}

void sk400vop__call_request(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t txn,
                            sk400vop_request_info *info, uintptr_t acc_ud, uintptr_t call_ud)
{
    uint64_t prev = sk__dispatching;
    if (ev->on_request == NULL) return;
    info->account_user_data = (void *)acc_ud;
    info->call_user_data = (void *)call_ud;
    sk__dispatching = stack;
    ev->on_request((void *)app_ctx, stack, txn, info);
    sk__dispatching = prev;
}

void sk400vop__call_log(sk400vop__log_fn fn, uintptr_t app_ctx, int32_t level, const char *subsystem,
                        const char *msg, size_t len)
{
    int prev = sk__restricted;
    sk__restricted = 1;
    fn((void *)app_ctx, level, subsystem, msg, len);
    sk__restricted = prev;
}

void sk400vop__call_pending(sk400vop__pending_fn fn, uintptr_t app_ctx, uint64_t stack)
{
    int prev = sk__restricted;
    sk__restricted = 1;
    fn((void *)app_ctx, stack);
    sk__restricted = prev;
}

/* ---- the built-in media of a call (ABI 1.1) ---- */

sk400vop_status sk400vop_call_send_dtmf(sk400vop_stack_id stack, sk400vop_call_id call, const char *digits,
                                        uint32_t duration_ms)
{
    size_t n;
    SK__GUARD();
    if (!sk__len(digits, 0, &n) || n == 0) return SK400VOP_ERR_INVALID;
    return sk400vop__go_call_send_dtmf(stack, call, (char *)digits, n, duration_ms);
}

sk400vop_status sk400vop_call_play(sk400vop_stack_id stack, sk400vop_call_id call, const char *wav_path,
                                   int32_t loop)
{
    sk400vop_call_opts o;
    size_t n;
    SK__GUARD();
    if (!sk__len(wav_path, 1, &n)) return SK400VOP_ERR_INVALID;
    sk400vop_call_opts_init(&o);
    o.play_wav = wav_path;
    o.play_loop = loop;
    return sk400vop__go_call_media(stack, call, &o, 1, 0);
}

sk400vop_status sk400vop_call_record(sk400vop_stack_id stack, sk400vop_call_id call, const char *wav_path)
{
    sk400vop_call_opts o;
    size_t n;
    SK__GUARD();
    if (!sk__len(wav_path, 1, &n)) return SK400VOP_ERR_INVALID;
    sk400vop_call_opts_init(&o);
    o.record_wav = wav_path;
    return sk400vop__go_call_media(stack, call, &o, 0, 1);
}

sk400vop_status sk400vop_call_stats(sk400vop_stack_id stack, sk400vop_call_id call, sk400vop_rtp_stats *stats)
{
    sk400vop_rtp_stats s;
    sk400vop_status st;
    uint32_t app_size;
    SK__GUARD();
    if (stats == NULL) return SK400VOP_ERR_INVALID;
    app_size = stats->struct_size;
    if (app_size < SK__MIN_RTP_STATS) return SK400VOP_ERR_INVALID;
    sk400vop_rtp_stats_init(&s);
    st = sk400vop__go_call_stats(stack, call, &s);
    if (st != SK400VOP_OK) return st;
    memcpy(stats, &s, app_size < sizeof s ? app_size : sizeof s);
    stats->struct_size = app_size;
    return SK400VOP_OK;
}

void sk400vop__call_dtmf(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t call,
                         uintptr_t call_ud, const sk400vop_dtmf_info *info)
{
    uint64_t prev = sk__dispatching;
    if (ev->on_dtmf == NULL) return;
    sk__dispatching = stack;
    ev->on_dtmf((void *)app_ctx, stack, call, (void *)call_ud, info);
    sk__dispatching = prev;
}

/* ---- subscriptions, publications, transfer, messages (ABI 1.2) ---- */

/* sk__body checks a body argument: NULL only when empty, at most
 * SK__MAX_STR bytes, and a content type with any body. */
static int sk__body(const void *body, size_t len, size_t ctype_len)
{
    if (body == NULL && len > 0) return 0;
    if (len > SK__MAX_STR) return 0;
    if (len > 0 && ctype_len == 0) return 0;
    return 1;
}

sk400vop_status sk400vop_subscribe(sk400vop_stack_id stack, sk400vop_account_id account, const char *uri,
                                   const char *event, const char *accept, uint32_t expires, void *user_data,
                                   sk400vop_sub_id *sub)
{
    size_t un, en, an;
    SK__GUARD();
    if (sub != NULL) *sub = 0;
    if (sub == NULL || !sk__len(uri, 0, &un) || !sk__len(event, 0, &en) || !sk__len(accept, 1, &an))
        return SK400VOP_ERR_INVALID;
    return sk400vop__go_subscribe(stack, account, (char *)uri, un, (char *)event, en, (char *)accept, an, expires,
                                  user_data, sub);
}

sk400vop_status sk400vop_unsubscribe(sk400vop_stack_id stack, sk400vop_sub_id sub)
{
    SK__GUARD();
    return sk400vop__go_obj_op(stack, sub, 1, 0);
}

sk400vop_status sk400vop_notifier_accept(sk400vop_stack_id stack, sk400vop_notifier_id notifier, int32_t state,
                                         const char *content_type, const void *body, size_t body_len,
                                         void *user_data)
{
    size_t cn;
    SK__GUARD();
    if (!sk__len(content_type, 1, &cn) || !sk__body(body, body_len, cn)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_notifier_send(stack, notifier, 1, state, NULL, 0, (char *)content_type, cn, (char *)body,
                                      body_len, user_data);
}

sk400vop_status sk400vop_notifier_reject(sk400vop_stack_id stack, sk400vop_notifier_id notifier, int32_t code)
{
    SK__GUARD();
    return sk400vop__go_obj_op(stack, notifier, 2, code);
}

sk400vop_status sk400vop_notifier_notify(sk400vop_stack_id stack, sk400vop_notifier_id notifier, int32_t state,
                                         const char *content_type, const void *body, size_t body_len)
{
    size_t cn;
    SK__GUARD();
    if (!sk__len(content_type, 1, &cn) || !sk__body(body, body_len, cn)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_notifier_send(stack, notifier, 2, state, NULL, 0, (char *)content_type, cn, (char *)body,
                                      body_len, NULL);
}

sk400vop_status sk400vop_notifier_terminate(sk400vop_stack_id stack, sk400vop_notifier_id notifier,
                                            const char *reason, const char *content_type, const void *body,
                                            size_t body_len)
{
    size_t rn, cn;
    SK__GUARD();
    if (!sk__len(reason, 1, &rn) || !sk__len(content_type, 1, &cn) || !sk__body(body, body_len, cn))
        return SK400VOP_ERR_INVALID;
    return sk400vop__go_notifier_send(stack, notifier, 3, SK400VOP_SUB_TERMINATED, (char *)reason, rn,
                                      (char *)content_type, cn, (char *)body, body_len, NULL);
}

sk400vop_status sk400vop_publish(sk400vop_stack_id stack, sk400vop_account_id account, const char *event,
                                 const char *content_type, const void *body, size_t body_len, uint32_t expires,
                                 void *user_data, sk400vop_pub_id *pub)
{
    size_t en, cn;
    SK__GUARD();
    if (pub != NULL) *pub = 0;
    if (pub == NULL || !sk__len(event, 0, &en) || !sk__len(content_type, 0, &cn) || cn == 0 || body_len == 0 ||
        !sk__body(body, body_len, cn))
        return SK400VOP_ERR_INVALID;
    return sk400vop__go_publish(stack, account, (char *)event, en, (char *)content_type, cn, (char *)body, body_len,
                                expires, user_data, pub);
}

sk400vop_status sk400vop_publish_modify(sk400vop_stack_id stack, sk400vop_pub_id pub, const char *content_type,
                                        const void *body, size_t body_len)
{
    size_t cn;
    SK__GUARD();
    if (!sk__len(content_type, 0, &cn) || cn == 0 || body_len == 0 || !sk__body(body, body_len, cn))
        return SK400VOP_ERR_INVALID;
    return sk400vop__go_publish_modify(stack, pub, (char *)content_type, cn, (char *)body, body_len);
}

sk400vop_status sk400vop_publish_remove(sk400vop_stack_id stack, sk400vop_pub_id pub)
{
    SK__GUARD();
    return sk400vop__go_obj_op(stack, pub, 3, 0);
}

sk400vop_status sk400vop_presence_parse(const void *body, size_t body_len, int32_t *open, char *note,
                                        size_t note_len)
{
    if (open != NULL) *open = 0;
    if (body == NULL || body_len == 0 || body_len > SK__MAX_STR || open == NULL) return SK400VOP_ERR_INVALID;
    if (note == NULL && note_len > 0) return SK400VOP_ERR_INVALID;
    if (note != NULL && note_len > 0) note[0] = 0;
    return sk400vop__go_presence_parse((char *)body, body_len, open, note, note_len);
}

sk400vop_status sk400vop_call_transfer(sk400vop_stack_id stack, sk400vop_call_id call, const char *uri)
{
    size_t un;
    SK__GUARD();
    if (!sk__len(uri, 0, &un)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_call_transfer(stack, call, (char *)uri, un, 0);
}

sk400vop_status sk400vop_call_transfer_attended(sk400vop_stack_id stack, sk400vop_call_id call,
                                                sk400vop_call_id other_call)
{
    SK__GUARD();
    return sk400vop__go_call_transfer(stack, call, NULL, 0, other_call);
}

sk400vop_status sk400vop_transfer_accept(sk400vop_stack_id stack, sk400vop_transfer_id transfer,
                                         const sk400vop_call_opts *opts, void *call_user_data,
                                         sk400vop_call_id *new_call)
{
    sk400vop_call_opts o;
    size_t hn;
    sk400vop_call_id dummy;
    SK__GUARD();
    if (new_call == NULL) new_call = &dummy;
    *new_call = 0;
    sk400vop_call_opts_init(&o);
    if (opts != NULL && !sk__copy_in(&o, sizeof o, SK__MIN_CALL_OPTS, opts)) return SK400VOP_ERR_INVALID;
    if (!sk__len(o.headers, 1, &hn)) return SK400VOP_ERR_INVALID;
    return sk400vop__go_transfer_accept(stack, transfer, &o, (char *)o.headers, hn, call_user_data, new_call);
}

sk400vop_status sk400vop_transfer_reject(sk400vop_stack_id stack, sk400vop_transfer_id transfer, int32_t code)
{
    SK__GUARD();
    return sk400vop__go_obj_op(stack, transfer, 4, code);
}

sk400vop_status sk400vop_message_send(sk400vop_stack_id stack, sk400vop_account_id account, const char *uri,
                                      const char *content_type, const void *body, size_t body_len,
                                      void *user_data, sk400vop_msg_id *msg)
{
    size_t un, cn;
    sk400vop_msg_id dummy;
    SK__GUARD();
    if (msg == NULL) msg = &dummy;
    *msg = 0;
    if (!sk__len(uri, 0, &un) || !sk__len(content_type, 1, &cn)) return SK400VOP_ERR_INVALID;
    if (body == NULL && body_len > 0) return SK400VOP_ERR_INVALID;
    if (body_len > SK__MAX_STR) return SK400VOP_ERR_INVALID;
    return sk400vop__go_message_send(stack, account, (char *)uri, un, (char *)content_type, cn, (char *)body,
                                     body_len, user_data, msg);
}

int sk400vop__has_cb(const sk400vop_events *ev, int which)
{
    switch (which) {
    case SK400VOP__CB_SUB_STATE: return ev->on_subscription_state != NULL;
    case SK400VOP__CB_NOTIFY: return ev->on_notify != NULL;
    case SK400VOP__CB_INCOMING_SUB: return ev->on_incoming_subscription != NULL;
    case SK400VOP__CB_NOTIFIER_STATE: return ev->on_notifier_state != NULL;
    case SK400VOP__CB_PUB_STATE: return ev->on_publication_state != NULL;
    case SK400VOP__CB_XFER_PROGRESS: return ev->on_transfer_progress != NULL;
    case SK400VOP__CB_XFER_REQUEST: return ev->on_transfer_request != NULL;
    case SK400VOP__CB_MSG_STATUS: return ev->on_message_status != NULL;
    case SK400VOP__CB_MESSAGE: return ev->on_message != NULL;
    }
    return 0;
}

void sk400vop__call_obj(int which, const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t id,
                        uintptr_t ud, uint64_t id2, uintptr_t ud2, void *info)
{
    uint64_t prev = sk__dispatching;
    void *app = (void *)app_ctx;
    if (!sk400vop__has_cb(ev, which)) return;
    sk__dispatching = stack;
    switch (which) {
    case SK400VOP__CB_SUB_STATE:
        ev->on_subscription_state(app, stack, id, (void *)ud, (const sk400vop_subscription_info *)info);
        break;
    case SK400VOP__CB_NOTIFY:
        ev->on_notify(app, stack, id, (void *)ud, (const sk400vop_subscription_info *)info);
        break;
    case SK400VOP__CB_INCOMING_SUB:
        ev->on_incoming_subscription(app, stack, id, (void *)ud, id2, (const sk400vop_notifier_info *)info);
        break;
    case SK400VOP__CB_NOTIFIER_STATE:
        ev->on_notifier_state(app, stack, id, (void *)ud, (const sk400vop_notifier_info *)info);
        break;
    case SK400VOP__CB_PUB_STATE:
        ev->on_publication_state(app, stack, id, (void *)ud, (const sk400vop_publication_info *)info);
        break;
    case SK400VOP__CB_XFER_PROGRESS:
        ev->on_transfer_progress(app, stack, id, (void *)ud, (const sk400vop_transfer_info *)info);
        break;
    case SK400VOP__CB_XFER_REQUEST:
        ev->on_transfer_request(app, stack, id, (void *)ud, id2, (const sk400vop_transfer_info *)info);
        break;
    case SK400VOP__CB_MSG_STATUS: {
        sk400vop_message_info *mi = info;
        mi->account_user_data = (void *)ud2;
        ev->on_message_status(app, stack, id, (void *)ud, mi);
        break;
    }
    case SK400VOP__CB_MESSAGE: {
        sk400vop_message_info *mi = info;
        mi->account_user_data = (void *)ud;
        mi->call_user_data = (void *)ud2;
        ev->on_message(app, stack, id, mi);
        break;
    }
    }
    sk__dispatching = prev;
}

/* The dispatcher of thread mode runs on a thread of C's own rather than on
 * one the Go runtime made: when its stack is done, sk400vop__go_dispatch
 * returns and the thread really ends, so pthread-key destructors run (a
 * JNI layer's DetachCurrentThread). A goroutine locked to a Go-made thread
 * does not promise that: the runtime parks its first thread for good
 * instead of ending it. */
static void *dispatcher_main(void *handle)
{
    sk400vop__go_dispatch((uintptr_t)handle);
    return NULL;
}

int sk400vop__start_dispatcher(uintptr_t handle)
{
    pthread_attr_t attr;
    pthread_t thread;
    int rc = pthread_attr_init(&attr);
    if (rc != 0) return rc;
    (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&thread, &attr, dispatcher_main, (void *)handle);
    pthread_attr_destroy(&attr);
    return rc;
}
