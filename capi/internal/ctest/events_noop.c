/* events_noop.c — an event table whose callbacks only count, for the Go
 * benchmark of one event crossing (capi/events_test.go). */
#include <stddef.h>
#include <string.h>

#include "sk400vop.h"

static volatile long seen;

static void noop_reg(void *app, sk400vop_stack_id stack, sk400vop_account_id acc, void *ud,
                     const sk400vop_reg_info *info)
{
    (void)app; (void)stack; (void)acc; (void)ud; (void)info;
    seen++;
}

static void noop_call(void *app, sk400vop_stack_id stack, sk400vop_call_id call, void *ud,
                      const sk400vop_call_info *info)
{
    (void)app; (void)stack; (void)call; (void)ud; (void)info;
    seen++;
}

static sk400vop_events noop_events;

const void *sk400vop_ctest_noop_events(void)
{
    sk400vop_events_init(&noop_events);
    noop_events.on_reg_state = noop_reg;
    noop_events.on_call_state = noop_call;
    return &noop_events;
}

long sk400vop_ctest_events_seen(void) { return seen; }
