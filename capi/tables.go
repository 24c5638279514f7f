package main

/*
#include "shim.h"
*/
import "C"

import (
	"github.com/sk400vop/sk400vop/engine/transport"
	"github.com/sk400vop/sk400vop/engine/ua"
)

// plugTables puts the app's network table (net.go) under the transports
// and the resolver, its media table (media_table.go) in place of the
// built-in media, and the SIP trace (trace.go) around whichever sockets
// the stack uses. nt and mt are NULL when the app gave none.
func (st *cstack) plugTables(nt *C.sk400vop_net, mt *C.sk400vop_media, trace bool, uc *ua.Config, tc *transport.Config) error {
	if mt != nil {
		m, err := newMediaTable(st, mt)
		if err != nil {
			return err
		}
		st.mt, uc.NewMedia = m, m.newCall
	}
	if nt != nil {
		n, err := newCNet(nt)
		if err != nil {
			return err
		}
		st.net, tc.Sockets = n, n
		if nt.connect_tls != nil {
			tc.Sockets = tlsNet{n} // TLS from the platform
		}
		if nt.resolve != nil {
			uc.Resolver = cResolver{n} // behind the UA's DNS cache, on the loop
		}
	}
	if trace && st.ev.on_sip_trace != nil {
		inner := tc.Sockets
		if inner == nil {
			inner = transport.DefaultSockets()
		}
		tc.Sockets = traceSockets{inner: inner, st: st}
		if _, ok := inner.(transport.TLSDialer); ok {
			tc.Sockets = traceTLSSockets{traceSockets{inner: inner, st: st}}
		}
	}
	return nil
}

// shutTables ends the tables once the stack has stopped (or failed to
// start): the media of calls left is destroyed, the app's sockets left are
// closed, and the C copies are freed, so no table callback runs afterwards.
func (st *cstack) shutTables() {
	if st.mt != nil && st.mt.tbl != nil {
		st.mt.shut()
	}
	if st.net != nil {
		st.net.shut()
	}
}
