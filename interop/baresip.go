package interop

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BaresipOptions configures StartBaresip.
type BaresipOptions struct {
	// User and Password of the account sip:User@Domain. User defaults to
	// "baresip".
	User, Password string
	// Registrar is host:port of the registrar, used as outbound proxy too
	// (every request goes there). Empty: no registration, no proxy; the
	// account is then sip:User@127.0.0.1 and is called directly at SIPAddr.
	Registrar string
	// Domain of the AOR; default "127.0.0.1" (Kamailio's default domain).
	Domain string
	// Transport to the registrar: "udp" (default) or "tcp".
	Transport string
	// AutoAnswer answers incoming calls at once (answermode=auto).
	AutoAnswer bool
	// RegInt is the registration interval asked for, in seconds (default 600).
	RegInt int
	// AudioFile is the WAV baresip sends (8 kHz, mono, S16LE). Default: a
	// generated 400 Hz tone of AudioSeconds. baresip ends the call when the
	// file runs out.
	AudioFile    string
	AudioSeconds int // default 120
	// Record loads the sndfile module: baresip writes what it sends and
	// receives as WAV files into Dir.
	Record bool
	// NoSIPTrace turns off baresip's SIP trace (-s) in the log.
	NoSIPTrace bool
	// Verbose adds baresip's debug log (-v).
	Verbose bool
	// AccountParams are appended to the account line (e.g. ";ptime=20").
	AccountParams string
	// ExtraConfig lines are appended to the config file.
	ExtraConfig string
	// Contacts, if any, are written into the contacts file ("Name" <uri>
	// lines) and load the contact module, whose `message TEXT` command
	// sends a MESSAGE to the current contact: the first one.
	Contacts []string
	// NoWaitRegister returns as soon as ctrl_tcp accepts.
	NoWaitRegister bool
	// StartTimeout bounds start-up and registration (default 10 s).
	StartTimeout time.Duration
}

// Baresip is a running baresip driven over its ctrl_tcp socket.
type Baresip struct {
	// AOR is the account's address of record, sip:user@domain.
	AOR string
	// SIPAddr is host:port where baresip listens for SIP (UDP and TCP;
	// SIPPort+1 is taken by its TLS listener).
	SIPAddr string
	SIPPort int
	// CtrlAddr is the ctrl_tcp host:port.
	CtrlAddr string
	// Dir holds config, accounts, log and recordings.
	Dir, LogPath string
	PID          int

	proc *process
	conn net.Conn

	cmdMu   sync.Mutex // one command at a time
	token   int
	mu      sync.Mutex
	cond    *sync.Cond
	resps   map[string]BaresipResponse
	events  []map[string]any
	used    []bool
	readErr error
}

// BaresipResponse is ctrl_tcp's answer to a command.
type BaresipResponse struct {
	OK    bool   `json:"ok"`
	Data  string `json:"data"`
	Token string `json:"token"`
}

// StartBaresip writes a config dir into t.TempDir() and starts
// `baresip -f DIR` (stdin /dev/null) listening on 127.0.0.1. It returns when
// ctrl_tcp accepts and, with a Registrar, when reginfo shows the account
// registered. t.Cleanup stops it by PID and dumps its log if t failed.
func StartBaresip(t testing.TB, opts BaresipOptions) *Baresip {
	t.Helper()
	bin := LookPath(t, "baresip")
	if opts.User == "" {
		opts.User = "baresip"
	}
	if opts.Domain == "" {
		opts.Domain = Host
	}
	if opts.Transport == "" {
		opts.Transport = "udp"
	}
	if opts.Transport != "udp" && opts.Transport != "tcp" {
		t.Fatalf("interop: baresip transport %q: want udp or tcp", opts.Transport)
	}
	if opts.RegInt == 0 {
		opts.RegInt = 600
	}
	if opts.AudioSeconds == 0 {
		opts.AudioSeconds = 120
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 10 * time.Second
	}
	dir := t.TempDir()
	sipPort := FreePortRange(t, 2) // UDP+TCP on port, TLS on port+1
	ctrlPort := FreePort(t)
	b := &Baresip{
		AOR:      "sip:" + opts.User + "@" + opts.Domain,
		SIPAddr:  net.JoinHostPort(Host, strconv.Itoa(sipPort)),
		SIPPort:  sipPort,
		CtrlAddr: net.JoinHostPort(Host, strconv.Itoa(ctrlPort)),
		Dir:      dir,
		LogPath:  filepath.Join(dir, "baresip.log"),
		resps:    map[string]BaresipResponse{},
	}
	b.cond = sync.NewCond(&b.mu)

	audio := opts.AudioFile
	if audio == "" {
		audio = filepath.Join(dir, "tone.wav")
		if err := WriteToneWAV(audio, 8000, 400, opts.AudioSeconds); err != nil {
			t.Fatal(err)
		}
	}

	var cfg strings.Builder
	fmt.Fprintf(&cfg, "# Written by sk400vop interop helpers (interop/baresip.go).\n")
	fmt.Fprintf(&cfg, "poll_method\tepoll\n")
	fmt.Fprintf(&cfg, "sip_listen\t%s\n", b.SIPAddr)
	fmt.Fprintf(&cfg, "call_local_timeout\t60\ncall_max_calls\t4\n")
	fmt.Fprintf(&cfg, "audio_path\t/usr/share/baresip\n")
	// No sound card: send a file, play into an unconnected aubridge device
	// (a sink that nobody reads).
	fmt.Fprintf(&cfg, "audio_source\taufile,%s\n", audio)
	fmt.Fprintf(&cfg, "audio_player\taubridge,sink\n")
	fmt.Fprintf(&cfg, "audio_alert\taubridge,alert\n")
	fmt.Fprintf(&cfg, "audio_level\tno\nausrc_format\ts16\nauplay_format\ts16\n")
	fmt.Fprintf(&cfg, "rtp_tos\t0\nrtcp_mux\tno\njitter_buffer_delay\t5-10\nrtp_stats\tno\n")
	fmt.Fprintf(&cfg, "module_path\t/usr/lib/baresip/modules\n")
	fmt.Fprintf(&cfg, "module\tg711.so\nmodule\taufile.so\nmodule\taubridge.so\n")
	if opts.Record {
		fmt.Fprintf(&cfg, "module\tsndfile.so\nsnd_path\t%s\n", dir)
	}
	fmt.Fprintf(&cfg, "module_tmp\tuuid.so\nmodule_tmp\taccount.so\n")
	// menu registers the commands (dial, hangup, accept, reginfo, ...) that
	// ctrl_tcp runs, and performs answermode=auto.
	fmt.Fprintf(&cfg, "module_app\tmenu.so\nmodule_app\tctrl_tcp.so\n")
	if len(opts.Contacts) > 0 {
		fmt.Fprintf(&cfg, "module_app\tcontact.so\n")
	}
	fmt.Fprintf(&cfg, "ctrl_tcp_listen\t%s\n", b.CtrlAddr)
	fmt.Fprintf(&cfg, "ringback_disabled\tyes\nmenu_bell\tno\nstatmode_default\toff\n")
	if opts.ExtraConfig != "" {
		fmt.Fprintf(&cfg, "%s\n", opts.ExtraConfig)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	var acct strings.Builder
	fmt.Fprintf(&acct, "<%s", b.AOR)
	if opts.Transport == "tcp" {
		fmt.Fprintf(&acct, ";transport=tcp")
	}
	fmt.Fprintf(&acct, ">")
	if opts.Password != "" {
		fmt.Fprintf(&acct, ";auth_pass=%s", opts.Password)
	}
	if opts.Registrar != "" {
		fmt.Fprintf(&acct, ";outbound=\"sip:%s;transport=%s\"", opts.Registrar, opts.Transport)
		fmt.Fprintf(&acct, ";regint=%d", opts.RegInt)
	} else {
		fmt.Fprintf(&acct, ";regint=0")
	}
	if opts.AutoAnswer {
		fmt.Fprintf(&acct, ";answermode=auto")
	} else {
		fmt.Fprintf(&acct, ";answermode=manual")
	}
	fmt.Fprintf(&acct, ";audio_codecs=pcmu,pcma;mwi=no;call_transfer=yes%s\n", opts.AccountParams)
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// A contacts file, even empty, keeps baresip from writing its template.
	var contacts strings.Builder
	for i, c := range opts.Contacts {
		fmt.Fprintf(&contacts, "\"contact%d\" <%s>\n", i+1, c)
	}
	_ = os.WriteFile(filepath.Join(dir, "contacts"), []byte(contacts.String()), 0o644)

	dumpOnFailure(t, "baresip config", filepath.Join(dir, "config"), filepath.Join(dir, "accounts"))
	dumpOnFailure(t, "baresip log", b.LogPath)

	argv := []string{bin, "-f", dir}
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		// Line-buffered stdout, so the log is current while baresip runs.
		argv = append([]string{sb, "-oL", "-eL"}, argv...)
	}
	if !opts.NoSIPTrace {
		argv = append(argv, "-s")
	}
	if opts.Verbose {
		argv = append(argv, "-v")
	}
	b.proc = startProcess(t, "baresip", dir, b.LogPath, []string{"HOME=" + dir}, argv...)
	b.PID = b.proc.PID()

	deadline := time.Now().Add(opts.StartTimeout)
	if err := b.connect(deadline); err != nil {
		t.Fatalf("interop: baresip ctrl_tcp: %v\n%s", err, readTail(b.LogPath, 8<<10))
	}
	t.Cleanup(func() { b.conn.Close() })
	if opts.Registrar != "" && !opts.NoWaitRegister {
		if err := b.waitRegistered(deadline); err != nil {
			t.Fatalf("interop: baresip %s: %v\n%s", b.AOR, err, readTail(b.LogPath, 8<<10))
		}
	}
	return b
}

// connect dials ctrl_tcp until it accepts, then starts the reader.
func (b *Baresip) connect(deadline time.Time) error {
	for {
		if b.proc.exited() {
			return fmt.Errorf("%w (status %d)", errExited, b.proc.exitCode())
		}
		c, err := net.DialTimeout("tcp4", b.CtrlAddr, 500*time.Millisecond)
		if err == nil {
			b.conn = c
			go b.readLoop()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ctrl_tcp at %s not accepting: %v", b.CtrlAddr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Registered reports whether reginfo shows the account registered (OK).
func (b *Baresip) Registered() (bool, error) {
	r, err := b.Command("reginfo", "")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(ansiEscape.ReplaceAllString(r.Data, ""), "\n") {
		if strings.Contains(line, b.AOR) {
			fs := strings.Fields(line)
			for _, f := range fs {
				if f == "OK" {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

func (b *Baresip) waitRegistered(deadline time.Time) error {
	for {
		if b.proc.exited() {
			return fmt.Errorf("%w (status %d)", errExited, b.proc.exitCode())
		}
		ok, err := b.Registered()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if ev, found := b.findEvent(func(ev map[string]any) bool { return ev["type"] == "REGISTER_FAIL" }); found {
			return fmt.Errorf("registration failed: %v", ev)
		}
		if time.Now().After(deadline) {
			r, _ := b.Command("reginfo", "")
			return fmt.Errorf("not registered by the deadline; reginfo: %q", r.Data)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readLoop reads netstrings from ctrl_tcp: responses (by token) and events.
func (b *Baresip) readLoop() {
	r := bufio.NewReader(b.conn)
	var err error
	for {
		var msg []byte
		msg, err = readNetstring(r)
		if err != nil {
			break
		}
		var m map[string]any
		if e := json.Unmarshal(msg, &m); e != nil {
			continue
		}
		b.mu.Lock()
		if m["response"] == true {
			var resp BaresipResponse
			_ = json.Unmarshal(msg, &resp)
			b.resps[resp.Token] = resp
		} else if m["event"] == true {
			b.events = append(b.events, m)
			b.used = append(b.used, false)
		}
		b.cond.Broadcast()
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.readErr = err
	b.cond.Broadcast()
	b.mu.Unlock()
}

func readNetstring(r *bufio.Reader) ([]byte, error) {
	lenStr, err := r.ReadString(':')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(lenStr, ":")))
	if err != nil || n < 0 || n > 1<<24 {
		return nil, fmt.Errorf("bad netstring length %q", lenStr)
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	if buf[n] != ',' {
		return nil, errors.New("netstring without trailing comma")
	}
	return buf[:n], nil
}

// Command runs a ctrl_tcp command such as ("dial", "sip:bob@127.0.0.1"),
// ("hangup", ""), ("accept", ""), ("reginfo", ""), ("hold", ""),
// ("resume", ""), ("sndcode", "1"), ("transfer", "sip:..."), and returns
// baresip's response, waiting at most 5 s. A response with OK false is
// returned with a nil error: ctrl_tcp answered.
func (b *Baresip) Command(cmd, params string) (BaresipResponse, error) {
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	b.token++
	tok := "sk" + strconv.Itoa(b.token)
	body, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": tok})
	_ = b.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(b.conn, "%d:%s,", len(body), body); err != nil {
		return BaresipResponse{}, fmt.Errorf("interop: baresip command %s: %w", cmd, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	stop := time.AfterFunc(5*time.Second, func() { b.mu.Lock(); b.cond.Broadcast(); b.mu.Unlock() })
	defer stop.Stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if r, ok := b.resps[tok]; ok {
			delete(b.resps, tok)
			return r, nil
		}
		if b.readErr != nil {
			return BaresipResponse{}, fmt.Errorf("interop: baresip command %s: ctrl_tcp closed: %w", cmd, b.readErr)
		}
		if time.Now().After(deadline) {
			return BaresipResponse{}, fmt.Errorf("interop: baresip command %s %q: no response within 5s", cmd, params)
		}
		b.cond.Wait()
	}
}

// MustCommand is Command that fails t on error or a response with ok=false.
func (b *Baresip) MustCommand(t testing.TB, cmd, params string) BaresipResponse {
	t.Helper()
	r, err := b.Command(cmd, params)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("interop: baresip %s %q: not ok: %q", cmd, params, r.Data)
	}
	return r
}

// Events returns a copy of every ctrl_tcp event received so far. Events
// look like {"event":true,"class":"call","type":"CALL_ESTABLISHED",
// "accountaor":"sip:...","direction":"incoming","peeruri":"sip:...",
// "id":"...","param":"..."}.
func (b *Baresip) Events() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]map[string]any(nil), b.events...)
}

func (b *Baresip) findEvent(match func(ev map[string]any) bool) (map[string]any, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, ev := range b.events {
		if !b.used[i] && match(ev) {
			return ev, true
		}
	}
	return nil, false
}

// WaitEvent returns the oldest not yet consumed event that match accepts,
// waiting up to timeout for it, and consumes it: an event is returned at
// most once, and events that arrived before the call count. It fails t on
// timeout (listing the events seen) or when ctrl_tcp closes.
func (b *Baresip) WaitEvent(t testing.TB, match func(ev map[string]any) bool, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	stop := time.AfterFunc(timeout, func() { b.mu.Lock(); b.cond.Broadcast(); b.mu.Unlock() })
	defer stop.Stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		for i, ev := range b.events {
			if !b.used[i] && match(ev) {
				b.used[i] = true
				return ev
			}
		}
		if b.readErr != nil {
			t.Fatalf("interop: baresip ctrl_tcp closed while waiting for an event: %v; events: %v", b.readErr, b.events)
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("interop: baresip: no matching event within %v; events so far: %v", timeout, b.events)
		}
		b.cond.Wait()
	}
}

// WaitEventType waits for the next unconsumed event of the given type, e.g.
// "CALL_INCOMING", "CALL_RINGING", "CALL_ESTABLISHED", "CALL_CLOSED",
// "REGISTER_OK", "REGISTER_FAIL".
func (b *Baresip) WaitEventType(t testing.TB, typ string, timeout time.Duration) map[string]any {
	t.Helper()
	return b.WaitEvent(t, func(ev map[string]any) bool { return ev["type"] == typ }, timeout)
}

// Log returns baresip's log so far (stdout and stderr; stdout is block-
// buffered by libc, so the tail may appear only when baresip exits).
func (b *Baresip) Log() string { return readTail(b.LogPath, 0) }

// Running reports whether baresip is still alive.
func (b *Baresip) Running() bool { return !b.proc.exited() }

// WriteToneWAV writes a mono 16-bit PCM WAV file with a sine tone of freq Hz
// at rate Hz lasting seconds, at about -12 dBFS.
func WriteToneWAV(path string, rate, freq, seconds int) error {
	n := rate * seconds
	data := make([]byte, 44+2*n)
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+2*n))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1) // PCM
	binary.LittleEndian.PutUint16(data[22:], 1) // mono
	binary.LittleEndian.PutUint32(data[24:], uint32(rate))
	binary.LittleEndian.PutUint32(data[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(data[32:], 2)
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(8192 * math.Sin(2*math.Pi*float64(freq)*float64(i)/float64(rate)))
		binary.LittleEndian.PutUint16(data[44+2*i:], uint16(v))
	}
	return os.WriteFile(path, data, 0o644)
}
