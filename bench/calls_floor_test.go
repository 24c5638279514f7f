//go:build linux

package bench

// The floor "stack" of the call benchmarks: the cost floor of any Go SIP
// stack in this harness on this machine. Each call puts on the wire the same
// seven datagrams a real call does (INVITE with callOfferSDP, 100, 180, 200
// with callAnswerSDP, ACK, BYE, 200), as a softphone writes them and about
// as long, through the same harness, with the same socket, batching
// (recvmmsg/sendmmsg) and goroutine hand-offs as sk400vop's side — but with
// zero SIP work: every message is a prebuilt template whose only variable
// part, the call's token (its slot, fixed-width decimal), is patched in on
// send and read back at a fixed offset on receive. No parser, no maps, no
// timers, no retransmissions (loopback with 4 MiB buffers loses nothing; a
// lost datagram times its call out).
//
// So the figures are a lower bound — the kernel's cost per datagram plus the
// Go runtime's and the harness's cost per call — and a stack's CPU per call
// minus the floor's is its SIP work; a target ratio to another stack that the
// floor itself misses is out of reach on this machine.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/net/ipv4"
)

var floorStack = callStack{name: "floor", newCaller: newFloorCaller, newCallee: newFloorCallee}

const (
	floorToken   = "#####" // where a template takes the token: 5 digits
	floorSlots   = 1 << 16 // calls in flight at most (tokens 00000-65535)
	floorBatchIn = 16      // datagrams one recvmmsg may return
)

// floorMsg is a message template and where its token goes.
type floorMsg struct {
	b  []byte
	at []int
}

func newFloorMsg(start string, body []byte, headers ...string) floorMsg {
	b := []byte(start + "\r\n")
	for _, h := range headers {
		b = append(b, h+"\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Type: application/sdp\r\n"...)
	}
	b = fmt.Appendf(b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	m := floorMsg{b: b}
	for i := 0; ; i += len(floorToken) {
		j := bytes.Index(b[i:], []byte(floorToken))
		if j < 0 {
			return m
		}
		i += j
		m.at = append(m.at, i)
	}
}

// put writes the message for call token t into dst's array.
func (m *floorMsg) put(dst []byte, t int) []byte {
	dst = append(dst[:0], m.b...)
	for _, i := range m.at {
		for j, v := i+len(floorToken)-1, t; j >= i; j, v = j-1, v/10 {
			dst[j] = byte('0' + v%10)
		}
	}
	return dst
}

// token reads the token of b, a datagram laid out as m, or returns -1 if b
// is not: its length differs, or the byte before the first token (the Via
// branch's letter: INVITE's, ACK's or BYE's transaction) does.
func (m *floorMsg) token(b []byte) int {
	i := m.at[0]
	if len(b) != len(m.b) || b[i-1] != m.b[i-1] {
		return -1
	}
	t := 0
	for _, c := range b[i : i+len(floorToken)] {
		if c < '0' || c > '9' {
			return -1
		}
		t = t*10 + int(c-'0')
	}
	return t
}

// floorMsgs are the seven messages of a call between caller and callee
// (host:port), headers as a softphone sends them.
type floorMsgs struct{ invite, trying, ringing, ok, ack, bye, byeOK floorMsg }

func newFloorMsgs(caller, callee string) *floorMsgs {
	const t = floorToken
	_, port, _ := net.SplitHostPort(caller)
	branch := func(tx string) string { return ";branch=z9hG4bK" + tx + t + "-d8754z-0c5ae8f1" }
	via := func(tx string) string { return "Via: SIP/2.0/UDP " + caller + ";rport" + branch(tx) }
	// The callee's copy, with the received and rport its side fills in.
	rvia := func(tx string) string {
		return "Via: SIP/2.0/UDP " + caller + ";rport=" + port + ";received=127.0.0.1" + branch(tx)
	}
	from := `From: "Caller" <sip:caller@127.0.0.1>;tag=c` + t + "-7e2b9f04"
	to := "To: <sip:callee@127.0.0.1>"
	toTag, callID := to+";tag=a"+t+"-3c61d8e5", "Call-ID: "+t+"-5f3c8a1e9b7d4c2a6e0f1b3d@127.0.0.1"
	ruri, maxFwd := " sip:callee@"+callee+" SIP/2.0", "Max-Forwards: 70"
	ua, srv := "User-Agent: floor-softphone/1.0.0", "Server: floor-softphone/1.0.0"
	allow := "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE"
	sup, inv := "Supported: replaces, timer, norefersub", "CSeq: 1 INVITE"
	contact := "Contact: <sip:callee@" + callee + ";transport=udp>"
	return &floorMsgs{
		invite: newFloorMsg("INVITE"+ruri, callOfferSDP, via("i"), maxFwd, from, to, callID, inv,
			"Contact: <sip:caller@"+caller+";transport=udp>", ua, allow, sup),
		trying:  newFloorMsg("SIP/2.0 100 Trying", nil, rvia("i"), from, to, callID, inv, srv),
		ringing: newFloorMsg("SIP/2.0 180 Ringing", nil, rvia("i"), from, toTag, callID, inv, contact, srv),
		ok:      newFloorMsg("SIP/2.0 200 OK", callAnswerSDP, rvia("i"), from, toTag, callID, inv, contact, srv, allow, sup),
		ack:     newFloorMsg("ACK"+ruri, nil, via("a"), maxFwd, from, toTag, callID, "CSeq: 1 ACK", ua),
		bye:     newFloorMsg("BYE"+ruri, nil, via("b"), maxFwd, from, toTag, callID, "CSeq: 2 BYE", ua),
		byeOK:   newFloorMsg("SIP/2.0 200 OK", nil, rvia("b"), from, toTag, callID, "CSeq: 2 BYE", srv),
	}
}

// floorBatch is n messages with a buffer of size bytes each.
func floorBatch(n, size int) []ipv4.Message {
	ms := make([]ipv4.Message, n)
	for i := range ms {
		ms[i].Buffers = [][]byte{make([]byte, size)}
	}
	return ms
}

// floorWrite writes ms with as few sendmmsg as it takes.
func floorWrite(pc *ipv4.PacketConn, ms []ipv4.Message) {
	for len(ms) > 0 {
		n, err := pc.WriteBatch(ms, 0)
		if err != nil || n == 0 {
			return
		}
		ms = ms[n:]
	}
}

// floorSocket is a side's socket and its reader goroutine, which ends when
// Close closes the socket.
type floorSocket struct {
	conn *net.UDPConn
	pc   *ipv4.PacketConn
	done chan struct{}
}

func newFloorSocket(addr string) (floorSocket, error) {
	conn, err := listenCallUDP(addr)
	if err != nil {
		return floorSocket{}, err
	}
	return floorSocket{conn, ipv4.NewPacketConn(conn), make(chan struct{})}, nil
}

func (s *floorSocket) Close() {
	s.conn.Close()
	<-s.done
}

// floorCaller's slots are its calls: a call's token is its index, and the
// reader wakes the call's goroutine through the slot's channel.
type floorCaller struct {
	floorSocket
	peer  netip.AddrPort
	m     *floorMsgs
	slots []floorSlot
	mu    sync.Mutex
	free  []int // indexes of slots not in a call
}

// floorSlot is the confirmedCall too, so Establish allocates nothing.
type floorSlot struct {
	c  *floorCaller
	t  int
	ch chan struct{}
}

func newFloorCaller(calleeAddr string) (callerSide, error) {
	peer, err := netip.ParseAddrPort(calleeAddr)
	if err != nil {
		return nil, err
	}
	sock, err := newFloorSocket("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &floorCaller{floorSocket: sock, peer: peer, m: newFloorMsgs(sock.conn.LocalAddr().String(), calleeAddr),
		slots: make([]floorSlot, floorSlots), free: make([]int, floorSlots)}
	for i := range c.slots {
		// Made before the reader starts, so it reads them without a lock.
		c.slots[i] = floorSlot{c: c, t: i, ch: make(chan struct{}, 2)}
		c.free[i] = floorSlots - 1 - i
	}
	go c.read()
	return c, nil
}

// read answers each 200 to an INVITE with its ACK, sent with the rest of
// the batch's ACKs, then wakes the calls whose INVITE or BYE got its 200.
func (c *floorCaller) read() {
	defer close(c.done)
	in, out := floorBatch(floorBatchIn, 2048), floorBatch(floorBatchIn, 1024)
	for i := range out {
		out[i].Addr = net.UDPAddrFromAddrPort(c.peer)
	}
	wake := make([]int, 0, floorBatchIn)
	for {
		n, err := c.pc.ReadBatch(in, 0)
		if err != nil {
			return // closed
		}
		k := 0
		for _, r := range in[:n] {
			b := r.Buffers[0][:r.N]
			if !bytes.HasPrefix(b, []byte("SIP/2.0 200 ")) {
				continue // 100 or 180
			}
			if t := c.m.ok.token(b); t >= 0 {
				out[k].Buffers[0] = c.m.ack.put(out[k].Buffers[0], t)
				k++
				wake = append(wake, t)
			} else if t := c.m.byeOK.token(b); t >= 0 {
				wake = append(wake, t)
			}
		}
		floorWrite(c.pc, out[:k])
		for _, t := range wake {
			select {
			case c.slots[t].ch <- struct{}{}:
			default: // a duplicate: the call already has its signal
			}
		}
		wake = wake[:0]
	}
}

// exchange sends m from the calling goroutine (the buffer stays on its
// stack) and waits for the reader's signal that its 200 came.
func (s *floorSlot) exchange(ctx context.Context, m *floorMsg) error {
	var buf [1024]byte
	if _, err := s.c.conn.WriteToUDPAddrPort(m.put(buf[:0], s.t), s.c.peer); err != nil {
		return err
	}
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Establish sends the INVITE and waits for the reader to have ACKed its 200.
// A call that fails keeps its slot: a late 200 must not wake the next call.
func (c *floorCaller) Establish(ctx context.Context) (confirmedCall, error) {
	c.mu.Lock()
	if len(c.free) == 0 {
		c.mu.Unlock()
		return nil, errors.New("floor: all slots in calls")
	}
	s := &c.slots[c.free[len(c.free)-1]]
	c.free = c.free[:len(c.free)-1]
	c.mu.Unlock()
	if err := s.exchange(ctx, &c.m.invite); err != nil {
		return nil, err
	}
	return s, nil
}

// Hangup sends the BYE, waits for its 200 and frees the slot.
func (s *floorSlot) Hangup(ctx context.Context) error {
	if err := s.exchange(ctx, &s.c.m.bye); err != nil {
		return err
	}
	s.c.mu.Lock()
	s.c.free = append(s.c.free, s.t)
	s.c.mu.Unlock()
	return nil
}

func (c *floorCaller) Call(ctx context.Context) error {
	call, err := c.Establish(ctx)
	if err != nil {
		return err
	}
	return call.Hangup(ctx)
}

// floorCallee answers each INVITE with 100, 180 and 200 and each BYE with
// 200, all of a read batch's replies in one sendmmsg; ACKs are only read.
type floorCallee struct{ floorSocket }

func newFloorCallee(listenAddr string) (calleeSide, error) {
	sock, err := newFloorSocket(listenAddr)
	if err != nil {
		return nil, err
	}
	c := &floorCallee{sock}
	go c.serve()
	return c, nil
}

func (c *floorCallee) serve() {
	defer close(c.done)
	in, out := floorBatch(floorBatchIn, 2048), floorBatch(3*floorBatchIn, 1024)
	var (
		peer netip.AddrPort
		m    *floorMsgs // the templates for peer, the caller they answer
	)
	k := 0
	reply := func(r *ipv4.Message, msg *floorMsg, t int) {
		out[k].Buffers[0], out[k].Addr = msg.put(out[k].Buffers[0], t), r.Addr
		k++
	}
	for {
		n, err := c.pc.ReadBatch(in, 0)
		if err != nil {
			return // closed
		}
		k = 0
		for i := range in[:n] {
			r := &in[i]
			src, ok := r.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			if ap := src.AddrPort(); m == nil || ap != peer {
				peer, m = ap, newFloorMsgs(ap.String(), c.Addr()) // once per caller
			}
			b := r.Buffers[0][:r.N]
			switch {
			case bytes.HasPrefix(b, []byte("INVITE ")):
				if t := m.invite.token(b); t >= 0 {
					reply(r, &m.trying, t)
					reply(r, &m.ringing, t)
					reply(r, &m.ok, t)
				}
			case bytes.HasPrefix(b, []byte("BYE ")):
				if t := m.bye.token(b); t >= 0 {
					reply(r, &m.byeOK, t)
				}
			}
		}
		floorWrite(c.pc, out[:k])
	}
}

func (c *floorCallee) Addr() string { return c.conn.LocalAddr().String() }
