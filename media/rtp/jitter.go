package rtp

// jitterBuffer holds received audio until its playout time and plays it
// out one frame per packet time, concealing what is missing so that the
// Sink's timeline has no gaps.
//
// It stores decoded samples in a ring indexed by RTP timestamp modulo the
// ring's length, a power of two: 2^32 is a multiple of it, so the index
// runs on across the timestamp wrap. Reordered packets land in their
// place, duplicates overwrite themselves, and the ring's length (about a
// second) is the hard cap on what is held: a packet beyond it, or too far
// back, is a discontinuity and restarts playout (resync).
type jitterBuffer struct {
	pcm  []int16
	have []uint64 // presence bit per sample of pcm
	mask uint32

	started bool
	playing bool   // a sample of the stream was played: gaps are losses
	playTS  uint32 // timestamp of the next sample to play

	// target is the playout delay sought, in samples: how far ahead of
	// its playout a packet should arrive on average. slack is that
	// distance, averaged over the packets received.
	target, minT, maxT int
	slack              float64
	late               int // consecutive late packets

	last      []int16 // the last frame played, for concealment
	concealed int     // consecutive concealed frames
	plcFrames int     // frames concealed with attenuated repeats before silence

	stats jitterStats
}

type jitterStats struct {
	late, concealed, dropped, inserted, resyncs uint64
}

// init sizes the buffer for frames of frame samples at rate Hz.
func (j *jitterBuffer) init(rate, frame int, minT, maxT, plcFrames int) {
	size := 1
	for size < rate { // about a second
		size <<= 1
	}
	if len(j.pcm) != size {
		j.pcm = make([]int16, size)
		j.have = make([]uint64, (size+63)/64)
		j.mask = uint32(size - 1)
	}
	if len(j.last) != frame {
		j.last = make([]int16, frame)
	}
	j.minT, j.maxT, j.plcFrames = minT, maxT, plcFrames
	j.target = minT
	j.reset()
}

// reset forgets the stream: the next packet starts playout afresh.
func (j *jitterBuffer) reset() {
	clear(j.have)
	j.started, j.playing = false, false
	j.late = 0
}

// retarget sets the target delay from the interarrival jitter (RFC 3550
// A.8, timestamp units): three times it covers nearly all of the spread of
// transit times.
func (j *jitterBuffer) retarget(jitter float64) {
	j.target = min(max(int(3*jitter), j.minT), j.maxT)
}

// resync restarts playout so that the packet at ts plays after the target
// delay.
func (j *jitterBuffer) resync(ts uint32) {
	clear(j.have)
	j.started = true
	j.playTS = ts - uint32(j.target)
	j.slack = float64(j.target)
	j.late = 0
	j.stats.resyncs++
}

// put stores the samples of a packet whose first sample has timestamp ts;
// marker is the packet's marker bit, the start of a talkspurt.
func (j *jitterBuffer) put(ts uint32, samples []int16, marker bool) {
	if !j.started {
		j.resync(ts)
	}
	n := len(samples)
	d := int(int32(ts - j.playTS))
	switch {
	case d < -len(j.pcm) || d+n > len(j.pcm):
		j.resync(ts) // a jump in time, or more than the buffer can hold
		d = j.target
	case d+n <= 0:
		j.stats.late++
		j.late++
		// A new talkspurt or a run of late packets means the sender's
		// timeline moved back (RFC 3550 §5.1 allows any jump after
		// silence): follow it.
		if !marker && j.late < 3 {
			return
		}
		j.resync(ts)
		d = j.target
	}
	j.late = 0
	j.slack += (float64(d) - j.slack) / 16
	for i := max(0, -d); i < n; i++ {
		k := (ts + uint32(i)) & j.mask
		j.pcm[k] = samples[i]
		j.have[k>>6] |= 1 << (k & 63)
	}
}

// play writes the next frame into out, which has the frame length given
// to init. It never leaves a gap: missing samples are concealed.
func (j *jitterBuffer) play(out []int16) {
	if !j.started {
		clear(out)
		return
	}
	f := len(out)
	// Adapt the delay one frame at a time: skip a frame when packets
	// arrive well ahead of need, play a concealment frame without moving
	// on when they arrive too close to it. Shrinking is the less urgent,
	// so it waits for a wider margin.
	switch {
	case j.slack > float64(j.target+2*f):
		j.take(nil)
		j.slack -= float64(f)
		j.stats.dropped++
	case j.slack < float64(j.target-f):
		j.conceal(out)
		j.slack += float64(f)
		j.stats.inserted++
		return
	}
	if j.take(out) == 0 {
		if !j.playing {
			clear(out) // the initial delay, before the first packet plays
			return
		}
		j.conceal(out)
		return
	}
	j.playing = true
	j.concealed = 0
	copy(j.last, out)
}

// take moves the frame at the playout point into out (nil discards it),
// filling missing samples from the last frame, attenuated, and advances
// the playout point. It returns how many samples were present.
func (j *jitterBuffer) take(out []int16) int {
	f := len(j.last)
	present := 0
	for i := range f {
		k := (j.playTS + uint32(i)) & j.mask
		bit := uint64(1) << (k & 63)
		if j.have[k>>6]&bit != 0 {
			j.have[k>>6] &^= bit
			present++
			if out != nil {
				out[i] = j.pcm[k]
			}
		} else if out != nil {
			out[i] = j.last[i] / 2
		}
	}
	j.playTS += uint32(f)
	return present
}

// conceal fills out for a lost frame (G.711 Appendix I in its simplest
// form): the last frame repeated with a falling gain, then silence.
func (j *jitterBuffer) conceal(out []int16) {
	j.concealed++
	j.stats.concealed++
	if j.concealed > j.plcFrames {
		clear(out)
		clear(j.last) // nothing stale for the next partial frame
		return
	}
	g := int32(j.plcFrames + 1 - j.concealed)
	d := int32(j.plcFrames + 1)
	for i, v := range j.last {
		out[i] = int16(int32(v) * g / d)
	}
}
