//go:build !race

package ua

const raceEnabled = false
