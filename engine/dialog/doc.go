// Package dialog keeps the state of RFC 3261 §12 dialogs: the peer-to-peer
// relationship an INVITE, SUBSCRIBE or other dialog-creating request sets up
// between two user agents, identified by the Call-ID and the two tags.
//
// A Dialog is built on either side from the request and response that
// create it (NewUAC, NewUAS), starts early or confirmed, is confirmed by a
// 2xx (Confirm) and ends with Terminate. It builds the requests sent within
// it (NewRequest, NewAck) with the route set, remote target, tags and CSeq
// numbering of §12.2.1.1, loose or strict routing included, and it checks
// the requests it receives (ReceiveRequest) for the §12.2.2 rules: ID and
// CSeq order, and the target refreshes that move the remote target. A Set
// finds the dialog a message belongs to by its ID (IDOf).
//
// The package is sans-IO: no goroutines, timers, locks or sockets. The UA
// core drives each Dialog from its event-loop goroutine, sends what it
// builds through the transaction layer, and answers with the status an error
// calls for (481 for ErrNoDialog, 500 for ErrOutOfOrder, 400 for
// ErrBadMessage). A Dialog copies what it keeps from messages, so it never
// holds on to a received buffer.
package dialog
