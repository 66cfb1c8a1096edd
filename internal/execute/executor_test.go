package execute

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/ticket"
)

func executing() Config { return Config{Execute: true, RecoveryWindow: 2 * time.Minute} }

// The whole path: approve, queue, intent, submit, running, finished,
// verified, ticket resolved, completed; every step audited and the chain
// intact, the outcome on the ticket.
func TestRunCompletesAndIsAudited(t *testing.T) {
	var told []notify.Message
	cfg := executing()
	cfg.Notify = func(_ context.Context, m notify.Message) { told = append(told, m) }
	e := newEnv(t, cfg)
	r := e.propose()
	if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "looks right"); err != nil {
		t.Fatal(err)
	}
	e.once() // queued
	e.wantState(r.ID, action.Queued)
	e.once() // executing + submitted
	e.wantState(r.ID, action.Executing)
	if e.driver.submits != 1 || e.driver.acquires != 1 {
		t.Fatalf("submits %d acquires %d, want 1 and 1", e.driver.submits, e.driver.acquires)
	}
	e.once() // observe: running
	e.wantState(r.ID, action.Executing)
	e.once() // observe: finished
	e.wantState(r.ID, action.Verifying)
	e.once() // verified, ticket still open: waits
	e.wantState(r.ID, action.Verifying)
	e.resolveTicket()
	e.once()
	done := e.wantState(r.ID, action.Completed)
	if !strings.Contains(done.Outcome, "leader on store 2") || !strings.Contains(done.Outcome, "resolved") {
		t.Errorf("outcome %q", done.Outcome)
	}
	if e.driver.submits != 1 || e.driver.releases != 1 {
		t.Errorf("submits %d releases %d, want 1 and 1", e.driver.submits, e.driver.releases)
	}
	want := []action.State{action.Approved, action.Queued, action.Executing, action.Verifying, action.Completed}
	if got := e.states(r.ID); !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
	recs := e.verifyAudit()
	var kinds []string
	for _, rec := range recs {
		kinds = append(kinds, rec.Kind)
	}
	wantKinds := []string{audit.KindProposal, audit.KindApproval, audit.KindTransition, audit.KindTransition, audit.KindTransition,
		audit.KindPDCall, audit.KindTransition, audit.KindOutcome, audit.KindPDCall}
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("audit kinds %v, want %v", kinds, wantKinds)
	}
	// The executing record carries the intent with its before snapshot.
	if intent, ok := recs[4].Data["data"].(map[string]any)["intent"].(map[string]any); !ok || intent["call"] != "POST /operators transfer_leader" {
		t.Errorf("executing record data = %v", recs[4].Data)
	}
	// A routine success is only for the digest.
	if len(told) != 1 || told[0].Tier != notify.Routine || told[0].Kind != "outcome" {
		t.Errorf("notifications %+v, want one routine outcome", told)
	}
	evs, err := e.st.Events(t.Context(), e.ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Kind != ticket.EventNote || !strings.Contains(last.Message, "completed") {
		t.Errorf("last ticket event %+v, want the run's outcome", last)
	}
}

// A verified change whose ticket does not clear completes after the
// recovery window, saying so.
func TestRunCompletesSayingTheProblemRemains(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	for range 4 {
		e.once()
	}
	e.wantState(r.ID, action.Verifying)
	e.clock.add(3 * time.Minute)
	e.once()
	if got := e.wantState(r.ID, action.Completed); !strings.Contains(got.Outcome, "has not cleared") {
		t.Errorf("outcome %q", got.Outcome)
	}
}

func TestObserveOnlyRefusesApproval(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.propose()
	_, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	if !errors.Is(err, ErrObserveOnly) || !strings.Contains(err.Error(), "actions.mode") {
		t.Fatalf("Approve in observe mode = %v", err)
	}
	e.wantState(r.ID, action.Proposed)
	// The dry run still works.
	if _, res, err := e.ex.DryRun(t.Context(), r.ID); err != nil || !res.Valid {
		t.Fatalf("DryRun = %+v, %v", res, err)
	}
	e.once()
	if e.driver.submits != 0 {
		t.Fatal("observe-only submitted")
	}
}

// A crash after the intent was recorded and before the call: the next
// process observes, finds nothing, and says "did not run"; it never
// submits.
func TestCrashBeforeSubmitSaysDidNotRun(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.once()
	crash := errors.New("crash")
	e.ex.SetStepHook(func(step string, _ action.Run) {
		if step == StepExecuting {
			panic(crash)
		}
	})
	func() {
		defer func() {
			if recover() != crash {
				t.Fatal("the hook did not fire")
			}
		}()
		e.ex.Once(t.Context())
	}()
	e.wantState(r.ID, action.Executing)
	// Restart: a new executor on the same file.
	e.driver.phases = []action.Phase{action.PhaseNotRun}
	e.open()
	e.once()
	got := e.wantState(r.ID, action.Failed)
	if !strings.HasPrefix(got.Outcome, "did not run") {
		t.Errorf("outcome %q", got.Outcome)
	}
	// Each process recovers once at its start; the second found the run.
	if e.driver.submits != 0 || e.driver.recovers != 2 || !slices.Equal(e.driver.recovered[1], []action.ID{r.ID}) {
		t.Errorf("submits %d recovers %v; want 0, and the restart recovering run %d", e.driver.submits, e.driver.recovered, r.ID)
	}
	e.verifyAudit()
}

// A crash after the submission: the next process finds it running and
// follows it to the end; still one submission.
func TestCrashAfterSubmitContinues(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.once()
	e.ex.SetStepHook(func(step string, _ action.Run) {
		if step == StepSubmitted {
			panic("crash")
		}
	})
	func() {
		defer func() { recover() }()
		e.ex.Once(t.Context())
	}()
	e.open()
	e.resolveTicket()
	for range 4 {
		e.once()
	}
	e.wantState(r.ID, action.Completed)
	if e.driver.submits != 1 {
		t.Fatalf("%d submissions, want 1", e.driver.submits)
	}
}

// Unknown after a restart: "may have run", said explicitly.
func TestForgottenRunSaysMayHaveRun(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.once()
	e.once()
	e.driver.phases = []action.Phase{action.PhaseUnknown}
	e.open()
	e.once()
	if got := e.wantState(r.ID, action.Failed); !strings.HasPrefix(got.Outcome, "may have run") {
		t.Errorf("outcome %q", got.Outcome)
	}
}

func TestKillSwitchStopsEverything(t *testing.T) {
	var told []notify.Message
	cfg := executing()
	cfg.Notify = func(_ context.Context, m notify.Message) { told = append(told, m) }
	e := newEnv(t, cfg)
	running := e.propose()
	e.ex.Approve(t.Context(), running.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.once()
	e.once() // executing
	waiting := e.propose()
	e.ex.Approve(t.Context(), waiting.ID, Approver{Name: "alice", Role: "approver"}, "")
	ks, ids, err := e.ex.SetKillSwitch(t.Context(), true, "bob", "incident 7")
	if err != nil || !ks.On {
		t.Fatalf("SetKillSwitch = %+v, %v", ks, err)
	}
	if !slices.Equal(ids, []action.ID{running.ID, waiting.ID}) {
		t.Errorf("cancelled %v", ids)
	}
	e.wantState(running.ID, action.Cancelled)
	e.wantState(waiting.ID, action.Cancelled)
	if len(told) == 0 || told[len(told)-1].Kind != "kill-switch" || told[len(told)-1].Tier != notify.Critical {
		t.Errorf("the kill switch was not announced: %+v", told)
	}
	if e.driver.cancels != 1 || e.driver.releases != 1 {
		t.Errorf("cancels %d releases %d, want 1 and 1", e.driver.cancels, e.driver.releases)
	}
	// Persisted: a restart keeps it on, approvals are refused.
	e.open()
	third := e.propose()
	if _, err := e.ex.Approve(t.Context(), third.ID, Approver{Name: "alice", Role: "approver"}, ""); !errors.Is(err, ErrKillSwitch) || !strings.Contains(err.Error(), "incident 7") {
		t.Fatalf("Approve under the kill switch = %v", err)
	}
	if _, _, err := e.ex.SetKillSwitch(t.Context(), false, "bob", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ex.Approve(t.Context(), third.ID, Approver{Name: "alice", Role: "approver"}, ""); err != nil {
		t.Fatalf("Approve after the kill switch is off: %v", err)
	}
}

func TestRefusalsBeforeAnythingRuns(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		setup func(*fakeDriver)
		want  string
	}{
		{"blast radius", Config{Execute: true, Limits: Limits{MaxRegions: 10}}, func(f *fakeDriver) {
			f.preflight.Blast = &action.Blast{Stores: 1, Regions: 11}
		}, "touches 11 regions, more than actions.max-regions (10)"},
		{"maintenance lock held", executing(), func(f *fakeDriver) {
			f.acquireErr = errors.Join(action.ErrRefused, errors.New("PD's maintenance lock is held by br/backup-3 since 12:00"))
		}, "did not run: refused\nPD's maintenance lock is held by br/backup-3"},
		{"cluster refuses the call", executing(), func(f *fakeDriver) {
			f.submitErr = errors.New("PD answered 400: region has no leader")
			f.phases = []action.Phase{action.PhaseNotRun}
		}, "did not run: the cluster refused it: PD answered 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			r := e.propose()
			if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, ""); err != nil {
				t.Fatal(err)
			}
			tt.setup(e.driver)
			for range 3 {
				e.once()
			}
			got := e.wantState(r.ID, action.Failed)
			if !strings.Contains(got.Outcome, tt.want) {
				t.Errorf("outcome %q, want it to contain %q", got.Outcome, tt.want)
			}
			if tt.name != "cluster refuses the call" && e.driver.submits != 0 {
				t.Errorf("%d submissions", e.driver.submits)
			}
		})
	}
}

func TestApprovalNeedsAPassingPreflight(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.driver.preflight = action.DryRunResult{Valid: false, Message: "store 99 does not exist"}
	if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, ""); !errors.Is(err, ErrPreflight) || !strings.Contains(err.Error(), "store 99") {
		t.Fatalf("Approve = %v", err)
	}
	e.wantState(r.ID, action.Proposed)
}

func TestTimeoutCancelsTheChange(t *testing.T) {
	e := newEnv(t, executing())
	e.driver.phases = []action.Phase{action.PhaseRunning}
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.once()
	e.once()
	e.clock.add(61 * time.Second)
	e.once()
	if got := e.wantState(r.ID, action.TimedOut); !strings.Contains(got.Outcome, "1m0s timeout") {
		t.Errorf("outcome %q", got.Outcome)
	}
	if e.driver.cancels != 1 {
		t.Errorf("%d cancels", e.driver.cancels)
	}
}

func TestOneAtATime(t *testing.T) {
	e := newEnv(t, executing())
	e.driver.phases = []action.Phase{action.PhaseRunning}
	a, b := e.propose(), e.propose()
	e.ex.Approve(t.Context(), a.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.ex.Approve(t.Context(), b.ID, Approver{Name: "alice", Role: "approver"}, "")
	for range 5 {
		e.once()
	}
	e.wantState(a.ID, action.Executing)
	e.wantState(b.ID, action.Approved)
	if e.driver.submits != 1 {
		t.Fatalf("%d submissions while one runs", e.driver.submits)
	}
}

func TestHumanOperations(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	if _, err := e.ex.Reject(t.Context(), r.ID, "alice", ""); err == nil {
		t.Fatal("a rejection without a reason was accepted")
	}
	if _, err := e.ex.Cancel(t.Context(), r.ID, "alice", ""); !errors.Is(err, ErrState) {
		t.Fatalf("cancel of a proposal = %v", err)
	}
	if got, err := e.ex.Reject(t.Context(), r.ID, "alice", "wrong store"); err != nil || got.State != action.Rejected {
		t.Fatalf("Reject = %+v, %v", got, err)
	}
	if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, ""); !errors.Is(err, ErrState) {
		t.Fatalf("approving a rejected run = %v", err)
	}
	q := e.propose()
	e.ex.Approve(t.Context(), q.ID, Approver{Name: "alice", Role: "approver"}, "")
	if got, err := e.ex.Cancel(t.Context(), q.ID, "bob", "not now"); err != nil || got.State != action.Cancelled {
		t.Fatalf("Cancel = %+v, %v", got, err)
	}
}

func TestProposalsExpire(t *testing.T) {
	e := newEnv(t, Config{ProposalTTL: time.Hour})
	r := e.propose()
	e.clock.add(59 * time.Minute)
	e.once()
	e.wantState(r.ID, action.Proposed)
	e.clock.add(2 * time.Minute)
	e.once()
	e.wantState(r.ID, action.Expired)
}

// A run left executing by a process that could execute is not touched by
// one in observe-only mode: no recovery, no observation, no cancel, even
// under the kill switch.
func TestObserveOnlyNeverTouchesTheCluster(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.once()
	e.once()
	e.wantState(r.ID, action.Executing)
	recovers, releases := e.driver.recovers, e.driver.releases
	e.cfg = Config{}
	e.open()
	e.once()
	if _, _, err := e.ex.SetKillSwitch(t.Context(), true, "bob", "stop"); err != nil {
		t.Fatal(err)
	}
	e.once()
	e.wantState(r.ID, action.Executing)
	if e.driver.recovers != recovers || e.driver.cancels != 0 || e.driver.releases != releases || e.driver.submits != 1 {
		t.Fatalf("observe mode touched the cluster: recovers %d, cancels %d, releases %d, submits %d",
			e.driver.recovers, e.driver.cancels, e.driver.releases, e.driver.submits)
	}
}

func TestProposalExpiresWhenItsTicketResolves(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.propose()
	e.once()
	e.wantState(r.ID, action.Proposed)
	e.resolveTicket()
	e.once()
	if got := e.wantState(r.ID, action.Expired); !strings.Contains(got.Outcome, "resolved before anyone approved it") {
		t.Errorf("outcome %q", got.Outcome)
	}
}

func TestApprovalRefusedOverTheBlastRadius(t *testing.T) {
	e := newEnv(t, Config{Execute: true, Limits: Limits{MaxBytes: 1 << 30}})
	e.driver.preflight.Blast = &action.Blast{Stores: 4, Regions: 20000, Bytes: 2 << 40}
	r := e.propose()
	if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, ""); !errors.Is(err, ErrPreflight) || !strings.Contains(err.Error(), "actions.max-bytes") {
		t.Fatalf("Approve over the limit = %v", err)
	}
	e.wantState(r.ID, action.Proposed)
}
