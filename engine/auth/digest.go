package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"strings"
)

// hashID names the hash function H of a digest algorithm.
type hashID uint8

const (
	hashMD5       hashID = iota // RFC 7616 §3.3, RFC 3261 §22.4
	hashSHA256                  // RFC 7616 §3.3, RFC 8760 §2.1
	hashSHA512256               // SHA-512/256, RFC 7616 §3.3, RFC 8760 §2.1
	numHashes
)

// name returns the algorithm token of h as RFC 7616 §6.1 registers it.
func (h hashID) name() string {
	switch h {
	case hashSHA256:
		return "SHA-256"
	case hashSHA512256:
		return "SHA-512-256"
	}
	return "MD5"
}

// new returns a fresh hash.Hash for h.
func (h hashID) new() hash.Hash {
	switch h {
	case hashSHA256:
		return sha256.New()
	case hashSHA512256:
		return sha512.New512_256()
	}
	return md5.New()
}

// hexLen returns the length of a digest of h in hex digits.
func (h hashID) hexLen() int {
	if h == hashMD5 {
		return 2 * md5.Size
	}
	return 2 * sha256.Size // SHA-512/256 is as long as SHA-256
}

// sum returns H of the parts joined by ':', in lower-case hex, which is
// how every digest input and output is written (RFC 7616 §3.4, RFC 8760
// §2.2).
func (h hashID) sum(parts ...string) string {
	w := h.new()
	for i, p := range parts {
		if i > 0 {
			w.Write([]byte{':'})
		}
		w.Write([]byte(p))
	}
	return hex.EncodeToString(w.Sum(nil))
}

// sumBytes returns H(b) in lower-case hex: H(entity-body) for auth-int.
func (h hashID) sumBytes(b []byte) string {
	w := h.new()
	w.Write(b)
	return hex.EncodeToString(w.Sum(nil))
}

// algorithm is one value of the algorithm parameter: a hash and whether
// it is the session variant, whose HA1 also covers the nonce and cnonce
// (RFC 7616 §3.4.2).
type algorithm struct {
	hash hashID
	sess bool
}

// parseAlgorithm maps an algorithm parameter to an algorithm, ignoring
// case. An empty value means MD5 (RFC 7616 §3.3, RFC 3261 §25.1).
func parseAlgorithm(s string) (algorithm, bool) {
	var a algorithm
	if n := len(s) - len("-sess"); n > 0 && strings.EqualFold(s[n:], "-sess") {
		s, a.sess = s[:n], true
	}
	switch {
	case s == "", strings.EqualFold(s, "MD5"):
		a.hash = hashMD5
	case strings.EqualFold(s, "SHA-256"):
		a.hash = hashSHA256
	case strings.EqualFold(s, "SHA-512-256"):
		a.hash = hashSHA512256
	default:
		return a, false
	}
	return a, true
}

// digestParams holds the inputs of one response computation.
type digestParams struct {
	alg    algorithm
	ha1    string // H(username ":" realm ":" password), hex; the -sess step is done by response
	nonce  string
	cnonce string // only with qop
	nc     string // 8 hex digits, only with qop
	qop    string // "auth", "auth-int" or "" for the RFC 2069 form
	method string
	uri    string // the digest-uri: the Request-URI as written (RFC 3261 §22.4)
	body   []byte // the message body, hashed for auth-int
}

// response returns the request-digest of RFC 7616 §3.4.1:
//
//	KD(HA1, nonce ":" nc ":" cnonce ":" qop ":" HA2)  with qop,
//	KD(HA1, nonce ":" HA2)                            without (RFC 2617 §3.2.2.1),
//
// where KD(secret, data) = H(secret ":" data), HA1 is the given one or,
// for a -sess algorithm, H(HA1 ":" nonce ":" cnonce) (§3.4.2), and HA2 is
// H(method ":" uri), or H(method ":" uri ":" H(body)) for auth-int (§3.4.3).
func (p *digestParams) response() string {
	h := p.alg.hash
	ha1 := p.ha1
	if p.alg.sess {
		ha1 = h.sum(ha1, p.nonce, p.cnonce)
	}
	var ha2 string
	if p.qop == "auth-int" {
		ha2 = h.sum(p.method, p.uri, h.sumBytes(p.body))
	} else {
		ha2 = h.sum(p.method, p.uri)
	}
	if p.qop == "" {
		return h.sum(ha1, p.nonce, ha2)
	}
	return h.sum(ha1, p.nonce, p.nc, p.cnonce, p.qop, ha2)
}
