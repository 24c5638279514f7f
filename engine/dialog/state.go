package dialog

import (
	"strconv"

	"github.com/sk400vop/sk400vop/engine/sip"
)

// State is the state of a dialog (RFC 3261 §12).
type State uint8

// The states of a dialog. A provisional response creates an early dialog,
// a 2xx confirms it, and the UA core terminates it (BYE, a final failure,
// a 481 or 408 to a request within it).
const (
	Early State = iota + 1
	Confirmed
	Terminated
)

func (s State) String() string {
	switch s {
	case Early:
		return "Early"
	case Confirmed:
		return "Confirmed"
	case Terminated:
		return "Terminated"
	}
	return ""
}

// stateFor returns the state a response creates a dialog in: early for
// 101-199, confirmed for 2xx (RFC 3261 §12.1). A 100 is hop by hop and
// never creates a dialog, nor does a final failure.
func stateFor(resp *sip.Message) (State, error) {
	code := resp.StatusCode()
	switch {
	case resp.IsRequest():
		return 0, badf("a request where a response is needed")
	case code > 100 && code < 200:
		return Early, nil
	case code >= 200 && code < 300:
		return Confirmed, nil
	}
	return 0, badf("a " + strconv.Itoa(code) + " response creates no dialog")
}
