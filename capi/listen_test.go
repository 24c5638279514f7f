package main

import (
	"errors"
	"testing"
)

// TestParseListen: a listen spec the stack cannot bind is refused as
// invalid before any socket is tried, whichever part is wrong.
func TestParseListen(t *testing.T) {
	good := map[string]int{
		"udp:127.0.0.1:0":                  1,
		"udp:[::1]:5060, tcp:0.0.0.0:5060": 2,
		"tls:localhost:5061":               1,
	}
	for spec, n := range good {
		if got, err := parseListen(spec); err != nil || len(got) != n {
			t.Errorf("%q: %v, %v", spec, got, err)
		}
	}
	for _, spec := range []string{"", "bogus", "udp:nowhere", "udp:127.0.0.1:65536", "udp:127.0.0.1:x", "sctp:127.0.0.1:5060", "udp:[::1]"} {
		if _, err := parseListen(spec); !errors.Is(err, errInvalid) {
			t.Errorf("%q: %v, want errInvalid", spec, err)
		}
	}
}
