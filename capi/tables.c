/* tables.c — the C side of the network and media tables (sk400vop.h):
 * sk400vop_net_receive and sk400vop_net_event over the Go exports, the
 * conversions between struct sockaddr and the Go side's addresses, and the
 * trampolines that call the app's table members (Go cannot call a C
 * function pointer). Every trampoline but on_sip_trace's sets the
 * restricted marker: these callbacks may run on the engine loop, which a
 * waiting API call from inside them would deadlock. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sk400vop.h"
#include "shim.h"
#include "_cgo_export.h"

#define SK__ENTER() int sk__prev = sk400vop__restricted; sk400vop__restricted = 1
#define SK__LEAVE() sk400vop__restricted = sk__prev

int sk400vop__sa_from(const struct sockaddr *sa, uint32_t len, sk400vop__addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa == NULL || len < sizeof(sa_family_t)) return 0;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memcpy(out->ip + 12, &s4->sin_addr, 4);
        out->port = ntohs(s4->sin_port);
        out->is4 = 1;
        return 1;
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        memcpy(out->ip, &s6->sin6_addr, 16);
        out->port = ntohs(s6->sin6_port);
        return 1;
    }
    return 0;
}

/* sk__sa_to writes a into ss and returns its length. */
static uint32_t sk__sa_to(const sk400vop__addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->is4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a->port);
        memcpy(&s4->sin_addr, a->ip + 12, 4);
        return (uint32_t)sizeof *s4;
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->ip, 16);
    return (uint32_t)sizeof *s6;
}

int32_t sk400vop__family(int is4) { return is4 ? AF_INET : AF_INET6; }
int32_t sk400vop__socktype(int stream) { return stream ? SOCK_STREAM : SOCK_DGRAM; }

/* ---- public functions ---- */

sk400vop_status sk400vop_net_receive(sk400vop_stack_id stack, sk400vop_sock sock, const void *buf, size_t len,
                                     const struct sockaddr *from, uint32_t fromlen)
{
    sk400vop__addr a;
    int has = 0;
    if (buf == NULL && len > 0) return SK400VOP_ERR_INVALID;
    if (len > 65535 * 16) return SK400VOP_ERR_INVALID;
    if (from != NULL) {
        if (!sk400vop__sa_from(from, fromlen, &a)) return SK400VOP_ERR_INVALID;
        has = 1;
    }
    return sk400vop__go_net_receive(stack, sock, (char *)buf, len, &a, has);
}

sk400vop_status sk400vop_net_event(sk400vop_stack_id stack, sk400vop_sock sock, int32_t kind, int32_t error,
                                   sk400vop_sock accepted, const struct sockaddr *peer, uint32_t peerlen)
{
    sk400vop__addr a;
    int has = 0;
    if (kind < SK400VOP_NET_ACCEPTED || kind > SK400VOP_NET_ERROR) return SK400VOP_ERR_INVALID;
    if (peer != NULL) {
        if (!sk400vop__sa_from(peer, peerlen, &a)) return SK400VOP_ERR_INVALID;
        has = 1;
    }
    if (kind == SK400VOP_NET_ACCEPTED && !has) return SK400VOP_ERR_INVALID;
    return sk400vop__go_net_event(stack, sock, kind, error, accepted, &a, has);
}

/* ---- network table trampolines ---- */

int32_t sk400vop__net_open(const sk400vop_net *t, int32_t family, int32_t type, int64_t *sock)
{
    int32_t rc;
    SK__ENTER();
    rc = t->open(t->user_data, family, type, sock);
    SK__LEAVE();
    return rc;
}

int32_t sk400vop__net_bind(const sk400vop_net *t, int64_t sock, const sk400vop__addr *a)
{
    struct sockaddr_storage ss;
    uint32_t n = sk__sa_to(a, &ss);
    int32_t rc;
    SK__ENTER();
    rc = t->bind(t->user_data, sock, (const struct sockaddr *)&ss, n);
    SK__LEAVE();
    return rc;
}

int32_t sk400vop__net_connect(const sk400vop_net *t, int64_t sock, const sk400vop__addr *a)
{
    struct sockaddr_storage ss;
    uint32_t n = sk__sa_to(a, &ss);
    int32_t rc;
    if (t->connect == NULL) return -EOPNOTSUPP;
    SK__ENTER();
    rc = t->connect(t->user_data, sock, (const struct sockaddr *)&ss, n);
    SK__LEAVE();
    return rc;
}

int32_t sk400vop__net_connect_tls(const sk400vop_net *t, int64_t sock, const sk400vop__addr *a,
                                  const char *server_name, int32_t verify)
{
    struct sockaddr_storage ss;
    uint32_t n = sk__sa_to(a, &ss);
    int32_t rc;
    if (t->connect_tls == NULL) return -EOPNOTSUPP;
    SK__ENTER();
    rc = t->connect_tls(t->user_data, sock, (const struct sockaddr *)&ss, n, server_name, verify);
    SK__LEAVE();
    return rc;
}

int32_t sk400vop__net_listen(const sk400vop_net *t, int64_t sock, int32_t backlog)
{
    int32_t rc;
    if (t->listen == NULL) return -EOPNOTSUPP;
    SK__ENTER();
    rc = t->listen(t->user_data, sock, backlog);
    SK__LEAVE();
    return rc;
}

int64_t sk400vop__net_sendto(const sk400vop_net *t, int64_t sock, const void *buf, size_t len,
                             const sk400vop__addr *to)
{
    struct sockaddr_storage ss;
    uint32_t n = 0;
    int64_t rc;
    if (to != NULL) n = sk__sa_to(to, &ss);
    SK__ENTER();
    rc = t->sendto(t->user_data, sock, buf, len, to ? (const struct sockaddr *)&ss : NULL, n);
    SK__LEAVE();
    return rc;
}

int32_t sk400vop__net_close(const sk400vop_net *t, int64_t sock)
{
    int32_t rc;
    SK__ENTER();
    rc = t->close(t->user_data, sock);
    SK__LEAVE();
    return rc;
}

int32_t sk400vop__net_getsockname(const sk400vop_net *t, int64_t sock, sk400vop__addr *out)
{
    struct sockaddr_storage ss;
    uint32_t n = (uint32_t)sizeof ss;
    int32_t rc;
    if (t->getsockname == NULL) return -EOPNOTSUPP;
    memset(&ss, 0, sizeof ss);
    SK__ENTER();
    rc = t->getsockname(t->user_data, sock, (struct sockaddr *)&ss, &n);
    SK__LEAVE();
    if (rc < 0) return rc;
    if (n > sizeof ss || !sk400vop__sa_from((const struct sockaddr *)&ss, n, out)) return -EAFNOSUPPORT;
    return 0;
}

int32_t sk400vop__net_resolve(const sk400vop_net *t, const char *name, int32_t type, uint8_t *answer,
                              size_t len)
{
    int32_t rc;
    if (t->resolve == NULL) return -EOPNOTSUPP;
    SK__ENTER();
    rc = t->resolve(t->user_data, name, type, answer, len);
    SK__LEAVE();
    return rc;
}

/* ---- media table trampolines ---- */

int32_t sk400vop__media_create(const sk400vop_media *t, uint64_t call, uintptr_t call_ud, uintptr_t *ctx)
{
    void *c = NULL;
    int32_t rc = 0;
    if (t->create != NULL) {
        SK__ENTER();
        rc = t->create(t->user_data, call, (void *)call_ud, &c);
        SK__LEAVE();
    }
    *ctx = (uintptr_t)c;
    return rc;
}

void sk400vop__media_update(const sk400vop_media *t, uintptr_t ctx, const sk400vop_media_params *p)
{
    if (t->update == NULL) return;
    SK__ENTER();
    t->update(t->user_data, (void *)ctx, p);
    SK__LEAVE();
}

void sk400vop__media_destroy(const sk400vop_media *t, uintptr_t ctx)
{
    if (t->destroy == NULL) return;
    SK__ENTER();
    t->destroy(t->user_data, (void *)ctx);
    SK__LEAVE();
}

void sk400vop__media_on_frame(const sk400vop_media *t, uintptr_t ctx, const int16_t *pcm, size_t n)
{
    SK__ENTER();
    t->on_frame(t->user_data, (void *)ctx, pcm, n);
    SK__LEAVE();
}

int32_t sk400vop__media_frame(const sk400vop_media *t, uintptr_t ctx, int16_t *pcm, size_t n)
{
    int32_t rc;
    SK__ENTER();
    rc = t->frame(t->user_data, (void *)ctx, pcm, n);
    SK__LEAVE();
    return rc;
}

void sk400vop__media_on_payload(const sk400vop_media *t, uintptr_t ctx, const sk400vop_rtp_packet *pkt)
{
    SK__ENTER();
    t->on_payload(t->user_data, (void *)ctx, pkt);
    SK__LEAVE();
}

int64_t sk400vop__media_payload(const sk400vop_media *t, uintptr_t ctx, uint8_t *buf, size_t cap)
{
    int64_t rc;
    SK__ENTER();
    rc = t->payload(t->user_data, (void *)ctx, buf, cap);
    SK__LEAVE();
    return rc;
}

/* ---- on_sip_trace ---- */

void sk400vop__call_trace(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, int32_t outgoing,
                          const char *peer, const char *msg, size_t len)
{
    uint64_t prev = sk400vop__dispatching;
    if (ev->on_sip_trace == NULL) return;
    sk400vop__dispatching = stack;
    ev->on_sip_trace((void *)app_ctx, stack, outgoing, peer, msg, len);
    sk400vop__dispatching = prev;
}
