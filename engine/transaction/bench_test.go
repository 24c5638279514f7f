package transaction

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// BenchmarkNonInviteUDP measures OPTIONS transactions per second between
// two engine instances over loopback UDP, 32 in flight at a time.
func BenchmarkNonInviteUDP(b *testing.B) {
	const window = 32
	server := newStack(b, &answering{}, nil, transport.ListenSpec{Proto: transport.UDP, Address: "127.0.0.1:0"})
	client := newStack(b, &answering{}, nil, transport.ListenSpec{Proto: transport.UDP, Address: "127.0.0.1:0"})
	dst := server.addr(b, transport.UDP)
	local := client.addr(b, transport.UDP)
	ruri, _ := sip.ParseURI("sip:bob@" + dst.Addr.String())
	from, _ := sip.ParseNameAddr("<sip:alice@example.com>")
	to, _ := sip.ParseNameAddr("<sip:bob@example.com>")
	via := sip.Via{Transport: "UDP", Host: local.Addr.Addr().String(), Port: int(local.Addr.Port())}

	var started, completed, failed atomic.Int64
	done := make(chan struct{})
	var h ClientHandler
	var next func()
	next = func() { // runs on the client's loop
		if started.Add(1) > int64(b.N) {
			return
		}
		req, _ := sip.NewRequest(sip.RequestSpec{Method: "OPTIONS", RequestURI: ruri, From: from, To: to, Via: via})
		if _, err := client.tx.Request(req, dst, h); err != nil {
			b.Error(err)
		}
	}
	h = ClientFuncs{
		Response: func(_ *ClientTx, resp *sip.Message) {
			if resp.StatusCode() >= 200 && completed.Add(1) == int64(b.N) {
				close(done)
			} else if resp.StatusCode() >= 200 {
				next()
			}
		},
		Failure: func(*ClientTx, error) {
			failed.Add(1)
			if completed.Add(1) == int64(b.N) {
				close(done)
			} else {
				next()
			}
		},
	}
	b.ResetTimer()
	start := time.Now()
	client.loop.Do(func() {
		for range window {
			next()
		}
	})
	<-done
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
	if failed.Load() > 0 {
		b.ReportMetric(float64(failed.Load()), "failed")
	}
}

// BenchmarkLiveTransactions measures what 100,000 live transactions cost:
// heap bytes and goroutines per transaction, client INVITEs waiting for an
// answer and server INVITEs waiting for their TU, each with its request.
func BenchmarkLiveTransactions(b *testing.B) {
	const n = 100000
	for range b.N {
		clk := testkit.NewClock(t0)
		l := New(Config{Clock: clk, Transport: discard{}, MaxTransactions: 2 * n}, &tuOnlyStray{})
		reqs := make([]*sip.Message, n)
		for i := range reqs {
			reqs[i] = newRequest("INVITE", i)
		}
		g0, m0 := runtime.NumGoroutine(), heapBytes()
		for _, req := range reqs {
			l.Request(req, udpPeer, ClientFuncs{})
		}
		g1, m1 := runtime.NumGoroutine(), heapBytes()
		b.ReportMetric(float64(m1-m0)/n, "B/client-tx")
		b.ReportMetric(float64(g1-g0)/n, "goroutines/tx")

		server := New(Config{Clock: clk, Transport: discard{}, MaxTransactions: 2 * n}, silentTU{})
		m2 := heapBytes()
		for _, req := range reqs {
			server.HandleMessage(req, udpPeer)
		}
		m3 := heapBytes()
		b.ReportMetric(float64(m3-m2)/n, "B/server-tx")
		if c, _ := l.Len(); c != n {
			b.Fatalf("%d live client transactions", c)
		}
		runtime.KeepAlive(reqs)
	}
}

func heapBytes() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

type discard struct{}

func (discard) Send(transport.Addr, *sip.Message) error { return nil }

type silentTU struct{ tuOnlyStray }

func (silentTU) OnRequest(*ServerTx, *sip.Message) {}

// BenchmarkClientTx measures what one client transaction over UDP costs in
// allocations, on the virtual clock so that only the layer allocates: the
// request goes out, is retransmitted once (Timer A or E), is answered with
// 200 and waits out Timer M or K.
func BenchmarkClientTx(b *testing.B) {
	for _, m := range []string{"INVITE", "BYE"} {
		b.Run(m, func(b *testing.B) {
			run := clientTxRun(m, 1)
			b.ReportAllocs()
			for range b.N {
				run()
			}
		})
	}
}

// clientTxRun returns a function that runs one client transaction for
// method over UDP to its end: sent, retransmitted for t1s*T1 (once for 1),
// answered with 200 and ended by Timer M (INVITE) or K. Each run reuses the
// same request and response, so what it allocates is the transaction's own.
func clientTxRun(method string, t1s int) func() {
	clk := testkit.NewClock(t0)
	l := New(Config{Clock: clk, Transport: discard{}}, &tuOnlyStray{})
	req := newRequest(method, 1)
	ok := sip.NewResponse(req, 200, "")
	ok.SetToTag("b1")
	ok, _ = sip.Parse(ok.AppendTo(nil))
	var h ClientFuncs
	return func() {
		if _, err := l.Request(req, udpPeer, h); err != nil {
			panic(err)
		}
		clk.Advance(time.Duration(t1s) * l.cfg.T1)
		l.HandleMessage(ok, udpPeer)
		clk.Advance(64 * l.cfg.T1) // Timer M or K: the transaction ends
		if c, _ := l.Len(); c != 0 {
			panic("transaction left behind")
		}
	}
}

// BenchmarkServerTx measures what one server transaction over UDP costs in
// allocations, on the virtual clock: an INVITE answered 200 (Accepted,
// then Timer L), an INVITE answered 486, retransmitted once by Timer G and
// ACKed (then Timer I), and an OPTIONS answered 200 (then Timer J).
func BenchmarkServerTx(b *testing.B) {
	for _, c := range []struct {
		name   string
		method string
		code   int
	}{{"INVITE-200", "INVITE", 200}, {"INVITE-486", "INVITE", 486}, {"OPTIONS-200", "OPTIONS", 200}} {
		b.Run(c.name, func(b *testing.B) {
			run := serverTxRun(c.method, c.code, 1)
			b.ReportAllocs()
			for range b.N {
				run()
			}
		})
	}
}

// serverTxRun returns a function that runs one server transaction for
// method over UDP to its end: the request arrives and the TU answers it at
// once with code. A 3xx-6xx to an INVITE is retransmitted by Timer G for
// t1s*T1 (once for 1, at T1; four times for 15) and then ACKed. Each run
// reuses the same request, response and ACK, so what it allocates is the
// transaction's own.
func serverTxRun(method string, code, t1s int) func() {
	clk := testkit.NewClock(t0)
	req, _ := sip.Parse(newRequest(method, 1).AppendTo(nil))
	resp := sip.NewResponse(req, code, "")
	resp.SetToTag("b1")
	u := &answerTU{resp: resp}
	l := New(Config{Clock: clk, Transport: discard{}}, u)
	ack, _ := sip.Parse(sip.NewAck(req, resp).AppendTo(nil))
	return func() {
		l.HandleMessage(req, udpPeer)
		if u.err != nil {
			panic(u.err)
		}
		if method == "INVITE" && code >= 300 {
			clk.Advance(time.Duration(t1s) * l.cfg.T1)
			l.HandleMessage(ack, udpPeer)
			clk.Advance(l.cfg.T4) // Timer I: the transaction ends
		} else {
			clk.Advance(64 * l.cfg.T1) // Timer L or J: the transaction ends
		}
		if _, s := l.Len(); s != 0 || clk.Pending() != 0 {
			panic("transaction or timer left behind")
		}
	}
}

// answerTU answers every request at once with resp.
type answerTU struct {
	tuOnlyStray
	resp *sip.Message
	err  error
}

func (u *answerTU) OnRequest(tx *ServerTx, _ *sip.Message) { u.err = tx.Respond(u.resp) }
