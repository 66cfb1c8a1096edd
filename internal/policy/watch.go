package policy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// MaxFileSize bounds a policy file; a real one is a few kilobytes.
const MaxFileSize = 1 << 20

// WatchConfig says which file a Watcher follows and whom it tells.
type WatchConfig struct {
	Path string
	// Known is the registry's action names and risks, as for Parse.
	Known map[string]string
	// OnChange is called after a valid new policy replaced old. OnError
	// is called once for each new problem with the file (invalid,
	// missing, unreadable); the policy in force stays. Either may be nil.
	// Both are called from Check, one at a time; they must not call Check.
	OnChange func(old, new *Policy)
	OnError  func(error)
}

// Watcher keeps the policy in force in step with a file. It does not run a
// timer of its own: the daemon calls Check on its ticker (or hands Run a
// tick channel), so tests drive it without sleeping. The file's content is
// compared, not its modification time, which a coarse clock or a restored
// backup can leave unchanged. Safe for concurrent use.
type Watcher struct {
	cfg     WatchConfig
	current atomic.Pointer[Policy]

	mu   sync.Mutex // serializes Check; guards the fields below
	seen fileState  // what the file held at the last Check
	err  error      // the problem with the file as it is now; nil when it is the policy in force
}

// fileState is what a read of the file found: its content's hash, or why
// it could not be read.
type fileState struct {
	sum     [sha256.Size]byte
	readErr string
}

// NewWatcher loads the file now. A missing or invalid file is an error: at
// start there is no old policy to keep.
func NewWatcher(cfg WatchConfig) (*Watcher, error) {
	data, err := readPolicy(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	p, err := Parse(data, cfg.Known)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", sourced(err, cfg.Path))
	}
	w := &Watcher{cfg: cfg, seen: fileState{sum: sha256.Sum256(data)}}
	w.current.Store(p)
	return w, nil
}

// Current returns the policy in force.
func (w *Watcher) Current() *Policy { return w.current.Load() }

// Err returns what is wrong with the file as it is now (nil when it holds
// the policy in force). Check reports a problem once; Err keeps saying it
// until the file is fixed, for a status page.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Check reads the file and, if its content changed since the last Check,
// parses it. A valid policy that differs from the one in force (by Digest:
// an edited comment changes nothing) replaces it, and changed is true. An
// invalid, missing or unreadable file leaves the policy in force and is
// returned as err, once: while the file stays the same, later Checks
// return nil and Err still has it.
func (w *Watcher) Check(ctx context.Context) (changed bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()

	data, readErr := readPolicy(w.cfg.Path)
	state := fileState{sum: sha256.Sum256(data)}
	if readErr != nil {
		state = fileState{readErr: readErr.Error()}
	}
	if state == w.seen {
		return false, nil
	}
	w.seen = state

	if readErr != nil {
		return false, w.fail(fmt.Errorf("reload policy (keeping the one in force): %w", readErr))
	}
	next, err := Parse(data, w.cfg.Known)
	if err != nil {
		return false, w.fail(fmt.Errorf("reload policy (keeping the one in force): %w", sourced(err, w.cfg.Path)))
	}
	w.err = nil
	old := w.current.Load()
	if next.Digest() == old.Digest() {
		return false, nil
	}
	w.current.Store(next)
	if w.cfg.OnChange != nil {
		w.cfg.OnChange(old, next)
	}
	return true, nil
}

func (w *Watcher) fail(err error) error {
	w.err = err
	if w.cfg.OnError != nil {
		w.cfg.OnError(err)
	}
	return err
}

// Run calls Check on every tick until ctx is done or ticks is closed.
// Problems go to OnError; Run itself only stops.
func (w *Watcher) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ticks:
			if !ok {
				return
			}
			_, _ = w.Check(ctx) // reported through OnError
		}
	}
}

// readPolicy reads the file, refusing one too large to be a policy rather
// than reading it whole.
func readPolicy(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read policy file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy file %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read policy file %s: larger than %d bytes", path, MaxFileSize)
	}
	return data, nil
}

// sourced names the file in each of Parse's problems, so they read
// "policy.yaml:7:16: ..." and an editor can jump there.
func sourced(err error, path string) error {
	var ps Problems
	if errors.As(err, &ps) {
		return ps.WithSource(path)
	}
	return err
}
