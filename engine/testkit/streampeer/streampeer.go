// Package streampeer plays a scripted SIP peer on a stream connection for
// tests. It imports only engine/sip, so the transport's own tests can use it.
package streampeer

import (
	"net"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Answer plays a scripted peer on a stream connection (TCP, or TLS
// from crypto/tls): it reads SIP messages off c until it fails or closes,
// hands each request to answer, and writes the response answer returns
// (nil: none, as for an ACK). Responses and unparsable messages are
// skipped. It returns when c does; the caller closes c.
func Answer(c net.Conn, answer func(req *sip.Message) *sip.Message) {
	var f sip.StreamFramer
	buf := make([]byte, 8192)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		f.Write(buf[:n])
		for {
			fr, ok, err := f.Next()
			if err != nil {
				return
			}
			if !ok {
				break
			}
			req, err := sip.Parse(fr.Data)
			if err != nil || !req.IsRequest() {
				continue
			}
			if resp := answer(req); resp != nil {
				if _, err := c.Write(resp.AppendTo(nil)); err != nil {
					return
				}
			}
		}
	}
}
