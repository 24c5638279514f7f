//go:build !linux

package transport

// readBatches reads with recvmmsg(2) on Linux only; elsewhere readLoop
// reads one datagram at a time.
func (s *udpSocket) readBatches() bool { return false }
