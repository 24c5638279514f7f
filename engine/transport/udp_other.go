//go:build !linux

package transport

// readBatches reads with recvmmsg(2) on Linux only; elsewhere readLoop
// reads one datagram at a time.
func (s *udpSocket) readBatches() bool { return false }

// sendBatch is how many datagrams a batching Layer queues before it
// writes them without waiting for Flush.
const sendBatch = 16

// batchWriter is the sendmmsg(2) state of Linux; none here.
type batchWriter struct{}

// writeBatch writes one datagram at a time outside Linux.
func (s *udpSocket) writeBatch(out []outDatagram) (int, error) { return s.writeOne(out) }
