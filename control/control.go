// Package control is the PBX's control endpoint: HTTP + JSON on loopback,
// used by the pbx CLI (channels, hangup, originate, reload, translation
// table, media counters) with a server-sent event stream of channel
// events. Every request needs the bearer token from the configured token
// file.
//
// Routes:
//
//	GET  /channels            live channels (?stats=1: with media counters)
//	GET  /channels/{name}     one channel by name or ID, with media counters
//	GET  /rtp                 RTP totals of the live and the ended channels
//	POST /hangup              {"channel": name|id|"all", "cause": n}
//	POST /originate           {"dial", "exten", "context"}
//	POST /reload
//	GET  /translation         the translation path table (text)
//	GET  /events              server-sent channel events
//
// plus the [Hooks] Routes. Media counters come from the [Hooks] Stats
// function, so that this package imports no driver.
//
// The server owns one goroutine per connection (net/http) and stops with
// [Server.Shutdown].
package control

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// ChannelInfo is one channel as `pbx channels` shows it.
type ChannelInfo struct {
	Name     string       `json:"name"`
	ID       string       `json:"id"`
	State    string       `json:"state"`
	Duration float64      `json:"duration_s"`
	Caller   string       `json:"caller"`
	Streams  []StreamInfo `json:"streams"`
	// Stats are the channel's media counters, when asked for and its
	// driver keeps them.
	Stats *MediaStats `json:"stats,omitempty"`
}

// StreamInfo is one stream of a channel's topology.
type StreamInfo struct {
	Position  int    `json:"position"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	State     string `json:"state"`
	Formats   string `json:"formats"`
	Summary   string `json:"summary"`
	IsDefault bool   `json:"default"`
}

// Hooks are the PBX operations the control endpoint exposes beyond the
// channel registry; cmd/pbx provides them.
type Hooks struct {
	Reload      func() error
	Originate   func(ctx context.Context, dial, exten, context string) (string, error)
	Translation func() string
	// Stats reads a channel's media counters; nil means none are shown.
	Stats StatsFunc
	// Routes are extra handlers by pattern ("GET /plugins",
	// "POST /console/dial"), for parts the control package does not know.
	Routes map[string]http.HandlerFunc
}

// Server is the control endpoint.
type Server struct {
	reg   *channel.Registry
	hooks Hooks
	token string
	log   *slog.Logger
	srv   *http.Server
	ln    net.Listener

	mu    sync.Mutex
	subs  map[chan sse]struct{}
	ended RTPTotals // counters of the channels that hung up
}

// sse is one server-sent event.
type sse struct {
	typ  string
	data []byte
}

// New listens on addr (must be loopback) and serves in the background.
func New(addr, token string, reg *channel.Registry, hooks Hooks, log *slog.Logger) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("control: %s is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	s := &Server{reg: reg, hooks: hooks, token: token, log: log, ln: ln, subs: map[chan sse]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /channels", s.channels)
	mux.HandleFunc("GET /channels/{name...}", s.channel)
	mux.HandleFunc("GET /rtp", s.rtp)
	mux.HandleFunc("POST /hangup", s.hangup)
	mux.HandleFunc("POST /originate", s.originate)
	mux.HandleFunc("POST /reload", s.reload)
	mux.HandleFunc("GET /translation", s.translation)
	mux.HandleFunc("GET /events", s.events)
	for pattern, h := range hooks.Routes {
		mux.HandleFunc(pattern, h)
	}
	s.srv = &http.Server{Handler: s.auth(mux), ReadHeaderTimeout: 5 * time.Second}
	reg.Observe(s.publish)
	go s.srv.Serve(ln)
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops the server.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	for c := range s.subs {
		close(c)
		delete(s.subs, c)
	}
	s.mu.Unlock()
	return s.srv.Shutdown(ctx)
}

func (s *Server) auth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
			http.Error(w, "bad or missing token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Describe returns the channel info of ch.
func Describe(ch *channel.Channel) ChannelInfo {
	num, name := ch.CallerID()
	info := ChannelInfo{Name: ch.Name(), ID: ch.ID(), State: ch.State().String(),
		Duration: time.Since(ch.Created()).Seconds(), Caller: strings.TrimSpace(fmt.Sprintf("%s <%s>", name, num))}
	t := ch.Topology()
	for _, st := range t.Streams() {
		info.Streams = append(info.Streams, StreamInfo{
			Position: st.Position(), Name: st.Name(), Type: st.Type().String(), State: st.State().String(),
			Formats: st.Formats().String(), Summary: st.String(), IsDefault: ch.DefaultStream(st.Type()) == st.Position(),
		})
	}
	return info
}

func (s *Server) channels(w http.ResponseWriter, r *http.Request) {
	stats := r.URL.Query().Get("stats")
	withStats := stats != "" && stats != "0" && stats != "false"
	list := []ChannelInfo{}
	for _, ch := range s.reg.Channels() {
		info := Describe(ch)
		if withStats {
			info.Stats = s.mediaStats(ch)
		}
		list = append(list, info)
	}
	writeJSON(w, list)
}

func (s *Server) hangup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Channel string `json:"channel"`
		Cause   int    `json:"cause"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	cause := channel.Cause(req.Cause)
	if cause == 0 {
		cause = channel.CauseNormalClearing
	}
	if req.Channel == "all" {
		writeJSON(w, map[string]int{"hungup": s.reg.HangupAll(cause)})
		return
	}
	ch, ok := s.reg.Find(req.Channel)
	if !ok {
		http.Error(w, "no such channel: "+req.Channel, http.StatusNotFound)
		return
	}
	ch.Hangup(cause)
	writeJSON(w, map[string]int{"hungup": 1})
}

func (s *Server) originate(w http.ResponseWriter, r *http.Request) {
	var req struct{ Dial, Exten, Context string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Dial == "" || req.Exten == "" {
		http.Error(w, "bad request: want dial and exten", http.StatusBadRequest)
		return
	}
	if s.hooks.Originate == nil {
		http.Error(w, "originate not available", http.StatusNotImplemented)
		return
	}
	name, err := s.hooks.Originate(r.Context(), req.Dial, req.Exten, req.Context)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	writeJSON(w, map[string]string{"channel": name})
}

func (s *Server) reload(w http.ResponseWriter, _ *http.Request) {
	if s.hooks.Reload == nil {
		http.Error(w, "reload not available", http.StatusNotImplemented)
		return
	}
	if err := s.hooks.Reload(); err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	writeJSON(w, map[string]string{"status": "reloaded"})
}

func (s *Server) translation(w http.ResponseWriter, _ *http.Request) {
	if s.hooks.Translation == nil {
		http.Error(w, "no translator", http.StatusNotImplemented)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, s.hooks.Translation())
}

// events streams channel events as server-sent events until the client
// goes away. A slow client loses events (bounded queue of 64).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	c := make(chan sse, 64)
	s.mu.Lock()
	s.subs[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if _, ok := s.subs[c]; ok {
			delete(s.subs, c)
			close(c)
		}
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-c:
			if !ok {
				return
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.typ, ev.data)
			fl.Flush()
		}
	}
}

func (s *Server) publish(ev channel.Event) {
	if ev.Type == "hangup" && ev.Channel != nil {
		s.channelEnded(ev.Channel)
	}
	b, _ := json.Marshal(map[string]any{"type": ev.Type, "channel": ev.Channel.Name(), "id": ev.Channel.ID(),
		"state": ev.Channel.State().String(), "cause": int(ev.Channel.HangupCause()), "time": ev.Time})
	s.send(sse{"channel", b})
}

func (s *Server) send(ev sse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.subs {
		select {
		case c <- ev:
		default:
		}
	}
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, v any) { writeJSON(w, v) }

// Publish sends a custom event (such as a console ring) to /events
// subscribers; slow subscribers lose it.
func (s *Server) Publish(typ string, data any) {
	b, _ := json.Marshal(data)
	s.send(sse{typ, b})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// LoadOrCreateToken reads the token file, creating it (mode 0600, in a
// 0700 directory) with a random token when it does not exist.
func LoadOrCreateToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if tok := strings.TrimSpace(string(b)); tok != "" {
			return tok, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("control: token: %w", err)
	}
	var raw [24]byte
	rand.Read(raw[:])
	tok := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("control: token: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("control: token: %w", err)
	}
	return tok, nil
}

// DefaultTokenFile is where the token lives when the config names none.
func DefaultTokenFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "pbx", "control.token")
}
