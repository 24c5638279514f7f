package dialog

import "github.com/sk400vop/sk400vop/engine/sip"

// ReceiveRequest checks a request received within the dialog and records
// it (RFC 3261 §12.2.2). A request whose ID is not the dialog's (another
// tag), or that reaches a terminated dialog, returns ErrNoDialog: the UAS
// answers 481. A CSeq that does not exceed the remote sequence number
// returns ErrOutOfOrder: the UAS answers 500. §12.2.2 names a lower one;
// an equal one is a new transaction reusing a number, which §8.1.1.5
// forbids, since retransmissions never get past the transaction layer.
// While the remote sequence number is empty any CSeq is in order. ACK and
// CANCEL reuse the CSeq of their INVITE and are not counted.
//
// A target refresh request (INVITE, UPDATE, SUBSCRIBE, NOTIFY) with a
// Contact replaces the remote target with its URI. A malformed CSeq or
// Contact returns ErrBadMessage wrapping the sip error (answer 400). On
// error the dialog is unchanged.
func (d *Dialog) ReceiveRequest(req *sip.Message) error {
	if !req.IsRequest() {
		return badf("a response where a request is needed")
	}
	id, err := IDOf(req, false)
	if err != nil {
		return err
	}
	if id != d.id || d.state == Terminated {
		return ErrNoDialog
	}
	cseq, err := req.CSeq()
	if err != nil {
		return bad(err)
	}
	method := req.Method()
	if method == "ACK" || method == "CANCEL" {
		return nil
	}
	if d.remoteSeqSet && cseq.Seq <= d.remoteSeq {
		return ErrOutOfOrder
	}
	refresh := isTargetRefresh(method) && req.Has("Contact")
	var target string
	if refresh {
		if target, err = contactURI(req); err != nil {
			return err
		}
	}
	d.remoteSeq, d.remoteSeqSet = cseq.Seq, true
	if refresh {
		d.remoteTarget = target
	}
	return nil
}

// ReceiveResponse records a response to req, a request this side sent in
// the dialog: a 2xx to a target refresh request replaces the remote target
// with the URI of its Contact (RFC 3261 §12.2.1.2). Anything else, and a
// response of another dialog, changes nothing. Deciding what a 481 or 408
// ends (§12.2.1.2, RFC 5057) is the UA's part.
func (d *Dialog) ReceiveResponse(req, resp *sip.Message) {
	if resp.StatusCode()/100 != 2 || !isTargetRefresh(req.Method()) || d.state == Terminated {
		return
	}
	if id, err := IDOf(resp, true); err != nil || id != d.id {
		return
	}
	if target, err := contactURI(resp); err == nil {
		d.remoteTarget = target
	}
}
