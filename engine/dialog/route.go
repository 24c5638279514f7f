package dialog

import (
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// requestTarget returns the Request-URI and Route values of a request in
// the dialog (RFC 3261 §12.2.1.1). With no route set the request goes
// straight to the remote target. When the first route has the lr
// parameter its proxy is a loose router: the Request-URI is the remote
// target and the Route headers list the route set. Otherwise it is a
// strict router of RFC 2543, which routes on the Request-URI: that gets
// the first route's URI, and the Route headers the rest of the route set
// followed by the remote target.
func (d *Dialog) requestTarget() (sip.URI, []sip.NameAddr) {
	target := parseURI(d.remoteTarget)
	if len(d.routeSet) == 0 || d.routeSet[0].URI.Params.Has("lr") {
		return requestURI(target), d.routeSet
	}
	route := make([]sip.NameAddr, 0, len(d.routeSet))
	route = append(route, d.routeSet[1:]...)
	route = append(route, sip.NameAddr{URI: target})
	return requestURI(d.routeSet[0].URI), route
}

// requestURI strips from u what a Request-URI may not hold: the method
// parameter and the headers (RFC 3261 §19.1.1, Table 1). Only the URI
// of a route or Contact ever gets here, never its header parameters.
func requestURI(u sip.URI) sip.URI {
	u.Headers = ""
	if u.Params.Has("method") {
		u.Params = withoutParam(u.Params, "method")
	}
	return u
}

// withoutParam returns p without the parameters called name.
func withoutParam(p sip.Params, name string) sip.Params {
	var b strings.Builder
	p.Each(func(n, v string) bool {
		if !strings.EqualFold(n, name) {
			b.WriteByte(';')
			b.WriteString(n)
			if v != "" {
				b.WriteByte('=')
				b.WriteString(v)
			}
		}
		return true
	})
	return sip.Params(b.String())
}
