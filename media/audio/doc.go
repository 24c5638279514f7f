// Package audio holds the audio frames of a call: 16-bit signed linear PCM,
// 8 kHz, mono, one frame per packet interval (160 samples for 20 ms).
//
// A Source produces frames and a Sink consumes them. The package provides
// sources for silence, a sine tone and WAV playback, a sink for WAV
// recording, adapters for application callbacks, G.711 µ-law/A-law
// conversion into caller buffers, and analysis helpers for tests.
//
// Everything here runs on the 20 ms audio path of the RTP session: after
// set-up, reading and writing frames does not allocate, starts no goroutine,
// takes no lock and never reads the wall clock. None of the types is safe
// for concurrent use; the session owns them.
package audio

// SampleRate is the sample rate of every frame, in Hz.
const SampleRate = 8000

// FrameSamples is the number of samples in a 20 ms frame.
const FrameSamples = SampleRate * 20 / 1000
