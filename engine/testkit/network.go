package testkit

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/transport"
)

// ErrConnRefused is returned by a TCP or TLS Send to an address where no
// endpoint of that protocol is registered.
var ErrConnRefused = errors.New("testkit: connection refused")

// ErrFlowClosed is returned by a TCP or TLS Send over a flow that Cut broke
// or that no longer exists, and is the error HandleFlowError reports.
var ErrFlowClosed = errors.New("testkit: flow closed")

// reorderSpan is the fixed part of the extra delay a reordered datagram
// gets, so that reordering happens even on a link without jitter.
const reorderSpan = 10 * time.Millisecond

// Impairment describes one direction of a link. The probabilities are
// between 0 and 1 and are drawn per datagram; Delay and Jitter apply to
// every protocol, the rest to UDP only.
type Impairment struct {
	Loss      float64 // probability a datagram is lost
	Duplicate float64 // probability a datagram is delivered twice, the copy with its own delay
	// Reorder is the probability a datagram is held back by an extra delay
	// drawn uniformly from (0, 4*Jitter+10ms], so that datagrams sent
	// shortly after it overtake it.
	Reorder float64
	Delay   time.Duration // fixed one-way delay
	Jitter  time.Duration // extra delay drawn uniformly from [0, Jitter]
}

// Stats counts the traffic of one direction between two addresses, all
// protocols together. Every message Send accepted, and every duplicate,
// ends up Delivered or Dropped once it is no longer in flight.
type Stats struct {
	Sent        int // messages Send accepted (a refused TCP or TLS Send is not counted)
	Duplicated  int // extra copies the network made
	Delivered   int // messages handed to the destination's HandleMessage
	Dropped     int // lost, cut off, sent to nobody, or unparsable
	ParseErrors int // the part of Dropped that sip.Parse refused on arrival
}

// Network is an in-memory network of endpoints on a virtual Clock. Every
// delivery and flow error is a callback on that clock, so nothing arrives
// until the test advances it. All randomness comes from the seed: the same
// seed and the same sends give the same losses, copies and delays.
//
// Its methods are safe for concurrent use, and handlers may send from
// inside HandleMessage and HandleFlowError.
type Network struct {
	clk *Clock

	mu        sync.Mutex
	rng       *rand.Rand
	endpoints map[epKey]*Endpoint
	links     map[link]*linkState
	pairs     map[pair]*pairState
	lastFlow  uint64
}

// NewNetwork returns an empty network on clk whose randomness comes from
// seed.
func NewNetwork(clk *Clock, seed int64) *Network {
	return &Network{
		clk:       clk,
		rng:       rand.New(rand.NewPCG(uint64(seed), 0x5ee4)),
		endpoints: make(map[epKey]*Endpoint),
		links:     make(map[link]*linkState),
		pairs:     make(map[pair]*pairState),
	}
}

// Endpoint is a host's transport of one protocol at one address. It
// implements transport.Sender; what reaches it goes to its Handler.
type Endpoint struct {
	n     *Network
	proto transport.Proto
	addr  netip.AddrPort
	h     transport.Handler
}

var _ transport.Sender = (*Endpoint)(nil)

// Endpoint registers a host speaking proto at addr, whose messages and flow
// errors go to h. The same address may hold one endpoint per protocol;
// registering a (proto, addr) twice panics.
func (n *Network) Endpoint(proto transport.Proto, addr netip.AddrPort, h transport.Handler) *Endpoint {
	if h == nil {
		panic("testkit: Endpoint with a nil Handler")
	}
	if proto != transport.UDP && !proto.Reliable() {
		panic(fmt.Sprintf("testkit: Endpoint with unknown %v", proto))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	k := epKey{proto, addr}
	if n.endpoints[k] != nil {
		panic(fmt.Sprintf("testkit: endpoint %v registered twice", transport.Addr{Proto: proto, Addr: addr}))
	}
	e := &Endpoint{n: n, proto: proto, addr: addr, h: h}
	n.endpoints[k] = e
	return e
}

// Addr returns the endpoint's protocol and address, with no flow.
func (e *Endpoint) Addr() transport.Addr {
	return transport.Addr{Proto: e.proto, Addr: e.addr}
}

// Send serialises msg at once (msg may change afterwards) and puts it on
// the network towards dst, whose Proto must be the endpoint's. Over UDP a
// datagram to nobody, or across a Cut, is silently dropped. Over TCP and
// TLS Send fails with ErrConnRefused if nobody listens at dst, and with
// ErrFlowClosed if the pair is Cut (both ends then also get
// HandleFlowError) or if dst.Flow names a flow that no longer exists; a
// dst.Flow of 0 uses the live flow between the two or opens a new one.
func (e *Endpoint) Send(dst transport.Addr, msg *sip.Message) error {
	if msg == nil {
		return errors.New("testkit: Send of a nil message")
	}
	if dst.Proto != e.proto {
		return fmt.Errorf("testkit: %v endpoint %v cannot send to %v", e.proto, e.addr, dst)
	}
	data := msg.AppendTo(make([]byte, 0, msg.Size()))
	n := e.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if e.proto.Reliable() {
		return n.sendStream(e, dst, data)
	}
	n.sendDatagram(e, dst, data)
	return nil
}

// Impair sets the impairment of the direction from → to, for every
// protocol; it replaces the previous one. The zero Impairment, the
// default, delivers everything with no delay.
func (n *Network) Impair(from, to netip.AddrPort, imp Impairment) {
	for _, p := range []float64{imp.Loss, imp.Duplicate, imp.Reorder} {
		if !(p >= 0 && p <= 1) {
			panic(fmt.Sprintf("testkit: impairment probability %v outside [0, 1]", p))
		}
	}
	if imp.Delay < 0 || imp.Jitter < 0 {
		panic("testkit: negative impairment delay")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.link(link{from, to}).imp = imp
}

// Cut partitions a and b until Restore. Their TCP and TLS flows break: the
// deliveries queued on them are dropped, both ends get HandleFlowError with
// ErrFlowClosed (on the clock, with no delay), and sends between them fail.
// UDP datagrams between them, sent or still in flight, are lost.
func (n *Network) Cut(a, b netip.AddrPort) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := makePair(a, b)
	ps := n.pair(p)
	if ps.cut {
		return
	}
	ps.cut = true
	for _, proto := range []transport.Proto{transport.TCP, transport.TLS} {
		f := ps.flows[proto]
		if f == nil || f.dead {
			continue
		}
		f.dead = true
		for d := range f.queued {
			if d.timer.Stop() {
				n.links[d.l].stats.Dropped++
			}
		}
		clear(f.queued)
		n.notifyBroken(proto, p.lo, p.hi, f.id)
	}
}

// Restore ends a Cut between a and b. Broken flows stay broken: the next
// TCP or TLS Send between them opens a new flow, with a new id.
func (n *Network) Restore(a, b netip.AddrPort) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pair(makePair(a, b)).cut = false
}

// Stats returns the counters of the direction from → to.
func (n *Network) Stats(from, to netip.AddrPort) Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ls := n.links[link{from, to}]; ls != nil {
		return ls.stats
	}
	return Stats{}
}

type epKey struct {
	proto transport.Proto
	addr  netip.AddrPort
}

// link is one direction between two addresses.
type link struct{ from, to netip.AddrPort }

type linkState struct {
	imp   Impairment
	stats Stats
}

// pair is two addresses in either direction, lo <= hi.
type pair struct{ lo, hi netip.AddrPort }

func makePair(a, b netip.AddrPort) pair {
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return pair{a, b}
}

type pairState struct {
	cut   bool
	flows map[transport.Proto]*flow // the latest flow of each reliable protocol
}

// flow is a TCP or TLS connection between a pair.
type flow struct {
	id     uint64
	dead   bool
	last   [2]time.Time // latest delivery scheduled, from lo and from hi, to keep order
	queued map[*delivery]struct{}
}

// delivery is a message in flight on a flow.
type delivery struct {
	timer clock.Timer
	l     link
}

func (n *Network) link(l link) *linkState {
	ls := n.links[l]
	if ls == nil {
		ls = new(linkState)
		n.links[l] = ls
	}
	return ls
}

func (n *Network) pair(p pair) *pairState {
	ps := n.pairs[p]
	if ps == nil {
		ps = &pairState{flows: make(map[transport.Proto]*flow)}
		n.pairs[p] = ps
	}
	return ps
}

// chance draws one Bernoulli trial, consuming no randomness when p is 0 so
// that quiet links leave the sequence of the others alone.
func (n *Network) chance(p float64) bool {
	return p > 0 && n.rng.Float64() < p
}

// delay draws one message's delay on a link with imp.
func (n *Network) delay(imp Impairment, reorder bool) time.Duration {
	d := imp.Delay
	if imp.Jitter > 0 {
		d += time.Duration(n.rng.Int64N(int64(imp.Jitter) + 1))
	}
	if reorder && n.chance(imp.Reorder) {
		d += 1 + time.Duration(n.rng.Int64N(int64(4*imp.Jitter+reorderSpan)))
	}
	return d
}

func (n *Network) sendDatagram(e *Endpoint, dst transport.Addr, data []byte) {
	l := link{e.addr, dst.Addr}
	ls := n.link(l)
	ls.stats.Sent++
	if n.endpoints[epKey{e.proto, dst.Addr}] == nil || n.pair(makePair(l.from, l.to)).cut ||
		n.chance(ls.imp.Loss) {
		ls.stats.Dropped++
		return
	}
	copies := 1
	if n.chance(ls.imp.Duplicate) {
		copies = 2
		ls.stats.Duplicated++
	}
	for i := range copies {
		buf := data
		if i > 0 {
			buf = append([]byte(nil), data...) // each message owns its buffer
		}
		n.schedule(l, e.proto, nil, n.delay(ls.imp, true), buf)
	}
}

func (n *Network) sendStream(e *Endpoint, dst transport.Addr, data []byte) error {
	to := n.endpoints[epKey{e.proto, dst.Addr}]
	if to == nil {
		return fmt.Errorf("%w: %v", ErrConnRefused, dst)
	}
	p := makePair(e.addr, dst.Addr)
	ps := n.pair(p)
	f := ps.flows[e.proto]
	if ps.cut {
		var id uint64
		if f != nil {
			id = f.id
		}
		n.notifyBroken(e.proto, e.addr, dst.Addr, id)
		return fmt.Errorf("%w: %v (cut)", ErrFlowClosed, dst)
	}
	if dst.Flow != 0 && (f == nil || f.dead || f.id != dst.Flow) {
		return fmt.Errorf("%w: %v", ErrFlowClosed, dst)
	}
	if f == nil || f.dead {
		n.lastFlow++
		f = &flow{id: n.lastFlow, queued: make(map[*delivery]struct{})}
		ps.flows[e.proto] = f
	}
	l := link{e.addr, dst.Addr}
	ls := n.link(l)
	ls.stats.Sent++
	dir := 0
	if e.addr != p.lo {
		dir = 1
	}
	now := n.clk.Now()
	at := now.Add(n.delay(ls.imp, false))
	if at.Before(f.last[dir]) {
		at = f.last[dir] // a stream never lets a message overtake an earlier one
	}
	f.last[dir] = at
	n.schedule(l, e.proto, f, at.Sub(now), data)
	return nil
}

// schedule arms the arrival of data on l after d. The caller holds n.mu.
func (n *Network) schedule(l link, proto transport.Proto, f *flow, d time.Duration, data []byte) {
	dv := &delivery{l: l}
	dv.timer = n.clk.AfterFunc(d, func() { n.deliver(dv, proto, f, data) })
	if f != nil {
		f.queued[dv] = struct{}{}
	}
}

// deliver parses what arrives and hands it to the destination, without the
// lock, so that the handler may send.
func (n *Network) deliver(dv *delivery, proto transport.Proto, f *flow, data []byte) {
	msg, err := sip.Parse(data)
	n.mu.Lock()
	ls := n.links[dv.l]
	to := n.endpoints[epKey{proto, dv.l.to}]
	var id uint64
	if f != nil {
		delete(f.queued, dv)
		id = f.id
	}
	switch {
	case f != nil && f.dead, f == nil && n.pair(makePair(dv.l.from, dv.l.to)).cut, to == nil:
		ls.stats.Dropped++
		n.mu.Unlock()
		return
	case err != nil:
		ls.stats.Dropped++
		ls.stats.ParseErrors++
		n.mu.Unlock()
		return
	}
	ls.stats.Delivered++
	n.mu.Unlock()
	to.h.HandleMessage(msg, transport.Addr{Proto: proto, Addr: dv.l.from, Flow: id})
}

// notifyBroken tells the proto endpoints at a and b, on the clock, that
// their flow id broke. The caller holds n.mu.
func (n *Network) notifyBroken(proto transport.Proto, a, b netip.AddrPort, id uint64) {
	for _, side := range [2][2]netip.AddrPort{{a, b}, {b, a}} {
		e := n.endpoints[epKey{proto, side[0]}]
		if e == nil {
			continue
		}
		peer := transport.Addr{Proto: proto, Addr: side[1], Flow: id}
		n.clk.AfterFunc(0, func() { e.h.HandleFlowError(peer, ErrFlowClosed) })
		if a == b {
			break // a flow to oneself has one end
		}
	}
}
