/* media_pcm — a SIP phone whose audio is the app's own: the media table in
 * PCM mode. The stack negotiates SDP and runs RTP with G.711; every packet
 * time it asks this program for the next frame to send (frame) and hands
 * it the frame played out of its jitter buffer (on_frame).
 *
 *   media_pcm --listen udp:127.0.0.1:0 --user bob --auto-answer --tone 600 --expect 1000
 *   media_pcm --listen udp:127.0.0.1:0 --user alice --call sip:bob@127.0.0.1:PORT \
 *             --tone 1000 --expect 600 --duration 2
 *
 * --tone HZ sends a sine of HZ (silence without it); --expect HZ checks that
 * what was received is mostly a tone of HZ: a Goertzel filter over each
 * frame measures the share of the frame's energy at HZ, and at HZ +- 300 Hz
 * for comparison. The media callbacks run on the stack's engine thread,
 * so they only compute and count; main reads the results once the call's
 * media is destroyed.
 *
 * Output: READY <aor> udp <addr>, MEDIA update <codec>/<rate> pt <n> ptime
 * <ms> samples <n> send <0|1> recv <0|1>, CALL confirmed, CALL disconnected
 * <code>, MEDIA frames out <n> in <n> tone <share> near <share>.
 * Exit status 0 when the call ended and the expected tone came.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk400vop.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* What one call's media saw: written by the media callbacks (engine
 * thread), read by main after sk400vop_destroy (which ends them all). */
struct media {
    double tone_hz, expect_hz, phase;
    unsigned rate, samples;
    long frames_out, frames_in, frames_checked;
    double energy, at_tone, near_tone; /* sums over the checked frames */
    int updates;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct media result; /* the last call's, copied by destroy */
static int have_result, confirmed, disconnected, disconnect_code;
static double tone_hz, expect_hz;

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

/* goertzel returns the power of pcm at hz (rate Hz sampling). */
static double goertzel(const int16_t *pcm, size_t n, double hz, unsigned rate)
{
    double w = 2.0 * M_PI * hz / rate, c = 2.0 * cos(w), s1 = 0, s2 = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double s0 = pcm[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* ---- the media table: every member runs on the stack's engine thread ---- */

static int32_t m_create(void *user, sk400vop_call_id call, void *call_ud, void **ctx)
{
    struct media *m = calloc(1, sizeof *m);
    (void)user; (void)call; (void)call_ud;
    if (m == NULL) return -1;
    m->tone_hz = tone_hz;
    m->expect_hz = expect_hz;
    m->rate = 8000;
    *ctx = m;
    return 0;
}

static void m_update(void *user, void *ctx, const sk400vop_media_params *p)
{
    struct media *m = ctx;
    (void)user;
    m->rate = p->clock_rate ? p->clock_rate : 8000;
    m->samples = p->samples;
    m->updates++;
    printf("MEDIA update %s/%u pt %d ptime %u samples %u send %d recv %d remote %s:%u\n", p->codec,
           (unsigned)p->clock_rate, (int)p->payload_type, (unsigned)p->ptime, (unsigned)p->samples,
           (int)p->sending, (int)p->receiving, p->remote_addr, (unsigned)p->remote_port);
    fflush(stdout);
}

static void m_destroy(void *user, void *ctx)
{
    struct media *m = ctx;
    (void)user;
    pthread_mutex_lock(&mu);
    result = *m;
    have_result = 1;
    pthread_mutex_unlock(&mu);
    free(m);
}

/* m_frame is the demand: the next frame to send. */
static int32_t m_frame(void *user, void *ctx, int16_t *pcm, size_t n)
{
    struct media *m = ctx;
    double step = 2.0 * M_PI * m->tone_hz / m->rate;
    size_t i;
    (void)user;
    if (m->tone_hz <= 0) return -1; /* nothing to send: silence suppressed */
    for (i = 0; i < n; i++) {
        pcm[i] = (int16_t)(8000.0 * sin(m->phase));
        m->phase += step;
    }
    m->phase = fmod(m->phase, 2.0 * M_PI);
    m->frames_out++;
    return 0;
}

/* m_on_frame is the report: a frame played out. */
static void m_on_frame(void *user, void *ctx, const int16_t *pcm, size_t n)
{
    struct media *m = ctx;
    double e = 0;
    size_t i;
    (void)user;
    m->frames_in++;
    if (m->expect_hz <= 0) return;
    for (i = 0; i < n; i++) e += (double)pcm[i] * pcm[i];
    if (e < 1e3 * (double)n) return; /* silence before the first packet, concealment */
    m->frames_checked++;
    /* A pure tone of amplitude A over n samples has power (A n / 2)^2 and
     * energy A^2 n / 2: 2 P / (n E) is the share of the energy at hz. */
    m->energy += e;
    m->at_tone += 2.0 * goertzel(pcm, n, m->expect_hz, m->rate) / (double)n;
    m->near_tone += (goertzel(pcm, n, m->expect_hz + 300, m->rate) + goertzel(pcm, n, m->expect_hz - 300, m->rate)) /
                    (double)n;
}

/* ---- the event table: on the dispatcher thread ---- */

static void on_incoming(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                        sk400vop_call_id call, const sk400vop_call_info *info)
{
    (void)ctx; (void)stack; (void)acc; (void)ud; (void)call;
    printf("CALL incoming %s\n", info->remote_uri);
    fflush(stdout);
}

static void on_call_state(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    (void)ctx; (void)stack; (void)call; (void)ud;
    pthread_mutex_lock(&mu);
    if (info->state == SK400VOP_CALL_CONFIRMED) {
        printf("CALL confirmed\n");
        confirmed = 1;
    } else if (info->state == SK400VOP_CALL_DISCONNECTED) {
        printf("CALL disconnected %d %s\n", info->code, info->reason);
        disconnected = 1;
        disconnect_code = info->code;
    }
    fflush(stdout);
    pthread_mutex_unlock(&mu);
}

static int flag(int which)
{
    int v;
    pthread_mutex_lock(&mu);
    v = which == 0 ? confirmed : disconnected;
    pthread_mutex_unlock(&mu);
    return v;
}

static void usage(void)
{
    fprintf(stderr, "usage: media_pcm --listen udp:HOST:PORT --user NAME [--call URI] [--auto-answer]\n"
                    "                 [--tone HZ] [--expect HZ] [--duration S]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *user = "pcm", *call_uri = NULL;
    int auto_answer = 0, i, ok = 1;
    double duration = 2, t0;
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_media tbl;
    sk400vop_account_config ac;
    sk400vop_account_id acc;
    sk400vop_call_id call = 0;
    sk400vop_stack_id stack;
    sk400vop_status rc;
    char aor[256], local[128], err[256];

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--listen") && i + 1 < argc) listen_spec = argv[++i];
        else if (!strcmp(argv[i], "--user") && i + 1 < argc) user = argv[++i];
        else if (!strcmp(argv[i], "--call") && i + 1 < argc) call_uri = argv[++i];
        else if (!strcmp(argv[i], "--tone") && i + 1 < argc) tone_hz = atof(argv[++i]);
        else if (!strcmp(argv[i], "--expect") && i + 1 < argc) expect_hz = atof(argv[++i]);
        else if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--auto-answer")) auto_answer = 1;
        else usage();
    }
    if (listen_spec == NULL) usage();

    sk400vop_media_init(&tbl);
    tbl.mode = SK400VOP_MEDIA_PCM;
    tbl.create = m_create;
    tbl.update = m_update;
    tbl.destroy = m_destroy;
    tbl.frame = m_frame;
    tbl.on_frame = m_on_frame;

    sk400vop_config_init(&cfg);
    cfg.listen = listen_spec;
    sk400vop_events_init(&ev);
    ev.on_incoming_call = on_incoming;
    ev.on_call_state = on_call_state;
    if ((rc = sk400vop_create(&cfg, &ev, NULL, &tbl, NULL, &stack)) != SK400VOP_OK) {
        sk400vop_last_error(0, err, sizeof err);
        fprintf(stderr, "create: %s: %s\n", sk400vop_strerror(rc), err);
        return 1;
    }
    sk400vop_local_addr(stack, "udp", local, sizeof local);
    snprintf(aor, sizeof aor, "sip:%s@%s", user, local);
    sk400vop_account_config_init(&ac);
    ac.aor = aor;
    ac.auto_answer = auto_answer ? SK400VOP_AUTO_ANSWER_ALWAYS : SK400VOP_AUTO_ANSWER_OFF;
    if ((rc = sk400vop_account_add(stack, &ac, NULL, &acc)) != SK400VOP_OK) {
        fprintf(stderr, "account: %s\n", sk400vop_strerror(rc));
        sk400vop_destroy(stack);
        return 1;
    }
    printf("READY %s udp %s\n", aor, local);
    fflush(stdout);

    t0 = now_s();
    if (call_uri != NULL) {
        if ((rc = sk400vop_call_make(stack, acc, call_uri, NULL, NULL, &call)) != SK400VOP_OK) {
            sk400vop_last_error(stack, err, sizeof err);
            fprintf(stderr, "call: %s: %s\n", sk400vop_strerror(rc), err);
            sk400vop_destroy(stack);
            return 1;
        }
        while (!flag(0) && !flag(1) && now_s() < t0 + 10) sleep_ms(10);
        t0 = now_s();
        while (!flag(1) && now_s() < t0 + duration) sleep_ms(10);
        if (!flag(1)) sk400vop_call_hangup(stack, call, NULL);
        t0 = now_s();
        while (!flag(1) && now_s() < t0 + 3) sleep_ms(10);
    } else {
        while (!flag(1) && now_s() < t0 + duration) sleep_ms(10);
    }
    sk400vop_destroy(stack); /* no media callback after this */

    if (!have_result) {
        fprintf(stderr, "no call media\n");
        return 1;
    }
    {
        double share = result.energy > 0 ? result.at_tone / result.energy : 0;
        double near = result.energy > 0 ? result.near_tone / result.energy : 0;
        printf("MEDIA frames out %ld in %ld checked %ld tone %.3f near %.3f updates %d\n", result.frames_out,
               result.frames_in, result.frames_checked, share, near, result.updates);
        if (!confirmed || !disconnected) {
            fprintf(stderr, "the call was %s\n", confirmed ? "not ended" : "never confirmed");
            ok = 0;
        }
        if (tone_hz > 0 && result.frames_out < 25) {
            fprintf(stderr, "only %ld frames were asked for\n", result.frames_out);
            ok = 0;
        }
        if (expect_hz > 0 && (result.frames_checked < 25 || share < 0.8 || near > 0.05)) {
            fprintf(stderr, "the %.0f Hz tone did not come through (%ld frames, share %.3f, near %.3f)\n",
                    expect_hz, result.frames_checked, share, near);
            ok = 0;
        }
    }
    return ok ? 0 : 1;
}
