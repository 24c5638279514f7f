package ua

import (
	"encoding/xml"
	"strings"
)

// PIDFType is the content type of a PIDF document (RFC 3863 §4.1).
const PIDFType = "application/pidf+xml"

// Presence is a PIDF presence document (RFC 3863): the presentity and the
// status of each of its tuples, for the "presence" package (RFC 3856).
type Presence struct {
	Entity string // the presentity, "sip:alice@example.com" or "pres:..."
	Tuples []Tuple
	Notes  []string // notes of the document and of its persons (RFC 4479)
}

// Tuple is one PIDF tuple (RFC 3863 §4.1.2): a way to reach the
// presentity and whether it is open for communication.
type Tuple struct {
	ID      string
	Open    bool   // basic status "open"; false for "closed" or none
	Contact string // a URI, "" for none
	Note    string // the first note, "" for none
}

// Open reports whether any tuple is open: the presentity is available.
func (p Presence) Open() bool {
	for _, t := range p.Tuples {
		if t.Open {
			return true
		}
	}
	return false
}

type pidfDoc struct {
	XMLName xml.Name   `xml:"presence"`
	Entity  string     `xml:"entity,attr"`
	Tuples  []pidfTup  `xml:"tuple"`
	Notes   []string   `xml:"note"`
	Persons []pidfPers `xml:"person"`
}

type pidfTup struct {
	ID      string   `xml:"id,attr"`
	Basic   string   `xml:"status>basic"`
	Contact string   `xml:"contact"`
	Notes   []string `xml:"note"`
}

type pidfPers struct {
	Notes []string `xml:"note"`
}

// ParsePIDF parses a PIDF document, within the bounds of ErrBody. Elements
// of other namespaces are skipped; names are matched without namespace so
// that the usual prefixes (pidf:, dm:) all read.
func ParsePIDF(body []byte) (Presence, error) {
	var d pidfDoc
	if err := unmarshalXML(body, &d); err != nil {
		return Presence{}, err
	}
	p := Presence{Entity: strings.TrimSpace(d.Entity), Notes: trimAll(d.Notes)}
	for _, pe := range d.Persons {
		p.Notes = append(p.Notes, trimAll(pe.Notes)...)
	}
	for _, t := range d.Tuples {
		tu := Tuple{ID: t.ID, Open: strings.EqualFold(strings.TrimSpace(t.Basic), "open"), Contact: strings.TrimSpace(t.Contact)}
		if n := trimAll(t.Notes); len(n) > 0 {
			tu.Note = n[0]
		}
		p.Tuples = append(p.Tuples, tu)
	}
	return p, nil
}

func trimAll(s []string) []string {
	var out []string
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// pidfOut is the document Marshal writes, in the PIDF namespace.
type pidfOut struct {
	XMLName xml.Name     `xml:"urn:ietf:params:xml:ns:pidf presence"`
	Entity  string       `xml:"entity,attr"`
	Tuples  []pidfTupOut `xml:"tuple"`
	Notes   []string     `xml:"note,omitempty"`
}

type pidfTupOut struct {
	ID      string `xml:"id,attr"`
	Basic   string `xml:"status>basic"`
	Contact string `xml:"contact,omitempty"`
	Note    string `xml:"note,omitempty"`
}

// Marshal writes p as a PIDF document (RFC 3863 §4), for PUBLISH or a
// NOTIFY. A tuple without ID gets "t" and its index; the entity is
// required.
func (p Presence) Marshal() ([]byte, error) {
	if p.Entity == "" {
		return nil, configErr("a PIDF document needs its entity")
	}
	out := pidfOut{Entity: p.Entity, Notes: p.Notes}
	for i, t := range p.Tuples {
		id, basic := t.ID, "closed"
		if id == "" {
			id = "t" + itoa(i)
		}
		if t.Open {
			basic = "open"
		}
		out.Tuples = append(out.Tuples, pidfTupOut{ID: id, Basic: basic, Contact: t.Contact, Note: t.Note})
	}
	b, err := xml.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}
