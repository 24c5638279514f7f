package main

import (
	"math"
	"strings"
	"testing"
)

// sampleOutput is go test -bench -benchmem -count=3 output, abridged, with
// the noise go test prints around the results.
const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/sk400vop/sk400vop/bench
cpu: AMD EPYC
BenchmarkParse/INVITE/sk400vop-2         	 1000000	      1000 ns/op	 800.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkParse/INVITE/sk400vop-2         	 1000000	      1200 ns/op	 700.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkParse/INVITE/sk400vop-2         	 1000000	       900 ns/op	 900.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkParse/INVITE/sk400vop-new-2     	 1000000	      1500 ns/op	 600.00 MB/s	    1152 B/op	       1 allocs/op
BenchmarkParse/INVITE/sk400vop-new-2     	 1000000	      1400 ns/op	 650.00 MB/s	    1152 B/op	       1 allocs/op
BenchmarkParse/INVITE/sk400vop-new-2     	 1000000	      1600 ns/op	 550.00 MB/s	    1152 B/op	       1 allocs/op
BenchmarkParse/INVITE/sipgo-2            	  100000	      5000 ns/op	 150.00 MB/s	    4000 B/op	      60 allocs/op
BenchmarkParse/INVITE/sipgo-2            	  100000	      4000 ns/op	 180.00 MB/s	    4000 B/op	      60 allocs/op
BenchmarkParse/INVITE/sipgo-2            	  100000	      6000 ns/op	 130.00 MB/s	    4002 B/op	      61 allocs/op
BenchmarkParse/180/sk400vop-2            	 2000000	       500 ns/op	       0 B/op	       0 allocs/op
BenchmarkParse/180/sipgo-2               	  300000	      4500 ns/op	    3000 B/op	      45 allocs/op
some log line a benchmark printed
BenchmarkSerialize/INVITE/sk400vop-2     	 5000000	     45.25 ns/op	       0 B/op	       0 allocs/op
BenchmarkSerialize/INVITE/sipgo-2        	  500000	      2000 ns/op	     800 B/op	      20 allocs/op
BenchmarkSerialize/INVITE/sipgo-2        	  500000	      2200 ns/op	     800 B/op	      21 allocs/op
BenchmarkOther-2                         	  500000	      2200 ns/op
PASS
ok  	github.com/sk400vop/sk400vop/bench	42.000s
`

func TestParseSample(t *testing.T) {
	rs, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.groups) != 2 || rs.groups[0].name != "Parse" || rs.groups[1].name != "Serialize" {
		t.Fatalf("groups: %+v", rs.groups)
	}
	if rs.maxRun != 3 {
		t.Errorf("maxRun %d, want 3", rs.maxRun)
	}
	p := rs.groups[0]
	if strings.Join(p.messages, ",") != "INVITE,180" {
		t.Errorf("messages %q", p.messages)
	}
	if strings.Join(p.stacks, ",") != "sk400vop,sk400vop-new,sipgo" {
		t.Errorf("stacks %q", p.stacks)
	}
	for _, tc := range []struct {
		msg, stack string
		get        func(sample) float64
		want       float64
	}{
		{"INVITE", "sk400vop", getNs, 1000},
		{"INVITE", "sk400vop-new", getNs, 1500},
		{"INVITE", "sk400vop-new", getAllocs, 1},
		{"INVITE", "sipgo", getNs, 5000},
		{"INVITE", "sipgo", getBytes, 4000},
		{"INVITE", "sipgo", getAllocs, 60},
		{"180", "sipgo", getNs, 4500},
	} {
		if got := p.cells[[2]string{tc.msg, tc.stack}].median(tc.get); got != tc.want {
			t.Errorf("%s/%s: median %v, want %v", tc.msg, tc.stack, got, tc.want)
		}
	}
	s := rs.groups[1].cells[[2]string{"INVITE", "sipgo"}]
	if got := s.median(getNs); got != 2100 {
		t.Errorf("even count median %v, want 2100", got)
	}
	if got := s.median(getAllocs); got != 20.5 {
		t.Errorf("even count allocs median %v, want 20.5", got)
	}
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line              string
		ok                bool
		grp, msg, stack   string
		ns, bytes, allocs float64
	}{
		{"BenchmarkParse/ACK/sk400vop-16 \t 100 \t 12.5 ns/op \t 3 B/op \t 0 allocs/op", true, "Parse", "ACK", "sk400vop", 12.5, 3, 0},
		{"BenchmarkParse/ACK/sk400vop-new 100 12 ns/op", true, "Parse", "ACK", "sk400vop-new", 12, math.NaN(), math.NaN()},
		{"BenchmarkParse/ACK/sipgo-2 --- FAIL", false, "", "", "", 0, 0, 0},
		{"BenchmarkParse/ACK-2 100 12 ns/op", false, "", "", "", 0, 0, 0},
		{"ok  	pkg	1.0s", false, "", "", "", 0, 0, 0},
	} {
		grp, msg, stack, s, ok := parseLine(tc.line)
		if ok != tc.ok {
			t.Errorf("%q: ok %v", tc.line, ok)
			continue
		}
		if !ok {
			continue
		}
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if grp != tc.grp || msg != tc.msg || stack != tc.stack || !same(s.ns, tc.ns) || !same(s.bytes, tc.bytes) || !same(s.allocs, tc.allocs) {
			t.Errorf("%q: %q %q %q %+v", tc.line, grp, msg, stack, s)
		}
	}
}

func TestWriteTables(t *testing.T) {
	rs, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := write(&b, rs, "sipgo"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Medians of 3 run(s)",
		"### Parse: sk400vop vs sipgo",
		"| Message | sk400vop ns/op | sipgo ns/op | speed ratio (sipgo/sk400vop) | sk400vop allocs/op | sipgo allocs/op | sk400vop B/op | sipgo B/op |",
		"| INVITE | 1000 | 5000 | 5.00× | 0 | 60 | 0 | 4000 |",
		"| 180 | 500 | 4500 | 9.00× | 0 | 45 | 0 | 3000 |",
		"Lowest speed ratio 5.00× (INVITE); geometric mean 6.71×.",
		"### Parse: sk400vop-new vs sipgo",
		"| INVITE | 1500 | 5000 | 3.33× | 1 | 60 | 1152 | 4000 |",
		"### Serialize: sk400vop vs sipgo",
		"| INVITE | 45.2 | 2100 | 46.41× | 0 | 20.5 | 0 | 800 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Other") {
		t.Errorf("two-level benchmark in the output:\n%s", out)
	}
}
