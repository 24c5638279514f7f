package bench

import (
	"strconv"
	"strings"
)

// The messages below are what a softphone (here a Zoiper-like UA at
// 192.0.2.101) and a Kamailio proxy (203.0.113.10) put on the wire in one
// call and one registration: every line ends in CRLF, the SDP and PIDF
// bodies too, and Content-Length is the exact body length.

// wire turns a message written with LF line ends into its wire form: CRLF
// everywhere, and "{CL}" replaced by the length of the body, which is
// whatever follows the first empty line.
func wire(s string) []byte {
	s = strings.ReplaceAll(s, "\n", "\r\n")
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		panic("bench: message without an empty line")
	}
	head = strings.Replace(head, "{CL}", strconv.Itoa(len(body)), 1)
	return []byte(head + "\r\n\r\n" + body)
}

// Shared values, so that both stacks' built INVITE equals the wire INVITE.
const (
	inviteRURI      = "sip:bob@biloxi.example.com"
	inviteViaHost   = "192.0.2.101"
	inviteViaPort   = 5060
	inviteBranch    = "z9hG4bK-524287-1---77ba7dbe6e1e4a25"
	inviteViaParams = ";rport;branch=" + inviteBranch
	inviteVia       = "SIP/2.0/UDP 192.0.2.101:5060" + inviteViaParams
	inviteFromTag   = "9fxced76sl"
	inviteFrom      = `"Alice" <sip:alice@atlanta.example.com>;tag=` + inviteFromTag
	inviteTo        = "<sip:bob@biloxi.example.com>"
	inviteCallID    = "3848276298220188511@atlanta.example.com"
	inviteCSeqNum   = 1
	inviteContact   = "<sip:alice@192.0.2.101:5060;transport=udp>"
	inviteCType     = "application/sdp"
	inviteAllow     = "INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE"
	inviteSupport   = "replaces, outbound, timer"
	inviteUA        = "Zoiper rv2.10.19.5"
)

const offerSDP = `v=0
o=Zoiper 2890844526 2890844526 IN IP4 192.0.2.101
s=Zoiper
c=IN IP4 192.0.2.101
t=0 0
m=audio 49170 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
`

const answerSDP = `v=0
o=- 3862739181 3862739182 IN IP4 198.51.100.20
s=-
c=IN IP4 198.51.100.20
t=0 0
m=audio 31846 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=maxptime:150
a=sendrecv
`

var (
	// INVITE from the softphone to its outbound proxy.
	msgINVITE = wire(`INVITE ` + inviteRURI + ` SIP/2.0
Via: ` + inviteVia + `
Max-Forwards: 70
From: ` + inviteFrom + `
To: ` + inviteTo + `
Call-ID: ` + inviteCallID + `
CSeq: 1 INVITE
Contact: ` + inviteContact + `
Content-Type: ` + inviteCType + `
Allow: ` + inviteAllow + `
Supported: ` + inviteSupport + `
User-Agent: ` + inviteUA + `
Content-Length: {CL}

` + offerSDP)

	// 180 Ringing from the callee's phone to Kamailio: two Vias, the
	// Record-Route Kamailio inserted, the callee's Contact and To tag.
	msg180 = wire(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 203.0.113.10;branch=z9hG4bK3c1a.7f3ee1b2b5f0a3e6c2f2c1d0a9e8b7c6.0
Via: SIP/2.0/UDP 192.0.2.101:5060;received=192.0.2.101;rport=5060;branch=z9hG4bK-524287-1---77ba7dbe6e1e4a25
Record-Route: <sip:203.0.113.10;lr;ftag=9fxced76sl;did=4a1.b9c2>
From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: <sip:bob@biloxi.example.com>;tag=8321234356
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:bob@198.51.100.20:5062;transport=udp>
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, UPDATE
User-Agent: Yealink SIP-T46U 108.86.0.45
Content-Length: {CL}

`)

	// 200 OK with the SDP answer, as Kamailio forwards it to the caller.
	msg200 = wire(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.101:5060;received=192.0.2.101;rport=5060;branch=z9hG4bK-524287-1---77ba7dbe6e1e4a25
Record-Route: <sip:203.0.113.10;lr;ftag=9fxced76sl;did=4a1.b9c2>
From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: <sip:bob@biloxi.example.com>;tag=8321234356
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:bob@198.51.100.20:5062;transport=udp>
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, UPDATE
Supported: replaces, timer
Session-Expires: 1800;refresher=uac
User-Agent: Yealink SIP-T46U 108.86.0.45
Content-Type: application/sdp
Content-Length: {CL}

` + answerSDP)

	// REGISTER answering a digest challenge (qop=auth).
	msgREGISTER = wire(`REGISTER sip:atlanta.example.com;transport=UDP SIP/2.0
Via: SIP/2.0/UDP 192.0.2.101:5060;rport;branch=z9hG4bK-524287-1---c1a9e3f4b7d20586
Max-Forwards: 70
Contact: <sip:alice@192.0.2.101:5060;rinstance=6ac1b3e4f2d0c8a7;transport=UDP>;expires=3600
To: <sip:alice@atlanta.example.com;transport=UDP>
From: <sip:alice@atlanta.example.com;transport=UDP>;tag=1a2b3c4d
Call-ID: ZDA2ZGQ4YzFiNmQ2NDk4ZjlmOTQ1Y2E3NWM5ZmE0Mzg
CSeq: 2 REGISTER
Expires: 3600
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE
Supported: replaces, outbound, path
User-Agent: Zoiper rv2.10.19.5
Authorization: Digest username="alice",realm="atlanta.example.com",nonce="Z2t3ZWtqZmQ0NTYzMjE6YzQ5YjM0NzE1NmQ4",uri="sip:atlanta.example.com;transport=UDP",response="6629fae49393a05397450978507c4ef1",cnonce="0a4f113b",nc=00000001,qop=auth,algorithm=MD5
Content-Length: {CL}

`)

	// 401 challenge Kamailio sends for the first REGISTER.
	msg401 = wire(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 192.0.2.101:5060;rport=5060;branch=z9hG4bK-524287-1---8e0f6d2a4c1b3957;received=192.0.2.101
To: <sip:alice@atlanta.example.com;transport=UDP>;tag=b27e1a1d33761e85846fc98f5f3a7e58.c2d0
From: <sip:alice@atlanta.example.com;transport=UDP>;tag=1a2b3c4d
Call-ID: ZDA2ZGQ4YzFiNmQ2NDk4ZjlmOTQ1Y2E3NWM5ZmE0Mzg
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="atlanta.example.com", nonce="Z2t3ZWtqZmQ0NTYzMjE6YzQ5YjM0NzE1NmQ4", qop="auth", algorithm=MD5
Server: kamailio (5.7.4 (x86_64/linux))
Content-Length: {CL}

`)

	// ACK for the 200, routed through Kamailio by its Record-Route.
	msgACK = wire(`ACK sip:bob@198.51.100.20:5062;transport=udp SIP/2.0
Via: SIP/2.0/UDP 192.0.2.101:5060;rport;branch=z9hG4bK-524287-1---1d3f5a7c9e0b2d46
Max-Forwards: 70
Route: <sip:203.0.113.10;lr;ftag=9fxced76sl;did=4a1.b9c2>
Contact: <sip:alice@192.0.2.101:5060;transport=udp>
To: <sip:bob@biloxi.example.com>;tag=8321234356
From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 ACK
User-Agent: Zoiper rv2.10.19.5
Content-Length: {CL}

`)

	// BYE from the caller, in the dialog.
	msgBYE = wire(`BYE sip:bob@198.51.100.20:5062;transport=udp SIP/2.0
Via: SIP/2.0/UDP 192.0.2.101:5060;rport;branch=z9hG4bK-524287-1---5b7d9f1e3a2c4e68
Max-Forwards: 70
Route: <sip:203.0.113.10;lr;ftag=9fxced76sl;did=4a1.b9c2>
Contact: <sip:alice@192.0.2.101:5060;transport=udp>
To: <sip:bob@biloxi.example.com>;tag=8321234356
From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 2 BYE
User-Agent: Zoiper rv2.10.19.5
Reason: Q.850;cause=16;text="Normal call clearing"
Content-Length: {CL}

`)

	// NOTIFY with a PIDF document, from Kamailio's presence module.
	msgNOTIFY = wire(`NOTIFY sip:alice@192.0.2.101:5060;transport=udp SIP/2.0
Via: SIP/2.0/UDP 203.0.113.10;branch=z9hG4bK7e2d.2a8f9c41b6e3d5a0a4c1f2e3d4b5a6c7.0
Max-Forwards: 70
To: <sip:alice@atlanta.example.com>;tag=5f3b2a1c
From: <sip:bob@biloxi.example.com>;tag=a6c85cf.e2a1f3b9
Call-ID: NjQ0YTA3ZTQxNzYzNGJkYzk1Mjc5YzQ4NWU5NWI0MzM
CSeq: 12 NOTIFY
Contact: <sip:203.0.113.10:5060;transport=udp>
Event: presence
Subscription-State: active;expires=3595
Content-Type: application/pidf+xml
Server: kamailio (5.7.4 (x86_64/linux))
Content-Length: {CL}

<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@biloxi.example.com">
  <tuple id="t8a3c0f21">
    <status>
      <basic>open</basic>
    </status>
    <contact priority="0.8">sip:bob@198.51.100.20:5062</contact>
    <note>Available</note>
  </tuple>
</presence>
`)
)

// corpus is every message in the order the benchmarks and the table use.
var corpus = []struct {
	name string
	data []byte
}{
	{"INVITE", msgINVITE},
	{"180", msg180},
	{"200", msg200},
	{"REGISTER", msgREGISTER},
	{"401", msg401},
	{"ACK", msgACK},
	{"BYE", msgBYE},
	{"NOTIFY", msgNOTIFY},
}
