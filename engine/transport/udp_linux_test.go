//go:build linux

package transport

import (
	"bytes"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// The batch reader takes queued datagrams udpBatch at a time, in order,
// whole (the largest UDP payload too) and with their sources.
func TestBatchReader(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			dst, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(host)})
			if err != nil {
				t.Skipf("cannot listen on %s: %v", host, err)
			}
			defer dst.Close()
			dst.SetReadBuffer(4 << 20)
			src, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(host)})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			const n = 2*udpBatch + 3
			big := bytes.Repeat([]byte("x"), 65507-48) // the largest UDP payload over IPv4 is 65,507 bytes
			want := make([][]byte, n)
			for i := range want {
				want[i] = []byte("datagram " + strconv.Itoa(i))
				if i == udpBatch+1 {
					want[i] = append(want[i], big...)
				}
				if _, err := src.WriteToUDPAddrPort(want[i], dst.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
					t.Fatal(err)
				}
			}
			b := newBatchReader(dst)
			if b == nil {
				t.Fatal("no batch reader")
			}
			defer b.close()
			from := src.LocalAddr().(*net.UDPAddr).AddrPort()
			got := 0
			for got < n {
				k, err := b.read()
				if err != nil {
					t.Fatal(err)
				}
				if k < 1 || k > udpBatch {
					t.Fatalf("read %d datagrams", k)
				}
				for i := range k {
					data, addr := b.datagram(i)
					if !bytes.Equal(data, want[got]) {
						t.Fatalf("datagram %d: %d bytes %.20q", got, len(data), data)
					}
					if addr.Addr().Unmap() != from.Addr().Unmap() || addr.Port() != from.Port() {
						t.Fatalf("datagram %d from %v, want %v", got, addr, from)
					}
					got++
				}
			}
		})
	}
}

// preloadedSockets hands the Layer a UDP socket that already has
// datagrams queued, so its first reads find whole batches.
type preloadedSockets struct {
	netSockets
	pc net.PacketConn
}

func (s preloadedSockets) ListenPacket(string, string) (net.PacketConn, error) { return s.pc, nil }

// Datagrams read in one batch reach the Handler in order and in one post
// per batch; an unparsable one among them is answered and left out.
func TestBatchDelivery(t *testing.T) {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pc.SetReadBuffer(1 << 20)
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	const n = 2*udpBatch + 3
	const broken = udpBatch + 2
	for i := range n {
		b := rawOptions("batch" + strconv.Itoa(i))
		if i == broken {
			b = bytes.Replace(b, []byte("Content-Length: 0"), []byte("Content-Length: -999"), 1)
		}
		if _, err := peer.WriteToUDP(b, pc.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
	}

	lp := newLoop()
	defer lp.close()
	var posts atomic.Int32
	h := &fakeHandler{t: t, lp: lp, msgs: make(chan received, n), fails: make(chan flowFailure, 1)}
	l, err := NewLayer(Config{
		Handler: h, Post: func(f func()) { posts.Add(1); lp.post(f) },
		Sockets: preloadedSockets{pc: pc}, Listen: []ListenSpec{{UDP, "127.0.0.1:0"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range n {
		if i == broken {
			continue
		}
		m := h.message(t).msg
		if want := "batch" + strconv.Itoa(i) + "@example.com"; m.CallID() != want {
			t.Fatalf("message %d has Call-ID %q, want %q", i, m.CallID(), want)
		}
	}
	if p := posts.Load(); p != (n+udpBatch-1)/udpBatch {
		t.Errorf("%d posts for %d datagrams queued at once, want one a batch", p, n)
	}
	peer.SetReadDeadline(time.Now().Add(waitFor))
	buf := make([]byte, 2048)
	k, _, err := peer.ReadFromUDP(buf)
	if err != nil || !bytes.HasPrefix(buf[:k], []byte("SIP/2.0 400 ")) {
		t.Errorf("the unparsable request got %q, %v; want a 400", buf[:k], err)
	}
}
