package main

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unsafe"
)

// gate runs f, a call into on_log or on_events_pending, unless the stack is
// past destroy: destroy closes the gate under the write lock, so no such
// callback runs after it returns.
func (st *cstack) gate(f func()) {
	st.logMu.RLock()
	if !st.logOff {
		f()
	}
	st.logMu.RUnlock()
}

func (st *cstack) closeGate() {
	st.logMu.Lock()
	st.logOff = true
	st.logMu.Unlock()
}

// logTo hands one line to on_log.
func (st *cstack) logTo(level int, subsystem, msg string) {
	if st.onLog == nil || level > st.logLevel {
		return
	}
	st.gate(func() {
		sub := C.CString(subsystem)
		m := C.CString(msg)
		C.sk400vop__call_log(st.onLog, C.uintptr_t(st.appCtx), C.int32_t(level), sub, m, C.size_t(len(msg)))
		C.free(unsafe.Pointer(sub))
		C.free(unsafe.Pointer(m))
	})
}

// logf logs a line of capi itself.
func (st *cstack) logf(level int, format string, args ...any) {
	st.logTo(level, "capi", fmt.Sprintf(format, args...))
}

// logHandler is the slog.Handler of one engine layer: it formats a record
// as "msg key=value ..." and hands it to on_log. The engine never logs
// secrets (auth.Secret redacts itself), so nothing is filtered here.
type logHandler struct {
	st        *cstack
	subsystem string
	attrs     string // preformatted WithAttrs, with a leading space
	group     string
}

func (st *cstack) logger(subsystem string) *slog.Logger {
	if st.onLog == nil || st.logLevel <= 0 {
		return nil
	}
	return slog.New(&logHandler{st: st, subsystem: subsystem})
}

func levelOf(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return C.SK400VOP_LOG_ERROR
	case l >= slog.LevelWarn:
		return C.SK400VOP_LOG_WARN
	case l >= slog.LevelInfo:
		return C.SK400VOP_LOG_INFO
	default:
		return C.SK400VOP_LOG_DEBUG
	}
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool {
	return levelOf(l) <= h.st.logLevel
}

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, h.group, a)
		return true
	})
	h.st.logTo(levelOf(r.Level), h.subsystem, b.String())
	return nil
}

func appendAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		g := a.Key
		if group != "" {
			g = group + "." + a.Key
		}
		for _, x := range a.Value.Group() {
			appendAttr(b, g, x)
		}
		return
	}
	b.WriteByte(' ')
	if group != "" {
		b.WriteString(group)
		b.WriteByte('.')
	}
	b.WriteString(a.Key)
	b.WriteByte('=')
	b.WriteString(a.Value.String())
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		appendAttr(&b, h.group, a)
	}
	n := *h
	n.attrs = b.String()
	return &n
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	n := *h
	if n.group != "" {
		n.group += "." + name
	} else {
		n.group = name
	}
	return &n
}
