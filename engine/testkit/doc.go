// Package testkit drives the sans-IO protocol core deterministically: a
// virtual Clock that tests advance by hand, and an in-memory Network of
// endpoints on that clock with seeded loss, duplication, reordering, delay
// and broken connections. Nothing sleeps and nothing opens a socket, and a
// run with the same seed and the same inputs repeats exactly.
//
// Messages crossing the Network are serialised with sip.Message.AppendTo and
// parsed again with sip.Parse on arrival, as they would be on a wire, so a
// serialiser or parser fault shows up in the tests that cross it.
//
// Every callback (timers, deliveries, flow errors) runs inside Clock.Advance
// or Clock.Step, on the goroutine that calls them, which plays the part of
// the protocol core's event loop.
package testkit
