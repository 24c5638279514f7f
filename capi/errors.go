package main

/*
#include "sk400vop.h"
*/
import "C"

import (
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/sk400vop/sk400vop/engine/stack"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// Errors of capi itself; the engine's sentinels live in their packages.
var (
	errInvalid   = errors.New("invalid argument")
	errBadHandle = errors.New("unknown or stale handle")
	errState     = errors.New("not allowed in this state")
	errClosed    = errors.New("stack closed")
	errInternal  = errors.New("internal error")
)

// statusTable maps sentinel errors to status codes, in order: the first
// entry errors.Is matches wins.
var statusTable = []struct {
	err  error
	code C.sk400vop_status
}{
	{errInvalid, C.SK400VOP_ERR_INVALID},
	{errBadHandle, C.SK400VOP_ERR_BAD_HANDLE},
	{errState, C.SK400VOP_ERR_STATE},
	{errClosed, C.SK400VOP_ERR_CLOSED},
	{errInternal, C.SK400VOP_ERR_INTERNAL},
	{errABI, C.SK400VOP_ERR_ABI},
	{ua.ErrState, C.SK400VOP_ERR_STATE},
	{ua.ErrPending, C.SK400VOP_ERR_PENDING},
	{ua.ErrClosed, C.SK400VOP_ERR_CLOSED},
	{stack.ErrClosed, C.SK400VOP_ERR_CLOSED},
	{ua.ErrConfig, C.SK400VOP_ERR_INVALID},
	{ua.ErrNoMedia, C.SK400VOP_ERR_INTERNAL},
	{syscall.EADDRINUSE, C.SK400VOP_ERR_NETWORK},
	{syscall.EADDRNOTAVAIL, C.SK400VOP_ERR_NETWORK},
	{syscall.EACCES, C.SK400VOP_ERR_NETWORK},
	{os.ErrDeadlineExceeded, C.SK400VOP_ERR_NETWORK},
}

// statusOf returns the status code for err: OK for nil, a table entry, a
// network error, or SK400VOP_ERR_FAILED for whatever the engine refused
// without a sentinel.
func statusOf(err error) C.sk400vop_status {
	if err == nil {
		return C.SK400VOP_OK
	}
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return C.SK400VOP_ERR_NETWORK
	}
	return C.SK400VOP_ERR_FAILED
}
