//go:build race

package sip

// poolReuse is off under the race detector: a released Message stays
// cleared, and whoever kept it reads no status and no headers.
const poolReuse = false
