"""Smoke test of the Python binding: a real loopback call between two stacks in
one process, plus the misuse cases a binding must survive. Every wait is
bounded (run_until raises TimeoutError after 10 s)."""
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import sk400vop as sk  # noqa: E402
from sk400vop import Sk400vopError, run_until  # noqa: E402

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "include", "sk400vop.h")


class Recorder:
    """A handler object: records every event; answers incoming calls 180 then 200."""

    def __init__(self, answer=True):
        self.answer, self.states, self.digits, self.incoming, self.regs = answer, [], [], [], []
        self.held, self.fail = [], None

    def on_incoming_call(self, call, info):
        self.incoming.append((call, info))
        if self.fail:
            raise self.fail
        if self.answer:
            call.answer(180)
            call.answer(200)

    def on_call_state(self, call, info):
        self.states.append((call.id, info.state, info.code))

    def on_call_media(self, call, info):
        if info.local:  # the call's first offer/answer is reported too: keep hold/resume only
            self.held.append(info.held)

    def on_dtmf(self, call, info):
        self.digits.append(info.digit)

    def on_reg_state(self, account, info):
        self.regs.append(info)

    def saw(self, call, state):
        return (call.id, state) in [(c, s) for c, s, _ in self.states]


class Pair(unittest.TestCase):
    """Two poll-mode stacks on 127.0.0.1:0; B's account answers from on_incoming_call."""

    def setUp(self):
        self.ra, self.rb = Recorder(), Recorder()
        self.a = sk.Stack("udp:127.0.0.1:0", self.ra)
        self.b = sk.Stack("udp:127.0.0.1:0", self.rb)
        self.addCleanup(self.a.close)
        self.addCleanup(self.b.close)
        self.acc_a = self.a.add_account("sip:alice@127.0.0.1", accept_any=1)
        self.acc_b = self.b.add_account("sip:bob@127.0.0.1", accept_any=1)
        self.uri_b = "sip:bob@" + self.b.local_addr("udp")

    def wait(self, cond):
        run_until(cond, self.a, self.b, timeout=10.0)

    def confirmed_call(self):
        call = self.acc_a.call(self.uri_b, tone_hz=440)
        self.wait(lambda: call.state == sk.CALL_CONFIRMED and self.rb.incoming
                  and self.rb.incoming[0][0].state == sk.CALL_CONFIRMED)
        return call, self.rb.incoming[0][0]


class TestLibrary(unittest.TestCase):
    def test_version(self):
        v = sk.version()
        self.assertTrue(v.startswith("sk400vop "), v)
        self.assertIn("abi 1.", v)

    def test_strerror(self):
        self.assertEqual(sk.strerror(sk.OK), "ok")
        self.assertEqual(sk.strerror(sk.ERR_BAD_HANDLE), "unknown or stale handle")
        self.assertEqual(sk.strerror(-12345), "unknown status")

    @unittest.skipUnless(shutil.which("cc") and os.path.exists(HEADER), "needs cc and the header")
    def test_struct_layout_matches_header(self):
        # The one real risk of a ctypes binding: a struct that drifts from the header.
        structs = {"sk400vop_config": sk.Config, "sk400vop_events": sk.Events,
                   "sk400vop_account_config": sk.AccountConfig, "sk400vop_call_opts": sk.CallOpts,
                   "sk400vop_reg_info": sk._RegInfo, "sk400vop_call_info": sk._CallInfo,
                   "sk400vop_dtmf_info": sk._DtmfInfo}
        lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "%s"' % os.path.abspath(HEADER),
                 "int main(void) {"]
        want = []
        for cname, py in structs.items():
            lines.append('printf("%%zu\\n", sizeof(%s));' % cname)
            want.append(ctypes.sizeof(py))
            for f, _ in py._fields_:
                lines.append('printf("%%zu\\n", offsetof(%s, %s));' % (cname, f))
                want.append(getattr(py, f).offset)
        lines.append("return 0; }")
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "layout.c"), os.path.join(d, "layout")
            with open(src, "w") as f:
                f.write("\n".join(lines))
            subprocess.run(["cc", "-o", exe, src], check=True)
            got = [int(x) for x in subprocess.run([exe], check=True, capture_output=True).stdout.split()]
        self.assertEqual(got, want)


class TestCall(Pair):
    def test_loopback_call_dtmf_hangup(self):
        call, bcall = self.confirmed_call()
        self.assertEqual(self.rb.incoming[0][1].state, sk.CALL_INCOMING)
        self.assertIn("alice", self.rb.incoming[0][1].remote_uri)
        self.assertTrue(call.info.outgoing)
        self.assertTrue(self.ra.saw(call, sk.CALL_CONFIRMED))
        self.assertTrue(self.rb.saw(bcall, sk.CALL_CONFIRMED))
        call.send_dtmf("5")
        self.wait(lambda: self.rb.digits)
        self.assertEqual(self.rb.digits, ["5"])
        call.hangup()
        self.wait(lambda: call.state == sk.CALL_DISCONNECTED and bcall.state == sk.CALL_DISCONNECTED)
        self.assertTrue(call.info.local)
        self.assertFalse(bcall.info.local)

    def test_hold_resume(self):
        call, _ = self.confirmed_call()
        call.hold()
        self.wait(lambda: self.ra.held == [1])
        call.resume()
        self.wait(lambda: self.ra.held == [1, 0])

    def test_reject(self):
        self.rb.answer = False
        call = self.acc_a.call(self.uri_b)
        self.wait(lambda: self.rb.incoming)
        bcall = self.rb.incoming[0][0]
        bcall.answer(183, early_media=1)  # our SDP in the 183: A goes EARLY
        self.wait(lambda: call.state == sk.CALL_EARLY)
        self.assertEqual(call.info.code, 183)
        bcall.reject(486)
        self.wait(lambda: call.state == sk.CALL_DISCONNECTED)
        self.assertEqual(call.info.code, 486)

    def test_callback_exception_surfaces_from_poll(self):
        self.rb.fail = RuntimeError("from a callback")
        self.acc_a.call(self.uri_b)
        with self.assertRaisesRegex(RuntimeError, "from a callback"):
            self.wait(lambda: False)

    def test_registration_failure_is_reported(self):
        # B is no registrar: A's REGISTER must end FAILED with a SIP error code.
        acc = self.a.add_account("sip:carol@127.0.0.1", registrar="sip:" + self.b.local_addr())
        acc.register()
        self.wait(lambda: acc.reg_state is not None and acc.reg_state.state == sk.REG_FAILED)
        self.assertGreaterEqual(acc.reg_state.code, 400)
        self.assertIs(self.ra.regs[-1], acc.reg_state)


class TestMisuse(Pair):
    def assertStatus(self, code, fn, *args, **kw):
        with self.assertRaises(Sk400vopError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.code, code, str(cm.exception))
        self.assertEqual(cm.exception.name, sk.strerror(code))
        return cm.exception

    def test_stale_call_after_hangup(self):
        call, _ = self.confirmed_call()
        call.hangup()
        # Not delivered yet (poll mode): the call is over but its handle still known.
        self.assertStatus(sk.ERR_STATE, call.hangup)
        self.wait(lambda: call.state == sk.CALL_DISCONNECTED)
        e = self.assertStatus(sk.ERR_BAD_HANDLE, call.hangup)
        self.assertTrue(e.message)  # last_error has the detail
        self.assertStatus(sk.ERR_BAD_HANDLE, call.send_dtmf, "1")
        self.assertStatus(sk.ERR_BAD_HANDLE, call.hold)
        self.assertStatus(sk.ERR_BAD_HANDLE, call.answer, 200)

    def test_destroy_with_live_call(self):
        call, bcall = self.confirmed_call()
        self.b.close()  # hangs the call up: A must hear the BYE
        run_until(lambda: call.state == sk.CALL_DISCONNECTED, self.a, timeout=10.0)
        self.assertStatus(sk.ERR_BAD_HANDLE, bcall.hangup)
        self.assertStatus(sk.ERR_BAD_HANDLE, self.b.local_addr)
        self.assertStatus(sk.ERR_BAD_HANDLE, self.b.poll)
        self.b.close()  # twice: harmless
        self.assertEqual(sk.lib.sk400vop_destroy(self.b.id), sk.ERR_BAD_HANDLE)

    def test_account_misuse(self):
        self.assertStatus(sk.ERR_STATE, self.acc_a.unregister)  # never registered
        self.acc_a.remove()
        self.assertStatus(sk.ERR_BAD_HANDLE, self.acc_a.register)
        self.assertStatus(sk.ERR_BAD_HANDLE, self.acc_a.call, self.uri_b)

    def test_invalid_arguments(self):
        self.assertStatus(sk.ERR_INVALID, sk.Stack, "bogus")
        self.assertStatus(sk.ERR_INVALID, self.acc_a.call, "not a uri")
        self.assertStatus(sk.ERR_INVALID, self.acc_a.call, None)  # NULL uri
        self.assertStatus(sk.ERR_INVALID, self.acc_a.call, "sip:bob@x\0evil")  # would be cut in C
        self.assertStatus(sk.ERR_INVALID, self.a.add_account, "nonsense")
        self.assertStatus(sk.ERR_INVALID, self.a.local_addr, "sctp")
        self.assertStatus(sk.ERR_INVALID, self.a.network_changed, "bogus")
        self.assertRaises(TypeError, self.a.add_account, "sip:x@127.0.0.1", no_such_option=1)
        call, _ = self.confirmed_call()
        self.assertStatus(sk.ERR_INVALID, call.send_dtmf, "x")
        self.assertStatus(sk.ERR_INVALID, call.send_dtmf, "")
        self.assertStatus(sk.ERR_STATE, call.answer, 200)  # outgoing call
        # The raw functions with NULL pointers: a status, never a crash.
        lib = sk.lib
        self.assertEqual(lib.sk400vop_create(None, None, None, None, None, None), sk.ERR_INVALID)
        self.assertEqual(lib.sk400vop_last_error(0, None, 0), sk.ERR_INVALID)
        self.assertEqual(lib.sk400vop_poll_fd(self.a.id, None), sk.ERR_INVALID)
        self.assertEqual(lib.sk400vop_local_addr(self.a.id, b"udp", None, 0), sk.ERR_INVALID)
        self.assertEqual(lib.sk400vop_call_hangup(0, 0, None), sk.ERR_BAD_HANDLE)

    def test_network_changed(self):
        before = self.a.local_addr()
        self.a.network_changed("udp:127.0.0.1:0")
        after = self.a.local_addr()
        self.assertTrue(after.startswith("127.0.0.1:"), after)
        self.assertNotEqual(before, after)


class TestThreadMode(unittest.TestCase):
    def test_call_in_thread_mode(self):
        rb, a_states = Recorder(), []
        with sk.Stack(dispatch="thread", on_call_state=lambda c, i: a_states.append(i.state)) as a, \
                sk.Stack(handler=rb, dispatch="thread") as b:
            self.assertRaises(ValueError, a.fileno)
            self.assertRaises(Sk400vopError, a.poll)  # ERR_STATE: not poll mode
            b.add_account("sip:bob@127.0.0.1", accept_any=1)
            call = a.add_account("sip:alice@127.0.0.1").call("sip:bob@" + b.local_addr())
            run_until(lambda: call.state == sk.CALL_CONFIRMED, a, b)
            call.hangup()
            run_until(lambda: rb.states and rb.states[-1][1] == sk.CALL_DISCONNECTED, a, b)
            run_until(lambda: a_states and a_states[-1] == sk.CALL_DISCONNECTED, a, b)
            self.assertIn(sk.CALL_CONFIRMED, a_states)


if __name__ == "__main__":
    unittest.main()
