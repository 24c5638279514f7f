package sip

// hkind identifies a header the stack knows, so lookups compare a byte
// instead of a name and compact forms need no special case.
type hkind uint8

const (
	hOther hkind = iota
	hAccept
	hAcceptContact
	hAcceptEncoding
	hAcceptLanguage
	hAlertInfo
	hAllow
	hAllowEvents
	hAnswerMode
	hAuthenticationInfo
	hAuthorization
	hCallID
	hCallInfo
	hContact
	hContentDisposition
	hContentEncoding
	hContentLanguage
	hContentLength
	hContentType
	hCSeq
	hDate
	hErrorInfo
	hEvent
	hExpires
	hFrom
	hIdentity
	hIdentityInfo
	hInReplyTo
	hMaxForwards
	hMIMEVersion
	hMinExpires
	hMinSE
	hOrganization
	hPAssertedIdentity
	hPPreferredIdentity
	hPath
	hPriority
	hPrivacy
	hProxyAuthenticate
	hProxyAuthorization
	hProxyRequire
	hRAck
	hReason
	hRecordRoute
	hReferSub
	hReferTo
	hReferredBy
	hRejectContact
	hReplaces
	hReplyTo
	hRequestDisposition
	hRequire
	hRetryAfter
	hRoute
	hRSeq
	hServer
	hServiceRoute
	hSessionExpires
	hSIPETag
	hSIPIfMatch
	hSubject
	hSubscriptionState
	hSupported
	hTimestamp
	hTo
	hUnsupported
	hUserAgent
	hVia
	hWarning
	hWWWAuthenticate
	numKinds
)

// kindInfo is what the stack knows of a header: its canonical spelling,
// its compact form (RFC 3261 §7.3.3 and the RFCs that added more) and
// whether its values form a comma-separated list (§7.3.1).
type kindInfo struct {
	name    string
	compact byte
	list    bool
}

var kinds = [numKinds]kindInfo{
	hAccept:             {"Accept", 0, true},
	hAcceptContact:      {"Accept-Contact", 'a', true}, // RFC 3841
	hAcceptEncoding:     {"Accept-Encoding", 0, true},
	hAcceptLanguage:     {"Accept-Language", 0, true},
	hAlertInfo:          {"Alert-Info", 0, true},
	hAllow:              {"Allow", 0, true},
	hAllowEvents:        {"Allow-Events", 'u', true}, // RFC 6665
	hAnswerMode:         {"Answer-Mode", 0, false},   // RFC 5373
	hAuthenticationInfo: {"Authentication-Info", 0, false},
	hAuthorization:      {"Authorization", 0, false},
	hCallID:             {"Call-ID", 'i', false},
	hCallInfo:           {"Call-Info", 0, true},
	hContact:            {"Contact", 'm', true},
	hContentDisposition: {"Content-Disposition", 0, false},
	hContentEncoding:    {"Content-Encoding", 'e', true},
	hContentLanguage:    {"Content-Language", 0, true},
	hContentLength:      {"Content-Length", 'l', false},
	hContentType:        {"Content-Type", 'c', false},
	hCSeq:               {"CSeq", 0, false},
	hDate:               {"Date", 0, false},
	hErrorInfo:          {"Error-Info", 0, true},
	hEvent:              {"Event", 'o', false}, // RFC 6665
	hExpires:            {"Expires", 0, false},
	hFrom:               {"From", 'f', false},
	hIdentity:           {"Identity", 'y', false},      // RFC 8224
	hIdentityInfo:       {"Identity-Info", 'n', false}, // RFC 4474
	hInReplyTo:          {"In-Reply-To", 0, true},
	hMaxForwards:        {"Max-Forwards", 0, false},
	hMIMEVersion:        {"MIME-Version", 0, false},
	hMinExpires:         {"Min-Expires", 0, false},
	hMinSE:              {"Min-SE", 0, false}, // RFC 4028
	hOrganization:       {"Organization", 0, false},
	hPAssertedIdentity:  {"P-Asserted-Identity", 0, true}, // RFC 3325
	hPPreferredIdentity: {"P-Preferred-Identity", 0, true},
	hPath:               {"Path", 0, true}, // RFC 3327
	hPriority:           {"Priority", 0, false},
	hPrivacy:            {"Privacy", 0, false},
	hProxyAuthenticate:  {"Proxy-Authenticate", 0, false},
	hProxyAuthorization: {"Proxy-Authorization", 0, false},
	hProxyRequire:       {"Proxy-Require", 0, true},
	hRAck:               {"RAck", 0, false}, // RFC 3262
	hReason:             {"Reason", 0, true},
	hRecordRoute:        {"Record-Route", 0, true},
	hReferSub:           {"Refer-Sub", 0, false},       // RFC 4488
	hReferTo:            {"Refer-To", 'r', false},      // RFC 3515
	hReferredBy:         {"Referred-By", 'b', false},   // RFC 3892
	hRejectContact:      {"Reject-Contact", 'j', true}, // RFC 3841
	hReplaces:           {"Replaces", 0, false},        // RFC 3891
	hReplyTo:            {"Reply-To", 0, false},
	hRequestDisposition: {"Request-Disposition", 'd', true}, // RFC 3841
	hRequire:            {"Require", 0, true},
	hRetryAfter:         {"Retry-After", 0, false},
	hRoute:              {"Route", 0, true},
	hRSeq:               {"RSeq", 0, false},
	hServer:             {"Server", 0, false},
	hServiceRoute:       {"Service-Route", 0, true}, // RFC 3608
	hSessionExpires:     {"Session-Expires", 'x', false},
	hSIPETag:            {"SIP-ETag", 0, false},
	hSIPIfMatch:         {"SIP-If-Match", 0, false},
	hSubject:            {"Subject", 's', false},
	hSubscriptionState:  {"Subscription-State", 0, false},
	hSupported:          {"Supported", 'k', true},
	hTimestamp:          {"Timestamp", 0, false},
	hTo:                 {"To", 't', false},
	hUnsupported:        {"Unsupported", 0, true},
	hUserAgent:          {"User-Agent", 0, false},
	hVia:                {"Via", 'v', true},
	hWarning:            {"Warning", 0, true},
	hWWWAuthenticate:    {"WWW-Authenticate", 0, false},
}

// kindTable finds a full header name by a hash of its length and three
// of its letters, which is collision-free over the names above (the
// multipliers were searched for; TestKindOf fails if a new name collides),
// then confirms it with one case-insensitive compare. Compact forms are
// indexed by their letter. Filled once at start-up, read-only afterwards.
var kindTable = func() (t struct {
	full    [256]hkind
	compact [26]hkind
}) {
	for k := hkind(1); k < numKinds; k++ {
		info := kinds[k]
		t.full[kindHash(info.name)] = k
		if info.compact != 0 {
			t.compact[info.compact-'a'] = k
		}
	}
	return t
}()

// kindHash hashes a non-empty header name in any case.
func kindHash(name string) uint8 {
	// c|0x20 lowers a letter, so case does not change the hash. What it
	// does to other bytes does not matter: a hit is always confirmed.
	n := len(name)
	return uint8(uint(name[0]|0x20)*11 + uint(name[n/2]|0x20)*57 + uint(name[n-1]|0x20) + uint(n)*56)
}

// kindOf returns the kind of a header name in any case or compact form.
func kindOf(name string) hkind {
	switch len(name) {
	case 0:
		return hOther
	case 1:
		if c := lower(name[0]); c >= 'a' && c <= 'z' {
			return kindTable.compact[c-'a']
		}
		return hOther
	}
	// Most names arrive spelled as in kinds, which one memory compare
	// confirms; equalFold handles any other case.
	k := kindTable.full[kindHash(name)]
	if known := kinds[k].name; name == known || equalFold(known, name) {
		return k
	}
	return hOther // kinds[hOther].name is "", which no name of two bytes or more equals
}

// exactKind returns the kind whose name in kinds is exactly name, of two
// bytes or more, or hOther: one hash and one memory compare, how Parse
// recognises the names that arrive spelled as usual. Such a name is a
// token, as every name in kinds is.
func exactKind(name string) hkind {
	if len(name) < 2 {
		return hOther
	}
	if k := kindTable.full[kindHash(name)]; kinds[k].name == name {
		return k
	}
	return hOther
}

// CanonicalName returns the full, canonically spelled name of a known
// header ("v" and "VIA" become "Via") and any other name unchanged.
func CanonicalName(name string) string {
	if k := kindOf(name); k != hOther {
		return kinds[k].name
	}
	return name
}
