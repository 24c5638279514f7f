package ua

// Issue 7, point 4: what 10,000 active subscriptions cost, in memory
// (bytes kept per subscription, subscriber and notifier side) and in CPU
// (each refresh: SUBSCRIBE, 200, NOTIFY with the state again, 200), on
// the virtual clock and in-memory network of the scenario tests.
//
//	go test -run '^$' -bench BenchmarkSubscriptions -benchtime 3x ./engine/ua/
//
// Sub-benchmarks: notifier=ua is two UAs (the bytes are both sides
// together); notifier=raw is a UA subscribing to a scripted notifier that
// keeps nothing per subscription, so its bytes are the subscriber side
// alone. The notifier side is the difference. Each iteration moves the
// clock across one refresh period, in which every subscription refreshes
// once; CPU is the process's (getrusage: user+system, GC included) over
// that iteration.

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit"
	"github.com/sk400vop/sk400vop/engine/transport"
)

func BenchmarkSubscriptions(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, exp := range []time.Duration{600 * time.Second, 3600 * time.Second} {
			for _, kind := range []string{"ua", "raw"} {
				b.Run(fmt.Sprintf("n=%d/expires=%v/notifier=%s", n, exp, kind), func(b *testing.B) {
					benchSubscriptions(b, n, exp, kind == "raw")
				})
			}
		}
	}
}

func benchSubscriptions(b *testing.B, n int, expires time.Duration, raw bool) {
	clk := testkit.NewClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	nw := testkit.NewNetwork(clk, 1)
	doc, err := Presence{Entity: "sip:bob@10.0.0.2", Tuples: []Tuple{{ID: "t1", Open: true, Note: "at my desk"}}}.Marshal()
	if err != nil {
		b.Fatal(err)
	}

	var active, terminated, refreshes int
	newUA := func(name, ip string, ev Events) *UA {
		r := &uaRelay{}
		ep := nw.Endpoint(transport.UDP, netip.MustParseAddrPort(ip+":5060"), r)
		u, err := New(Config{Clock: clk, Transport: ep, Rand: rand.New(rand.NewPCG(uint64(len(name)), 7)), Events: ev})
		if err != nil {
			b.Fatal(err)
		}
		r.ua = u
		if _, err := u.AddAccount(AccountConfig{
			AOR:     mustURI("sip:" + name + "@" + ip),
			Contact: mustURI("sip:" + name + "@" + ip + ":5060"),
			Via:     sip.Via{Transport: "UDP", Host: ip, Port: 5060},
		}); err != nil {
			b.Fatal(err)
		}
		return u
	}
	alice := newUA("alice", "10.0.0.1", Events{Subscription: func(_ *Subscription, ev SubscriptionEvent) {
		switch ev.State {
		case Active:
			active++
		case Terminated:
			terminated++
		}
	}})
	acc := alice.accounts[0]
	if raw {
		rn := &rawNotifier{addr: netip.MustParseAddrPort("10.0.0.2:5060"), body: doc}
		rn.ep = nw.Endpoint(transport.UDP, rn.addr, rn)
	} else {
		newUA("bob", "10.0.0.2", Events{
			IncomingSubscription: func(nt *Notifier) {
				if err := nt.Accept(Active, doc, PIDFType); err != nil {
					b.Error(err)
				}
			},
			NotifierEvent: func(_ *Notifier, ev NotifierEvent) {
				if ev.State == Terminated {
					terminated++
				} else {
					refreshes++
				}
			},
		})
	}
	target := mustURI("sip:bob@10.0.0.2:5060")
	opts := SubscribeOptions{Event: "presence", Accept: []string{PIDFType}, Expires: expires}

	before := heapInUse()
	start := clk.Now()
	for i := 0; i < n; i++ {
		if _, err := acc.Subscribe(target, opts); err != nil {
			b.Fatal(err)
		}
		if i%500 == 499 {
			clk.Advance(10 * time.Millisecond)
		}
	}
	// Every transaction gone (Timer J, 32 s), only the subscriptions left.
	clk.Advance(40 * time.Second)
	if active != n || terminated != 0 {
		b.Fatalf("%d active, %d terminated of %d", active, terminated, n)
	}
	perSub := float64(heapInUse()-before) / float64(n)

	// Refreshes go at granted − max(granted/10, min(30 s, granted/2)),
	// then every such period; iterations run from mid-period to mid-period.
	period := expires - max(expires/10, min(30*time.Second, expires/2))
	clk.Advance(start.Add(period / 2).Sub(clk.Now()))
	active, refreshes = 0, 0
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cpuTime()
		clk.Advance(period)
		cpu += cpuTime() - c0
	}
	b.StopTimer()
	// Each refresh brings the state again in a NOTIFY (RFC 6665 §4.2.1.2).
	if active != n*b.N || terminated != 0 || (!raw && refreshes != n*b.N) {
		b.Fatalf("%d NOTIFYs, %d refreshes at the notifier, %d terminated; want %d", active, refreshes, terminated, n*b.N)
	}
	perRefresh := cpu / time.Duration(n*b.N)
	b.ReportMetric(perSub, "B/subscription")
	b.ReportMetric(float64(perRefresh)/1e3, "µs-CPU/refresh")
	// At that scale the refreshes cost n per period of CPU each.
	b.ReportMetric(float64(n)*perRefresh.Seconds()/period.Seconds(), "CPU-s/s")
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawNotifier is a notifier without a stack that keeps nothing per
// subscription: it answers each SUBSCRIBE 200 and sends a NOTIFY with
// its one body, and ignores what else comes.
type rawNotifier struct {
	addr netip.AddrPort
	ep   *testkit.Endpoint
	body []byte
	cseq uint32 // one counter for all dialogs: it rises in each
}

func (r *rawNotifier) HandleFlowError(transport.Addr, error) {}

func (r *rawNotifier) HandleMessage(req *sip.Message, src transport.Addr) {
	if !req.IsRequest() || req.Method() != "SUBSCRIBE" {
		return
	}
	exp, _ := req.Expires()
	resp := sip.NewResponse(req, 200, "")
	resp.SetToTag("rawn")
	resp.Set("Contact", "<sip:bob@10.0.0.2:5060>")
	resp.Set("Expires", itoa(int(exp)))
	_ = r.ep.Send(src, resp)

	from, _ := req.From()
	to, _ := req.To()
	if to.Tag() == "" {
		to.Params = to.Params.With("tag", "rawn")
	}
	contact, _ := req.Contact()
	r.cseq++
	state := "active;expires=" + itoa(int(exp))
	if exp == 0 {
		state = "terminated;reason=timeout"
	}
	notify, err := sip.NewRequest(sip.RequestSpec{
		Method: "NOTIFY", RequestURI: contact.URI, From: to, To: from, CallID: req.CallID(), CSeq: r.cseq,
		Via:         sip.Via{Transport: "UDP", Host: "10.0.0.2", Port: 5060},
		Contact:     sip.NameAddr{URI: mustURI("sip:bob@10.0.0.2:5060")},
		ContentType: PIDFType, Body: r.body,
	})
	if err != nil {
		panic(err)
	}
	notify.Set("Event", "presence")
	notify.Set("Subscription-State", state)
	_ = r.ep.Send(src, notify)
}
