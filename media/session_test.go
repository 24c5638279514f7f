package media

import (
	"bytes"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// pair is two sessions in one call: a offers, b answers.
type pair struct{ a, b *Session }

func newPair(t *testing.T, modA, modB func(*Config)) pair {
	t.Helper()
	return pair{
		a: newTestSession(t, modA),
		b: newTestSession(t, func(c *Config) {
			c.Addr, c.Port, c.Username = netip.MustParseAddr("198.51.100.20"), 6000, "them"
			if modB != nil {
				modB(c)
			}
		}),
	}
}

// exchange runs one offer/answer from `from` to `to` and returns both SDPs.
func exchange(t *testing.T, from, to *Session, offerHold, answerHold bool) (offer, answer []byte) {
	t.Helper()
	offer, err := from.Offer(offerHold)
	if err != nil {
		t.Fatalf("Offer: %v", err)
	}
	answer, err = to.Answer(offer, answerHold)
	if err != nil {
		t.Fatalf("Answer: %v\n%s", err, offer)
	}
	if err := from.Accept(answer); err != nil {
		t.Fatalf("Accept: %v\n%s", err, answer)
	}
	return offer, answer
}

// checkFlow checks that both sides agree on codec and telephone-event and
// see complementary directions.
func checkFlow(t *testing.T, p pair, aSends, bSends bool) {
	t.Helper()
	na, nb := p.a.Negotiated(), p.b.Negotiated()
	if !na.Active || !nb.Active {
		t.Fatalf("not active: %+v / %+v", na, nb)
	}
	if !na.Codec.sameFormat(nb.Codec) || na.Codec.PayloadType != nb.Codec.PayloadType || na.TelephoneEvent != nb.TelephoneEvent {
		t.Errorf("codecs differ: %+v te %d / %+v te %d", na.Codec, na.TelephoneEvent, nb.Codec, nb.TelephoneEvent)
	}
	if na.Local != nb.Remote || nb.Local != na.Remote {
		t.Errorf("directions: a %v/%v, b %v/%v", na.Local, na.Remote, nb.Local, nb.Remote)
	}
	if na.Sending() != aSends || nb.Receiving() != aSends || nb.Sending() != bSends || na.Receiving() != bSends {
		t.Errorf("a sends %v receives %v, b sends %v receives %v; want a→b %v, b→a %v",
			na.Sending(), na.Receiving(), nb.Sending(), nb.Receiving(), aSends, bSends)
	}
	if na.RemoteRTP != netip.AddrPortFrom(p.b.cfg.Addr, p.b.cfg.Port) || nb.RemoteRTP != netip.AddrPortFrom(p.a.cfg.Addr, p.a.cfg.Port) {
		t.Errorf("addresses: a sends to %v, b sends to %v", na.RemoteRTP, nb.RemoteRTP)
	}
	if na.RemoteRTCP.Port() != na.RemoteRTP.Port()+1 || nb.RemoteRTCP.Port() != nb.RemoteRTP.Port()+1 {
		t.Errorf("RTCP: %v, %v", na.RemoteRTCP, nb.RemoteRTCP)
	}
}

func TestRoundTrip(t *testing.T) {
	pcmaFirst := func(c *Config) {
		c.Codecs = []Codec{{PayloadType: 8, Name: "PCMA", ClockRate: 8000}, {PayloadType: 0, Name: "PCMU", ClockRate: 8000}}
	}
	v6 := func(addr string) func(*Config) {
		return func(c *Config) { c.Addr = netip.MustParseAddr(addr) }
	}
	for _, tc := range []struct {
		name       string
		modA, modB func(*Config)
		codec      string
		te         uint8
	}{
		{"defaults", nil, nil, "PCMU", 101},
		{"offerer prefers PCMA", pcmaFirst, nil, "PCMA", 0},
		{"answerer prefers PCMA but follows offerer", nil, pcmaFirst, "PCMU", 0},
		{"answerer prefers PCMA and its own order", nil, func(c *Config) { pcmaFirst(c); c.PreferLocalOrder = true }, "PCMA", 0},
		{"IPv6", v6("2001:db8::a"), v6("2001:db8::b"), "PCMU", 101},
		{"telephone-event under different numbers", nil, func(c *Config) {
			c.Codecs = []Codec{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, {PayloadType: 96, Name: "telephone-event", ClockRate: 8000}}
		}, "PCMU", 101},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, tc.modA, tc.modB)
			exchange(t, p.a, p.b, false, false)
			checkFlow(t, p, true, true)
			if got := p.a.Negotiated(); got.Codec.Name != tc.codec || got.TelephoneEvent != tc.te {
				t.Errorf("codec %s te %d, want %s te %d", got.Codec.Name, got.TelephoneEvent, tc.codec, tc.te)
			}
			// A re-offer the other way keeps the agreement.
			exchange(t, p.b, p.a, false, false)
			checkFlow(t, p, true, true)
		})
	}
}

// TestHoldResume runs hold and resume both ways (RFC 3264 §8.4, RFC 4317
// §3.1), including holds on both sides at once.
func TestHoldResume(t *testing.T) {
	p := newPair(t, nil, nil)
	exchange(t, p.a, p.b, false, false)
	checkFlow(t, p, true, true)

	steps := []struct {
		name             string
		aOffers          bool // else b offers
		offerHold        bool
		answerHold       bool
		offerDir, ansDir string
		aSends, bSends   bool
	}{
		{"a holds", true, true, false, "sendonly", "recvonly", true, false},
		{"a resumes", true, false, false, "sendrecv", "sendrecv", true, true},
		{"b holds", false, true, false, "sendonly", "recvonly", false, true},
		{"a holds while held", true, true, true, "inactive", "inactive", false, false},
		{"b resumes, a still holds", false, false, true, "sendrecv", "sendonly", true, false},
		{"a resumes", true, false, false, "sendrecv", "sendrecv", true, true},
		{"b holds by re-offer, a's answer holds too", false, true, true, "sendonly", "inactive", false, false},
		// b's stream is now recvonly at best, and a hold makes that inactive.
		{"b re-offers held again", false, true, true, "inactive", "inactive", false, false},
		{"a resumes by re-offer, b still holds", true, false, true, "sendrecv", "sendonly", false, true},
		{"b resumes", false, false, false, "sendrecv", "sendrecv", true, true},
	}
	for _, st := range steps {
		from, to := p.a, p.b
		if !st.aOffers {
			from, to = p.b, p.a
		}
		offer, answer := exchange(t, from, to, st.offerHold, st.answerHold)
		if !strings.Contains(string(offer), "a="+st.offerDir+"\r\n") || !strings.Contains(string(answer), "a="+st.ansDir+"\r\n") {
			t.Fatalf("%s: offer/answer directions, want %s/%s:\n%s\n%s", st.name, st.offerDir, st.ansDir, offer, answer)
		}
		t.Run(st.name, func(t *testing.T) { checkFlow(t, p, st.aSends, st.bSends) })
	}
}

// TestVersions checks the o= line: a fixed session id, and a version one
// higher for every new SDP (RFC 3264 §8), kept only by an answer that
// repeats the last SDP exactly.
func TestVersions(t *testing.T) {
	p := newPair(t, nil, nil)
	ver := func(b []byte) uint64 {
		_, v := origin(t, b)
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	o1, a1 := exchange(t, p.a, p.b, false, false)
	idA, _ := origin(t, o1)
	idB, _ := origin(t, a1)

	// The same offer again (a session refresh): the same answer, same version.
	a1again, err := p.b.Answer(o1, false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a1again, a1) {
		t.Errorf("repeated answer differs:\n%s\n%s", a1, a1again)
	}

	// An unchanged re-offer still takes a new version (the UA asked for a new offer).
	o2, a2 := exchange(t, p.a, p.b, false, false)
	if ver(o2) != ver(o1)+1 {
		t.Errorf("re-offer version %d after %d", ver(o2), ver(o1))
	}
	if ver(a2) != ver(a1) {
		t.Errorf("unchanged answer version %d, was %d", ver(a2), ver(a1))
	}

	// A changed answer (b holds) takes a new version.
	o3, a3 := exchange(t, p.a, p.b, false, true)
	if ver(o3) != ver(o2)+1 || ver(a3) != ver(a2)+1 {
		t.Errorf("versions %d, %d after %d, %d", ver(o3), ver(a3), ver(o2), ver(a2))
	}

	// b's own offer follows its last answer.
	o4, _ := exchange(t, p.b, p.a, false, false)
	if ver(o4) != ver(a3)+1 {
		t.Errorf("b's offer version %d after its answer %d", ver(o4), ver(a3))
	}

	// A refused offer still counts: the next SDP is newer than it.
	o5, err := p.a.Offer(true)
	if err != nil {
		t.Fatal(err)
	}
	p.a.Rollback()
	o6, err := p.a.Offer(true)
	if err != nil {
		t.Fatal(err)
	}
	if ver(o6) != ver(o5)+1 {
		t.Errorf("offer after rollback version %d, refused one %d", ver(o6), ver(o5))
	}
	for _, b := range [][]byte{o2, o3, o5, o6} {
		if id, _ := origin(t, b); id != idA {
			t.Errorf("a's session id changed: %s, was %s", id, idA)
		}
	}
	if id, _ := origin(t, o4); id != idB {
		t.Errorf("b's session id changed: %s, was %s", id, idB)
	}
}

// TestRollback checks that a refused offer leaves the session as before.
func TestRollback(t *testing.T) {
	p := newPair(t, nil, nil)
	exchange(t, p.a, p.b, false, false)
	before := p.a.Negotiated()

	if _, err := p.a.Offer(true); err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.Offer(false); !errors.Is(err, ErrOfferPending) {
		t.Errorf("second Offer = %v, want ErrOfferPending", err)
	}
	if _, err := p.a.Answer([]byte("v=0"), false); !errors.Is(err, ErrOfferPending) {
		t.Errorf("Answer during our offer = %v, want ErrOfferPending", err)
	}
	p.a.Rollback() // the peer answered 491
	if got := p.a.Negotiated(); got != before {
		t.Errorf("after Rollback %+v, want %+v", got, before)
	}
	if err := p.a.Accept([]byte("v=0")); !errors.Is(err, ErrNoOffer) {
		t.Errorf("Accept after Rollback = %v, want ErrNoOffer", err)
	}
	// The held offer is forgotten: the next one decides afresh.
	offer, _ := exchange(t, p.a, p.b, false, false)
	mustHave(t, offer, "a=sendrecv")
	checkFlow(t, p, true, true)
}

// TestAcceptUnusable checks answers that cannot be used: the offer is over
// and the session stays as before it.
func TestAcceptUnusable(t *testing.T) {
	head := "v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"
	for _, tc := range []struct {
		name, answer string
		want         error
	}{
		{"audio refused", head + "m=audio 0 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"codec we did not offer", head + "m=audio 6000 RTP/AVP 18\r\n", ErrNoAcceptableMedia},
		{"only telephone-event", head + "m=audio 6000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n", ErrNoAcceptableMedia},
		{"video for audio", head + "m=video 6000 RTP/AVP 0\r\n", ErrNoAcceptableMedia},
		{"extra m-line", head + "m=audio 6000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n", ErrAnswerMismatch},
		{"no m-line", head, ErrAnswerMismatch},
		{"garbage", "v=0\r\nx", ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, nil, nil)
			exchange(t, p.a, p.b, false, false)
			before := p.a.Negotiated()
			if _, err := p.a.Offer(true); err != nil {
				t.Fatal(err)
			}
			if err := p.a.Accept([]byte(tc.answer)); !errors.Is(err, tc.want) {
				t.Fatalf("Accept = %v, want %v", err, tc.want)
			}
			if got := p.a.Negotiated(); got != before {
				t.Errorf("session changed: %+v, was %+v", got, before)
			}
			if _, err := p.a.Offer(false); err != nil {
				t.Errorf("Offer after a failed Accept: %v", err)
			}
		})
	}
}

// TestAcceptAnswer checks what an answer to our offer sets: the answer's
// numbers, address, port and directions.
func TestAcceptAnswer(t *testing.T) {
	s := newTestSession(t, nil)
	if _, err := s.Offer(false); err != nil {
		t.Fatal(err)
	}
	err := s.Accept(sdpText(`
		v=0
		o=bob 2890844730 2890844730 IN IP4 203.0.113.5
		s=
		c=IN IP4 203.0.113.5
		t=0 0
		m=audio 49920 RTP/AVP 8 0 97
		a=rtpmap:97 telephone-event/8000
		a=ptime:30
		a=rtcp:50000
		a=recvonly`))
	if err != nil {
		t.Fatal(err)
	}
	want := Negotiated{Active: true, RemoteRTP: addrPort("203.0.113.5:49920"), RemoteRTCP: addrPort("203.0.113.5:50000"),
		Codec: Codec{8, "PCMA", 8000, ""}, TelephoneEvent: 97, Ptime: 30, Local: SendRecv, Remote: RecvOnly}
	if got := s.Negotiated(); got != want {
		t.Errorf("Negotiated\n got %+v\nwant %+v", got, want)
	}
	if n := s.Negotiated(); !n.Sending() || n.Receiving() {
		t.Errorf("peer is recvonly: Sending %v Receiving %v", n.Sending(), n.Receiving())
	}
	// Holding now that the peer only receives: sendonly (RFC 3264 §8.4).
	b, err := s.Offer(true)
	if err != nil {
		t.Fatal(err)
	}
	// Agreed numbers stay: PCMA 8 and telephone-event 97, not our 101.
	mustHave(t, b, "m=audio 4000 RTP/AVP 0 8 97", "a=rtpmap:97 telephone-event/8000", "a=sendonly")
}

// TestReoffer covers RFC 3264 §8 and RFC 4317 re-offers: the peer changes
// address and port, our own re-offer keeps the session's m-lines.
func TestReoffer(t *testing.T) {
	s := newTestSession(t, nil)
	first, err := s.Answer(sdpText(rfc4317AudioVideo), false)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 3264 §10.1: the peer moves its audio to a new port, and here to a
	// new address as well; our answer is unchanged, version and all.
	moved, err := s.Answer(sdpText(`
		v=0
		o=alice 2890844526 2890844527 IN IP4 192.0.2.1
		s=
		c=IN IP4 192.0.2.99
		t=0 0
		m=audio 65422 RTP/AVP 0 8 97
		a=rtpmap:97 iLBC/8000
		m=video 0 RTP/AVP 31 32`), false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(moved, first) {
		t.Errorf("answer changed:\n%s\n%s", first, moved)
	}
	if n := s.Negotiated(); n.RemoteRTP != addrPort("192.0.2.99:65422") || n.RemoteRTCP != addrPort("192.0.2.99:65423") {
		t.Errorf("after the move: %v %v", n.RemoteRTP, n.RemoteRTCP)
	}

	// Our re-offer keeps both m-lines, the video one refused, and the
	// agreed audio number; telephone-event was not agreed, so ours.
	b, err := s.Offer(true)
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, b, "m=audio 4000 RTP/AVP 0 8 101", "a=sendonly", "m=video 0 RTP/AVP 31 32")
	err = s.Accept(sdpText(`
		v=0
		o=alice 2890844526 2890844528 IN IP6 2001:db8::1
		s=
		c=IN IP6 2001:db8::1
		t=0 0
		m=audio 49170 RTP/AVP 0
		a=recvonly
		m=video 0 RTP/AVP 31`))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Negotiated(); n.RemoteRTP != addrPort("[2001:db8::1]:49170") || !n.Sending() || n.Receiving() {
		t.Errorf("after the held re-offer: %+v", n)
	}

	// The peer re-offers with the audio stream moved to a new slot
	// (RFC 3264 §8.3: the old one disabled) and a stream added.
	b, err = s.Answer(sdpText(`
		v=0
		o=alice 2890844526 2890844529 IN IP4 192.0.2.1
		s=
		c=IN IP4 192.0.2.1
		t=0 0
		m=audio 0 RTP/AVP 0
		m=video 0 RTP/AVP 31
		m=audio 50000 RTP/AVP 8`), false)
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, b, "m=audio 0 RTP/AVP 0", "m=video 0 RTP/AVP 31", "m=audio 4000 RTP/AVP 8")
	b, err = s.Offer(false)
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, b, "m=audio 0 RTP/AVP 0", "m=video 0 RTP/AVP 31", "m=audio 4000 RTP/AVP 0 8 101", "a=sendrecv")
}

func TestClose(t *testing.T) {
	p := newPair(t, nil, nil)
	exchange(t, p.a, p.b, false, false)
	p.a.Close()
	if n := p.a.Negotiated(); n.Active || n.Sending() || n.Receiving() {
		t.Errorf("after Close: %+v", n)
	}
	if _, err := p.a.Offer(false); !errors.Is(err, ErrClosed) {
		t.Errorf("Offer = %v", err)
	}
	if _, err := p.a.Answer(nil, false); !errors.Is(err, ErrClosed) {
		t.Errorf("Answer = %v", err)
	}
	if err := p.a.Accept(nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Accept = %v", err)
	}
	p.a.Rollback()
	p.a.Close()
}

// TestReofferKeepsNumbers checks that a re-offer keeps the payload types
// agreed in the session, and that no other format takes one of them
// (RFC 3264 §8.3.2).
func TestReofferKeepsNumbers(t *testing.T) {
	for _, tc := range []struct{ name, media, want, rtpmap string }{
		{"dynamic numbers", "m=audio 49170 RTP/AVP 100 96\r\na=rtpmap:100 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\n",
			"m=audio 4000 RTP/AVP 0 100 96", "a=rtpmap:100 PCMA/8000"},
		{"static number taken by another format", "m=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMA/8000\r\n",
			"m=audio 4000 RTP/AVP 0 101", "a=rtpmap:0 PCMA/8000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, nil)
			offer := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" + tc.media
			if _, err := s.Answer([]byte(offer), false); err != nil {
				t.Fatal(err)
			}
			b, err := s.Offer(false)
			if err != nil {
				t.Fatal(err)
			}
			mustHave(t, b, tc.want, tc.rtpmap)
		})
	}
}
