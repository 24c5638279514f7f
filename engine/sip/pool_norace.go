//go:build !race

package sip

// poolReuse: released Messages are reused (see pool_race.go).
const poolReuse = true
