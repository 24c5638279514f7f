package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// uac_routed must accept a 180 that arrives after the 200, as Kamailio's
// parallel workers can deliver them (INTEROP.md). A hand-made UAS on a UDP
// socket sends 200 then 180 for the INVITE, and answers the BYE.
func TestSmokeUACRoutedToleratesLate180(t *testing.T) {
	Require(t)
	t.Parallel()
	uas := NewUDPClient(t)
	done := make(chan error, 1)
	go func() { done <- lateProvisionalUAS(uas) }()

	r := RunSIPp(t, "uac_routed", uas.Addr(), "-d", "200")
	if err := <-done; err != nil {
		t.Errorf("UAS: %v", err)
	}
	if !r.OK() {
		t.Fatalf("uac_routed: %s", r)
	}
	if i200, i180 := strings.Index(r.Messages, "SIP/2.0 200 OK"), strings.Index(r.Messages, "SIP/2.0 180 Ringing"); i200 < 0 || i180 < i200 {
		t.Fatalf("the 180 did not come after the 200 (200 at %d, 180 at %d)", i200, i180)
	}
}

func lateProvisionalUAS(c *UDPClient) error {
	inv, err := c.Recv(10 * time.Second)
	if err != nil {
		return err
	}
	if inv.Method != "INVITE" {
		return fmt.Errorf("got %q, want INVITE", inv.StartLine)
	}
	peer := strings.TrimPrefix(strings.Fields(inv.Header("Via"))[1], "")
	if i := strings.IndexByte(peer, ';'); i >= 0 {
		peer = peer[:i]
	}
	tag := RandomToken(4)
	reply := func(m *RawMessage, status, toTag, body string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, "SIP/2.0 %s\r\n", status)
		for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
			v := m.Header(h)
			if h == "To" && toTag != "" && !strings.Contains(v, "tag=") {
				v += ";tag=" + toTag
			}
			fmt.Fprintf(&b, "%s: %s\r\n", h, v)
		}
		fmt.Fprintf(&b, "Contact: <sip:uas@%s>\r\n", c.Addr())
		if body != "" {
			fmt.Fprintf(&b, "Content-Type: application/sdp\r\n")
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
		return []byte(b.String())
	}
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	if err := c.Send(peer, reply(inv, "200 OK", tag, sdp)); err != nil {
		return err
	}
	if err := c.Send(peer, reply(inv, "180 Ringing", tag, "")); err != nil {
		return err
	}
	for {
		m, err := c.Recv(10 * time.Second)
		if err != nil {
			return err
		}
		switch m.Method {
		case "ACK", "INVITE": // ACK, or a retransmitted INVITE
			continue
		case "BYE":
			return c.Send(peer, reply(m, "200 OK", "", ""))
		default:
			return fmt.Errorf("unexpected %q", m.StartLine)
		}
	}
}
