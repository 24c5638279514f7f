module github.com/sk400vop/sk400vop

go 1.26.0

require (
	github.com/pion/rtcp v1.2.20
	github.com/pion/rtp v1.10.6
	github.com/pion/sdp/v3 v3.0.20
	github.com/zaf/g711 v1.4.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0
)

require github.com/pion/randutil v0.1.0 // indirect
