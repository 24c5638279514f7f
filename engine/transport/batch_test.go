package transport

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// udpPeer is a plain socket that reads what a Layer sends it.
func udpPeer(t *testing.T) (*net.UDPConn, Addr) {
	t.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc, Addr{Proto: UDP, Addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
}

// readCallIDs reads datagrams until d passes without one and returns
// their Call-IDs in order.
func readCallIDs(t *testing.T, pc *net.UDPConn, d time.Duration) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 4096)
	for {
		pc.SetReadDeadline(time.Now().Add(d))
		n, _, err := pc.ReadFromUDP(buf)
		if err != nil {
			return got
		}
		m, err := sip.Parse(append([]byte(nil), buf[:n]...))
		if err != nil {
			t.Fatalf("peer got an unparsable datagram: %v", err)
		}
		got = append(got, m.CallID())
	}
}

func batchRequest(t *testing.T, i int) *sip.Message {
	m, err := sip.Parse(rawOptions("b" + strconv.Itoa(i)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A batching Layer writes what Send queued when Flush is called, in order,
// and by itself once sendBatch datagrams are queued.
func TestBatchedSends(t *testing.T) {
	l, _ := newTestLayer(t, Config{BatchSends: true, Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	peer, dst := udpPeer(t)
	const n = 2*sendBatch + 3
	for i := range n {
		if err := l.Send(dst, batchRequest(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	got := readCallIDs(t, peer, 200*time.Millisecond)
	if len(got) != 2*sendBatch {
		t.Fatalf("before Flush the peer got %d datagrams, want the %d of two full batches", len(got), 2*sendBatch)
	}
	l.Flush()
	got = append(got, readCallIDs(t, peer, 200*time.Millisecond)...)
	if len(got) != n {
		t.Fatalf("the peer got %d datagrams, want %d", len(got), n)
	}
	for i, id := range got {
		if want := "b" + strconv.Itoa(i) + "@example.com"; id != want {
			t.Fatalf("datagram %d is %q, want %q", i, id, want)
		}
	}
}

// tooBig is a response no UDP datagram can carry (the largest holds
// 65,507 bytes over IPv4): the system refuses it with EMSGSIZE.
func tooBig(t *testing.T) *sip.Message {
	resp := sip.NewResponse(batchRequest(t, 99), 200, "")
	resp.SetBody("text/plain", make([]byte, 70000))
	return resp
}

// A queued datagram the system refuses is reported as a flow error on its
// destination; the others still go.
func TestBatchedSendRefused(t *testing.T) {
	l, h := newTestLayer(t, Config{BatchSends: true, Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	peer, dst := udpPeer(t)
	other, otherDst := udpPeer(t)
	for _, m := range []*sip.Message{batchRequest(t, 0), tooBig(t), batchRequest(t, 2)} {
		to := dst
		if m.StatusCode() != 0 {
			to = otherDst
		}
		if err := l.Send(to, m); err != nil {
			t.Fatal(err)
		}
	}
	l.Flush()
	f := h.failure(t)
	if f.flow != otherDst || !errors.Is(f.err, syscall.EMSGSIZE) {
		t.Fatalf("flow error %v on %v, want EMSGSIZE on %v", f.err, f.flow, otherDst)
	}
	if got := readCallIDs(t, peer, 200*time.Millisecond); len(got) != 2 || got[0] != "b0@example.com" || got[1] != "b2@example.com" {
		t.Fatalf("the peer got %q, want b0 and b2", got)
	}
	if got := readCallIDs(t, other, 50*time.Millisecond); len(got) != 0 {
		t.Fatalf("the refused datagram arrived: %q", got)
	}
}

// Without BatchSends, Send writes at once, and a refused datagram is
// Send's error.
func TestUnbatchedSendsAtOnce(t *testing.T) {
	l, _ := newTestLayer(t, Config{Listen: []ListenSpec{{UDP, "127.0.0.1:0"}}})
	peer, dst := udpPeer(t)
	if err := l.Send(dst, batchRequest(t, 0)); err != nil {
		t.Fatal(err)
	}
	if got := readCallIDs(t, peer, 200*time.Millisecond); len(got) != 1 {
		t.Fatalf("the peer got %d datagrams, want 1", len(got))
	}
	if err := l.Send(dst, tooBig(t)); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("sending 70 kB over UDP: %v, want EMSGSIZE", err)
	}
}
