package auth

import "errors"

// Errors returned by Authorize and Secret.Validate. None of them, nor any
// error wrapping them here, holds a password or an HA1.
var (
	// ErrSecret reports a Secret that cannot answer any challenge: no
	// username, a username with a control character, or an HA1 entry that
	// is not a known algorithm's hex digest.
	ErrSecret = errors.New("auth: unusable secret")
	// ErrRealm refuses a challenge from a realm other than the configured
	// one: credentials are sent only to their own realm (RFC 3261 §22.1).
	ErrRealm = errors.New("auth: challenge from another realm")
	// ErrAlgorithm reports that no challenge of the realm can be answered:
	// an unknown scheme or algorithm, a qop list with neither auth nor
	// auth-int, a -sess algorithm without qop, or an algorithm the secret
	// holds no HA1 for.
	ErrAlgorithm = errors.New("auth: no supported challenge")
	// ErrNoChallenge reports a response that is not a 401 or 407, or one
	// without a WWW-Authenticate or Proxy-Authenticate header.
	ErrNoChallenge = errors.New("auth: response carries no challenge")
	// ErrNotRequest refuses a response where the request to authorize is
	// expected.
	ErrNotRequest = errors.New("auth: not a request")
	// ErrMismatch refuses a challenge whose CSeq method is not the
	// method of the request to authorize: the credentials would be
	// computed for a request the challenge was not about.
	ErrMismatch = errors.New("auth: challenge is for another method")
)
