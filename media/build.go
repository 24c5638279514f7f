package media

import (
	"strconv"

	"github.com/pion/sdp/v3"
)

// local is what an SDP of ours says.
type local struct {
	slots  []sdp.MediaName // the session's m-lines; all but slots[audio] go out refused
	audio  int             // index of our audio stream in slots
	codecs []Codec         // formats of the audio stream, preferred first
	dir    Direction
}

// marshal writes l as SDP with o= version version.
func (s *Session) marshal(l local, version uint64) ([]byte, error) {
	addrType := "IP4"
	if s.cfg.Addr.Is6() {
		addrType = "IP6"
	}
	addr := s.cfg.Addr.String()
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       s.cfg.Username,
			SessionID:      s.id,
			SessionVersion: version,
			NetworkType:    "IN",
			AddressType:    addrType,
			UnicastAddress: addr,
		},
		SessionName: sdp.SessionName(s.cfg.SessionName),
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: addrType,
			Address:     &sdp.Address{Address: addr},
		},
		TimeDescriptions: []sdp.TimeDescription{{}}, // t=0 0
	}
	for i, m := range l.slots {
		if i == l.audio {
			sd.MediaDescriptions = append(sd.MediaDescriptions, s.audioMedia(l))
			continue
		}
		// A refused or disabled stream keeps its slot with port 0
		// (RFC 3264 §6, §8.2).
		m.Port = sdp.RangedPort{}
		sd.MediaDescriptions = append(sd.MediaDescriptions, &sdp.MediaDescription{MediaName: m})
	}
	return sd.Marshal()
}

// audioMedia is the m= section of our audio stream.
func (s *Session) audioMedia(l local) *sdp.MediaDescription {
	md := &sdp.MediaDescription{MediaName: sdp.MediaName{
		Media:  "audio",
		Port:   sdp.RangedPort{Value: int(s.cfg.Port)},
		Protos: []string{"RTP", "AVP"},
	}}
	for _, c := range l.codecs {
		pt := strconv.Itoa(int(c.PayloadType))
		md.MediaName.Formats = append(md.MediaName.Formats, pt)
		md.Attributes = append(md.Attributes,
			sdp.NewAttribute("rtpmap", pt+" "+c.Name+"/"+strconv.FormatUint(uint64(c.ClockRate), 10)))
		if c.Fmtp != "" {
			md.Attributes = append(md.Attributes, sdp.NewAttribute("fmtp", pt+" "+c.Fmtp))
		}
	}
	md.Attributes = append(md.Attributes, sdp.NewAttribute("ptime", strconv.Itoa(s.cfg.Ptime)))
	if s.cfg.MaxPtime != 0 {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("maxptime", strconv.Itoa(s.cfg.MaxPtime)))
	}
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute("rtcp", strconv.Itoa(int(s.cfg.Port)+1)), // RFC 3605
		sdp.NewPropertyAttribute(l.dir.String()))
	return md
}
