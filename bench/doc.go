// Package bench compares the sk400vop SIP message core (engine/sip) with
// github.com/emiago/sipgo on the same realistic wire messages: parsing and
// reading what the transaction and dialog layers need, and serialising into
// a caller's reused buffer.
//
// It is a separate Go module so that sipgo never enters the root go.mod.
// Run it from this directory:
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./ | tee bench.txt
//	go run ./cmd/ratios < bench.txt
//
// See docs/PERFORMANCE.md for the method and the latest figures.
package bench
