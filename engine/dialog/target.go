package dialog

import (
	"slices"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// routeSet returns the route set m's Record-Route gives (RFC 3261 §12.1.1,
// §12.1.2): in order for the UAS, reversed for the UAC, since each proxy
// adds itself on top as the request goes towards the UAS. The values are
// copies that share nothing with m.
func routeSet(m *sip.Message, uac bool) ([]sip.NameAddr, error) {
	set, err := m.AppendNameAddrs("Record-Route", nil)
	if err != nil {
		return nil, bad(err)
	}
	for i := range set {
		set[i] = ownNameAddr(set[i])
	}
	if uac {
		slices.Reverse(set)
	}
	return set, nil
}

// contactURI returns a copy of the URI of m's Contact, which a message
// that creates or refreshes a dialog must carry (RFC 3261 §12.1.1,
// §12.1.2, §12.2).
func contactURI(m *sip.Message) (string, error) {
	c, err := m.Contact()
	if err != nil {
		return "", bad(err)
	}
	if c.Wildcard {
		return "", badf("Contact: * in a dialog")
	}
	return uriText(c.URI), nil
}

// optionalContact returns the text of m's Contact (ownText), or "" if m
// has none.
func optionalContact(m *sip.Message) (string, error) {
	if !m.Has("Contact") {
		return "", nil
	}
	c, err := m.Contact()
	if err != nil {
		return "", bad(err)
	}
	return ownText(c), nil
}

// isTargetRefresh reports whether a request with this method is a target
// refresh request, which moves the remote target: INVITE, the initial one
// and re-INVITEs (RFC 3261 §12.2), UPDATE (RFC 3311), SUBSCRIBE and
// NOTIFY (RFC 6665). Methods are case-sensitive (RFC 3261 §7.1).
func isTargetRefresh(method string) bool {
	switch method {
	case "INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY":
		return true
	}
	return false
}
