package audio

import "errors"

var (
	// ErrMalformed means a WAV file is damaged or hostile: a missing or
	// truncated chunk, or a chunk size beyond the file.
	ErrMalformed = errors.New("audio: malformed WAV")
	// ErrUnsupported means a well-formed WAV file whose format this package
	// does not convert (float, 24-bit, compressed, many channels, ...). The
	// error text names the format.
	ErrUnsupported = errors.New("audio: unsupported WAV")
	// ErrTooLarge means a recording would exceed the 4 GiB limit of RIFF.
	ErrTooLarge = errors.New("audio: WAV file too large")
	// ErrClosed is returned by a WAVWriter after Close.
	ErrClosed = errors.New("audio: WAV writer closed")
)

// unsupportedError has a message that names the refused format and
// matches ErrUnsupported with errors.Is.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }
func (e *unsupportedError) Unwrap() error { return ErrUnsupported }
