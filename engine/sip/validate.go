package sip

// Validate checks what RFC 3261 requires of every message beyond framing,
// with Limits for the URI length: the mandatory headers (§8.1.1) present
// once and well formed, every Via, the CSeq method matching the request
// method, Max-Forwards and Contact values, and a Content-Type that parses.
// The error is a *ProtocolError whose Status a UAS answers with (400, or
// 414 for an over-long Request-URI); a response that fails is discarded.
//
// A success is cached like the typed headers, so the layers that each check
// a message (the transaction layer, the UAS inspection) pay once.
func (m *Message) Validate(lim Limits) error {
	lim = lim.withDefaults()
	if m.cached(cValid) && int(m.c.uriMax) == lim.MaxURILength {
		return nil // MaxURILength is the only limit it reads
	}
	err := m.validate(lim)
	if err == nil {
		m.c.have |= 1 << cValid
		m.c.uriMax = int32(min(lim.MaxURILength, 1<<31-1))
	}
	return err
}

func (m *Message) validate(lim Limits) error {
	if m.IsRequest() {
		if len(m.requestURI) > lim.MaxURILength {
			return &ProtocolError{Status: 414, Header: "Request-URI", Err: ErrURITooLong}
		}
		if _, err := m.RequestURI(); err != nil {
			return err
		}
	}
	// Single-valued headers must appear once (RFC 4475 §3.3.8).
	for _, k := range [...]hkind{hCallID, hCSeq, hFrom, hTo, hMaxForwards, hContentType} {
		n := m.count(k, "")
		if n > 1 {
			return badRequest(ErrDuplicateHeader, kinds[k].name)
		}
		if n == 0 && k != hMaxForwards && k != hContentType {
			return badRequest(ErrMissingHeader, kinds[k].name)
		}
	}
	if !validCallID(m.CallID()) {
		return badRequest(ErrHeaderSyntax, "Call-ID")
	}
	for _, get := range [...]func() (NameAddr, error){m.From, m.To} {
		na, err := get()
		if err == nil && (na.Wildcard || na.URI.Scheme == "") {
			err = badRequest(ErrNameAddr, "From/To")
		}
		if err != nil {
			return err
		}
	}
	cseq, err := m.CSeq()
	if err != nil {
		return err
	}
	if m.IsRequest() && cseq.Method != m.method {
		return badRequest(ErrMethodMismatch, "CSeq") // RFC 4475 §3.1.2.17
	}
	if m.count(hVia, "") == 0 {
		return badRequest(ErrMissingHeader, "Via")
	}
	m.eachValue(hVia, "", func(v string) bool {
		var via Via
		err = parseVia(&via, v)
		return err == nil
	})
	if err != nil {
		return badRequest(err, "Via")
	}
	if _, ok := m.lookup(hMaxForwards, ""); ok {
		if _, ok := m.MaxForwards(); !ok {
			return badRequest(ErrNumber, "Max-Forwards")
		}
	}
	m.eachValue(hContact, "", func(v string) bool {
		var na NameAddr
		na, err = ParseNameAddr(v)
		if err == nil && na.Wildcard && (m.method != "REGISTER" || m.count(hContact, "") != 1) {
			err = ErrNameAddr // "*" only to unregister all (§10.2.2)
		}
		return err == nil
	})
	if err != nil {
		return badRequest(err, "Contact")
	}
	if ct, ok := m.lookup(hContentType, ""); ok {
		if _, err := ParseMediaType(ct); err != nil {
			return badRequest(err, "Content-Type")
		}
	}
	return nil
}

// validCallID checks the callid grammar: word ["@" word] (RFC 3261 §25.1).
func validCallID(s string) bool {
	if s == "" {
		return false
	}
	at := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@':
			if at || i == 0 || i == len(s)-1 {
				return false
			}
			at = true
		case tokenTable.has(c), wordExtra(c):
		default:
			return false
		}
	}
	return true
}

// wordExtra holds the characters a callid word allows beyond token.
func wordExtra(c byte) bool {
	switch c {
	case '(', ')', '<', '>', ':', '\\', '"', '/', '[', ']', '?', '{', '}':
		return true
	}
	return false
}
