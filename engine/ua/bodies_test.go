package ua

import (
	"errors"
	"strings"
	"testing"
)

// PIDF (RFC 3863): what we write reads back; the RFC's example and the
// data-model form (RFC 4479) with prefixes read too.
func TestPIDF(t *testing.T) {
	in := Presence{Entity: "pres:alice@example.com", Tuples: []Tuple{
		{ID: "a1", Open: true, Contact: "sip:alice@192.0.2.1", Note: "at the desk <&>"},
		{Open: false},
	}, Notes: []string{"back at 5"}}
	b, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:alice@example.com">`) ||
		!strings.Contains(string(b), "<basic>open</basic>") || !strings.Contains(string(b), "&lt;&amp;&gt;") {
		t.Errorf("PIDF written:\n%s", b)
	}
	out, err := ParsePIDF(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.Entity != in.Entity || len(out.Tuples) != 2 || !out.Tuples[0].Open || out.Tuples[0].Note != "at the desk <&>" ||
		out.Tuples[1].ID != "t1" || out.Tuples[1].Open || !out.Open() || len(out.Notes) != 1 {
		t.Errorf("read back %+v", out)
	}
	if _, err := (Presence{}).Marshal(); err == nil {
		t.Error("a document without entity was written")
	}

	rfc := `<?xml version="1.0" encoding="UTF-8"?>
<impp:presence xmlns:impp="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
    entity="pres:someone@example.com">
  <impp:tuple id="sg89ae">
    <impp:status><impp:basic>closed</impp:basic></impp:status>
    <impp:contact priority="0.8">tel:+09012345678</impp:contact>
  </impp:tuple>
  <dm:person id="p1"><dm:note>On the phone</dm:note></dm:person>
</impp:presence>`
	p, err := ParsePIDF([]byte(rfc))
	if err != nil {
		t.Fatal(err)
	}
	if p.Open() || len(p.Tuples) != 1 || p.Tuples[0].ID != "sg89ae" || p.Tuples[0].Contact != "tel:+09012345678" ||
		len(p.Notes) != 1 || p.Notes[0] != "On the phone" {
		t.Errorf("RFC example read %+v", p)
	}
}

// Hostile XML is refused without reading it through: too big, too deep,
// too many elements, a DTD (entity expansion), malformed.
func TestXMLBounds(t *testing.T) {
	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	wide := "<presence>" + strings.Repeat("<tuple/>", maxXMLElements) + "</presence>"
	huge := "<presence><note>" + strings.Repeat("x", maxXMLBody) + "</note></presence>"
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><presence entity="&lol2;"/>`
	for name, doc := range map[string]string{
		"deep": "<presence>" + deep + "</presence>", "wide": wide, "huge": huge, "dtd": laughs,
		"malformed": "<presence><tuple></presence>", "unclosed": "<presence>",
	} {
		if _, err := ParsePIDF([]byte(doc)); !errors.Is(err, ErrBody) {
			t.Errorf("%s PIDF: %v", name, err)
		}
		if _, err := ParseDialogInfo([]byte(strings.ReplaceAll(doc, "presence", "dialog-info"))); !errors.Is(err, ErrBody) {
			t.Errorf("%s dialog-info: %v", name, err)
		}
	}
	// Just within the bounds is read.
	ok := "<presence entity='x'>" + strings.Repeat("<tuple><status><basic>open</basic></status></tuple>", 500) + "</presence>"
	if p, err := ParsePIDF([]byte(ok)); err != nil || len(p.Tuples) != 500 {
		t.Errorf("500 tuples: %d, %v", len(p.Tuples), err)
	}
}

// message-summary (RFC 3842 §5.2): the RFC's example, with urgent counts
// and another class; Messages-Waiting is required; numbers are bounded.
func TestMessageSummary(t *testing.T) {
	body := "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n" +
		"Voice-Message: 4/8 (1/2)\r\nFax-Message: 1/0\r\nX-Unknown: whatever\r\n\r\n" +
		"To: <alice@atlanta.example.com>\r\nSubject: Hi\r\n"
	s, err := ParseMessageSummary([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := MessageCounts{New: 4, Old: 8, NewUrgent: 1, OldUrgent: 2}
	if !s.Waiting || s.Account != "sip:alice@vmail.example.com" || s.Voice != want ||
		s.Other["fax-message"] != (MessageCounts{New: 1}) || len(s.Other) != 1 {
		t.Errorf("summary %+v", s)
	}
	if s, err := ParseMessageSummary([]byte("messages-waiting: no\n")); err != nil || s.Waiting {
		t.Errorf("no messages: %+v %v", s, err)
	}
	for _, bad := range []string{"", "Voice-Message: 1/2\r\n", "Messages-Waiting: maybe\r\n",
		"Messages-Waiting: yes\r\nnot a header\r\n", strings.Repeat("x", maxSummary+1)} {
		if _, err := ParseMessageSummary([]byte(bad)); !errors.Is(err, ErrBody) {
			t.Errorf("%.40q: %v", bad, err)
		}
	}
	if s, _ := ParseMessageSummary([]byte("Messages-Waiting: yes\r\nVoice-Message: 99999999999/1\r\n")); s.Voice != (MessageCounts{}) {
		t.Errorf("out-of-range count taken: %+v", s.Voice)
	}
}

// dialog-info (RFC 4235 §4): a full document of two dialogs, the lamp it
// shows, and the lamp of the other states.
func TestDialogInfo(t *testing.T) {
	doc := `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:bob@example.com">
  <dialog id="d1" call-id="c1@h" local-tag="lt" remote-tag="rt" direction="recipient">
    <state event="replaced" code="200">confirmed</state>
    <local><identity display="Bob">sip:bob@example.com</identity><target uri="sip:bob@192.0.2.2"/></local>
    <remote><identity display="Alice">sip:alice@example.com</identity></remote>
  </dialog>
  <dialog id="d2" direction="initiator"><state>terminated</state></dialog>
</dialog-info>`
	d, err := ParseDialogInfo([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Entity != "sip:bob@example.com" || d.Version != 3 || !d.Full || len(d.Dialogs) != 2 {
		t.Fatalf("document %+v", d)
	}
	d1 := d.Dialogs[0]
	if d1.CallID != "c1@h" || d1.LocalTag != "lt" || d1.RemoteTag != "rt" || d1.Direction != "recipient" ||
		d1.State != "confirmed" || d1.Event != "replaced" || d1.Code != 200 ||
		d1.Remote.Identity != "sip:alice@example.com" || d1.Remote.Display != "Alice" || d1.Local.Target != "sip:bob@192.0.2.2" {
		t.Errorf("dialog %+v", d1)
	}
	if d.Lamp() != LampBusy {
		t.Errorf("lamp %v", d.Lamp())
	}
	for _, c := range []struct {
		dir, state string
		want       Lamp
	}{{"recipient", "early", LampRinging}, {"initiator", "early", LampBusy}, {"initiator", "terminated", LampIdle}} {
		if l := (DialogInfo{Dialogs: []DialogState{{Direction: c.dir, State: c.state}}}).Lamp(); l != c.want {
			t.Errorf("%s %s: lamp %v", c.dir, c.state, l)
		}
	}
}
