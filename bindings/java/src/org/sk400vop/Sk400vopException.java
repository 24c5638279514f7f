package org.sk400vop;

/**
 * Sk400vopException is a negative status of the C API: {@link #code()} is the
 * SK400VOP_ERR_* value, the message is sk400vop_strerror() and, when the
 * library recorded one, the detail of sk400vop_last_error(). Unchecked, like
 * IllegalStateException: most statuses are programming errors (a stale
 * handle, a call in the wrong state), not conditions to recover from.
 */
public class Sk400vopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int ERR_INVALID = -1;     // NULL, malformed or out-of-range argument
    public static final int ERR_BAD_HANDLE = -2;  // unknown, stale or wrong-kind handle
    public static final int ERR_STATE = -3;       // not allowed in the object's state
    public static final int ERR_RANGE = -4;       // output truncated
    public static final int ERR_ABI = -5;         // abi_version major mismatch
    public static final int ERR_NETWORK = -6;     // a socket could not be opened or bound
    public static final int ERR_CLOSED = -7;      // the stack is being destroyed
    public static final int ERR_PENDING = -8;     // another change of the call is under way: retry later
    public static final int ERR_INTERNAL = -9;    // a bug in the library, recovered and logged
    public static final int ERR_UNSUPPORTED = -10;
    public static final int ERR_FAILED = -11;     // the engine refused; the message says why

    private final int code;

    /** Called by the JNI glue (the signature is looked up by name there). */
    public Sk400vopException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** The SK400VOP_ERR_* status behind the exception. */
    public int code() {
        return code;
    }
}
