package dialog

import (
	"fmt"
	"math"
	"strconv"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// NewRequest builds a request within the dialog (RFC 3261 §12.2.1.1): To
// is the remote URI with the remote tag, From the local URI with the local
// tag, Call-ID the dialog's, Request-URI and Route come from the remote
// target and route set (loose or strict routing), Contact is the local
// target (except in BYE and CANCEL, where RFC 3261 Table 3 has no place
// for it), and Max-Forwards is 70. The Via is via, given a fresh branch
// unless it has one.
//
// The CSeq is the local sequence number plus one, which it becomes. ACK
// and CANCEL instead reuse the CSeq number of the last INVITE this side
// sent (§13.2.2.4, §9.1) and leave the count alone; ErrNoInvite says there
// was none. A CANCEL must also carry the INVITE's top Via, branch
// included, so pass that Via, or build the CANCEL with sip.NewCancel.
//
// The UA adds what the method needs beyond that (Authorization, Event,
// RSeq and RAck, Session-Expires, ...), and sends the request on a client
// transaction; for ACK it sends it straight to the transport. The dialog
// does not enforce the secure flag: the UA sends on TLS when Secure says
// so.
func (d *Dialog) NewRequest(method string, via sip.Via, body []byte, contentType string) (*sip.Message, error) {
	if d.state == Terminated {
		return nil, ErrTerminated
	}
	ackOrCancel := method == "ACK" || method == "CANCEL"
	seq := d.localSeq + 1
	switch {
	case ackOrCancel && !d.invited:
		return nil, ErrNoInvite
	case ackOrCancel:
		seq = d.inviteSeq
	case d.localSeq == math.MaxUint32:
		return nil, ErrSeqExhausted
	}
	m, err := d.build(method, seq, via, body, contentType)
	if err != nil {
		return nil, err
	}
	if !ackOrCancel {
		d.localSeq = seq
	}
	if method == "INVITE" {
		d.inviteSeq, d.invited = seq, true
	}
	return m, nil
}

// NewAck builds the ACK for a 2xx to an INVITE this side sent in the
// dialog, the initial one or a re-INVITE: a request of its own, sent end
// to end with a new branch, whose CSeq has the number of the INVITE and
// the method ACK (RFC 3261 §13.2.2.4). inviteCSeq is that number, which
// the 2xx must carry too. The Via takes the transport and sent-by of the
// 2xx's top Via, the one the INVITE went out with.
//
// The dialog should be confirmed with this 2xx first (Confirm), so that
// the ACK follows its route set and Contact. A 2xx with another To tag
// returns ErrOtherDialog: it belongs to another dialog of a forked
// INVITE. NewAck works in a terminated dialog, since a 2xx that arrives
// after the dialog was abandoned must still be acknowledged (§15).
//
// The UA adds the INVITE's credentials (Authorization, Proxy-Authorization)
// and, when the 2xx made an offer, the answer with SetBody.
func (d *Dialog) NewAck(invite2xx *sip.Message, inviteCSeq uint32) (*sip.Message, error) {
	if invite2xx.IsRequest() || invite2xx.StatusCode()/100 != 2 {
		return nil, badf("only a 2xx is acknowledged end to end")
	}
	cseq, err := invite2xx.CSeq()
	switch {
	case err != nil:
		return nil, bad(err)
	case cseq.Method != "INVITE" || cseq.Seq != inviteCSeq:
		return nil, badf("not the 2xx of that INVITE")
	}
	id, err := IDOf(invite2xx, true)
	if err != nil {
		return nil, err
	}
	if err := d.match(id); err != nil {
		return nil, err
	}
	top, err := invite2xx.Via()
	if err != nil {
		return nil, bad(err)
	}
	return d.build("ACK", inviteCSeq, sip.Via{Transport: top.Transport, Host: top.Host, Port: top.Port}, nil, "")
}

// build assembles a request of the dialog with the given CSeq number.
func (d *Dialog) build(method string, seq uint32, via sip.Via, body []byte, contentType string) (*sip.Message, error) {
	ruri, route := d.requestTarget()
	spec := sip.RequestSpec{
		Method:      method,
		RequestURI:  ruri,
		From:        nameAddr(d.local),
		To:          nameAddr(d.remote),
		CallID:      d.id.CallID,
		CSeq:        seq,
		Via:         via,
		Route:       route,
		ContentType: contentType,
		Body:        body,
	}
	if method != "BYE" && method != "CANCEL" {
		spec.Contact = nameAddr(d.localTarget)
	}
	// sip.NewRequest builds first requests, whose CSeq is from 1 to 2**31-1
	// (§8.1.1.5); later ones in a dialog may use all 32 bits, and an
	// INVITE may have started at 0.
	outside := seq == 0 || seq >= 1<<31
	if outside {
		spec.CSeq = 1
	}
	m, err := sip.NewRequest(spec)
	if err != nil {
		return nil, err
	}
	if outside {
		m.Set("CSeq", sip.CSeq{Seq: seq, Method: method}.String())
	}
	return m, nil
}

// Renumber gives req, a request built by NewRequest that is sent again
// (with credentials after a 401 or 407, RFC 3261 §22.2, or after a 422),
// the next local CSeq number, counted like a new request's.
func (d *Dialog) Renumber(req *sip.Message) error {
	if d.state == Terminated {
		return ErrTerminated
	}
	if d.localSeq == math.MaxUint32 {
		return ErrSeqExhausted
	}
	cs, err := req.CSeq()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	d.localSeq++
	if cs.Method == "INVITE" {
		d.inviteSeq = d.localSeq
	}
	req.Set("CSeq", strconv.FormatUint(uint64(d.localSeq), 10)+" "+cs.Method)
	return nil
}
