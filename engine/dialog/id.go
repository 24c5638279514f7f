package dialog

import "github.com/sk400vop/sk400vop/engine/sip"

// ID identifies a dialog: Call-ID plus local and remote tags (RFC 3261
// §12). The tags are those of this side's point of view, so the two ends
// of one dialog hold IDs with the tags swapped. A tag that a RFC 2543 peer
// left out is "".
type ID struct {
	CallID, LocalTag, RemoteTag string
}

// IDOf returns the ID of the dialog m belongs to, from our side's point of
// view. uac says whether we are the client of m's transaction: m is a
// request we send or a response we receive, so our tag is the From tag and
// the remote one the To tag (RFC 3261 §12.1.2). Otherwise m is a request
// we receive or a response we send, and it is the other way round
// (§12.1.1, §12.2.2). The strings are views into m.
func IDOf(m *sip.Message, uac bool) (ID, error) {
	from, err := m.From()
	if err != nil {
		return ID{}, bad(err)
	}
	to, err := m.To()
	if err != nil {
		return ID{}, bad(err)
	}
	callID := m.CallID()
	if callID == "" {
		return ID{}, badf("no Call-ID")
	}
	if uac {
		return ID{callID, from.Tag(), to.Tag()}, nil
	}
	return ID{callID, to.Tag(), from.Tag()}, nil
}

// match compares the ID of a message with the dialog's: another Call-ID or
// local tag is no concern of this dialog, another remote tag is a sibling
// dialog of a forked request.
func (d *Dialog) match(id ID) error {
	switch {
	case id.CallID != d.id.CallID || id.LocalTag != d.id.LocalTag:
		return ErrNoDialog
	case id.RemoteTag != d.id.RemoteTag:
		return ErrOtherDialog
	}
	return nil
}
