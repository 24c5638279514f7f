/* tables.h — internal: the trampolines of the network and media tables and
 * of on_sip_trace, and the address helpers between struct sockaddr and Go
 * (tables.c). Nothing here is public; exports.map keeps it local. */
#ifndef SK400VOP_TABLES_H
#define SK400VOP_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include "sk400vop.h"

/* An IP address and port as Go handles them: ip holds 16 bytes, an IPv4
 * address in its last 4 when is4. */
typedef struct sk400vop__addr {
    uint8_t ip[16];
    uint16_t port;
    int32_t is4;
} sk400vop__addr;

/* sk400vop__sa_from reads a sockaddr_in or sockaddr_in6; 0 if it is neither
 * or len is too short. */
int sk400vop__sa_from(const struct sockaddr *sa, uint32_t len, sk400vop__addr *out);
/* The platform's AF_INET/AF_INET6 and SOCK_DGRAM/SOCK_STREAM. */
int32_t sk400vop__family(int is4);
int32_t sk400vop__socktype(int stream);

int32_t sk400vop__net_open(const sk400vop_net *t, int32_t family, int32_t type, int64_t *sock);
int32_t sk400vop__net_bind(const sk400vop_net *t, int64_t sock, const sk400vop__addr *a);
int32_t sk400vop__net_connect(const sk400vop_net *t, int64_t sock, const sk400vop__addr *a);
int32_t sk400vop__net_connect_tls(const sk400vop_net *t, int64_t sock, const sk400vop__addr *a,
                                  const char *server_name, int32_t verify);
int32_t sk400vop__net_listen(const sk400vop_net *t, int64_t sock, int32_t backlog);
/* to NULL: a stream send. */
int64_t sk400vop__net_sendto(const sk400vop_net *t, int64_t sock, const void *buf, size_t len,
                             const sk400vop__addr *to);
int32_t sk400vop__net_close(const sk400vop_net *t, int64_t sock);
int32_t sk400vop__net_getsockname(const sk400vop_net *t, int64_t sock, sk400vop__addr *out);
int32_t sk400vop__net_resolve(const sk400vop_net *t, const char *name, int32_t type, uint8_t *answer,
                              size_t len);

int32_t sk400vop__media_create(const sk400vop_media *t, uint64_t call, uintptr_t call_ud, uintptr_t *ctx);
void sk400vop__media_update(const sk400vop_media *t, uintptr_t ctx, const sk400vop_media_params *p);
void sk400vop__media_destroy(const sk400vop_media *t, uintptr_t ctx);
void sk400vop__media_on_frame(const sk400vop_media *t, uintptr_t ctx, const int16_t *pcm, size_t n);
int32_t sk400vop__media_frame(const sk400vop_media *t, uintptr_t ctx, int16_t *pcm, size_t n);
void sk400vop__media_on_payload(const sk400vop_media *t, uintptr_t ctx, const sk400vop_rtp_packet *pkt);
int64_t sk400vop__media_payload(const sk400vop_media *t, uintptr_t ctx, uint8_t *buf, size_t cap);

void sk400vop__call_trace(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, int32_t outgoing,
                          const char *peer, const char *msg, size_t len);

#endif
