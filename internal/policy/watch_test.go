package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder collects a Watcher's callbacks.
type recorder struct {
	mu      sync.Mutex
	changes [][2]*Policy
	errs    []error
}

func (r *recorder) config(path string) WatchConfig {
	return WatchConfig{Path: path, Known: registry,
		OnChange: func(old, new *Policy) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.changes = append(r.changes, [2]*Policy{old, new})
		},
		OnError: func(err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.errs = append(r.errs, err)
		},
	}
}

func (r *recorder) counts() (changes, errs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.changes), len(r.errs)
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWatcher(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, baseTiers)
	var rec recorder
	w, err := NewWatcher(rec.config(path))
	if err != nil {
		t.Fatal(err)
	}
	first := w.Current()

	check := func(step string, wantChanged, wantErr bool) {
		t.Helper()
		changed, err := w.Check(ctx)
		if changed != wantChanged || (err != nil) != wantErr {
			t.Fatalf("%s: Check = %v, %v; want changed %v, error %v", step, changed, err, wantChanged, wantErr)
		}
	}

	check("unchanged file", false, false)
	if c, e := rec.counts(); c != 0 || e != 0 {
		t.Fatalf("callbacks on an unchanged file: %d changes, %d errors", c, e)
	}

	// A comment changes the bytes but not the policy.
	write(t, path, "# reviewed\n"+baseTiers)
	check("comment only", false, false)

	// A valid change swaps the policy and says so.
	write(t, path, strings.Replace(baseTiers, "approvers: 2", "approvers: 3", 1))
	check("valid change", true, false)
	second := w.Current()
	if second.Requirement("drain_store", RiskHigh).Approvers != 3 {
		t.Fatalf("Current after a valid change still needs %d approvers", second.Requirement("drain_store", RiskHigh).Approvers)
	}
	if len(rec.changes) != 1 || rec.changes[0][0] != first || rec.changes[0][1] != second {
		t.Fatalf("OnChange calls = %v, want one (first -> second)", rec.changes)
	}

	// An invalid change keeps the policy and reports every problem with
	// the file name and position; OnChange is not called.
	write(t, path, strings.Replace(strings.Replace(baseTiers, "approvers: 2", "approvers: 1", 1), "expire-after: 30m", "expire-after: soon", 1))
	check("invalid change", false, true)
	if w.Current() != second {
		t.Fatal("an invalid file replaced the policy in force")
	}
	c, e := rec.counts()
	if c != 1 || e != 1 {
		t.Fatalf("after an invalid change: %d changes, %d errors; want 1, 1", c, e)
	}
	msg := rec.errs[0].Error()
	for _, want := range []string{"keeping the one in force", path + ":7:19: tiers.low.expire-after", path + ":14:16: tiers.high.approvers"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	var ps Problems
	if !errors.As(rec.errs[0], &ps) || len(ps) != 2 || ps[0].Source != path {
		t.Errorf("reported error does not unwrap to the file's 2 problems: %#v", ps)
	}

	// The same bad file is reported once, but Err keeps saying it.
	check("same invalid file", false, false)
	if _, e := rec.counts(); e != 1 {
		t.Errorf("the same problem was reported %d times", e)
	}
	if w.Err() == nil {
		t.Error("Err is nil while the file is invalid")
	}

	// A missing file is an error too; the policy stays.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	check("missing file", false, true)
	if w.Current() != second {
		t.Fatal("a missing file replaced the policy in force")
	}
	if _, e := rec.counts(); e != 2 || !errors.Is(rec.errs[1], os.ErrNotExist) {
		t.Errorf("missing file: errors %v", rec.errs)
	}

	// Putting back the policy in force clears the error without a change.
	write(t, path, strings.Replace(baseTiers, "approvers: 2", "approvers: 3", 1))
	check("restored", false, false)
	if w.Err() != nil || w.Current() != second {
		t.Errorf("after restoring: Err %v, policy swapped %v", w.Err(), w.Current() != second)
	}
	if c, _ := rec.counts(); c != 1 {
		t.Errorf("restoring the same policy called OnChange")
	}
}

func TestNewWatcherRefusesBadStart(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewWatcher(WatchConfig{Path: filepath.Join(dir, "none.yaml"), Known: registry}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	path := filepath.Join(dir, "bad.yaml")
	write(t, path, "tiers: {}\n")
	_, err := NewWatcher(WatchConfig{Path: path, Known: registry})
	if err == nil || !strings.Contains(err.Error(), path+":1:1: tiers: missing tiers low, medium, high") {
		t.Errorf("invalid file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	write(t, big, baseTiers+"# "+strings.Repeat("x", MaxFileSize)+"\n")
	if _, err := NewWatcher(WatchConfig{Path: big, Known: registry}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
}

func TestWatcherCheckCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, baseTiers)
	w, err := NewWatcher(WatchConfig{Path: path, Known: registry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Check(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Check on a cancelled context = %v", err)
	}
}

// Run checks on each tick it is given; the test owns the ticks, so nothing
// sleeps. Readers calling Current while the policy swaps see either the
// old or the new policy, never a torn one (run with -race).
func TestWatcherRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, baseTiers)
	changed := make(chan *Policy, 1)
	w, err := NewWatcher(WatchConfig{Path: path, Known: registry, OnChange: func(_, new *Policy) { changed <- new }})
	if err != nil {
		t.Fatal(err)
	}
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(context.Background(), ticks)
	}()

	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if n := w.Current().Requirement("drain_store", RiskHigh).Approvers; n != 2 && n != 4 {
					t.Errorf("reader saw %d approvers", n)
					return
				}
			}
		}()
	}

	ticks <- time.Time{} // unchanged: nothing happens
	write(t, path, strings.Replace(baseTiers, "approvers: 2", "approvers: 4", 1))
	ticks <- time.Time{}
	p := <-changed
	if p.Requirement("drain_store", RiskHigh).Approvers != 4 || w.Current() != p {
		t.Errorf("after the tick: Current needs %d approvers", w.Current().Requirement("drain_store", RiskHigh).Approvers)
	}
	close(stop)
	readers.Wait()
	close(ticks)
	<-done // Run returns when its ticks end
}
