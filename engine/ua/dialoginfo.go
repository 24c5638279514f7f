package ua

import (
	"encoding/xml"
	"strings"
)

// DialogInfoType is the content type of the "dialog" package (RFC 4235
// §4.1).
const DialogInfoType = "application/dialog-info+xml"

// DialogInfo is a dialog-info document (RFC 4235 §4): the dialogs of the
// watched entity, for busy-lamp fields. A partial document (Full false)
// carries only the dialogs that changed since the previous version.
type DialogInfo struct {
	Entity  string
	Version uint32
	Full    bool // state="full"
	Dialogs []DialogState
}

// DialogState is one dialog of a DialogInfo (RFC 4235 §4.1.6).
type DialogState struct {
	ID, CallID, LocalTag, RemoteTag string
	Direction                       string // "initiator" or "recipient", "" if not given
	State                           string // "trying", "proceeding", "early", "confirmed", "terminated"
	Event                           string // of a terminated dialog: "cancelled", "rejected", "replaced", ...
	Code                            int    // the response code behind the state, 0 if none
	Local, Remote                   Participant
}

// Participant is one side of a dialog (RFC 4235 §4.1.6.2).
type Participant struct {
	Identity string // a URI
	Display  string // the identity's display name
	Target   string // the target URI
}

// Lamp is what a busy-lamp field shows for an entity.
type Lamp uint8

// The lamps.
const (
	LampIdle    Lamp = iota // no dialog
	LampRinging             // a call to the entity rings
	LampBusy                // the entity is in a call, or calling
)

// Lamp sums up the dialogs of a full document: ringing when a call to the
// entity is early, else busy while any dialog lives.
func (d DialogInfo) Lamp() Lamp {
	l := LampIdle
	for _, dl := range d.Dialogs {
		switch dl.State {
		case "terminated", "":
		case "trying", "proceeding", "early":
			if dl.Direction == "recipient" {
				return LampRinging
			}
			l = LampBusy
		default:
			l = LampBusy
		}
	}
	return l
}

type diDoc struct {
	XMLName xml.Name `xml:"dialog-info"`
	Entity  string   `xml:"entity,attr"`
	Version uint32   `xml:"version,attr"`
	State   string   `xml:"state,attr"`
	Dialogs []diDlg  `xml:"dialog"`
}

type diDlg struct {
	ID        string `xml:"id,attr"`
	CallID    string `xml:"call-id,attr"`
	LocalTag  string `xml:"local-tag,attr"`
	RemoteTag string `xml:"remote-tag,attr"`
	Direction string `xml:"direction,attr"`
	State     struct {
		Value string `xml:",chardata"`
		Event string `xml:"event,attr"`
		Code  int    `xml:"code,attr"`
	} `xml:"state"`
	Local  diPart `xml:"local"`
	Remote diPart `xml:"remote"`
}

type diPart struct {
	Identity struct {
		Value   string `xml:",chardata"`
		Display string `xml:"display,attr"`
	} `xml:"identity"`
	Target struct {
		URI string `xml:"uri,attr"`
	} `xml:"target"`
}

// ParseDialogInfo parses a dialog-info document, within the bounds of
// ErrBody; names are matched without namespace.
func ParseDialogInfo(body []byte) (DialogInfo, error) {
	var d diDoc
	if err := unmarshalXML(body, &d); err != nil {
		return DialogInfo{}, err
	}
	di := DialogInfo{Entity: strings.TrimSpace(d.Entity), Version: d.Version, Full: d.State == "full"}
	for _, x := range d.Dialogs {
		di.Dialogs = append(di.Dialogs, DialogState{
			ID: x.ID, CallID: x.CallID, LocalTag: x.LocalTag, RemoteTag: x.RemoteTag,
			Direction: x.Direction, State: strings.ToLower(strings.TrimSpace(x.State.Value)),
			Event: x.State.Event, Code: x.State.Code,
			Local: x.Local.participant(), Remote: x.Remote.participant(),
		})
	}
	return di, nil
}

func (p diPart) participant() Participant {
	return Participant{Identity: strings.TrimSpace(p.Identity.Value), Display: p.Identity.Display, Target: p.Target.URI}
}
