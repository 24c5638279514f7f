package auth_test

import (
	"fmt"

	"github.com/sk400vop/sk400vop/engine/auth"
	"github.com/sk400vop/sk400vop/engine/sip"
)

func ExampleClient_Authorize() {
	reg, _ := sip.Parse([]byte("REGISTER sip:example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9\r\n" +
		"Max-Forwards: 70\r\n" +
		"To: <sip:alice@example.com>\r\n" +
		"From: <sip:alice@example.com>;tag=9fxced76sl\r\n" +
		"Call-ID: 3848276298220188511@192.0.2.10\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"Contact: <sip:alice@192.0.2.10>\r\n" +
		"Content-Length: 0\r\n\r\n"))
	resp := sip.NewResponse(reg, 401, "")
	resp.Add("WWW-Authenticate", `Digest realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=SHA-256, qop="auth"`)
	resp.Add("WWW-Authenticate", `Digest realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=MD5, qop="auth"`)

	c := auth.New(auth.Secret{Username: "alice", Password: "correct horse"}, "example.com")
	if !auth.Allowed(reg.Method(), false, false) {
		return
	}
	// The UA sends reg again with the next CSeq and a new branch.
	if err := c.Authorize(reg, resp); err != nil {
		fmt.Println(err)
		return
	}
	cr, _ := sip.ParseCredentials(reg.Get("Authorization"))
	fmt.Println(cr.Username, cr.Realm, cr.URI, cr.Algorithm, cr.QOP, cr.NC, len(cr.CNonce))

	// The registrar found the nonce expired: answer again, silently.
	stale := sip.NewResponse(reg, 401, "")
	stale.Add("WWW-Authenticate", `Digest realm="example.com", nonce="0f4b8c3e1d2a", algorithm=SHA-256, qop="auth", stale=true`)
	fmt.Println("retry:", c.ShouldRetry(stale))
	// Output:
	// alice example.com sip:example.com SHA-256 auth 00000001 32
	// retry: true
}

func ExampleAllowed() {
	fmt.Println(auth.Allowed("REGISTER", false, false))
	fmt.Println(auth.Allowed("BYE", true, false)) // the far end may be the one asking
	fmt.Println(auth.Allowed("BYE", true, true))  // never: the digest leak on BYE
	fmt.Println(auth.Allowed("UPDATE", true, true))
	// Output:
	// true
	// false
	// false
	// true
}
