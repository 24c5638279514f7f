package dtmf

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRelayRoundTrip(t *testing.T) {
	for _, d := range digits {
		for _, dur := range []time.Duration{40 * time.Millisecond, 160 * time.Millisecond, 2 * time.Second} {
			b := FormatRelay(d, dur)
			gd, gdur, err := ParseRelay(b)
			if err != nil || gd != d || gdur != dur {
				t.Errorf("%q %v: %q -> %q %v %v", d, dur, b, gd, gdur, err)
			}
		}
	}
	if b := FormatRelay('5', 160*time.Millisecond); string(b) != "Signal=5\r\nDuration=160\r\n" {
		t.Errorf("%q", b)
	}
	if b := FormatRelay(Flash, 0); string(b) != "Signal=16\r\nDuration=100\r\n" {
		t.Errorf("%q", b)
	}
	if b := FormatRelay('x', 0); b != nil {
		t.Errorf("invalid digit: %q", b)
	}
	if b := FormatRelay('b', 0); !bytes.HasPrefix(b, []byte("Signal=B\r\n")) {
		t.Errorf("lower case: %q", b)
	}
}

func TestParseRelay(t *testing.T) {
	cases := []struct {
		body  string
		digit rune
		dur   time.Duration
	}{
		{"Signal=5\r\nDuration=160\r\n", '5', 160 * time.Millisecond},
		{"signal = # \nDURATION= 250", '#', 250 * time.Millisecond},
		{"Duration=100\r\nSignal=*\r\n", '*', 100 * time.Millisecond},
		{"Signal=11\r\nDuration=100\r\n", '#', 100 * time.Millisecond},
		{"Signal=16\r\n", Flash, 0},
		{"Signal=!\r\n", Flash, 0},
		{"Signal=d\r\nVolume=10\r\n\r\n", 'D', 0},
		{"5", '5', 0},       // application/dtmf
		{" # \r\n", '#', 0}, // application/dtmf
		{"10", '*', 0},      // application/dtmf, by event code
	}
	for _, c := range cases {
		d, dur, err := ParseRelay([]byte(c.body))
		if err != nil || d != c.digit || dur != c.dur {
			t.Errorf("%q: %q %v %v, want %q %v", c.body, d, dur, err, c.digit, c.dur)
		}
	}
}

func TestParseRelayMalformed(t *testing.T) {
	for _, body := range []string{
		"",
		"\r\n",
		"E",
		"55",
		"17",
		"Signal=",
		"Signal=E\r\n",
		"Signal=17\r\n",
		"Signal=123\r\n",
		"Duration=100\r\n",
		"Signal=5\r\nDuration=-1\r\n",
		"Signal=5\r\nDuration=abc\r\n",
		"Signal=5\r\nDuration=99999999999\r\n",
		"Signal=5\r\nSignal=6\r\n",
		"Signal=5\r\ngarbage\r\n",
		"Signal=5\r\n" + strings.Repeat("X=1\r\n", 300),
	} {
		if _, _, err := ParseRelay([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", body, err)
		}
	}
}

func TestCodes(t *testing.T) {
	for i, d := range digits {
		c, ok := Code(d)
		if !ok || int(c) != i {
			t.Errorf("Code(%q) = %d %v", d, c, ok)
		}
		if g, ok := Digit(uint8(i)); !ok || g != d {
			t.Errorf("Digit(%d) = %q", i, g)
		}
	}
	if _, ok := Code('e'); ok {
		t.Error("Code('e')")
	}
	if _, ok := Digit(17); ok {
		t.Error("Digit(17)")
	}
}

func FuzzParseRelay(f *testing.F) {
	f.Add([]byte("Signal=5\r\nDuration=160\r\n"))
	f.Add([]byte("#"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, dur, err := ParseRelay(b)
		if err != nil {
			return
		}
		if _, ok := Code(d); !ok || dur < 0 {
			t.Fatalf("%q: %q %v", b, d, dur)
		}
		if d2, _, err := ParseRelay(FormatRelay(d, dur)); err != nil || d2 != d {
			t.Fatalf("%q: re-parse %q %v", b, d2, err)
		}
	})
}
