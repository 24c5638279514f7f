package auth

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Secret is what an account knows to answer digest challenges: a username
// and a password, or a precomputed HA1 per algorithm instead of the
// password (RFC 3261 §22.4 allows a server, and so a client, to store HA1).
//
// HA1 maps an algorithm name (MD5, SHA-256, SHA-512-256; case ignored) to
// the hex digest H(username ":" realm ":" password) for the configured
// realm. A -sess name stands for its base algorithm: the session HA1 is
// derived from the base one for each nonce (RFC 7616 §3.4.2).
//
// A non-empty Password answers every algorithm and HA1 is then ignored.
// With no Password, only the algorithms HA1 lists can be answered; with
// neither, the password is the empty string.
//
// An HA1 is worth the password for its realm. A Secret prints and logs
// with both redacted, whatever the fmt verb or slog handler.
type Secret struct {
	Username string
	Password string
	HA1      map[string]string
}

// Validate reports, as an error wrapping ErrSecret, why the Secret cannot
// answer any challenge: an empty username, a username with a control
// character or invalid UTF-8 (it would not survive the quoted-string of
// RFC 3261 §25.1), or an HA1 entry that is not a known algorithm's digest
// in hex. The error never holds the password or an HA1.
func (s Secret) Validate() error {
	_, err := s.ha1s()
	return err
}

// ha1s returns the HA1 entries indexed by hash, in lower-case hex, after
// the checks of Validate.
func (s Secret) ha1s() (out [numHashes]string, err error) {
	if s.Username == "" {
		return out, fmt.Errorf("%w: empty username", ErrSecret)
	}
	if !utf8.ValidString(s.Username) || strings.ContainsFunc(s.Username, isControl) {
		return out, fmt.Errorf("%w: username is not printable UTF-8", ErrSecret)
	}
	for name, v := range s.HA1 {
		a, ok := parseAlgorithm(name)
		if !ok || name == "" {
			return out, fmt.Errorf("%w: HA1 key is not a known algorithm", ErrSecret)
		}
		h := a.hash
		if _, err := hex.DecodeString(v); err != nil || len(v) != h.hexLen() {
			return out, fmt.Errorf("%w: HA1 for %s is not %d hex digits", ErrSecret, h.name(), h.hexLen())
		}
		v = strings.ToLower(v)
		if out[h] != "" && out[h] != v {
			return out, fmt.Errorf("%w: two different HA1 for %s", ErrSecret, h.name())
		}
		out[h] = v
	}
	return out, nil
}

// isControl reports whether r is a control character a quoted-string
// cannot hold (RFC 3261 §25.1).
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// String returns the username with the password and HA1 redacted.
func (s Secret) String() string {
	return fmt.Sprintf("auth.Secret{Username:%q Password:<redacted> HA1:<redacted>}", s.Username)
}

// Format writes String for every verb, %#v and %d included, so that no
// verb prints the password or an HA1 field by field.
func (s Secret) Format(f fmt.State, _ rune) { f.Write([]byte(s.String())) }

// LogValue logs only the username (slog.LogValuer), for text and JSON
// handlers alike.
func (s Secret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", s.Username))
}
