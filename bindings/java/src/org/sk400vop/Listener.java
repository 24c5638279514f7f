package org.sk400vop;

/**
 * Listener receives the events of one {@link Stack}. Every method runs on the
 * stack's dispatcher thread, one event at a time and in order, and may call
 * any Stack method, including answering a call from onIncomingCall or closing
 * the stack. Return quickly: a slow method delays the stack's later events
 * (never the engine). An exception thrown here is printed and dropped by the
 * glue; the following events still arrive.
 *
 * Every event carries the ids it concerns, so the reply can name them. The
 * int constants are those of {@link Sk400vop}. Strings are never null.
 * The glue looks these methods up by name and signature: keep them (R8/ProGuard
 * "-keep interface org.sk400vop.Listener { *; }").
 */
public interface Listener {
    /**
     * An account's registration changed (also on every refresh and failure).
     * state: Sk400vop.REG_*; code: the final response behind it (0: none);
     * expires: s the registrar keeps the binding; retryAfter: s until the next
     * attempt after a failure (0: final); error: detail of a failure, or "".
     */
    default void onRegState(long stack, long account, int state, int code, String reason, int expires,
                            int retryAfter, String error) {}

    /**
     * A call came in: answer it with {@link Stack#answer} or {@link Stack#reject},
     * now or later from any thread.
     */
    default void onIncomingCall(long stack, long account, long call, String remoteUri, String remoteDisplay) {}

    /**
     * A call entered state (Sk400vop.CALL_*). code/reason: the status behind it
     * (e.g. 200 for a BYE, 408 for a timeout); cause: the Reason header of the
     * peer's BYE/CANCEL, or ""; local: it followed an action of ours. Once the
     * CALL_DISCONNECTED event returns, the call id is stale.
     */
    default void onCallState(long stack, long call, int state, int code, String reason, String cause,
                             boolean local) {}

    /**
     * An offer/answer exchange of the call completed or failed: event is
     * Sk400vop.CALL_EV_MEDIA (held says whether we hold the call now),
     * CALL_EV_CHANGE_FAILED, CALL_EV_REFRESHED or CALL_EV_MEDIA_TIMEOUT.
     */
    default void onCallMedia(long stack, long call, int event, boolean held, int code, String reason) {}

    /** A DTMF digit came in on the call; method: Sk400vop.DTMF_RFC4733 or DTMF_INFO. */
    default void onDtmf(long stack, long call, char digit, int method, int durationMs) {}
}
