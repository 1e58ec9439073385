package guardstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"tipring/sip/guard"
)

// FileName is the store's file name in the data directory.
const FileName = "guard.json"

// fileVersion is the version of the file format written by Save.
const fileVersion = 1

// maxFileSize bounds the file read at start: far above any list an
// operator keeps, small enough that a stray file cannot exhaust memory.
const maxFileSize = 4 << 20

// file is the JSON layout of the store.
type file struct {
	Version int      `json:"version"`
	Allow   []string `json:"allow"`
	Deny    []string `json:"deny"`
	Blocks  []block  `json:"blocks"`
}

type block struct {
	Addr   string    `json:"addr"`
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
}

// Store is a guard whose API edits persist in a file. It implements the
// API's Security interface.
type Store struct {
	g    *guard.Guard
	path string
	log  *slog.Logger
	now  func() time.Time

	mu                sync.Mutex
	cfgAllow, cfgDeny []netip.Prefix // from the configuration file
	apiAllow, apiDeny []netip.Prefix // set through the API, persisted
	lastSaveErr       error
}

// Open puts the entries stored at path on top of g's lists, which must be
// the configuration's, and returns the Store that keeps saving the API's
// edits there. A missing file is an empty store. A file that cannot be
// read or parsed is moved aside to path+".corrupt"; Open then returns a
// usable Store holding the configuration's lists only, and an error that
// says what was wrong.
func Open(path string, g *guard.Guard, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{g: g, path: path, log: log, now: time.Now,
		cfgAllow: g.AllowList(), cfgDeny: g.DenyList()}
	f, err := readFile(path)
	if err != nil {
		aside := path + ".corrupt"
		if rerr := os.Rename(path, aside); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return s, fmt.Errorf("guardstore: %w (and moving it aside: %v)", err, rerr)
		}
		return s, fmt.Errorf("guardstore: %w; moved to %s, starting with the configuration's lists", err, aside)
	}
	if f == nil {
		return s, nil
	}
	s.apiAllow, s.apiDeny = f.allow, f.deny
	s.g.SetAllowList(union(s.cfgAllow, s.apiAllow))
	s.g.SetDenyList(union(s.cfgDeny, s.apiDeny))
	now := s.now()
	for _, b := range f.blocks {
		if d := b.Until.Sub(now); d > 0 {
			g.Block(b.Addr, d, b.Reason)
		}
	}
	return s, nil
}

// loaded is a parsed file.
type loaded struct {
	allow, deny []netip.Prefix
	blocks      []guard.Entry // Addr, Until and Reason
}

// readFile reads and checks the file at path; nil, nil when it does not
// exist.
func readFile(path string) (*loaded, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFileSize)
	}
	l, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// parse decodes and checks the file's contents.
func parse(data []byte) (*loaded, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a guard store: %w", err)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("version %d, want %d", f.Version, fileVersion)
	}
	var l loaded
	var err error
	if l.allow, err = guard.ParsePrefixes(f.Allow); err != nil {
		return nil, fmt.Errorf("allow: %w", err)
	}
	if l.deny, err = guard.ParsePrefixes(f.Deny); err != nil {
		return nil, fmt.Errorf("deny: %w", err)
	}
	for i, b := range f.Blocks {
		a, err := netip.ParseAddr(b.Addr)
		if err != nil {
			return nil, fmt.Errorf("blocks[%d]: addr %q is not an IP address", i, b.Addr)
		}
		l.blocks = append(l.blocks, guard.Entry{Addr: a, Until: b.Until, Reason: b.Reason})
	}
	return &l, nil
}

// union is a followed by the entries of b that a lacks.
func union(a, b []netip.Prefix) []netip.Prefix {
	out := slices.Clone(a)
	for _, p := range b {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Path is the file the store saves to.
func (s *Store) Path() string { return s.path }

// Guard is the guard the store edits.
func (s *Store) Guard() *guard.Guard { return s.g }

// SaveErr is the error of the last save, nil when it succeeded.
func (s *Store) SaveErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSaveErr
}

// Blocked lists the sources blocked now (guard.Guard.Blocked).
func (s *Store) Blocked() []guard.Entry { return s.g.Blocked() }

// Stats are the guard's counters.
func (s *Store) Stats() guard.Stats { return s.g.Stats() }

// AllowList is the allow list in force: the configuration's entries, then
// the API's.
func (s *Store) AllowList() []netip.Prefix { return s.g.AllowList() }

// DenyList is the deny list in force.
func (s *Store) DenyList() []netip.Prefix { return s.g.DenyList() }

// ConfigAllowList is the part of the allow list that comes from the
// configuration file.
func (s *Store) ConfigAllowList() []netip.Prefix {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.cfgAllow)
}

// ConfigDenyList is the part of the deny list that comes from the
// configuration file.
func (s *Store) ConfigDenyList() []netip.Prefix {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.cfgDeny)
}

// SetAllowList makes l the allow list, keeping the configuration's entries,
// and saves the entries l adds to them.
func (s *Store) SetAllowList(l []netip.Prefix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiAllow = s.setList(l, s.cfgAllow, s.g.SetAllowList, s.g.AllowList)
	s.saveLocked()
}

// SetDenyList makes l the deny list, keeping the configuration's entries,
// and saves the entries l adds to them.
func (s *Store) SetDenyList(l []netip.Prefix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiDeny = s.setList(l, s.cfgDeny, s.g.SetDenyList, s.g.DenyList)
	s.saveLocked()
}

// setList stores cfg ∪ l in the guard and returns the entries of l (as the
// guard normalised them) that cfg lacks.
func (s *Store) setList(l, cfg []netip.Prefix, set func([]netip.Prefix), get func() []netip.Prefix) []netip.Prefix {
	set(l) // the guard masks and unmaps; read its form back
	var api []netip.Prefix
	for _, p := range get() {
		if !slices.Contains(cfg, p) {
			api = append(api, p)
		}
	}
	set(union(cfg, api))
	return api
}

// Block blocks addr (guard.Guard.Block) and saves the manual blocks.
func (s *Store) Block(addr netip.Addr, d time.Duration, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.g.Block(addr, d, reason)
	s.saveLocked()
}

// Unblock lifts a block (guard.Guard.Unblock) and saves the manual blocks;
// it reports whether addr was blocked (nothing is saved when it was not).
func (s *Store) Unblock(addr netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.g.Unblock(addr)
	if ok {
		s.saveLocked()
	}
	return ok
}

// saveLocked writes the file; a failure is logged and kept for SaveErr,
// the edit itself stays in force.
func (s *Store) saveLocked() {
	f := file{Version: fileVersion, Allow: []string{}, Deny: []string{}, Blocks: []block{}}
	for _, p := range s.apiAllow {
		f.Allow = append(f.Allow, p.String())
	}
	for _, p := range s.apiDeny {
		f.Deny = append(f.Deny, p.String())
	}
	for _, e := range s.g.Blocked() {
		if e.Manual {
			f.Blocks = append(f.Blocks, block{Addr: e.Addr.String(), Until: e.Until.UTC(), Reason: e.Reason})
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err == nil {
		err = writeAtomic(s.path, append(data, '\n'))
	}
	s.lastSaveErr = err
	if err != nil {
		s.log.Error("guardstore: save failed; the change holds until restart", "path", s.path, "err", err)
	}
}

// writeAtomic replaces path with data: temporary file, fsync, rename,
// fsync of the directory.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("guardstore: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("guardstore: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("guardstore: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("guardstore: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("guardstore: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("guardstore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("guardstore: sync %s: %w", dir, err)
	}
	return nil
}
