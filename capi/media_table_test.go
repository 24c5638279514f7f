package main

import (
	"testing"

	"github.com/sk400vop/sk400vop/capi/internal/ctest"
)

// The cost of one media frame crossing into the app's table: the PCM
// demand (frame) and report (on_frame) of a 20 ms G.711 frame, each one
// cgo call through its C trampoline, with callbacks that do nothing.
func BenchmarkMediaFrameCrossing(b *testing.B) {
	mt := &mediaTable{tbl: (*cMediaTable)(ctest.NoopMediaTable())}
	c := &tableCall{mt: mt}
	pcm := make([]int16, 160)
	b.Run("demand", func(b *testing.B) {
		for b.Loop() {
			if err := c.ReadFrame(pcm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			c.WriteFrame(pcm)
		}
	})
}

func TestParseCodecs(t *testing.T) {
	cs, err := parseCodecs("9 G722/8000, 0 PCMU/8000,101 telephone-event/8000;0-16")
	if err != nil || len(cs) != 3 || cs[0].Name != "G722" || cs[2].Fmtp != "0-16" || cs[2].PayloadType != 101 {
		t.Fatalf("parseCodecs = %+v, %v", cs, err)
	}
	for _, bad := range []string{"PCMU/8000", "0 PCMU", "200 X/8000", "0 PCMU/0"} {
		if _, err := parseCodecs(bad); err == nil {
			t.Errorf("parseCodecs(%q) took it", bad)
		}
	}
}

func TestParseNAPTR(t *testing.T) {
	// order 10, pref 20, "s", "SIP+D2U", "", _sip._udp.example.com.
	d := []byte{0, 10, 0, 20, 1, 's', 7, 'S', 'I', 'P', '+', 'D', '2', 'U', 0,
		4, '_', 's', 'i', 'p', 4, '_', 'u', 'd', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}
	n, ok := parseNAPTR(d, nil)
	if !ok || n.Order != 10 || n.Preference != 20 || n.Flags != "s" || n.Service != "SIP+D2U" ||
		n.Replacement != "_sip._udp.example.com." {
		t.Fatalf("parseNAPTR = %+v, %v", n, ok)
	}
	if _, ok := parseNAPTR(d[:20], nil); ok {
		t.Fatal("a cut record parsed")
	}
}
