package dialog

import (
	"slices"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// Dialog is one side's state of a dialog (RFC 3261 §12): its ID and
// state, the local and remote URIs and targets, the route set, both CSeq
// numbers and the secure flag. The UA core drives it from its event-loop
// goroutine; it is not safe for concurrent use.
type Dialog struct {
	id     ID
	state  State
	uac    bool
	secure bool
	// The From, To and Contact of our requests, held as their canonical
	// text (a parsed NameAddr is 200 bytes of views into it, three times
	// what the text takes) and parsed when a request is built.
	local        string // the From of our requests, with our tag
	remote       string // the To of our requests, with the remote tag
	localTarget  string // the Contact of our requests, "" for none
	remoteTarget string // the peer's Contact URI, as text (uriText)
	routeSet     []sip.NameAddr
	localSeq     uint32 // 0 while empty, so the first request gets 1
	remoteSeq    uint32
	remoteSeqSet bool   // false while the remote sequence number is empty
	inviteSeq    uint32 // the CSeq of the last INVITE we sent, if invited
	invited      bool
}

// ID returns the dialog's ID.
func (d *Dialog) ID() ID { return d.id }

// State returns the dialog's state.
func (d *Dialog) State() State { return d.state }

// IsUAC reports whether this side sent the request that created the dialog.
func (d *Dialog) IsUAC() bool { return d.uac }

// Secure reports the secure flag: the creating request had a sips
// Request-URI, which the transport carries only over TLS (RFC 3261
// §12.1.1, §12.1.2), so every request in the dialog must go over TLS too.
func (d *Dialog) Secure() bool { return d.secure }

// LocalURI returns our address as the From of our requests carries it: the
// local URI of RFC 3261 §12 with its display name and our tag (the local
// tag of the ID).
func (d *Dialog) LocalURI() sip.NameAddr { return nameAddr(d.local) }

// RemoteURI returns the peer's address as the To of our requests carries
// it: the remote URI with its display name and the remote tag.
func (d *Dialog) RemoteURI() sip.NameAddr { return nameAddr(d.remote) }

// LocalTarget returns the Contact our requests carry.
func (d *Dialog) LocalTarget() sip.NameAddr { return nameAddr(d.localTarget) }

// RemoteTarget returns the peer's Contact URI, where requests go
// (RFC 3261 §12.2.1.1).
func (d *Dialog) RemoteTarget() sip.URI { return parseURI(d.remoteTarget) }

// RouteSet returns a copy of the route set, in the order the Route headers
// of our requests list it (RFC 3261 §12.1).
func (d *Dialog) RouteSet() []sip.NameAddr { return slices.Clone(d.routeSet) }

// LocalSeq returns the CSeq number of the last request we sent, other than
// ACK and CANCEL; 0 while none was sent (RFC 3261 §12.1.1 leaves it empty
// for the UAS), so that the first gets 1.
func (d *Dialog) LocalSeq() uint32 { return d.localSeq }

// RemoteSeq returns the CSeq number of the last request the peer sent,
// other than ACK and CANCEL. ok is false while the remote sequence number
// is empty, as it is for a UAC until the peer sends a request (RFC 3261
// §12.1.2); then any CSeq is accepted.
func (d *Dialog) RemoteSeq() (seq uint32, ok bool) { return d.remoteSeq, d.remoteSeqSet }

// Terminate ends the dialog: it builds no more requests and refuses the
// requests it receives with ErrNoDialog. Only NewAck still works, since a
// 2xx must be acknowledged even after the dialog is torn down (RFC 3261
// §15).
func (d *Dialog) Terminate() { d.state = Terminated }

// SetLocalTarget changes the Contact of future requests, as a UA that
// moves to another address does; the peer learns it from the next target
// refresh request, such as a re-INVITE or UPDATE (RFC 3261 §12.2.1.1).
func (d *Dialog) SetLocalTarget(contact sip.NameAddr) { d.localTarget = ownText(contact) }
