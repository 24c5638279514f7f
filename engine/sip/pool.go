package sip

// freeMessages holds the Messages that ReleaseMessage gave back, for the
// next datagrams a transport reads. A channel rather than a sync.Pool: the
// reader goroutine takes and the loop goroutine gives, and a sync.Pool
// used across processors like that allocates for its own bookkeeping
// (and is emptied by every collection). Its bound caps what an idle stack
// keeps: 64 Messages, 96 KiB.
var freeMessages = make(chan *Message, 64)

// AcquireMessage returns an empty Message to parse a received datagram
// into: one that ReleaseMessage gave back, or a new one.
func AcquireMessage() *Message {
	select {
	case m := <-freeMessages:
		return m
	default:
		return new(Message)
	}
}

// ReleaseMessage gives m back for reuse once nobody holds it: neither the
// pointer nor a slice of its header index (Headers can point into the
// Message itself). Values read from it may be kept, strings included:
// they point into the datagram, which is never reused. m is cleared at
// once, so as not to keep the datagram alive while pooled; built with the
// race detector, it is only cleared and never reused, so that a holder
// reads an empty message and the tests fail (pool_race.go).
func ReleaseMessage(m *Message) {
	*m = Message{}
	if poolReuse {
		select {
		case freeMessages <- m:
		default:
		}
	}
}
