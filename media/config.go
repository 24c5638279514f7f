package media

import (
	"fmt"
	"net/netip"
	"strings"
)

// Packet interval limits in milliseconds. Values from the peer are clamped
// into this range; Config values outside it are refused.
const (
	MinPtime     = 10
	MaxPtime     = 200
	defaultPtime = 20
)

// Codec is an RTP payload format as SDP names it: a=rtpmap and a=fmtp.
type Codec struct {
	PayloadType uint8  // 0-127; 0-95 are the static types of RFC 3551 §6
	Name        string // encoding name, e.g. "PCMU"; compared case-insensitively
	ClockRate   uint32 // Hz
	Fmtp        string // format parameters, "" for none
}

// teName is the encoding name of RFC 4733 telephone events.
const teName = "telephone-event"

func (c Codec) isTelephoneEvent() bool { return strings.EqualFold(c.Name, teName) }

// sameFormat reports whether two codecs are the same format, whatever
// their payload type numbers.
func (c Codec) sameFormat(o Codec) bool {
	return strings.EqualFold(c.Name, o.Name) && c.ClockRate == o.ClockRate
}

// DefaultCodecs returns the codecs used when Config.Codecs is empty:
// PCMU, PCMA and telephone-event for DTMF 0-9, *, #, A-D and flash.
func DefaultCodecs() []Codec {
	return []Codec{
		{PayloadType: 0, Name: "PCMU", ClockRate: 8000},
		{PayloadType: 8, Name: "PCMA", ClockRate: 8000},
		{PayloadType: 101, Name: teName, ClockRate: 8000, Fmtp: "0-16"},
	}
}

// Config describes our side of the media of a call. The zero value of
// every field but Addr and Port selects a default.
type Config struct {
	// Codecs lists the payload formats we support, most preferred first.
	// At most one may be telephone-event. Empty: DefaultCodecs().
	Codecs []Codec
	// Ptime is the packet interval we want to receive, in ms (a=ptime).
	// 0: 20.
	Ptime int
	// MaxPtime, if not 0, is sent as a=maxptime.
	MaxPtime int
	// Addr is our RTP address, IPv4 or IPv6 (c=IN IP4 / IN IP6).
	Addr netip.Addr
	// Port is our RTP port; RTCP uses Port+1, announced with a=rtcp
	// (RFC 3605).
	Port uint16
	// PreferLocalOrder makes Answer pick the first of our codecs that the
	// offer has. By default it picks the first of the offer's codecs that
	// we have, honouring the offerer's preference (RFC 3264 §6.1).
	PreferLocalOrder bool
	// Username is the o= user name. "": "-".
	Username string
	// SessionName is the s= line. "": "-".
	SessionName string
}

// normalize returns cfg with defaults filled in, or ErrConfig.
func (cfg Config) normalize() (Config, error) {
	bad := func(format string, a ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	if !cfg.Addr.IsValid() || cfg.Addr.IsUnspecified() {
		return bad("no local RTP address")
	}
	// A zone is local to this host and has no place in SDP.
	cfg.Addr = cfg.Addr.Unmap().WithZone("")
	if cfg.Port == 0 || cfg.Port == 65535 {
		return bad("RTP port %d leaves no room for RTCP", cfg.Port)
	}
	if cfg.Ptime == 0 {
		cfg.Ptime = defaultPtime
	}
	if cfg.Ptime < MinPtime || cfg.Ptime > MaxPtime {
		return bad("ptime %d", cfg.Ptime)
	}
	if cfg.MaxPtime != 0 && (cfg.MaxPtime < cfg.Ptime || cfg.MaxPtime > MaxPtime) {
		return bad("maxptime %d", cfg.MaxPtime)
	}
	if cfg.Username == "" {
		cfg.Username = "-"
	}
	if cfg.SessionName == "" {
		cfg.SessionName = "-"
	}
	// These end up verbatim in SDP lines: no line breaks, no stray blanks.
	if !isToken(cfg.Username) || strings.ContainsAny(cfg.SessionName, "\r\n\x00") {
		return bad("o= user name or s= line")
	}
	if len(cfg.Codecs) == 0 {
		cfg.Codecs = DefaultCodecs()
	}
	cfg.Codecs = append([]Codec(nil), cfg.Codecs...)
	var seen [128]bool
	audio, te := 0, 0
	for _, c := range cfg.Codecs {
		switch {
		case c.PayloadType > 127 || seen[c.PayloadType]:
			return bad("payload type %d", c.PayloadType)
		case !isToken(c.Name) || strings.Contains(c.Name, "/") || c.ClockRate == 0:
			return bad("codec %q/%d", c.Name, c.ClockRate)
		case strings.ContainsAny(c.Fmtp, "\r\n\x00"):
			return bad("fmtp of %s", c.Name)
		}
		if _, ok := parseEvents(c.Fmtp); c.isTelephoneEvent() && c.Fmtp != "" && !ok {
			return bad("telephone-event fmtp %q", c.Fmtp)
		}
		seen[c.PayloadType] = true
		if c.isTelephoneEvent() {
			te++
		} else {
			audio++
		}
	}
	if audio == 0 || te > 1 {
		return bad("need at least one audio codec and at most one telephone-event")
	}
	return cfg, nil
}

// isToken reports whether s is a non-empty run of visible ASCII, which is
// what SDP allows in o= user names and encoding names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
