package dialog

import (
	"errors"
	"fmt"
)

// Errors reported by dialogs.
var (
	// ErrNoDialog says a message does not belong to the dialog, or the
	// dialog is over: a UAS answers such a request with 481 (RFC 3261
	// §12.2.2).
	ErrNoDialog = errors.New("dialog: no such dialog")
	// ErrOtherDialog says a response to the dialog's request carries
	// another To tag: a forked request reached another UAS, whose answer
	// creates a dialog of its own (RFC 3261 §12.1.2, §13.2.2.4).
	ErrOtherDialog = errors.New("dialog: response belongs to another dialog")
	// ErrOutOfOrder says a request's CSeq does not exceed the remote
	// sequence number; the UAS answers 500 (RFC 3261 §12.2.2).
	ErrOutOfOrder = errors.New("dialog: request out of order")
	// ErrBadMessage says a message cannot do what it was given for: a
	// response that cannot create or confirm a dialog (100, 3xx-6xx, a 1xx
	// without To tag), a request and response of different transactions,
	// a missing tag, Contact or header. When the message was malformed the
	// error also wraps the sip.ProtocolError, so sip.StatusOf gives 400.
	ErrBadMessage = errors.New("dialog: message unfit for a dialog")
	// ErrTerminated refuses to build a request in, or confirm, a dialog
	// that has ended.
	ErrTerminated = errors.New("dialog: dialog terminated")
	// ErrNoInvite refuses an ACK or CANCEL when this side has sent no
	// INVITE in the dialog whose CSeq they could reuse.
	ErrNoInvite = errors.New("dialog: no INVITE sent to acknowledge or cancel")
	// ErrSeqExhausted refuses a request once the local CSeq has reached
	// 2**32-1: CSeq numbers are 32 bits and never wrap (RFC 3261 §8.1.1.5).
	ErrSeqExhausted = errors.New("dialog: local CSeq exhausted")
)

// bad wraps a header error from package sip in ErrBadMessage, keeping both
// reachable through errors.Is and errors.As.
func bad(err error) error { return fmt.Errorf("%w: %w", ErrBadMessage, err) }

// badf returns ErrBadMessage with a reason.
func badf(reason string) error { return fmt.Errorf("%w: %s", ErrBadMessage, reason) }
