package interop

// sk400vop's UA against SIPp as a scripted far end (issue 4, acceptance
// point 4): reliable provisional responses, a re-INVITE from the peer,
// session-timer refreshes and expiry, and a forked INVITE answered twice.
// Calls are direct (no proxy): our phone calls sip:service@<SIPp>, or
// SIPp calls our Contact. SIPp checks what we send (ereg with check_it)
// and exits non-zero if anything is missing or wrong.

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
)

// sippTimeout bounds each SIPp run; a scenario takes well under a second.
const sippTimeout = 15 * time.Second

// startSIPpUAS starts SIPp as the callee with a scenario of
// ua_sipp_scenarios_test.go and returns it with the URI to call.
func startSIPpUAS(t *testing.T, scenario string) (*SIPp, string) {
	t.Helper()
	s := StartSIPp(t, SIPpOptions{Scenario: scenario, Timeout: sippTimeout})
	return s, "sip:service@" + s.Addr
}

// sippOK waits for SIPp to end and fails t unless its call succeeded.
func sippOK(t *testing.T, s *SIPp) *SIPpResult {
	t.Helper()
	r := s.Wait(t)
	if !r.OK() {
		t.Fatalf("SIPp: %s", r)
	}
	return r
}

// hangupCall ends c from our side.
func (p *phone) hangupCall(c *ua.Call) {
	p.t.Helper()
	var err error
	p.do(func(*ua.UA) { err = c.Hangup("") })
	if err != nil {
		p.t.Fatal(err)
	}
}

// untilEvent waits for the next event with the given prefix and returns it
// with the events before it, whatever they are (bounded like want).
func (p *phone) untilEvent(prefix string) (string, []string) {
	p.t.Helper()
	var before []string
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.advance(0)
		case ev := <-p.ev:
			if strings.HasPrefix(ev, prefix) {
				return ev, before
			}
			before = append(before, ev)
		case <-deadline:
			p.t.Fatalf("no event %q within 10 s (got %q)", prefix, before)
		}
	}
}

// quietFor fails t if an event comes within d. Like want, it runs the work
// the UA armed "for now" (sending an ACK, a BYE...) every 20 ms.
func (p *phone) quietFor(d time.Duration) {
	p.t.Helper()
	deadline := time.After(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.advance(0)
		case ev := <-p.ev:
			p.t.Fatalf("unexpected event %q", ev)
		case <-deadline:
			return
		}
	}
}

// hasEvent reports whether list holds the event s.
func hasEvent(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// 1. We call a SIPp UAS that answers with a reliable 183 (Require: 100rel,
// RSeq: 1, SDP answer): our PRACK carries the right RAck, SIPp answers it
// 200 and then the INVITE 200 (no SDP: the offer was answered in the 183),
// our UA confirms the call, and our BYE ends it.
func TestSIPpUAS100rel(t *testing.T) {
	Require(t)
	t.Parallel()
	s, target := startSIPpUAS(t, sippUAS100rel)
	alice := newPhone(t, phoneOptions{user: "alice"})
	c := alice.call(target)
	ev, before := alice.untilEvent("call Confirmed")
	if ev != "call Confirmed 200" {
		t.Fatalf("%s after %q", ev, before)
	}
	// The answer in the reliable 183 is applied before the 200.
	if !hasEvent(before, "call Early 183") || !hasEvent(before, "call media") {
		t.Errorf("events before Confirmed: %q, want call Early 183 and call media", before)
	}
	alice.hangupCall(c)
	alice.want("call Disconnected")
	r := sippOK(t, s)
	if !strings.Contains(r.Messages, "PRACK sip:") {
		t.Errorf("no PRACK in SIPp's trace")
	}
}

// contactHostPort is where to reach the phone: its Contact's host:port.
func (p *phone) contactHostPort() (hp string) {
	p.do(func(*ua.UA) {
		u := p.acc.Contact()
		hp = net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
	})
	return
}

// 2. SIPp calls us (auto-answer) and then holds the call with a re-INVITE
// whose offer is sendonly: our 200 answers recvonly (SIPp checks it, RFC
// 3264 §6.1), our UA reports the new media, and SIPp's BYE ends the call.
func TestSIPpUACReinviteHold(t *testing.T) {
	Require(t)
	t.Parallel()
	alice := newPhone(t, phoneOptions{user: "alice", autoAnswer: true})
	contact := alice.contactHostPort()
	s := StartSIPp(t, SIPpOptions{Scenario: sippUACHold, Remote: contact, Service: "alice", Timeout: sippTimeout})
	alice.want("incoming sipp")
	c := alice.incoming()
	ev, before := alice.untilEvent("call Confirmed")
	if ev != "call Confirmed 200" {
		t.Fatalf("%s after %q", ev, before)
	}
	// The re-INVITE's offer and our answer.
	ev, before = alice.untilEvent("call ")
	if ev != "call media" {
		t.Fatalf("after Confirmed: %s (%q), want call media for the re-INVITE", ev, before)
	}
	ev, before = alice.untilEvent("call Disconnected")
	if ev != "call Disconnected 200" {
		t.Fatalf("%s after %q", ev, before)
	}
	sippOK(t, s)
	var st ua.CallState
	alice.do(func(*ua.UA) { st = c.State() })
	if st != ua.Disconnected {
		t.Errorf("state %v", st)
	}
}

// callAndConfirm places a call from p to target and waits until it is
// confirmed and the answer in the 200 applied.
func (p *phone) callAndConfirm(target string) *ua.Call {
	p.t.Helper()
	c := p.call(target)
	ev, before := p.untilEvent("call Confirmed")
	if ev != "call Confirmed 200" {
		p.t.Fatalf("%s after %q", ev, before)
	}
	if !hasEvent(before, "call media") {
		p.want("call media")
	}
	return c
}

// sessionTimer returns c's negotiated session interval and whether we
// refresh.
func (p *phone) sessionTimer(c *ua.Call) (iv time.Duration, refresher bool) {
	p.do(func(*ua.UA) { iv, refresher = c.SessionInterval() })
	return
}

// 3. Session timer (RFC 4028) with us as refresher. We ask for 90 s; SIPp
// answers 200 with "Session-Expires: 90;refresher=uac" and "Require:
// timer". Our refresh is due at half the interval: nothing at 44 s, at
// 45 s an UPDATE when the 200 allowed it (twice, since each refresh
// restarts the interval), else a re-INVITE; SIPp checks each and answers
// 200 (a re-INVITE refresh twice too: the second proves the first
// restarted the interval). The virtual clock moves exactly to each deadline, not beyond: past
// it Timer E would retransmit before the real answer could arrive.
func TestSIPpSessionTimerRefresh(t *testing.T) {
	Require(t)
	t.Parallel()
	se := func(c *ua.Config) { c.SessionExpires = 90 * time.Second }

	t.Run("UPDATE", func(t *testing.T) {
		t.Parallel()
		s, target := startSIPpUAS(t, sippUASTimer("update", "uac", true, sippRefreshUPDATE+sippRefreshUPDATE))
		alice := newPhone(t, phoneOptions{user: "alice", ua: se})
		c := alice.callAndConfirm(target)
		if iv, us := alice.sessionTimer(c); iv != 90*time.Second || !us {
			t.Fatalf("session interval %v, we refresh %v; want 90s, true", iv, us)
		}
		for i := 0; i < 2; i++ {
			alice.advance(44 * time.Second)
			alice.quietFor(100 * time.Millisecond)
			alice.advance(time.Second)
			alice.want("call refreshed")
		}
		alice.hangupCall(c)
		alice.want("call Disconnected")
		sippOK(t, s)
	})

	t.Run("re-INVITE", func(t *testing.T) {
		t.Parallel()
		s, target := startSIPpUAS(t, sippUASTimer("reinvite", "uac", false, sippRefreshReINVITE+sippRefreshReINVITE))
		alice := newPhone(t, phoneOptions{user: "alice", ua: se})
		c := alice.callAndConfirm(target)
		for i := 0; i < 2; i++ {
			alice.advance(44 * time.Second)
			alice.quietFor(100 * time.Millisecond)
			alice.advance(time.Second)
			// A refresh that carries an offer is reported as the
			// media update it also is.
			alice.want("call media")
		}
		alice.hangupCall(c)
		alice.want("call Disconnected")
		r := sippOK(t, s)
		if strings.Contains(r.Messages, "UPDATE sip:") {
			t.Errorf("an UPDATE went to a peer that did not allow it")
		}
	})
}

// 3b. Session timer with SIPp as the refresher (refresher=uas), which
// stays silent: our UA ends the session with BYE when the interval runs
// out less min(32 s, interval/3) = 60 s for 90 s (RFC 4028 §10), not
// before.
func TestSIPpSessionTimerExpiry(t *testing.T) {
	Require(t)
	t.Parallel()
	s, target := startSIPpUAS(t, sippUASTimer("silent", "uas", true, ""))
	alice := newPhone(t, phoneOptions{user: "alice", ua: func(c *ua.Config) { c.SessionExpires = 90 * time.Second }})
	c := alice.callAndConfirm(target)
	if iv, us := alice.sessionTimer(c); iv != 90*time.Second || us {
		t.Fatalf("session interval %v, we refresh %v; want 90s, false", iv, us)
	}
	alice.advance(59 * time.Second)
	alice.quietFor(100 * time.Millisecond)
	alice.advance(time.Second)
	ev, before := alice.untilEvent("call Disconnected")
	if ev != "call Disconnected 408" {
		t.Errorf("%s after %q, want call Disconnected 408", ev, before)
	}
	r := sippOK(t, s)
	if !strings.Contains(r.Messages, "cause=408") {
		t.Errorf("our BYE has no Reason with cause=408")
	}
}

// 3c. Session timer with the caller (SIPp) as refresher: our 200 agrees
// to its "Session-Expires: 90;refresher=uac" with "Require: timer" (SIPp
// checks), and its UPDATE refresh is reported and restarts our expiry
// timer: 40 s before it and 40 s after it pass without our BYE, which a
// timer left running would have sent at 60 s. SIPp then hangs up.
func TestSIPpSessionTimerPeerRefresh(t *testing.T) {
	Require(t)
	t.Parallel()
	alice := newPhone(t, phoneOptions{user: "alice", autoAnswer: true})
	s := StartSIPp(t, SIPpOptions{Scenario: sippUACPeerRefresh, Remote: alice.contactHostPort(), Service: "alice", Timeout: sippTimeout})
	alice.want("incoming sipp")
	c := alice.incoming()
	if ev, before := alice.untilEvent("call Confirmed"); ev != "call Confirmed 200" {
		t.Fatalf("%s after %q", ev, before)
	}
	if iv, us := alice.sessionTimer(c); iv != 90*time.Second || us {
		t.Fatalf("session interval %v, we refresh %v; want 90s, false", iv, us)
	}
	// The ACK is in (Confirmed), so no 2xx retransmission is pending.
	alice.advance(40 * time.Second)
	if ev, before := alice.untilEvent("call refreshed"); len(before) > 0 {
		t.Fatalf("%q before %s", before, ev)
	}
	alice.advance(40 * time.Second)
	// A timer left running would have ended the call at 60 s (408,
	// at once); a restarted one lets SIPp's BYE end it (200).
	if ev, before := alice.untilEvent("call Disconnected"); ev != "call Disconnected 200" {
		t.Fatalf("%s after %q, want SIPp's BYE", ev, before)
	}
	sippOK(t, s)
}

// 4. A forked INVITE answered by two branches (SIPp plays both: 180 and
// 200 with To tags forkA and forkB). Our UA confirms the call with the
// first 200, ACKs both, and ends the second dialog with BYE at once (RFC
// 3261 §13.2.2.4); the app sees one call, on A. Our hangup then ends A.
func TestSIPpForked2xx(t *testing.T) {
	Require(t)
	t.Parallel()
	s, target := startSIPpUAS(t, sippUASForked)
	alice := newPhone(t, phoneOptions{user: "alice"})
	c := alice.call(target)
	ev, before := alice.untilEvent("call Confirmed")
	if ev != "call Confirmed 200" {
		t.Fatalf("%s after %q", ev, before)
	}
	if !hasEvent(before, "call media") {
		alice.want("call media")
	}
	// The second 200 is dealt with below the app: nothing more is heard
	// while SIPp gets our ACK and BYE for B (its trace shows them).
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(readTail(s.MessagesPath, 0), "BYE sip:forkB@") {
		if time.Now().After(deadline) {
			t.Fatal("no BYE for the second fork within 5 s")
		}
		alice.quietFor(50 * time.Millisecond)
	}
	var tag string
	alice.do(func(*ua.UA) { tag = c.Dialog().ID().RemoteTag })
	if tag != "forkA" {
		t.Errorf("the call's dialog is with %q, want forkA (the first 200)", tag)
	}
	alice.hangupCall(c)
	alice.want("call Disconnected")
	sippOK(t, s)
}
