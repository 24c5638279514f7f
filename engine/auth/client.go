package auth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sk400vop/sk400vop/engine/sip"
)

const (
	// maxNonces bounds how many nonces a Client keeps a count for, so a
	// server handing out fresh nonces cannot grow it.
	maxNonces = 8
	// maxStaleRetries is how many stale challenges in a row ShouldRetry
	// lets the UA answer before it calls the server broken.
	maxStaleRetries = 3
)

// Client answers the digest challenges of one account and remembers the
// nonce count of each nonce it answered (RFC 7616 §3.4). Make one with New;
// the zero value is not usable. A Client is not safe for concurrent use.
type Client struct {
	username string
	key      *key  // behind a pointer, which fmt prints as an address even where it bypasses Format (%p)
	err      error // from Secret.Validate, returned by Authorize

	realm  string        // configured, or pinned by the first answer when New got ""
	counts []nonceCount  // most recently used first, at most maxNonces
	stale  int           // stale challenges answered in a row
	cnonce func() string // newCNonce; tests fix it
}

// key is what computes HA1: the password, or the stored HA1 values.
type key struct {
	password    string
	usePassword bool
	ha1         [numHashes]string // lower-case hex, "" where the secret has none
}

// nonceCount is how many requests carried credentials for one nonce.
type nonceCount struct {
	nonce string
	n     uint32
}

// New returns a Client for secret in realm. Credentials are only ever
// computed for challenges whose realm is exactly realm (realms are
// case-sensitive, RFC 2617 §1.2).
//
// An empty realm accepts the realm of the first challenge answered and
// pins it: from then on the Client behaves as if New had been given that
// realm. This is trust on first use, and it is a risk: whoever challenges
// first, a spoofed 401 over UDP or a foreign proxy on the path, gets a
// response computed from the password, which is enough to guess a weak
// password offline. Configure the realm whenever it is known.
//
// A Secret that fails Validate yields a Client whose Authorize returns
// that error.
func New(secret Secret, realm string) *Client {
	ha1, err := secret.ha1s()
	return &Client{
		username: secret.Username,
		key: &key{
			password:    secret.Password,
			usePassword: secret.Password != "" || len(secret.HA1) == 0,
			ha1:         ha1,
		},
		err:    err,
		realm:  realm,
		cnonce: newCNonce,
	}
}

// Realm returns the configured realm, or the pinned one if New was given
// "" and a challenge has been answered since; "" before that.
func (c *Client) Realm() string { return c.realm }

// Authorize adds credentials to req for the challenges of resp, a 401 or
// 407 to the same method: Authorization for the WWW-Authenticate of a 401,
// Proxy-Authorization for the Proxy-Authenticate of a 407 (RFC 3261
// §22.2, §22.3). Credentials req already holds for the realm are replaced,
// not duplicated; those for other realms are kept. The UA sends req as a
// new request: a new CSeq and branch are its business, not this one's.
//
// Of the Digest challenges of the configured realm, the topmost one that
// can be answered is used: a server lists them in order of preference
// (RFC 8760 §2.4). MD5, SHA-256 and SHA-512-256 are supported, each also
// as -sess (RFC 7616 §3.3). Of the qop values offered, auth is chosen, or
// auth-int when it is the only one, hashing req's body (§3.4.3); without
// qop, the RFC 2069 form is computed (RFC 3261 §22.4). The nonce count
// starts at 00000001 for each new nonce and counts up while the server
// reuses it; the cnonce is 128 random bits from crypto/rand in hex. The
// opaque value is echoed, and with userhash=true the username is sent as
// H(username ":" realm) (§3.4.4).
//
// Authorize does not check that the request may be authorized at all:
// call Allowed first. It returns ErrRealm when no Digest challenge is from
// the configured realm, ErrAlgorithm when none of those can be answered,
// ErrNoChallenge when resp is not a challenge, ErrMismatch when resp's
// CSeq method is not req's, ErrNotRequest when req is not a request, the
// error of Secret.Validate, or the parse error of a malformed header. On
// error, req is unchanged.
func (c *Client) Authorize(req, resp *sip.Message) error {
	if c.key == nil {
		return fmt.Errorf("%w: Client not made by New", ErrSecret)
	}
	if c.err != nil {
		return c.err
	}
	if req == nil || !req.IsRequest() {
		return ErrNotRequest
	}
	challengeName, credentialsName, ok := headerNames(resp)
	if !ok {
		return ErrNoChallenge
	}
	cseq, err := resp.CSeq()
	if err != nil {
		return err
	}
	if cseq.Method != req.Method() {
		return ErrMismatch
	}
	ch, alg, qop, err := c.choose(resp, challengeName)
	if err != nil {
		return err
	}

	p := digestParams{
		alg:    alg,
		ha1:    c.baseHA1(alg.hash, ch.Realm),
		nonce:  ch.Nonce,
		qop:    qop,
		method: req.Method(),
		uri:    req.RawRequestURI(),
	}
	n := c.count(ch.Nonce) // counted without qop too: ShouldRetry asks which nonces were answered
	if qop != "" {
		p.cnonce = c.cnonce()
		p.nc = fmt.Sprintf("%08x", n)
	}
	if qop == "auth-int" {
		p.body = req.Body()
	}
	cred := sip.Credentials{
		Scheme:    "Digest",
		Username:  c.username,
		Realm:     ch.Realm,
		Nonce:     ch.Nonce,
		URI:       p.uri,
		Response:  p.response(),
		Algorithm: ch.Algorithm, // echoed as written, absent when it was
		CNonce:    p.cnonce,
		Opaque:    ch.Opaque,
		QOP:       qop,
		NC:        p.nc,
		Userhash:  ch.Userhash,
	}
	if ch.Userhash {
		cred.Username = alg.hash.sum(c.username, ch.Realm)
	}
	setCredentials(req, credentialsName, ch.Realm, string(cred.AppendTo(nil)))

	if ch.Stale {
		c.stale++
	} else {
		c.stale = 0
	}
	if c.realm == "" {
		c.realm = strings.Clone(ch.Realm) // resp's values view its receive buffer
	}
	return nil
}

// ShouldRetry reports whether the UA should answer resp, a 401 or 407 to
// a request that already carried this Client's credentials, with a new
// request (RFC 7616 §3.3, RFC 3261 §22.2). It is true only when the
// challenge Authorize would pick says stale=true with a nonce this Client
// has not answered yet: the nonce had expired and the password is right.
// Any other new challenge means the credentials were refused, and asking
// again with the same password would only fail again (or lock the
// account), so the UA gives up after the one answer.
//
// A server that keeps answering stale=true with fresh nonces is cut off
// after maxStaleRetries (3) stale challenges answered in a row. The UA
// calls Authorize for the retry as usual; ShouldRetry itself changes
// nothing.
//
// For the first challenge to a request, or a 401 to a request that only
// carried Proxy-Authorization (and the other way round), the UA calls
// Authorize directly.
func (c *Client) ShouldRetry(resp *sip.Message) bool {
	if c.key == nil || c.err != nil || c.realm == "" {
		return false
	}
	challengeName, _, ok := headerNames(resp)
	if !ok {
		return false
	}
	ch, _, _, err := c.choose(resp, challengeName)
	if err != nil {
		return false
	}
	return ch.Stale && !c.answered(ch.Nonce) && c.stale < maxStaleRetries
}

// headerNames returns the challenge and credentials header names for a
// 401 or 407 (RFC 3261 §22.2, §22.3).
func headerNames(resp *sip.Message) (challenge, credentials string, ok bool) {
	if resp == nil || resp.IsRequest() {
		return "", "", false
	}
	switch resp.StatusCode() {
	case 401:
		return "WWW-Authenticate", "Authorization", true
	case 407:
		return "Proxy-Authenticate", "Proxy-Authorization", true
	}
	return "", "", false
}

// choose returns the topmost Digest challenge of the configured realm
// (any realm while none is pinned) that the secret can answer, with its
// algorithm and the qop to answer with.
func (c *Client) choose(resp *sip.Message, name string) (sip.Challenge, algorithm, string, error) {
	chs, err := resp.Challenges(name, nil)
	if err != nil {
		return sip.Challenge{}, algorithm{}, "", err
	}
	if len(chs) == 0 {
		return sip.Challenge{}, algorithm{}, "", ErrNoChallenge
	}
	digest, inRealm := false, false
	var other string
	for _, ch := range chs {
		if !strings.EqualFold(ch.Scheme, "Digest") {
			continue
		}
		digest = true
		if c.realm != "" && ch.Realm != c.realm {
			other = ch.Realm
			continue
		}
		inRealm = true
		alg, ok := parseAlgorithm(ch.Algorithm)
		if !ok || !c.canAnswer(alg.hash) {
			continue
		}
		if qop, ok := chooseQOP(ch, alg); ok {
			return ch, alg, qop, nil
		}
	}
	if digest && !inRealm {
		return sip.Challenge{}, algorithm{}, "", fmt.Errorf("%w: %q, configured %q", ErrRealm, other, c.realm)
	}
	return sip.Challenge{}, algorithm{}, "", ErrAlgorithm
}

// chooseQOP picks auth over auth-int (which needs the whole body hashed
// and is rarely asked alone), and no qop when none is offered, as RFC
// 3261 §22.4 allows for RFC 2069 servers. A -sess algorithm needs the
// cnonce that only comes with a qop (RFC 2617 §3.2.2.2).
func chooseQOP(ch sip.Challenge, alg algorithm) (string, bool) {
	switch {
	case ch.QOP == "":
		return "", !alg.sess
	case ch.HasQOP("auth"):
		return "auth", true
	case ch.HasQOP("auth-int"):
		return "auth-int", true
	}
	return "", false
}

// canAnswer reports whether the secret holds what HA1 needs for h.
func (c *Client) canAnswer(h hashID) bool { return c.key.usePassword || c.key.ha1[h] != "" }

// baseHA1 returns H(username ":" realm ":" password) for h (RFC 7616
// §3.4.2), from the password or the stored HA1.
func (c *Client) baseHA1(h hashID, realm string) string {
	if c.key.usePassword {
		return h.sum(c.username, realm, c.key.password)
	}
	return c.key.ha1[h]
}

// count returns the nonce count for one more request with nonce: 1 for a
// nonce not seen before (RFC 7616 §3.4). The nonce moves to the front of
// the table, which forgets the least recently used past maxNonces.
func (c *Client) count(nonce string) uint32 {
	nc := nonceCount{n: 1}
	i := c.index(nonce)
	if i >= 0 {
		nc = c.counts[i]
		if nc.n < 1<<32-1 { // past that the server refuses it as a replay; no wrap to 0
			nc.n++
		}
		c.counts = append(c.counts[:i], c.counts[i+1:]...)
	} else {
		nc.nonce = strings.Clone(nonce) // nonce views resp's receive buffer
		if len(c.counts) == maxNonces {
			c.counts = c.counts[:maxNonces-1]
		}
	}
	c.counts = append(c.counts, nonceCount{})
	copy(c.counts[1:], c.counts)
	c.counts[0] = nc
	return nc.n
}

// answered reports whether credentials were computed for nonce.
func (c *Client) answered(nonce string) bool { return c.index(nonce) >= 0 }

// index returns where nonce is in the count table, or -1.
func (c *Client) index(nonce string) int {
	for i := range c.counts {
		if c.counts[i].nonce == nonce {
			return i
		}
	}
	return -1
}

// setCredentials puts value into req's header name, dropping the Digest
// credentials req already holds for realm and keeping any other.
func setCredentials(req *sip.Message, name, realm, value string) {
	var keep []string
	for v := range req.Values(name) {
		cr, err := sip.ParseCredentials(v)
		if err == nil && strings.EqualFold(cr.Scheme, "Digest") && cr.Realm == realm {
			continue
		}
		keep = append(keep, v)
	}
	if len(keep) == 0 {
		req.Set(name, value) // in place of ours, if it was there
		return
	}
	req.Del(name)
	for _, v := range keep {
		req.Add(name, v)
	}
	req.Add(name, value)
}

// newCNonce returns a client nonce of 128 random bits in hex (RFC 7616
// §3.4: it should have enough entropy to frustrate chosen-plaintext
// attacks on the server's side).
func newCNonce() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24)
	return hex.EncodeToString(b[:])
}

// String returns the username and realm; the secret is never shown.
func (c Client) String() string {
	return fmt.Sprintf("auth.Client{Username:%q Realm:%q}", c.username, c.realm)
}

// Format writes String for every verb, so that no verb prints the
// Client's fields, the password among them.
func (c Client) Format(f fmt.State, _ rune) { f.Write([]byte(c.String())) }

// LogValue logs only the username and realm (slog.LogValuer).
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.username), slog.String("realm", c.realm))
}
