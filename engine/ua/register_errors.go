package ua

import (
	"errors"
	"fmt"
)

// Errors of the registration client. None of them, nor any error wrapping
// them here, holds a password, an HA1 or a digest response.
var (
	// ErrConfig refuses a RegistrationConfig (or a NetworkChanged
	// argument) that cannot make a valid REGISTER: a missing clock,
	// transaction layer, target or OnEvent, an AOR that is not a SIP URI,
	// a Registrar with userinfo (RFC 3261 §10.2), an invalid Contact or
	// Via, a reg-id without instance ID (RFC 5626 §4.2), an unusable
	// Secret.
	ErrConfig = errors.New("ua: invalid registration config")
	// ErrCredentialsRefused reports a registrar that challenged the
	// credentials it had just asked for with a challenge that is not
	// stale: the password is wrong (RFC 7616 §3.3, RFC 3261 §22.2).
	// Registration stops rather than ask again and lock the account.
	ErrCredentialsRefused = errors.New("ua: credentials refused")
	// ErrNoCredentials reports a challenge to a Registration configured
	// without a Secret.
	ErrNoCredentials = errors.New("ua: challenged but no credentials configured")
	// ErrNotBound reports a 2xx to a REGISTER that grants our Contact no
	// time: the registrar kept no binding.
	ErrNotBound = errors.New("ua: registrar kept no binding")
	// ErrIntervalTooBrief reports a 423 that cannot be satisfied: no
	// usable Min-Expires, one not above what was asked, or a second 423
	// in one attempt (RFC 3261 §10.2.8).
	ErrIntervalTooBrief = errors.New("ua: registrar keeps refusing the interval")
)

// configErr returns ErrConfig with a reason.
func configErr(reason string) error { return fmt.Errorf("%w: %s", ErrConfig, reason) }

// configWrap returns ErrConfig wrapping the error that explains it.
func configWrap(err error) error { return fmt.Errorf("%w: %w", ErrConfig, err) }
