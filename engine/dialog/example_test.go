package dialog_test

import (
	"fmt"
	"strings"

	"github.com/sk400vop/sk400vop/engine/dialog"
	"github.com/sk400vop/sk400vop/engine/sip"
)

// A UAC makes its dialog from the INVITE it sent and the 2xx it got, then
// sends the ACK and, later, a BYE within it.
func ExampleNewUAC() {
	invite, _ := sip.Parse([]byte("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
		"To: Bob <sip:bob@biloxi.example.com>\r\n" +
		"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
		"Content-Length: 0\r\n\r\n"))
	ok, _ := sip.Parse([]byte("SIP/2.0 200 OK\r\n" +
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n" +
		"Record-Route: <sip:p2.biloxi.example.com;lr>, <sip:p1.atlanta.example.com;lr>\r\n" +
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
		"To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" +
		"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Contact: <sip:bob@192.0.2.4>\r\n" +
		"Content-Length: 0\r\n\r\n"))

	d, err := dialog.NewUAC(invite, ok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.State(), d.ID().RemoteTag, d.RemoteTarget())

	ack, _ := d.NewAck(ok, 314159)
	cseq, _ := ack.CSeq()
	fmt.Println(ack.Method(), ack.RawRequestURI(), cseq)

	via := sip.Via{Transport: "UDP", Host: "pc33.atlanta.example.com", Params: ";branch=z9hG4bKnashds8"}
	bye, _ := d.NewRequest("BYE", via, nil, "")
	fmt.Print(strings.ReplaceAll(bye.String(), "\r\n", "\n"))
	// Output:
	// Confirmed a6c85cf sip:bob@192.0.2.4
	// ACK sip:bob@192.0.2.4 314159 ACK
	// BYE sip:bob@192.0.2.4 SIP/2.0
	// Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8
	// Max-Forwards: 70
	// Route: <sip:p1.atlanta.example.com;lr>
	// Route: <sip:p2.biloxi.example.com;lr>
	// From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
	// To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
	// Call-ID: a84b4c76e66710@pc33.atlanta.example.com
	// CSeq: 314160 BYE
	// Content-Length: 0
}
