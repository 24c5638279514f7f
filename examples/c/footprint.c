/* footprint — what the library costs a process, from dlopen() to a
 * registered account (issue 6, docs/PERFORMANCE.md "Footprint").
 *
 *   footprint --lib build/libsk400vop.so.1 --registrar sip:127.0.0.1:5060 \
 *             --user alice --password secret [--domain 127.0.0.1] [--idle 60]
 *
 * It links nothing of the library: it dlopen()s it, resolves the few
 * functions it calls with dlsym (the header gives only the types and the
 * inline *_init helpers), creates a stack on udp:127.0.0.1:0, adds one
 * account, registers it and waits for REGISTERED. Then it prints, one
 * "key value" line each:
 *   version, exported-functions-used
 *   rss-before-kb / hwm-before-kb        the process before dlopen
 *   dlopen-ms, create-ms, register-ms, total-ms   (monotonic clock)
 *   rss-kb / hwm-kb / rss-anon-kb / rss-file-kb    VmRSS, VmHWM, RssAnon,
 *                                        RssFile of /proc/self/status once
 *                                        registered
 *   threads                              entries of /proc/self/task
 * With --idle S it then stays registered with no call for S seconds and
 * prints the context switches of all threads over that time (sum of
 * voluntary_ctxt_switches and nonvoluntary_ctxt_switches of every
 * /proc/self/task/<tid>/status; the main thread sleeps in one nanosleep,
 * which counts 1), per second, and per thread.
 * Exit status: 0 registered (and idle done), 1 failure, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk400vop.h"

#ifndef SK_DEFAULT_LIB
#define SK_DEFAULT_LIB "libsk400vop.so.1"
#endif

/* The functions used, resolved at run time. */
static const char *(*p_version)(void);
static const char *(*p_strerror)(sk400vop_status);
static sk400vop_status (*p_last_error)(sk400vop_stack_id, char *, size_t);
static sk400vop_status (*p_create)(const sk400vop_config *, const sk400vop_events *, const sk400vop_net *,
                                   const sk400vop_media *, void *, sk400vop_stack_id *);
static sk400vop_status (*p_destroy)(sk400vop_stack_id);
static sk400vop_status (*p_account_add)(sk400vop_stack_id, const sk400vop_account_config *, void *,
                                        sk400vop_account_id *);
static sk400vop_status (*p_account_register)(sk400vop_stack_id, sk400vop_account_id);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int reg_state = -1, reg_code, reg_final;
static long reg_events;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* status_kb returns the value of "<key>:" in a /proc status file (kB or a
 * count), -1 if absent. */
static long status_field(const char *path, const char *key)
{
    char line[256];
    size_t n = strlen(key);
    long v = -1;
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, key, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* switches sums voluntary and non-voluntary context switches over every
 * thread; with per_thread it also prints each thread's. */
static long switches(int per_thread, long *nthreads)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    long total = 0, n = 0;
    char path[300], comm[64];
    if (!d) return -1;
    while ((e = readdir(d))) {
        long v, nv;
        FILE *f;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        v = status_field(path, "voluntary_ctxt_switches");
        nv = status_field(path, "nonvoluntary_ctxt_switches");
        if (v < 0 || nv < 0) continue;
        total += v + nv;
        n++;
        if (per_thread) {
            snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
            comm[0] = 0;
            if ((f = fopen(path, "r"))) {
                if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = 0;
                fclose(f);
            }
            printf("thread %s %s voluntary %ld nonvoluntary %ld\n", e->d_name, comm, v, nv);
        }
    }
    closedir(d);
    if (nthreads) *nthreads = n;
    return total;
}

static void on_reg_state(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                         const sk400vop_reg_info *info)
{
    (void)ctx; (void)stack; (void)acc; (void)ud;
    pthread_mutex_lock(&mu);
    reg_events++;
    reg_state = info->state;
    reg_code = info->code;
    if (info->state == SK400VOP_REG_FAILED) {
        fprintf(stderr, "footprint: REG failed %d %s %s\n", info->code, info->reason, info->error);
        if (info->retry_after == 0) reg_final = 1;
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void *sym(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "footprint: dlsym %s: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

static int usage(void)
{
    fprintf(stderr, "usage: footprint --registrar URI --user NAME [--password PW] [--domain D]\n"
                    "                 [--lib PATH] [--listen udp:127.0.0.1:0] [--max-procs N] [--idle S]\n"
                    "                 [--timeout S]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *libpath = SK_DEFAULT_LIB, *registrar = NULL, *user = NULL, *password = NULL;
    const char *domain = NULL, *listen = "udp:127.0.0.1:0";
    int max_procs = 0, i;
    double idle = 0, timeout = 10;
    double t0, t_open, t_create, t_reg;
    long rss0, hwm0, threads = 0;
    char aor[512], err[256];
    void *lib;
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_account_config ac;
    sk400vop_stack_id stack = 0;
    sk400vop_account_id acc = 0;
    sk400vop_status st;
    struct timespec deadline;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage();
        if (!strcmp(a, "--lib")) libpath = v;
        else if (!strcmp(a, "--registrar")) registrar = v;
        else if (!strcmp(a, "--user")) user = v;
        else if (!strcmp(a, "--password")) password = v;
        else if (!strcmp(a, "--domain")) domain = v;
        else if (!strcmp(a, "--listen")) listen = v;
        else if (!strcmp(a, "--max-procs")) max_procs = atoi(v);
        else if (!strcmp(a, "--idle")) idle = atof(v);
        else if (!strcmp(a, "--timeout")) timeout = atof(v);
        else return usage();
        i++;
    }
    if (!registrar || !user) return usage();
    if (!domain) {
        /* The registrar's host: sip:HOST[:PORT][;params]. */
        static char host[256];
        const char *h = strncmp(registrar, "sip:", 4) ? registrar : registrar + 4;
        snprintf(host, sizeof host, "%s", h);
        host[strcspn(host, ":;>")] = 0;
        domain = host;
    }
    snprintf(aor, sizeof aor, "sip:%s@%s", user, domain);

    rss0 = status_field("/proc/self/status", "VmRSS");
    hwm0 = status_field("/proc/self/status", "VmHWM");

    t0 = now_ms();
    lib = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "footprint: dlopen %s: %s\n", libpath, dlerror());
        return 1;
    }
    p_version = (const char *(*)(void))sym(lib, "sk400vop_version");
    p_strerror = (const char *(*)(sk400vop_status))sym(lib, "sk400vop_strerror");
    *(void **)&p_last_error = sym(lib, "sk400vop_last_error");
    *(void **)&p_create = sym(lib, "sk400vop_create");
    *(void **)&p_destroy = sym(lib, "sk400vop_destroy");
    *(void **)&p_account_add = sym(lib, "sk400vop_account_add");
    *(void **)&p_account_register = sym(lib, "sk400vop_account_register");
    t_open = now_ms();

    sk400vop_config_init(&cfg);
    cfg.listen = listen;
    cfg.max_procs = max_procs;
    sk400vop_events_init(&ev);
    ev.on_reg_state = on_reg_state;
    if ((st = p_create(&cfg, &ev, NULL, NULL, NULL, &stack)) != SK400VOP_OK) {
        p_last_error(0, err, sizeof err);
        fprintf(stderr, "footprint: create: %s: %s\n", p_strerror(st), err);
        return 1;
    }
    sk400vop_account_config_init(&ac);
    ac.aor = aor;
    ac.password = password;
    ac.registrar = registrar;
    if ((st = p_account_add(stack, &ac, NULL, &acc)) != SK400VOP_OK ||
        (st = p_account_register(stack, acc)) != SK400VOP_OK) {
        p_last_error(stack, err, sizeof err);
        fprintf(stderr, "footprint: account: %s: %s\n", p_strerror(st), err);
        p_destroy(stack);
        return 1;
    }
    t_create = now_ms();

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)timeout;
    pthread_mutex_lock(&mu);
    while (reg_state != SK400VOP_REG_REGISTERED && !reg_final) {
        if (pthread_cond_timedwait(&cv, &mu, &deadline) == ETIMEDOUT) break;
    }
    t_reg = now_ms();
    if (reg_state != SK400VOP_REG_REGISTERED) {
        pthread_mutex_unlock(&mu);
        fprintf(stderr, "footprint: not registered (state %d, code %d)\n", reg_state, reg_code);
        p_destroy(stack);
        return 1;
    }
    pthread_mutex_unlock(&mu);

    printf("REG ok %d\n", reg_code);
    printf("version %s\n", p_version());
    printf("rss-before-kb %ld\nhwm-before-kb %ld\n", rss0, hwm0);
    printf("dlopen-ms %.2f\ncreate-ms %.2f\nregister-ms %.2f\ntotal-ms %.2f\n", t_open - t0, t_create - t_open,
           t_reg - t_create, t_reg - t0);
    printf("rss-kb %ld\nhwm-kb %ld\n", status_field("/proc/self/status", "VmRSS"),
           status_field("/proc/self/status", "VmHWM"));
    printf("rss-anon-kb %ld\nrss-file-kb %ld\n", status_field("/proc/self/status", "RssAnon"),
           status_field("/proc/self/status", "RssFile"));
    switches(0, &threads);
    printf("threads %ld\n", threads);

    if (idle > 0) {
        struct timespec ts;
        long before, after, ev_before, ev_after;
        double t1, t2;
        /* The REGISTER transaction's Timer K (5 s over UDP) runs out in
         * this window: a registered phone has it too. */
        pthread_mutex_lock(&mu);
        ev_before = reg_events;
        pthread_mutex_unlock(&mu);
        before = switches(0, NULL);
        t1 = now_ms();
        ts.tv_sec = (time_t)idle;
        ts.tv_nsec = (long)((idle - (double)ts.tv_sec) * 1e9);
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        }
        t2 = now_ms();
        after = switches(1, &threads);
        pthread_mutex_lock(&mu);
        ev_after = reg_events;
        pthread_mutex_unlock(&mu);
        printf("idle-s %.1f\nidle-threads %ld\nidle-switches %ld\nidle-switches-per-s %.2f\n"
               "idle-reg-events %ld\n",
               (t2 - t1) / 1e3, threads, after - before, (double)(after - before) * 1e3 / (t2 - t1),
               ev_after - ev_before);
        printf("idle-rss-kb %ld\n", status_field("/proc/self/status", "VmRSS"));
    }
    p_destroy(stack);
    /* The Go runtime cannot be unloaded: no dlclose. */
    return 0;
}
