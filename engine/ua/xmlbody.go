package ua

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
)

// Bounds of the XML bodies we parse (PIDF, dialog-info): a hostile
// notifier sends no document bigger, deeper or with more elements than
// these, which are far beyond what the packages need.
const (
	maxXMLBody     = 64 << 10
	maxXMLDepth    = 16
	maxXMLElements = 2048
)

// ErrBody refuses a body that is malformed, or bigger, deeper or more
// numerous in elements than the parser takes.
var ErrBody = errors.New("ua: malformed or oversized body")

// unmarshalXML decodes body into v once it is known to be within the
// bounds: size first, then a token pass that counts depth and elements
// and refuses DTDs (encoding/xml expands no entities, but a DOCTYPE has no
// business in these documents).
func unmarshalXML(body []byte, v any) error {
	if len(body) > maxXMLBody {
		return ErrBody
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	depth, elems := 0, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Join(ErrBody, err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elems++
			if depth > maxXMLDepth || elems > maxXMLElements {
				return ErrBody
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return ErrBody
		}
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return errors.Join(ErrBody, err)
	}
	return nil
}
