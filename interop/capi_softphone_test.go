package interop

// The C API against real peers (issue 6, acceptance 3): examples/c/softphone,
// linked with libsk400vop.so and nothing but the public header, registers to
// Kamailio, calls baresip (auto-answer) and is called by it, with audio both
// ways checked from the two recordings: the softphone's --record and
// baresip's sndfile files.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var softphoneBuild struct {
	once sync.Once
	path string
	err  error
}

// softphone builds libsk400vop.so (c-shared, as make lib does, without the
// version script) and examples/c/softphone.c against it, once per test
// binary, into build/interop of the module.
func softphone(t *testing.T) string {
	t.Helper()
	b := &softphoneBuild
	b.once.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			b.err = err
			return
		}
		dir := filepath.Join(root, "build", "interop")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.err = err
			return
		}
		run := func(name string, args ...string) error {
			cmd := exec.Command(name, args...)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
			}
			return nil
		}
		if b.err = run("go", "build", "-buildmode=c-shared", "-trimpath", "-o", filepath.Join(dir, "libsk400vop.so"), "./capi"); b.err != nil {
			return
		}
		b.path = filepath.Join(dir, "softphone")
		b.err = run(LookPath(t, "cc"), "-std=c99", "-Wall", "-Iinclude", "examples/c/softphone.c",
			"-L"+dir, "-lsk400vop", "-Wl,-rpath,"+dir, "-lpthread", "-o", b.path)
	})
	if b.err != nil {
		t.Fatalf("building the softphone: %v", b.err)
	}
	return b.path
}

// runningSoftphone is a softphone process; its stdout is collected.
type runningSoftphone struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startSoftphone(t *testing.T, k *Kamailio, args ...string) *runningSoftphone {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	base := []string{"--listen", "udp:" + Host + ":0", "--user", "alice", "--password", "wonderland",
		"--domain", k.Domain, "--registrar", "sip:" + k.Domain, "--proxy", k.URI() + ";lr"}
	cmd := exec.CommandContext(ctx, softphone(t), append(base, args...)...)
	p := &runningSoftphone{cmd: cmd, out: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("softphone output:\n%s", p.out.String())
		}
	})
	return p
}

// waitLine waits for a line of the softphone's output starting with prefix.
func (p *runningSoftphone) waitLine(t *testing.T, prefix string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(p.out.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("softphone: no %q line within %v", prefix, d)
}

// wait waits for the softphone to exit 0.
func (p *runningSoftphone) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("softphone: %v", err)
		}
	case <-time.After(d):
		t.Fatalf("softphone still running after %v", d)
	}
}

func (p *runningSoftphone) want(t *testing.T, prefixes ...string) {
	t.Helper()
	out := p.out.String()
	for _, w := range prefixes {
		if !strings.Contains("\n"+out, "\n"+w) {
			t.Errorf("softphone: no line %q", w)
		}
	}
}

// baresipReceived returns what baresip recorded of the audio it received.
func baresipReceived(t *testing.T, b *Baresip) []int16 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(b.Dir, "*dec*.wav"))
	if len(files) == 0 {
		all, _ := filepath.Glob(filepath.Join(b.Dir, "*.wav"))
		t.Fatalf("baresip recorded nothing it received: %v", all)
	}
	return readWAV(t, files[len(files)-1])
}

func TestCAPISoftphoneBaresip(t *testing.T) {
	Require(t)
	t.Parallel()
	dir := t.TempDir()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true, Record: true})
	tone := filepath.Join(dir, "tone.wav")
	if err := WriteToneWAV(tone, 8000, 1000, 10); err != nil {
		t.Fatal(err)
	}

	t.Run("softphone calls baresip", func(t *testing.T) {
		rec := filepath.Join(dir, "out-heard.wav")
		p := startSoftphone(t, k, "--call", k.AOR("carol"), "--play", tone, "--record", rec, "--duration", "3")
		p.wait(t, 30*time.Second)
		p.want(t, "REG ok 200", "CALL confirmed", "CALL disconnected 200", "RTP sent", "REG unregistered", "EXIT 0")
		checkTone(t, "the softphone hears baresip", readWAV(t, rec), 400)
		b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)
		checkTone(t, "baresip hears the softphone", baresipReceived(t, b), 1000)
	})

	t.Run("baresip calls the softphone", func(t *testing.T) {
		rec := filepath.Join(dir, "in-heard.wav")
		p := startSoftphone(t, k, "--auto-answer", "--play", tone, "--record", rec, "--duration", "20")
		p.waitLine(t, "REG ok 200", 10*time.Second)
		b.MustCommand(t, "dial", k.AOR("alice"))
		p.waitLine(t, "CALL confirmed", 10*time.Second)
		b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
		time.Sleep(2500 * time.Millisecond) // two seconds of audio and more
		b.MustCommand(t, "hangup", "")
		p.wait(t, 30*time.Second)
		p.want(t, "REG ok 200", "CALL incoming sip:carol@", "CALL confirmed", "CALL disconnected 200",
			"RTP sent", "EXIT 0")
		checkTone(t, "the softphone hears baresip", readWAV(t, rec), 400)
		b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)
		checkTone(t, "baresip hears the softphone", baresipReceived(t, b), 1000)
	})
}
