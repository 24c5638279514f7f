package org.sk400vop;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SmokeTest drives the Java binding end to end with no test framework (none
 * can be downloaded): two stacks in one JVM call each other over UDP
 * loopback without a registrar, then misuse the API. Exits 0 when every
 * check passed, 1 otherwise. Run by bindings/java/test.sh.
 */
public final class SmokeTest {
    private static final long WAIT_S = 10;

    /** What one stack's listener saw. Latches are replaced per call by reset(). */
    static final class Rec implements Listener {
        final String name;
        volatile Stack stack;
        volatile boolean answerCalls;
        volatile boolean throwFromListener;
        volatile CountDownLatch incoming, confirmed, disconnected, dtmf;
        volatile long lastCall;
        volatile char lastDigit;
        volatile boolean disconnectedLocal;
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final List<String> errors = new CopyOnWriteArrayList<>();

        Rec(String name) {
            this.name = name;
            reset();
        }

        void reset() {
            incoming = new CountDownLatch(1);
            confirmed = new CountDownLatch(1);
            disconnected = new CountDownLatch(1);
            dtmf = new CountDownLatch(1);
        }

        private void seen(long stackId) {
            threads.add(Thread.currentThread());
            Stack s = stack;
            if (s != null && s.id() != stackId) {
                errors.add(name + ": event for stack " + stackId + ", ours is " + s.id());
            }
        }

        @Override
        public void onIncomingCall(long stackId, long account, long call, String remoteUri, String display) {
            seen(stackId);
            lastCall = call;
            if (answerCalls) {
                // Re-entrant: answer from inside the callback, on the dispatcher thread.
                try {
                    stack.answer(call, 180);
                    stack.answer(call, 200);
                } catch (RuntimeException e) {
                    errors.add(name + ": answer from onIncomingCall: " + e);
                }
            }
            incoming.countDown();
            if (throwFromListener) {
                throw new RuntimeException("expected: thrown by SmokeTest from onIncomingCall");
            }
        }

        @Override
        public void onCallState(long stackId, long call, int state, int code, String reason, String cause,
                                boolean local) {
            seen(stackId);
            lastCall = call;
            System.out.printf("  %s: call %d state %d code %d %s%s%n", name, call, state, code, reason,
                              local ? " (local)" : "");
            if (state == Sk400vop.CALL_CONFIRMED) {
                confirmed.countDown();
                if (throwFromListener) {
                    throw new RuntimeException("expected: thrown by SmokeTest from onCallState");
                }
            } else if (state == Sk400vop.CALL_DISCONNECTED) {
                disconnectedLocal = local;
                disconnected.countDown();
            }
        }

        @Override
        public void onDtmf(long stackId, long call, char digit, int method, int durationMs) {
            seen(stackId);
            System.out.printf("  %s: call %d DTMF %c method %d %d ms%n", name, call, digit, method, durationMs);
            lastDigit = digit;
            dtmf.countDown();
        }
    }

    private static int checks;

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
        checks++;
    }

    private static void await(CountDownLatch l, String what) throws InterruptedException {
        check(l.await(WAIT_S, TimeUnit.SECONDS), "timed out after " + WAIT_S + " s waiting for " + what);
    }

    /** Runs r and returns the code of the Sk400vopException it must throw. */
    private static int codeOf(Runnable r, String what) {
        try {
            r.run();
        } catch (Sk400vopException e) {
            System.out.println("  " + what + " -> " + e.code() + " " + e.getMessage());
            return e.code();
        }
        throw new AssertionError(what + ": no Sk400vopException");
    }

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.out.println("FAIL after " + checks + " checks: " + t);
            System.exit(1);
        }
        System.out.println("PASS: " + checks + " checks");
        System.exit(0);
    }

    private static void run() throws Exception {
        // (1) version
        String v = Sk400vop.version();
        System.out.println("version: " + v);
        check(v != null && !v.isEmpty(), "version non-empty");
        check(Sk400vop.strerror(Sk400vopException.ERR_BAD_HANDLE).length() > 0, "strerror non-empty");

        // A bad listen spec fails create with a code and the library's detail.
        int code = codeOf(() -> new Stack("bogus", new Listener() {}), "create with listen \"bogus\"");
        check(code == Sk400vopException.ERR_INVALID, "bad listen -> ERR_INVALID, got " + code);

        // (2) a loopback call between two stacks, no registrar.
        Rec ra = new Rec("A"), rb = new Rec("B");
        Stack a = new Stack("udp:127.0.0.1:0", ra);
        Stack b = new Stack("udp:127.0.0.1:0", rb);
        ra.stack = a;
        rb.stack = b;
        rb.answerCalls = true;
        String bAddr = b.localAddress("udp");
        System.out.println("A at " + a.localAddress("udp") + ", B at " + bAddr);
        check(bAddr.startsWith("127.0.0.1:") && !bAddr.endsWith(":0"), "B's bound address " + bAddr);

        long accA = a.addAccount(new Stack.AccountConfig("sip:alice@127.0.0.1"));
        long accB = b.addAccount(new Stack.AccountConfig("sip:bob@127.0.0.1"));
        check(accA != 0 && accB != 0, "account ids");

        long call = a.makeCall(accA, "sip:bob@" + bAddr);
        check(call != 0, "call id");
        await(rb.incoming, "B's onIncomingCall");
        await(ra.confirmed, "A confirmed");
        await(rb.confirmed, "B confirmed");
        check(rb.errors.isEmpty(), "B answered from inside onIncomingCall: " + rb.errors);
        long callB = rb.lastCall;

        a.sendDtmf(call, "5");
        await(rb.dtmf, "B's onDtmf");
        check(rb.lastDigit == '5', "B got digit 5, got " + rb.lastDigit);

        a.hangup(call);
        // Double hangup: an exception, not a crash (STATE while the DISCONNECTED
        // event is pending, BAD_HANDLE once it was delivered).
        code = codeOf(() -> a.hangup(call), "second hangup");
        check(code == Sk400vopException.ERR_STATE || code == Sk400vopException.ERR_BAD_HANDLE,
              "second hangup -> ERR_STATE or ERR_BAD_HANDLE, got " + code);
        await(ra.disconnected, "A disconnected");
        await(rb.disconnected, "B disconnected");
        check(ra.disconnectedLocal && !rb.disconnectedLocal, "A hung up (local), B was hung up on");

        // (3) misuse. The handle goes stale once A's DISCONNECTED callback has
        // returned; the latch fires inside it, so allow a moment for the return.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        do {
            code = codeOf(() -> a.hangup(call), "hangup of the ended call");
            if (code == Sk400vopException.ERR_BAD_HANDLE) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < until);
        check(code == Sk400vopException.ERR_BAD_HANDLE, "stale call -> ERR_BAD_HANDLE, got " + code);
        code = codeOf(() -> b.hold(callB), "hold of B's ended call");
        check(code == Sk400vopException.ERR_BAD_HANDLE, "B's stale call -> ERR_BAD_HANDLE, got " + code);
        code = codeOf(() -> a.sendDtmf(987654321L, "1"), "DTMF on an unknown call");
        check(code == Sk400vopException.ERR_BAD_HANDLE, "unknown call -> ERR_BAD_HANDLE, got " + code);
        code = codeOf(() -> b.answer(callB, 99), "answer with code 99");
        check(code == Sk400vopException.ERR_INVALID || code == Sk400vopException.ERR_BAD_HANDLE,
              "answer 99 -> ERR_INVALID or ERR_BAD_HANDLE, got " + code);

        // A listener that throws: the glue clears it, the dispatcher goes on.
        ra.reset();
        rb.reset();
        rb.throwFromListener = true;
        long call2 = a.makeCall(accA, "sip:bob@" + bAddr);
        await(rb.incoming, "B's onIncomingCall of call 2");
        await(ra.confirmed, "A confirmed call 2");
        await(rb.confirmed, "B confirmed call 2 (its listener threw before)");
        a.sendDtmf(call2, "7");
        await(rb.dtmf, "B's onDtmf after its listener threw twice");
        check(rb.lastDigit == '7', "B got digit 7, got " + rb.lastDigit);

        // Closing a stack with a live call: it hangs up, A hears the BYE.
        long t0 = System.nanoTime();
        b.close();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("  B closed with a live call in " + ms + " ms");
        await(ra.disconnected, "A disconnected by B's close");
        check(!ra.disconnectedLocal, "A's call ended by the peer");
        b.close(); // a second close does nothing
        code = codeOf(() -> b.makeCall(accB, "sip:alice@127.0.0.1"), "makeCall on a closed stack");
        check(code == Sk400vopException.ERR_BAD_HANDLE, "closed stack -> ERR_BAD_HANDLE, got " + code);

        // A stack closed from inside its own Listener (the glue frees its
        // context while that upcall is still running).
        CountDownLatch cClosed = new CountDownLatch(1);
        Stack[] c = new Stack[1];
        c[0] = new Stack("udp:127.0.0.1:0", new Listener() {
            @Override
            public void onIncomingCall(long stackId, long account, long call, String uri, String display) {
                c[0].close();
                cClosed.countDown();
            }
        });
        c[0].addAccount(new Stack.AccountConfig("sip:carol@127.0.0.1"));
        ra.reset();
        a.makeCall(accA, "sip:carol@" + c[0].localAddress("udp"));
        await(cClosed, "C closed from its own onIncomingCall");
        await(ra.disconnected, "A's call to C ended by C's close");
        code = codeOf(() -> c[0].localAddress("udp"), "localAddress of C, closed from its listener");
        check(code == Sk400vopException.ERR_BAD_HANDLE, "C closed -> ERR_BAD_HANDLE, got " + code);
        a.close();

        // Each stack delivered on one thread of its own, not ours.
        check(ra.threads.size() == 1 && rb.threads.size() == 1,
              "one dispatcher thread per stack: A " + ra.threads + ", B " + rb.threads);
        Thread ta = ra.threads.iterator().next(), tb = rb.threads.iterator().next();
        check(ta != tb && ta != Thread.currentThread() && ta.isDaemon(), "dispatcher threads distinct, daemon");
        check(ra.errors.isEmpty() && rb.errors.isEmpty(), "listener errors: " + ra.errors + rb.errors);

        // A dispatcher thread ends with its stack (the library starts it as a
        // thread of C's own), and the pthread-key destructor detaches it, so
        // the VM forgets both.
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while ((ta.isAlive() || tb.isAlive()) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        check(!ta.isAlive() && !tb.isAlive(),
              "dispatcher threads detached after close: A's alive " + ta.isAlive() + ", B's " + tb.isAlive());
        System.out.println("  dispatcher threads alive after close: A " + ta.isAlive() + ", B " + tb.isAlive());
    }
}
