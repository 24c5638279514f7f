package dialog

import "github.com/sk400vop/sk400vop/engine/sip"

// Confirm moves an early dialog to the confirmed state on a 2xx to its
// creating request: received by a UAC, sent by a UAS. A 2xx with another
// To tag than the dialog's returns ErrOtherDialog: it comes from another
// branch of a forked request and creates a new dialog, which the UA makes
// with NewUAC (RFC 3261 §13.2.2.4). A 2xx to an already confirmed dialog
// (a retransmission) changes nothing.
//
// For a UAC the 2xx is authoritative: the route set is recomputed from its
// Record-Route and the remote target taken from its Contact, whatever the
// provisional responses said (§12.1.2, §13.2.2.4). A UAS's route set and
// remote target come from the request and stay; a Contact in its 2xx
// becomes the local target.
func (d *Dialog) Confirm(resp *sip.Message) error {
	if d.state == Terminated {
		return ErrTerminated
	}
	if resp.IsRequest() || resp.StatusCode()/100 != 2 {
		return badf("only a 2xx confirms a dialog")
	}
	id, err := IDOf(resp, d.uac)
	if err != nil {
		return err
	}
	if err := d.match(id); err != nil || d.state == Confirmed {
		return err
	}
	if d.uac {
		target, err := contactURI(resp)
		if err != nil {
			return err
		}
		routes, err := routeSet(resp, true)
		if err != nil {
			return err
		}
		d.remoteTarget, d.routeSet = target, routes
	} else if resp.Has("Contact") {
		contact, err := optionalContact(resp)
		if err != nil {
			return err
		}
		d.localTarget = contact
	}
	d.state = Confirmed
	return nil
}
