// Package ua is the user-agent layer of sk400vop: what puts transactions,
// dialogs and digest authentication together for an account. It holds the
// REGISTER client for now (RFC 3261 §10).
//
// Like the layers below it, the package is sans-IO: every method and every
// callback runs on the stack's one goroutine, timers come from an injected
// clock.Clock, and nothing here starts a goroutine or takes a lock.
package ua
