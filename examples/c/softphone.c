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
 * Media is the library's built-in engine: --play sends a WAV file (--tone
 * a sine tone), --record writes what is received to a WAV file, --dtmf
 * sends its digits half a second after the call is confirmed. The RTP
 * line is printed when the call ends, from its final figures.
 * Exit status: 0 when the scenario succeeded (registered; or the call was
 * confirmed, held/resumed as asked, and ended), 1 when it did not, 2 for a
 * usage error.
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
    int auto_answer, poll_mode, log_level, tone, trace;
    double duration, hold_after;
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

static void usage(void)
{
    fprintf(stderr,
            "usage: softphone --listen udp:|tcp:|tls:HOST:PORT [--user U] [--password P] [--domain D]\n"
            "                 [--registrar URI] [--proxy URI] [--call URI | --auto-answer]\n"
            "                 [--play WAV | --tone HZ] [--record WAV] [--dtmf DIGITS]\n"
            "                 [--duration S] [--hold-after S] [--log-level 0-4] [--poll] [--trace]\n");
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
        if (confirmed && since >= o.duration && !hung_up) {
            if ((st = sk400vop_call_hangup(stack, call, NULL)) != SK400VOP_OK) fail("hangup", stack, st);
            hung_up = 1;
        }
        wait_step(&o, stack, fd, 20);
    }

    pthread_mutex_lock(&p.mu);
    if (o.call || o.auto_answer)
        ok = p.confirmed && p.disconnected && (o.hold_after < 0 || (p.held && p.resumed));
    else
        ok = !o.registrar || p.registered;
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
