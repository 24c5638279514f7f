package transport

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// TestPingAnsweredWithPong: a CRLFCRLF ping is answered with a CRLF pong
// (RFC 5626 §4.4.1), before and after a message.
func TestPingAnsweredWithPong(t *testing.T) {
	b, hb := newTestLayer(t, Config{Listen: []ListenSpec{{TCP, "127.0.0.1:0"}}})
	nc := dial(t, local(t, b, TCP))
	var f sip.StreamFramer
	for _, data := range [][]byte{pingFrame, append(rawOptions("1"), pingFrame...)} {
		if _, err := nc.Write(data); err != nil {
			t.Fatal(err)
		}
		if fr := readFrame(t, nc, &f); fr.Kind != sip.FramePong {
			t.Fatalf("frame %v, want a pong", fr.Kind)
		}
	}
	hb.message(t)
	if f.Buffered() != 0 {
		t.Fatalf("%d bytes more than the pong", f.Buffered())
	}
}

// TestMissingPong: the peer of a connection we opened never answers our
// pings, so the flow is declared dead (RFC 5626 §4.4.1). Real timers of a
// few tens of milliseconds: this tests the socket layer itself.
func TestMissingPong(t *testing.T) {
	a, ha := newTestLayer(t, Config{KeepAlive: 20 * time.Millisecond, PongTimeout: 40 * time.Millisecond})
	ln, dst := listenRaw(t)
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)); err != nil {
		t.Fatal(err)
	}
	peer := accept(t, ln)
	var f sip.StreamFramer
	if fr := readFrame(t, peer, &f); fr.Kind != sip.FrameMessage {
		t.Fatalf("frame %v", fr.Kind)
	}
	if fr := readFrame(t, peer, &f); fr.Kind != sip.FramePing {
		t.Fatalf("frame %v, want a ping", fr.Kind)
	}
	fl := ha.failure(t)
	if !errors.Is(fl.err, ErrPongTimeout) || fl.flow.Addr != dst.Addr || fl.flow.Flow == 0 {
		t.Fatalf("flow %v: %v", fl.flow, fl.err)
	}
	expectEOF(t, peer)
}

// TestPongsKeepFlow: a peer that answers every ping keeps the flow up
// for many intervals, and pongs do not reach the Handler.
func TestPongsKeepFlow(t *testing.T) {
	// Pings every 8-10 ms, each pong due within 100 ms: were the pongs
	// ignored, the flow would die before the 25th ping.
	a, ha := newTestLayer(t, Config{KeepAlive: 10 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	ln, dst := listenRaw(t)
	if err := a.Send(dst, newRequest(t, "OPTIONS", "TCP", netip.MustParseAddrPort("127.0.0.1:5060"), nil)); err != nil {
		t.Fatal(err)
	}
	peer := accept(t, ln)
	var f sip.StreamFramer
	pings := 0
	for pings < 25 {
		switch fr := readFrame(t, peer, &f); fr.Kind {
		case sip.FramePing:
			pings++
			if _, err := peer.Write(pongFrame); err != nil {
				t.Fatal(err)
			}
		case sip.FrameMessage:
		default:
			t.Fatalf("frame %v", fr.Kind)
		}
	}
	select {
	case fl := <-ha.fails:
		t.Fatalf("flow failed: %v", fl.err)
	case r := <-ha.msgs:
		t.Fatalf("message %v", r.msg)
	default:
	}
	if a.Stats().Conns != 1 {
		t.Fatal("connection gone")
	}
}

func TestJitter(t *testing.T) {
	d := 100 * time.Millisecond
	for range 1000 {
		if j := jitter(d); j < d*8/10 || j > d {
			t.Fatalf("jitter(%v) = %v", d, j)
		}
	}
}

func TestKeeperIdle(t *testing.T) {
	k := newKeeper(0, 0, time.Hour)
	defer k.stop()
	if k.pingC() != nil || k.pongC() != nil || k.idleC() == nil {
		t.Fatal("wrong timers armed")
	}
	if k.idleFor(time.Minute) {
		t.Fatal("idle after a minute of an hour")
	}
	if !k.idleFor(time.Hour) {
		t.Fatal("not idle after the timeout")
	}
	off := newKeeper(0, 0, -1)
	if off.idleC() != nil {
		t.Fatal("idle timer armed with a negative timeout")
	}
}
