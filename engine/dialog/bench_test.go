package dialog

import "testing"

// BenchmarkNewRequest measures building a BYE-sized request within a
// dialog with a two-proxy route set.
func BenchmarkNewRequest(b *testing.B) {
	d := alice(b)
	b.ReportAllocs()
	for b.Loop() {
		d.localSeq = 1
		if _, err := d.NewRequest("INFO", aliceVia, nil, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetMatch measures finding the dialog of a received request
// among 10,000.
func BenchmarkSetMatch(b *testing.B) {
	var s Set
	d := bob(b)
	s.Add(d)
	for i := range 10000 {
		s.Add(&Dialog{id: ID{CallID: d.id.CallID, LocalTag: string(rune('a' + i%26)), RemoteTag: u32(uint32(i))}})
	}
	req := parse(b, toBob("BYE", "2"))
	b.ReportAllocs()
	for b.Loop() {
		if s.Match(req, false) != d {
			b.Fatal("no match")
		}
	}
}
