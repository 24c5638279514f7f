package media

import (
	"strings"
	"testing"
)

// FuzzAnswer feeds arbitrary offers to Answer. It must never panic; an
// accepted offer must give an answer that parses, agrees on one of our
// codecs, and is itself answerable by a second session.
func FuzzAnswer(f *testing.F) {
	f.Add(string(sdpText(rfc4317AudioVideo)))
	head := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	for _, m := range []string{
		"m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendonly\r\n",
		"m=audio 49170 RTP/AVP 96\r\na=rtpmap:96 PCMA/8000\r\na=ptime:30\r\na=maxptime:40\r\na=rtcp:49181 IN IP4 192.0.2.2\r\n",
		"m=audio 49170 RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\na=inactive\r\n",
		"m=video 0 RTP/AVP 31\r\nm=audio 49170 RTP/SAVP 0\r\nm=audio 5000/2 RTP/AVP 0\r\nm=audio 5004 RTP/AVP 8\r\n",
		"a=recvonly\r\nm=audio 65535 RTP/AVP 127 0\r\na=rtpmap:127 telephone-event/8000\r\na=fmtp:127 0-255\r\n",
	} {
		f.Add(head + m)
	}
	f.Add(strings.Replace(head, "192.0.2.1\r\nt", "0.0.0.0\r\nt", 1) + "m=audio 49170 RTP/AVP 0\r\n")
	f.Fuzz(func(t *testing.T, offer string) {
		s := newTestSession(t, nil)
		answer, err := s.Answer([]byte(offer), false)
		if err != nil {
			if n := s.Negotiated(); n.Active {
				t.Fatalf("refused offer set state: %+v", n)
			}
			return
		}
		if _, err := parseSDP(answer); err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, answer)
		}
		n := s.Negotiated()
		if !n.Active || n.Ptime < MinPtime || n.Ptime > MaxPtime || !n.RemoteRTP.IsValid() {
			t.Fatalf("bad state: %+v", n)
		}
		ok := false
		for _, c := range s.cfg.Codecs {
			ok = ok || (c.sameFormat(n.Codec) && !c.isTelephoneEvent())
		}
		if !ok {
			t.Fatalf("agreed codec %+v is not ours", n.Codec)
		}
		// Our re-offer, built on the fuzzed session's m-lines, must be
		// answerable by another session.
		reoffer, err := s.Offer(false)
		if err != nil {
			t.Fatalf("Offer: %v", err)
		}
		if _, err := newTestSession(t, nil).Answer(reoffer, false); err != nil {
			t.Fatalf("our re-offer is refused: %v\n%s", err, reoffer)
		}
	})
}
