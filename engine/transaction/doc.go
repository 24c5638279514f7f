// Package transaction implements the client and server transactions of
// RFC 3261 §17, with the Accepted state of RFC 6026, on the sans-IO model:
// the Layer is driven by received messages, timer callbacks from an
// injected clock and calls from the transaction user (TU), all on one
// goroutine, and it answers with messages handed to a transport.Sender.
//
// Nothing here starts a goroutine: a live transaction costs a few hundred
// bytes and its armed timers, and an idle one wakes nothing up.
package transaction
