// Command ratios reads `go test -bench -benchmem` output (from any number
// of -count runs) on standard input and prints Markdown tables comparing
// each stack with a reference stack, message by message, on the medians of
// the runs.
//
// Benchmark names must have the form Benchmark<Group>/<message>/<stack>,
// as in the bench package: BenchmarkParse/INVITE/sk400vop-2. For each group
// it prints one table per stack other than the reference, in the order the
// stacks first appear:
//
//	cd bench
//	go test -run='^$' -bench=. -benchmem -count=5 ./ | tee bench.txt
//	go run ./cmd/ratios < bench.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sample is one benchmark result line.
type sample struct {
	ns, bytes, allocs float64 // NaN when the line lacks the unit
}

// cell holds every run of one group/message/stack.
type cell struct {
	runs []sample
}

// median returns the median of one metric over the runs, NaN if no run
// reported it.
func (c *cell) median(get func(sample) float64) float64 {
	var v []float64
	for _, r := range c.runs {
		if x := get(r); !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	return median(v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// group is one benchmark function: its messages and stacks in order of
// first appearance, and the cells keyed by message and stack.
type group struct {
	name     string
	messages []string
	stacks   []string
	cells    map[[2]string]*cell
}

// results is everything read from the input, groups in order.
type results struct {
	groups []*group
	maxRun int
}

func (rs *results) group(name string) *group {
	for _, g := range rs.groups {
		if g.name == name {
			return g
		}
	}
	g := &group{name: name, cells: map[[2]string]*cell{}}
	rs.groups = append(rs.groups, g)
	return g
}

// parse reads benchmark output, ignoring every line that is not a
// three-level benchmark result.
func parse(r io.Reader) (*results, error) {
	rs := &results{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		gname, msg, stack, s, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		g := rs.group(gname)
		if !slices.Contains(g.messages, msg) {
			g.messages = append(g.messages, msg)
		}
		if !slices.Contains(g.stacks, stack) {
			g.stacks = append(g.stacks, stack)
		}
		k := [2]string{msg, stack}
		c := g.cells[k]
		if c == nil {
			c = &cell{}
			g.cells[k] = c
		}
		c.runs = append(c.runs, s)
		rs.maxRun = max(rs.maxRun, len(c.runs))
	}
	return rs, sc.Err()
}

// parseLine splits a line such as
//
//	BenchmarkParse/INVITE/sk400vop-2  1000  1234 ns/op  250.0 MB/s  0 B/op  0 allocs/op
//
// into its group, message, stack and measurements.
func parseLine(line string) (grp, msg, stack string, s sample, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return // not a result line (e.g. a benchmark's log output)
	}
	name := stripProcs(strings.TrimPrefix(f[0], "Benchmark"))
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return
	}
	s = sample{ns: math.NaN(), bytes: math.NaN(), allocs: math.NaN()}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return
		}
		switch f[i+1] {
		case "ns/op":
			s.ns = v
		case "B/op":
			s.bytes = v
		case "allocs/op":
			s.allocs = v
		}
	}
	if math.IsNaN(s.ns) {
		return
	}
	return parts[0], parts[1], parts[2], s, true
}

// stripProcs removes the "-N" GOMAXPROCS suffix go test adds to a name.
func stripProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}

// write prints one table per group and compared stack.
func write(w io.Writer, rs *results, ref string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Medians of %d run(s) per benchmark; speed ratio = %s ns/op ÷ stack ns/op (higher is faster).\n", rs.maxRun, ref)
	for _, g := range rs.groups {
		if !slices.Contains(g.stacks, ref) {
			continue
		}
		for _, st := range g.stacks {
			if st == ref {
				continue
			}
			writeTable(bw, g, st, ref)
		}
	}
	return bw.Flush()
}

func writeTable(w io.Writer, g *group, st, ref string) {
	fmt.Fprintf(w, "\n### %s: %s vs %s\n\n", g.name, st, ref)
	fmt.Fprintf(w, "| Message | %[1]s ns/op | %[2]s ns/op | speed ratio (%[2]s/%[1]s) | %[1]s allocs/op | %[2]s allocs/op | %[1]s B/op | %[2]s B/op |\n", st, ref)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var ratios []float64
	minRatio, minMsg := math.Inf(1), ""
	for _, msg := range g.messages {
		a, b := g.cells[[2]string{msg, st}], g.cells[[2]string{msg, ref}]
		if a == nil || b == nil {
			continue
		}
		nsA, nsB := a.median(getNs), b.median(getNs)
		ratio := nsB / nsA
		ratios = append(ratios, ratio)
		if ratio < minRatio {
			minRatio, minMsg = ratio, msg
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", msg,
			fmtNs(nsA), fmtNs(nsB), fmtRatio(ratio),
			fmtCount(a.median(getAllocs)), fmtCount(b.median(getAllocs)),
			fmtCount(a.median(getBytes)), fmtCount(b.median(getBytes)))
	}
	if len(ratios) > 0 {
		fmt.Fprintf(w, "\nLowest speed ratio %s (%s); geometric mean %s.\n", fmtRatio(minRatio), minMsg, fmtRatio(geomean(ratios)))
	}
}

func getNs(s sample) float64     { return s.ns }
func getBytes(s sample) float64  { return s.bytes }
func getAllocs(s sample) float64 { return s.allocs }

func geomean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(v)))
}

func fmtNs(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "×"
}

// fmtCount prints an allocation or byte count; a median of an even number
// of runs may end in .5.
func fmtCount(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func main() {
	ref := flag.String("ref", "sipgo", "the reference stack every other stack is compared with")
	flag.Parse()
	rs, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	if len(rs.groups) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: no Benchmark<Group>/<message>/<stack> results on stdin")
		os.Exit(1)
	}
	if err := write(os.Stdout, rs, *ref); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
}
