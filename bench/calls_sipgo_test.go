//go:build linux

package bench

// sipgo's caller and callee for the call benchmarks, written as sipgo's
// README and its dialog integration test do it: a UserAgent with a Server
// and a Client sharing it, DialogClientCache on the caller (Invite,
// WaitAnswer, Ack, Bye), DialogServerCache on the callee (ReadInvite,
// Respond, RespondSDP, ReadAck, ReadBye), default options otherwise.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

var sipgoStack = callStack{
	name:      "sipgo",
	newCaller: newSipgoCaller,
	newCallee: newSipgoCallee,
}

// sipgoEndpoint is a UserAgent with a Server and a Client serving one UDP
// socket on 127.0.0.1, the socket the Client also sends from.
type sipgoEndpoint struct {
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	cli     *sipgo.Client
	conn    *net.UDPConn
	contact sip.ContactHeader
	strays  atomic.Int64 // responses that matched no transaction
}

func newSipgoEndpoint(user, listenAddr string) (*sipgoEndpoint, error) {
	conn, err := listenCallUDP(listenAddr)
	if err != nil {
		return nil, err
	}
	local := conn.LocalAddr().(*net.UDPAddr)
	e := &sipgoEndpoint{conn: conn}
	// Responses that match no transaction are counted instead of logged at
	// INFO, as sipgo's log line asks ("Set UnhandledResponseHandler").
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(user), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerUnhandledResponseHandler(
			func(*sip.Response) { e.strays.Add(1) })))
	if err != nil {
		conn.Close()
		return nil, err
	}
	e.ua = ua
	e.contact = sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: local.Port}}
	if e.srv, err = sipgo.NewServer(ua); err == nil {
		// Send from the listening socket, as a phone does: responses and
		// in-dialog requests come back to the one port in Via and Contact.
		e.cli, err = sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"),
			sipgo.WithClientConnectionAddr(local.String()))
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// serve starts serving the socket and waits (at most 5 s) until the
// transport layer has it, so the Client finds it for its first request.
func (e *sipgoEndpoint) serve() error {
	go func() { _ = e.srv.ServeUDP(e.conn) }()
	addr := e.conn.LocalAddr().String()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if c, _ := e.ua.TransportLayer().GetConnection("udp", addr); c != nil {
			return nil
		}
	}
	return fmt.Errorf("sipgo: listener %s not ready", addr)
}

func (e *sipgoEndpoint) StrayResponses() int64 { return e.strays.Load() }

func (e *sipgoEndpoint) Close() {
	_ = e.ua.Close() // closes transactions and transports, the socket with them
	_ = e.conn.Close()
}

// respond answers a request the dialog layer refused, so the peer's
// transaction ends instead of retransmitting.
func respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string) {
	_ = tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
}

type sipgoCaller struct {
	*sipgoEndpoint
	dialogs *sipgo.DialogClientCache
	target  sip.Uri
	ctype   sip.Header
}

func newSipgoCaller(calleeAddr string) (callerSide, error) {
	host, portStr, err := net.SplitHostPort(calleeAddr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, err
	}
	e, err := newSipgoEndpoint("caller", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &sipgoCaller{
		sipgoEndpoint: e,
		dialogs:       sipgo.NewDialogClientCache(e.cli, e.contact),
		target:        sip.Uri{Scheme: "sip", User: "callee", Host: host, Port: port},
		ctype:         sip.NewHeader("Content-Type", "application/sdp"),
	}
	// The callee may hang up too (README's UAC example); it does not here.
	e.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := c.dialogs.ReadBye(req, tx); err != nil {
			respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		}
	})
	if err := e.serve(); err != nil {
		e.Close()
		return nil, err
	}
	return c, nil
}

func (c *sipgoCaller) Establish(ctx context.Context) (confirmedCall, error) {
	sess, err := c.dialogs.Invite(ctx, c.target, callOfferSDP, c.ctype)
	if err != nil {
		return nil, err
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		sess.Close()
		return nil, err
	}
	if len(sess.InviteResponse.Body()) == 0 {
		sess.Close()
		return nil, errors.New("sipgo: 200 without SDP")
	}
	if err := sess.Ack(ctx); err != nil {
		sess.Close()
		return nil, err
	}
	return sipgoCall{sess}, nil
}

func (c *sipgoCaller) Call(ctx context.Context) error {
	call, err := c.Establish(ctx)
	if err != nil {
		return err
	}
	return call.Hangup(ctx)
}

type sipgoCall struct{ sess *sipgo.DialogClientSession }

// Hangup sends BYE; Bye waits for its 200 and closes the session (removes
// it from the DialogClientCache).
func (c sipgoCall) Hangup(ctx context.Context) error { return c.sess.Bye(ctx) }

type sipgoCallee struct {
	*sipgoEndpoint
	dialogs *sipgo.DialogServerCache
}

func newSipgoCallee(listenAddr string) (calleeSide, error) {
	e, err := newSipgoEndpoint("callee", listenAddr)
	if err != nil {
		return nil, err
	}
	c := &sipgoCallee{sipgoEndpoint: e, dialogs: sipgo.NewDialogServerCache(e.cli, e.contact)}
	e.srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		dlg, err := c.dialogs.ReadInvite(req, tx)
		if err != nil {
			respond(req, tx, sip.StatusBadRequest, "Bad Request")
			return
		}
		defer dlg.Close()
		if err := dlg.Respond(sip.StatusTrying, "Trying", nil); err != nil {
			return
		}
		if err := dlg.Respond(sip.StatusRinging, "Ringing", nil); err != nil {
			return
		}
		// RespondSDP returns once the ACK has arrived (it retransmits the
		// 200 until then).
		if err := dlg.RespondSDP(callAnswerSDP); err != nil {
			return
		}
		// As in the README: the handler lives as long as the dialog.
		<-dlg.Context().Done()
	})
	e.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = c.dialogs.ReadAck(req, tx)
	})
	e.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := c.dialogs.ReadBye(req, tx); err != nil {
			respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		}
	})
	if err := e.serve(); err != nil {
		e.Close()
		return nil, err
	}
	return c, nil
}

func (c *sipgoCallee) Addr() string { return c.conn.LocalAddr().String() }
