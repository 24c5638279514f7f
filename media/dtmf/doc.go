// Package dtmf carries DTMF digits the two ways SIP calls do: as RTP
// telephone-events (RFC 4733) inside the media stream, and as SIP INFO
// bodies (application/dtmf-relay and application/dtmf).
//
// A Sender turns queued digits into telephone-event payloads, one per
// packet tick of the RTP session; a Receiver turns received payloads back
// into digits, each reported once however packets are lost, duplicated or
// reordered. Both run on the RTP session's packet path: they do not
// allocate per packet, start no goroutine, take no lock and never read the
// wall clock — time is the RTP timestamp the caller passes in. Neither is
// safe for concurrent use.
//
// Digits are the runes 0-9, *, #, A-D (a-d accepted) and Flash ('!') for
// a hook flash; their RFC 4733 §3.2 event codes are 0-16.
package dtmf
