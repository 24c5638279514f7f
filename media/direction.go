package media

// Direction is the direction attribute of a stream (RFC 3264 §5.1), seen
// from the side whose SDP carries it.
type Direction uint8

// Directions are bit sets: send and receive.
const (
	Inactive Direction = 0
	SendOnly Direction = 1
	RecvOnly Direction = 2
	SendRecv Direction = SendOnly | RecvOnly
)

// String returns the SDP attribute name, e.g. "sendrecv".
func (d Direction) String() string {
	switch d {
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	}
	return "invalid"
}

// Sends reports whether the side sends media.
func (d Direction) Sends() bool { return d&SendOnly != 0 }

// Receives reports whether the side receives media.
func (d Direction) Receives() bool { return d&RecvOnly != 0 }

// reverse is the direction seen from the other side: what one side sends
// the other receives (RFC 3264 §6.1).
func (d Direction) reverse() Direction {
	return (d&SendOnly)<<1 | (d&RecvOnly)>>1
}

// parseDirection maps an SDP attribute key to a Direction.
func parseDirection(key string) (Direction, bool) {
	switch key {
	case "sendrecv":
		return SendRecv, true
	case "sendonly":
		return SendOnly, true
	case "recvonly":
		return RecvOnly, true
	case "inactive":
		return Inactive, true
	}
	return 0, false
}
