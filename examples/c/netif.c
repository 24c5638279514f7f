/* netif — a SIP phone whose sockets are the app's own: the network table.
 *
 *   netif --listen udp:127.0.0.1:0 --user bob --auto-answer --duration 10
 *   netif --listen udp:127.0.0.1:0 --user alice --call sip:bob@127.0.0.1:PORT --duration 1
 *   (tcp:127.0.0.1:0 works the same; --trace prints the SIP trace)
 *
 * The stack never opens a socket itself: it asks through sk400vop_net's
 * open/bind/connect/listen/sendto/close, and this program's single thread
 * runs a poll() loop over its sockets that hands what it reads to
 * sk400vop_net_receive and what happens to its TCP sockets to
 * sk400vop_net_event. The stack runs in poll mode, so that same loop also
 * waits on sk400vop_poll_fd and delivers the events with sk400vop_poll:
 * one thread of the app does everything.
 *
 * The callee's resolve callback answers A queries for the name "netif.test"
 * with 127.0.0.1 (a DNS response built here), so that a caller that dials
 * sip:bob@netif.test:PORT goes through the app's resolver.
 *
 * Built with OpenSSL (-DSK_NETIF_TLS, as CMake does when it finds it),
 * the table also has connect_tls: TLS from the platform, here OpenSSL,
 * so that a library built without TLS (make lib LIB_TLS=0) still calls
 * sip:...;transport=tls targets. --tls-ca FILE names the trusted CAs; the
 * handshake runs on the connection's thread and the poll loop leaves the
 * socket alone until it is done; then SSL_read and SSL_write carry the
 * plaintext, under the table's lock (an SSL object is not thread-safe).
 *
 * Output, one line per event: READY <aor> <proto> <addr>, CALL incoming,
 * CALL confirmed, CALL disconnected <code>, TRACE in|out <bytes> <peer>,
 * RESOLVE <name> <type>, TLS ok|failed <server_name> [reason],
 * NET opened <n> rx <datagrams/chunks> tx <sends>.
 * Exit status 0 when the call was confirmed and ended.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef SK_NETIF_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#include "sk400vop.h"

enum { MAX_SOCKS = 64 };

struct sock {
    int fd;            /* -1: free slot */
    int stream, listening, connecting;
    int handshaking;   /* connect_tls under way: the poll loop keeps off */
#ifdef SK_NETIF_TLS
    SSL *ssl;          /* a TLS stream once its handshake is done */
#endif
};

#ifdef SK_NETIF_TLS
static SSL_CTX *tls_ctx; /* --tls-ca */
#endif

/* The app's sockets. The table's callbacks run on the stack's threads and
 * the poll loop on main's, so the table is under mu. */
struct net {
    pthread_mutex_t mu;
    struct sock socks[MAX_SOCKS];
    int opened;
    long rx, tx;
    int resolved;
};

struct phone {
    sk400vop_stack_id stack;
    sk400vop_call_id call;
    int confirmed, disconnected, disconnect_code, incoming;
    long trace_in, trace_out;
    int print_trace;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sock *find(struct net *n, int fd)
{
    int i;
    for (i = 0; i < MAX_SOCKS; i++)
        if (n->socks[i].fd == fd) return &n->socks[i];
    return NULL;
}

/* ---- the network table: every member runs on a stack thread ---- */

static int32_t net_open(void *user, int32_t family, int32_t type, sk400vop_sock *sock)
{
    struct net *n = user;
    struct sock *s;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (type == SOCK_STREAM) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    pthread_mutex_lock(&n->mu);
    s = find(n, -1);
    if (s == NULL) {
        pthread_mutex_unlock(&n->mu);
        close(fd);
        return -EMFILE;
    }
    s->fd = fd;
    s->stream = type == SOCK_STREAM;
    s->listening = s->connecting = s->handshaking = 0;
#ifdef SK_NETIF_TLS
    s->ssl = NULL;
#endif
    n->opened++;
    pthread_mutex_unlock(&n->mu);
    *sock = fd;
    return 0;
}

static int32_t net_bind(void *user, sk400vop_sock sock, const struct sockaddr *addr, uint32_t len)
{
    (void)user;
    return bind((int)sock, addr, len) == 0 ? 0 : -errno;
}

static int32_t net_connect(void *user, sk400vop_sock sock, const struct sockaddr *addr, uint32_t len)
{
    struct net *n = user;
    struct sock *s;
    if (connect((int)sock, addr, len) == 0) return 0;
    if (errno != EINPROGRESS) return -errno;
    pthread_mutex_lock(&n->mu); /* the loop reports the outcome when it is writable */
    if ((s = find(n, (int)sock)) != NULL) s->connecting = 1;
    pthread_mutex_unlock(&n->mu);
    return -EINPROGRESS;
}

static int32_t net_listen(void *user, sk400vop_sock sock, int32_t backlog)
{
    struct net *n = user;
    struct sock *s;
    if (listen((int)sock, backlog) != 0) return -errno;
    pthread_mutex_lock(&n->mu);
    if ((s = find(n, (int)sock)) != NULL) s->listening = 1;
    pthread_mutex_unlock(&n->mu);
    return 0;
}

static int64_t net_sendto(void *user, sk400vop_sock sock, const void *buf, size_t len, const struct sockaddr *to,
                          uint32_t tolen)
{
    struct net *n = user;
    const char *p = buf;
    size_t done = 0;
    pthread_mutex_lock(&n->mu);
    n->tx++;
    pthread_mutex_unlock(&n->mu);
    if (to != NULL) { /* a datagram */
        ssize_t k = sendto((int)sock, buf, len, MSG_NOSIGNAL, to, tolen);
        return k < 0 ? -errno : (int64_t)k;
    }
#ifdef SK_NETIF_TLS
    {
        struct sock *s;
        pthread_mutex_lock(&n->mu);
        s = find(n, (int)sock);
        if (s != NULL && s->ssl != NULL) {
            while (done < len) {
                int k = SSL_write(s->ssl, p + done, (int)(len - done)), e;
                if (k > 0) {
                    done += (size_t)k;
                    continue;
                }
                e = SSL_get_error(s->ssl, k);
                if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
                    pthread_mutex_unlock(&n->mu);
                    return -EIO;
                }
                pthread_mutex_unlock(&n->mu); /* wait for room without the lock */
                {
                    struct pollfd pf = {(int)sock, e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0};
                    if (poll(&pf, 1, 1000) <= 0) return -EAGAIN;
                }
                pthread_mutex_lock(&n->mu);
                if ((s = find(n, (int)sock)) == NULL || s->ssl == NULL) break;
            }
            pthread_mutex_unlock(&n->mu);
            return (int64_t)done;
        }
        pthread_mutex_unlock(&n->mu);
    }
#endif
    /* A stream takes everything; SIP messages are small, so waiting a
     * little for room is enough for this example (a real app queues). */
    while (done < len) {
        ssize_t k = send((int)sock, p + done, len - done, MSG_NOSIGNAL);
        if (k > 0) {
            done += (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {(int)sock, POLLOUT, 0};
            if (poll(&pf, 1, 1000) <= 0) return -EAGAIN;
        } else {
            return k < 0 ? -errno : -EIO;
        }
    }
    return (int64_t)done;
}

static int32_t net_close(void *user, sk400vop_sock sock)
{
    struct net *n = user;
    struct sock *s;
    pthread_mutex_lock(&n->mu);
    if ((s = find(n, (int)sock)) != NULL) {
        s->fd = -1;
#ifdef SK_NETIF_TLS
        SSL_free(s->ssl);
        s->ssl = NULL;
#endif
    }
    close((int)sock);
    pthread_mutex_unlock(&n->mu);
    return 0;
}

static int32_t net_getsockname(void *user, sk400vop_sock sock, struct sockaddr *addr, uint32_t *len)
{
    socklen_t l = *len;
    (void)user;
    if (getsockname((int)sock, addr, &l) != 0) return -errno;
    *len = l;
    return 0;
}

#ifdef SK_NETIF_TLS
/* wait_fd waits up to ms for fd to be readable (want POLLIN) or writable. */
static int wait_fd(int fd, short want, int ms)
{
    struct pollfd pf = {fd, want, 0};
    return poll(&pf, 1, ms) == 1 && (pf.revents & (want | POLLHUP | POLLERR));
}

/* net_connect_tls connects and runs the TLS handshake with OpenSSL on the
 * connection's thread (the header allows it to take its time there), the
 * socket marked so that the poll loop leaves it alone meanwhile. */
static int32_t net_connect_tls(void *user, sk400vop_sock sock, const struct sockaddr *addr, uint32_t len,
                               const char *server_name, int32_t verify)
{
    struct net *n = user;
    struct sock *s;
    SSL *ssl;
    int fd = (int)sock, err = 0, rc;
    socklen_t l = sizeof err;
    if (tls_ctx == NULL) return -EOPNOTSUPP; /* no --tls-ca */
    pthread_mutex_lock(&n->mu);
    if ((s = find(n, fd)) != NULL) s->handshaking = 1;
    pthread_mutex_unlock(&n->mu);
    if (connect(fd, addr, len) != 0) {
        if (errno != EINPROGRESS) return -errno;
        if (!wait_fd(fd, POLLOUT, 10000)) return -ETIMEDOUT;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err != 0) return -err;
    }
    ssl = SSL_new(tls_ctx);
    if (ssl == NULL) return -ENOMEM;
    SSL_set_fd(ssl, fd);
    if (server_name[0] != '\0') {
        SSL_set_tlsext_host_name(ssl, server_name); /* SNI */
        if (verify) SSL_set1_host(ssl, server_name); /* RFC 5922: the SIP domain */
    } else if (verify) { /* an address target: the certificate must name it */
        char ip[INET6_ADDRSTRLEN] = "";
        const void *a = addr->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
                                                    : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
        inet_ntop(addr->sa_family, a, ip, sizeof ip);
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip);
    }
    if (!verify) SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    while ((rc = SSL_connect(ssl)) != 1) {
        int e = SSL_get_error(ssl, rc);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
            !wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 10000)) {
            long v = SSL_get_verify_result(ssl);
            printf("TLS failed %s %s\n", server_name,
                   v != X509_V_OK ? X509_verify_cert_error_string(v) : "handshake");
            fflush(stdout);
            SSL_free(ssl);
            return -ECONNABORTED;
        }
    }
    pthread_mutex_lock(&n->mu);
    if ((s = find(n, fd)) != NULL) {
        s->ssl = ssl;
        s->handshaking = 0;
        ssl = NULL;
    }
    pthread_mutex_unlock(&n->mu);
    if (ssl != NULL) { /* closed meanwhile */
        SSL_free(ssl);
        return -ECONNABORTED;
    }
    printf("TLS ok %s\n", server_name);
    fflush(stdout);
    return 0;
}
#endif

/* put16 appends a big-endian 16-bit value. */
static uint8_t *put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

/* net_resolve answers "netif.test" A with 127.0.0.1 and nothing else, as a
 * DNS response message (what res_query(3) returns; a real app calls
 * res_query or android_res_nquery here). */
static int32_t net_resolve(void *user, const char *name, int32_t type, uint8_t *ans, size_t cap)
{
    struct net *n = user;
    uint8_t *p = ans;
    const char *label = name;
    pthread_mutex_lock(&n->mu);
    n->resolved++;
    pthread_mutex_unlock(&n->mu);
    printf("RESOLVE %s %d\n", name, (int)type);
    if (strcmp(name, "netif.test") != 0 || type != SK400VOP_DNS_A || cap < 64) return -1;
    memset(ans, 0, 12);
    p = put16(p, 0x1234);   /* id */
    p = put16(p, 0x8180);   /* response, RD, RA, no error */
    p = put16(p, 1);        /* one question */
    p = put16(p, 1);        /* one answer */
    p = put16(p, 0);
    p = put16(p, 0);
    while (*label) {        /* the question's name */
        const char *dot = strchr(label, '.');
        size_t l = dot ? (size_t)(dot - label) : strlen(label);
        *p++ = (uint8_t)l;
        memcpy(p, label, l);
        p += l;
        label += l + (dot ? 1 : 0);
    }
    *p++ = 0;
    p = put16(p, SK400VOP_DNS_A);
    p = put16(p, 1);        /* IN */
    p = put16(p, 0xc00c);   /* the answer: the question's name */
    p = put16(p, SK400VOP_DNS_A);
    p = put16(p, 1);
    p = put16(p, 0);        /* TTL 60 */
    p = put16(p, 60);
    p = put16(p, 4);
    *p++ = 127; *p++ = 0; *p++ = 0; *p++ = 1;
    return (int32_t)(p - ans);
}

/* ---- the event table: in poll mode, on main's thread ---- */

static void on_incoming(void *ctx, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                        sk400vop_call_id call, const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    (void)acc; (void)ud; (void)stack;
    printf("CALL incoming %s\n", info->remote_uri);
    p->incoming = 1;
    p->call = call;
}

static void on_call_state(void *ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                          const sk400vop_call_info *info)
{
    struct phone *p = ctx;
    (void)stack; (void)call; (void)ud;
    if (info->state == SK400VOP_CALL_CONFIRMED) {
        printf("CALL confirmed\n");
        p->confirmed = 1;
    } else if (info->state == SK400VOP_CALL_DISCONNECTED) {
        printf("CALL disconnected %d %s\n", info->code, info->reason);
        p->disconnected = 1;
        p->disconnect_code = info->code;
    }
    fflush(stdout);
}

static void on_sip_trace(void *ctx, sk400vop_stack_id stack, int32_t outgoing, const char *peer, const char *msg,
                         size_t len)
{
    struct phone *p = ctx;
    (void)stack; (void)msg;
    if (outgoing) p->trace_out++; else p->trace_in++;
    if (p->print_trace) printf("TRACE %s %zu %s\n", outgoing ? "out" : "in", len, peer);
}

/* ---- the app's loop ---- */

/* pump waits up to ms for the sockets and the stack's poll fd, hands what
 * it reads to the stack and delivers the events. */
static void pump(struct net *n, struct phone *ph, int evfd, int ms)
{
    struct pollfd pf[MAX_SOCKS + 1];
    struct sock snap[MAX_SOCKS];
    int cnt = 0, i;
    static char buf[65536];

    pthread_mutex_lock(&n->mu);
    for (i = 0; i < MAX_SOCKS; i++) {
        if (n->socks[i].fd < 0 || n->socks[i].handshaking) continue;
        snap[cnt] = n->socks[i];
        pf[cnt].fd = n->socks[i].fd;
        pf[cnt].events = n->socks[i].connecting ? POLLOUT : POLLIN;
        pf[cnt].revents = 0;
        cnt++;
    }
    pthread_mutex_unlock(&n->mu);
    pf[cnt].fd = evfd;
    pf[cnt].events = POLLIN;
    pf[cnt].revents = 0;
    if (poll(pf, (nfds_t)cnt + 1, ms) < 0) return;

    for (i = 0; i < cnt; i++) {
        struct sock *s = &snap[i];
        int fd = pf[i].fd;
        if (pf[i].revents == 0) continue;
        pthread_mutex_lock(&n->mu); /* closed by the stack meanwhile? */
        if (find(n, fd) == NULL) {
            pthread_mutex_unlock(&n->mu);
            continue;
        }
        pthread_mutex_unlock(&n->mu);
        if (s->connecting) {
            int err = 0;
            socklen_t l = sizeof err;
            struct sock *live;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
            pthread_mutex_lock(&n->mu);
            if ((live = find(n, fd)) != NULL) live->connecting = 0;
            pthread_mutex_unlock(&n->mu);
            sk400vop_net_event(ph->stack, fd, err ? SK400VOP_NET_ERROR : SK400VOP_NET_CONNECTED, err, 0, NULL, 0);
        } else if (s->listening) {
            struct sockaddr_storage from;
            socklen_t fl = sizeof from;
            int c = accept4(fd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
            struct sock *slot;
            if (c < 0) continue;
            pthread_mutex_lock(&n->mu);
            slot = find(n, -1);
            if (slot != NULL) {
                slot->fd = c;
                slot->stream = 1;
                slot->listening = slot->connecting = 0;
            }
            pthread_mutex_unlock(&n->mu);
            /* On success the stack owns c (and closes it through net_close). */
            if (slot == NULL ||
                sk400vop_net_event(ph->stack, fd, SK400VOP_NET_ACCEPTED, 0, c, (struct sockaddr *)&from, fl) !=
                    SK400VOP_OK) {
                net_close(n, c);
            }
        }
#ifdef SK_NETIF_TLS
        else if (s->ssl != NULL) {
            int k, e = SSL_ERROR_NONE;
            do { /* SSL_read may hold more than one read returns */
                struct sock *live;
                pthread_mutex_lock(&n->mu);
                live = find(n, fd);
                k = live && live->ssl ? SSL_read(live->ssl, buf, (int)sizeof buf) : -1;
                if (k <= 0 && live && live->ssl) e = SSL_get_error(live->ssl, k);
                pthread_mutex_unlock(&n->mu);
                if (k > 0) {
                    n->rx++;
                    sk400vop_net_receive(ph->stack, fd, buf, (size_t)k, NULL, 0);
                }
            } while (k > 0);
            if (e == SSL_ERROR_ZERO_RETURN)
                sk400vop_net_event(ph->stack, fd, SK400VOP_NET_CLOSED, 0, 0, NULL, 0);
            else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_NONE)
                sk400vop_net_event(ph->stack, fd, SK400VOP_NET_ERROR, EIO, 0, NULL, 0);
        }
#endif
        else if (s->stream) {
            ssize_t k = recv(fd, buf, sizeof buf, 0);
            if (k > 0) {
                n->rx++;
                sk400vop_net_receive(ph->stack, fd, buf, (size_t)k, NULL, 0);
            } else if (k == 0) {
                sk400vop_net_event(ph->stack, fd, SK400VOP_NET_CLOSED, 0, 0, NULL, 0);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                sk400vop_net_event(ph->stack, fd, SK400VOP_NET_ERROR, errno, 0, NULL, 0);
            }
        } else {
            for (;;) { /* drain the datagrams */
                struct sockaddr_storage from;
                socklen_t fl = sizeof from;
                ssize_t k = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
                if (k < 0) break;
                n->rx++;
                sk400vop_net_receive(ph->stack, fd, buf, (size_t)k, (struct sockaddr *)&from, fl);
            }
        }
    }
    if (pf[cnt].revents) sk400vop_poll(ph->stack, 0);
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: netif --listen udp|tcp:HOST:PORT --user NAME [--call URI] [--auto-answer]\n"
                    "             [--duration S] [--trace] [--tls-ca FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *user = "netif", *call_uri = NULL, *tls_ca = NULL;
    int auto_answer = 0, i, evfd = -1;
    double duration = 5, t0, end;
    static struct net n;
    struct phone ph;
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_net tbl;
    sk400vop_account_config ac;
    sk400vop_account_id acc;
    sk400vop_status rc;
    char aor[256], local[128], err[256];
    const char *proto = "udp";

    memset(&ph, 0, sizeof ph);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--listen") && i + 1 < argc) listen_spec = argv[++i];
        else if (!strcmp(argv[i], "--user") && i + 1 < argc) user = argv[++i];
        else if (!strcmp(argv[i], "--call") && i + 1 < argc) call_uri = argv[++i];
        else if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--auto-answer")) auto_answer = 1;
        else if (!strcmp(argv[i], "--trace")) ph.print_trace = 1;
        else if (!strcmp(argv[i], "--tls-ca") && i + 1 < argc) tls_ca = argv[++i];
        else usage();
    }
    if (listen_spec == NULL) usage();
    if (!strncmp(listen_spec, "tcp:", 4)) proto = "tcp";

    pthread_mutex_init(&n.mu, NULL);
    for (i = 0; i < MAX_SOCKS; i++) n.socks[i].fd = -1;
    sk400vop_net_init(&tbl);
    tbl.user_data = &n;
    tbl.open = net_open;
    tbl.bind = net_bind;
    tbl.connect = net_connect;
    tbl.listen = net_listen;
    tbl.sendto = net_sendto;
    tbl.close = net_close;
    tbl.getsockname = net_getsockname;
    tbl.resolve = net_resolve;
    if (tls_ca != NULL) {
#ifdef SK_NETIF_TLS
        tls_ctx = SSL_CTX_new(TLS_client_method());
        if (tls_ctx == NULL || SSL_CTX_load_verify_locations(tls_ctx, tls_ca, NULL) != 1) {
            fprintf(stderr, "--tls-ca %s: cannot load the CAs\n", tls_ca);
            return 2;
        }
        SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION);
        tbl.connect_tls = net_connect_tls;
#else
        fprintf(stderr, "--tls-ca: netif was built without OpenSSL (SK_NETIF_TLS)\n");
        return 2;
#endif
    }

    sk400vop_config_init(&cfg);
    cfg.listen = listen_spec;
    cfg.dispatch = SK400VOP_DISPATCH_POLL;
    cfg.sip_trace = 1;
    sk400vop_events_init(&ev);
    ev.on_incoming_call = on_incoming;
    ev.on_call_state = on_call_state;
    ev.on_sip_trace = on_sip_trace;
    rc = sk400vop_create(&cfg, &ev, &tbl, NULL, &ph, &ph.stack);
    if (rc != SK400VOP_OK) {
        sk400vop_last_error(0, err, sizeof err);
        fprintf(stderr, "create: %s: %s\n", sk400vop_strerror(rc), err);
        return 1;
    }
    sk400vop_poll_fd(ph.stack, &evfd);
    sk400vop_local_addr(ph.stack, proto, local, sizeof local);
    snprintf(aor, sizeof aor, "sip:%s@%s", user, local);
    sk400vop_account_config_init(&ac);
    ac.aor = aor;
    ac.transport = proto;
    ac.auto_answer = auto_answer ? SK400VOP_AUTO_ANSWER_ALWAYS : SK400VOP_AUTO_ANSWER_OFF;
    if ((rc = sk400vop_account_add(ph.stack, &ac, NULL, &acc)) != SK400VOP_OK) {
        fprintf(stderr, "account: %s\n", sk400vop_strerror(rc));
        sk400vop_destroy(ph.stack);
        return 1;
    }
    printf("READY %s %s %s\n", aor, proto, local);
    fflush(stdout);

    t0 = now_s();
    end = t0 + duration;
    if (call_uri != NULL) {
        if ((rc = sk400vop_call_make(ph.stack, acc, call_uri, NULL, NULL, &ph.call)) != SK400VOP_OK) {
            sk400vop_last_error(ph.stack, err, sizeof err);
            fprintf(stderr, "call: %s: %s\n", sk400vop_strerror(rc), err);
            sk400vop_destroy(ph.stack);
            return 1;
        }
        while (!ph.confirmed && !ph.disconnected && now_s() < t0 + 10) pump(&n, &ph, evfd, 20);
        end = now_s() + duration;
        while (!ph.disconnected && now_s() < end) pump(&n, &ph, evfd, 20);
        if (!ph.disconnected) sk400vop_call_hangup(ph.stack, ph.call, NULL);
        end = now_s() + 3;
    }
    while (!ph.disconnected && now_s() < end) pump(&n, &ph, evfd, 20);
    for (i = 0; i < 10; i++) pump(&n, &ph, evfd, 10); /* let the last answers go out */
    /* destroy is not called from the loop, so pushes stop here: what the
     * stack still sends (nothing, the call is over) would be unanswered. */
    sk400vop_destroy(ph.stack);

#ifdef SK_NETIF_TLS
    SSL_CTX_free(tls_ctx);
#endif
    printf("NET opened %d rx %ld tx %ld resolved %d trace in %ld out %ld\n", n.opened, n.rx, n.tx, n.resolved,
           ph.trace_in, ph.trace_out);
    for (i = 0; i < MAX_SOCKS; i++)
        if (n.socks[i].fd >= 0) {
            fprintf(stderr, "socket %d left open after destroy\n", n.socks[i].fd);
            return 1;
        }
    if (!ph.confirmed || !ph.disconnected) {
        fprintf(stderr, "the call was %s\n", ph.confirmed ? "not ended" : "never confirmed");
        return 1;
    }
    if (n.opened == 0 || n.rx == 0 || n.tx == 0 || ph.trace_in == 0 || ph.trace_out == 0) {
        fprintf(stderr, "the app's sockets or the trace saw no traffic\n");
        return 1;
    }
    return 0;
}
