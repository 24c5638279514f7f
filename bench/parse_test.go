package bench

import (
	"bytes"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/sk400vop/sk400vop/engine/sip"
)

// fields is what the transaction and dialog layers read from every message
// they receive. The Parse benchmarks read all of it from both stacks, so a
// stack that defers work until a header is asked for is charged for it.
type fields struct {
	method        string // "" for a response
	status        int    // 0 for a request
	branch        string // top Via
	viaHost       string
	viaPort       int
	fromTag       string
	toTag         string
	callID        string
	cseq          uint32
	cseqMethod    string
	hasContact    bool
	contactHost   string
	contentLength int
	body          []byte
}

// sink receives every read, so that nothing is optimised away.
var sink fields

// readSK reads the hot fields from a message parsed by sk400vop.
func readSK(m *sip.Message) fields {
	var f fields
	f.method = m.Method()
	f.status = m.StatusCode()
	if v, err := m.Via(); err == nil {
		f.branch, f.viaHost, f.viaPort = v.Branch(), v.Host, v.Port
	}
	if from, err := m.From(); err == nil {
		f.fromTag = from.Tag()
	}
	if to, err := m.To(); err == nil {
		f.toTag = to.Tag()
	}
	f.callID = m.CallID()
	if cs, err := m.CSeq(); err == nil {
		f.cseq, f.cseqMethod = cs.Seq, cs.Method
	}
	if c, err := m.Contact(); err == nil {
		f.hasContact, f.contactHost = true, c.URI.Host
	}
	f.contentLength = m.ContentLength()
	f.body = m.Body()
	return f
}

// contacter is implemented by sipgo's *Request and *Response; its Message
// interface does not include Contact.
type contacter interface {
	Contact() *sipgo.ContactHeader
}

// readSipgo reads the same fields from a message parsed by sipgo, through
// its typed getters.
func readSipgo(msg sipgo.Message) fields {
	var f fields
	switch m := msg.(type) {
	case *sipgo.Request:
		f.method = string(m.Method)
	case *sipgo.Response:
		f.status = m.StatusCode
	}
	if v := msg.Via(); v != nil {
		f.branch, _ = v.Params.Get("branch")
		f.viaHost, f.viaPort = v.Host, v.Port
	}
	if from := msg.From(); from != nil {
		f.fromTag, _ = from.Params.Get("tag")
	}
	if to := msg.To(); to != nil {
		f.toTag, _ = to.Params.Get("tag")
	}
	if id := msg.CallID(); id != nil {
		f.callID = id.Value()
	}
	if cs := msg.CSeq(); cs != nil {
		f.cseq, f.cseqMethod = cs.SeqNo, string(cs.MethodName)
	}
	if cm, ok := msg.(contacter); ok {
		if c := cm.Contact(); c != nil {
			f.hasContact, f.contactHost = true, c.Address.Host
		}
	}
	if cl := msg.ContentLength(); cl != nil {
		f.contentLength = int(*cl)
	}
	f.body = msg.Body()
	return f
}

// BenchmarkParse parses each message and reads the hot fields.
//
//	sk400vop      Parser.Parse into one reused Message (the intended hot path)
//	sk400vop-new  sip.Parse, a new Message for every datagram
//	sipgo         Parser.ParseSIP (one Parser, created once)
func BenchmarkParse(b *testing.B) {
	for _, c := range corpus {
		data := c.data
		b.Run(c.name+"/sk400vop", func(b *testing.B) {
			var p sip.Parser
			var m sip.Message
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := p.Parse(&m, data); err != nil {
					b.Fatal(err)
				}
				sink = readSK(&m)
			}
		})
		b.Run(c.name+"/sk400vop-new", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				m, err := sip.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				sink = readSK(m)
			}
		})
		b.Run(c.name+"/sipgo", func(b *testing.B) {
			p := sipgo.NewParser()
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				msg, err := p.ParseSIP(data)
				if err != nil {
					b.Fatal(err)
				}
				sink = readSipgo(msg)
			}
		})
	}
}

// serialSink receives the length of every serialised message.
var serialSink int

// BenchmarkSerialize writes each message into a buffer the caller reuses.
// The INVITE is built by each stack's request builder (plus the realistic
// INVITE's other headers); the other messages are the stack's own parse of
// the wire message. sk400vop appends to a []byte with AppendTo; sipgo
// writes with StringWrite into a bytes.Buffer, Reset each time, which is
// what its UDP and TCP transports do.
func BenchmarkSerialize(b *testing.B) {
	for _, c := range corpus {
		b.Run(c.name+"/sk400vop", func(b *testing.B) {
			m := skMessage(b, c.name, c.data)
			buf := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.SetBytes(int64(len(m.AppendTo(nil))))
			for b.Loop() {
				buf = m.AppendTo(buf[:0])
			}
			serialSink = len(buf)
		})
		b.Run(c.name+"/sipgo", func(b *testing.B) {
			msg := sipgoMessage(b, c.name, c.data)
			var buf bytes.Buffer
			buf.Grow(4096)
			b.ReportAllocs()
			b.SetBytes(int64(len(msg.String())))
			for b.Loop() {
				buf.Reset()
				msg.StringWrite(&buf)
			}
			serialSink = buf.Len()
		})
	}
}

// skMessage returns the message the sk400vop Serialize benchmark writes.
func skMessage(tb testing.TB, name string, data []byte) *sip.Message {
	tb.Helper()
	if name == "INVITE" {
		m, err := buildInviteSK()
		if err != nil {
			tb.Fatal(err)
		}
		return m
	}
	m, err := sip.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// sipgoMessage returns the message the sipgo Serialize benchmark writes.
func sipgoMessage(tb testing.TB, name string, data []byte) sipgo.Message {
	tb.Helper()
	if name == "INVITE" {
		m, err := buildInviteSipgo()
		if err != nil {
			tb.Fatal(err)
		}
		return m
	}
	m, err := sipgo.NewParser().ParseSIP(data)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// offerBody is the INVITE's SDP as it travels, with CRLF line ends.
var offerBody = bytes.ReplaceAll([]byte(offerSDP), []byte("\n"), []byte("\r\n"))

// buildInviteSK builds msgINVITE with sip.NewRequest, adding with Add the
// headers RequestSpec does not cover.
func buildInviteSK() (*sip.Message, error) {
	ruri, err := sip.ParseURI(inviteRURI)
	if err != nil {
		return nil, err
	}
	from, err := sip.ParseNameAddr(inviteFrom)
	if err != nil {
		return nil, err
	}
	to, err := sip.ParseNameAddr(inviteTo)
	if err != nil {
		return nil, err
	}
	contact, err := sip.ParseNameAddr(inviteContact)
	if err != nil {
		return nil, err
	}
	m, err := sip.NewRequest(sip.RequestSpec{
		Method:      "INVITE",
		RequestURI:  ruri,
		From:        from,
		To:          to,
		CallID:      inviteCallID,
		CSeq:        inviteCSeqNum,
		Via:         sip.Via{Transport: "UDP", Host: inviteViaHost, Port: inviteViaPort, Params: inviteViaParams},
		Contact:     contact,
		ContentType: inviteCType,
		Body:        offerBody,
	})
	if err != nil {
		return nil, err
	}
	m.Add("Allow", inviteAllow)
	m.Add("Supported", inviteSupport)
	m.Add("User-Agent", inviteUA)
	return m, nil
}

// buildInviteSipgo builds msgINVITE with sipgo's NewRequest and typed
// headers, the way sipgo's own client builds requests.
func buildInviteSipgo() (*sipgo.Request, error) {
	var ruri, fromURI, toURI, contactURI sipgo.Uri
	for _, u := range []struct {
		s   string
		dst *sipgo.Uri
	}{
		{inviteRURI, &ruri},
		{"sip:alice@atlanta.example.com", &fromURI},
		{"sip:bob@biloxi.example.com", &toURI},
		{"sip:alice@192.0.2.101:5060;transport=udp", &contactURI},
	} {
		if err := sipgo.ParseUri(u.s, u.dst); err != nil {
			return nil, err
		}
	}
	req := sipgo.NewRequest(sipgo.INVITE, ruri)
	via := &sipgo.ViaHeader{
		ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP",
		Host: inviteViaHost, Port: inviteViaPort, Params: sipgo.NewParams(),
	}
	via.Params.Add("rport", "")
	via.Params.Add("branch", inviteBranch)
	req.AppendHeader(via)
	mf := sipgo.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	from := &sipgo.FromHeader{DisplayName: "Alice", Address: fromURI, Params: sipgo.NewParams()}
	from.Params.Add("tag", inviteFromTag)
	req.AppendHeader(from)
	req.AppendHeader(&sipgo.ToHeader{Address: toURI})
	callID := sipgo.CallIDHeader(inviteCallID)
	req.AppendHeader(&callID)
	req.AppendHeader(&sipgo.CSeqHeader{SeqNo: inviteCSeqNum, MethodName: sipgo.INVITE})
	req.AppendHeader(&sipgo.ContactHeader{Address: contactURI})
	ct := sipgo.ContentTypeHeader(inviteCType)
	req.AppendHeader(&ct)
	req.AppendHeader(sipgo.NewHeader("Allow", inviteAllow))
	req.AppendHeader(sipgo.NewHeader("Supported", inviteSupport))
	req.AppendHeader(sipgo.NewHeader("User-Agent", inviteUA))
	req.SetBody(offerBody)
	return req, nil
}
