package media

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The offers below follow the examples of RFC 4317 and RFC 3264 §10, with
// the documentation IP addresses of RFC 5737/3849 in place of host names,
// which this package does not resolve.

// rfc4317AudioVideo is RFC 4317 §2.1: audio with PCMU, PCMA and iLBC, and
// video. We take the audio and refuse the video.
const rfc4317AudioVideo = `
	v=0
	o=alice 2890844526 2890844526 IN IP4 192.0.2.1
	s=
	c=IN IP4 192.0.2.1
	t=0 0
	m=audio 49170 RTP/AVP 0 8 97
	a=rtpmap:0 PCMU/8000
	a=rtpmap:8 PCMA/8000
	a=rtpmap:97 iLBC/8000
	m=video 51372 RTP/AVP 31 32
	a=rtpmap:31 H261/90000
	a=rtpmap:32 MPV/90000`

func TestAnswer(t *testing.T) {
	pcma := func(c *Config) { c.Codecs = []Codec{{PayloadType: 8, Name: "PCMA", ClockRate: 8000}} }
	for _, tc := range []struct {
		name  string
		cfg   func(*Config)
		offer string
		want  []string // lines the answer has, in order
		not   []string // line prefixes it lacks
		neg   Negotiated
	}{{
		name:  "RFC 4317 2.1 audio and video, video refused",
		offer: rfc4317AudioVideo,
		want:  []string{"c=IN IP4 192.0.2.10", "m=audio 4000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "a=ptime:20", "a=rtcp:4001", "a=sendrecv", "m=video 0 RTP/AVP 31 32"},
		not:   []string{"a=rtpmap:8", "a=rtpmap:97", "a=rtpmap:101", "a=rtpmap:31"},
		neg: Negotiated{Active: true, RemoteRTP: addrPort("192.0.2.1:49170"), RemoteRTCP: addrPort("192.0.2.1:49171"),
			Codec: Codec{0, "PCMU", 8000, ""}, Ptime: 20, Local: SendRecv, Remote: SendRecv},
	}, {
		name: "RFC 4317 2.2 subset: we only have PCMA",
		cfg:  pcma,
		offer: `v=0
			o=alice 2890844526 2890844526 IN IP4 192.0.2.1
			s=
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0 8 97
			a=rtpmap:97 iLBC/8000
			m=video 51372 RTP/AVP 31 32`,
		want: []string{"m=audio 4000 RTP/AVP 8", "a=rtpmap:8 PCMA/8000", "m=video 0 RTP/AVP 31 32"},
		neg: Negotiated{Active: true, RemoteRTP: addrPort("192.0.2.1:49170"), RemoteRTCP: addrPort("192.0.2.1:49171"),
			Codec: Codec{8, "PCMA", 8000, ""}, Ptime: 20, Local: SendRecv, Remote: SendRecv},
	}, {
		name: "RFC 4317 2.3 with telephone-event, offerer's numbers and events",
		offer: `v=0
			o=alice 2890844526 2890844526 IN IP4 192.0.2.1
			s=
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 8 0 98 97
			a=rtpmap:98 iLBC/8000
			a=rtpmap:97 telephone-event/8000
			a=fmtp:97 0-15`,
		want: []string{"m=audio 4000 RTP/AVP 8 97", "a=rtpmap:8 PCMA/8000", "a=rtpmap:97 telephone-event/8000", "a=fmtp:97 0-15"},
		neg: Negotiated{Active: true, RemoteRTP: addrPort("192.0.2.1:49170"), RemoteRTCP: addrPort("192.0.2.1:49171"),
			Codec: Codec{8, "PCMA", 8000, ""}, TelephoneEvent: 97, Ptime: 20, Local: SendRecv, Remote: SendRecv},
	}, {
		name: "telephone-event without fmtp means 0-15",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0 96
			a=rtpmap:96 telephone-event/8000`,
		want: []string{"m=audio 4000 RTP/AVP 0 96", "a=fmtp:96 0-15"},
	}, {
		name: "telephone-event events intersected",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0 96
			a=rtpmap:96 telephone-event/8000
			a=fmtp:96 0-11,16,32-40`,
		want: []string{"m=audio 4000 RTP/AVP 0 96", "a=fmtp:96 0-11,16"},
	}, {
		name: "telephone-event with no common event dropped",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0 96
			a=rtpmap:96 telephone-event/8000
			a=fmtp:96 32-40`,
		want: []string{"m=audio 4000 RTP/AVP 0"},
		not:  []string{"a=rtpmap:96", "a=fmtp"},
	}, {
		name: "telephone-event at another clock rate dropped",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0 96
			a=rtpmap:96 telephone-event/16000`,
		want: []string{"m=audio 4000 RTP/AVP 0"},
		not:  []string{"a=rtpmap:96"},
	}, {
		name: "telephone-event not answered when we lack it",
		cfg:  pcma,
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 8 101
			a=rtpmap:101 telephone-event/8000`,
		want: []string{"m=audio 4000 RTP/AVP 8"},
		not:  []string{"a=rtpmap:101"},
	}, {
		name: "offerer's order by default",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 18 8 0`,
		want: []string{"m=audio 4000 RTP/AVP 8"},
	}, {
		name: "our order when asked",
		cfg:  func(c *Config) { c.PreferLocalOrder = true },
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 18 8 0`,
		want: []string{"m=audio 4000 RTP/AVP 0"},
	}, {
		name: "dynamic payload type for PCMA keeps offerer's number",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 100
			a=rtpmap:100 pcma/8000/1`,
		want: []string{"m=audio 4000 RTP/AVP 100", "a=rtpmap:100 PCMA/8000"},
	}, {
		name: "rtpmap overrides a static number",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0 8
			a=rtpmap:0 G729/8000`,
		want: []string{"m=audio 4000 RTP/AVP 8"},
	}, {
		name: "stereo PCMU is not ours",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 96 8
			a=rtpmap:96 PCMU/8000/2`,
		want: []string{"m=audio 4000 RTP/AVP 8"},
	}, {
		name: "media-level c= and a=rtcp with address",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0
			c=IN IP4 198.51.100.7
			a=rtcp:53020 IN IP4 198.51.100.8`,
		want: []string{"m=audio 4000 RTP/AVP 0"},
		neg: Negotiated{Active: true, RemoteRTP: addrPort("198.51.100.7:49170"), RemoteRTCP: addrPort("198.51.100.8:53020"),
			Codec: Codec{0, "PCMU", 8000, ""}, Ptime: 20, Local: SendRecv, Remote: SendRecv},
	}, {
		name: "c= only at media level, IPv6, a=rtcp port only",
		offer: `v=0
			o=- 1 1 IN IP6 2001:db8::1
			s=-
			t=0 0
			m=audio 49170 RTP/AVP 0
			c=IN IP6 2001:db8::1
			a=rtcp:49181`,
		want: []string{"c=IN IP4 192.0.2.10", "m=audio 4000 RTP/AVP 0"},
		neg: Negotiated{Active: true, RemoteRTP: addrPort("[2001:db8::1]:49170"), RemoteRTCP: addrPort("[2001:db8::1]:49181"),
			Codec: Codec{0, "PCMU", 8000, ""}, Ptime: 20, Local: SendRecv, Remote: SendRecv},
	}, {
		name: "unknown transport refused, next audio stream taken",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/SAVP 0
			a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR
			m=audio 49180 RTP/AVP 0`,
		want: []string{"m=audio 0 RTP/SAVP 0", "m=audio 4000 RTP/AVP 0"},
		not:  []string{"a=crypto"},
	}, {
		name: "second audio stream refused",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0
			m=audio 49180 RTP/AVP 110
			a=rtpmap:110 telephone-event/8000
			a=recvonly`,
		want: []string{"m=audio 4000 RTP/AVP 0", "a=sendrecv", "m=audio 0 RTP/AVP 110"},
	}, {
		name: "ptime and maxptime: peer's ptime, capped by its maxptime",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0
			a=ptime:40
			a=maxptime:30`,
		want: []string{"a=ptime:20"},
		neg: Negotiated{Active: true, RemoteRTP: addrPort("192.0.2.1:49170"), RemoteRTCP: addrPort("192.0.2.1:49171"),
			Codec: Codec{0, "PCMU", 8000, ""}, Ptime: 30, Local: SendRecv, Remote: SendRecv},
	}, {
		name: "absurd ptime clamped",
		offer: `v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			m=audio 49170 RTP/AVP 0
			a=ptime:4000000000`,
		neg: Negotiated{Active: true, RemoteRTP: addrPort("192.0.2.1:49170"), RemoteRTCP: addrPort("192.0.2.1:49171"),
			Codec: Codec{0, "PCMU", 8000, ""}, Ptime: MaxPtime, Local: SendRecv, Remote: SendRecv},
	}, {
		name:  "LF line ends and RTP port 65535",
		offer: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 65535 RTP/AVP 0\n",
		neg: Negotiated{Active: true, RemoteRTP: addrPort("192.0.2.1:65535"),
			Codec: Codec{0, "PCMU", 8000, ""}, Ptime: 20, Local: SendRecv, Remote: SendRecv},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, tc.cfg)
			offer := []byte(tc.offer)
			if !strings.Contains(tc.offer, "\r") && strings.Contains(tc.offer, "\t") {
				offer = sdpText(tc.offer)
			}
			b, err := s.Answer(offer, false)
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			mustHave(t, b, tc.want...)
			mustNotHave(t, b, tc.not...)
			if tc.neg.Active {
				if got := s.Negotiated(); got != tc.neg {
					t.Errorf("Negotiated\n got %+v\nwant %+v", got, tc.neg)
				}
			}
			// The answer must be SDP we can read back as an answer.
			if _, err := parseSDP(b); err != nil {
				t.Errorf("answer does not parse: %v", err)
			}
		})
	}
}

// TestAnswerDirection covers RFC 3264 §6.1 and §8.4: the answer reverses
// the offer's direction, and holding takes away our receiving.
func TestAnswerDirection(t *testing.T) {
	for _, tc := range []struct {
		session, media string // direction attributes, "" for none
		addr           string
		hold           bool
		answer         Direction
		remote         Direction
		sending, recv  bool
	}{
		{"", "", "192.0.2.1", false, SendRecv, SendRecv, true, true},
		{"", "sendrecv", "192.0.2.1", false, SendRecv, SendRecv, true, true},
		{"", "sendonly", "192.0.2.1", false, RecvOnly, SendOnly, false, true},
		{"", "recvonly", "192.0.2.1", false, SendOnly, RecvOnly, true, false},
		{"", "inactive", "192.0.2.1", false, Inactive, Inactive, false, false},
		{"", "sendrecv", "192.0.2.1", true, SendOnly, SendRecv, true, false},
		{"", "sendonly", "192.0.2.1", true, Inactive, SendOnly, false, false},
		{"", "recvonly", "192.0.2.1", true, SendOnly, RecvOnly, true, false},
		{"", "inactive", "192.0.2.1", true, Inactive, Inactive, false, false},
		{"sendonly", "", "192.0.2.1", false, RecvOnly, SendOnly, false, true},        // session level
		{"sendonly", "sendrecv", "192.0.2.1", false, SendRecv, SendRecv, true, true}, // media level wins
		{"", "", "0.0.0.0", false, RecvOnly, SendOnly, false, true},                  // RFC 2543 hold
		{"", "sendrecv", "0.0.0.0", true, Inactive, SendOnly, false, false},
	} {
		name := fmt.Sprintf("%s/%s/%s/hold=%v", tc.session, tc.media, tc.addr, tc.hold)
		t.Run(name, func(t *testing.T) {
			offer := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 " + tc.addr + "\r\nt=0 0\r\n"
			if tc.session != "" {
				offer += "a=" + tc.session + "\r\n"
			}
			offer += "m=audio 49170 RTP/AVP 0\r\n"
			if tc.media != "" {
				offer += "a=" + tc.media + "\r\n"
			}
			s := newTestSession(t, nil)
			b, err := s.Answer([]byte(offer), tc.hold)
			if err != nil {
				t.Fatal(err)
			}
			mustHave(t, b, "a="+tc.answer.String())
			n := s.Negotiated()
			if n.Local != tc.answer || n.Remote != tc.remote || n.Sending() != tc.sending || n.Receiving() != tc.recv {
				t.Errorf("Local %v Remote %v Sending %v Receiving %v; want %v %v %v %v",
					n.Local, n.Remote, n.Sending(), n.Receiving(), tc.answer, tc.remote, tc.sending, tc.recv)
			}
		})
	}
}

// TestAnswerRefused covers offers the UA must answer 488, and SDP that
// exceeds the limits. Each leaves the session as it was.
func TestAnswerRefused(t *testing.T) {
	head := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	many := func(n int, line string) string { return strings.Repeat(line, n) }
	for _, tc := range []struct {
		name  string
		offer string
		want  error
	}{
		{"video only", head + "m=video 51372 RTP/AVP 31\r\n", ErrNoAcceptableMedia},
		{"no m-line", head, ErrNoAcceptableMedia},
		{"no common codec", head + "m=audio 49170 RTP/AVP 18 96\r\na=rtpmap:96 opus/48000/2\r\n", ErrNoAcceptableMedia},
		{"telephone-event only", head + "m=audio 49170 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n", ErrNoAcceptableMedia},
		{"dynamic type without rtpmap", head + "m=audio 49170 RTP/AVP 96\r\n", ErrNoAcceptableMedia},
		{"audio disabled", head + "m=audio 0 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"secure RTP only", head + "m=audio 49170 RTP/SAVP 0\r\n", ErrNoAcceptableMedia},
		{"host name", strings.Replace(head, "c=IN IP4 192.0.2.1", "c=IN IP4 host.example.com", 1) + "m=audio 49170 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"multicast", strings.Replace(head, "192.0.2.1\r\nt", "224.2.1.1/127\r\nt", 1) + "m=audio 49170 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"multicast no TTL", strings.Replace(head, "192.0.2.1\r\nt", "224.2.1.1\r\nt", 1) + "m=audio 49170 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"IP4 with IPv6 address", strings.Replace(head, "IP4 192.0.2.1\r\nt", "IP4 2001:db8::1\r\nt", 1) + "m=audio 49170 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"no c= line", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"port range", head + "m=audio 49170/2 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"empty", "", ErrMalformed},
		{"not SDP", "hello\r\n", ErrMalformed},
		{"no t= line", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nm=audio 49170 RTP/AVP 0\r\n", ErrMalformed},
		{"m= without formats", head + "m=audio 49170 RTP/AVP\r\n", ErrMalformed},
		{"port too large", head + "m=audio 65536 RTP/AVP 0\r\n", ErrMalformed},
		{"NUL byte", head + "m=audio 49170 RTP/AVP 0\r\na=x\x00y\r\n", ErrMalformed},
		{"T.38 image stream", head + "m=image 49170 udptl t38\r\n", ErrMalformed}, // pion/sdp knows no m=image
		{"too large", head + "m=audio 49170 RTP/AVP 0\r\n" + many(MaxSDPSize/10, "a=x:12345\r\n"), ErrLimit},
		{"too many m-lines", head + many(maxMedia+1, "m=audio 49170 RTP/AVP 0\r\n"), ErrLimit},
		{"too many formats", head + "m=audio 49170 RTP/AVP" + many(maxFormats+1, " 0") + "\r\n", ErrLimit},
		{"too many attributes", head + "m=audio 49170 RTP/AVP 0\r\n" + many(maxAttributes+1, "a=x\r\n"), ErrLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, nil)
			if _, err := s.Answer([]byte(head+"m=audio 5000 RTP/AVP 8\r\n"), false); err != nil {
				t.Fatal(err)
			}
			before := s.Negotiated()
			b, err := s.Answer([]byte(tc.offer), false)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Answer = %q, %v; want %v", b, err, tc.want)
			}
			if after := s.Negotiated(); after != before {
				t.Errorf("refused offer changed the session: %+v, was %+v", after, before)
			}
		})
	}
}
