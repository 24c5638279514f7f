package interop

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
)

// KamailioOptions configures StartKamailio. Zero values pick the defaults.
type KamailioOptions struct {
	// Users maps user name to plain-text password. Each user may register
	// as sip:user@Domain and, when calling From that AOR, is challenged too
	// (407) unless NoCallAuth.
	Users map[string]string
	// Domain of the AORs and digest realm; default "127.0.0.1". Any other
	// name is added as a Kamailio alias.
	Domain string
	// Registrar expiry bounds in seconds: defaults 3600, 10 and 3600. The
	// low MinExpires lets a client ask for e.g. 60 s.
	DefaultExpires, MinExpires, MaxExpires int
	// Algorithm is the digest algorithm Kamailio challenges with: "MD5"
	// (default) or "SHA-256". Kamailio 5.6 offers one per instance.
	Algorithm string
	// NoQop challenges without qop (RFC 2069 style); default qop="auth".
	NoQop bool
	// NoCallAuth relays initial non-REGISTER requests from local users
	// without a 407 challenge.
	NoCallAuth bool
	// Debug is Kamailio's log level (default 2 = info; 3 = debug).
	Debug int
	// Children is the number of UDP and TCP workers each (default 2).
	Children int
	// StartTimeout bounds the wait for the first answer (default 10 s).
	StartTimeout time.Duration
	// Presence loads the presence server (presence + presence_xml, from
	// Debian's kamailio-presence-modules), kept in memory only: PUBLISH
	// and SUBSCRIBE for a user at Domain are answered by Kamailio itself
	// (after the 407 challenge), and it sends the NOTIFYs.
	Presence bool
}

// Kamailio is a running Kamailio registrar and authenticating proxy.
type Kamailio struct {
	// Addr is host:port, the same port for UDP and TCP.
	Addr string
	Port int
	// Domain is the AOR domain and digest realm.
	Domain string
	Users  map[string]string
	// Dir is the temp dir holding ConfigPath, LogPath and the PID file.
	Dir, ConfigPath, LogPath, PIDPath string
	// PID of the main Kamailio process.
	PID int

	proc *process
}

// AOR returns sip:user@domain.
func (k *Kamailio) AOR(user string) string { return "sip:" + user + "@" + k.Domain }

// URI returns a SIP URI that reaches Kamailio itself: sip:127.0.0.1:port,
// usable as an outbound proxy (add ";lr" or ";transport=tcp" as needed).
func (k *Kamailio) URI() string { return "sip:" + k.Addr }

// Log returns Kamailio's log so far (stderr: core messages plus one xlog
// line per request and reply).
func (k *Kamailio) Log() string { return readTail(k.LogPath, 0) }

// Running reports whether the main process is still alive.
func (k *Kamailio) Running() bool { return !k.proc.exited() }

var safeToken = regexp.MustCompile(`^[A-Za-z0-9._~+-]+$`)

// StartKamailio writes a config into t.TempDir(), checks it with
// `kamailio -c`, starts `kamailio -DD -E` listening on 127.0.0.1 (UDP and
// TCP on one free port) and returns once it answers an OPTIONS. t.Cleanup
// stops it by PID; the log is dumped with t.Log if the test failed.
//
// Routing: REGISTER is digest-challenged (401) and saved in an in-memory
// location table (usrloc db_mode 0). Initial requests From a configured
// user at Domain are challenged with 407. In-dialog requests are loose-
// routed (initial INVITE/SUBSCRIBE/REFER are record-routed). A Request-URI
// at Domain (or at Kamailio's own address) is looked up in location and
// relayed; unknown users at Kamailio's own address get 404; a Request-URI
// naming another IP address and port (e.g. an unregistered SIPp UAS) is
// relayed to it as-is; other domains get 403.
func StartKamailio(t testing.TB, opts KamailioOptions) *Kamailio {
	t.Helper()
	bin := LookPath(t, "kamailio")
	if opts.Domain == "" {
		opts.Domain = Host
	}
	if !safeToken.MatchString(opts.Domain) {
		t.Fatalf("interop: Kamailio domain %q: use letters, digits and .-", opts.Domain)
	}
	if opts.DefaultExpires == 0 {
		opts.DefaultExpires = 3600
	}
	if opts.MinExpires == 0 {
		opts.MinExpires = 10
	}
	if opts.MaxExpires == 0 {
		opts.MaxExpires = 3600
	}
	switch strings.ToUpper(opts.Algorithm) {
	case "", "MD5":
		opts.Algorithm = "MD5"
	case "SHA-256":
		opts.Algorithm = "SHA-256"
	default:
		t.Fatalf("interop: Kamailio algorithm %q: want MD5 or SHA-256", opts.Algorithm)
	}
	if opts.Debug == 0 {
		opts.Debug = 2
	}
	if opts.Children == 0 {
		opts.Children = 2
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 10 * time.Second
	}
	type user struct{ Name, Password string }
	var users []user
	for name, pw := range opts.Users {
		if !safeToken.MatchString(name) {
			t.Fatalf("interop: Kamailio user %q: use letters, digits and ._~+-", name)
		}
		if strings.ContainsAny(pw, "\"\\\r\n$") || pw == "" {
			t.Fatalf("interop: Kamailio password for %q must be non-empty without quotes, backslashes, $ or newlines", name)
		}
		users = append(users, user{name, pw})
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })

	dir := t.TempDir()
	port := FreePort(t)
	k := &Kamailio{
		Addr:       net.JoinHostPort(Host, strconv.Itoa(port)),
		Port:       port,
		Domain:     opts.Domain,
		Users:      opts.Users,
		Dir:        dir,
		ConfigPath: filepath.Join(dir, "kamailio.cfg"),
		LogPath:    filepath.Join(dir, "kamailio.log"),
		PIDPath:    filepath.Join(dir, "kamailio.pid"),
	}
	qopFlag := "1"
	if opts.NoQop {
		qopFlag = "0"
	}
	var cfg strings.Builder
	err := kamailioTemplate.Execute(&cfg, map[string]any{
		"Host": Host, "Port": port, "Domain": opts.Domain, "Alias": opts.Domain != Host,
		"Users": users, "DefaultExpires": opts.DefaultExpires, "MinExpires": opts.MinExpires,
		"MaxExpires": opts.MaxExpires, "Algorithm": opts.Algorithm, "Qop": qopFlag,
		"CallAuth": !opts.NoCallAuth, "Debug": opts.Debug, "Children": opts.Children,
		"Dir": dir, "Presence": opts.Presence, "Server": kamailioServer,
	})
	if err != nil {
		t.Fatalf("interop: Kamailio config template: %v", err)
	}
	if err := os.WriteFile(k.ConfigPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dumpOnFailure(t, "kamailio.cfg", k.ConfigPath)
	dumpOnFailure(t, "kamailio log", k.LogPath)

	// Syntax and module check first: a bad config fails here with a clear
	// message instead of a silent start-up timeout.
	check := runBounded(t, 20*time.Second, dir, bin, "-c", "-f", k.ConfigPath, "-L", kamailioModulePath())
	if check.err != nil {
		t.Fatalf("interop: `kamailio -c -f %s` failed: %v\n%s", k.ConfigPath, check.err, check.out)
	}

	k.proc = startProcess(t, "kamailio", dir, k.LogPath, nil,
		bin, "-DD", "-E", "-f", k.ConfigPath, "-P", k.PIDPath, "-Y", dir,
		"-m", "256", "-M", "16", "-L", kamailioModulePath())
	k.PID = k.proc.PID()

	if err := k.waitReady(opts.StartTimeout); err != nil {
		t.Fatalf("interop: Kamailio did not come up: %v\n%s", err, readTail(k.LogPath, 8<<10))
	}
	if b, err := os.ReadFile(k.PIDPath); err == nil {
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid != 0 && pid != k.PID {
			t.Logf("interop: Kamailio pid file says %d, child is %d", pid, k.PID)
		}
	}
	return k
}

// waitReady sends OPTIONS sip:host:port over UDP until any response comes.
func (k *Kamailio) waitReady(d time.Duration) error {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer c.Close()
	ka, _ := net.ResolveUDPAddr("udp4", k.Addr)
	local := c.LocalAddr().String()
	deadline := time.Now().Add(d)
	buf := make([]byte, 8192)
	for i := 1; time.Now().Before(deadline); i++ {
		if k.proc.exited() {
			return fmt.Errorf("%w (status %d)", errExited, k.proc.exitCode())
		}
		msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %s;rport;branch=z9hG4bKready%d%s\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:ready@%s>;tag=r%d\r\nTo: <sip:%s>\r\n"+
			"Call-ID: ready-%s\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n",
			k.Addr, local, i, RandomToken(4), Host, i, k.Addr, RandomToken(6), i)
		if _, err := c.WriteToUDP([]byte(msg), ka); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		// Only our Kamailio's answer counts: another party on the port
		// (it failed to bind) must not pass for it.
		if n, _, err := c.ReadFromUDP(buf); err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 ") {
			if !strings.Contains(string(buf[:n]), kamailioServer) {
				return fmt.Errorf("%s is answered by another party:\n%s", k.Addr, buf[:n])
			}
			return nil
		}
	}
	return fmt.Errorf("no answer to OPTIONS at %s within %v", k.Addr, d)
}

// kamailioServer is the Server header our Kamailio answers with.
const kamailioServer = "sk400vop-interop-kamailio"

func kamailioModulePath() string {
	for _, p := range []string{"/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules"} {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return "/usr/lib/x86_64-linux-gnu/kamailio/modules"
}

var kamailioTemplate = template.Must(template.New("kamailio.cfg").Parse(`#!KAMAILIO
# Written by sk400vop interop helpers (interop/kamailio.go) for one test.
debug={{.Debug}}
log_stderror=yes
log_prefix="{mt:$rm ci:$ci} "
children={{.Children}}
tcp_children={{.Children}}
auto_aliases=no
listen=udp:{{.Host}}:{{.Port}}
listen=tcp:{{.Host}}:{{.Port}}
{{- if .Alias}}
alias={{.Domain}}
{{- end}}
tcp_accept_aliases=yes
tcp_connection_lifetime=3605
dns=no
rev_dns=no
dns_try_ipv6=no
use_dns_cache=no
dns_srv_lb=no
dns_try_naptr=no
server_header="Server: {{.Server}}"
user_agent_header="User-Agent: sk400vop-interop-kamailio"

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "htable.so"
loadmodule "auth.so"
{{- if .Presence}}
loadmodule "presence.so"
loadmodule "presence_xml.so"

# Presence without a database: subscriptions (subs_db_mode 0) and
# presentities (publ_cache 2) in shared memory only. Watchers are
# authorised without XCAP (force_active).
modparam("presence", "subs_db_mode", 0)
modparam("presence", "publ_cache", 2)
modparam("presence", "server_address", "sip:{{.Host}}:{{.Port}}")
modparam("presence", "min_expires", 10)
modparam("presence_xml", "force_active", 1)
modparam("presence_xml", "integrated_xcap_server", 0)
{{- end}}

# Plain-text passwords, loaded below at module init: no database.
modparam("htable", "htable", "users=>size=6;autoexpire=0;")
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "use_domain", 0)
modparam("registrar", "default_expires", {{.DefaultExpires}})
modparam("registrar", "min_expires", {{.MinExpires}})
modparam("registrar", "max_expires", {{.MaxExpires}})
modparam("rr", "enable_full_lr", 1)
modparam("rr", "append_fromtag", 1)
modparam("auth", "algorithm", "{{.Algorithm}}")
modparam("auth", "nonce_expire", 300)
modparam("tm", "fr_timer", 5000)
modparam("tm", "fr_inv_timer", 20000)

event_route[htable:mod-init] {
{{- range .Users}}
	$sht(users=>{{.Name}}) = "{{.Password}}";
{{- end}}
	xlog("L_INFO", "interop: user table loaded\n");
}

request_route {
	xlog("L_INFO", "REQ $rm $ru from $si:$sp/$pr\n");
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed request from $si:$sp\n");
		exit;
	}
	# Health check (StartKamailio waits for this answer).
	if (is_method("OPTIONS") && $rU == $null && uri == myself) {
		sl_send_reply("200", "OK");
		exit;
	}
	if (proto == TCP) {
		force_tcp_alias();
	}
	if (has_totag()) {
		route(WITHINDLG);
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	t_check_trans();
	route(AUTH);
	remove_hf("Route");
{{- if .Presence}}
	if (is_method("PUBLISH|SUBSCRIBE") && ($rd == "{{.Domain}}" || uri == myself)) {
		route(PRESENCE);
	}
{{- end}}
	if (is_method("INVITE|SUBSCRIBE|REFER")) {
		record_route();
	}
	if (is_method("REGISTER")) {
		if (!save("location")) {
			sl_reply_error();
		}
		exit;
	}
	if ($rU == $null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}
	route(LOCATION);
}

route[WITHINDLG] {
	if (loose_route()) {
		route(RELAY);
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
{{- if .Presence}}
	if (is_method("SUBSCRIBE") && uri == myself) {
		route(PRESENCE);
	}
{{- end}}
	xlog("L_WARN", "in-dialog $rm without matching Route from $si:$sp\n");
	sl_send_reply("404", "Not here");
	exit;
}

route[AUTH] {
	if (is_method("REGISTER"){{if .CallAuth}} || ($fd == "{{.Domain}}" && $sht(users=>$fU) != $null){{end}}) {
		if ($au == $null || $sht(users=>$au) == $null) {
			xlog("L_INFO", "CHALLENGE $rm from $fU ($si:$sp)\n");
			auth_challenge("{{.Domain}}", "{{.Qop}}");
			exit;
		}
		$var(ar) = pv_auth_check("{{.Domain}}", "$sht(users=>$au)", "0", "1");
		if ($var(ar) < 0) {
			xlog("L_INFO", "auth failed ($var(ar)) for $au: challenging again\n");
			auth_challenge("{{.Domain}}", "{{.Qop}}");
			exit;
		}
		consume_credentials();
	}
}

{{- if .Presence}}
# Kamailio is the presence server of its users: it keeps what they
# PUBLISH and NOTIFYs their watchers.
route[PRESENCE] {
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	if (is_method("PUBLISH")) {
		handle_publish();
	} else {
		handle_subscribe();
	}
	t_release();
	exit;
}
{{- end}}

route[LOCATION] {
	if ($rd == "{{.Domain}}" || uri == myself) {
		$var(rc) = lookup("location");
		if ($var(rc) > 0) {
			route(RELAY);
			exit;
		}
		if (uri == myself || $rd != "{{.Host}}") {
			if ($var(rc) == -2) {
				sl_send_reply("405", "Method Not Allowed");
			} else {
				sl_send_reply("404", "Not Found");
			}
			exit;
		}
	}
	# Not a registered user: relay only to a literal IPv4 address.
	if ($rd =~ "^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$") {
		route(RELAY);
		exit;
	}
	sl_send_reply("403", "Relaying Forbidden");
	exit;
}

route[RELAY] {
	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

onreply_route {
	xlog("L_INFO", "REPLY $rs $rr for $rm from $si:$sp/$pr\n");
}
`))

// bounded is the result of runBounded.
type bounded struct {
	out  string
	err  error
	code int
}

// runBounded runs a short command to completion with a deadline.
func runBounded(t testing.TB, d time.Duration, dir string, argv ...string) bounded {
	t.Helper()
	logPath := filepath.Join(dir, filepath.Base(argv[0])+"-"+RandomToken(3)+".out")
	p := startProcess(t, filepath.Base(argv[0]), dir, logPath, nil, argv...)
	if !p.wait(d) {
		p.stop(t, time.Second)
		return bounded{out: readTail(logPath, 16<<10), err: fmt.Errorf("timed out after %v", d), code: -1}
	}
	b := bounded{out: readTail(logPath, 16<<10), code: p.exitCode()}
	if p.err != nil {
		b.err = p.err
	}
	return b
}
