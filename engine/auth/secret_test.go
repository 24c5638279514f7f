package auth

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretValidate(t *testing.T) {
	md5HA1 := strings.Repeat("0f", 16)
	shaHA1 := strings.Repeat("A1", 32)
	for _, c := range []struct {
		name string
		s    Secret
		ok   bool
	}{
		{"password", Secret{Username: user, Password: password}, true},
		{"empty password", Secret{Username: user}, true},
		{"HA1", Secret{Username: user, HA1: map[string]string{"md5": md5HA1, "SHA-256": shaHA1, "sha-512-256": shaHA1}}, true},
		{"HA1 under a -sess name", Secret{Username: user, HA1: map[string]string{"MD5-sess": md5HA1, "MD5": md5HA1}}, true},
		{"UTF-8 username", Secret{Username: "Jäsøn Doe", Password: password}, true},
		{"no username", Secret{Password: password}, false},
		{"CRLF in username", Secret{Username: "alice\r\nVia: x", Password: password}, false},
		{"NUL in username", Secret{Username: "alice\x00", Password: password}, false},
		{"invalid UTF-8", Secret{Username: "alice\xff", Password: password}, false},
		{"unknown HA1 key", Secret{Username: user, HA1: map[string]string{"SHA-1": md5HA1}}, false},
		{"empty HA1 key", Secret{Username: user, HA1: map[string]string{"": md5HA1}}, false},
		{"short HA1", Secret{Username: user, HA1: map[string]string{"MD5": md5HA1[2:]}}, false},
		{"HA1 of another length", Secret{Username: user, HA1: map[string]string{"SHA-256": md5HA1}}, false},
		{"HA1 not hex", Secret{Username: user, HA1: map[string]string{"MD5": strings.Repeat("zz", 16)}}, false},
		{"two HA1 for MD5", Secret{Username: user, HA1: map[string]string{"MD5": md5HA1, "md5-sess": strings.Repeat("11", 16)}}, false},
	} {
		err := c.s.Validate()
		if c.ok != (err == nil) || err != nil && !errors.Is(err, ErrSecret) {
			t.Errorf("%s: Validate() = %v", c.name, err)
		}
	}
}

// TestNothingSecretPrinted prints a Secret and a Client every way fmt and
// slog can, and collects the errors of every failure path, looking for
// the password, the HA1 values and the HA1 the password gives.
func TestNothingSecretPrinted(t *testing.T) {
	sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
	derived := hex.EncodeToString(sum[:])
	storedHA1 := "5f4dcc3b5aa765d61d8327deb882cf99"
	secret := Secret{Username: user, Password: password, HA1: map[string]string{"MD5": storedHA1}}
	forbidden := []string{password, storedHA1, derived, strings.ToUpper(storedHA1)}

	cl := New(secret, realm)
	req := request(t, "REGISTER", "sip:example.com", "")
	if err := cl.Authorize(req, challenge(req, 401, `Digest realm="example.com", nonce="n", qop="auth"`)); err != nil {
		t.Fatal(err)
	}

	var out []string
	type embedding struct {
		Secret
		C  Client
		P  *Client
		S2 Secret
	}
	values := []any{secret, &secret, cl, *cl, embedding{secret, *cl, cl, secret}, []Secret{secret}, map[string]Secret{"a": secret}}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%08.3f", "%!"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
		extra := "%d"
		out = append(out, fmt.Sprint(v), fmt.Sprintln(v), fmt.Sprintf(extra, 1, v)) // the last: %!(EXTRA ...)
	}
	// %p skips Format. On a pointer it prints an address; on a Client
	// value the secret is behind a pointer. (On a Secret value it would
	// print the fields; go vet reports that misuse of %p.)
	for _, v := range []any{&secret, cl, *cl} {
		verb := "%p"
		out = append(out, fmt.Sprintf(verb, v))
	}
	out = append(out, secret.String(), cl.String())

	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("account", "secret", secret, "client", cl, "value", *cl)
		l.Info("account", slog.Any("secret", &secret))
	}
	out = append(out, logs.String())
	if !strings.Contains(logs.String(), user) {
		t.Errorf("logs lost the username: %s", logs.String())
	}

	// Errors of every path, with secret material in the places a careless
	// error text would quote.
	bad := []Secret{
		{Username: user, HA1: map[string]string{"MD5": password}},
		{Username: user, HA1: map[string]string{password: storedHA1}},
		{Username: user, HA1: map[string]string{"MD5": storedHA1, "MD5-sess": derived}},
		{Password: password},
		{Username: "\x00", Password: password},
	}
	for _, s := range bad {
		err := s.Validate()
		if err == nil {
			t.Fatalf("%v: no error", s)
		}
		out = append(out, err.Error(), fmt.Sprintf("%+v", err))
		err = New(s, realm).Authorize(req, challenge(req, 401, `Digest realm="example.com", nonce="n"`))
		out = append(out, err.Error())
	}
	for _, v := range []string{
		`Digest realm="` + password + `", nonce="n"`, // another realm: the error quotes the realm, not the secret
		`Digest realm="example.com", nonce="n", algorithm=SHA-1`,
		`Digest realm="example.com"`,
	} {
		if err := cl.Authorize(req, challenge(req, 401, v)); err != nil {
			out = append(out, strings.ReplaceAll(err.Error(), `"`+password+`"`, `"<the far end's realm>"`))
		}
	}

	for _, s := range out {
		for _, f := range forbidden {
			if strings.Contains(s, f) {
				t.Errorf("secret %q printed in %q", f, s)
			}
		}
	}
}
