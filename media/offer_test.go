package media

import (
	"errors"
	"net/netip"
	"testing"
)

func TestFirstOffer(t *testing.T) {
	s := newTestSession(t, nil)
	b, err := s.Offer(false)
	if err != nil {
		t.Fatal(err)
	}
	id, ver := origin(t, b)
	mustHave(t, b,
		"v=0",
		"o=us "+id+" "+ver+" IN IP4 192.0.2.10",
		"s=-",
		"c=IN IP4 192.0.2.10",
		"t=0 0",
		"m=audio 4000 RTP/AVP 0 8 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=ptime:20",
		"a=rtcp:4001",
		"a=sendrecv",
	)
	mustNotHave(t, b, "a=maxptime")
	if n := s.Negotiated(); n.Active {
		t.Errorf("Negotiated before any answer: %+v", n)
	}
}

func TestOfferConfig(t *testing.T) {
	s := newTestSession(t, func(c *Config) {
		c.Addr = netip.MustParseAddr("2001:db8::10")
		c.Port = 5004
		c.Ptime = 30
		c.MaxPtime = 60
		c.Codecs = []Codec{{PayloadType: 8, Name: "PCMA", ClockRate: 8000}}
		c.SessionName = "call"
	})
	b, err := s.Offer(true)
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, b,
		"s=call",
		"c=IN IP6 2001:db8::10",
		"m=audio 5004 RTP/AVP 8",
		"a=ptime:30",
		"a=maxptime:60",
		"a=rtcp:5005",
		"a=sendonly", // a first offer on hold
	)
	mustNotHave(t, b, "a=rtpmap:101", "a=fmtp")
}

func TestConfigInvalid(t *testing.T) {
	addr := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no address", Config{Port: 4000}},
		{"unspecified address", Config{Addr: netip.IPv4Unspecified(), Port: 4000}},
		{"port 0", Config{Addr: addr}},
		{"port 65535", Config{Addr: addr, Port: 65535}},
		{"ptime", Config{Addr: addr, Port: 4000, Ptime: 5}},
		{"maxptime below ptime", Config{Addr: addr, Port: 4000, MaxPtime: 10}},
		{"user name with a blank", Config{Addr: addr, Port: 4000, Username: "a b"}},
		{"session name with CRLF", Config{Addr: addr, Port: 4000, SessionName: "x\r\na=evil"}},
		{"no audio codec", Config{Addr: addr, Port: 4000, Codecs: []Codec{{PayloadType: 101, Name: "telephone-event", ClockRate: 8000}}}},
		{"payload type 128", Config{Addr: addr, Port: 4000, Codecs: []Codec{{PayloadType: 128, Name: "PCMU", ClockRate: 8000}}}},
		{"duplicate payload type", Config{Addr: addr, Port: 4000, Codecs: []Codec{
			{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, {PayloadType: 0, Name: "PCMA", ClockRate: 8000}}}},
		{"no clock rate", Config{Addr: addr, Port: 4000, Codecs: []Codec{{PayloadType: 0, Name: "PCMU"}}}},
		{"bad event list", Config{Addr: addr, Port: 4000, Codecs: []Codec{
			{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, {PayloadType: 101, Name: "telephone-event", ClockRate: 8000, Fmtp: "16-0"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewSession(tc.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("NewSession = %v, want ErrConfig", err)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"0-15", "0-15"},
		{"0-16", "0-16"},
		{" 0-11 , 16,15", "0-11,15-16"},
		{"255", "255"},
		{"0,2,4", "0,2,4"},
		{"", "!"},
		{"256", "!"},
		{"5-3", "!"},
		{"a", "!"},
		{"1-", "!"},
	} {
		e, ok := parseEvents(tc.in)
		got := e.String()
		if !ok {
			got = "!"
		}
		if got != tc.out {
			t.Errorf("parseEvents(%q) = %q, want %q", tc.in, got, tc.out)
		}
	}
}
