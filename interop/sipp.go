package interop

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SIPpOptions configures StartSIPp.
type SIPpOptions struct {
	// Scenario is one of: a SIPp built-in name ("uac", "uas", "regexp",
	// "branchc", "branchs", "3pcc-A", ...), a scenario of this package
	// ("uac_routed", "uas_routed": see Scenarios), XML text (starts with
	// "<"), or the path of an .xml file.
	Scenario string
	// Remote is the peer's host:port (the UAC's target). Empty for a UAS.
	Remote string
	// Service is the user part of the Request-URI (-s); SIPp's default is
	// "service".
	Service string
	// Port is SIPp's local SIP port; 0 picks a free one.
	Port int
	// Transport is SIPp's -t: "u1" (UDP, default) or "t1" (TCP).
	Transport string
	// Calls is -m, the number of calls before SIPp exits (default 1).
	Calls int
	// Timeout is SIPp's global -timeout (with -timeout_error); default 20 s.
	Timeout time.Duration
	// Args are extra SIPp arguments, e.g. "-d", "500", "-rtp_echo", "-au".
	Args []string
}

// SIPp is a SIPp run started by StartSIPp.
type SIPp struct {
	// Addr is SIPp's SIP host:port.
	Addr string
	Port int
	// Dir holds the scenario and the traces: MessagesPath (-trace_msg),
	// ErrorsPath (-trace_err), ScreenPath (-trace_screen) and OutputPath
	// (stdout+stderr).
	Dir, MessagesPath, ErrorsPath, ScreenPath, OutputPath string
	PID                                                   int

	timeout time.Duration
	proc    *process
	result  *SIPpResult
}

// SIPpResult is how a SIPp run ended.
type SIPpResult struct {
	// ExitCode: 0 all calls succeeded, 1 some failed, 97 exit on internal
	// command, 99 normal exit without calls processed, 255 (-1) fatal
	// error, 254 (-2) fatal error binding a socket; -1 here if killed.
	ExitCode int
	// Messages, Errors and Screen are the -trace_msg, -trace_err and
	// -trace_screen files; Output is what SIPp printed.
	Messages, Errors, Screen, Output string
}

// OK reports whether every call succeeded.
func (r *SIPpResult) OK() bool { return r.ExitCode == 0 }

// String summarises the run for failure messages.
func (r *SIPpResult) String() string {
	return fmt.Sprintf("sipp exit %d\n--- errors ---\n%s\n--- messages ---\n%s\n--- screen ---\n%s\n--- output ---\n%s",
		r.ExitCode, truncate(r.Errors, 16<<10), truncate(r.Messages, 32<<10), truncate(r.Screen, 8<<10), truncate(r.Output, 8<<10))
}

// RunSIPp runs SIPp to completion with a scenario (built-in name, package
// scenario name, XML text or .xml path) and raw SIPp args — typically the
// remote host:port and options such as "-s", "bob". It adds the local
// address, a free port, "-m 1", "-timeout 20s -timeout_error" and traces
// unless args set them. It fails t if SIPp does not exit in time, and
// returns the result for the caller to judge (check r.OK()).
func RunSIPp(t testing.TB, scenario string, args ...string) *SIPpResult {
	t.Helper()
	return StartSIPp(t, SIPpOptions{Scenario: scenario, Args: args}).Wait(t)
}

// StartSIPp starts SIPp in the background and returns once its SIP socket
// is bound (so a UAS can be called). Wait collects the result; t.Cleanup
// stops it by PID if it is still running, and dumps its traces if t failed.
func StartSIPp(t testing.TB, opts SIPpOptions) *SIPp {
	t.Helper()
	bin := LookPath(t, "sipp")
	dir := t.TempDir()
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	if opts.Transport == "" {
		opts.Transport = "u1"
	}
	if opts.Calls == 0 {
		opts.Calls = 1
	}
	args := opts.Args
	has := func(flag string) (string, bool) {
		for i, a := range args {
			if a == flag {
				if i+1 < len(args) {
					return args[i+1], true
				}
				return "", true
			}
		}
		return "", false
	}
	if p, ok := has("-p"); ok {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("interop: sipp -p %q: %v", p, err)
		}
		opts.Port = n
	} else if opts.Port == 0 {
		opts.Port = FreePort(t)
	}
	if v, ok := has("-t"); ok {
		opts.Transport = v
	}
	s := &SIPp{
		Addr:         net.JoinHostPort(Host, strconv.Itoa(opts.Port)),
		Port:         opts.Port,
		Dir:          dir,
		MessagesPath: filepath.Join(dir, "messages.log"),
		ErrorsPath:   filepath.Join(dir, "errors.log"),
		ScreenPath:   filepath.Join(dir, "screen.log"),
		OutputPath:   filepath.Join(dir, "output.log"),
		timeout:      opts.Timeout,
	}

	argv := []string{bin}
	sc := opts.Scenario
	switch {
	case sc == "":
		t.Fatal("interop: StartSIPp: no scenario")
	case Scenarios[sc] != "":
		path := filepath.Join(dir, sc+".xml")
		if err := os.WriteFile(path, []byte(Scenarios[sc]), 0o644); err != nil {
			t.Fatal(err)
		}
		argv = append(argv, "-sf", path)
	case strings.HasPrefix(strings.TrimSpace(sc), "<"):
		path := filepath.Join(dir, "scenario.xml")
		if err := os.WriteFile(path, []byte(sc), 0o644); err != nil {
			t.Fatal(err)
		}
		argv = append(argv, "-sf", path)
	case strings.HasSuffix(sc, ".xml"):
		argv = append(argv, "-sf", sc)
	default:
		argv = append(argv, "-sn", sc)
	}
	argv = append(argv, "-i", Host, "-nostdin")
	if _, ok := has("-p"); !ok {
		argv = append(argv, "-p", strconv.Itoa(opts.Port))
	}
	if _, ok := has("-t"); !ok {
		argv = append(argv, "-t", opts.Transport)
	}
	if _, ok := has("-m"); !ok {
		argv = append(argv, "-m", strconv.Itoa(opts.Calls))
	}
	if _, ok := has("-timeout"); !ok {
		argv = append(argv, "-timeout", fmt.Sprintf("%dms", opts.Timeout.Milliseconds()), "-timeout_error")
	} else if v, _ := has("-timeout"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			s.timeout = d
		} else if n, err := strconv.Atoi(v); err == nil {
			s.timeout = time.Duration(n) * time.Second
		}
	}
	if _, ok := has("-mp"); !ok {
		// SIPp binds the media port and media port + 2 (video).
		argv = append(argv, "-mp", strconv.Itoa(FreePortRange(t, 4)))
	}
	if _, ok := has("-cp"); !ok {
		// The control socket binds 0.0.0.0:8888 by default; give each run
		// its own port.
		argv = append(argv, "-cp", strconv.Itoa(FreePort(t)))
	}
	if opts.Service != "" {
		argv = append(argv, "-s", opts.Service)
	}
	argv = append(argv,
		"-trace_msg", "-message_file", s.MessagesPath,
		"-trace_err", "-error_file", s.ErrorsPath,
		"-trace_screen", "-screen_file", s.ScreenPath)
	argv = append(argv, args...)
	if opts.Remote != "" {
		argv = append(argv, opts.Remote)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(argv, " ")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	dumpOnFailure(t, "sipp", filepath.Join(dir, "cmdline"), s.ErrorsPath, s.MessagesPath, s.ScreenPath, s.OutputPath)
	s.proc = startProcess(t, "sipp", dir, s.OutputPath, nil, argv...)
	s.PID = s.proc.PID()

	proto := "udp"
	if strings.HasPrefix(opts.Transport, "t") {
		proto = "tcp"
	}
	// Bound, or already done (a fast UAC may finish before we look).
	var listenErr error
	ok := waitUntil(5*time.Second, 20*time.Millisecond, func() bool {
		if s.proc.exited() {
			return true
		}
		listenErr = WaitListening(proto, opts.Port, 0)
		return listenErr == nil
	})
	if !ok {
		t.Fatalf("interop: sipp did not bind %s %s: %v\n%s", proto, s.Addr, listenErr, readTail(s.OutputPath, 8<<10))
	}
	if s.proc.exited() && s.proc.exitCode() != 0 {
		// A bad scenario or a busy port: fail now rather than let the
		// other party time out.
		s.result = s.collect()
		t.Fatalf("interop: sipp exited at start-up\n%s", s.result)
	}
	return s
}

// Wait waits for SIPp to exit — at most its -timeout plus 10 s, then it is
// killed and t fails — and returns the result.
func (s *SIPp) Wait(t testing.TB) *SIPpResult {
	t.Helper()
	if s.result != nil {
		return s.result
	}
	if !s.proc.wait(s.timeout + 10*time.Second) {
		s.proc.stop(t, 2*time.Second)
		s.result = s.collect()
		t.Fatalf("interop: sipp did not exit within %v\n%s", s.timeout+10*time.Second, s.result)
	}
	s.result = s.collect()
	return s.result
}

// Done reports whether SIPp has exited.
func (s *SIPp) Done() bool { return s.proc.exited() }

// Stop ends SIPp by PID (SIGTERM, then SIGKILL) and returns the result.
func (s *SIPp) Stop(t testing.TB) *SIPpResult {
	t.Helper()
	s.proc.stop(t, 2*time.Second)
	s.result = s.collect()
	return s.result
}

func (s *SIPp) collect() *SIPpResult {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return &SIPpResult{
		ExitCode: s.proc.exitCode(),
		Messages: read(s.MessagesPath),
		Errors:   read(s.ErrorsPath),
		Screen:   read(s.ScreenPath),
		Output:   read(s.OutputPath),
	}
}
