package fileplay

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/translate"
)

// Player plays prompts and files to channels and records them: the
// dialplan's Playback, Background and Read use [Player.Play] (it
// implements apps.Player), and [RegisterApps] adds Record, MixMonitor and
// StopMixMonitor. A Player is safe for concurrent use; each Play runs on
// its caller's goroutine.
//
// Goroutines: Play and Record start none. Each [Monitor] started by
// [Player.MixMonitor] owns one writer goroutine; the Player keeps track of
// them, and [Player.Close] stops them all and waits.
type Player struct {
	dir       string
	langs     []string // language directories to search, most specific first
	recordDir string
	paths     channel.PathBuilder
	log       *slog.Logger

	mu       sync.Mutex
	monitors map[*channel.Channel][]*Monitor
	nextID   uint64
	closed   bool
	wg       sync.WaitGroup // monitor writer goroutines
}

// router is the optional PathBuilder capability that prices a path
// without building it; *translate.Registry has it.
type router interface {
	Route(src, dst format.Format) (translate.Route, error)
}

// New returns a Player for cfg (see [Config] for defaults).
func New(cfg Config) (*Player, error) {
	p := &Player{
		dir:       cfg.Dir,
		recordDir: cfg.RecordDir,
		paths:     cfg.Paths,
		log:       cfg.Logger,
		monitors:  map[*channel.Channel][]*Monitor{},
	}
	if p.dir == "" {
		p.dir = "sounds"
	}
	if p.paths == nil {
		p.paths = translate.NewRegistry()
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	lang := cfg.Language
	if lang == "" {
		lang = "en"
	}
	if strings.ContainsAny(lang, `/\`) || lang == "." || lang == ".." {
		return nil, fmt.Errorf("%w: language %q", ErrBadArgs, lang)
	}
	for l := lang; l != ""; {
		p.langs = append(p.langs, l)
		i := strings.LastIndexByte(l, '_')
		if i < 0 {
			break
		}
		l = l[:i]
	}
	return p, nil
}

// Candidate is one file a prompt exists as.
type Candidate struct {
	// Path is the file's path.
	Path string
	// Format is the format of a plain audio file's samples; zero for a
	// container.
	Format format.Format
	// Container marks a Matroska or WebM file.
	Container bool
}

// Find returns the files a prompt name exists as. A name with an
// extension the package reads names one file. A name without one is
// looked for with every extension, in the language directories
// (Dir/<lang>/name, most specific language first) and then in Dir/name;
// the first directory where it exists in any format gives every format it
// exists in there. Absolute names are used as they are, without language
// directories. It returns an error wrapping [ErrNotFound] when nothing
// exists.
func (p *Player) Find(name string) ([]Candidate, error) {
	if name == "" {
		return nil, fmt.Errorf("fileplay: find: %w: empty name", ErrNotFound)
	}
	var bases []string
	if filepath.IsAbs(name) {
		bases = []string{name}
	} else {
		for _, l := range p.langs {
			bases = append(bases, filepath.Join(p.dir, l, name))
		}
		bases = append(bases, filepath.Join(p.dir, name))
	}
	exact := hasExtension(name)
	for _, base := range bases {
		var found []Candidate
		if exact {
			if c, ok := candidateOf(base); ok {
				found = append(found, c)
			}
		} else {
			for _, e := range extensions {
				if c, ok := candidateOf(base + "." + e.ext); ok {
					found = append(found, c)
				}
			}
		}
		if len(found) > 0 {
			return found, nil
		}
	}
	return nil, fmt.Errorf("fileplay: find %s: %w", name, ErrNotFound)
}

// candidateOf describes the file at path when it exists and is readable
// by extension; a WAV file's format comes from its header (a WAV that
// cannot be parsed is still a candidate, with a zero Format).
func candidateOf(path string) (Candidate, bool) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return Candidate{}, false
	}
	kind, f := kindOf(path)
	c := Candidate{Path: path, Format: f, Container: kind == kindMatroska}
	if kind == kindWAV {
		if fh, err := os.Open(path); err == nil {
			if h, err := ReadWAVHeader(fh); err == nil {
				c.Format = h.Format
			}
			fh.Close()
		}
	}
	return c, kind != kindUnknown
}

// Choose picks the candidate to play to a stream with formats caps. A
// container is chosen when container is true (the channel has more than
// one stream to fill) or when there is nothing else. Among plain audio
// files, one in a format caps contains needs no translation and wins,
// earliest in caps first; otherwise the one with the cheapest translation
// path to the stream's first audio format (translate route costs: lossless
// before lossy, same rate before resampling); ties go to the extension
// order of Find. With empty caps the first audio file wins.
func (p *Player) Choose(cands []Candidate, caps format.Caps, container bool) (Candidate, error) {
	var audio []Candidate
	var box *Candidate
	for i, c := range cands {
		switch {
		case c.Container:
			if box == nil {
				box = &cands[i]
			}
		case !c.Format.IsZero():
			audio = append(audio, c)
		}
	}
	switch {
	case box != nil && (container || len(audio) == 0):
		return *box, nil
	case len(audio) == 0:
		if len(cands) > 0 {
			return cands[0], nil // unreadable: opening it reports why
		}
		return Candidate{}, fmt.Errorf("fileplay: choose: %w", ErrNotFound)
	}
	if caps.OfType(format.Audio).IsEmpty() {
		return audio[0], nil
	}
	target := writeTarget(caps)
	best, bestKey := -1, [2]int{}
	for i, c := range audio {
		var key [2]int
		if j := caps.Index(c.Format); j >= 0 {
			key = [2]int{0, j}
		} else if cost, ok := p.cost(c.Format, target); ok {
			key = [2]int{1, cost}
		} else {
			continue
		}
		if best < 0 || key[0] < bestKey[0] || (key[0] == bestKey[0] && key[1] < bestKey[1]) {
			best, bestKey = i, key
		}
	}
	if best < 0 {
		return audio[0], nil // no path: playing it reports the error
	}
	return audio[best], nil
}

// cost prices translating src to dst: the registry's route cost when the
// builder can tell, else a path that builds costs more the further apart
// the sample rates are.
func (p *Player) cost(src, dst format.Format) (int, bool) {
	if r, ok := p.paths.(router); ok {
		rt, err := r.Route(src, dst)
		if err != nil {
			return 0, false
		}
		return rt.Cost, true
	}
	if _, err := p.paths.Build(src, dst); err != nil {
		return 0, false
	}
	d := src.Rate() - dst.Rate()
	if d < 0 {
		d = -d
	}
	return 1 + d, true
}

// writeTarget returns the audio format a stream with formats caps sends:
// its first audio format that is not telephone-event (the channel core's
// rule for translating writes).
func writeTarget(caps format.Caps) format.Format {
	for _, f := range caps.All {
		if f.Type == format.Audio && f.Name != format.TelephoneEvent.Name {
			return f
		}
	}
	return format.Format{}
}

// Play plays the prompt name on ch and implements apps.Player. The file
// is found with [Player.Find] and chosen with [Player.Choose] for the
// formats of ch's default audio stream (a container when ch has several
// streams); then it plays as [Player.PlayReader] describes. It returns the
// DTMF digit in stopOn that stopped playback, or 0.
func (p *Player) Play(ctx context.Context, ch *channel.Channel, name string, stopOn string) (rune, error) {
	cands, err := p.Find(name)
	if err != nil {
		return 0, err
	}
	var caps format.Caps
	topo := ch.Topology()
	if s, ok := topo.Stream(ch.DefaultStream(format.Audio)); ok {
		caps = s.Formats()
	}
	streams := 0
	for _, s := range topo.Streams() {
		if !s.IsRemoved() && (s.Type() == format.Audio || s.Type() == format.Video) {
			streams++
		}
	}
	c, err := p.Choose(cands, caps, streams > 1)
	if err != nil {
		return 0, err
	}
	return p.PlayFile(ctx, ch, c.Path, stopOn)
}

// PlayFile plays the file at path (opened with [Open]) on ch, as
// [Player.PlayReader] describes.
func (p *Player) PlayFile(ctx context.Context, ch *channel.Channel, path string, stopOn string) (rune, error) {
	f, err := Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return p.PlayReader(ctx, ch, f, stopOn)
}
