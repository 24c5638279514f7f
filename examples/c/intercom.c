/* intercom — a door intercom on the public sk400vop API only: it answers
 * every call by itself, plays a prompt to the caller, opens the "door" when
 * the caller keys the PIN and '#' (just '#' without --pin), and hangs up.
 *
 *   intercom --listen udp:127.0.0.1:5080 [--user door] [--prompt WAV]
 *            [--pin DIGITS] [--duration S] [--once] [--expect-door]
 *            [--log-level 0-4]
 *
 * The account auto-answers (SK400VOP_AUTO_ANSWER_ALWAYS) and its
 * call_defaults loop the prompt: the app does nothing on the 20 ms path.
 * Without --prompt, a chime (660 Hz, 0.6 s, then 0.4 s of silence) is
 * written to a temporary WAV file first. A call is hung up --duration
 * seconds after it was answered (default 10), or one second after the door
 * opened. One line per event on stdout:
 *   READY sip:door@127.0.0.1 udp 127.0.0.1:5080
 *   CALL incoming sip:alice@127.0.0.1 | CALL confirmed | DTMF 1 rfc4733
 *   DOOR open | DOOR denied | CALL disconnected 200 ...
 * With --once it exits after the first call: status 0 if that call was
 * answered and ended (and, with --expect-door, the door opened), else 1;
 * 2 for a usage error. Without --once it runs until killed.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sk400vop.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct intercom {
    pthread_mutex_t mu;
    const char *pin;
    char keyed[32];
    size_t nkeyed;
    sk400vop_call_id call; /* the call in progress, 0 for none */
    double answered_at, door_at;
    int calls_done, door_opened, answered;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* write_chime writes the default prompt: 8 kHz 16-bit mono PCM. */
static int write_chime(const char *path)
{
    unsigned char h[44] = {0};
    const long n = 8000; /* one second */
    long i;
    FILE *f = fopen(path, "wb");
    if (f == NULL) return 0;
#define PUT16(b, v) ((b)[0] = (unsigned char)(v), (b)[1] = (unsigned char)((v) >> 8))
#define PUT32(b, v) (PUT16(b, (v) & 0xffff), PUT16((b) + 2, ((unsigned long)(v) >> 16) & 0xffff))
    memcpy(h, "RIFF", 4);
    PUT32(h + 4, 36 + n * 2);
    memcpy(h + 8, "WAVEfmt ", 8);
    PUT32(h + 16, 16);
    PUT16(h + 20, 1);
    PUT16(h + 22, 1);
    PUT32(h + 24, 8000);
    PUT32(h + 28, 16000);
    PUT16(h + 32, 2);
    PUT16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    PUT32(h + 40, n * 2);
    fwrite(h, 1, sizeof h, f);
    for (i = 0; i < n; i++) {
        unsigned char s[2];
        int v = i < 4800 ? (int)lrint(9000.0 * sin(2.0 * M_PI * 660.0 * (double)i / 8000.0)) : 0;
        PUT16(s, (unsigned)v & 0xffff);
        fwrite(s, 1, 2, f);
    }
#undef PUT16
#undef PUT32
    return fclose(f) == 0;
}

static void on_incoming_call(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                             sk400vop_call_id call, const sk400vop_call_info *info)
{
    struct intercom *ic = ctx;
    (void)stack; (void)acc; (void)ud;
    /* The account answers by itself (auto_answer): only note the call. */
    printf("CALL incoming %s\n", info->remote_uri);
    pthread_mutex_lock(&ic->mu);
    if (ic->call == 0) {
        ic->call = call;
        ic->nkeyed = 0;
        ic->door_at = 0;
    }
    pthread_mutex_unlock(&ic->mu);
}

static void on_call_state(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    struct intercom *ic = ctx;
    (void)stack; (void)ud;
    pthread_mutex_lock(&ic->mu);
    if (call == ic->call) {
        if (info->state == SK400VOP_CALL_CONFIRMED) {
            printf("CALL confirmed\n");
            ic->answered = 1;
            ic->answered_at = now_s();
        } else if (info->state == SK400VOP_CALL_DISCONNECTED) {
            printf("CALL disconnected %d %s%s\n", info->code, info->reason, info->local ? " local" : " remote");
            ic->call = 0;
            ic->calls_done++;
        }
    }
    pthread_mutex_unlock(&ic->mu);
}

static void on_dtmf(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                    const sk400vop_dtmf_info *info)
{
    struct intercom *ic = ctx;
    (void)stack; (void)ud;
    printf("DTMF %c %s\n", info->digit, info->method == SK400VOP_DTMF_INFO ? "info" : "rfc4733");
    pthread_mutex_lock(&ic->mu);
    if (call == ic->call && ic->door_at == 0) {
        if (info->digit != '#') {
            if (ic->nkeyed + 1 < sizeof ic->keyed) ic->keyed[ic->nkeyed++] = info->digit;
        } else {
            ic->keyed[ic->nkeyed] = 0;
            if (ic->pin == NULL || strcmp(ic->keyed, ic->pin) == 0) {
                printf("DOOR open\n");
                ic->door_opened = 1;
                ic->door_at = now_s();
            } else {
                printf("DOOR denied\n");
            }
            ic->nkeyed = 0;
        }
    }
    pthread_mutex_unlock(&ic->mu);
}

static void on_log(void *ctx, int32_t level, const char *subsystem, const char *msg, size_t len)
{
    (void)ctx;
    fprintf(stderr, "LOG %d %s %.*s\n", (int)level, subsystem, (int)len, msg);
}

static int fail(const char *what, sk400vop_stack_id stack, sk400vop_status st)
{
    char detail[256];
    sk400vop_last_error(stack, detail, sizeof detail);
    fprintf(stderr, "intercom: %s: %s (%s)\n", what, sk400vop_strerror(st), detail);
    return 1;
}

int main(int argc, char **argv)
{
    const char *listen = "udp:127.0.0.1:5080", *user = "door", *prompt = NULL;
    double duration = 10;
    int once = 0, expect_door = 0, log_level = SK400VOP_LOG_WARN, i, rc = 1;
    char chime[] = "/tmp/intercom-chime-XXXXXX", aor[300], host[256], local[128] = "";
    const char *hp;
    struct intercom ic;
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_account_config ac;
    sk400vop_call_opts defaults;
    sk400vop_stack_id stack = 0;
    sk400vop_account_id acc = 0;
    sk400vop_status st;

    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&ic, 0, sizeof ic);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--listen") && v) listen = argv[++i];
        else if (!strcmp(a, "--user") && v) user = argv[++i];
        else if (!strcmp(a, "--prompt") && v) prompt = argv[++i];
        else if (!strcmp(a, "--pin") && v) ic.pin = argv[++i];
        else if (!strcmp(a, "--duration") && v) duration = atof(argv[++i]);
        else if (!strcmp(a, "--log-level") && v) log_level = atoi(argv[++i]);
        else if (!strcmp(a, "--once")) once = 1;
        else if (!strcmp(a, "--expect-door")) expect_door = 1;
        else {
            fprintf(stderr, "usage: intercom --listen udp:HOST:PORT [--user U] [--prompt WAV] [--pin DIGITS]\n"
                            "                [--duration S] [--once] [--expect-door] [--log-level 0-4]\n");
            return 2;
        }
    }
    if (prompt == NULL) {
        int fd = mkstemp(chime);
        if (fd < 0 || close(fd) != 0 || !write_chime(chime)) {
            perror("intercom: writing the chime");
            return 1;
        }
        prompt = chime;
    }
    pthread_mutex_init(&ic.mu, NULL);

    sk400vop_config_init(&cfg);
    cfg.listen = listen;
    cfg.log_level = log_level;
    cfg.max_procs = 2;
    sk400vop_events_init(&ev);
    ev.on_incoming_call = on_incoming_call;
    ev.on_call_state = on_call_state;
    ev.on_dtmf = on_dtmf;
    ev.on_log = on_log;
    if ((st = sk400vop_create(&cfg, &ev, NULL, NULL, &ic, &stack)) != SK400VOP_OK) {
        fail("create", 0, st);
        goto out;
    }

    hp = strchr(listen, ':');
    snprintf(host, sizeof host, "%s", hp ? hp + 1 : "127.0.0.1");
    if (host[0] == '[') { char *e = strchr(host, ']'); if (e) e[1] = 0; }
    else { char *e = strrchr(host, ':'); if (e) *e = 0; }
    snprintf(aor, sizeof aor, "sip:%s@%s", user, host);

    /* Every incoming call plays the prompt, over and over, from the INVITE
     * on: the library opens and reads the file, the app sees only events. */
    sk400vop_call_opts_init(&defaults);
    defaults.play_wav = prompt;
    defaults.play_loop = 1;
    sk400vop_account_config_init(&ac);
    ac.aor = aor;
    ac.accept_any = 1;
    ac.auto_answer = SK400VOP_AUTO_ANSWER_ALWAYS;
    ac.call_defaults = &defaults;
    if ((st = sk400vop_account_add(stack, &ac, NULL, &acc)) != SK400VOP_OK) {
        fail("account", stack, st);
        goto out;
    }
    sk400vop_local_addr(stack, "udp", local, sizeof local);
    printf("READY %s udp %s\n", aor, local);

    for (;;) {
        struct timespec ts = {0, 20 * 1000000L};
        double t = now_s();
        sk400vop_call_id call;
        int hang = 0, done;
        pthread_mutex_lock(&ic.mu);
        call = ic.call;
        if (call != 0 && ic.answered && ic.answered_at > 0 &&
            (t - ic.answered_at >= duration || (ic.door_at > 0 && t - ic.door_at >= 1.0))) {
            hang = 1;
            ic.answered_at = 0; /* once */
        }
        done = once && ic.calls_done > 0;
        pthread_mutex_unlock(&ic.mu);
        if (done) break;
        if (hang && (st = sk400vop_call_hangup(stack, call, NULL)) != SK400VOP_OK &&
            st != SK400VOP_ERR_STATE && st != SK400VOP_ERR_BAD_HANDLE)
            fail("hangup", stack, st);
        nanosleep(&ts, NULL);
    }
    rc = ic.answered && (!expect_door || ic.door_opened) ? 0 : 1;
out:
    if (stack) sk400vop_destroy(stack);
    if (prompt == chime) unlink(chime);
    pthread_mutex_destroy(&ic.mu);
    if (rc != 0) fprintf(stderr, "intercom: scenario failed\n");
    printf("EXIT %d\n", rc);
    return rc;
}
