// Package auth is the digest-authentication client of sk400vop: it answers
// the WWW-Authenticate and Proxy-Authenticate challenges of a 401 or 407
// with Authorization or Proxy-Authorization credentials (RFC 3261 §22,
// RFC 7616, RFC 8760).
//
// A Client holds one account's Secret and the realm it belongs to. It
// supports MD5, SHA-256 and SHA-512-256, each also in its -sess form; qop
// auth, auth-int and none (the RFC 2069 form RFC 3261 §22.4 keeps for
// compatibility); per-nonce nonce counts; and userhash (RFC 7616 §3.4.4).
//
// Credentials go only to the configured realm, and only for requests that
// Allowed accepts: a far end that challenges a request it should not (any
// BYE, or anything in a dialog set up without the account's proxy) gets no
// digest to crack offline. Nothing here logs, and no String, Format, LogValue or error text
// holds a password or an HA1.
//
// The package is sans-IO and starts no goroutines. A Client is not safe for
// concurrent use: the engine loop that owns the account calls it.
package auth
