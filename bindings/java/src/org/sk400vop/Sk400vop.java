package org.sk400vop;

import java.nio.charset.StandardCharsets;

/**
 * Sk400vop holds the library's constants and the native entry points of the
 * JNI glue (libsk400vop_jni, which links libsk400vop). Apps use {@link Stack};
 * the natives are package-private because they take raw handles and UTF-8.
 *
 * Loading: the glue comes from the path in the system property
 * "sk400vop.jni.library" when it is set, else System.loadLibrary("sk400vop_jni")
 * (java.library.path; on Android the APK's native library directory).
 */
public final class Sk400vop {
    static {
        String path = System.getProperty("sk400vop.jni.library");
        if (path != null && !path.isEmpty()) {
            System.load(path);
        } else {
            System.loadLibrary("sk400vop_jni");
        }
    }

    private Sk400vop() {}

    // Registration states (Listener.onRegState).
    public static final int REG_UNREGISTERED = 0;
    public static final int REG_REGISTERING = 1;
    public static final int REG_REGISTERED = 2;
    public static final int REG_UNREGISTERING = 3;
    public static final int REG_FAILED = 4;

    // Call states (Listener.onCallState), in the order a call goes through them.
    public static final int CALL_CALLING = 1;
    public static final int CALL_INCOMING = 2;
    public static final int CALL_EARLY = 3;
    public static final int CALL_CONNECTING = 4;
    public static final int CALL_CONFIRMED = 5;
    public static final int CALL_DISCONNECTED = 6;

    // What Listener.onCallMedia reports.
    public static final int CALL_EV_MEDIA = 2;
    public static final int CALL_EV_CHANGE_FAILED = 3;
    public static final int CALL_EV_REFRESHED = 4;
    public static final int CALL_EV_MEDIA_TIMEOUT = 5;

    // How a DTMF digit travelled (Listener.onDtmf).
    public static final int DTMF_RFC4733 = 1;
    public static final int DTMF_INFO = 2;

    // Log levels (Stack constructor): lines go to stderr, or logcat on Android.
    public static final int LOG_NONE = 0;
    public static final int LOG_ERROR = 1;
    public static final int LOG_WARN = 2;
    public static final int LOG_INFO = 3;
    public static final int LOG_DEBUG = 4;

    // Auto-answer modes (Stack.AccountConfig.autoAnswer).
    public static final int AUTO_ANSWER_OFF = 0;
    public static final int AUTO_ANSWER_ALWAYS = 1;
    public static final int AUTO_ANSWER_ON_REQUEST = 2;

    /** The library version, e.g. "sk400vop 0.1.0 (abi 1.3)". */
    public static native String version();

    /** The name of a status code (Sk400vopException.code()). */
    public static native String strerror(int status);

    /**
     * utf8 encodes s for the glue, which hands it to C as a NUL-terminated
     * string: a NUL inside would cut it short silently, so it is refused.
     * null stays null (the C API's "not set").
     */
    static byte[] utf8(String s) {
        if (s == null) {
            return null;
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string holds a NUL character");
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- natives (sk400vop_jni.c); negative statuses throw Sk400vopException ----

    static native long create(byte[] listen, byte[] userAgent, int logLevel, Listener listener);
    static native void destroy(long stack);
    static native String localAddr(long stack, byte[] proto);
    static native void networkChanged(long stack, byte[] listen);

    static native long accountAdd(long stack, byte[] aor, byte[] display, byte[] authUser, byte[] password,
                                  byte[] realm, byte[] registrar, byte[] proxy, byte[] transport, int expires,
                                  int autoAnswer, boolean acceptAny);
    static native void accountRegister(long stack, long account);
    static native void accountUnregister(long stack, long account);
    static native void accountRemove(long stack, long account);

    static native long callMake(long stack, long account, byte[] uri);
    static native void callAnswer(long stack, long call, int code, boolean earlyMedia);
    static native void callReject(long stack, long call, int code, byte[] reason);
    static native void callHangup(long stack, long call, byte[] reason);
    static native void callHold(long stack, long call);
    static native void callResume(long stack, long call);
    static native void callSendDtmf(long stack, long call, byte[] digits, int durationMs);
}
