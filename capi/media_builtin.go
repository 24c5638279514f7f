package main

// The built-in media of the C API (sk400vop_create with media NULL): every
// call gets an endpoint.Call — SDP, RTP/RTCP on a port pair of the stack's
// range, G.711, DTMF — whose audio comes from a WAV file, a tone or
// silence and goes to a WAV file or nowhere, as sk400vop_call_opts, the
// account's call_defaults and sk400vop_call_play/_record say. Received
// digits and the RTP inactivity timeout become events; DTMF to send is
// queued and paced here; sk400vop_call_stats reads the session's figures.
//
// Frames supplied by the app (PCM callbacks) are the media table's job,
// not this file's: the built-in engine reads and writes files itself, so
// no crossing into C happens on the 20 ms path.
//
// Everything named "loop only" runs on the stack's loop goroutine, like
// the endpoint itself; files are opened by the API caller's thread before
// the command reaches the loop, so the loop waits on no disk but the
// frame-sized writes of a recording.

/*
#include <string.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/ua"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/audio"
	"github.com/sk400vop/sk400vop/media/endpoint"
	"github.com/sk400vop/sk400vop/media/rtp"
)

// Kinds of the media event records, apart from those of events.go.
const (
	evDTMF = 100 + iota
)

// mediaTimeoutKind is the call event kind of an RTP inactivity timeout, as
// SK400VOP_CALL_EV_MEDIA_TIMEOUT (after the ua.CallEventKind values).
const mediaTimeoutKind = C.SK400VOP_CALL_EV_MEDIA_TIMEOUT

const (
	toneAmplitude = 8000 // about -12 dBFS
	maxDigits     = 64   // DTMF queued per call
	digitGap      = 100 * time.Millisecond
	maxDigitTime  = 5 * time.Second
)

// mediaOpts are the media members of sk400vop_call_opts, copied.
type mediaOpts struct {
	play   string
	loop   bool
	tone   int
	record string
}

func (o mediaOpts) hasSource() bool { return o.play != "" || o.tone > 0 }
func (o mediaOpts) hasSink() bool   { return o.record != "" }
func (o mediaOpts) empty() bool     { return !o.hasSource() && !o.hasSink() }

// mediaOptsOf copies the media members of a normalised sk400vop_call_opts
// (NULL: none).
func mediaOptsOf(p *C.sk400vop_call_opts) (mediaOpts, error) {
	var o mediaOpts
	if p == nil {
		return o, nil
	}
	var err error
	if o.play, err = goStr(p.play_wav); err != nil {
		return o, err
	}
	if o.record, err = goStr(p.record_wav); err != nil {
		return o, err
	}
	if p.tone_hz >= audio.SampleRate/2 {
		return o, fmt.Errorf("%w: tone_hz %d: want 1..%d", errInvalid, p.tone_hz, audio.SampleRate/2-1)
	}
	o.loop, o.tone = p.play_loop != 0, int(p.tone_hz)
	return o, nil
}

// mediaFiles are a source and a sink ready for a call, with what closes
// them (nil for a tone or nothing).
type mediaFiles struct {
	src       audio.Source
	srcClose  io.Closer
	sink      audio.Sink
	sinkClose io.Closer
}

func (f *mediaFiles) close() {
	if f == nil {
		return
	}
	if f.srcClose != nil {
		f.srcClose.Close()
	}
	if f.sinkClose != nil {
		f.sinkClose.Close()
	}
	*f = mediaFiles{}
}

// openSource opens what o plays: the WAV file, else the tone.
func (o mediaOpts) openSource(f *mediaFiles) error {
	switch {
	case o.play != "":
		r, err := audio.OpenWAV(o.play)
		if err != nil {
			return fmt.Errorf("%w: play_wav %q: %v", errInvalid, o.play, err)
		}
		r.Loop = o.loop
		f.src, f.srcClose = playOut{r}, r
	case o.tone > 0:
		f.src = audio.NewTone(float64(o.tone), toneAmplitude)
	}
	return nil
}

// playOut sends the end of a WAV file and silence after it: the RTP
// session sends nothing for a frame its source fails, and a peer would
// take a finished prompt for a dead call (RTP inactivity timeout).
type playOut struct{ r *audio.WAVReader }

func (p playOut) ReadFrame(pcm []int16) error {
	if err := p.r.ReadFrame(pcm); err != nil && err != io.EOF {
		return err
	}
	return nil // at io.EOF pcm holds the last samples, zero-filled
}

// openSink creates the recording of o.
func (o mediaOpts) openSink(f *mediaFiles) error {
	if o.record == "" {
		return nil
	}
	w, err := audio.CreateWAV(o.record)
	if err != nil {
		return fmt.Errorf("%w: record_wav %q: %v", errInvalid, o.record, err)
	}
	f.sink, f.sinkClose = w, w
	return nil
}

// open opens both; on failure nothing stays open.
func (o mediaOpts) open() (*mediaFiles, error) {
	f := &mediaFiles{}
	if err := o.openSource(f); err != nil {
		return nil, err
	}
	if err := o.openSink(f); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// check opens the WAV to play once, so that account_add refuses a missing
// or unsupported file at once rather than on every incoming call.
func (o mediaOpts) check() error {
	f := &mediaFiles{}
	err := o.openSource(f)
	f.close()
	return err
}

// builtin is the built-in media state of a stack, made on first use (a
// stack that never calls opens no RTP port). Loop only.
type builtin struct {
	ports     *rtp.Ports
	endpoints map[netip.Addr]*endpoint.Endpoint
	pending   map[*callEntry]*mediaFiles // callMake → newMedia
	live      map[*builtinMedia]bool     // closed by destroy if the UA did not
	dtmf      map[*ua.Call]*dtmfQueue
}

func (b *builtin) init() {
	if b.endpoints == nil {
		b.endpoints, b.pending = map[netip.Addr]*endpoint.Endpoint{}, map[*callEntry]*mediaFiles{}
		b.live, b.dtmf = map[*builtinMedia]bool{}, map[*ua.Call]*dtmfQueue{}
	}
}

// closeBuiltin closes the media the UA left open; called once the loop has
// stopped.
func (st *cstack) closeBuiltin() {
	for m := range st.bm.live {
		m.Close()
	}
	for e, f := range st.bm.pending {
		f.close()
		delete(st.bm.pending, e)
	}
}

// rtpAddr is the address the call's RTP is announced on: the IP of its
// account's listen socket, 127.0.0.1 when that is unspecified (a known
// limitation: a stack on 0.0.0.0 cannot tell which of its addresses a peer
// reaches, so it announces loopback).
func rtpAddr(c *ua.Call) netip.Addr {
	addr, err := netip.ParseAddr(strings.Trim(c.Account().Contact().Host, "[]"))
	if err != nil || addr.IsUnspecified() {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return addr.Unmap()
}

// endpointFor returns the endpoint of addr, made on first use: one per
// address, all sharing the stack's port range.
func (st *cstack) endpointFor(addr netip.Addr) (*endpoint.Endpoint, error) {
	st.bm.init()
	if ep := st.bm.endpoints[addr]; ep != nil {
		return ep, nil
	}
	if st.bm.ports == nil {
		p, err := rtp.NewPorts(rtp.PortRange{Min: uint16(st.rtpMin), Max: uint16(st.rtpMax)})
		if err != nil {
			return nil, fmt.Errorf("rtp ports %d..%d: %w", st.rtpMin, st.rtpMax, err)
		}
		st.bm.ports = p
	}
	ports := st.bm.ports
	ep, err := endpoint.New(endpoint.Config{
		Clock: st.s.Clock(), Post: st.s.Exec, Addr: addr, Timeout: st.rtpTimeout,
		Listen: func(ip netip.Addr) (endpoint.Sockets, error) {
			s, err := ports.Listen(ip)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
	})
	if err != nil {
		return nil, err
	}
	st.bm.endpoints[addr] = ep
	return ep, nil
}

// builtinMedia is the media of one call: the endpoint's Call (whose methods
// it promotes, so the UA still finds DTMFMedia and InfoMedia) plus the
// files it plays and records. Loop only.
type builtinMedia struct {
	*endpoint.Call
	st        *cstack
	srcClose  io.Closer
	sinkClose io.Closer
	closed    bool
	final     rtp.Stats        // at Close
	finalNeg  media.Negotiated // at Close
}

// newMedia is the UA's media factory. An outgoing call takes the files
// callMake opened; an incoming one opens its account's call_defaults.
func (st *cstack) newMedia(c *ua.Call) (ua.Media, error) {
	ep, err := st.endpointFor(rtpAddr(c))
	if err != nil {
		return nil, err
	}
	var files *mediaFiles
	if e, _ := c.UserData.(*callEntry); e != nil {
		files = st.bm.pending[e]
		delete(st.bm.pending, e)
	} else if ae, _ := c.Account().UserData.(*accEntry); ae != nil && !ae.media.empty() {
		if files, err = ae.media.open(); err != nil {
			st.logf(C.SK400VOP_LOG_WARN, "call_defaults: %v; the call has silence", err)
		}
	}
	if files == nil {
		files = &mediaFiles{}
	}
	m := &builtinMedia{st: st, srcClose: files.srcClose, sinkClose: files.sinkClose}
	m.Call, err = ep.NewCall(endpoint.Options{
		Source: files.src, Sink: files.sink,
		OnDigit: func(d rune, dur time.Duration, how endpoint.DigitMethod) {
			st.protect(func() { st.onDigit(c, d, dur, how) })
		},
		OnTimeout: func() { st.protect(func() { st.onMediaTimeout(c) }) },
	})
	if err != nil {
		files.close()
		return nil, err
	}
	st.bm.live[m] = true
	return m, nil
}

// Close ends the media (the UA's Media): the session's last figures are
// kept for sk400vop_call_stats, the files are finished and closed.
func (m *builtinMedia) Close() {
	if m.closed {
		return
	}
	m.closed = true
	m.finalNeg = m.Call.Negotiated() // Close forgets it
	m.Call.Close()
	m.final = m.Call.Stats() // with the RTCP BYE Close sent
	m.setSource(nil, nil)
	m.setSink(nil, nil)
	delete(m.st.bm.live, m)
}

func (m *builtinMedia) setSource(s audio.Source, c io.Closer) {
	m.Call.SetSource(s)
	if m.srcClose != nil {
		m.srcClose.Close()
	}
	m.srcClose = c
}

func (m *builtinMedia) setSink(s audio.Sink, c io.Closer) {
	m.Call.SetSink(s)
	if m.sinkClose != nil {
		m.sinkClose.Close()
	}
	m.sinkClose = c
}

// apply switches the call to the files of f: its source if setSrc, its
// sink if setSink. It takes ownership of f.
func (m *builtinMedia) apply(f *mediaFiles, setSrc, setSink bool) error {
	if m.closed {
		f.close()
		return fmt.Errorf("%w: the call's media is over", errState)
	}
	if setSrc {
		m.setSource(f.src, f.srcClose)
		f.src, f.srcClose = nil, nil
	}
	if setSink {
		m.setSink(f.sink, f.sinkClose)
		f.sink, f.sinkClose = nil, nil
	}
	f.close()
	return nil
}

func builtinOf(c *ua.Call) (*builtinMedia, error) {
	if m, ok := c.Media().(*builtinMedia); ok {
		return m, nil
	}
	return nil, fmt.Errorf("%w: the call's media is not the built-in engine", errState)
}

// ---- events ----

func (st *cstack) onDigit(c *ua.Call, d rune, dur time.Duration, how endpoint.DigitMethod) {
	e, _ := c.UserData.(*callEntry)
	if e == nil {
		return
	}
	method := C.SK400VOP_DTMF_RFC4733
	if how == endpoint.SIPInfo {
		method = C.SK400VOP_DTMF_INFO
	}
	st.push(event{kind: evDTMF, call: e.id, acc: e.acc, digit: d, state: method,
		code: int(dur / time.Millisecond)})
}

func (st *cstack) onMediaTimeout(c *ua.Call) {
	e, _ := c.UserData.(*callEntry)
	if e == nil || c.State() == ua.Disconnected {
		return
	}
	rec := st.callRecord(c, e)
	rec.kind, rec.callKind, rec.state = evCall, mediaTimeoutKind, int(c.State())
	rec.reason = "no RTP"
	st.push(rec)
}

// deliverDTMF calls on_dtmf, on the dispatcher.
func (st *cstack) deliverDTMF(e *event, callUD uintptr) {
	if st.ev.on_dtmf == nil {
		return
	}
	// Go memory without pointers, valid for the call only: allowed by
	// the cgo pointer rules, and the header says the app must copy.
	info := C.sk400vop_dtmf_info{struct_size: C.uint32_t(C.sizeof_sk400vop_dtmf_info),
		digit: C.char(e.digit), method: C.int32_t(e.state), duration_ms: C.uint32_t(e.code)}
	C.sk400vop__call_dtmf(st.ev, C.uintptr_t(st.appCtx), C.uint64_t(st.id), C.uint64_t(e.call),
		C.uintptr_t(callUD), &info)
}

// ---- API ----

// callMedia is sk400vop_call_play, _record and the media part of
// sk400vop_call_answer: o's source replaces the call's if setSrc, its sink
// if setSink.
func (st *cstack) callMedia(id uint64, o mediaOpts, setSrc, setSink bool) error {
	e, err := st.callEntry(id)
	if err != nil {
		return err
	}
	f := &mediaFiles{}
	if setSrc {
		if err := o.openSource(f); err != nil {
			return err
		}
	}
	if setSink {
		if err := o.openSink(f); err != nil {
			f.close()
			return err
		}
	}
	err = st.do(func(*ua.UA) error {
		if e.call == nil {
			return errBadHandle
		}
		m, err := builtinOf(e.call)
		if err != nil {
			return err
		}
		return m.apply(f, setSrc, setSink)
	})
	if err != nil {
		f.close() // apply closes f itself; this covers a command that never ran
	}
	return err
}

// dtmfQueue is the digits of a call waiting to be sent. Loop only.
type dtmfQueue struct {
	digits []rune
	dur    []time.Duration
	busy   bool // a digit is out and its timer armed
}

// parseDigits checks a digit string, taking a-d as A-D.
func parseDigits(s string) ([]rune, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: no digits", errInvalid)
	}
	if len(s) > maxDigits {
		return nil, fmt.Errorf("%w: more than %d digits", errInvalid, maxDigits)
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 'a' && r <= 'd' {
			r -= 'a' - 'A'
		}
		if !(r >= '0' && r <= '9' || r == '*' || r == '#' || r >= 'A' && r <= 'D') {
			return nil, fmt.Errorf("%w: DTMF digit %q: want 0-9 * # A-D", errInvalid, r)
		}
		out = append(out, r)
	}
	return out, nil
}

// callSendDTMF is sk400vop_call_send_dtmf.
func (st *cstack) callSendDTMF(id uint64, s string, dur time.Duration) error {
	digits, err := parseDigits(s)
	if err != nil {
		return err
	}
	if dur == 0 {
		dur = 100 * time.Millisecond
	}
	if dur < 0 || dur > maxDigitTime {
		return fmt.Errorf("%w: DTMF duration %v: want at most %v", errInvalid, dur, maxDigitTime)
	}
	return st.callDo(id, func(c *ua.Call) error {
		if c.State() != ua.Confirmed {
			return fmt.Errorf("%w: the call is not confirmed", errState)
		}
		st.bm.init()
		q := st.bm.dtmf[c]
		if q == nil {
			q = &dtmfQueue{}
			st.bm.dtmf[c] = q
		}
		if len(q.digits)+len(digits) > maxDigits {
			return fmt.Errorf("%w: the DTMF queue holds %d digits", ua.ErrPending, maxDigits)
		}
		for _, d := range digits {
			q.digits, q.dur = append(q.digits, d), append(q.dur, dur)
		}
		if !q.busy {
			st.nextDigit(c, q)
		}
		return nil
	})
}

// nextDigit sends the first queued digit of c and arms the timer of the
// one after: digits are paced here, one per duration plus gap, so that
// SIP INFOs leave one at a time and in order as telephone-events do.
func (st *cstack) nextDigit(c *ua.Call, q *dtmfQueue) {
	q.busy = false
	if len(q.digits) == 0 || c.State() != ua.Confirmed {
		delete(st.bm.dtmf, c)
		return
	}
	d, dur := q.digits[0], q.dur[0]
	q.digits, q.dur = q.digits[1:], q.dur[1:]
	if _, err := c.SendDTMF(d, dur); err != nil {
		st.logf(C.SK400VOP_LOG_WARN, "DTMF %c: %v; %d queued digits dropped", d, err, len(q.digits))
		delete(st.bm.dtmf, c)
		return
	}
	q.busy = true
	st.s.Clock().AfterFunc(dur+digitGap, func() { st.protect(func() { st.nextDigit(c, q) }) })
}

// callStats is sk400vop_call_stats: the figures written into out, a C
// struct of the library's size.
func (st *cstack) callStats(id uint64, out *C.sk400vop_rtp_stats) error {
	var s rtp.Stats
	var neg media.Negotiated
	err := st.callDo(id, func(c *ua.Call) error {
		m, err := builtinOf(c)
		if err != nil {
			return err
		}
		if m.closed {
			s, neg = m.final, m.finalNeg
		} else {
			s, neg = m.Call.Stats(), m.Call.Negotiated()
		}
		return nil
	})
	if err != nil {
		return err
	}
	ms := func(d time.Duration) C.double { return C.double(float64(d) / float64(time.Millisecond)) }
	out.active = cbool(neg.Active)
	out.payload_type = -1
	if neg.Codec.Name != "" {
		out.payload_type = C.int32_t(neg.Codec.PayloadType)
		cstr(out.codec[:], neg.Codec.Name)
	}
	out.ptime = C.uint32_t(neg.Ptime)
	if s.RemoteAddr.IsValid() {
		cstr(out.remote_addr[:], s.RemoteAddr.String())
	} else if neg.RemoteRTP.IsValid() {
		cstr(out.remote_addr[:], neg.RemoteRTP.String())
	}
	out.packets_sent, out.bytes_sent = C.uint64_t(s.PacketsSent), C.uint64_t(s.BytesSent)
	out.packets_received, out.bytes_received = C.uint64_t(s.PacketsReceived), C.uint64_t(s.BytesReceived)
	out.lost, out.jitter_ms, out.rtt_ms = C.int64_t(s.Lost), ms(s.Jitter), ms(s.RTT)
	out.remote_lost, out.remote_fraction_lost = C.int64_t(s.RemoteLost), C.double(s.RemoteFractionLost)
	out.remote_jitter_ms = ms(s.RemoteJitter)
	out.discarded, out.late, out.concealed = C.uint64_t(s.Discarded), C.uint64_t(s.Late), C.uint64_t(s.Concealed)
	out.jitter_buffer_ms = ms(s.Delay)
	return nil
}

// cstr copies s into a fixed C char array, NUL-terminated, truncated.
func cstr(dst []C.char, s string) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst))
	n := copy(b[:len(b)-1], s)
	b[n] = 0
}
