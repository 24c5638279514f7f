/* misuse.c — C test bodies for the C API, on the public header only.
 *
 * They run from Go tests (capi/capi_test.go, which then checks the handle
 * tables are empty) and as a standalone ctest executable (misuse_main.c),
 * which the ASan build runs under AddressSanitizer. Each test returns NULL
 * on success or a message. Two or three stacks talk over 127.0.0.1 with
 * ports picked by the system. */
#define _POSIX_C_SOURCE 200809L
#include "misuse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk400vop.h"

static char msgbuf[1024];

#define CHECK(cond, ...)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            int k_ = snprintf(msgbuf, sizeof msgbuf, "%s:%d: ", __FILE__, __LINE__);            \
            snprintf(msgbuf + k_, sizeof msgbuf - (size_t)k_, __VA_ARGS__);                     \
            return msgbuf;                                                                      \
        }                                                                                       \
    } while (0)

#define CHECK_ST(expr, want)                                                                    \
    do {                                                                                        \
        sk400vop_status got_ = (expr);                                                          \
        CHECK(got_ == (want), "%s = %d (%s), want %d (%s)", #expr, got_, sk400vop_strerror(got_), \
              (int)(want), sk400vop_strerror(want));                                            \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- a phone: a stack, an account, and counters its callbacks keep ---- */

enum { MAX_CALLS = 64 };

struct phone {
    pthread_mutex_t mu;
    sk400vop_stack_id stack;
    sk400vop_account_id acc;
    char addr[64];
    /* behaviour */
    int answer;            /* answer incoming calls from the callback */
    int block_ms;          /* on_incoming_call sleeps this long first */
    int destroy_in_cb;     /* on_incoming_call destroys the stack */
    int poll_mode;
    /* observations */
    int incoming, confirmed, disconnected, media, pending, callbacks_after_destroy, destroyed;
    int in_cb_errors;      /* API results from inside callbacks that were wrong */
    int restricted_ok;     /* API calls from on_events_pending refused as they must be */
    int requests;          /* on_request calls, answered from inside the callback */
    int dtmf;              /* on_dtmf calls */
    char digits[16];       /* their digits */
    sk400vop_call_id last_call;
    sk400vop_status destroy_rc;
    /* ABI 1.2 objects (phone_open_ex with objects set) */
    char peer_uri[128];    /* on_message answers "echo" messages there, from the callback */
    int msgs_in, msg_status, last_msg_code, msg_echoed;
    char last_msg[64];
    int sub_states, sub_active, sub_terminated, sub_code, notifies, last_open;
    char sub_why[32], last_note[64];
    sk400vop_sub_id last_sub;
    int incoming_subs, notifier_ended, reject_subs;
    char notifier_why[32];
    sk400vop_notifier_id last_notifier;
    int pubs, pub_published, pub_unpublished, pub_code;
    int xfer_events, xfer_final, xfer_code, xfer_202;
    int xfer_requests, xfer_accepted, xfer_replaces;
    char xfer_target[128];
    sk400vop_call_id xfer_new_call;
};

static void lock(struct phone *p) { pthread_mutex_lock(&p->mu); }
static void unlock(struct phone *p) { pthread_mutex_unlock(&p->mu); }

static void on_incoming(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *acc_ud,
                        sk400vop_call_id call, const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    int bad = 0;
    (void)acc;
    lock(p);
    if (p->destroyed) p->callbacks_after_destroy++;
    p->incoming++;
    p->last_call = call;
    unlock(p);
    if (acc_ud != (void *)p || info->struct_size != sizeof *info || info->state != SK400VOP_CALL_INCOMING) bad++;
    if (p->block_ms) sleep_ms(p->block_ms);
    if (p->destroy_in_cb) {
        sk400vop_status rc = sk400vop_destroy(stack);
        lock(p);
        p->destroyed = 1;
        p->destroy_rc = rc;
        unlock(p);
        /* The stack is gone for every later call, even from here. */
        if (sk400vop_call_answer(stack, call, 200, NULL) != SK400VOP_ERR_BAD_HANDLE) bad++;
        if (sk400vop_local_addr(stack, "udp", NULL, 0) != SK400VOP_ERR_INVALID) bad++;
        if (sk400vop_poll(stack, 0) != SK400VOP_ERR_STATE) bad++; /* still inside its callback */
        goto out;
    }
    /* Calls from inside a callback of the same stack. */
    if (sk400vop_poll(stack, 0) != SK400VOP_ERR_STATE) bad++;
    if (sk400vop_call_hold(stack, call) != SK400VOP_ERR_STATE) bad++;
    if (sk400vop_call_answer(stack, call, 302, NULL) != SK400VOP_ERR_INVALID) bad++;
    if (sk400vop_call_set_user_data(stack, call, (void *)p) != SK400VOP_OK) bad++;
    if (sk400vop_call_hangup(stack, call + 1000000, NULL) != SK400VOP_ERR_BAD_HANDLE) bad++;
    {
        char buf[64];
        if (sk400vop_local_addr(stack, "udp", buf, sizeof buf) != SK400VOP_OK) bad++;
    }
    if (p->answer) {
        if (sk400vop_call_answer(stack, call, 180, NULL) != SK400VOP_OK) bad++;
        if (sk400vop_call_answer(stack, call, 200, NULL) != SK400VOP_OK) bad++;
        if (sk400vop_call_answer(stack, call, 200, NULL) != SK400VOP_ERR_STATE) bad++;
    }
out:
    lock(p);
    p->in_cb_errors += bad;
    unlock(p);
}

static void on_call_state(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)call; (void)ud;
    lock(p);
    if (p->destroyed) p->callbacks_after_destroy++;
    if (info->state == SK400VOP_CALL_CONFIRMED) p->confirmed++;
    if (info->state == SK400VOP_CALL_DISCONNECTED) p->disconnected++;
    unlock(p);
}

static void on_call_media(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)call; (void)ud; (void)info;
    lock(p);
    p->media++;
    unlock(p);
}

static void on_pending(void *ctx, sk400vop_stack_id stack)
{
    struct phone *p = ctx;
    /* Only wake the app's loop: the API refuses anything more here. */
    int ok = sk400vop_poll(stack, 0) == SK400VOP_ERR_STATE &&
             sk400vop_account_register(stack, p->acc) == SK400VOP_ERR_STATE;
    lock(p);
    p->pending++;
    if (ok) p->restricted_ok++;
    unlock(p);
}

static void on_request(void *ctx, sk400vop_stack_id stack, sk400vop_txn_id txn, const sk400vop_request_info *info)
{
    struct phone *p = ctx;
    int bad = 0;
    static const char body[] = "pong\0with a NUL";
    if (strcmp(info->method, "MESSAGE") != 0 || info->body_len != 9 || memcmp(info->body, "ping\0ping", 9) != 0 ||
        strcmp(info->content_type, "text/plain") != 0 || info->account != p->acc || info->account_user_data != p ||
        info->call != 0 || info->message_len < 100)
        bad++;
    if (sk400vop_txn_respond(stack, txn, 200, "Fine", "text/plain", body, sizeof body - 1) != SK400VOP_OK) bad++;
    if (sk400vop_txn_respond(stack, txn, 200, NULL, NULL, NULL, 0) != SK400VOP_ERR_BAD_HANDLE) bad++;
    lock(p);
    p->requests++;
    p->in_cb_errors += bad;
    unlock(p);
}

static void on_dtmf(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                    const sk400vop_dtmf_info *info)
{
    struct phone *p = ctx;
    sk400vop_rtp_stats rs;
    (void)ud;
    sk400vop_rtp_stats_init(&rs);
    lock(p);
    if ((size_t)p->dtmf + 1 < sizeof p->digits) p->digits[p->dtmf] = info->digit;
    p->dtmf++;
    /* Reading the figures from inside a callback works (it waits for the
     * engine, never for the dispatcher). */
    if (sk400vop_call_stats(stack, call, &rs) != SK400VOP_OK || rs.packets_received == 0) p->in_cb_errors++;
    unlock(p);
}


/* ---- ABI 1.2 callbacks: messages, subscriptions, publications, transfer ---- */

static void on_message(void *ctx, sk400vop_stack_id stack, sk400vop_txn_id txn, const sk400vop_message_info *info)
{
    struct phone *p = ctx;
    int bad = 0;
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)info->body_len, info->body);
    if (info->struct_size != sizeof *info || info->account != p->acc || info->account_user_data != p ||
        info->call != 0 || strcmp(info->content_type, "text/plain") != 0 || strncmp(info->uri, "sip:", 4) != 0)
        bad++;
    if (!strcmp(text, "refuse")) {
        /* Answered here: no 200 after the callback. */
        if (sk400vop_txn_respond(stack, txn, 488, NULL, NULL, NULL, 0) != SK400VOP_OK) bad++;
        if (sk400vop_txn_respond(stack, txn, 200, NULL, NULL, NULL, 0) != SK400VOP_ERR_BAD_HANDLE) bad++;
    } else if (!strcmp(text, "echo") && p->peer_uri[0]) {
        /* Sending from inside a callback: the reply goes at once. */
        if (sk400vop_message_send(stack, p->acc, p->peer_uri, NULL, "echoed", 6, p, NULL) != SK400VOP_OK) bad++;
        else p->msg_echoed++;
    }
    lock(p);
    snprintf(p->last_msg, sizeof p->last_msg, "%s", text);
    p->msgs_in++;
    p->in_cb_errors += bad;
    unlock(p);
}

static void on_message_status(void *ctx, sk400vop_stack_id stack, sk400vop_msg_id msg, void *ud,
                              const sk400vop_message_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)msg;
    lock(p);
    if (ud != p || info->account != p->acc || info->account_user_data != p || strncmp(info->uri, "sip:", 4) != 0)
        p->in_cb_errors++;
    p->msg_status++;
    p->last_msg_code = info->code;
    unlock(p);
}

static void on_sub_state(void *ctx, sk400vop_stack_id stack, sk400vop_sub_id sub, void *ud,
                         const sk400vop_subscription_info *info)
{
    struct phone *p = ctx;
    (void)stack;
    lock(p);
    if (ud != p || info->struct_size != sizeof *info || info->origin != sub || info->account != p->acc)
        p->in_cb_errors++;
    p->sub_states++;
    p->last_sub = sub;
    if (info->state == SK400VOP_SUB_ACTIVE) p->sub_active++;
    if (info->state == SK400VOP_SUB_TERMINATED && info->retry_after == 0) {
        p->sub_terminated++;
        p->sub_code = info->code;
        snprintf(p->sub_why, sizeof p->sub_why, "%s", info->why);
    }
    unlock(p);
}

static void on_notify(void *ctx, sk400vop_stack_id stack, sk400vop_sub_id sub, void *ud,
                      const sk400vop_subscription_info *info)
{
    struct phone *p = ctx;
    int32_t open = -1;
    char note[64] = "";
    (void)stack; (void)sub;
    if (info->body_len > 0) sk400vop_presence_parse(info->body, info->body_len, &open, note, sizeof note);
    lock(p);
    if (ud != p || strcmp(info->event, "presence") != 0) p->in_cb_errors++;
    if (info->body_len > 0 && strcmp(info->content_type, "application/pidf+xml") != 0) p->in_cb_errors++;
    p->notifies++;
    p->last_open = open;
    snprintf(p->last_note, sizeof p->last_note, "%s", note);
    unlock(p);
}

static int pidf(char *buf, size_t len, const char *entity, int open, const char *note)
{
    return snprintf(buf, len,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"%s\">"
                    "<tuple id=\"t1\"><status><basic>%s</basic></status><note>%s</note></tuple></presence>",
                    entity, open ? "open" : "closed", note);
}

static void on_incoming_sub(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *acc_ud,
                            sk400vop_notifier_id n, const sk400vop_notifier_info *info)
{
    struct phone *p = ctx;
    int bad = 0;
    char body[512];
    int len;
    if (acc != p->acc || acc_ud != p || info->state != SK400VOP_SUB_PENDING || strncmp(info->from, "sip:", 4) != 0)
        bad++;
    lock(p);
    p->incoming_subs++;
    p->last_notifier = n;
    unlock(p);
    if (strcmp(info->event, "presence") != 0) {
        if (sk400vop_notifier_reject(stack, n, 200) != SK400VOP_ERR_INVALID) bad++;
        if (sk400vop_notifier_reject(stack, n, 489) != SK400VOP_OK) bad++;
        if (sk400vop_notifier_reject(stack, n, 489) != SK400VOP_ERR_BAD_HANDLE) bad++;
        lock(p);
        p->reject_subs++;
        p->in_cb_errors += bad;
        unlock(p);
        return;
    }
    len = pidf(body, sizeof body, "sip:me@127.0.0.1", 1, "at my desk");
    if (sk400vop_notifier_notify(stack, n, SK400VOP_SUB_ACTIVE, NULL, NULL, 0) != SK400VOP_ERR_STATE) bad++;
    if (sk400vop_notifier_accept(stack, n, 9, NULL, NULL, 0, p) != SK400VOP_ERR_INVALID) bad++;
    if (sk400vop_notifier_accept(stack, n, SK400VOP_SUB_ACTIVE, "application/pidf+xml", body, (size_t)len, p) !=
        SK400VOP_OK)
        bad++;
    if (sk400vop_notifier_accept(stack, n, SK400VOP_SUB_ACTIVE, NULL, NULL, 0, p) != SK400VOP_ERR_STATE) bad++;
    lock(p);
    p->in_cb_errors += bad;
    unlock(p);
}

static void on_notifier_state(void *ctx, sk400vop_stack_id stack, sk400vop_notifier_id n, void *ud,
                              const sk400vop_notifier_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)n;
    lock(p);
    if (ud != p) p->in_cb_errors++;
    if (info->state == SK400VOP_SUB_TERMINATED) {
        p->notifier_ended++;
        snprintf(p->notifier_why, sizeof p->notifier_why, "%s", info->why);
    }
    unlock(p);
}

static void on_pub_state(void *ctx, sk400vop_stack_id stack, sk400vop_pub_id pub, void *ud,
                         const sk400vop_publication_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)pub;
    lock(p);
    if (ud != p) p->in_cb_errors++;
    p->pubs++;
    p->pub_code = info->code;
    if (info->state == SK400VOP_PUB_PUBLISHED) p->pub_published++;
    if (info->state == SK400VOP_PUB_UNPUBLISHED) p->pub_unpublished++;
    unlock(p);
}

static void on_xfer_progress(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                             const sk400vop_transfer_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)call; (void)ud;
    lock(p);
    p->xfer_events++;
    if (info->code == 202 && !info->final) p->xfer_202++;
    if (info->final) {
        p->xfer_final++;
        p->xfer_code = info->code;
    }
    unlock(p);
}

static void on_xfer_request(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                            sk400vop_transfer_id x, const sk400vop_transfer_info *info)
{
    struct phone *p = ctx;
    int bad = 0;
    sk400vop_call_id nc = 0;
    (void)ud;
    if (call == 0 || info->account != p->acc || info->referred_by[0] == 0) bad++;
    lock(p);
    p->xfer_requests++;
    snprintf(p->xfer_target, sizeof p->xfer_target, "%s", info->target);
    if (info->replaces[0]) p->xfer_replaces++;
    unlock(p);
    if (sk400vop_transfer_reject(stack, x, 100) != SK400VOP_ERR_INVALID) bad++;
    if (sk400vop_transfer_accept(stack, x, NULL, p, &nc) != SK400VOP_OK || nc == 0) bad++;
    if (sk400vop_transfer_accept(stack, x, NULL, p, NULL) != SK400VOP_ERR_BAD_HANDLE) bad++;
    lock(p);
    p->xfer_accepted++;
    p->xfer_new_call = nc;
    p->in_cb_errors += bad;
    unlock(p);
}

static void on_log(void *ctx, int32_t level, const char *subsystem, const char *msg, size_t len)
{
    (void)ctx; (void)level; (void)subsystem; (void)msg; (void)len;
}

static sk400vop_status phone_open_ex(struct phone *p, int poll_mode, int auto_answer, int objects)
{
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_account_config ac;
    char aor[128];
    sk400vop_status rc;

    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->poll_mode = poll_mode;
    sk400vop_config_init(&cfg);
    cfg.listen = "udp:127.0.0.1:0";
    cfg.dispatch = poll_mode ? SK400VOP_DISPATCH_POLL : SK400VOP_DISPATCH_THREAD;
    cfg.log_level = SK400VOP_LOG_DEBUG;
    cfg.destroy_timeout_ms = 500;
    sk400vop_events_init(&ev);
    ev.on_incoming_call = on_incoming;
    ev.on_call_state = on_call_state;
    ev.on_call_media = on_call_media;
    ev.on_events_pending = on_pending;
    ev.on_log = on_log;
    ev.on_request = on_request;
    ev.on_dtmf = on_dtmf;
    if (objects) {
        ev.on_message = on_message;
        ev.on_message_status = on_message_status;
        ev.on_subscription_state = on_sub_state;
        ev.on_notify = on_notify;
        ev.on_incoming_subscription = on_incoming_sub;
        ev.on_notifier_state = on_notifier_state;
        ev.on_publication_state = on_pub_state;
        ev.on_transfer_progress = on_xfer_progress;
        ev.on_transfer_request = on_xfer_request;
    }
    if ((rc = sk400vop_create(&cfg, &ev, NULL, NULL, p, &p->stack)) != SK400VOP_OK) return rc;
    if ((rc = sk400vop_local_addr(p->stack, "udp", p->addr, sizeof p->addr)) != SK400VOP_OK) return rc;
    snprintf(aor, sizeof aor, "sip:u%llu@%s", (unsigned long long)p->stack, p->addr);
    sk400vop_account_config_init(&ac);
    ac.aor = aor;
    ac.accept_any = 1;
    ac.auto_answer = auto_answer ? SK400VOP_AUTO_ANSWER_ALWAYS : SK400VOP_AUTO_ANSWER_OFF;
    return sk400vop_account_add(p->stack, &ac, p, &p->acc);
}

static sk400vop_status phone_open(struct phone *p, int poll_mode, int auto_answer)
{
    return phone_open_ex(p, poll_mode, auto_answer, 0);
}

static void phone_close(struct phone *p)
{
    if (p->stack) sk400vop_destroy(p->stack);
    pthread_mutex_destroy(&p->mu);
}

static int get(struct phone *p, const int *field)
{
    int v;
    lock(p);
    v = *field;
    unlock(p);
    return v;
}

/* wait_for waits until *field >= want, polling the poll-mode phones. */
static int wait_for(struct phone *p, const int *field, int want, double timeout, struct phone *pollee)
{
    double end = now_s() + timeout;
    while (get(p, field) < want) {
        if (now_s() > end) return 0;
        if (pollee) sk400vop_poll(pollee->stack, 10);
        else sleep_ms(5);
    }
    return 1;
}

static sk400vop_status call(struct phone *from, struct phone *to, sk400vop_call_id *c)
{
    char uri[128];
    snprintf(uri, sizeof uri, "sip:callee@%s", to->addr);
    return sk400vop_call_make(from->stack, from->acc, uri, NULL, from, c);
}

/* ---- the tests ---- */

const char *sk400vop_ctest_args(void)
{
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_account_config ac;
    sk400vop_stack_id st = 99;
    sk400vop_account_id acc = 0;
    sk400vop_call_id c = 77;
    char buf[8];
    int fd;
    struct phone p;

    sk400vop_config_init(&cfg);
    sk400vop_events_init(&ev);
    CHECK_ST(sk400vop_create(NULL, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID);
    CHECK(st == 0, "out handle not zeroed on failure");
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID); /* no listen */
    cfg.listen = "bogus";
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID);
    cfg.listen = "udp:127.0.0.1:0";
    {   /* tables without their required members, or cut short */
        sk400vop_net net;
        sk400vop_media med;
        sk400vop_media_init(&med);
        med.mode = 7;
        CHECK_ST(sk400vop_create(&cfg, &ev, NULL, &med, NULL, &st), SK400VOP_ERR_INVALID);
        sk400vop_net_init(&net);
        net.struct_size = 8;
        CHECK_ST(sk400vop_create(&cfg, &ev, &net, NULL, NULL, &st), SK400VOP_ERR_INVALID);
        sk400vop_net_init(&net);
        CHECK_ST(sk400vop_create(&cfg, &ev, &net, NULL, NULL, &st), SK400VOP_ERR_INVALID);
    }
    CHECK_ST(sk400vop_last_error(0, buf, sizeof buf), SK400VOP_ERR_RANGE); /* truncated detail */
    CHECK(strlen(buf) == sizeof buf - 1, "last_error not NUL-terminated at the end");
    CHECK_ST(sk400vop_last_error(0, NULL, 10), SK400VOP_ERR_INVALID);
    cfg.abi_version = (SK400VOP_ABI_VERSION_MAJOR + 1) << 16;
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_ABI);
    sk400vop_config_init(&cfg);
    cfg.listen = "udp:127.0.0.1:0";
    cfg.struct_size = 0;
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID);
    cfg.struct_size = sizeof cfg;
    cfg.dispatch = 7;
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID);
    cfg.dispatch = SK400VOP_DISPATCH_THREAD;
    cfg.listen = "udp:203.0.113.77:5060"; /* not ours: cannot bind */
    CHECK_ST(sk400vop_create(&cfg, &ev, NULL, NULL, NULL, &st), SK400VOP_ERR_NETWORK);

    /* A struct_size that cuts a member is refused; a newer app's larger
     * struct is read up to what this library knows. */
    cfg.listen = "udp:127.0.0.1:0";
    cfg.struct_size = (uint32_t)offsetof(sk400vop_config, user_agent) + 3;
    CHECK_ST(sk400vop_create(&cfg, NULL, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID);
    {
        struct { sk400vop_config c; char future[32]; } big;
        memset(&big, 0x5a, sizeof big);
        sk400vop_config_init(&big.c);
        big.c.struct_size = sizeof big;
        big.c.listen = "udp:127.0.0.1:0";
        CHECK_ST(sk400vop_create(&big.c, NULL, NULL, NULL, NULL, &st), SK400VOP_OK);
        CHECK_ST(sk400vop_destroy(st), SK400VOP_OK);
    }

    CHECK_ST(phone_open(&p, 0, 0), SK400VOP_OK);
    CHECK_ST(sk400vop_account_add(p.stack, NULL, NULL, &acc), SK400VOP_ERR_INVALID);
    sk400vop_account_config_init(&ac);
    CHECK_ST(sk400vop_account_add(p.stack, &ac, NULL, &acc), SK400VOP_ERR_INVALID); /* no aor */
    ac.aor = "not a uri";
    CHECK_ST(sk400vop_account_add(p.stack, &ac, NULL, &acc), SK400VOP_ERR_INVALID);
    ac.aor = "sip:x@127.0.0.1";
    ac.transport = "tcp"; /* no tcp socket */
    CHECK_ST(sk400vop_account_add(p.stack, &ac, NULL, &acc), SK400VOP_ERR_INVALID);
    ac.transport = NULL;
    ac.display = "two\r\nlines";
    CHECK_ST(sk400vop_account_add(p.stack, &ac, NULL, &acc), SK400VOP_ERR_INVALID);
    ac.display = "\xff\xfe"; /* not UTF-8 */
    CHECK_ST(sk400vop_account_add(p.stack, &ac, NULL, &acc), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_make(p.stack, p.acc, NULL, NULL, NULL, &c), SK400VOP_ERR_INVALID);
    CHECK(c == 0, "call out handle not zeroed");
    CHECK_ST(sk400vop_call_make(p.stack, p.acc, "sip:a@127.0.0.1", NULL, NULL, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_make(p.stack, p.acc, "<bad>", NULL, NULL, &c), SK400VOP_ERR_INVALID);
    {
        sk400vop_call_opts o;
        sk400vop_call_opts_init(&o);
        o.headers = "no colon here";
        CHECK_ST(sk400vop_call_make(p.stack, p.acc, "sip:a@127.0.0.1", &o, NULL, &c), SK400VOP_ERR_INVALID);
    }
    CHECK_ST(sk400vop_poll_fd(p.stack, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_poll_fd(p.stack, &fd), SK400VOP_ERR_STATE); /* thread mode */
    CHECK_ST(sk400vop_poll(p.stack, 0), SK400VOP_ERR_STATE);
    CHECK_ST(sk400vop_local_addr(p.stack, "sctp", buf, sizeof buf), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_local_addr(p.stack, "udp", buf, 4), SK400VOP_ERR_RANGE);
    CHECK_ST(sk400vop_local_addr(p.stack, "udp", NULL, 4), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_network_changed(p.stack, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_network_changed(p.stack, "udp:203.0.113.77:5060"), SK400VOP_ERR_NETWORK);
    CHECK_ST(sk400vop_txn_respond(p.stack, 12345, 200, NULL, NULL, "x", 1), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_txn_respond(p.stack, 12345, 200, NULL, NULL, NULL, 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_account_unregister(p.stack, p.acc), SK400VOP_ERR_STATE); /* never registered */
    CHECK(strcmp(sk400vop_strerror(SK400VOP_ERR_PENDING), "unknown status") != 0, "strerror");
    sk400vop_free(NULL);
    phone_close(&p);
    return NULL;
}

const char *sk400vop_ctest_stale(void)
{
    struct phone p;
    sk400vop_stack_id st;
    char buf[64];
    CHECK_ST(phone_open(&p, 0, 0), SK400VOP_OK);
    st = p.stack;
    /* Wrong kinds and zero. */
    CHECK_ST(sk400vop_call_hangup(st, p.acc, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_account_register(st, 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_account_register(0, p.acc), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_account_register(p.acc, p.acc), SK400VOP_ERR_BAD_HANDLE);
    /* Removing an account makes it stale, once. */
    CHECK_ST(sk400vop_account_remove(st, p.acc), SK400VOP_OK);
    CHECK_ST(sk400vop_account_remove(st, p.acc), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_account_set_user_data(st, p.acc, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_destroy(st), SK400VOP_OK);
    p.stack = 0;
    /* Everything on a destroyed stack. */
    CHECK_ST(sk400vop_destroy(st), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_poll(st, 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_account_register(st, p.acc), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_make(st, p.acc, "sip:a@127.0.0.1", NULL, NULL, &p.last_call), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_answer(st, 1, 200, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_reject(st, 1, 486, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_hold(st, 1), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_resume(st, 1), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_set_user_data(st, 1, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_txn_respond(st, 1, 200, NULL, NULL, NULL, 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_network_changed(st, "udp:127.0.0.1:0"), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_local_addr(st, "udp", buf, sizeof buf), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_last_error(st, buf, sizeof buf), SK400VOP_ERR_BAD_HANDLE);
    phone_close(&p);
    return NULL;
}

const char *sk400vop_ctest_call_flow(void)
{
    struct phone a, b;
    sk400vop_call_id c = 0;
    sk400vop_status rc;
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 0), SK400VOP_OK);
    b.answer = 1;
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK);
    CHECK(c != 0, "no call handle");
    CHECK_ST(sk400vop_call_answer(a.stack, c, 200, NULL), SK400VOP_ERR_STATE); /* outgoing */
    CHECK_ST(sk400vop_call_reject(a.stack, c, 486, NULL), SK400VOP_ERR_STATE);
    CHECK_ST(sk400vop_call_reject(a.stack, c, 200, NULL), SK400VOP_ERR_INVALID);
    CHECK(wait_for(&a, &a.confirmed, 1, 5, NULL), "caller never confirmed");
    CHECK(wait_for(&b, &b.confirmed, 1, 5, NULL), "callee never confirmed");
    CHECK(get(&b, &b.in_cb_errors) == 0, "%d wrong results from inside callbacks", get(&b, &b.in_cb_errors));
    /* Hold and resume, waiting for each exchange; a second hold while the
     * first is under way is refused with PENDING (or done already). */
    CHECK_ST(sk400vop_call_hold(a.stack, c), SK400VOP_OK);
    rc = sk400vop_call_resume(a.stack, c);
    CHECK(rc == SK400VOP_ERR_PENDING || rc == SK400VOP_OK, "resume during hold: %s", sk400vop_strerror(rc));
    CHECK(wait_for(&a, &a.media, 2, 5, NULL), "hold not reported");
    /* Double hangup. */
    CHECK_ST(sk400vop_call_hangup(a.stack, c, "SIP;cause=200;text=\"done\""), SK400VOP_OK);
    rc = sk400vop_call_hangup(a.stack, c, NULL);
    CHECK(rc == SK400VOP_ERR_STATE || rc == SK400VOP_ERR_BAD_HANDLE, "second hangup: %s", sk400vop_strerror(rc));
    CHECK(wait_for(&a, &a.disconnected, 1, 5, NULL), "caller never disconnected");
    CHECK(wait_for(&b, &b.disconnected, 1, 5, NULL), "callee never disconnected");
    sleep_ms(20); /* the DISCONNECTED callback has returned: the handle is stale */
    CHECK_ST(sk400vop_call_hangup(a.stack, c, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_hangup(a.stack, c, "bad\r\nreason"), SK400VOP_ERR_INVALID);
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

const char *sk400vop_ctest_destroy_live(void)
{
    struct phone a, b;
    sk400vop_call_id c;
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 1), SK400VOP_OK); /* auto-answer */
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK);
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK);
    CHECK(wait_for(&a, &a.confirmed, 2, 5, NULL), "calls never confirmed");
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK); /* one still ringing */
    CHECK_ST(sk400vop_destroy(a.stack), SK400VOP_OK);
    /* Thread mode drains: the caller heard its calls end. */
    CHECK(get(&a, &a.disconnected) == 3, "caller saw %d of 3 disconnects", get(&a, &a.disconnected));
    a.stack = 0;
    CHECK(wait_for(&b, &b.disconnected, 2, 5, NULL), "callee never heard the BYEs");
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

struct worker {
    struct phone *a, *b;
    int made, errors;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    int i;
    for (i = 0; i < 5; i++) {
        sk400vop_call_id c;
        char buf[64];
        if (call(w->a, w->b, &c) != SK400VOP_OK) {
            w->errors++;
            continue;
        }
        w->made++;
        if (i % 2) sleep_ms(2);
        if (sk400vop_call_hangup(w->a->stack, c, NULL) != SK400VOP_OK) w->errors++;
        if (sk400vop_call_hangup(w->a->stack, c, NULL) == SK400VOP_OK) w->errors++;
        if (sk400vop_call_hold(w->a->stack, c + 7777777) != SK400VOP_ERR_BAD_HANDLE) w->errors++;
        if (sk400vop_local_addr(w->b->stack, "udp", buf, sizeof buf) != SK400VOP_OK) w->errors++;
        if (sk400vop_account_set_user_data(w->a->stack, w->a->acc, w->a) != SK400VOP_OK) w->errors++;
    }
    return NULL;
}

const char *sk400vop_ctest_threads(void)
{
    enum { N = 8 };
    struct phone a, b;
    pthread_t th[N];
    struct worker w[N];
    int i, made = 0;
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 1), SK400VOP_OK);
    for (i = 0; i < N; i++) {
        w[i].a = &a;
        w[i].b = &b;
        w[i].made = w[i].errors = 0;
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    for (i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK(w[i].errors == 0, "thread %d: %d errors", i, w[i].errors);
        made += w[i].made;
    }
    CHECK(wait_for(&a, &a.disconnected, made, 10, NULL), "%d of %d calls ended", get(&a, &a.disconnected), made);
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

const char *sk400vop_ctest_blocking_callback(void)
{
    struct phone a, b;
    sk400vop_call_id c;
    double t0, dt;
    char buf[64];
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 0), SK400VOP_OK);
    b.block_ms = 1000;
    b.answer = 1;
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK);
    CHECK(wait_for(&b, &b.incoming, 1, 5, NULL), "no incoming call");
    /* b's dispatcher is stuck in the app for a second: the engine and the
     * API are not. */
    t0 = now_s();
    CHECK_ST(sk400vop_local_addr(b.stack, "udp", buf, sizeof buf), SK400VOP_OK);
    CHECK_ST(sk400vop_account_set_user_data(b.stack, b.acc, &b), SK400VOP_OK);
    CHECK_ST(sk400vop_call_hangup(a.stack, c, NULL), SK400VOP_OK);
    dt = now_s() - t0;
    CHECK(dt < 0.3, "API calls took %.3f s while a callback blocked", dt);
    CHECK(wait_for(&a, &a.disconnected, 1, 5, NULL), "caller never disconnected");
    CHECK(wait_for(&b, &b.disconnected, 1, 5, NULL), "callee never disconnected");
    /* destroy waits for the blocked dispatcher, then nothing more runs */
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

const char *sk400vop_ctest_destroy_in_callback(void)
{
    struct phone a, b;
    sk400vop_call_id c;
    int n;
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 0), SK400VOP_OK);
    b.destroy_in_cb = 1;
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK);
    CHECK(wait_for(&b, &b.destroyed, 1, 5, NULL), "callee never destroyed itself");
    CHECK(get(&b, &b.destroy_rc) == SK400VOP_OK, "destroy from callback: %d", get(&b, &b.destroy_rc));
    CHECK(wait_for(&a, &a.disconnected, 1, 5, NULL), "caller never disconnected");
    n = get(&b, &b.callbacks_after_destroy);
    sleep_ms(100);
    CHECK(n == 0 && get(&b, &b.callbacks_after_destroy) == 0, "callbacks after destroy");
    CHECK(get(&b, &b.in_cb_errors) == 0, "wrong results after destroy in callback");
    b.stack = 0;
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

struct poller {
    sk400vop_stack_id stack;
    sk400vop_status rc;
};

static void *poll_forever(void *arg)
{
    struct poller *pl = arg;
    do {
        pl->rc = sk400vop_poll(pl->stack, -1);
    } while (pl->rc >= 0);
    return NULL;
}

const char *sk400vop_ctest_poll_mode(void)
{
    struct phone a, b;
    sk400vop_call_id c;
    struct poller pl;
    pthread_t th;
    int fd = -1, n;
    struct pollfd pfd;
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 1, 0), SK400VOP_OK);
    b.answer = 1;
    CHECK_ST(sk400vop_poll_fd(b.stack, &fd), SK400VOP_OK);
    CHECK(fd >= 0, "no poll fd");
    CHECK_ST(sk400vop_poll(b.stack, 0), 0); /* nothing yet */
    CHECK_ST(call(&a, &b, &c), SK400VOP_OK);
    /* The fd wakes us; callbacks only run inside sk400vop_poll. */
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    CHECK(poll(&pfd, 1, 5000) == 1, "poll fd never became readable");
    CHECK(get(&b, &b.incoming) == 0, "callback ran outside sk400vop_poll");
    CHECK(wait_for(&b, &b.pending, 1, 1, NULL), "on_events_pending not called");
    n = sk400vop_poll(b.stack, 100);
    CHECK(n >= 1, "sk400vop_poll delivered %d", n);
    CHECK(get(&b, &b.incoming) == 1, "incoming call not delivered");
    CHECK(wait_for(&b, &b.confirmed, 1, 5, &b), "callee never confirmed");
    CHECK(get(&b, &b.in_cb_errors) == 0, "wrong results from inside poll-mode callbacks");
    CHECK(get(&b, &b.restricted_ok) == get(&b, &b.pending), "on_events_pending was not restricted");
    /* A thread waits in sk400vop_poll without limit; destroy wakes it. */
    pl.stack = b.stack;
    pl.rc = 0;
    pthread_create(&th, NULL, poll_forever, &pl);
    sleep_ms(50);
    CHECK_ST(sk400vop_destroy(b.stack), SK400VOP_OK);
    pthread_join(th, NULL);
    CHECK(pl.rc == SK400VOP_ERR_CLOSED || pl.rc == SK400VOP_ERR_BAD_HANDLE, "poller got %d", pl.rc);
    b.stack = 0;
    CHECK(wait_for(&a, &a.disconnected, 1, 5, NULL), "caller never heard the BYE");
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

/* A MESSAGE from a raw UDP socket reaches on_request, which answers it
 * with a body (holding a NUL) from inside the callback. */
const char *sk400vop_ctest_request(void)
{
    struct phone b;
    struct sockaddr_in to, me;
    socklen_t mlen = sizeof me;
    char msg[1024], resp[2048], host[64];
    const char *colon;
    int fd, n, port;
    ssize_t got;
    struct pollfd pfd;
    CHECK_ST(phone_open(&b, 0, 0), SK400VOP_OK);
    colon = strrchr(b.addr, ':');
    CHECK(colon != NULL, "address %s", b.addr);
    snprintf(host, sizeof host, "%.*s", (int)(colon - b.addr), b.addr);
    port = atoi(colon + 1);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0, "socket");
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&me, sizeof me);
    getsockname(fd, (struct sockaddr *)&me, &mlen);
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &to.sin_addr);
    n = snprintf(msg, sizeof msg,
                 "MESSAGE sip:u%llu@%s SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-ctest-1;rport\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: <sip:tester@127.0.0.1>;tag=t1\r\n"
                 "To: <sip:u%llu@%s>\r\n"
                 "Call-ID: ctest-message-1\r\n"
                 "CSeq: 1 MESSAGE\r\n"
                 "Content-Type: text/plain\r\n"
                 "Content-Length: 9\r\n\r\nping",
                 (unsigned long long)b.stack, b.addr, ntohs(me.sin_port), (unsigned long long)b.stack, b.addr);
    memcpy(msg + n, "\0ping", 5);
    n += 5;
    sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof to);
    pfd.fd = fd;
    pfd.events = POLLIN;
    got = -1;
    if (poll(&pfd, 1, 5000) == 1) got = recv(fd, resp, sizeof resp - 1, 0);
    close(fd);
    CHECK(got > 0, "no response to MESSAGE");
    resp[got] = 0;
    CHECK(strncmp(resp, "SIP/2.0 200 Fine\r\n", 18) == 0, "response: %.40s", resp);
    CHECK(got > 15 && memcmp(resp + got - 15, "pong\0with a NUL", 15) == 0, "response body: %.200s", resp);
    CHECK(wait_for(&b, &b.requests, 1, 1, NULL), "on_request not called");
    CHECK(get(&b, &b.in_cb_errors) == 0, "on_request saw or returned wrong values");
    phone_close(&b);
    return NULL;
}

/* The built-in media's functions: bad arguments and handles, then a call
 * that sends DTMF and reads its figures, also from inside on_dtmf. */
const char *sk400vop_ctest_media(void)
{
    struct phone a, b;
    sk400vop_call_id c = 0;
    sk400vop_rtp_stats rs;
    sk400vop_call_opts o;
    char uri[128];
    CHECK_ST(phone_open(&a, 0, 0), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 0), SK400VOP_OK);
    b.answer = 1;
    snprintf(uri, sizeof uri, "sip:callee@%s", b.addr);
    sk400vop_rtp_stats_init(&rs);
    CHECK_ST(sk400vop_call_stats(a.stack, 1, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_stats(a.stack, 1, &rs), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_stats(0, 1, &rs), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, 1, NULL, 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, 1, "", 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, 1, "1", 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_play(a.stack, 1, NULL, 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_record(a.stack, a.acc, NULL), SK400VOP_ERR_BAD_HANDLE);
    sk400vop_call_opts_init(&o);
    o.play_wav = "/nonexistent/prompt.wav";
    CHECK_ST(sk400vop_call_make(a.stack, a.acc, uri, &o, NULL, &c), SK400VOP_ERR_INVALID);
    o.play_wav = NULL;
    o.tone_hz = 4000; /* at Nyquist */
    CHECK_ST(sk400vop_call_make(a.stack, a.acc, uri, &o, NULL, &c), SK400VOP_ERR_INVALID);
    o.tone_hz = 0;
    o.record_wav = "/nonexistent/dir/heard.wav";
    CHECK_ST(sk400vop_call_make(a.stack, a.acc, uri, &o, NULL, &c), SK400VOP_ERR_INVALID);
    o.record_wav = NULL;
    o.tone_hz = 440;
    CHECK_ST(sk400vop_call_make(a.stack, a.acc, uri, &o, &a, &c), SK400VOP_OK);
    CHECK(wait_for(&a, &a.confirmed, 1, 5, NULL), "caller never confirmed");
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, c, "12x", 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, c, "1", 6000), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, c, "0123456789*#ABCD0123456789*#ABCD0123456789*#ABCD0123456789*#ABCD0", 0),
             SK400VOP_ERR_INVALID); /* 65 */
    CHECK_ST(sk400vop_call_play(a.stack, c, "/nonexistent/prompt.wav", 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_record(a.stack, c, "/nonexistent/dir/heard.wav"), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_play(a.stack, c, NULL, 0), SK400VOP_OK);   /* silence */
    CHECK_ST(sk400vop_call_record(a.stack, c, NULL), SK400VOP_OK);   /* nothing kept */
    sleep_ms(200); /* some RTP both ways before the digits */
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, c, "4a#", 40), SK400VOP_OK);
    CHECK(wait_for(&b, &b.dtmf, 3, 5, NULL), "callee heard %d of 3 digits", get(&b, &b.dtmf));
    lock(&b);
    CHECK(memcmp(b.digits, "4A#", 3) == 0, "callee heard %.3s, want 4A#", b.digits);
    unlock(&b);
    CHECK(get(&b, &b.in_cb_errors) == 0, "stats from inside on_dtmf failed");
    rs.struct_size = 8;
    CHECK_ST(sk400vop_call_stats(a.stack, c, &rs), SK400VOP_ERR_INVALID);
    sk400vop_rtp_stats_init(&rs);
    CHECK_ST(sk400vop_call_stats(a.stack, c, &rs), SK400VOP_OK);
    CHECK(rs.struct_size == sizeof rs && rs.active == 1 && rs.payload_type == 0 && strcmp(rs.codec, "PCMU") == 0 &&
              rs.ptime == 20 && rs.packets_sent > 0 && rs.packets_received > 0 && rs.remote_addr[0] != 0,
          "stats: active %d pt %d codec %s ptime %u sent %llu recv %llu remote %s", rs.active, rs.payload_type,
          rs.codec, rs.ptime, (unsigned long long)rs.packets_sent, (unsigned long long)rs.packets_received,
          rs.remote_addr);
    CHECK_ST(sk400vop_call_hangup(a.stack, c, NULL), SK400VOP_OK);
    CHECK(wait_for(&a, &a.disconnected, 1, 5, NULL), "caller never disconnected");
    sleep_ms(20); /* the DISCONNECTED callback has returned: the handle is stale */
    CHECK_ST(sk400vop_call_stats(a.stack, c, &rs), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_send_dtmf(a.stack, c, "1", 0), SK400VOP_ERR_BAD_HANDLE);
    phone_close(&a);
    phone_close(&b);
    return NULL;
}


/* ---- ABI 1.2: subscriptions, publications, transfer, messages ---- */

/* Bad arguments, unknown and wrong-kind handles of the new functions. */
const char *sk400vop_ctest_objects_args(void)
{
    struct phone p;
    sk400vop_sub_id sub = 5;
    sk400vop_pub_id pub = 5;
    sk400vop_msg_id msg = 5;
    int32_t open = 7;
    char note[8];
    static const char doc[] =
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"><tuple id=\"x\"><status>"
        "<basic>open</basic></status><note>a long note indeed</note></tuple></presence>";
    CHECK_ST(phone_open_ex(&p, 0, 0, 1), SK400VOP_OK);
    /* subscribe */
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc, "sip:x@127.0.0.1", "presence", NULL, 0, NULL, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc, NULL, "presence", NULL, 0, NULL, &sub), SK400VOP_ERR_INVALID);
    CHECK(sub == 0, "sub out handle not zeroed");
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc, "sip:x@127.0.0.1", NULL, NULL, 0, NULL, &sub), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc, "sip:x@127.0.0.1", "", NULL, 0, NULL, &sub), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc, "<bad>", "presence", NULL, 0, NULL, &sub), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc, "sip:x@127.0.0.1", "presence", "a/b\r\nX: y", 0, NULL, &sub),
             SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_subscribe(p.stack, p.acc + 100000, "sip:x@127.0.0.1", "presence", NULL, 0, NULL, &sub),
             SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_subscribe(0, p.acc, "sip:x@127.0.0.1", "presence", NULL, 0, NULL, &sub), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_unsubscribe(p.stack, 123456789), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_unsubscribe(p.stack, p.acc), SK400VOP_ERR_BAD_HANDLE); /* wrong kind */
    /* notifier */
    CHECK_ST(sk400vop_notifier_accept(p.stack, 123456789, SK400VOP_SUB_ACTIVE, NULL, "x", 1, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_notifier_accept(p.stack, 123456789, SK400VOP_SUB_ACTIVE, "text/plain", NULL, 1, NULL),
             SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_notifier_accept(p.stack, 123456789, 9, NULL, NULL, 0, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_notifier_accept(p.stack, 123456789, SK400VOP_SUB_ACTIVE, NULL, NULL, 0, NULL),
             SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_notifier_notify(p.stack, p.acc, SK400VOP_SUB_ACTIVE, NULL, NULL, 0), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_notifier_reject(p.stack, 123456789, 200), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_notifier_reject(p.stack, 123456789, 403), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_notifier_terminate(p.stack, 123456789, "bad\r\nreason", NULL, NULL, 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_notifier_terminate(p.stack, 123456789, NULL, NULL, NULL, 0), SK400VOP_ERR_BAD_HANDLE);
    /* publish */
    CHECK_ST(sk400vop_publish(p.stack, p.acc, "presence", "application/pidf+xml", doc, sizeof doc - 1, 0, NULL, NULL),
             SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_publish(p.stack, p.acc, "presence", "application/pidf+xml", doc, 0, 0, NULL, &pub),
             SK400VOP_ERR_INVALID);
    CHECK(pub == 0, "pub out handle not zeroed");
    CHECK_ST(sk400vop_publish(p.stack, p.acc, "presence", NULL, doc, sizeof doc - 1, 0, NULL, &pub), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_publish(p.stack, 0, "presence", "application/pidf+xml", doc, sizeof doc - 1, 0, NULL, &pub),
             SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_publish_modify(p.stack, 123456789, "application/pidf+xml", doc, sizeof doc - 1),
             SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_publish_modify(p.stack, 123456789, "application/pidf+xml", NULL, 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_publish_remove(p.stack, p.acc), SK400VOP_ERR_BAD_HANDLE);
    /* presence_parse needs no stack */
    CHECK_ST(sk400vop_presence_parse(NULL, 10, &open, NULL, 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_presence_parse(doc, sizeof doc - 1, NULL, NULL, 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_presence_parse("<nope", 5, &open, NULL, 0), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_presence_parse(doc, sizeof doc - 1, &open, note, sizeof note), SK400VOP_ERR_RANGE);
    CHECK(open == 1 && strcmp(note, "a long ") == 0, "parse: open %d note %s", open, note);
    {
        char big[64];
        CHECK_ST(sk400vop_presence_parse(doc, sizeof doc - 1, &open, big, sizeof big), SK400VOP_OK);
        CHECK(strcmp(big, "a long note indeed") == 0, "note %s", big);
    }
    /* transfer */
    CHECK_ST(sk400vop_call_transfer(p.stack, 123456789, NULL), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_transfer(p.stack, 123456789, "sip:x@127.0.0.1"), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_call_transfer(p.stack, 123456789, "<bad>"), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_transfer_attended(p.stack, 123456789, 123456790), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_transfer_accept(p.stack, 123456789, NULL, NULL, NULL), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_transfer_reject(p.stack, 123456789, 100), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_transfer_reject(p.stack, p.acc, 603), SK400VOP_ERR_BAD_HANDLE);
    /* messages */
    CHECK_ST(sk400vop_message_send(p.stack, p.acc, NULL, NULL, "x", 1, NULL, &msg), SK400VOP_ERR_INVALID);
    CHECK(msg == 0, "msg out handle not zeroed");
    CHECK_ST(sk400vop_message_send(p.stack, p.acc, "sip:x@127.0.0.1", NULL, NULL, 3, NULL, &msg), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_message_send(p.stack, p.acc, "sip:x@127.0.0.1", "not a type", "x", 1, NULL, &msg),
             SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_message_send(p.stack, p.acc, "sip:x@127.0.0.1", "text/plain\r\nX: y", "x", 1, NULL, &msg),
             SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_message_send(p.stack, p.acc + 100000, "sip:x@127.0.0.1", NULL, "x", 1, NULL, &msg),
             SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_message_send(p.stack, p.acc, "sip:x@127.0.0.1", NULL, "\xff", 1, NULL, &msg), SK400VOP_OK);
    CHECK(msg != 0, "no message handle");
    phone_close(&p);
    /* A closed stack: every new function answers BAD_HANDLE. */
    CHECK_ST(sk400vop_unsubscribe(p.stack, sub), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_message_send(p.stack, p.acc, "sip:x@127.0.0.1", NULL, "x", 1, NULL, &msg), SK400VOP_ERR_BAD_HANDLE);
    /* config.message_types is checked at create */
    {
        sk400vop_config cfg;
        sk400vop_stack_id st;
        sk400vop_config_init(&cfg);
        cfg.listen = "udp:127.0.0.1:0";
        cfg.message_types = "text/plain,nonsense";
        CHECK_ST(sk400vop_create(&cfg, NULL, NULL, NULL, NULL, &st), SK400VOP_ERR_INVALID);
        cfg.message_types = "text/plain, application/im-iscomposing+xml";
        CHECK_ST(sk400vop_create(&cfg, NULL, NULL, NULL, NULL, &st), SK400VOP_OK);
        CHECK_ST(sk400vop_destroy(st), SK400VOP_OK);
    }
    return NULL;
}

/* MESSAGE both ways: a's messages reach b's on_message; one is answered
 * 200 by the stack when the callback returns, one refused from inside it,
 * one answered by a MESSAGE back sent from inside it; a type b did not
 * register gets 415. */
const char *sk400vop_ctest_message(void)
{
    struct phone a, b;
    char uri[128];
    sk400vop_msg_id m1, m2;
    CHECK_ST(phone_open_ex(&a, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open_ex(&b, 0, 0, 1), SK400VOP_OK);
    snprintf(uri, sizeof uri, "sip:u%llu@%s", (unsigned long long)b.stack, b.addr);
    snprintf(b.peer_uri, sizeof b.peer_uri, "sip:u%llu@%s", (unsigned long long)a.stack, a.addr);
    CHECK_ST(sk400vop_message_send(a.stack, a.acc, uri, NULL, "hello", 5, &a, &m1), SK400VOP_OK);
    CHECK(wait_for(&a, &a.msg_status, 1, 5, NULL), "no status for the first message");
    CHECK(get(&a, &a.last_msg_code) == 200, "first message: %d", get(&a, &a.last_msg_code));
    CHECK(get(&b, &b.msgs_in) == 1, "b got %d messages", get(&b, &b.msgs_in));
    lock(&b);
    CHECK(strcmp(b.last_msg, "hello") == 0, "b got %s", b.last_msg);
    unlock(&b);
    sleep_ms(20); /* on_message_status has returned: the handle is stale */
    CHECK_ST(sk400vop_unsubscribe(a.stack, m1), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_message_send(a.stack, a.acc, uri, "text/plain", "refuse", 6, &a, &m2), SK400VOP_OK);
    CHECK(m2 > m1, "handles not increasing");
    CHECK(wait_for(&a, &a.msg_status, 2, 5, NULL), "no status for the second message");
    CHECK(get(&a, &a.last_msg_code) == 488, "refused message: %d", get(&a, &a.last_msg_code));
    CHECK_ST(sk400vop_message_send(a.stack, a.acc, uri, NULL, "echo", 4, &a, NULL), SK400VOP_OK);
    CHECK(wait_for(&a, &a.msgs_in, 1, 5, NULL), "no message back");
    CHECK(wait_for(&b, &b.msg_status, 1, 5, NULL), "b's echo has no status");
    lock(&a);
    CHECK(strcmp(a.last_msg, "echoed") == 0, "a got %s", a.last_msg);
    unlock(&a);
    CHECK(get(&b, &b.last_msg_code) == 200, "echo: %d", get(&b, &b.last_msg_code));
    CHECK_ST(sk400vop_message_send(a.stack, a.acc, uri, "application/json", "{}", 2, &a, NULL), SK400VOP_OK);
    CHECK(wait_for(&a, &a.msg_status, 4, 5, NULL), "no status for the json message");
    CHECK(get(&a, &a.last_msg_code) == 415, "json message: %d", get(&a, &a.last_msg_code));
    CHECK(get(&b, &b.msgs_in) == 3, "b got %d messages", get(&b, &b.msgs_in));
    CHECK(get(&a, &a.in_cb_errors) == 0 && get(&b, &b.in_cb_errors) == 0, "wrong values in callbacks: a %d b %d",
          get(&a, &a.in_cb_errors), get(&b, &b.in_cb_errors));
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

/* a subscribes to b's presence: b accepts from inside on_incoming_subscription
 * with a PIDF, notifies a change, a unsubscribes; an unknown package is
 * rejected from the callback, and a stack without on_incoming_subscription
 * answers 489. */
const char *sk400vop_ctest_subscribe(void)
{
    struct phone a, b, c;
    char uri[128], body[512];
    sk400vop_sub_id sub, sub2;
    sk400vop_notifier_id n;
    sk400vop_status rc;
    int len;
    CHECK_ST(phone_open_ex(&a, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open_ex(&b, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open(&c, 0, 0), SK400VOP_OK);
    snprintf(uri, sizeof uri, "sip:u%llu@%s", (unsigned long long)b.stack, b.addr);
    CHECK_ST(sk400vop_subscribe(a.stack, a.acc, uri, "presence", "application/pidf+xml", 60, &a, &sub), SK400VOP_OK);
    CHECK(wait_for(&a, &a.notifies, 1, 5, NULL), "no NOTIFY");
    CHECK(get(&a, &a.sub_active) == 1, "not active");
    CHECK(get(&a, &a.last_open) == 1, "first NOTIFY not open");
    lock(&a);
    CHECK(strcmp(a.last_note, "at my desk") == 0, "note %s", a.last_note);
    CHECK(a.last_sub == sub, "state of another handle");
    unlock(&a);
    n = b.last_notifier;
    len = pidf(body, sizeof body, "sip:me@127.0.0.1", 0, "gone home");
    CHECK_ST(sk400vop_notifier_notify(b.stack, n, SK400VOP_SUB_ACTIVE, "application/pidf+xml", body, (size_t)len),
             SK400VOP_OK);
    CHECK(wait_for(&a, &a.notifies, 2, 5, NULL), "no second NOTIFY");
    CHECK(get(&a, &a.last_open) == 0, "second NOTIFY not closed");
    CHECK_ST(sk400vop_unsubscribe(a.stack, sub), SK400VOP_OK);
    rc = sk400vop_unsubscribe(a.stack, sub);
    CHECK(rc == SK400VOP_ERR_PENDING || rc == SK400VOP_ERR_STATE || rc == SK400VOP_ERR_BAD_HANDLE,
          "second unsubscribe: %s", sk400vop_strerror(rc));
    CHECK(wait_for(&a, &a.sub_terminated, 1, 5, NULL), "never terminated");
    CHECK(wait_for(&b, &b.notifier_ended, 1, 5, NULL), "notifier never ended");
    lock(&b);
    CHECK(strcmp(b.notifier_why, "unsubscribed") == 0, "notifier ended: %s", b.notifier_why);
    unlock(&b);
    sleep_ms(20); /* both final callbacks have returned: the handles are stale */
    CHECK_ST(sk400vop_unsubscribe(a.stack, sub), SK400VOP_ERR_BAD_HANDLE);
    CHECK_ST(sk400vop_notifier_notify(b.stack, n, SK400VOP_SUB_ACTIVE, NULL, NULL, 0), SK400VOP_ERR_BAD_HANDLE);
    /* An unknown package, rejected by the app from the callback. */
    CHECK_ST(sk400vop_subscribe(a.stack, a.acc, uri, "dialog", NULL, 60, &a, &sub2), SK400VOP_OK);
    CHECK(wait_for(&a, &a.sub_terminated, 2, 5, NULL), "rejected subscription never terminated");
    CHECK(get(&a, &a.sub_code) == 489, "rejected with %d", get(&a, &a.sub_code));
    CHECK(get(&b, &b.reject_subs) == 1, "b rejected %d", get(&b, &b.reject_subs));
    /* No on_incoming_subscription: 489. */
    snprintf(uri, sizeof uri, "sip:u%llu@%s", (unsigned long long)c.stack, c.addr);
    CHECK_ST(sk400vop_subscribe(a.stack, a.acc, uri, "presence", NULL, 60, &a, &sub2), SK400VOP_OK);
    CHECK(wait_for(&a, &a.sub_terminated, 3, 5, NULL), "subscription to c never terminated");
    CHECK(get(&a, &a.sub_code) == 489, "c answered %d", get(&a, &a.sub_code));
    CHECK(get(&a, &a.in_cb_errors) == 0 && get(&b, &b.in_cb_errors) == 0, "wrong values in callbacks: a %d b %d",
          get(&a, &a.in_cb_errors), get(&b, &b.in_cb_errors));
    /* destroy unsubscribes what is live, and waits for it. */
    snprintf(uri, sizeof uri, "sip:u%llu@%s", (unsigned long long)b.stack, b.addr);
    CHECK_ST(sk400vop_subscribe(a.stack, a.acc, uri, "presence", NULL, 60, &a, &sub2), SK400VOP_OK);
    CHECK(wait_for(&a, &a.sub_active, 2, 5, NULL), "second subscription never active");
    CHECK_ST(sk400vop_destroy(a.stack), SK400VOP_OK);
    a.stack = 0;
    CHECK(get(&a, &a.sub_terminated) == 4, "destroy: a saw %d terminations", get(&a, &a.sub_terminated));
    CHECK(wait_for(&b, &b.notifier_ended, 2, 5, NULL), "destroy did not unsubscribe");
    lock(&b);
    CHECK(strcmp(b.notifier_why, "unsubscribed") == 0, "notifier ended: %s", b.notifier_why);
    unlock(&b);
    phone_close(&a);
    phone_close(&b);
    phone_close(&c);
    return NULL;
}

/* A publication to a peer that is no presence server: refused (the
 * handle ends with its UNPUBLISHED event). */
const char *sk400vop_ctest_publish(void)
{
    struct phone a, b;
    char body[512];
    sk400vop_pub_id pub;
    int len;
    CHECK_ST(phone_open_ex(&a, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open(&b, 0, 0), SK400VOP_OK);
    /* a's AOR is its own address: point it at b, which answers PUBLISH 501. */
    {
        sk400vop_account_config ac;
        char aor[128];
        sk400vop_account_id acc;
        snprintf(aor, sizeof aor, "sip:pub@%s", b.addr);
        sk400vop_account_config_init(&ac);
        ac.aor = aor;
        CHECK_ST(sk400vop_account_add(a.stack, &ac, &a, &acc), SK400VOP_OK);
        len = pidf(body, sizeof body, aor, 1, "here");
        CHECK_ST(sk400vop_publish(a.stack, acc, "presence", "application/pidf+xml", body, (size_t)len, 60, &a, &pub),
                 SK400VOP_OK);
    }
    CHECK(wait_for(&a, &a.pub_unpublished, 1, 5, NULL), "publication never ended");
    CHECK(get(&a, &a.pub_code) >= 400, "publication refused with %d", get(&a, &a.pub_code));
    sleep_ms(20);
    CHECK_ST(sk400vop_publish_remove(a.stack, pub), SK400VOP_ERR_BAD_HANDLE);
    CHECK(get(&a, &a.in_cb_errors) == 0, "wrong values in callbacks");
    phone_close(&a);
    phone_close(&b);
    return NULL;
}

/* a calls b and transfers it blind to c: b accepts from inside
 * on_transfer_request, calls c, and a hears 202 and a final 200; then an
 * attended transfer (a calls b and c, asks b to replace a-c); and a
 * transfer to a stack without on_transfer_request is declined (603). */
const char *sk400vop_ctest_transfer(void)
{
    struct phone a, b, c, d;
    char uri[128];
    sk400vop_call_id ab, ac, ad;
    CHECK_ST(phone_open_ex(&a, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open_ex(&b, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open_ex(&c, 0, 0, 1), SK400VOP_OK);
    CHECK_ST(phone_open(&d, 0, 0), SK400VOP_OK);
    b.answer = c.answer = d.answer = 1;
    CHECK_ST(call(&a, &b, &ab), SK400VOP_OK);
    CHECK(wait_for(&a, &a.confirmed, 1, 5, NULL), "a-b never confirmed");
    snprintf(uri, sizeof uri, "sip:carol@%s", c.addr);
    CHECK_ST(sk400vop_call_transfer(a.stack, ab, "tel:+15551234"), SK400VOP_ERR_INVALID);
    CHECK_ST(sk400vop_call_transfer(a.stack, ab, uri), SK400VOP_OK);
    CHECK_ST(sk400vop_call_transfer(a.stack, ab, uri), SK400VOP_ERR_PENDING);
    CHECK(wait_for(&a, &a.xfer_final, 1, 10, NULL), "blind transfer never ended");
    CHECK(get(&a, &a.xfer_code) == 200 && get(&a, &a.xfer_202) == 1, "blind transfer: final %d, 202 x%d",
          get(&a, &a.xfer_code), get(&a, &a.xfer_202));
    CHECK(get(&b, &b.xfer_requests) == 1 && get(&b, &b.xfer_accepted) == 1, "b: %d requests",
          get(&b, &b.xfer_requests));
    lock(&b);
    CHECK(strstr(b.xfer_target, c.addr) != NULL, "target %s", b.xfer_target);
    unlock(&b);
    CHECK(wait_for(&c, &c.confirmed, 1, 5, NULL), "b-c never confirmed");
    CHECK_ST(sk400vop_call_hangup(a.stack, ab, NULL), SK400VOP_OK);
    CHECK_ST(sk400vop_call_hangup(b.stack, b.xfer_new_call, NULL), SK400VOP_OK);
    CHECK(wait_for(&c, &c.disconnected, 1, 5, NULL), "b-c never ended");
    /* Attended: a calls b and c; b is asked to replace a-c. */
    CHECK_ST(call(&a, &b, &ab), SK400VOP_OK);
    CHECK_ST(call(&a, &c, &ac), SK400VOP_OK);
    CHECK(wait_for(&a, &a.confirmed, 3, 5, NULL), "a's calls never confirmed");
    CHECK_ST(sk400vop_call_transfer_attended(a.stack, ab, ab), SK400VOP_ERR_STATE);
    CHECK_ST(sk400vop_call_transfer_attended(a.stack, ab, ac), SK400VOP_OK);
    CHECK(wait_for(&a, &a.xfer_final, 2, 10, NULL), "attended transfer never ended");
    CHECK(get(&a, &a.xfer_code) == 200, "attended transfer: final %d", get(&a, &a.xfer_code));
    CHECK(get(&b, &b.xfer_replaces) == 1, "no Replaces reached b");
    CHECK(wait_for(&a, &a.disconnected, 2, 5, NULL), "the replaced call a-c never ended"); /* the first a-b, a-c */
    CHECK_ST(sk400vop_call_hangup(a.stack, ab, NULL), SK400VOP_OK);
    /* Declined without on_transfer_request. */
    CHECK_ST(call(&a, &d, &ad), SK400VOP_OK);
    CHECK(wait_for(&a, &a.confirmed, 4, 5, NULL), "a-d never confirmed");
    snprintf(uri, sizeof uri, "sip:carol@%s", c.addr);
    CHECK_ST(sk400vop_call_transfer(a.stack, ad, uri), SK400VOP_OK);
    CHECK(wait_for(&a, &a.xfer_final, 3, 5, NULL), "declined transfer never ended");
    CHECK(get(&a, &a.xfer_code) == 603, "declined transfer: %d", get(&a, &a.xfer_code));
    CHECK(get(&a, &a.in_cb_errors) == 0 && get(&b, &b.in_cb_errors) == 0, "wrong values in callbacks: a %d b %d",
          get(&a, &a.in_cb_errors), get(&b, &b.in_cb_errors));
    phone_close(&a);
    phone_close(&b);
    phone_close(&c);
    phone_close(&d);
    return NULL;
}

const struct sk400vop_ctest sk400vop_ctests[] = {
    {"args", sk400vop_ctest_args},
    {"stale", sk400vop_ctest_stale},
    {"call_flow", sk400vop_ctest_call_flow},
    {"destroy_live", sk400vop_ctest_destroy_live},
    {"threads", sk400vop_ctest_threads},
    {"blocking_callback", sk400vop_ctest_blocking_callback},
    {"destroy_in_callback", sk400vop_ctest_destroy_in_callback},
    {"poll_mode", sk400vop_ctest_poll_mode},
    {"request", sk400vop_ctest_request},
    {"media", sk400vop_ctest_media},
    {"objects_args", sk400vop_ctest_objects_args},
    {"message", sk400vop_ctest_message},
    {"subscribe", sk400vop_ctest_subscribe},
    {"publish", sk400vop_ctest_publish},
    {"transfer", sk400vop_ctest_transfer},
    {NULL, NULL},
};
