package org.sk400vop;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.sk400vop.Sk400vop.utf8;

/**
 * Stack is one running sk400vop stack: its sockets, accounts and calls.
 * Accounts and calls are plain long ids, as in the C API; a stale one is
 * answered with Sk400vopException(ERR_BAD_HANDLE), never a crash.
 *
 * Events reach the {@link Listener} on the stack's own dispatcher thread.
 * Every method is safe from any thread and from inside the Listener; methods
 * hand a command to the engine and return at once, the outcome arrives as an
 * event. {@link #close()} blocks (up to about 2 s: it hangs up and unregisters
 * first): on Android call it off the main thread.
 */
public final class Stack implements AutoCloseable {
    /** Kept after close: the library answers a destroyed stack's id with ERR_BAD_HANDLE. */
    private final long id;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Starts a stack listening on listen, comma-separated "proto:host:port"
     * ("udp:192.0.2.1:5060,tcp:192.0.2.1:5060"; port 0 picks a free one).
     * Warnings are logged to stderr (logcat on Android).
     */
    public Stack(String listen, Listener listener) {
        this(listen, null, Sk400vop.LOG_WARN, listener);
    }

    /**
     * Starts a stack; userAgent null means "sk400vop/version", "" none;
     * logLevel is a Sk400vop.LOG_* value.
     */
    public Stack(String listen, String userAgent, int logLevel, Listener listener) {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(listener, "listener");
        id = Sk400vop.create(utf8(listen), utf8(userAgent), logLevel, listener);
    }

    /** The stack's id, the first argument of every Listener method. */
    public long id() {
        return id;
    }

    /** The "host:port" of the first socket of proto ("udp", "tcp", "tls"): the port actually bound. */
    public String localAddress(String proto) {
        return Sk400vop.localAddr(id, utf8(Objects.requireNonNull(proto, "proto")));
    }

    /** Moves the stack to new sockets after the device's network changed (listen as in the constructor). */
    public void networkChanged(String listen) {
        Sk400vop.networkChanged(id, utf8(Objects.requireNonNull(listen, "listen")));
    }

    /** AccountConfig mirrors sk400vop_account_config; null and 0 mean the library's default. */
    public static final class AccountConfig {
        public String aor;          // "sip:alice@example.com"; required
        public String display;
        public String authUser;     // null: the AOR's user
        public String password;     // null: answer no challenge
        public String realm;        // null: the first challenge's
        public String registrar;    // null: the AOR's domain
        public String proxy;        // outbound proxy "sip:proxy.example.com;lr"
        public String transport;    // "udp" (null), "tcp", "tls"
        public int expires;         // s asked of the registrar (0: 3600)
        public int autoAnswer;      // Sk400vop.AUTO_ANSWER_*
        public boolean acceptAny;   // take requests from anywhere once registered

        public AccountConfig(String aor) {
            this.aor = aor;
        }
    }

    /** Adds an account; it registers only after {@link #register}. Returns its id. */
    public long addAccount(AccountConfig c) {
        Objects.requireNonNull(c.aor, "aor");
        byte[] password = utf8(c.password);
        try {
            return Sk400vop.accountAdd(id, utf8(c.aor), utf8(c.display), utf8(c.authUser), password,
                                       utf8(c.realm), utf8(c.registrar), utf8(c.proxy), utf8(c.transport),
                                       c.expires, c.autoAnswer, c.acceptAny);
        } finally {
            if (password != null) {
                Arrays.fill(password, (byte) 0); // the glue wipes its copy too
            }
        }
    }

    public void register(long account) {
        Sk400vop.accountRegister(id, account);
    }

    public void unregister(long account) {
        Sk400vop.accountUnregister(id, account);
    }

    public void removeAccount(long account) {
        Sk400vop.accountRemove(id, account);
    }

    /** Calls uri ("sip:bob@example.com") from account; progress arrives in onCallState. Returns the call id. */
    public long makeCall(long account, String uri) {
        return Sk400vop.callMake(id, account, utf8(Objects.requireNonNull(uri, "uri")));
    }

    /** Answers an incoming call: 180 rings, 183 is session progress, 200 accepts. */
    public void answer(long call, int code) {
        Sk400vop.callAnswer(id, call, code, false);
    }

    /** As {@link #answer(long, int)}; earlyMedia puts our SDP in a 18x (early media). */
    public void answer(long call, int code, boolean earlyMedia) {
        Sk400vop.callAnswer(id, call, code, earlyMedia);
    }

    /** Refuses an incoming call not yet answered with code (300..699); reason null: the standard phrase. */
    public void reject(long call, int code, String reason) {
        Sk400vop.callReject(id, call, code, utf8(reason));
    }

    /** Ends a call in any state (CANCEL, 603 or BYE). */
    public void hangup(long call) {
        Sk400vop.callHangup(id, call, null);
    }

    /** As {@link #hangup(long)}, with a Reason header value (RFC 3326). */
    public void hangup(long call, String reason) {
        Sk400vop.callHangup(id, call, utf8(reason));
    }

    public void hold(long call) {
        Sk400vop.callHold(id, call);
    }

    public void resume(long call) {
        Sk400vop.callResume(id, call);
    }

    /** Sends digits ("0"-"9", "*", "#", "A"-"D") on a confirmed call, 100 ms each. */
    public void sendDtmf(long call, String digits) {
        sendDtmf(call, digits, 0);
    }

    public void sendDtmf(long call, String digits, int durationMs) {
        Sk400vop.callSendDtmf(id, call, utf8(Objects.requireNonNull(digits, "digits")), durationMs);
    }

    /**
     * Stops the stack: hangs up its calls and unregisters its accounts (waiting
     * for the peers about 2 s at most), delivers the events already queued,
     * and closes the sockets. No Listener method starts after it returns.
     * A second close does nothing.
     */
    @Override
    public void close() {
        // One caller destroys; no lock is held while the dispatcher drains,
        // so a Listener may call into this Stack meanwhile (and get ERR_CLOSED).
        if (closed.compareAndSet(false, true)) {
            Sk400vop.destroy(id);
        }
    }
}
