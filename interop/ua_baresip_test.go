package interop

// sk400vop's UA against a real far-end phone: baresip, registered to the
// same Kamailio.

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/ua"
	"github.com/sk400vop/sk400vop/media/audio"
)

// We call baresip (auto-answer) through Kamailio and hang up; then
// baresip calls us, we auto-answer, and baresip hangs up. Both calls
// confirm and end cleanly on both sides.
func TestBaresipCalls(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true})
	alice := newPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k, autoAnswer: true})
	if got := alice.register(); got != "reg Registered 200" {
		t.Fatalf("register: %s", got)
	}

	t.Run("sk400vop calls baresip", func(t *testing.T) {
		c := alice.call(k.AOR("carol"))
		alice.want("call Confirmed 200", "call Early")
		b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
		var err error
		alice.do(func(*ua.UA) { err = c.Hangup("") })
		if err != nil {
			t.Fatal(err)
		}
		alice.want("call Disconnected 200", "call media")
		b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)
	})

	t.Run("baresip calls sk400vop", func(t *testing.T) {
		b.MustCommand(t, "dial", k.AOR("alice"))
		alice.want("incoming carol", "call media")
		alice.incoming()
		alice.want("call Confirmed 200", "call Connecting", "call media")
		b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
		b.MustCommand(t, "hangup", "")
		alice.want("call Disconnected 200", "call media")
		b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)
	})
}

// Audio both ways through Kamailio: sk400vop sends 1000 Hz and records,
// baresip sends its 400 Hz file and records (sndfile). Each recording is
// not silent and its dominant frequency is the other side's tone.
func TestBaresipAudio(t *testing.T) {
	Require(t)
	t.Parallel()
	k := StartKamailio(t, KamailioOptions{Users: map[string]string{"alice": "wonderland", "carol": "secret3"}})
	b := StartBaresip(t, BaresipOptions{User: "carol", Password: "secret3", Registrar: k.Addr, AutoAnswer: true, Record: true})
	alice := newPhone(t, phoneOptions{user: "alice", password: "wonderland", k: k, tone: 1000})
	if got := alice.register(); got != "reg Registered 200" {
		t.Fatalf("register: %s", got)
	}
	c := alice.call(k.AOR("carol"))
	alice.want("call Confirmed 200", "call Early")
	b.WaitEventType(t, "CALL_ESTABLISHED", 10*time.Second)
	alice.rec.wait(t, 2*8000, 10*time.Second) // two seconds of audio
	var err error
	alice.do(func(*ua.UA) { err = c.Hangup("") })
	if err != nil {
		t.Fatal(err)
	}
	alice.want("call Disconnected 200", "call media")
	b.WaitEventType(t, "CALL_CLOSED", 10*time.Second)

	heard := alice.rec.samples()
	checkTone(t, "sk400vop hears baresip", heard, 400)
	files, _ := filepath.Glob(filepath.Join(b.Dir, "*dec*.wav"))
	if len(files) == 0 {
		all, _ := filepath.Glob(filepath.Join(b.Dir, "*.wav"))
		t.Fatalf("baresip recorded nothing it received: %v", all)
	}
	checkTone(t, "baresip hears sk400vop", readWAV(t, files[0]), 1000)
}

func checkTone(t *testing.T, what string, pcm []int16, freq float64) {
	t.Helper()
	if len(pcm) < 8000 {
		t.Fatalf("%s: only %d samples", what, len(pcm))
	}
	tail := pcm[len(pcm)/2:]
	if rms := audio.RMS(tail); rms < 500 {
		t.Errorf("%s: silence (RMS %.0f)", what, rms)
	}
	if f := audio.DominantFrequency(tail, 8000); f < freq-15 || f > freq+15 {
		t.Errorf("%s: dominant %.0f Hz, want %.0f", what, f, freq)
	}
}

func readWAV(t *testing.T, path string) []int16 {
	t.Helper()
	r, err := audio.OpenWAV(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer r.Close()
	var pcm []int16
	frame := make([]int16, 160)
	for {
		err := r.ReadFrame(frame)
		pcm = append(pcm, frame...)
		if err != nil {
			return pcm
		}
	}
}
