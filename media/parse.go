package media

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Limits on SDP from the network. A phone call's SDP is a few hundred
// bytes with one or two m-lines; these leave ample room for real peers
// while bounding the work hostile input can cause.
const (
	MaxSDPSize    = 16 << 10 // bytes
	maxMedia      = 16       // m-lines
	maxFormats    = 64       // payload types on one m-line
	maxAttributes = 512      // a= lines in all
)

// parseSDP parses an SDP body from the peer within the limits above.
func parseSDP(body []byte) (*sdp.SessionDescription, error) {
	if len(body) > MaxSDPSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrLimit, len(body))
	}
	// SDP is text (RFC 4566 §5): refuse control characters, which pion
	// would otherwise carry into field values.
	for _, c := range body {
		if (c < ' ' && c != '\r' && c != '\n' && c != '\t') || c == 0x7f {
			return nil, fmt.Errorf("%w: control character 0x%02x", ErrMalformed, c)
		}
	}
	sd := new(sdp.SessionDescription)
	if err := sd.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(sd.TimeDescriptions) == 0 { // pion takes an empty body as SDP
		return nil, fmt.Errorf("%w: no v=, o=, s= and t= lines", ErrMalformed)
	}
	if len(sd.MediaDescriptions) > maxMedia {
		return nil, fmt.Errorf("%w: %d m-lines", ErrLimit, len(sd.MediaDescriptions))
	}
	attrs := len(sd.Attributes)
	for _, md := range sd.MediaDescriptions {
		switch n := len(md.MediaName.Formats); {
		case n == 0: // RFC 4566 §5.14 wants at least one format
			return nil, fmt.Errorf("%w: m=%s without formats", ErrMalformed, md.MediaName.Media)
		case n > maxFormats:
			return nil, fmt.Errorf("%w: %d formats on one m-line", ErrLimit, n)
		}
		attrs += len(md.Attributes)
	}
	if attrs > maxAttributes {
		return nil, fmt.Errorf("%w: %d attributes", ErrLimit, attrs)
	}
	return sd, nil
}

// stream is what the peer's SDP says about one audio stream.
type stream struct {
	rtp, rtcp netip.AddrPort
	codecs    []Codec // the formats we can name, in the peer's order
	ptime     int     // a=ptime, clamped; 0 if absent
	maxptime  int     // a=maxptime, clamped; 0 if absent
	dir       Direction
}

// readStream reads an m-line of the peer's SDP as an RTP/AVP audio stream,
// or says why it is not one we can use.
func readStream(sd *sdp.SessionDescription, md *sdp.MediaDescription) (stream, error) {
	m := md.MediaName
	switch {
	case m.Media != "audio":
		return stream{}, fmt.Errorf("m=%s", m.Media)
	case strings.Join(m.Protos, "/") != "RTP/AVP":
		return stream{}, fmt.Errorf("transport %s", strings.Join(m.Protos, "/"))
	case m.Port.Value == 0:
		return stream{}, fmt.Errorf("port 0")
	case m.Port.Range != nil && *m.Port.Range != 1:
		return stream{}, fmt.Errorf("port range")
	}

	// A media-level c= overrides the session-level one (RFC 4566 §5.7).
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return stream{}, fmt.Errorf("no c= line")
	}
	// Host names, multicast TTLs and address ranges fail here: unicast
	// addresses only.
	addr, err := netip.ParseAddr(ci.Address.Address)
	switch {
	case err != nil || addr.Zone() != "":
		return stream{}, fmt.Errorf("c= address %q", ci.Address.Address)
	case (ci.AddressType == "IP4") != addr.Is4():
		return stream{}, fmt.Errorf("c= %s %s", ci.AddressType, ci.Address.Address)
	case addr.IsMulticast():
		return stream{}, fmt.Errorf("multicast c= %s", addr)
	}

	port := uint16(m.Port.Value)
	st := stream{rtp: netip.AddrPortFrom(addr, port), dir: SendRecv}
	if port < 65535 {
		st.rtcp = netip.AddrPortFrom(addr, port+1) // RFC 3550 §11
	}
	for _, a := range sd.Attributes {
		if d, ok := parseDirection(a.Key); ok {
			st.dir = d // session level, unless the media level says otherwise
			break
		}
	}
	var rtpmap, fmtp [128]string
	mediaDir := false
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap", "fmtp":
			pt, v, ok := splitPT(a.Value)
			if !ok {
				continue
			}
			if a.Key == "rtpmap" {
				rtpmap[pt] = v
			} else {
				fmtp[pt] = v
			}
		case "ptime":
			st.ptime = parseMs(a.Value)
		case "maxptime":
			st.maxptime = parseMs(a.Value)
		case "rtcp":
			if p, ok := parseRTCP(a.Value, addr); ok {
				st.rtcp = p
			}
		default:
			if d, ok := parseDirection(a.Key); ok && !mediaDir {
				st.dir, mediaDir = d, true
			}
		}
	}
	// RFC 2543 hold: c=0.0.0.0 means send neither RTP nor RTCP to the
	// peer (RFC 3264 §8.4), whatever the direction attribute says.
	if addr.IsUnspecified() {
		st.dir &^= RecvOnly
	}

	for _, f := range m.Formats {
		pt, ok := parsePT(f)
		if !ok {
			continue
		}
		var c Codec
		if rtpmap[pt] != "" {
			c, ok = parseRtpmap(pt, rtpmap[pt])
		} else {
			c, ok = staticCodecs[pt]
		}
		if ok {
			c.Fmtp = fmtp[pt]
			st.codecs = append(st.codecs, c)
		}
	}
	return st, nil
}

// parseMs parses a=ptime or a=maxptime. The value is only ever compared,
// never used to size anything, but is clamped so that nonsense from the
// peer cannot reach the RTP layer. Unparsable values count as absent.
func parseMs(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0
	}
	return min(max(n, MinPtime), MaxPtime)
}

// parseRTCP parses a=rtcp:<port> [IN IP4|IP6 <addr>] (RFC 3605 §2.1). The
// address defaults to the stream's.
func parseRTCP(v string, addr netip.Addr) (netip.AddrPort, bool) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(f[0], 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, false
	}
	if len(f) == 4 && f[1] == "IN" {
		a, err := netip.ParseAddr(f[3])
		if err != nil || a.Zone() != "" || (f[2] == "IP4") != a.Is4() {
			return netip.AddrPort{}, false
		}
		addr = a
	}
	return netip.AddrPortFrom(addr, uint16(port)), true
}
