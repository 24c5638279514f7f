//go:build linux

package transport

import (
	"bytes"
	"net"
	"strconv"
	"testing"
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
