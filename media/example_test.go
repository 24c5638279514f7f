package media_test

import (
	"fmt"
	"net/netip"

	"github.com/sk400vop/sk400vop/media"
)

// media is the method set engine/ua's Media interface asks for; the media
// package does not import the UA, so this checks it here.
var _ interface {
	Offer(hold bool) ([]byte, error)
	Answer(offer []byte, hold bool) ([]byte, error)
	Accept(answer []byte) error
	Rollback()
	Close()
} = (*media.Session)(nil)

// A caller offers, a callee answers, and the caller puts the call on hold.
func Example() {
	caller, err := media.NewSession(media.Config{Addr: netip.MustParseAddr("192.0.2.1"), Port: 4000})
	if err != nil {
		panic(err)
	}
	callee, err := media.NewSession(media.Config{Addr: netip.MustParseAddr("2001:db8::2"), Port: 5000})
	if err != nil {
		panic(err)
	}
	defer caller.Close()
	defer callee.Close()

	exchange := func(from, to *media.Session, hold bool) {
		offer, _ := from.Offer(hold)
		answer, err := to.Answer(offer, false)
		if err != nil {
			panic(err) // the UA would answer 488
		}
		if err := from.Accept(answer); err != nil {
			panic(err)
		}
	}
	exchange(caller, callee, false)
	n := caller.Negotiated()
	fmt.Println(n.RemoteRTP, n.Codec.Name, n.Codec.PayloadType, n.TelephoneEvent, n.Ptime, n.Local, n.Remote)

	exchange(caller, callee, true)
	n = caller.Negotiated()
	fmt.Println(n.Local, n.Remote, n.Sending(), n.Receiving())
	// Output:
	// [2001:db8::2]:5000 PCMU 0 101 20 sendrecv sendrecv
	// sendonly recvonly true false
}
