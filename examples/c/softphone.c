/* softphone — a command-line SIP phone on the public sk400vop API only.
 *
 *   softphone --listen udp:127.0.0.1:5070 --user bob --auto-answer --duration 10
 *   softphone --listen udp:127.0.0.1:5072 --user alice \
 *             --call sip:bob@127.0.0.1:5070 --hold-after 1 --duration 2
 *   softphone --listen udp:192.0.2.10:5060 --user alice --password secret \
 *             --domain example.com --registrar sip:example.com --duration 5
 *   softphone --listen udp:127.0.0.1:0 --user alice --call sip:bob@127.0.0.1:5070 \
 *             --play tone.wav --dtmf 123# --duration 3
 *   softphone --listen udp:127.0.0.1:5070 --user bob --auto-answer --record heard.wav
 *   softphone --listen udp:127.0.0.1:0 --user alice --message sip:bob@127.0.0.1:5070 "hello bob"
 *   softphone --listen udp:127.0.0.1:5070 --user bob --notify-state open "at my desk" --duration 10
 *   softphone --listen udp:127.0.0.1:0 --user alice --subscribe sip:bob@127.0.0.1:5070 presence
 *   softphone --listen udp:127.0.0.1:0 --user alice --call sip:bob@127.0.0.1:5070 \
 *             --transfer sip:carol@127.0.0.1:5074 --duration 10
 *   softphone --listen udp:127.0.0.1:5070 --user bob --auto-answer --accept-transfer
 *
 * One line per event on stdout, with a stable prefix for scripts:
 *   REG ok 200 | REG failed 403 Forbidden | REG unregistered 200
 *   CALL incoming sip:alice@127.0.0.1:5072 | CALL calling | CALL early 180
 *   CALL confirmed | CALL held | CALL resumed | CALL disconnected 200 ...
 *   DTMF 5 rfc4733 | DTMF # info            (digits received)
 *   CALL media-timeout                       (no RTP for config.rtp_timeout)
 *   RTP sent 150 recv 149 lost 0 jitter 0.2 ms rtt 0.3 ms codec PCMU   (rtt -: no RTCP yet)
 *   SIP > 127.0.0.1:5070 INVITE sip:bob@127.0.0.1:5070 SIP/2.0   (--trace:
 *   SIP < 127.0.0.1:5070 SIP/2.0 200 OK                 first line of each
 *                                                        datagram or chunk)
 *   MSG sent 200 | MSG from sip:alice@127.0.0.1 hello bob    (instant messages)
 *   SUB active | NOTIFY application/pidf+xml 312 | PRESENCE open at my desk
 *   SUB terminated timeout                  (the reason, or the status code)
 *   SUBSCRIBE from sip:alice@127.0.0.1 presence | NOTIFIER terminated unsubscribed
 *   PUB published 200 | PUB unpublished 200
 *   XFER 202 | XFER progress 100 | XFER done 200          (--transfer)
 *   XFER request sip:carol@127.0.0.1:5074                 (--accept-transfer)
 * Media is the library's built-in engine: --play sends a WAV file (--tone
 * a sine tone), --record writes what is received to a WAV file, --dtmf
 * sends its digits half a second after the call is confirmed. The RTP
 * line is printed when the call ends, from its final figures.
 * --message sends one MESSAGE once registered (or started), after
 * --message-delay s; messages received are printed and answered 200.
 * --subscribe subscribes once registered and unsubscribes at the end of
 * --duration; --publish publishes a PIDF document (open or closed, with a
 * note) and removes it at the end; --notify-state makes the phone a
 * presence notifier that accepts every "presence" SUBSCRIBE with such a
 * document. --transfer transfers the call blind once it is confirmed and
 * hangs it up when the transfer succeeded; --accept-transfer accepts the
 * REFERs of the peer and follows the new call.
 * Exit status: 0 when the scenario succeeded (registered; or the call was
 * confirmed, held/resumed as asked, and ended; the message delivered, the
 * subscription active then terminated, the state published, the transfer
 * done with 2xx, as asked), 1 when it did not, 2 for a usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk400vop.h"

struct opts {
    const char *user, *password, *domain, *registrar, *proxy, *listen, *call;
    const char *play, *record, *dtmf;
    const char *msg_uri, *msg_text, *sub_uri, *sub_event, *pub_state, *pub_note, *notify_state, *notify_note;
    const char *transfer;
    int auto_answer, poll_mode, log_level, tone, trace, accept_transfer;
    double duration, hold_after, msg_delay;
};

/* What the callbacks saw; guarded by mu (thread mode runs them on the
 * stack's thread, poll mode on main's). */
struct phone {
    pthread_mutex_t mu;
    sk400vop_stack_id stack;
    sk400vop_call_id call;
    int registered, reg_failed, unregistered;
    int confirmed, held, resumed, disconnected, disconnect_code;
    double confirmed_at;
    int log_level;
    const struct opts *o;
    /* ABI 1.2 */
    const char *aor;
    int msg_code, sub_active, sub_terminated, pub_published, pub_unpublished, xfer_done, xfer_code;
    int transfers_accepted;
};

/* media_opts fills the call options of the media asked on the command line. */
static void media_opts(const struct opts *o, sk400vop_call_opts *co)
{
    sk400vop_call_opts_init(co);
    co->play_wav = o->play;
    co->tone_hz = (uint32_t)o->tone;
    co->record_wav = o->record;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_log(void *ctx, int32_t level, const char *subsystem, const char *msg, size_t len)
{
    static const char *names[] = {"none", "error", "warn", "info", "debug"};
    (void)ctx;
    fprintf(stderr, "LOG %s %s %.*s\n", (level >= 0 && level <= 4) ? names[level] : "?", subsystem, (int)len, msg);
}

static void on_reg_state(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                         const sk400vop_reg_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)acc; (void)ud;
    pthread_mutex_lock(&p->mu);
    switch (info->state) {
    case SK400VOP_REG_REGISTERED:
        printf("REG ok %d\n", info->code);
        p->registered = 1;
        break;
    case SK400VOP_REG_FAILED:
        printf("REG failed %d %s%s%s\n", info->code, info->reason, info->error[0] ? ": " : "", info->error);
        if (info->retry_after == 0) p->reg_failed = 1;
        break;
    case SK400VOP_REG_UNREGISTERED:
        printf("REG unregistered %d\n", info->code);
        p->unregistered = 1;
        break;
    case SK400VOP_REG_REGISTERING: printf("REG registering\n"); break;
    case SK400VOP_REG_UNREGISTERING: printf("REG unregistering\n"); break;
    }
    pthread_mutex_unlock(&p->mu);
}

static void on_incoming_call(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                             sk400vop_call_id call, const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    sk400vop_status st;
    (void)acc; (void)ud;
    printf("CALL incoming %s\n", info->remote_uri);
    pthread_mutex_lock(&p->mu);
    if (p->call != 0) {
        pthread_mutex_unlock(&p->mu);
        sk400vop_call_reject(stack, call, 486, NULL); /* one call at a time */
        return;
    }
    p->call = call;
    pthread_mutex_unlock(&p->mu);
    /* Answering from inside the callback is allowed: ring, then accept
     * with the media asked for (what to play and where to record). */
    {
        sk400vop_call_opts co;
        media_opts(p->o, &co);
        if ((st = sk400vop_call_answer(stack, call, 180, NULL)) != SK400VOP_OK ||
            (st = sk400vop_call_answer(stack, call, 200, &co)) != SK400VOP_OK) {
            char detail[256];
            sk400vop_last_error(stack, detail, sizeof detail);
            fprintf(stderr, "softphone: answer: %s (%s)\n", sk400vop_strerror(st), detail);
        }
    }
}

static const char *state_name(int32_t s)
{
    switch (s) {
    case SK400VOP_CALL_CALLING: return "calling";
    case SK400VOP_CALL_INCOMING: return "incoming";
    case SK400VOP_CALL_EARLY: return "early";
    case SK400VOP_CALL_CONNECTING: return "connecting";
    case SK400VOP_CALL_CONFIRMED: return "confirmed";
    case SK400VOP_CALL_DISCONNECTED: return "disconnected";
    default: return "unknown";
    }
}

static void on_call_state(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    (void)ud;
    pthread_mutex_lock(&p->mu);
    if (call != p->call) {
        pthread_mutex_unlock(&p->mu);
        return;
    }
    switch (info->state) {
    case SK400VOP_CALL_EARLY:
        printf("CALL early %d\n", info->code);
        break;
    case SK400VOP_CALL_CONFIRMED:
        printf("CALL confirmed\n");
        p->confirmed = 1;
        p->confirmed_at = now_s();
        break;
    case SK400VOP_CALL_DISCONNECTED: {
        /* The handle is valid until this callback returns: the stats are
         * the call's final figures. */
        sk400vop_rtp_stats rs;
        sk400vop_rtp_stats_init(&rs);
        printf("CALL disconnected %d%s%s%s%s%s\n", info->code, info->reason[0] ? " " : "", info->reason,
               info->local ? " local" : " remote",
               info->cause[0] ? " cause=" : "", info->cause);
        if (sk400vop_call_stats(stack, call, &rs) == SK400VOP_OK) {
            char rtt[32] = "-"; /* no RTCP report yet (the first comes after about 5 s) */
            if (rs.rtt_ms > 0) snprintf(rtt, sizeof rtt, "%.1f ms", rs.rtt_ms);
            printf("RTP sent %llu recv %llu lost %lld jitter %.1f ms rtt %s codec %s\n",
                   (unsigned long long)rs.packets_sent, (unsigned long long)rs.packets_received,
                   (long long)rs.lost, rs.jitter_ms, rtt, rs.codec[0] ? rs.codec : "-");
        }
    }
        p->disconnected = 1;
        p->disconnect_code = info->code;
        break;
    default:
        printf("CALL %s\n", state_name(info->state));
    }
    pthread_mutex_unlock(&p->mu);
}

static void on_call_media(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)call; (void)ud;
    pthread_mutex_lock(&p->mu);
    switch (info->event) {
    case SK400VOP_CALL_EV_MEDIA:
        if (p->confirmed && info->local) {
            printf("CALL %s\n", info->held ? "held" : "resumed");
            if (info->held) p->held = 1;
            else if (p->held) p->resumed = 1;
        } else {
            printf("CALL media%s\n", info->local ? "" : " remote");
        }
        break;
    case SK400VOP_CALL_EV_CHANGE_FAILED:
        printf("CALL change-failed %d %s\n", info->code, info->reason);
        break;
    case SK400VOP_CALL_EV_REFRESHED:
        printf("CALL refreshed\n");
        break;
    case SK400VOP_CALL_EV_MEDIA_TIMEOUT:
        printf("CALL media-timeout\n");
        break;
    }
    pthread_mutex_unlock(&p->mu);
}

/* on_sip_trace prints the first line of what went out (>) or came in (<). */
static void on_sip_trace(void *ctx, sk400vop_stack_id stack, int32_t outgoing, const char *peer, const char *msg,
                         size_t len)
{
    size_t n = 0;
    (void)ctx; (void)stack;
    while (n < len && msg[n] != '\r' && msg[n] != '\n') n++;
    if (n == 0) return; /* a keep-alive */
    printf("SIP %c %s %.*s\n", outgoing ? '>' : '<', peer, (int)n, msg);
}

static void on_dtmf(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                    const sk400vop_dtmf_info *info)
{
    (void)ctx; (void)stack; (void)call; (void)ud;
    printf("DTMF %c %s\n", info->digit, info->method == SK400VOP_DTMF_INFO ? "info" : "rfc4733");
}


/* ---- messages, subscriptions, publications, transfer (ABI 1.2) ---- */

static void on_message(void *ctx, sk400vop_stack_id stack, sk400vop_txn_id txn, const sk400vop_message_info *info)
{
    (void)ctx; (void)stack; (void)txn;
    /* Returning without sk400vop_txn_respond: the stack answers 200. */
    printf("MSG from %s %.*s\n", info->uri, (int)info->body_len, info->body);
}

static void on_message_status(void *ctx, sk400vop_stack_id stack, sk400vop_msg_id msg, void *ud,
                              const sk400vop_message_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)msg; (void)ud;
    printf("MSG sent %d%s%s\n", info->code, info->code >= 300 ? " " : "", info->code >= 300 ? info->reason : "");
    pthread_mutex_lock(&p->mu);
    p->msg_code = info->code;
    pthread_mutex_unlock(&p->mu);
}

static const char *sub_state_name(int32_t s)
{
    switch (s) {
    case SK400VOP_SUB_SUBSCRIBING: return "subscribing";
    case SK400VOP_SUB_PENDING: return "pending";
    case SK400VOP_SUB_ACTIVE: return "active";
    case SK400VOP_SUB_TERMINATED: return "terminated";
    default: return "unknown";
    }
}

static void on_subscription_state(void *ctx, sk400vop_stack_id stack, sk400vop_sub_id sub, void *ud,
                                  const sk400vop_subscription_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)sub; (void)ud;
    pthread_mutex_lock(&p->mu);
    if (info->state == SK400VOP_SUB_TERMINATED) {
        /* Why it ended: the NOTIFY's reason, else the response behind it. */
        if (info->why[0]) printf("SUB terminated %s", info->why);
        else if (info->code) printf("SUB terminated %d", info->code);
        else printf("SUB terminated");
        if (info->retry_after) printf(" retry-after %u", info->retry_after);
        printf("\n");
        if (info->retry_after == 0) p->sub_terminated = 1;
    } else {
        printf("SUB %s\n", sub_state_name(info->state));
        if (info->state == SK400VOP_SUB_ACTIVE) p->sub_active = 1;
    }
    pthread_mutex_unlock(&p->mu);
}

static void on_notify(void *ctx, sk400vop_stack_id stack, sk400vop_sub_id sub, void *ud,
                      const sk400vop_subscription_info *info)
{
    int32_t open;
    char note[256];
    sk400vop_status st;
    (void)ctx; (void)stack; (void)sub; (void)ud;
    printf("NOTIFY %s %zu\n", info->content_type[0] ? info->content_type : "-", info->body_len);
    if (strcmp(info->content_type, "application/pidf+xml") == 0) {
        st = sk400vop_presence_parse(info->body, info->body_len, &open, note, sizeof note);
        if (st == SK400VOP_OK || st == SK400VOP_ERR_RANGE)
            printf("PRESENCE %s%s%s\n", open ? "open" : "closed", note[0] ? " " : "", note);
    }
}

/* pidf writes a PIDF document (RFC 3863) of entity, open or closed, with
 * note escaped for XML. */
static int pidf(char *buf, size_t len, const char *entity, int open, const char *note)
{
    char esc[512];
    size_t k = 0;
    const char *c;
    for (c = note ? note : ""; *c && k + 7 < sizeof esc; c++) {
        const char *r = *c == '<' ? "&lt;" : *c == '>' ? "&gt;" : *c == '&' ? "&amp;" : *c == '"' ? "&quot;" : NULL;
        if (r) { memcpy(esc + k, r, strlen(r)); k += strlen(r); }
        else esc[k++] = *c;
    }
    esc[k] = 0;
    return snprintf(buf, len,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"%s\">\n"
                    "  <tuple id=\"softphone\"><status><basic>%s</basic></status><contact>%s</contact>"
                    "<note>%s</note></tuple>\n</presence>\n",
                    entity, open ? "open" : "closed", entity, esc);
}

static void on_incoming_subscription(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                                     sk400vop_notifier_id n, const sk400vop_notifier_info *info)
{
    struct phone *p = ctx;
    char body[1024];
    int len;
    (void)acc; (void)ud;
    printf("SUBSCRIBE from %s %s\n", info->from, info->event);
    if (!p->o->notify_state || strcmp(info->event, "presence") != 0) {
        sk400vop_notifier_reject(stack, n, 489);
        return;
    }
    len = pidf(body, sizeof body, p->aor, !strcmp(p->o->notify_state, "open"), p->o->notify_note);
    if (len < 0 || (size_t)len >= sizeof body) len = 0;
    sk400vop_notifier_accept(stack, n, SK400VOP_SUB_ACTIVE, "application/pidf+xml", body, (size_t)len, NULL);
}

static void on_notifier_state(void *ctx, sk400vop_stack_id stack, sk400vop_notifier_id n, void *ud,
                              const sk400vop_notifier_info *info)
{
    (void)ctx; (void)stack; (void)n; (void)ud;
    if (info->state == SK400VOP_SUB_TERMINATED) printf("NOTIFIER terminated %s\n", info->why);
    else printf("NOTIFIER refreshed %u\n", info->expires);
}

static void on_publication_state(void *ctx, sk400vop_stack_id stack, sk400vop_pub_id pub, void *ud,
                                 const sk400vop_publication_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)pub; (void)ud;
    pthread_mutex_lock(&p->mu);
    if (info->state == SK400VOP_PUB_PUBLISHED) {
        printf("PUB published %d\n", info->code);
        p->pub_published = 1;
    } else if (info->state == SK400VOP_PUB_UNPUBLISHED) {
        printf("PUB unpublished %d\n", info->code);
        p->pub_unpublished = 1;
    }
    pthread_mutex_unlock(&p->mu);
}

static void on_transfer_progress(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                                 const sk400vop_transfer_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)call; (void)ud;
    pthread_mutex_lock(&p->mu);
    if (info->final) {
        printf("XFER done %d\n", info->code);
        p->xfer_done = 1;
        p->xfer_code = info->code;
    } else if (info->code == 202) {
        printf("XFER 202\n");
    } else {
        printf("XFER progress %d\n", info->code);
    }
    pthread_mutex_unlock(&p->mu);
}

static void on_transfer_request(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                                sk400vop_transfer_id x, const sk400vop_transfer_info *info)
{
    struct phone *p = ctx;
    sk400vop_call_id nc = 0;
    sk400vop_call_opts co;
    sk400vop_status st;
    (void)call; (void)ud;
    printf("XFER request %s\n", info->target);
    if (!p->o->accept_transfer) {
        sk400vop_transfer_reject(stack, x, 603);
        return;
    }
    media_opts(p->o, &co);
    /* From now on the phone follows the new call; the old one ends when the
     * transferor hangs it up. */
    pthread_mutex_lock(&p->mu);
    st = sk400vop_transfer_accept(stack, x, &co, NULL, &nc);
    if (st == SK400VOP_OK) {
        p->call = nc;
        p->confirmed = p->disconnected = 0;
        p->transfers_accepted++;
    }
    pthread_mutex_unlock(&p->mu);
    if (st != SK400VOP_OK) fprintf(stderr, "softphone: transfer accept: %s\n", sk400vop_strerror(st));
}

static void usage(void)
{
    fprintf(stderr,
            "usage: softphone --listen udp:|tcp:|tls:HOST:PORT [--user U] [--password P] [--domain D]\n"
            "                 [--registrar URI] [--proxy URI] [--call URI | --auto-answer]\n"
            "                 [--play WAV | --tone HZ] [--record WAV] [--dtmf DIGITS]\n"
            "                 [--duration S] [--hold-after S] [--log-level 0-4] [--poll] [--trace]\n"
            "                 [--message URI TEXT [--message-delay S]] [--subscribe URI EVENT]\n"
            "                 [--publish open|closed NOTE] [--notify-state open|closed NOTE]\n"
            "                 [--transfer URI] [--accept-transfer]\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
    int i;
    memset(o, 0, sizeof *o);
    o->user = "softphone";
    o->listen = "udp:127.0.0.1:5060";
    o->duration = 5;
    o->hold_after = -1;
    o->log_level = SK400VOP_LOG_WARN;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name, dst) if (!strcmp(a, name)) { if (!v) goto missing; dst = v; i++; continue; }
        ARG("--user", o->user)
        ARG("--password", o->password)
        ARG("--domain", o->domain)
        ARG("--registrar", o->registrar)
        ARG("--proxy", o->proxy)
        ARG("--listen", o->listen)
        ARG("--call", o->call)
        ARG("--play", o->play)
        ARG("--record", o->record)
        ARG("--dtmf", o->dtmf)
#undef ARG
#define ARG2(name, d1, d2) if (!strcmp(a, name)) { if (!v || i + 2 >= argc) goto missing; d1 = v; d2 = argv[i + 2]; i += 2; continue; }
        ARG2("--message", o->msg_uri, o->msg_text)
        ARG2("--subscribe", o->sub_uri, o->sub_event)
        ARG2("--publish", o->pub_state, o->pub_note)
        ARG2("--notify-state", o->notify_state, o->notify_note)
#undef ARG2
        if (!strcmp(a, "--transfer") && v) { o->transfer = v; i++; continue; }
        if (!strcmp(a, "--message-delay") && v) { o->msg_delay = atof(v); i++; continue; }
        if (!strcmp(a, "--accept-transfer")) { o->accept_transfer = 1; continue; }
        if (!strcmp(a, "--duration") && v) { o->duration = atof(v); i++; continue; }
        if (!strcmp(a, "--hold-after") && v) { o->hold_after = atof(v); i++; continue; }
        if (!strcmp(a, "--log-level") && v) { o->log_level = atoi(v); i++; continue; }
        if (!strcmp(a, "--auto-answer")) { o->auto_answer = 1; continue; }
        if (!strcmp(a, "--poll")) { o->poll_mode = 1; continue; }
        if (!strcmp(a, "--trace")) { o->trace = 1; continue; }
        if (!strcmp(a, "--tone") && v) { o->tone = atoi(v); i++; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        fprintf(stderr, "softphone: unknown or incomplete option %s\n", a);
        usage();
        return 0;
    missing:
        fprintf(stderr, "softphone: %s needs a value\n", a);
        return 0;
    }
    if (o->call && o->auto_answer) {
        fprintf(stderr, "softphone: --call and --auto-answer exclude each other\n");
        return 0;
    }
    if ((o->pub_state && strcmp(o->pub_state, "open") && strcmp(o->pub_state, "closed")) ||
        (o->notify_state && strcmp(o->notify_state, "open") && strcmp(o->notify_state, "closed"))) {
        fprintf(stderr, "softphone: a presence state is open or closed\n");
        return 0;
    }
    if (o->transfer && !o->call) {
        fprintf(stderr, "softphone: --transfer needs --call\n");
        return 0;
    }
    return 1;
}

/* wait_step lets events arrive for up to ms: poll mode delivers them here,
 * on this thread, waking on the stack's fd; thread mode just sleeps. */
static void wait_step(const struct opts *o, sk400vop_stack_id stack, int fd, int ms)
{
    if (o->poll_mode) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, ms) > 0) sk400vop_poll(stack, 0);
    } else {
        struct timespec ts = {0, (long)ms * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int fail(const char *what, sk400vop_stack_id stack, sk400vop_status st)
{
    char detail[256];
    sk400vop_last_error(stack, detail, sizeof detail);
    fprintf(stderr, "softphone: %s: %s (%s)\n", what, sk400vop_strerror(st), detail);
    return 1;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct phone p;
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_account_config ac;
    sk400vop_stack_id stack = 0;
    sk400vop_account_id acc = 0;
    sk400vop_status st;
    char aor[512], host[256];
    const char *proto_end, *hp;
    int fd = -1, ok = 0, hold_done = 0, hung_up = 0, unreg_sent = 0, dtmf_sent = 0;
    int msg_sent = 0, xfer_sent = 0, xfer_hangup = 0;
    sk400vop_sub_id sub = 0;
    sk400vop_pub_id pub = 0;
    double start, deadline;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!parse(argc, argv, &o)) return 2;

    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    p.log_level = o.log_level;
    p.o = &o;

    sk400vop_config_init(&cfg);
    cfg.listen = o.listen;
    cfg.log_level = o.log_level;
    cfg.dispatch = o.poll_mode ? SK400VOP_DISPATCH_POLL : SK400VOP_DISPATCH_THREAD;
    cfg.max_procs = 2; /* a phone needs little: keep the runtime small */
    sk400vop_events_init(&ev);
    ev.on_log = on_log;
    ev.on_reg_state = on_reg_state;
    ev.on_incoming_call = on_incoming_call;
    ev.on_call_state = on_call_state;
    ev.on_call_media = on_call_media;
    ev.on_dtmf = on_dtmf;
    ev.on_message = on_message;
    ev.on_message_status = on_message_status;
    ev.on_subscription_state = on_subscription_state;
    ev.on_notify = on_notify;
    ev.on_notifier_state = on_notifier_state;
    ev.on_publication_state = on_publication_state;
    ev.on_transfer_progress = on_transfer_progress;
    if (o.notify_state) ev.on_incoming_subscription = on_incoming_subscription; /* else 489 */
    if (o.accept_transfer) ev.on_transfer_request = on_transfer_request;       /* else 603 */
    if (o.trace) {
        cfg.sip_trace = 1;
        ev.on_sip_trace = on_sip_trace;
    }
    if ((st = sk400vop_create(&cfg, &ev, NULL, NULL, &p, &stack)) != SK400VOP_OK)
        return fail("create", 0, st);
    p.stack = stack;
    if (o.poll_mode && (st = sk400vop_poll_fd(stack, &fd)) != SK400VOP_OK) return fail("poll_fd", stack, st);

    /* The transport and default domain come from the listen spec. */
    proto_end = strchr(o.listen, ':');
    hp = proto_end ? proto_end + 1 : "127.0.0.1";
    snprintf(host, sizeof host, "%s", hp);
    if (host[0] == '[') { char *e = strchr(host, ']'); if (e) e[1] = 0; }
    else { char *e = strrchr(host, ':'); if (e) *e = 0; }
    snprintf(aor, sizeof aor, "sip:%s@%s", o.user, o.domain ? o.domain : host);
    p.aor = aor;

    sk400vop_account_config_init(&ac);
    ac.aor = aor;
    ac.password = o.password;
    ac.realm = o.domain;
    ac.registrar = o.registrar;
    ac.proxy = o.proxy;
    ac.accept_any = 1;
    if (proto_end && (size_t)(proto_end - o.listen) == 3 && !strncmp(o.listen, "tcp", 3)) ac.transport = "tcp";
    if (proto_end && (size_t)(proto_end - o.listen) == 3 && !strncmp(o.listen, "tls", 3)) ac.transport = "tls";
    if ((st = sk400vop_account_add(stack, &ac, NULL, &acc)) != SK400VOP_OK) {
        fail("account", stack, st);
        sk400vop_destroy(stack);
        return 1;
    }
    {
        char local[128] = "";
        sk400vop_local_addr(stack, ac.transport ? ac.transport : "udp", local, sizeof local);
        printf("READY %s %s %s\n", aor, ac.transport ? ac.transport : "udp", local);
    }

    start = now_s();
    deadline = start + o.duration + 10; /* hard limit for the whole scenario */
    if (o.registrar) {
        if ((st = sk400vop_account_register(stack, acc)) != SK400VOP_OK) return fail("register", stack, st);
        for (;;) {
            int done;
            pthread_mutex_lock(&p.mu);
            done = p.registered || p.reg_failed;
            pthread_mutex_unlock(&p.mu);
            if (done || now_s() > deadline) break;
            wait_step(&o, stack, fd, 20);
        }
        if (!p.registered) {
            fprintf(stderr, "softphone: registration failed\n");
            sk400vop_destroy(stack);
            return 1;
        }
    }

    if (o.call) {
        sk400vop_call_id call;
        sk400vop_call_opts co;
        media_opts(&o, &co);
        pthread_mutex_lock(&p.mu); /* so on_call_state knows the call from its first event */
        st = sk400vop_call_make(stack, acc, o.call, &co, NULL, &call);
        if (st == SK400VOP_OK) p.call = call;
        pthread_mutex_unlock(&p.mu);
        if (st != SK400VOP_OK) {
            fail("call", stack, st);
            sk400vop_destroy(stack);
            return 1;
        }
    }

    if (o.sub_uri && (st = sk400vop_subscribe(stack, acc, o.sub_uri, o.sub_event, NULL, 600, NULL, &sub)) != SK400VOP_OK)
        fail("subscribe", stack, st);
    if (o.pub_state) {
        char body[1024];
        int len = pidf(body, sizeof body, aor, !strcmp(o.pub_state, "open"), o.pub_note);
        if (len > 0 && (size_t)len < sizeof body &&
            (st = sk400vop_publish(stack, acc, "presence", "application/pidf+xml", body, (size_t)len, 600, NULL,
                                   &pub)) != SK400VOP_OK)
            fail("publish", stack, st);
    }

    /* Run the scenario. */
    for (;;) {
        double t = now_s();
        int confirmed, disconnected, held;
        double since;
        sk400vop_call_id call;
        pthread_mutex_lock(&p.mu);
        confirmed = p.confirmed;
        disconnected = p.disconnected;
        held = p.held;
        call = p.call;
        since = confirmed ? t - p.confirmed_at : 0;
        pthread_mutex_unlock(&p.mu);
        if (disconnected || t > deadline) break;
        if (!o.call && !o.auto_answer && t - start >= o.duration) break; /* register only */
        if (o.auto_answer && !confirmed && call == 0 && t - start >= o.duration) break;
        if (confirmed && o.dtmf && !dtmf_sent && since >= 0.5) {
            if ((st = sk400vop_call_send_dtmf(stack, call, o.dtmf, 0)) != SK400VOP_OK) fail("dtmf", stack, st);
            dtmf_sent = 1;
        }
        if (confirmed && o.hold_after >= 0 && since >= o.hold_after && !hold_done) {
            if ((st = sk400vop_call_hold(stack, call)) != SK400VOP_OK) fail("hold", stack, st);
            hold_done = 1;
        }
        if (hold_done == 1 && held && since >= o.hold_after + 0.3) {
            if ((st = sk400vop_call_resume(stack, call)) != SK400VOP_OK) fail("resume", stack, st);
            hold_done = 2;
        }
        if (o.msg_uri && !msg_sent && t - start >= o.msg_delay) {
            if ((st = sk400vop_message_send(stack, acc, o.msg_uri, NULL, o.msg_text, strlen(o.msg_text), NULL,
                                            NULL)) != SK400VOP_OK)
                fail("message", stack, st);
            msg_sent = 1;
        }
        if (confirmed && o.transfer && !xfer_sent && since >= 0.5) {
            if ((st = sk400vop_call_transfer(stack, call, o.transfer)) != SK400VOP_OK) fail("transfer", stack, st);
            xfer_sent = 1;
        }
        if (xfer_sent && !xfer_hangup) {
            int done, code;
            pthread_mutex_lock(&p.mu);
            done = p.xfer_done;
            code = p.xfer_code;
            pthread_mutex_unlock(&p.mu);
            /* The transferee took over: our call is ours to end (baresip,
             * for one, leaves it up). */
            if (done && code >= 200 && code < 300 && !hung_up) {
                if ((st = sk400vop_call_hangup(stack, call, NULL)) != SK400VOP_OK) fail("hangup", stack, st);
                hung_up = 1;
            }
            if (done) xfer_hangup = 1;
        }
        if (confirmed && since >= o.duration && !hung_up) {
            if ((st = sk400vop_call_hangup(stack, call, NULL)) != SK400VOP_OK) fail("hangup", stack, st);
            hung_up = 1;
        }
        wait_step(&o, stack, fd, 20);
    }

    /* Unsubscribe and unpublish, waiting a little for the last events. */
    {
        int sub_end = 0, pub_end = 0;
        pthread_mutex_lock(&p.mu);
        if (sub && !p.sub_terminated) sub_end = sk400vop_unsubscribe(stack, sub) == SK400VOP_OK;
        if (pub && p.pub_published && !p.pub_unpublished) pub_end = sk400vop_publish_remove(stack, pub) == SK400VOP_OK;
        pthread_mutex_unlock(&p.mu);
        while ((sub_end || pub_end) && now_s() < deadline + 2) {
            int done;
            pthread_mutex_lock(&p.mu);
            done = (!sub_end || p.sub_terminated) && (!pub_end || p.pub_unpublished);
            pthread_mutex_unlock(&p.mu);
            if (done) break;
            wait_step(&o, stack, fd, 20);
        }
    }

    pthread_mutex_lock(&p.mu);
    if (o.call || o.auto_answer)
        ok = p.confirmed && p.disconnected && (o.hold_after < 0 || (p.held && p.resumed));
    else
        ok = !o.registrar || p.registered;
    if (o.msg_uri && (p.msg_code < 200 || p.msg_code >= 300)) ok = 0;
    if (o.sub_uri && !(p.sub_active && p.sub_terminated)) ok = 0;
    if (o.pub_state && !p.pub_published) ok = 0;
    if (o.transfer && !(p.xfer_done && p.xfer_code >= 200 && p.xfer_code < 300)) ok = 0;
    pthread_mutex_unlock(&p.mu);

    if (o.registrar && p.registered) {
        if (sk400vop_account_unregister(stack, acc) == SK400VOP_OK) unreg_sent = 1;
        while (unreg_sent && now_s() < deadline + 2) {
            int done;
            pthread_mutex_lock(&p.mu);
            done = p.unregistered || p.reg_failed;
            pthread_mutex_unlock(&p.mu);
            if (done) break;
            wait_step(&o, stack, fd, 20);
        }
    }
    sk400vop_destroy(stack);
    pthread_mutex_destroy(&p.mu);
    if (!ok) fprintf(stderr, "softphone: scenario failed\n");
    printf("EXIT %d\n", ok ? 0 : 1);
    return ok ? 0 : 1;
}
