package ua

import (
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// SendInfoPackage sends an INFO of the Info Package pkg in the call's
// dialog (RFC 6086 §4.2.1): Info-Package pkg, the body of contentType
// with Content-Disposition Info-Package. As with SendInfo, a 481 or 408
// in answer ends the call (RFC 5057 §5.2).
func (c *Call) SendInfoPackage(pkg, contentType string, body []byte) error {
	if pkg == "" || strings.ContainsFunc(pkg, isControl) {
		return configErr("invalid Info-Package")
	}
	return c.sendInfo(pkg, contentType, body)
}

// InfoPackage returns the Info Package of an INFO (RFC 6086 §7.2), ""
// for a legacy INFO without one. The app answers an INFO of a package it
// does not take with 469 Bad Info Package (§5.2.3).
func (r *ServerRequest) InfoPackage() string {
	if v, err := sip.ParseValueParams(r.Request().Get("Info-Package")); err == nil {
		return v.Value
	}
	return ""
}
