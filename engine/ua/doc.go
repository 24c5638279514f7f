// Package ua is the user-agent layer of sk400vop: what puts transactions,
// dialogs and digest authentication together for the app. A UA holds
// accounts (registration, RFC 3261 §10; outbound proxy; the policy for
// requests from elsewhere), calls (INVITE sessions, §13-15, with RFC 3262,
// 3311, 4028 and 3515/3891 transfer), subscriptions and publications (RFC
// 6665, 3903), messages (RFC 3428) and the requests it hands to the app.
// Offer/answer goes through the Media interface, which the media layer
// implements.
//
// Like the layers below it, the package is sans-IO: every method and every
// callback runs on the stack's goroutine, timers come from an injected
// clock.Clock, and nothing here starts a goroutine or takes a lock.
package ua
