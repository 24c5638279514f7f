// Package interop starts real SIP peers that nobody on the team wrote —
// Kamailio (registrar and authenticating proxy), baresip (far-end user agent)
// and SIPp (scripted peer) — on 127.0.0.1 for tests of the sk400vop user
// agent.
//
// Every helper takes a *testing.T, writes its files into t.TempDir(), starts
// its process as a child of the test binary, bounds every wait with a
// deadline, and stops the process by PID in t.Cleanup. When the test failed,
// the peer's log is dumped with t.Log.
//
// The tests run only when SK400VOP_INTEROP=1 is set (`make interop` sets it
// and installs the peers); otherwise Require skips them, so `go test ./...`
// stays hermetic. With the variable set, a missing binary is a test failure.
package interop

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvVar gates the interop tests.
const EnvVar = "SK400VOP_INTEROP"

// Host is the only address the peers listen on.
const Host = "127.0.0.1"

// Require skips t unless SK400VOP_INTEROP=1. Every interop test calls it
// first; the Start helpers call it too.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvVar) != "1" {
		t.Skipf("interop test needs real peers (Kamailio, baresip, SIPp): run `make interop` (it installs them and sets %s=1)", EnvVar)
	}
}

// LookPath returns the path of a peer binary. With SK400VOP_INTEROP=1 a
// missing binary is a test failure, not a skip: the suite was asked to run.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	Require(t)
	p, err := exec.LookPath(name)
	if err != nil {
		// Debian puts kamailio in /usr/sbin, which a non-root PATH may lack.
		for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
			cand := dir + "/" + name
			if st, e := os.Stat(cand); e == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return cand
			}
		}
		t.Fatalf("interop: %s not found (%v); `make interop` installs it with apt-get (packages kamailio, baresip-core, sip-tester)", name, err)
	}
	return p
}

// --- free ports -------------------------------------------------------------

var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{}
)

// FreePort returns a port that is free on 127.0.0.1 for both UDP and TCP at
// the moment of the call, and that no other helper in this test binary has
// handed out before.
func FreePort(t testing.TB) int {
	t.Helper()
	return FreePortRange(t, 1)
}

// FreePortRange returns the first of n consecutive ports that are free on
// 127.0.0.1 for both UDP and TCP. baresip needs n=2: with sip_listen it also
// binds port+1 for SIP over TLS.
//
// The ports come from below the kernel's ephemeral range. A port the kernel
// picked for us would be free again once probed, and a UA of a parallel
// test binding ":0" could get it before the peer we start binds it: the
// peer then fails to start while its readiness probe is answered by the
// wrong party.
func FreePortRange(t testing.TB, n int) int {
	t.Helper()
	if n < 1 {
		n = 1
	}
	lo, hi := helperPorts()
	portsMu.Lock()
	defer portsMu.Unlock()
	span := hi - lo - n
	if span <= 0 {
		t.Fatalf("interop: no room for %d helper ports in %d..%d", n, lo, hi)
	}
	start := rand.IntN(span)
	for i := 0; i < span; i++ {
		base := lo + (start+i)%span
		ok := true
		for p := base; p < base+n && ok; p++ {
			ok = !portsUsed[p] && portFree(p)
		}
		if !ok {
			continue
		}
		for p := base; p < base+n; p++ {
			portsUsed[p] = true
		}
		return base
	}
	t.Fatalf("interop: no %d consecutive free ports on %s in %d..%d", n, Host, lo, hi)
	return 0
}

// helperPorts is the range helper ports come from: [lo, hi), ending where
// the kernel's ephemeral ports begin (net.ipv4.ip_local_port_range).
func helperPorts() (lo, hi int) {
	hi = 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				hi = v
			}
		}
	}
	lo = 10000
	if hi-lo < 2000 {
		lo = max(1024, hi-2000)
	}
	return lo, hi
}

func portFree(p int) bool {
	addr := net.JoinHostPort(Host, strconv.Itoa(p))
	u, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return false
	}
	defer u.Close()
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// --- child processes ----------------------------------------------------------

// process is a child started by a helper: it is stopped by PID in t.Cleanup.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has been waited for
	err     error         // exit status, valid after done
}

// startProcess runs argv as a child in its own process group with stdin
// from /dev/null and stdout+stderr appended to logPath. The child gets
// SIGKILL if the test binary dies. t.Cleanup stops it: SIGTERM to its PID,
// then SIGKILL to its process group after a grace period (Kamailio forks
// workers into the same group), and waits for it.
func startProcess(t testing.TB, name, dir, logPath string, env []string, argv ...string) *process {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("interop: %s log: %v", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = nil // /dev/null
	cmd.Stdout = logf
	cmd.Stderr = logf
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("interop: start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t, 5*time.Second) })
	return p
}

// PID of the child.
func (p *process) PID() int { return p.cmd.Process.Pid }

// exited reports whether the child has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitCode is the child's exit status (-1 if killed by a signal or unknown).
func (p *process) exitCode() int {
	if p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// wait waits for the child to exit on its own, at most d.
func (p *process) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// stop ends the child by PID: SIGTERM, grace, then SIGKILL to its group.
// Idempotent.
func (p *process) stop(t testing.TB, grace time.Duration) {
	pid := p.PID()
	if !p.exited() {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if !p.wait(grace) {
			t.Logf("interop: %s (pid %d) ignored SIGTERM for %v; sending SIGKILL", p.name, pid, grace)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			if !p.wait(5 * time.Second) {
				t.Errorf("interop: %s (pid %d) did not exit after SIGKILL", p.name, pid)
				return
			}
		}
	}
	// Sweep workers left in the child's own process group (Kamailio).
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// readTail returns the last max bytes of a file (all of it if max <= 0).
func readTail(path string, max int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	if max > 0 && len(b) > max {
		b = append([]byte(fmt.Sprintf("... (%d bytes cut) ...\n", len(b)-max)), b[len(b)-max:]...)
	}
	return string(b)
}

// dumpOnFailure registers a cleanup that logs the named files when t failed.
// Register it before the process's own cleanup so that it runs after the
// process was stopped (cleanups run last-in first-out) and sees a complete log.
func dumpOnFailure(t testing.TB, what string, paths ...string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				continue
			}
			t.Logf("==== %s: %s ====\n%s", what, p, readTail(p, 64<<10))
		}
	})
}

// waitUntil polls cond every step until it returns true or d passes.
func waitUntil(d, step time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(step)
	}
}

// WaitListening waits until something listens on 127.0.0.1:port for the
// transport ("udp" or "tcp"), read from /proc/net so that nothing is sent
// to the peer (a SIPp UAS fails on an unexpected message). Bounded by d.
func WaitListening(proto string, port int, d time.Duration) error {
	files := map[string][]string{
		"udp": {"/proc/net/udp"},
		"tcp": {"/proc/net/tcp"},
	}[proto]
	if files == nil {
		return fmt.Errorf("interop: WaitListening: unknown transport %q", proto)
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	ok := waitUntil(d, 50*time.Millisecond, func() bool {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			for _, line := range bytes.Split(b, []byte{'\n'}) {
				fs := strings.Fields(string(line))
				if len(fs) < 4 || fs[1] != want {
					continue
				}
				// TCP must be in LISTEN state (0A); UDP has no states.
				if proto == "udp" || fs[3] == "0A" {
					return true
				}
			}
		}
		return false
	})
	if !ok {
		return fmt.Errorf("interop: nothing listening on %s %s:%d after %v", proto, Host, port, d)
	}
	return nil
}

// errExited is returned by waits that notice the child ended.
var errExited = errors.New("process exited")
