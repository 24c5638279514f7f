package audio

// Source produces audio one frame at a time: it fills pcm (len = samples
// per frame) and returns io.EOF when it has no more (after filling what it
// could, the rest zeroed).
type Source interface {
	ReadFrame(pcm []int16) error
}

// Sink consumes audio one frame at a time.
type Sink interface {
	WriteFrame(pcm []int16) error
}

// SourceFunc adapts an application callback to a Source.
type SourceFunc func(pcm []int16) error

// ReadFrame calls f(pcm).
func (f SourceFunc) ReadFrame(pcm []int16) error { return f(pcm) }

// SinkFunc adapts an application callback to a Sink. The callback borrows
// pcm for the duration of the call only.
type SinkFunc func(pcm []int16) error

// WriteFrame calls f(pcm).
func (f SinkFunc) WriteFrame(pcm []int16) error { return f(pcm) }

// Silence is a Source of endless silence.
type Silence struct{}

// ReadFrame zeroes pcm; it never fails.
func (Silence) ReadFrame(pcm []int16) error {
	clear(pcm)
	return nil
}
