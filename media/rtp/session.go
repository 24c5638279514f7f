package rtp

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/pion/rtp"
	"github.com/sk400vop/sk400vop/engine/clock"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/dtmf"
)

// maxPayload bounds the payloads we send and receive: 200 ms of G.711,
// media.MaxPtime at 8 kHz.
const maxPayload = 1600

// plcTime is how long concealment repeats the last frame before silence.
const plcTime = 60 * time.Millisecond

// Session is the RTP/RTCP session of one call. Create it with New, run it
// with Start, follow re-negotiations with Update, end it with Close. Its
// methods must be called on the goroutine that runs its Clock's callbacks
// (the stack's loop); the callbacks of its Config run there too.
type Session struct {
	cfg     Config
	clk     clock.Clock
	rng     *rand.Rand
	tickFn  func() // s.tick, bound once: arming it allocates nothing
	rtcpFn  func()
	tickT   clock.Timer // armed packet-time timer, nil when none
	tickTm  clock.Timer // the session's packet-time timer, kept for re-arming
	rtcpT   clock.Timer
	epoch   time.Time // for arrival times in timestamp units
	started bool
	closed  bool

	neg       media.Negotiated
	codec     codec
	rate      int
	frame     int // samples per packet time
	ptime     time.Duration
	sending   bool
	receiving bool
	due       time.Time // deadline of the next tick

	// Sending (RFC 3550 §5.1).
	ssrc     uint32
	seq      uint16
	firstSeq uint16
	ts       uint32 // timestamp of the frame sent at the next tick
	marker   bool   // the next packet starts a talkspurt
	out      rtp.Packet
	pcmOut   []int16
	payload  []byte
	sendBuf  []byte
	lastSent time.Time

	// Receiving.
	in        rtp.Packet
	latch     latch
	remote    remoteSource
	jb        jitterBuffer
	pcmIn     []int16 // decoded payload
	pcmPlay   []int16 // the frame played out
	lastRecv  time.Time
	timedOut  bool
	digits    dtmf.Receiver
	peerTS    uint32 // the peer's timestamp as of peerAt, for digits
	peerAt    time.Time
	rtcpPeer  netip.AddrPort // source of the peer's RTCP, once seen
	cname     string
	statsData Stats
}

// New returns a Session that does nothing until Start.
func New(cfg Config) (*Session, error) {
	if cfg.Clock == nil || cfg.RTP == nil {
		return nil, fmt.Errorf("%w: Clock and RTP are required", ErrConfig)
	}
	if cfg.RTCP == nil {
		cfg.RTCP = cfg.RTP
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MinDelay <= 0 {
		cfg.MinDelay = DefaultMinDelay
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	cfg.MaxDelay = min(cfg.MaxDelay, 500*time.Millisecond)
	if cfg.MinDelay > cfg.MaxDelay {
		return nil, fmt.Errorf("%w: MinDelay above MaxDelay", ErrConfig)
	}
	if cfg.RTCPInterval <= 0 {
		cfg.RTCPInterval = DefaultRTCPInterval
	}
	s := &Session{cfg: cfg, clk: cfg.Clock, rng: cfg.Rand}
	if s.rng == nil {
		var seed [32]byte
		_, _ = crand.Read(seed[:])
		s.rng = rand.New(rand.NewChaCha8(seed))
	}
	s.cname = cfg.CNAME
	if s.cname == "" {
		var b [12]byte
		binary.LittleEndian.PutUint64(b[:], s.rng.Uint64())
		binary.LittleEndian.PutUint32(b[8:], s.rng.Uint32())
		s.cname = hex.EncodeToString(b[:])
	}
	// RFC 3550 §5.1: random SSRC, initial sequence number and timestamp.
	s.ssrc = s.rng.Uint32()
	s.seq = uint16(s.rng.Uint32())
	s.firstSeq = s.seq
	s.ts = s.rng.Uint32()
	s.marker = true
	s.out.Version = 2
	s.out.SSRC = s.ssrc
	s.payload = make([]byte, maxPayload)
	s.sendBuf = make([]byte, 12+maxPayload)
	s.pcmIn = make([]int16, maxPayload)
	s.tickFn = s.tick
	s.rtcpFn = s.rtcpTick
	return s, nil
}

// SSRC returns our synchronisation source identifier.
func (s *Session) SSRC() uint32 { return s.ssrc }

// Start runs the session with the state of the first completed offer/answer
// exchange: it sends and receives as neg's directions allow, and reports
// with RTCP.
func (s *Session) Start(neg media.Negotiated) error {
	if s.closed {
		return ErrClosed
	}
	s.started = true
	s.epoch = s.clk.Now()
	return s.apply(neg)
}

// Update follows a new offer/answer exchange: a hold or resume (direction
// inactive, sendonly, recvonly), a new remote address or port, a new codec
// or packet time.
func (s *Session) Update(neg media.Negotiated) error {
	if s.closed {
		return ErrClosed
	}
	if !s.started {
		return s.Start(neg)
	}
	return s.apply(neg)
}

// apply makes neg the session's state; the one place that starts and stops
// sending, receiving and the timers.
func (s *Session) apply(neg media.Negotiated) error {
	now := s.clk.Now()
	c := codecOf(neg.Codec)
	if neg.Active && c == codecOther && s.cfg.PayloadSource == nil {
		// PCM needs G.711; other codecs only in encoded mode, which
		// sends and counts what it receives but plays nothing.
		s.stop()
		return fmt.Errorf("%w: %s", ErrCodec, neg.Codec.Name)
	}
	old := s.neg
	s.neg = neg
	if !neg.Active {
		s.stop()
		return nil
	}
	ptime := neg.Ptime
	if ptime <= 0 {
		ptime = 20
	}
	ptime = min(max(ptime, media.MinPtime), media.MaxPtime)
	rate := int(neg.Codec.ClockRate)
	if rate <= 0 {
		rate = 8000
	}
	frame := rate * ptime / 1000
	if frame > maxPayload {
		s.stop()
		return fmt.Errorf("%w: %d samples per packet", ErrCodec, frame)
	}
	reframe := frame != s.frame || rate != s.rate || c != s.codec
	s.codec, s.rate, s.frame, s.ptime = c, rate, frame, time.Duration(ptime)*time.Millisecond
	if reframe {
		s.pcmOut = make([]int16, frame)
		s.pcmPlay = make([]int16, frame)
		perMs := rate / 1000
		s.jb.init(rate, frame, int(s.cfg.MinDelay.Milliseconds())*perMs,
			int(s.cfg.MaxDelay.Milliseconds())*perMs, max(1, int(plcTime/s.ptime)))
		s.digits.Rate = uint32(rate) // telephone-event runs at the audio's rate here
	}
	if !old.Active || neg.RemoteRTP != old.RemoteRTP {
		s.latch.reset(neg.RemoteRTP)
		s.rtcpPeer = netip.AddrPort{}
	}
	if !s.sending && neg.Sending() {
		s.marker = true
	}
	s.sending = neg.Sending()
	if s.receiving != neg.Receiving() {
		s.receiving = neg.Receiving()
		s.jb.reset()
		s.lastRecv, s.timedOut = now, false
	}
	s.schedule(now)
	if s.rtcpT == nil {
		// RFC 3550 §6.2: the first report after half the interval.
		s.rtcpT = s.clk.AfterFunc(s.rtcpInterval()/2, s.rtcpFn)
	}
	return nil
}

// schedule arms the packet-time tick if the session sends or receives, and
// stops it otherwise (an idle call costs no wake-ups). A tick that restarts
// after a pause moves the timestamp on by the time that passed (RFC 3550
// §5.1: it follows the sampling clock) and marks the next packet.
func (s *Session) schedule(now time.Time) {
	if !s.sending && !s.receiving {
		s.stopTick()
		return
	}
	if s.tickT != nil {
		return
	}
	s.catchUp(now)
	s.armTick(s.due.Sub(now))
}

// armTick arms the packet-time timer, re-arming the session's one timer
// where the clock allows it (clock.Resetter): no allocation per packet
// time on the audio path.
func (s *Session) armTick(d time.Duration) {
	if r, ok := s.tickTm.(clock.Resetter); ok {
		r.Reset(d, s.tickFn)
	} else {
		s.tickTm = s.clk.AfterFunc(d, s.tickFn)
	}
	s.tickT = s.tickTm
}

// catchUp moves the next tick to now or later, counting the packet times
// skipped into the timestamp; the jitter buffer follows the peer's jump.
func (s *Session) catchUp(now time.Time) {
	if s.due.IsZero() {
		s.due = now
		return
	}
	if behind := now.Sub(s.due); behind > 0 {
		k := int((behind + s.ptime - 1) / s.ptime)
		s.due = s.due.Add(time.Duration(k) * s.ptime)
		s.ts += uint32(k * s.frame)
		s.marker = true
	}
}

func (s *Session) stopTick() {
	if s.tickT != nil {
		s.tickT.Stop()
		s.tickT = nil
	}
}

func (s *Session) stop() {
	s.stopTick()
	s.sending, s.receiving = false, false
	if s.rtcpT != nil {
		s.rtcpT.Stop()
		s.rtcpT = nil
	}
}

// maxBehind is how late a tick may run before the ticks missed are skipped
// rather than run in a burst (a suspended device, a stalled loop).
const maxBehind = time.Second

// tick runs every packet time: send a frame, play a frame. The app's
// Source, Sink and callbacks may call Update or Close meanwhile: the next
// deadline is set first, and the tick re-arms only if they did not.
func (s *Session) tick() {
	s.tickT = nil
	if s.closed {
		return
	}
	now := s.clk.Now()
	if now.Sub(s.due) > maxBehind {
		s.catchUp(now)
	}
	s.due = s.due.Add(s.ptime)
	if s.sending {
		s.sendFrame(now)
	}
	s.ts += uint32(s.frame)
	if s.receiving {
		s.playFrame()
		s.tickDigits(now)
		s.checkTimeout(now)
	}
	if s.closed || s.tickT != nil || !s.sending && !s.receiving {
		return
	}
	s.armTick(s.due.Sub(now))
}

// Close ends the session: it sends an RTCP BYE (RFC 3550 §6.6) if the
// session ran, and stops its timers. It is idempotent.
func (s *Session) Close() {
	if s.closed {
		return
	}
	if s.started && s.neg.Active {
		s.sendRTCP(s.clk.Now(), true)
	}
	s.stop()
	s.closed = true
}
