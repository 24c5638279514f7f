package sip

import "iter"

// typedCache holds the typed headers a Message has parsed so far, so each
// is parsed at most once, and where the first field of each hot header
// kind is. Any change to the headers clears it.
type typedCache struct {
	have   uint8
	first  [numHot]uint8 // with bit cIndexed: 1 + the index of the first field of each hot kind, 0 if none
	uriMax int32         // the MaxURILength the cached Validate result was found under
	via    Via
	from   NameAddr
	to     NameAddr
	cseq   CSeq
	err    [numCached]error
}

const (
	cVia = iota
	cFrom
	cTo
	cCSeq
	numCached
	cValid   = numCached  // Validate passed (only a success is kept: a failure ends the message's life)
	cIndexed = cValid + 1 // first is filled in (by Parse)
)

// The hot header kinds are those every layer reads from every message.
// Parse notes where the first field of each is, so that reading one does
// not scan the header list. hotSlot maps a kind to its slot in first, plus
// one; 0 means the kind is not hot.
const numHot = 8

var hotSlot = [numKinds]uint8{
	hVia: 1, hFrom: 2, hTo: 3, hCallID: 4, hCSeq: 5, hContact: 6, hMaxForwards: 7, hContentType: 8,
}

// indexHot fills m.c.first from m.headers, walking back so that the first
// field of each kind is the one noted, and sets bit cIndexed. Messages of
// more than 255 fields, whose indexes do not fit, are left to scans.
func (m *Message) indexHot() {
	h := m.headers
	if len(h) > 255 {
		return
	}
	var first [numHot]uint8
	for i := len(h) - 1; i >= 0; i-- {
		if slot := hotSlot[h[i].kind]; slot != 0 {
			first[slot-1] = uint8(i + 1)
		}
	}
	m.c.first = first
	m.c.have |= 1 << cIndexed
}

func (m *Message) cached(bit int) bool { return m.c.have&(1<<bit) != 0 }

func (m *Message) store(bit int, err error) error {
	m.c.have |= 1 << bit
	m.c.err[bit] = err
	return err
}

// RequestURI returns the parsed Request-URI of a request. It is parsed
// on each call (a view into the message, no allocation): every layer reads
// it about once, and not caching it keeps each Message a size class
// smaller.
func (m *Message) RequestURI() (URI, error) {
	var u URI
	if err := parseURI(&u, m.requestURI); err != nil {
		return URI{}, badRequest(err, "Request-URI")
	}
	return u, nil
}

// Via returns the topmost Via value.
func (m *Message) Via() (Via, error) {
	if !m.cached(cVia) {
		v, err := m.typedFirst(hVia)
		if err == nil {
			err = parseVia(&m.c.via, v)
		}
		m.store(cVia, wrapHeaderErr(err, hVia))
	}
	return m.c.via, m.c.err[cVia]
}

// From returns the From header.
func (m *Message) From() (NameAddr, error) {
	if !m.cached(cFrom) {
		m.store(cFrom, m.nameAddr(hFrom, &m.c.from))
	}
	return m.c.from, m.c.err[cFrom]
}

// To returns the To header.
func (m *Message) To() (NameAddr, error) {
	if !m.cached(cTo) {
		m.store(cTo, m.nameAddr(hTo, &m.c.to))
	}
	return m.c.to, m.c.err[cTo]
}

// Contact returns the first Contact value, parsed on each call as
// RequestURI is.
func (m *Message) Contact() (NameAddr, error) {
	var na NameAddr
	err := m.nameAddr(hContact, &na)
	return na, err
}

// CSeq returns the CSeq header.
func (m *Message) CSeq() (CSeq, error) {
	if !m.cached(cCSeq) {
		v, err := m.typedFirst(hCSeq)
		if err == nil {
			m.c.cseq, err = ParseCSeq(v)
		}
		m.store(cCSeq, wrapHeaderErr(err, hCSeq))
	}
	return m.c.cseq, m.c.err[cCSeq]
}

func (m *Message) nameAddr(k hkind, dst *NameAddr) error {
	v, err := m.typedFirst(k)
	if err == nil {
		err = parseNameAddr(dst, v)
	}
	return wrapHeaderErr(err, k)
}

func (m *Message) typedFirst(k hkind) (string, error) {
	v, ok := m.first(k)
	if !ok {
		return "", missingHeader[k]
	}
	return v, nil
}

// missingHeader holds one ready error per header kind, so that asking a
// message for a header it lacks (a 401 without Contact) costs nothing.
// The errors are shared: never modify them.
var missingHeader = func() (e [numKinds]*ProtocolError) {
	for k := range e {
		e[k] = badRequest(ErrMissingHeader, kinds[k].name)
	}
	return e
}()

// wrapHeaderErr turns a header parser's error into a 400 that names the header.
func wrapHeaderErr(err error, k hkind) error {
	if err == nil {
		return nil
	}
	if pe, ok := err.(*ProtocolError); ok {
		return pe
	}
	return badRequest(err, kinds[k].name)
}

// NameAddrs yields every value of a name-addr list header (Contact, Route,
// Record-Route, Path, Service-Route, P-Asserted-Identity) parsed, stopping
// at the first malformed one with its error.
func (m *Message) NameAddrs(name string) iter.Seq2[NameAddr, error] {
	return func(yield func(NameAddr, error) bool) {
		for v := range m.Values(name) {
			na, err := ParseNameAddr(v)
			if !yield(na, err) || err != nil {
				return
			}
		}
	}
}

// AppendNameAddrs appends every value of the named header parsed, as
// NameAddrs yields them, and stops at the first malformed one with its
// error. With dst of room (an array on the caller's stack) it allocates
// nothing, where ranging over NameAddrs costs a few allocations.
func (m *Message) AppendNameAddrs(name string, dst []NameAddr) ([]NameAddr, error) {
	var err error
	m.eachValue(kindOf(name), name, func(v string) bool {
		var na NameAddr
		if na, err = ParseNameAddr(v); err == nil {
			dst = append(dst, na)
		}
		return err == nil
	})
	return dst, err
}

// Vias yields every Via value parsed, top first, stopping at the first
// malformed one with its error.
func (m *Message) Vias() iter.Seq2[Via, error] {
	return func(yield func(Via, error) bool) {
		for v := range m.values(hVia, "") {
			via, err := ParseVia(v)
			if !yield(via, err) || err != nil {
				return
			}
		}
	}
}

// Challenges appends the challenges of every field of the named header,
// WWW-Authenticate (in a 401) or Proxy-Authenticate (in a 407); one field
// may hold several (RFC 3261 §22.3, RFC 8760 §2.4).
func (m *Message) Challenges(name string, dst []Challenge) ([]Challenge, error) {
	k := kindOf(name)
	for i := range m.headers {
		if h := &m.headers[i]; h.is(k, name) {
			var err error
			if dst, err = ParseChallenges(h.Value, dst); err != nil {
				return dst, badRequest(err, kinds[h.kind].name)
			}
		}
	}
	return dst, nil
}
