package rtp

import (
	"time"

	"github.com/pion/rtcp"
)

// Sequence number validation limits of RFC 3550 Appendix A.1.
const (
	maxDropout  = 3000
	maxMisorder = 100
	seqMod      = 1 << 16
)

// remoteSource is what we know of the peer's stream (one SSRC): the
// sequence number state of RFC 3550 A.1, the interarrival jitter of A.8,
// and the figures a reception report block carries (§6.4.1).
type remoteSource struct {
	active bool
	ssrc   uint32

	maxSeq   uint16
	cycles   uint32 // shifted count of seq wrap-arounds
	baseSeq  uint32
	badSeq   uint32
	received uint64
	window   uint64 // bit i: extended max-i received, to drop duplicates

	expectedPrior uint64
	receivedPrior uint64

	transit     int32
	haveTransit bool
	jitter      float64 // in timestamp units, RFC 3550 A.8

	lastSR     uint32    // middle 32 bits of the last SR's NTP time
	lastSRTime time.Time // when it arrived
}

func (r *remoteSource) reset(ssrc uint32, seq uint16) {
	*r = remoteSource{active: true, ssrc: ssrc, badSeq: seqMod + 1}
	r.initSeq(seq)
}

func (r *remoteSource) initSeq(seq uint16) {
	r.baseSeq = uint32(seq)
	r.maxSeq = seq
	r.badSeq = seqMod + 1
	r.cycles = 0
	r.received = 0
	r.receivedPrior = 0
	r.expectedPrior = 0
	r.window = 0
}

func (r *remoteSource) extMax() uint32 { return r.cycles + uint32(r.maxSeq) }

// update counts a packet with sequence number seq (RFC 3550 A.1). It
// reports false for a packet to drop: a duplicate, or the first of a very
// large jump (a second one in sequence with it restarts the count, as the
// sender apparently restarted). Probation of new sources is left to the
// latching rules.
func (r *remoteSource) update(seq uint16) bool {
	udelta := seq - r.maxSeq
	switch {
	case udelta == 0 && r.received > 0:
		return false // duplicate of the newest
	case udelta < maxDropout:
		if seq < r.maxSeq {
			r.cycles += seqMod // wrapped (A.1)
		}
		r.maxSeq = seq
		if udelta >= 64 {
			r.window = 0
		} else {
			r.window <<= udelta
		}
		r.window |= 1
	case udelta <= seqMod-maxMisorder:
		if uint32(seq) != r.badSeq {
			r.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
		r.initSeq(seq)
		r.window = 1
	default: // older than the newest: reordered or duplicate
		back := r.maxSeq - seq
		if back < 64 {
			if r.window&(1<<back) != 0 {
				return false
			}
			r.window |= 1 << back
		}
	}
	r.received++
	return true
}

// updateJitter folds one audio packet into the interarrival jitter
// (RFC 3550 A.8); arrival is the arrival time in timestamp units.
func (r *remoteSource) updateJitter(arrival, ts uint32) {
	transit := int32(arrival - ts)
	if !r.haveTransit {
		r.transit, r.haveTransit = transit, true
		return
	}
	d := float64(transit - r.transit)
	r.transit = transit
	if d < 0 {
		d = -d
	}
	r.jitter += (d - r.jitter) / 16
}

// lost returns the cumulative number of packets lost (RFC 3550 A.3); it
// may be negative when duplicates from far back were counted.
func (r *remoteSource) lost() int64 {
	expected := int64(r.extMax()) - int64(r.baseSeq) + 1
	return expected - int64(r.received)
}

// report returns the reception report block about this source and starts
// a new interval for the fraction lost (RFC 3550 §6.4.1, A.3).
func (r *remoteSource) report(now time.Time) rtcp.ReceptionReport {
	expected := uint64(int64(r.extMax()) - int64(r.baseSeq) + 1)
	lost := r.lost()
	expInt := expected - r.expectedPrior
	recvInt := r.received - r.receivedPrior
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if expInt > 0 && expInt > recvInt {
		fraction = uint8(((expInt - recvInt) << 8) / expInt)
	}
	// The cumulative number lost is a 24-bit signed field.
	lost = min(max(lost, -0x800000), 0x7fffff)
	rr := rtcp.ReceptionReport{
		SSRC:               r.ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(lost) & 0xffffff,
		LastSequenceNumber: r.extMax(),
		Jitter:             uint32(r.jitter),
		LastSenderReport:   r.lastSR,
	}
	if !r.lastSRTime.IsZero() {
		rr.Delay = uint32(now.Sub(r.lastSRTime).Seconds() * 65536) // DLSR, 1/65536 s
	}
	return rr
}
