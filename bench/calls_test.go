//go:build linux

package bench

// Call benchmarks (issue 4): whole calls between a caller and a callee over
// loopback UDP, each stack talking to itself, side by side in one run.
//
//	BenchmarkCalls/<stack>           b.N full calls INVITE→100→180→200→ACK→BYE→200
//	BenchmarkConfirmedCalls/<stack>  b.N confirmed calls held at once
//
// The callee always runs in a child process: the test binary re-executed with
// BENCH_CALLEE=<stack> (see TestMain and runCallee), so everything measured in
// this process — CPU time from getrusage, heap, goroutines — is the CALLER's
// alone. The child reports its own figures on request over its stdin/stdout,
// and they are reported under names starting with "callee-".
//
// Both processes bind 127.0.0.1 only. Every wait is bounded (callTimeout,
// childTimeout) and the child is killed on cleanup, and by the kernel
// (Pdeathsig) if this process dies first.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// callerSide is one stack's calling user agent, bound to 127.0.0.1 and aimed
// at one callee. Its methods are called from up to callsInFlight goroutines
// at once.
type callerSide interface {
	// Call makes one whole call: INVITE (with callOfferSDP) → 100 → 180 → 200
	// (with callAnswerSDP) → ACK → BYE → 200, and returns once the BYE's 200 has
	// arrived, or with the first error.
	Call(ctx context.Context) error
	// Establish makes a call up to and including the ACK and returns it
	// confirmed; the stack alone holds its state from then on (the harness
	// keeps only the returned handle).
	Establish(ctx context.Context) (confirmedCall, error)
	// Close releases the caller's socket and everything it still holds.
	Close()
}

// confirmedCall is a call Establish returned.
type confirmedCall interface {
	// Hangup sends BYE and returns once its 200 has arrived.
	Hangup(ctx context.Context) error
}

// calleeSide is one stack's answering user agent: it answers every INVITE
// with 100, 180 and 200 (callAnswerSDP), takes the ACK, and answers BYE with 200.
type calleeSide interface {
	// Addr is the host:port it listens on (UDP, 127.0.0.1).
	Addr() string
	Close()
}

// timerCounter may be implemented by a callerSide or a calleeSide that can
// tell how many timers it has armed; the benchmarks then report timers per
// confirmed call. (Go's runtime does not expose its timer count, so a stack
// built on time.AfterFunc, like sipgo, cannot.)
type timerCounter interface {
	ArmedTimers() int
}

// strayCounter may be implemented by a callerSide that counts responses
// matching no transaction (late or reordered ones); BenchmarkCalls reports
// them per call.
type strayCounter interface {
	StrayResponses() int64
}

// callStack names one stack's implementations. A non-empty skip skips its
// benchmarks with that reason.
type callStack struct {
	name      string
	skip      string
	newCaller func(calleeAddr string) (callerSide, error)
	newCallee func(listenAddr string) (calleeSide, error)
}

// callStacks lists the stacks in the order they are benchmarked.
var callStacks = []callStack{sipgoStack, sk400vopStack, floorStack}

// callOfferSDP and callAnswerSDP are the bodies of the INVITE and of the 200: small,
// audio only, as a softphone sends them. No media flows.
var (
	callOfferSDP = []byte("v=0\r\n" +
		"o=caller 2890844526 2890844526 IN IP4 127.0.0.1\r\n" +
		"s=-\r\n" +
		"c=IN IP4 127.0.0.1\r\n" +
		"t=0 0\r\n" +
		"m=audio 49170 RTP/AVP 0 8 101\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=sendrecv\r\n")
	callAnswerSDP = []byte("v=0\r\n" +
		"o=callee 2890844527 2890844527 IN IP4 127.0.0.1\r\n" +
		"s=-\r\n" +
		"c=IN IP4 127.0.0.1\r\n" +
		"t=0 0\r\n" +
		"m=audio 49172 RTP/AVP 0 101\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=sendrecv\r\n")
)

const (
	// callTimeout bounds one call (or one Establish, or one Hangup). On
	// loopback a call takes well under a millisecond; 10 s means something
	// is lost or stuck.
	callTimeout = 10 * time.Second
	// childTimeout bounds each exchange with the callee process.
	childTimeout = 30 * time.Second
	// warmUpCalls are made before measuring, so sockets, pools and caches
	// exist in both processes before the clock and the counters start.
	warmUpCalls = 2 * 64
)

// callSocketBuffer is the receive buffer (SO_RCVBUF) of every UDP socket
// in the call benchmarks, both stacks', both sides'. With the kernel's
// default (net.core.rmem_default, 208 KiB here) a reader that falls behind
// for a moment — a GC pause, a busy neighbour on the VM — loses datagrams,
// and each loss stalls one call for a 500 ms retransmission, which measures
// the machine more than the stack. A server would raise it anyway; 4 MiB is
// this VM's net.core.rmem_max. udp-drops in BenchmarkCalls shows any loss
// that still happens.
const callSocketBuffer = 4 << 20

// listenCallUDP binds a UDP socket on addr ("127.0.0.1:port") with
// callSocketBuffer.
func listenCallUDP(addr string) (*net.UDPConn, error) {
	laddr, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp4", laddr)
	if err != nil {
		return nil, err
	}
	if err := conn.SetReadBuffer(callSocketBuffer); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// callsInFlight is how many calls the caller keeps going at once:
// BENCH_CALLS_IN_FLIGHT, 64 by default. One call at a time would measure
// loopback round trips and scheduler wake-ups (five datagrams a call), not
// the stacks; 64 keeps both processes busy while staying far below what a
// UDP socket buffer holds (at most 64 × 3 datagrams queued each way), so
// nothing is lost and no retransmission timer fires.
var callsInFlight = envInt("BENCH_CALLS_IN_FLIGHT", 64)

func envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		panic(fmt.Sprintf("%s=%q: want a positive integer", name, v))
	}
	return n
}

func TestMain(m *testing.M) {
	if name := os.Getenv("BENCH_CALLEE"); name != "" {
		os.Exit(runCallee(name, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// runCallee is the callee process: it starts stack name's callee on
// 127.0.0.1 (port BENCH_CALLEE_PORT, or any), prints "ADDR host:port", then
// answers each "stats" line on in with a "STATS k=v ..." line (see
// procStats) until in closes or a signal arrives.
func runCallee(name string, in io.Reader, out io.Writer) int {
	st, ok := findStack(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "callee: unknown stack %q\n", name)
		return 2
	}
	if st.skip != "" {
		fmt.Fprintf(os.Stderr, "callee %s: %s\n", name, st.skip)
		return 3
	}
	port := os.Getenv("BENCH_CALLEE_PORT")
	if port == "" {
		port = "0"
	}
	callee, err := st.newCallee("127.0.0.1:" + port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "callee %s: %v\n", name, err)
		return 1
	}
	defer callee.Close()
	if base := os.Getenv("BENCH_CALLEE_PROFILE"); base != "" {
		stop, err := profileCallee(base)
		if err != nil {
			fmt.Fprintf(os.Stderr, "callee %s: %v\n", name, err)
			return 1
		}
		defer stop()
	}
	fmt.Fprintf(out, "ADDR %s\n", callee.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	eof := make(chan struct{})
	go func() {
		defer close(eof)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "stats" {
				fmt.Fprintf(out, "STATS %s\n", procStats(callee).String())
			}
		}
	}()
	select {
	case <-eof:
	case <-sig:
	}
	return 0
}

func findStack(name string) (callStack, bool) {
	for _, st := range callStacks {
		if st.name == name {
			return st, true
		}
	}
	return callStack{}, false
}

// profileCallee starts the callee's CPU profile, base.cpu, and returns
// what stops it and writes its allocation profile, base.mem: with
// BENCH_CALLEE_PROFILE=base the callee side can be profiled as the
// caller is with -test.cpuprofile and -test.memprofile.
func profileCallee(base string) (stop func(), err error) {
	runtime.MemProfileRate = 4096
	f, err := os.Create(base + ".cpu")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		if m, err := os.Create(base + ".mem"); err == nil {
			pprof.Lookup("allocs").WriteTo(m, 0)
			m.Close()
		}
	}, nil
}

// stats is what one process holds and has spent, after a settle.
type stats struct {
	heap       float64 // runtime.MemStats.HeapAlloc after GC, bytes
	stack      float64 // runtime.MemStats.StackInuse, bytes
	goroutines float64
	timers     float64 // armed timers, -1 when the stack cannot tell
	// allocs and allocated count the heap allocations and their bytes
	// since the process started (MemStats.Mallocs, TotalAlloc).
	allocs, allocated float64
	// cpu is the CPU time (user + system) when asked, settled once the
	// settling (and its forced collections) is over: the CPU a run spent is
	// after.cpu - before.settled.
	cpu, settled time.Duration
}

func (s stats) String() string {
	return fmt.Sprintf("heap=%.0f stack=%.0f goroutines=%.0f timers=%.0f allocs=%.0f allocated=%.0f cpu_ns=%d settled_ns=%d",
		s.heap, s.stack, s.goroutines, s.timers, s.allocs, s.allocated, s.cpu.Nanoseconds(), s.settled.Nanoseconds())
}

func parseStats(line string) (stats, error) {
	var s stats
	fields := strings.Fields(strings.TrimPrefix(line, "STATS "))
	if len(fields) != 8 {
		return s, fmt.Errorf("bad stats line %q", line)
	}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return s, fmt.Errorf("bad stats line %q: %w", line, err)
		}
		switch k {
		case "heap":
			s.heap = n
		case "stack":
			s.stack = n
		case "goroutines":
			s.goroutines = n
		case "timers":
			s.timers = n
		case "allocs":
			s.allocs = n
		case "allocated":
			s.allocated = n
		case "cpu_ns":
			s.cpu = time.Duration(n)
		case "settled_ns":
			s.settled = time.Duration(n)
		default:
			return s, fmt.Errorf("bad stats line %q", line)
		}
	}
	return s, nil
}

// procStats reads this process's CPU time, settles it (see settle), reads
// the rest of its stats and its CPU time again; side, if it counts timers,
// adds them.
func procStats(side any) stats {
	cpu := cpuTime()
	settle()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := stats{
		heap:       float64(ms.HeapAlloc),
		stack:      float64(ms.StackInuse),
		goroutines: float64(runtime.NumGoroutine()),
		timers:     -1,
		allocs:     float64(ms.Mallocs),
		allocated:  float64(ms.TotalAlloc),
		cpu:        cpu,
		settled:    cpuTime(),
	}
	if tc, ok := side.(timerCounter); ok {
		s.timers = float64(tc.ArmedTimers())
	}
	return s
}

// settle waits (at most 2 s) until the goroutine count has stayed put for
// 100 ms — handlers of the last datagrams finishing — then collects garbage
// twice, so HeapAlloc is what is still referenced.
func settle() {
	deadline := time.Now().Add(2 * time.Second)
	last, still := runtime.NumGoroutine(), 0
	for still < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if n := runtime.NumGoroutine(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	runtime.GC()
	runtime.GC()
}

// cpuTime is this process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// strayResponses is caller's count of responses that matched no
// transaction, or -1 if it does not count them.
func strayResponses(caller callerSide) int64 {
	if sc, ok := caller.(strayCounter); ok {
		return sc.StrayResponses()
	}
	return -1
}

// udpRcvbufErrors is the kernel's count of UDP datagrams dropped because a
// socket's receive buffer was full (/proc/net/snmp, all sockets of the
// machine), or -1 if unreadable. Each drop costs the call a retransmission
// (T1 = 500 ms), so BenchmarkCalls reports how many happened during the run.
func udpRcvbufErrors() int64 {
	data, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return -1
	}
	var names []string
	for line := range strings.Lines(string(data)) {
		rest, ok := strings.CutPrefix(line, "Udp: ")
		if !ok {
			continue
		}
		if names == nil {
			names = strings.Fields(rest)
			continue
		}
		for i, v := range strings.Fields(rest) {
			if i < len(names) && names[i] == "RcvbufErrors" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return -1
				}
				return n
			}
		}
	}
	return -1
}

// calleeProc is a running callee process.
type calleeProc struct {
	addr  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // its stdout, line by line
}

// startCallee starts st's callee in a child process and registers its end
// with tb.Cleanup: stdin closed, then killed if it has not exited in 5 s.
func startCallee(tb testing.TB, st callStack) *calleeProc {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BENCH_CALLEE="+st.name)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &calleeProc{cmd: cmd, stdin: stdin, lines: make(chan string, 4)}
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		_ = cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	line, err := p.next()
	if err != nil {
		tb.Fatalf("callee %s: %v", st.name, err)
	}
	addr, ok := strings.CutPrefix(line, "ADDR ")
	if !ok {
		tb.Fatalf("callee %s: want ADDR, got %q", st.name, line)
	}
	p.addr = addr
	return p
}

func (p *calleeProc) next() (string, error) {
	select {
	case line, ok := <-p.lines:
		if !ok {
			return "", errors.New("callee process exited")
		}
		return line, nil
	case <-time.After(childTimeout):
		return "", errors.New("callee process did not answer in time")
	}
}

// stats asks the callee process to settle and report.
func (p *calleeProc) stats(tb testing.TB) stats {
	tb.Helper()
	if _, err := io.WriteString(p.stdin, "stats\n"); err != nil {
		tb.Fatalf("callee: %v", err)
	}
	line, err := p.next()
	if err != nil {
		tb.Fatalf("callee: %v", err)
	}
	s, err := parseStats(line)
	if err != nil {
		tb.Fatalf("callee: %v", err)
	}
	return s
}

// setUp starts st's callee process and a caller aimed at it, or skips.
func setUp(tb testing.TB, st callStack) (callerSide, *calleeProc) {
	tb.Helper()
	if st.skip != "" {
		tb.Skip(st.skip)
	}
	callee := startCallee(tb, st)
	caller, err := st.newCaller(callee.addr)
	if err != nil {
		tb.Fatalf("%s caller: %v", st.name, err)
	}
	tb.Cleanup(caller.Close)
	return caller, callee
}

// parallel runs do(i) for i in [0, n) on callsInFlight goroutines, each do
// under its own callTimeout, and returns the first error (after which no new
// i starts).
func parallel(n int, do func(ctx context.Context, i int) error) error {
	var (
		next    atomic.Int64
		failed  atomic.Bool
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	for range min(n, callsInFlight) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				err := do(ctx, i)
				cancel()
				if err != nil {
					errOnce.Do(func() { first = fmt.Errorf("call %d: %w", i, err) })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func warmUp(tb testing.TB, caller callerSide) {
	tb.Helper()
	if err := parallel(warmUpCalls, func(ctx context.Context, _ int) error { return caller.Call(ctx) }); err != nil {
		tb.Fatalf("warm-up: %v", err)
	}
}

// BenchmarkCalls makes b.N whole calls, callsInFlight at a time, from a
// caller in this process to a callee in a child process, and reports calls
// per second and the CPU time (user + system, getrusage) each side spent
// per call. ns/op is wall time per call with callsInFlight overlapping, so
// it is 1e9 / calls/s.
//
//	go test -run='^$' -bench='^BenchmarkCalls$' -benchtime=20000x ./
func BenchmarkCalls(b *testing.B) {
	for _, st := range callStacks {
		b.Run(st.name, func(b *testing.B) {
			caller, callee := setUp(b, st)
			warmUp(b, caller)
			calleeBefore := callee.stats(b)
			strays := strayResponses(caller)
			drops := udpRcvbufErrors()
			var memBefore, memAfter runtime.MemStats
			runtime.ReadMemStats(&memBefore)
			cpuBefore := cpuTime()
			start := time.Now()
			b.ResetTimer()
			err := parallel(b.N, func(ctx context.Context, _ int) error { return caller.Call(ctx) })
			b.StopTimer()
			elapsed := time.Since(start)
			cpu := cpuTime() - cpuBefore
			runtime.ReadMemStats(&memAfter)
			drops = udpRcvbufErrors() - drops
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			writeHeapProfile(b, st.name, "ended")
			calleeAfter := callee.stats(b)
			n := float64(b.N)
			b.ReportMetric(n/elapsed.Seconds(), "calls/s")
			b.ReportMetric(float64(cpu.Microseconds())/n, "caller-cpu-µs/call")
			b.ReportMetric(float64((calleeAfter.cpu-calleeBefore.settled).Microseconds())/n, "callee-cpu-µs/call")
			// What the caller allocated (the harness's goroutine and context
			// a call included): the garbage collector's work follows it.
			b.ReportMetric(float64(memAfter.TotalAlloc-memBefore.TotalAlloc)/n, "caller-B/call")
			b.ReportMetric(float64(memAfter.Mallocs-memBefore.Mallocs)/n, "caller-allocs/call")
			b.ReportMetric((calleeAfter.allocated-calleeBefore.allocated)/n, "callee-B/call")
			b.ReportMetric((calleeAfter.allocs-calleeBefore.allocs)/n, "callee-allocs/call")
			if drops >= 0 {
				b.ReportMetric(float64(drops), "udp-drops")
			}
			if strays >= 0 {
				b.ReportMetric(float64(strayResponses(caller)-strays)/n, "stray-responses/call")
			}
		})
	}
}

// BenchmarkConfirmedCalls establishes b.N calls (callsInFlight at a time)
// and holds them all confirmed at once, then measures what each side holds
// per call: heap after GC (B/call, callee-B/call), goroutine stacks
// (stack-B/call, callee-stack-B/call), goroutines, and armed timers when the
// stack can count them. Then it hangs them all up (not timed). ns/op is the
// wall time to establish one call with callsInFlight overlapping.
//
// b.N is the number of concurrent calls: the figure is
//
//	go test -run='^$' -bench='^BenchmarkConfirmedCalls$' -benchtime=10000x ./
//
// while -benchtime=1x (make test) holds one call and only checks that the
// harness works; its per-call figures are noise.
//
// The state is measured once the last ACK has been handled and the
// goroutine count has settled (settle), so the INVITE transactions are
// still in their RFC 6026 Accepted/Confirmed wait (64×T1 = 32 s), with
// whatever timers that takes. BENCH_IDLE_WAIT=35s measures a second time
// after that long, when the calls are idle — the state a long call keeps —
// and reports those figures prefixed "idle-".
func BenchmarkConfirmedCalls(b *testing.B) {
	var idleWait time.Duration
	if v := os.Getenv("BENCH_IDLE_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("BENCH_IDLE_WAIT: %v", err)
		}
		idleWait = d
	}
	for _, st := range callStacks {
		b.Run(st.name, func(b *testing.B) {
			caller, callee := setUp(b, st)
			warmUp(b, caller)
			calls := make([]confirmedCall, b.N)
			calleeBefore := callee.stats(b)
			callerBefore := procStats(caller)

			b.ResetTimer()
			err := parallel(b.N, func(ctx context.Context, i int) error {
				c, err := caller.Establish(ctx)
				calls[i] = c
				return err
			})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}

			report := func(prefix string) {
				callerNow, calleeNow := procStats(caller), callee.stats(b)
				writeHeapProfile(b, st.name, prefix)
				n := float64(b.N)
				b.ReportMetric((callerNow.heap-callerBefore.heap)/n, prefix+"B/call")
				b.ReportMetric((callerNow.stack-callerBefore.stack)/n, prefix+"stack-B/call")
				b.ReportMetric((callerNow.goroutines-callerBefore.goroutines)/n, prefix+"goroutines/call")
				b.ReportMetric((calleeNow.heap-calleeBefore.heap)/n, prefix+"callee-B/call")
				b.ReportMetric((calleeNow.stack-calleeBefore.stack)/n, prefix+"callee-stack-B/call")
				b.ReportMetric((calleeNow.goroutines-calleeBefore.goroutines)/n, prefix+"callee-goroutines/call")
				if callerNow.timers >= 0 {
					b.ReportMetric((callerNow.timers-callerBefore.timers)/n, prefix+"timers/call")
				}
				if calleeNow.timers >= 0 {
					b.ReportMetric((calleeNow.timers-calleeBefore.timers)/n, prefix+"callee-timers/call")
				}
			}
			report("")
			if idleWait > 0 {
				time.Sleep(idleWait)
				report("idle-")
			}

			if err := parallel(b.N, func(ctx context.Context, i int) error {
				return calls[i].Hangup(ctx)
			}); err != nil {
				b.Fatalf("hang-up: %v", err)
			}
			runtime.KeepAlive(calls)
		})
	}
}

// writeHeapProfile writes the caller's heap profile, as BenchmarkConfirmedCalls
// measures it, to $BENCH_HEAP_PROFILE.<stack>[.idle] when that is set:
// what a held call keeps, by allocation site (go tool pprof -sample_index=inuse_space).
// BenchmarkCalls writes $BENCH_HEAP_PROFILE.<stack>.ended right after its
// calls: what ended calls still hold while their transactions wait.
func writeHeapProfile(tb testing.TB, stack, prefix string) {
	base := os.Getenv("BENCH_HEAP_PROFILE")
	if base == "" {
		return
	}
	name := base + "." + stack
	if prefix != "" {
		name += "." + strings.TrimSuffix(prefix, "-")
	}
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		tb.Fatal(err)
	}
}

// TestCalls checks each ready stack's caller and callee do whole calls and
// hold and hang up confirmed ones, through the same child-process harness.
func TestCalls(t *testing.T) {
	for _, st := range callStacks {
		t.Run(st.name, func(t *testing.T) {
			caller, callee := setUp(t, st)
			if err := parallel(10, func(ctx context.Context, _ int) error { return caller.Call(ctx) }); err != nil {
				t.Fatal(err)
			}
			calls := make([]confirmedCall, 10)
			if err := parallel(len(calls), func(ctx context.Context, i int) (err error) {
				calls[i], err = caller.Establish(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := parallel(len(calls), func(ctx context.Context, i int) error {
				return calls[i].Hangup(ctx)
			}); err != nil {
				t.Fatal(err)
			}
			if s := callee.stats(t); s.goroutines <= 0 {
				t.Errorf("callee stats: %v", s)
			}
		})
	}
}
