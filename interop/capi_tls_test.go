package interop

// SIP over TLS from the platform, through the C API (issue 6): the library
// built without crypto/tls (the 5.8 MB one) calls over TLS with OpenSSL,
// which examples/c/netif.c plugs in as the network table's connect_tls. The
// far end is a TLS server of this test (crypto/tls) that answers like a UA.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sk400vop/sk400vop/engine/sip"
	"github.com/sk400vop/sk400vop/engine/testkit/pki"
	"github.com/sk400vop/sk400vop/engine/testkit/streampeer"
)

// netifTLS builds the library without TLS and netif with OpenSSL against
// it, into build/interop-notls.
func netifTLS(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "build", "interop-notls")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("go", "build", "-tags", "sk400vop_notls", "-buildmode=c-shared", "-trimpath",
		"-o", filepath.Join(dir, "libsk400vop.so"), "./capi")
	bin := filepath.Join(dir, "netif")
	run(LookPath(t, "cc"), "-std=c99", "-Wall", "-DSK_NETIF_TLS", "-Iinclude", "examples/c/netif.c",
		"-L"+dir, "-lsk400vop", "-Wl,-rpath,"+dir, "-lssl", "-lcrypto", "-lpthread", "-o", bin)
	return bin
}

// tlsUA is a TLS server that answers as a UA would: 200 with SDP to an
// INVITE, 200 to a BYE. It records the methods it got and the SNI.
type tlsUA struct {
	mu      sync.Mutex
	methods []string
	sni     []string
}

func (u *tlsUA) seen() (methods, sni []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.methods...), append([]string(nil), u.sni...)
}

func (u *tlsUA) serve(t *testing.T, cert tls.Certificate) int {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		u.mu.Lock()
		u.sni = append(u.sni, h.ServerName)
		u.mu.Unlock()
		return nil, nil
	}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go u.conn(c, port)
		}
	}()
	return port
}

func (u *tlsUA) conn(c net.Conn, port int) {
	defer c.Close()
	streampeer.Answer(c, func(req *sip.Message) *sip.Message {
		u.mu.Lock()
		u.methods = append(u.methods, req.Method())
		u.mu.Unlock()
		if req.Method() == "ACK" {
			return nil
		}
		resp := sip.NewResponse(req, 200, "")
		resp.SetToTag("tlsua")
		if req.Method() == "INVITE" {
			// The domain, as a TLS server puts it: the BYE reuses the
			// connection verified for it.
			resp.Add("Contact", "<sip:bob@netif.test:"+strconv.Itoa(port)+";transport=tls>")
			resp.SetBody("application/sdp", []byte("v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
				"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"))
		}
		return resp
	})
}

// caFile writes the CA of cert (the last of its chain) as PEM.
func caFile(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	ca := cert.Certificate[len(cert.Certificate)-1]
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCAPIPlatformTLS: netif, on the library without crypto/tls, calls a
// TLS UA at netif.test (its own resolver answers 127.0.0.1) through
// OpenSSL: the call is confirmed and hung up over TLS, SNI and the
// certificate checked for the SIP domain. With another CA trusted, the
// handshake fails and no request reaches the UA.
func TestCAPIPlatformTLS(t *testing.T) {
	Require(t)
	bin := netifTLS(t)
	cert, _, err := pki.ForNames("netif.test")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := pki.ForNames("netif.test")
	if err != nil {
		t.Fatal(err)
	}
	netif := func(ca string, port int) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, "--listen", "udp:127.0.0.1:0", "--user", "alice",
			"--call", "sip:bob@netif.test:"+strconv.Itoa(port)+";transport=tls", "--tls-ca", ca, "--duration", "1")
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	ua := &tlsUA{}
	port := ua.serve(t, cert)
	out, err := netif(caFile(t, cert), port)
	if err != nil {
		t.Fatalf("netif over the platform's TLS: %v\n%s", err, out)
	}
	for _, want := range []string{"TLS ok netif.test", "CALL confirmed", "CALL disconnected"} {
		if !strings.Contains(out, want) {
			t.Errorf("netif output lacks %q:\n%s", want, out)
		}
	}
	methods, sni := ua.seen()
	if strings.Join(methods, " ") != "INVITE ACK BYE" {
		t.Errorf("the TLS UA got %q, want INVITE ACK BYE", methods)
	}
	if len(sni) != 1 || sni[0] != "netif.test" {
		t.Errorf("SNI %q, want [netif.test]", sni)
	}

	ua = &tlsUA{}
	port = ua.serve(t, cert)
	out, err = netif(caFile(t, other), port)
	if err == nil || !strings.Contains(out, "TLS failed netif.test") || strings.Contains(out, "CALL confirmed") {
		t.Errorf("netif trusting another CA: %v\n%s", err, out)
	}
	if methods, _ := ua.seen(); len(methods) != 0 {
		t.Errorf("requests reached the UA over an unverified connection: %q", methods)
	}
}
