/* media_noop.c — a media table whose members do nothing, for the Go
 * benchmark of one frame crossing (capi/media_table_test.go). */
#include <stddef.h>
#include <string.h>

#include "sk400vop.h"

static void noop_on_frame(void *u, void *ctx, const int16_t *pcm, size_t n)
{
    (void)u; (void)ctx; (void)pcm; (void)n;
}

static int32_t noop_frame(void *u, void *ctx, int16_t *pcm, size_t n)
{
    (void)u; (void)ctx;
    if (n > 0) pcm[0] = 1;
    return 0;
}

static sk400vop_media noop_table;

const void *sk400vop_ctest_noop_media(void)
{
    sk400vop_media_init(&noop_table);
    noop_table.on_frame = noop_on_frame;
    noop_table.frame = noop_frame;
    return &noop_table;
}
