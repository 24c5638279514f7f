package main

// The media table (sk400vop_media): the app's own audio per call behind
// the UA's Media interface. The stack keeps the SDP offer/answer (package
// media) and RTP/RTCP (media/rtp) on a port pair of the configured range;
// the table gets one call per frame (PCM mode: rtp.Source and rtp.Sink,
// G.711 done here) or per packet (encoded mode: rtp.PayloadSource and
// rtp.Config.OnPayload).
//
// Everything here runs on the stack's loop goroutine: the UA calls Offer,
// Answer, Accept, Rollback and Close there, and the RTP session's timer and
// socket reads run there too. So the C callbacks run on the loop, with the
// restricted marker set (a waiting API call from inside them would
// deadlock), and the per-table C buffers need no lock.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unsafe"

	"github.com/sk400vop/sk400vop/engine/ua"
	"github.com/sk400vop/sk400vop/media"
	"github.com/sk400vop/sk400vop/media/endpoint"
)

// cMediaTable names the C table for the benchmarks of media_table_test.go,
// which cannot use cgo.
type cMediaTable = C.sk400vop_media

// mediaTable is the media table of one stack.
type mediaTable struct {
	st      *cstack
	tbl     *C.sk400vop_media // a C copy of the app's table
	encoded bool
	codecs  []media.Codec
	ptime   int

	// Loop only.
	params *C.sk400vop_media_params
	pkt    *C.sk400vop_rtp_packet
	pktBuf *C.uint8_t // pktBufSize bytes: a received payload, copied for on_payload
	cs     cstrings
	calls  map[*tableCall]struct{}
}

var errNoFrame = errors.New("no frame")

// pktBufSize holds any RTP payload that fits a datagram.
const pktBufSize = 64 << 10

// newMediaTable checks and copies the app's table.
func newMediaTable(st *cstack, t *C.sk400vop_media) (*mediaTable, error) {
	mt := &mediaTable{st: st, ptime: int(t.ptime), calls: map[*tableCall]struct{}{}}
	switch t.mode {
	case C.SK400VOP_MEDIA_PCM:
	case C.SK400VOP_MEDIA_ENCODED:
		mt.encoded = true
		s, err := goStr(t.codecs)
		if err != nil {
			return nil, err
		}
		if mt.codecs, err = parseCodecs(s); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: media: mode %d", errInvalid, t.mode)
	}
	if mt.ptime < 0 || mt.ptime > media.MaxPtime {
		return nil, fmt.Errorf("%w: media: ptime %d", errInvalid, mt.ptime)
	}
	mt.tbl = (*C.sk400vop_media)(C.malloc(C.sizeof_sk400vop_media))
	*mt.tbl = *t
	mt.tbl.codecs = nil // not kept: the app's string
	mt.params = (*C.sk400vop_media_params)(C.calloc(1, C.sizeof_sk400vop_media_params))
	mt.pkt = (*C.sk400vop_rtp_packet)(C.calloc(1, C.sizeof_sk400vop_rtp_packet))
	if mt.encoded {
		mt.pktBuf = (*C.uint8_t)(C.malloc(pktBufSize))
	}
	return mt, nil
}

// parseCodecs reads "PT NAME/RATE[;FMTP],..." ("" : the defaults).
func parseCodecs(s string) ([]media.Codec, error) {
	var out []media.Codec
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		spec, fmtp, _ := strings.Cut(part, ";")
		num, rtpmap, ok := strings.Cut(strings.TrimSpace(spec), " ")
		name, rate, ok2 := strings.Cut(strings.TrimSpace(rtpmap), "/")
		pt, err1 := strconv.ParseUint(num, 10, 8)
		r, err2 := strconv.ParseUint(rate, 10, 32)
		if !ok || !ok2 || err1 != nil || err2 != nil || pt > 127 || r == 0 || name == "" ||
			strings.ContainsAny(name, " \r\n") || strings.ContainsAny(fmtp, "\r\n") {
			return nil, fmt.Errorf("%w: media: codec %q: want \"PT NAME/RATE[;FMTP]\"", errInvalid, part)
		}
		out = append(out, media.Codec{PayloadType: uint8(pt), Name: name, ClockRate: uint32(r), Fmtp: strings.TrimSpace(fmtp)})
	}
	return out, nil
}

// shut releases the C memory; sk400vop_destroy calls it after closing the
// calls left, once the loop has stopped.
func (mt *mediaTable) shut() {
	for c := range mt.calls {
		c.Close()
	}
	mt.cs.release()
	C.free(unsafe.Pointer(mt.tbl))
	C.free(unsafe.Pointer(mt.params))
	C.free(unsafe.Pointer(mt.pkt))
	C.free(unsafe.Pointer(mt.pktBuf))
	mt.tbl, mt.params, mt.pkt, mt.pktBuf = nil, nil, nil, nil
}

// newCall is the UA's MediaFactory when the app gave a media table. An
// incoming call gets its handle here, before on_incoming_call, so that
// create can name it.
func (mt *mediaTable) newCall(c *ua.Call) (ua.Media, error) {
	st := mt.st
	e, _ := c.UserData.(*callEntry)
	if e == nil {
		ae, _ := c.Account().UserData.(*accEntry)
		if ae == nil {
			return nil, fmt.Errorf("%w: a call without account", errState)
		}
		e = &callEntry{id: newID(), acc: ae.id, call: c}
		c.UserData = e
	}
	st.mu.Lock()
	ud := e.ud
	st.mu.Unlock()

	addr, err := netip.ParseAddr(c.Account().Contact().Host)
	if err != nil || addr.IsUnspecified() {
		addr = netip.MustParseAddr("127.0.0.1")
	}
	ep, err := st.endpointFor(addr)
	if err != nil {
		return nil, err
	}
	tc := &tableCall{mt: mt}
	opts := endpoint.Options{Codecs: mt.codecs, Ptime: mt.ptime, OnUpdate: tc.update}
	if mt.encoded {
		opts.PayloadSource = tc
		if mt.tbl.on_payload != nil {
			opts.OnPayload = tc.onPayload
		}
	} else {
		if mt.tbl.frame != nil {
			opts.Source = tc
		}
		if mt.tbl.on_frame != nil {
			opts.Sink = tc
		}
	}
	if tc.Call, err = ep.NewCall(opts); err != nil {
		return nil, err
	}
	var ctx C.uintptr_t
	if r := C.sk400vop__media_create(mt.tbl, C.uint64_t(e.id), C.uintptr_t(ud), &ctx); r < 0 {
		tc.Call.Close()
		return nil, fmt.Errorf("media: the app's create refused the call (%d)", int(r))
	}
	tc.ctx, tc.live = ctx, true
	mt.calls[tc] = struct{}{}
	return tc, nil
}

// tableCall is the media of one call whose audio the app's table supplies
// and takes: the endpoint's Call (SDP, RTP/RTCP on a port pair) with the
// table's frames or payloads as its source and sink.
type tableCall struct {
	*endpoint.Call
	mt   *mediaTable
	ctx  C.uintptr_t // the app's media_ctx
	live bool        // create succeeded, destroy not yet called
}

// Close ends the media and tells the app (the UA's Media).
func (c *tableCall) Close() {
	c.Call.Close()
	delete(c.mt.calls, c)
	if c.live {
		c.live = false
		C.sk400vop__media_destroy(c.mt.tbl, c.ctx)
	}
}

// update calls the table's update with neg.
func (c *tableCall) update(neg media.Negotiated) {
	mt := c.mt
	if mt.tbl.update == nil || !c.live {
		return
	}
	p := mt.params
	*p = C.sk400vop_media_params{}
	p.struct_size = C.uint32_t(C.sizeof_sk400vop_media_params)
	p.active = cbool(neg.Active)
	remote := ""
	if neg.Active {
		remote = neg.RemoteRTP.Addr().String()
	}
	p.remote_addr = mt.cs.str(remote)
	p.remote_port, p.remote_rtcp_port = C.uint16_t(neg.RemoteRTP.Port()), C.uint16_t(neg.RemoteRTCP.Port())
	p.local_port = C.uint16_t(c.Port())
	p.payload_type = C.int32_t(neg.Codec.PayloadType)
	p.codec = mt.cs.str(neg.Codec.Name)
	p.clock_rate = C.uint32_t(neg.Codec.ClockRate)
	ptime := neg.Ptime
	if ptime <= 0 {
		ptime = 20
	}
	ptime = min(max(ptime, media.MinPtime), media.MaxPtime)
	p.ptime = C.uint32_t(ptime)
	p.samples = C.uint32_t(int(neg.Codec.ClockRate) * ptime / 1000)
	p.direction = C.int32_t(neg.Local)
	p.sending, p.receiving = cbool(neg.Active && neg.Sending()), cbool(neg.Active && neg.Receiving())
	p.telephone_event = C.int32_t(neg.TelephoneEvent)
	C.sk400vop__media_update(mt.tbl, c.ctx, p)
	mt.cs.free()
}

// ReadFrame is the PCM demand: one crossing per frame.
func (c *tableCall) ReadFrame(pcm []int16) error {
	if len(pcm) == 0 {
		return errNoFrame
	}
	if C.sk400vop__media_frame(c.mt.tbl, c.ctx, (*C.int16_t)(unsafe.Pointer(unsafe.SliceData(pcm))), C.size_t(len(pcm))) < 0 {
		return errNoFrame
	}
	return nil
}

// WriteFrame is the PCM report: one crossing per frame.
func (c *tableCall) WriteFrame(pcm []int16) error {
	if len(pcm) > 0 {
		C.sk400vop__media_on_frame(c.mt.tbl, c.ctx, (*C.int16_t)(unsafe.Pointer(unsafe.SliceData(pcm))), C.size_t(len(pcm)))
	}
	return nil
}

// ReadPayload is the encoded demand: one crossing per packet.
func (c *tableCall) ReadPayload(b []byte) (int, error) {
	if c.mt.tbl.payload == nil || len(b) == 0 {
		return 0, errNoFrame
	}
	n := C.sk400vop__media_payload(c.mt.tbl, c.ctx, (*C.uint8_t)(unsafe.SliceData(b)), C.size_t(len(b)))
	if n <= 0 {
		return 0, errNoFrame
	}
	return int(min(int64(n), int64(len(b)))), nil
}

// onPayload is the encoded report: one crossing per packet.
func (c *tableCall) onPayload(payload []byte, pt uint8, seq uint16, ts uint32, marker bool, ssrc uint32) {
	// A copy in C memory: Go memory may not be stored in a C struct.
	if len(payload) > pktBufSize {
		return
	}
	p := c.mt.pkt
	p.struct_size = C.uint32_t(C.sizeof_sk400vop_rtp_packet)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(c.mt.pktBuf)), len(payload)), payload)
	p.payload = c.mt.pktBuf
	p.len = C.size_t(len(payload))
	p.payload_type, p.seq, p.timestamp = C.int32_t(pt), C.uint16_t(seq), C.uint32_t(ts)
	p.marker, p.ssrc = cbool(marker), C.uint32_t(ssrc)
	C.sk400vop__media_on_payload(c.mt.tbl, c.ctx, p)
}
