/* shim.h — internal declarations shared by the Go side of capi and
 * sk400vop.c: the C trampolines that call the app's callbacks, and the
 * pipe helpers of the poll fd. Nothing here is public: the version script
 * (exports.map) keeps every sk400vop__* name local. */
#ifndef SK400VOP_SHIM_H
#define SK400VOP_SHIM_H

#include <stdlib.h>
#include <string.h>
#include "sk400vop.h"

/* Which callback sk400vop__call_cb calls. */
enum {
    SK400VOP__CB_INCOMING = 1,
    SK400VOP__CB_CALL_STATE = 2,
    SK400VOP__CB_CALL_MEDIA = 3
};

/* Trampolines: each calls one member of ev (if set) with the thread-local
 * "dispatching stack" marker set, so that sk400vop_poll and
 * sk400vop_destroy know they run inside a callback of that stack. */
/* App pointers (app_ctx, user_data) travel through Go as uintptr_t: Go
 * never dereferences them, and an integer keeps the garbage collector from
 * inspecting whatever value the app chose. */
void sk400vop__call_reg(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t acc,
                        uintptr_t acc_ud, const sk400vop_reg_info *info);
void sk400vop__call_cb(int which, const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack,
                       uint64_t acc, uintptr_t acc_ud, uint64_t call, uintptr_t call_ud,
                       const sk400vop_call_info *info);
void sk400vop__call_request(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t txn,
                            sk400vop_request_info *info, uintptr_t acc_ud, uintptr_t call_ud);
/* on_log and on_events_pending run with the "restricted" marker set: the
 * public functions refuse (SK400VOP_ERR_STATE) what could wait on the engine
 * loop these callbacks may be running on. */
typedef void (*sk400vop__log_fn)(void *, int32_t, const char *, const char *, size_t);
typedef void (*sk400vop__pending_fn)(void *, sk400vop_stack_id);
void sk400vop__call_log(sk400vop__log_fn fn, uintptr_t app_ctx, int32_t level, const char *subsystem,
                        const char *msg, size_t len);
void sk400vop__call_pending(sk400vop__pending_fn fn, uintptr_t app_ctx, uint64_t stack);
/* on_dtmf (ABI 1.1), as the other dispatcher trampolines. */
void sk400vop__call_dtmf(const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t call,
                         uintptr_t call_ud, const sk400vop_dtmf_info *info);

/* The callbacks of ABI 1.2 (subscriptions, publications, transfer,
 * messages), all through one trampoline: which names the member; id and
 * ud are the handle and user data of the object the event concerns, id2
 * and ud2 a second one (the notifier of on_incoming_subscription, the
 * transfer of on_transfer_request, the call of on_message). */
enum {
    SK400VOP__CB_SUB_STATE = 1,
    SK400VOP__CB_NOTIFY = 2,
    SK400VOP__CB_INCOMING_SUB = 3,
    SK400VOP__CB_NOTIFIER_STATE = 4,
    SK400VOP__CB_PUB_STATE = 5,
    SK400VOP__CB_XFER_PROGRESS = 6,
    SK400VOP__CB_XFER_REQUEST = 7,
    SK400VOP__CB_MSG_STATUS = 8,
    SK400VOP__CB_MESSAGE = 9
};
/* sk400vop__has_cb reports whether the app set the member which. */
int sk400vop__has_cb(const sk400vop_events *ev, int which);
void sk400vop__call_obj(int which, const sk400vop_events *ev, uintptr_t app_ctx, uint64_t stack, uint64_t id,
                        uintptr_t ud, uint64_t id2, uintptr_t ud2, void *info);

/* The thread-local markers of sk400vop.c: the stack whose callback runs on
 * this thread (0: none), and whether the thread is in a callback that may
 * run on the engine loop (on_log, on_events_pending, the network and media
 * tables), from which only non-waiting functions are allowed. */
extern __thread uint64_t sk400vop__dispatching;
extern __thread int sk400vop__restricted;

/* Trampolines of the network and media tables and of on_sip_trace
 * (tables.c): each calls one member of the app's table, with the
 * restricted marker set (the dispatching one for on_sip_trace). */
#include "tables.h"

/* Starts thread mode's dispatcher on a detached thread of C's own, which
 * runs sk400vop__go_dispatch(handle) and ends when it returns. Returns 0 or
 * the pthread_create error. */
int sk400vop__start_dispatcher(uintptr_t handle);

#endif
