package dialog

import "github.com/sk400vop/sk400vop/engine/sip"

// NewUAC creates the dialog of the UAC that sent req and received resp
// (RFC 3261 §12.1.2): early from a 101-199 response with a To tag,
// confirmed from a 2xx. Each To tag makes a dialog of its own, so a forked
// request can create several.
//
// The route set is the response's Record-Route in reverse order, the
// remote target its Contact URI, the local target the request's Contact,
// the local sequence number the request's CSeq, and the remote one empty.
// A provisional response without Contact leaves the remote target at the
// Request-URI until the 2xx brings one. A 2xx without To tag comes from an
// RFC 2543 UAS, whose tag counts as "" (§12.1.2).
func NewUAC(req, resp *sip.Message) (*Dialog, error) {
	d, err := fromExchange(req, resp, true)
	if err != nil {
		return nil, err
	}
	if d.state == Early && d.id.RemoteTag == "" {
		return nil, badf("provisional response without To tag")
	}
	from, _ := req.From() // IDOf has parsed From and To
	to, _ := resp.To()
	d.local, d.remote = ownText(from), ownText(to)
	if d.localTarget, err = optionalContact(req); err != nil {
		return nil, err
	}
	if d.state == Early && !resp.Has("Contact") {
		ruri, _ := req.RequestURI() // newDialog has parsed it
		d.remoteTarget = uriText(ruri)
	} else if d.remoteTarget, err = contactURI(resp); err != nil {
		return nil, err
	}
	if d.routeSet, err = routeSet(resp, true); err != nil {
		return nil, err
	}
	cseq, _ := req.CSeq() // answers has parsed it
	d.localSeq = cseq.Seq
	if req.Method() == "INVITE" {
		d.inviteSeq, d.invited = cseq.Seq, true
	}
	return d, nil
}

// NewUAS creates the dialog of the UAS that received req and answers it
// with resp, which carries the To tag the UAS chose (RFC 3261 §12.1.1):
// early for a 101-199 response, confirmed for a 2xx.
//
// The route set is the request's Record-Route in order, the remote target
// the request's Contact URI, the local target the response's Contact, the
// remote sequence number the request's CSeq, and the local one empty. A
// request without From tag comes from an RFC 2543 UAC, whose tag counts
// as "".
func NewUAS(req, resp *sip.Message) (*Dialog, error) {
	d, err := fromExchange(req, resp, false)
	if err != nil {
		return nil, err
	}
	to, _ := resp.To() // IDOf has parsed From and To
	from, _ := req.From()
	d.local, d.remote = ownText(to), ownText(from)
	if d.localTarget, err = optionalContact(resp); err != nil {
		return nil, err
	}
	if d.remoteTarget, err = contactURI(req); err != nil {
		return nil, err
	}
	if d.routeSet, err = routeSet(req, false); err != nil {
		return nil, err
	}
	cseq, _ := req.CSeq() // answers has parsed it
	d.remoteSeq, d.remoteSeqSet = cseq.Seq, true
	return d, nil
}

// fromExchange checks what both sides require of the creating exchange —
// a response to req that says early or confirmed, with our own tag — and
// starts the dialog from it.
func fromExchange(req, resp *sip.Message, uac bool) (*Dialog, error) {
	state, err := stateFor(resp)
	if err != nil {
		return nil, err
	}
	id, err := IDOf(resp, uac)
	switch {
	case err != nil:
		return nil, err
	case !answers(req, resp):
		return nil, badf("response to another request")
	case id.LocalTag == "" && uac:
		return nil, badf("request without From tag")
	case id.LocalTag == "":
		return nil, badf("response without To tag")
	}
	d, err := newDialog(req, id, state)
	if err != nil {
		return nil, err
	}
	d.uac = uac
	return d, nil
}

// answers reports whether resp can be a response to req: a request with
// the same Call-ID, From tag and CSeq, which a response copies (RFC 3261
// §8.2.6.2).
func answers(req, resp *sip.Message) bool {
	if !req.IsRequest() || req.CallID() != resp.CallID() {
		return false
	}
	reqFrom, err1 := req.From()
	respFrom, err2 := resp.From()
	reqCSeq, err3 := req.CSeq()
	respCSeq, err4 := resp.CSeq()
	return err1 == nil && err2 == nil && err3 == nil && err4 == nil &&
		reqFrom.Tag() == respFrom.Tag() && reqCSeq == respCSeq
}

// newDialog starts a dialog with what both sides take alike from the
// creating request: the secure flag, set when its Request-URI is sips
// (RFC 3261 §12.1.1, §12.1.2).
func newDialog(req *sip.Message, id ID, state State) (*Dialog, error) {
	ruri, err := req.RequestURI()
	if err != nil {
		return nil, bad(err)
	}
	return &Dialog{id: ownID(id), state: state, secure: ruri.IsSecure()}, nil
}

// NewFork creates the dialog that resp makes when it comes from another
// branch of the INVITE that created d, a UAC dialog: same Call-ID and
// local tag, another To tag (RFC 3261 §12.1.2, §13.2.2.4). It lets a UA
// that has let go of the INVITE still acknowledge and end a late 2xx of
// another fork. The new dialog takes from d what the INVITE gave it — local
// URI, local target, secure flag — and from resp the rest as NewUAC does;
// its local sequence number is resp's CSeq, the INVITE's.
//
// resp must be a 2xx, or a provisional response with a Contact (without
// one NewUAC's remote target is the INVITE's Request-URI, which d does not
// keep). A resp of d itself returns an error wrapping ErrBadMessage.
func (d *Dialog) NewFork(resp *sip.Message) (*Dialog, error) {
	if !d.uac || !d.invited {
		return nil, badf("only a UAC dialog made by an INVITE forks")
	}
	state, err := stateFor(resp)
	if err != nil {
		return nil, err
	}
	id, err := IDOf(resp, true)
	if err != nil {
		return nil, err
	}
	switch err := d.match(id); {
	case err == nil:
		return nil, badf("response of the dialog itself, not of a fork")
	case err != ErrOtherDialog:
		return nil, err
	case state == Early && id.RemoteTag == "":
		return nil, badf("provisional response without To tag")
	case state == Early && !resp.Has("Contact"):
		return nil, badf("provisional response of a fork without Contact")
	}
	cseq, err := resp.CSeq()
	if err != nil {
		return nil, bad(err)
	}
	if cseq.Method != "INVITE" {
		return nil, badf("response to another request")
	}
	to, _ := resp.To() // IDOf has parsed it
	f := &Dialog{
		id: ownID(id), state: state, uac: true, secure: d.secure,
		local: d.local, remote: ownText(to), localTarget: d.localTarget,
		localSeq: cseq.Seq, inviteSeq: cseq.Seq, invited: true,
	}
	if f.remoteTarget, err = contactURI(resp); err != nil {
		return nil, err
	}
	if f.routeSet, err = routeSet(resp, true); err != nil {
		return nil, err
	}
	return f, nil
}
