package dialog

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// toAlice returns a request of Bob's as Alice receives it, after both
// proxies, with extra header lines.
func toAlice(method, seq string, extra ...string) string {
	return `` + method + ` sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0
Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111
Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1;received=192.0.2.222
Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.100
Max-Forwards: 68
From: Bob <sip:bob@biloxi.example.com>;tag=314159
To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: ` + seq + ` ` + method + `
` + lines(extra) + `Content-Length: 0

`
}

// toBob returns a request of Alice's as Bob receives it.
func toBob(method, seq string, extra ...string) string {
	return `` + method + ` sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0
Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.7;received=192.0.2.222
Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.7;received=192.0.2.111
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b43;received=192.0.2.101
Max-Forwards: 68
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=314159
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: ` + seq + ` ` + method + `
` + lines(extra) + `Content-Length: 0

`
}

func lines(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return strings.Join(l, "\n") + "\n"
}

// A request with a tag or Call-ID of no dialog gets 481 (RFC 3261 §12.2.2).
func TestReceiveWrongDialog(t *testing.T) {
	d := bob(t)
	for name, text := range map[string]string{
		"To tag":       strings.Replace(toBob("BYE", "2"), "tag=314159", "tag=999", 1),
		"no To tag":    strings.Replace(toBob("BYE", "2"), ";tag=314159", "", 1),
		"From tag":     strings.Replace(toBob("BYE", "2"), "tag=9fxced76sl", "tag=999", 1),
		"Call-ID":      strings.Replace(toBob("BYE", "2"), "Call-ID: 3848", "Call-ID: 9848", 1),
		"tags swapped": strings.NewReplacer("tag=314159", "tag=9fxced76sl", "tag=9fxced76sl", "tag=314159").Replace(toBob("BYE", "2")),
	} {
		t.Run(name, func(t *testing.T) {
			isErr(t, d.ReceiveRequest(parse(t, text)), ErrNoDialog)
		})
	}
	seq, _ := d.RemoteSeq()
	eq(t, seq, 1)

	if err := d.ReceiveRequest(parse(t, toBob("INFO", "2"))); err != nil {
		t.Fatal(err)
	}
	d.Terminate()
	isErr(t, d.ReceiveRequest(parse(t, toBob("BYE", "3"))), ErrNoDialog)
}

// The remote CSeq must go up; a request that is not newer gets 500
// (RFC 3261 §12.2.2). ACK and CANCEL carry their INVITE's number.
func TestReceiveOutOfOrder(t *testing.T) {
	d := bob(t) // remote sequence number 1, from the INVITE
	for _, step := range []struct {
		method, seq string
		want        error
	}{
		{"ACK", "1", nil},
		{"INFO", "1", ErrOutOfOrder},
		{"INFO", "0", ErrOutOfOrder},
		{"INFO", "2", nil},
		{"INVITE", "5", nil}, // gaps are fine
		{"CANCEL", "5", nil},
		{"ACK", "5", nil},
		{"UPDATE", "4", ErrOutOfOrder},
		{"UPDATE", "5", ErrOutOfOrder},
		{"BYE", "6", nil},
	} {
		err := d.ReceiveRequest(parse(t, toBob(step.method, step.seq)))
		if step.want == nil && err != nil || step.want != nil && !errors.Is(err, step.want) {
			t.Errorf("%s %s: got %v, want %v", step.method, step.seq, err, step.want)
		}
	}
	seq, ok := d.RemoteSeq()
	eq(t, seq, 6)
	eq(t, ok, true)
}

// A UAC's remote sequence number is empty until the peer sends a request,
// so any first CSeq is in order, even one below the UAC's own count or at
// the top of the 32-bit range (RFC 3261 §12.1.2, §12.2.2).
func TestReceiveFirstRemoteCSeq(t *testing.T) {
	for _, first := range []uint32{0, 1, 7, math.MaxUint32} {
		d := alice(t)
		newRequest(t, d, "INFO", aliceVia)
		newRequest(t, d, "INFO", aliceVia) // local CSeq 3
		if err := d.ReceiveRequest(parse(t, toAlice("INFO", u32(first)))); err != nil {
			t.Fatalf("first CSeq %d: %v", first, err)
		}
		seq, ok := d.RemoteSeq()
		eq(t, seq, first)
		eq(t, ok, true)
		isErr(t, d.ReceiveRequest(parse(t, toAlice("INFO", u32(first)))), ErrOutOfOrder)
		if first < math.MaxUint32 {
			if err := d.ReceiveRequest(parse(t, toAlice("BYE", u32(first+1)))); err != nil {
				t.Fatal(err)
			}
		}
		eq(t, d.LocalSeq(), 3) // the counts are independent
	}
}

// A target refresh request moves the remote target to its Contact
// (RFC 3261 §12.2.2; UPDATE RFC 3311; SUBSCRIBE, NOTIFY RFC 6665); other
// requests do not.
func TestReceiveTargetRefresh(t *testing.T) {
	d := bob(t)
	for _, step := range []struct {
		method, seq, contact string
		want                 string
	}{
		{"INVITE", "2", "<sip:alice@198.51.100.1;transport=tcp>", "sip:alice@198.51.100.1;transport=tcp"},
		{"INFO", "3", "<sip:alice@198.51.100.2>", "sip:alice@198.51.100.1;transport=tcp"},
		{"BYE", "4", "<sip:alice@198.51.100.2>", "sip:alice@198.51.100.1;transport=tcp"},
		{"UPDATE", "5", "", "sip:alice@198.51.100.1;transport=tcp"}, // no Contact: no change
		{"UPDATE", "6", "\"Alice\" <sip:alice@198.51.100.3>;expires=60", "sip:alice@198.51.100.3"},
		{"NOTIFY", "7", "<sip:alice@198.51.100.4>", "sip:alice@198.51.100.4"},
		{"SUBSCRIBE", "8", "sip:alice@198.51.100.5", "sip:alice@198.51.100.5"},
		{"invite", "9", "<sip:alice@198.51.100.6>", "sip:alice@198.51.100.5"}, // methods are case-sensitive
		{"INVITE", "9", "<sip:alice@198.51.100.7>", "sip:alice@198.51.100.5"}, // out of order: no change
	} {
		var extra []string
		if step.contact != "" {
			extra = append(extra, "Contact: "+step.contact)
		}
		_ = d.ReceiveRequest(parse(t, toBob(step.method, step.seq, extra...)))
		if got := d.RemoteTarget().String(); got != step.want {
			t.Errorf("after %s %s: remote target %s, want %s", step.method, step.seq, got, step.want)
		}
	}
	// The next BYE goes to the new target.
	bye := newRequest(t, d, "BYE", bobVia)
	eq(t, bye.RawRequestURI(), "sip:alice@198.51.100.5")

	// A malformed or wildcard Contact is a 400, and changes nothing.
	for _, contact := range []string{"Contact: <sip:alice@>", "Contact: *"} {
		err := d.ReceiveRequest(parse(t, toBob("INVITE", "20", contact)))
		isErr(t, err, ErrBadMessage)
		eq(t, sip.StatusOf(err), 400)
	}
	seq, _ := d.RemoteSeq()
	eq(t, seq, 9)
	eq(t, d.RemoteTarget().String(), "sip:alice@198.51.100.5")
}

// A 2xx to a target refresh request moves the remote target
// (RFC 3261 §12.2.1.2).
func TestReceiveResponseTargetRefresh(t *testing.T) {
	d := alice(t)
	reinvite := newRequest(t, d, "INVITE", aliceVia)
	info := newRequest(t, d, "INFO", aliceVia)
	update := newRequest(t, d, "UPDATE", aliceVia)
	answer := func(req *sip.Message, code int, contact string) *sip.Message {
		resp := sip.NewResponse(req, code, "")
		if contact != "" {
			resp.Add("Contact", contact)
		}
		return wire(t, resp)
	}
	for _, step := range []struct {
		req  *sip.Message
		resp *sip.Message
		want string
	}{
		{reinvite, answer(reinvite, 183, "<sip:bob@198.51.100.1>"), "sip:bob@client.biloxi.example.com;transport=tcp"},
		{reinvite, answer(reinvite, 488, "<sip:bob@198.51.100.1>"), "sip:bob@client.biloxi.example.com;transport=tcp"},
		{info, answer(info, 200, "<sip:bob@198.51.100.1>"), "sip:bob@client.biloxi.example.com;transport=tcp"},
		{reinvite, answer(reinvite, 200, "<sip:bob@198.51.100.2>"), "sip:bob@198.51.100.2"},
		{update, answer(update, 200, ""), "sip:bob@198.51.100.2"},
		{update, answer(update, 200, "<sip:bob@198.51.100.3>"), "sip:bob@198.51.100.3"},
	} {
		d.ReceiveResponse(step.req, step.resp)
		eq(t, d.RemoteTarget().String(), step.want)
	}
	// A 2xx from another dialog is ignored.
	other := sip.NewResponse(update, 200, "")
	other.Set("To", "Bob <sip:bob@biloxi.example.com>;tag=other")
	other.Add("Contact", "<sip:mallory@203.0.113.1>")
	d.ReceiveResponse(update, wire(t, other))
	eq(t, d.RemoteTarget().String(), "sip:bob@198.51.100.3")
}

func TestReceiveRequestRefusesResponse(t *testing.T) {
	isErr(t, bob(t).ReceiveRequest(parse(t, bobOK)), ErrBadMessage)
}

func u32(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
