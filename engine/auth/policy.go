package auth

// Allowed reports whether the UA may answer a 401 or 407 to a request of
// method with credentials. A digest response lets whoever chose the nonce
// guess the password offline, so it is given only where the challenge can
// be expected to come from the account's own servers.
//
// Out of a dialog, the requests a registrar or the account's proxy
// challenges are answered: REGISTER, INVITE, SUBSCRIBE, MESSAGE, OPTIONS,
// PUBLISH and REFER (RFC 3261 §22.1, §10, §13; RFC 6665; RFC 3428; RFC
// 3903; RFC 3515). Authorize then still insists on the configured realm.
//
// Inside a dialog the far end, not the account's server, may be the one
// challenging: a UA reached directly, or by a scanner, answers our BYE
// with a 407 naming our realm and collects a digest to crack (the "digest
// leak"). So an in-dialog request is answered only when trustedRoute says
// the dialog was set up through the configured proxy (the UA decides
// that), and only for re-INVITE, UPDATE and REFER. Even then the proxy may
// relay a 407 that the far end made up with our realm: a UA that wants no
// such exposure passes false. A BYE is never answered, trusted route or
// not: it is the request a hostile far end challenges to collect a digest,
// and one that is not answered still ends the session on our side
// (RFC 3261 §15.1.1).
//
// ACK and CANCEL are never answered: they cannot be challenged (RFC 3261
// §22.1). Methods are compared case-sensitively (§7.1).
func Allowed(method string, inDialog, trustedRoute bool) bool {
	if !inDialog {
		switch method {
		case "REGISTER", "INVITE", "SUBSCRIBE", "MESSAGE", "OPTIONS", "PUBLISH", "REFER":
			return true
		}
		return false
	}
	if !trustedRoute {
		return false
	}
	switch method {
	case "INVITE", "UPDATE", "REFER":
		return true
	}
	return false
}
