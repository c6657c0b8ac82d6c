package test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/audiotest"
)

// baresip is a running baresip softphone (the Debian package, version
// 1.0), headless: its audio source is the aufile module playing a WAV the
// test wrote, its player a device nobody reads (aubridge), and the sndfile
// filter records what it receives to a WAV the test analyses. The test
// drives it over ctrl_tcp (JSON in netstrings: commands, responses and
// events such as REGISTER_OK or CALL_ESTABLISHED) and types keys into the
// cons console, which is how DTMF is sent.
//
// Goroutines: one reads baresip's output into log, one reads ctrl_tcp
// into events and responses; both end when the process is killed in
// t.Cleanup.
type baresip struct {
	t      *testing.T
	dir    string
	cons   string // host:port of the cons console (TCP)
	cmd    *exec.Cmd
	ctrl   net.Conn
	exited chan struct{}
	wg     sync.WaitGroup

	wmu   sync.Mutex // serialises writes to ctrl
	token int

	mu        sync.Mutex
	log       []string
	events    []baresipEvent
	responses map[string]baresipResponse
	changed   chan struct{} // closed and replaced on every event or response
}

// baresipEvent is an event message of ctrl_tcp.
type baresipEvent struct {
	Type       string `json:"type"`
	Class      string `json:"class"`
	AccountAOR string `json:"accountaor"`
	Direction  string `json:"direction"`
	PeerURI    string `json:"peeruri"`
	ID         string `json:"id"`
	Param      string `json:"param"`
}

// baresipResponse answers one command.
type baresipResponse struct {
	OK    bool   `json:"ok"`
	Data  string `json:"data"`
	Token string `json:"token"`
}

// baresipModules are the places baresip's modules are installed: Debian's
// first.
var baresipModules = []string{"/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules"}

// baresipPaths returns the baresip binary and its module directory, or
// fails with the install command: a skip would hide a missing install step.
func baresipPaths(t *testing.T) (bin, modules string) {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Fatal("baresip not found: run ./scripts/setup.sh (installs Debian package baresip-core)")
	}
	for _, d := range baresipModules {
		if _, err := os.Stat(filepath.Join(d, "ctrl_tcp.so")); err == nil {
			return bin, d
		}
	}
	t.Fatalf("baresip modules (ctrl_tcp.so) not found in %v: run ./scripts/setup.sh (installs Debian package baresip-core)", baresipModules)
	return "", ""
}

// startBaresip runs baresip with no account; its audio source plays a
// toneHz sine for a minute (baresip hangs up when aufile reaches the end
// of its file, so the file outlasts every test). Add the account with
// [baresip.register].
func startBaresip(t *testing.T, toneHz int) *baresip {
	t.Helper()
	bin, modules := baresipPaths(t)
	dir := t.TempDir()
	wav := filepath.Join(dir, "source.wav")
	if err := os.WriteFile(wav, wavPCM16(audiotest.Sine(toneHz, 8000, 60_000, 0.5), 8000), 0o600); err != nil {
		t.Fatal(err)
	}
	ctrl, cons := freePort(t), freePort(t)
	// aufile needs the codec's rate (8 kHz for G.711). rtp_ports keeps
	// baresip out of the PBX's 30000-40000. statmode off stops the
	// once-a-second status lines.
	write(t, filepath.Join(dir, "config"), fmt.Sprintf(`poll_method		epoll
sip_listen		127.0.0.1:0
net_interface		127.0.0.1
rtp_ports		41000-48999
call_local_timeout	30
audio_source		aufile,%s
audio_player		aubridge,nowhere
audio_alert		aubridge,nowhere
module_path		%s
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module			cons.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		%s
cons_listen		%s
snd_path		%s
statmode_default	off
`, wav, modules, ctrl, cons, dir))
	write(t, filepath.Join(dir, "accounts"), "")
	b := &baresip{t: t, dir: dir, cons: cons, exited: make(chan struct{}),
		responses: map[string]baresipResponse{}, changed: make(chan struct{})}
	// -t: a baresip orphaned by a crashed test binary quits by itself.
	b.cmd = exec.Command(bin, "-v", "-f", dir, "-t", "300")
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = b.cmd.Stdout
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(b.exited)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			b.mu.Lock()
			b.log = append(b.log, sc.Text())
			b.mu.Unlock()
		}
		b.cmd.Wait()
	}()
	t.Cleanup(b.stop)

	// Ready when ctrl_tcp accepts connections (baresip 1.0 cannot listen
	// on port 0 and tell which port it got, hence freePort).
	ctx := ctxT(t, 15*time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for b.ctrl == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", ctrl)
		if err == nil {
			b.ctrl = c
			break
		}
		select {
		case <-b.exited:
			t.Fatalf("baresip exited before its control port opened:\n%s", b.Log())
		case <-ctx.Done():
			t.Fatalf("baresip control port %s not open after 15 s: %v\n%s", ctrl, err, b.Log())
		case <-tick.C:
		}
	}
	b.wg.Go(b.readCtrl)
	return b
}

// stop kills baresip (a polite quit waits for un-REGISTER transactions)
// and shows its log if the test failed.
func (b *baresip) stop() {
	b.cmd.Process.Kill()
	<-b.exited
	if b.ctrl != nil {
		b.ctrl.Close()
	}
	b.wg.Wait()
	if b.t.Failed() {
		b.t.Logf("baresip log:\n%s", b.Log())
	}
}

// Log returns what baresip printed so far.
func (b *baresip) Log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.log, "\n")
}

// readCtrl reads ctrl_tcp's netstrings ("len:json,") until the connection
// closes.
func (b *baresip) readCtrl() {
	r := bufio.NewReader(b.ctrl)
	for {
		n, err := r.ReadString(':')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(n, ":")))
		if err != nil || size < 0 || size > 1<<20 {
			b.t.Errorf("baresip ctrl_tcp: bad netstring length %q", n)
			return
		}
		msg := make([]byte, size+1) // and the trailing ','
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		var kind struct{ Event, Response bool }
		if err := json.Unmarshal(msg[:size], &kind); err != nil {
			b.t.Errorf("baresip ctrl_tcp: %v in %q", err, msg)
			return
		}
		b.mu.Lock()
		switch {
		case kind.Event:
			var ev baresipEvent
			json.Unmarshal(msg[:size], &ev)
			b.events = append(b.events, ev)
		case kind.Response:
			var res baresipResponse
			json.Unmarshal(msg[:size], &res)
			b.responses[res.Token] = res
		}
		close(b.changed)
		b.changed = make(chan struct{})
		b.mu.Unlock()
	}
}

// wait calls cond under the lock whenever a message arrives until it
// returns true, ctx ends or baresip exits.
func (b *baresip) wait(ctx context.Context, cond func() bool) error {
	for {
		b.mu.Lock()
		ok, ch := cond(), b.changed
		b.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-b.exited:
			return errors.New("baresip exited")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// command runs a ctrl_tcp command ("dial", "hangup", "uanew", ...) and
// returns its response data; a response with ok=false is an error.
func (b *baresip) command(ctx context.Context, name, params string) (string, error) {
	b.wmu.Lock()
	b.token++
	token := strconv.Itoa(b.token)
	msg, _ := json.Marshal(map[string]string{"command": name, "params": params, "token": token})
	b.ctrl.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := fmt.Fprintf(b.ctrl, "%d:%s,", len(msg), msg)
	b.wmu.Unlock()
	if err != nil {
		return "", fmt.Errorf("baresip %s: %w", name, err)
	}
	var res baresipResponse
	err = b.wait(ctx, func() bool {
		r, ok := b.responses[token]
		res = r
		return ok
	})
	if err != nil {
		return "", fmt.Errorf("baresip %s: no response: %w", name, err)
	}
	if !res.OK {
		return res.Data, fmt.Errorf("baresip %s: failed: %s", name, res.Data)
	}
	return res.Data, nil
}

// waitEvent returns the first event of type typ (from the start of the
// process) that match accepts (nil accepts all).
func (b *baresip) waitEvent(ctx context.Context, typ string, match func(baresipEvent) bool) (baresipEvent, error) {
	var found baresipEvent
	err := b.wait(ctx, func() bool {
		for _, ev := range b.events {
			if ev.Type == typ && (match == nil || match(ev)) {
				found = ev
				return true
			}
		}
		return false
	})
	if err != nil {
		return found, fmt.Errorf("no %s event from baresip: %w (events: %s)", typ, err, b.eventTypes())
	}
	return found, nil
}

// eventTypes lists the events received so far, for error messages.
func (b *baresip) eventTypes() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var s []string
	for _, ev := range b.events {
		s = append(s, ev.Type+"("+ev.Param+")")
	}
	return strings.Join(s, " ")
}

// eventsOf returns the params of every event of type typ so far, in order.
func (b *baresip) eventsOf(typ string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, ev := range b.events {
		if ev.Type == typ {
			out = append(out, ev.Param)
		}
	}
	return out
}

// register adds the account user with password at the PBX (uanew, which
// registers at once, auto-answering calls) and waits for the outcome:
// the REGISTER_OK or REGISTER_FAIL event.
func (b *baresip) register(ctx context.Context, s *server, user, password string) (baresipEvent, error) {
	aor := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;regint=600;answermode=auto", user, s.SIP, password)
	if _, err := b.command(ctx, "uanew", aor); err != nil {
		return baresipEvent{}, err
	}
	var ev baresipEvent
	err := b.wait(ctx, func() bool {
		for _, e := range b.events {
			if e.Class == "register" && (e.Type == "REGISTER_OK" || e.Type == "REGISTER_FAIL") {
				ev = e
				return true
			}
		}
		return false
	})
	if err != nil {
		return ev, fmt.Errorf("no registration outcome from baresip: %w (events: %s)", err, b.eventTypes())
	}
	return ev, nil
}

// registeredBaresip starts baresip with a toneHz source and registers
// user.
func registeredBaresip(t *testing.T, s *server, user, password string, toneHz int) *baresip {
	t.Helper()
	b := startBaresip(t, toneHz)
	ev, err := b.register(ctxT(t, 10*time.Second), s, user, password)
	if err != nil {
		t.Fatalf("baresip register %s: %v", user, err)
	}
	if ev.Type != "REGISTER_OK" {
		t.Fatalf("baresip register %s: %s %q", user, ev.Type, ev.Param)
	}
	return b
}

// keys types into baresip's console. During a call the digits 0-9, *, #
// start an RFC 4733 event and "\x04" (baresip's key release) ends it.
func (b *baresip) keys(ctx context.Context, s string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", b.cons)
	if err != nil {
		return fmt.Errorf("baresip console: %w", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetWriteDeadline(dl)
	}
	_, err = io.WriteString(c, s)
	return err
}

// recording returns the audio baresip received (and played) in its one
// call so far, from the sndfile filter's dump-*-dec.wav, and its sample
// rate. The file may still be growing.
func (b *baresip) recording() ([]int16, int, error) {
	files, _ := filepath.Glob(filepath.Join(b.dir, "dump-*-dec.wav"))
	if len(files) != 1 {
		return nil, 0, fmt.Errorf("%d recordings of received audio (%v), want 1", len(files), files)
	}
	p, err := os.ReadFile(files[0])
	if err != nil {
		return nil, 0, err
	}
	return parseWAV(p)
}

// waitHeard polls baresip's recording of received audio until freq was
// present for d in total.
func (b *baresip) waitHeard(ctx context.Context, freq float64, d time.Duration) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		samples, rate, err := b.recording()
		var heard time.Duration
		if err == nil {
			det := audiotest.NewDetector(rate)
			det.Write(samples)
			if heard = det.Total(freq); heard >= d {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("%w: %v", ctx.Err(), err)
			}
			return fmt.Errorf("%w: %.0f Hz heard for %v of %v received, want %v", ctx.Err(), freq, heard,
				time.Duration(len(samples))*time.Second/time.Duration(max(rate, 1)), d)
		case <-b.exited:
			return errors.New("baresip exited")
		case <-tick.C:
		}
	}
}

// wavPCM16 returns a mono 16-bit PCM WAV file of samples at rate.
func wavPCM16(samples []int16, rate int) []byte {
	data := audiotest.Bytes(samples)
	h := make([]byte, 0, 44+len(data))
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(36+len(data)))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, 1) // mono
	h = binary.LittleEndian.AppendUint32(h, uint32(rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(rate*2))
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
	return append(h, data...)
}

// parseWAV reads a 16-bit PCM WAV and returns its first channel. A data
// chunk whose size is not written yet (a file still being recorded) runs
// to the end of the file.
func parseWAV(p []byte) ([]int16, int, error) {
	if len(p) < 12 || string(p[:4]) != "RIFF" || string(p[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a WAV file")
	}
	var rate, channels int
	for off := 12; off+8 <= len(p); {
		id, size := string(p[off:off+4]), int(binary.LittleEndian.Uint32(p[off+4:off+8]))
		body := p[off+8:]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, 0, errors.New("short fmt chunk")
			}
			if format, bits := binary.LittleEndian.Uint16(body[0:2]), binary.LittleEndian.Uint16(body[14:16]); format != 1 || bits != 16 {
				return nil, 0, fmt.Errorf("WAV format %d with %d bits, want PCM 16", format, bits)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:4]))
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
		case "data":
			if rate == 0 || channels == 0 {
				return nil, 0, errors.New("data before fmt")
			}
			if size == 0 || size > len(body) {
				size = len(body)
			}
			all := audiotest.Samples(body[:size-size%(2*channels)])
			mono := make([]int16, 0, len(all)/channels)
			for i := 0; i < len(all); i += channels {
				mono = append(mono, all[i])
			}
			return mono, rate, nil
		}
		off += 8 + size + size%2
	}
	return nil, 0, errors.New("no data chunk")
}

// waitLog polls the PBX log until it contains all of parts on one line.
func waitLog(ctx context.Context, s *server, parts ...string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, line := range strings.Split(s.Log(), "\n") {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no pbx log line with %q: %w", parts, ctx.Err())
		case <-tick.C:
		}
	}
}
