package pd

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

// replayErrorKinds is, for every error fixture the client can reproduce,
// the kind the client must report. ErrInvalidArgument means the client must
// refuse the call without sending anything (PD rejected it too, or worse).
var replayErrorKinds = map[string]*ErrorKind{
	// Refused locally.
	"GET_regions_store_1__unknown_type":                 ErrInvalidArgument, // would wedge PD (README 6.2)
	"GET_regions_check_bogus__unknown":                  ErrInvalidArgument,
	"GET_stores_check__state_bad":                       ErrInvalidArgument,
	"GET_stores__state_99":                              ErrInvalidArgument,
	"GET_store_0__zero":                                 ErrInvalidArgument,
	"GET_stores_progress__action_bogus":                 ErrInvalidArgument,
	"POST_store_1_state__Tombstone":                     ErrInvalidArgument,
	"POST_operators__missing_region_id":                 ErrInvalidArgument,
	"POST_operators__transfer-leader__missing_to_store": ErrInvalidArgument,
	"POST_operators__split-region__missing_policy":      ErrInvalidArgument,
	"POST_operators__split-region__bad_policy":          ErrInvalidArgument,
	"POST_operators__split-region__usekey_bad_hex":      ErrInvalidArgument,
	"POST_schedulers__evict-leader_missing_store_id":    ErrInvalidArgument,
	"POST_schedulers__missing_name":                     ErrInvalidArgument,
	"POST_config_schedule__bad_leader_policy":           ErrInvalidArgument,
	"POST_config_schedule__out_of_range_ratio":          ErrInvalidArgument,

	// Sent; PD says no.
	"DELETE_store_3__not_enough_stores":               ErrBadRequest,
	"POST_store_3_state__Offline__not_enough_stores":  ErrBadRequest,
	"POST_schedulers__unknown_name":                   ErrBadRequest,
	"POST_schedulers__balance-leader_exists":          ErrConflict, // 400 ErrSchedulerExisted
	"POST_schedulers__grant-leader_unknown_store":     ErrNotFound, // 400 ErrStoreNotFound
	"POST_store_2_state__Up__physically_destroyed":    ErrGone,     // 400 ErrStoreDestroyed
	"DELETE_schedulers_NAME__missing":                 ErrNotFound,
	"DELETE_schedulers_NAME__per_store_missing":       ErrNotFound, // 404 with body null
	"DELETE_schedulers_NAME__unknown":                 ErrNotFound,
	"DELETE_store_999__missing":                       ErrNotFound,
	"POST_store_999_state__missing_store":             ErrNotFound,
	"GET_store_5__after_remove_tombstone":             ErrNotFound,
	"GET_store_999__missing":                          ErrNotFound,
	"GET_region_id_999999__missing":                   ErrNotFound,
	"GET_region_id_N__merged_away":                    ErrNotFound,
	"GET_regions_sibling_999999__missing":             ErrNotFound,
	"GET_stores_progress__action_preparing":           ErrNotFound,
	"GET_stores_progress__id_1_not_removing":          ErrNotFound,
	"GET_stores_progress__id_5_done":                  ErrNotFound,
	"GET_v2_maintenance_TYPE__none":                   ErrNotFound,
	"DELETE_v2_maintenance_TYPE_ID__none":             ErrNotFound,
	"DELETE_v2_maintenance_TYPE_ID__wrong_id":         ErrConflict,
	"PUT_v2_maintenance_TYPE_ID__conflict":            ErrConflict,
	"PUT_v2_maintenance_TYPE_ID__other_type_conflict": ErrConflict,
	"DELETE_store_5__tombstone":                       ErrGone,
	"POST_store_5_state__Offline__tombstone":          ErrGone,
	"POST_store_5_state__Up__tombstone":               ErrGone,
	// PD's 500s that mean "not found".
	"GET_operators_999999__missing":                   ErrNotFound,
	"GET_operators_REGION__record_expired":            ErrNotFound,
	"DELETE_operators_999999__missing":                ErrNotFound,
	"DELETE_operators_REGION__none_running":           ErrNotFound,
	"GET_checker_bogus__unknown":                      ErrNotFound,
	"POST_checker_bogus__unknown":                     ErrNotFound,
	"POST_schedulers_NAME__pause_unknown":             ErrNotFound,
	"POST_operators__add-peer__missing_region":        ErrNotFound,
	"POST_operators__add-peer__missing_store":         ErrNotFound,
	"POST_operators__transfer-leader__missing_region": ErrNotFound,
	// PD's 500s that mean "busy".
	"POST_operators__second_admin_split_same_region": ErrConflict,
	"POST_operators__second_operator_same_region":    ErrConflict,
	// Before bootstrap.
	"GET_operators__not_bootstrapped":     ErrNotBootstrapped,
	"GET_region_id_2__not_bootstrapped":   ErrNotBootstrapped,
	"GET_regions__not_bootstrapped":       ErrNotBootstrapped,
	"GET_regions_count__not_bootstrapped": ErrNotBootstrapped,
	"GET_schedulers__not_bootstrapped":    ErrNotBootstrapped,
	"GET_store_1__not_bootstrapped":       ErrNotBootstrapped,
	"GET_stores__not_bootstrapped":        ErrNotBootstrapped,
	// Other 500s.
	"POST_config_schedule__high_gt_low_ratio":             ErrInternal,
	"POST_operators__add-learner__store_already_has_peer": ErrInternal,
	"POST_operators__add-peer__store_already_has_peer":    ErrInternal,
	"POST_operators__merge-region__not_adjacent":          ErrInternal,
	"POST_operators__remove-peer__store_has_no_peer":      ErrInternal,
	"POST_operators__transfer-leader__target_has_no_peer": ErrInternal,
	"POST_operators__transfer-leader__to_current_leader":  ErrInternal,
	"POST_operators__transfer-region__without_peer_roles": ErrInternal,
}

// replayErrorsAsSuccess are error answers that mean "empty list".
var replayErrorsAsSuccess = map[string]any{
	"GET_operators_records__from_future": []OperatorDetail{},  // 500 ErrOperatorNotFound = no records
	"GET_v2_maintenance__none":           []MaintenanceTask{}, // 404 = no task
	"GET_v2_maintenance__after_delete":   []MaintenanceTask{},
}

func TestFixtureReplay(t *testing.T) {
	fixtures := loadFixtures(t)
	claimed := map[string]bool{}
	var skipped []string
	for _, fx := range fixtures {
		rc, reason := route(fx)
		if reason != "" {
			skipped = append(skipped, fx.Name+": "+reason)
			continue
		}
		claimed[fx.Name] = true
		t.Run(fx.Name, func(t *testing.T) { replayOne(t, fx, rc) })
	}
	for name := range replayErrorKinds {
		if !claimed[name] {
			t.Errorf("expectation for %s, which is not replayed (renamed fixture or route?)", name)
		}
	}
	for name := range replayErrorsAsSuccess {
		if !claimed[name] {
			t.Errorf("expectation for %s, which is not replayed", name)
		}
	}
	t.Logf("replayed %d of %d fixtures; not expressible through the typed API: %d", len(claimed), len(fixtures), len(skipped))
	for _, s := range skipped {
		t.Logf("  not replayed: %s", s)
	}
	if len(claimed) < 250 {
		t.Errorf("only %d fixtures replayed; the routing has lost coverage", len(claimed))
	}
}

func replayOne(t *testing.T, fx fixture, rc replayCall) {
	var hits atomic.Int32
	srv := fixtureServer(t, fx, &hits)
	c, err := New(Config{Endpoint: srv.URL, ReadAttempts: 1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := rc.run(c, context.Background())

	if want, ok := replayErrorsAsSuccess[fx.Name]; ok {
		if err != nil {
			t.Fatalf("want %#v, got error %v", want, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
		return
	}

	if fx.Status >= 200 && fx.Status <= 299 {
		if err != nil {
			t.Fatalf("PD answered %d but the client failed: %v", fx.Status, err)
		}
		if hits.Load() != 1 {
			t.Errorf("server hit %d times, want 1", hits.Load())
		}
		if si, ok := got.(*StoresInfo); ok {
			// The replay server's Date header is now, not the capture's.
			if si.ServerTime.IsZero() {
				t.Errorf("GetStores did not read PD's clock from the Date header")
			}
			si.ServerTime = time.Time{}
		}
		if rc.want != nil {
			want := rc.want(t, fx)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("typed result differs from the fixture body\n got: %+v\nwant: %+v", got, want)
			}
		}
		return
	}

	wantKind, ok := replayErrorKinds[fx.Name]
	if !ok {
		t.Fatalf("no expected error kind for %s (status %d, %q): add it to replayErrorKinds", fx.Name, fx.Status, fixtureMessage(t, fx))
	}
	if err == nil {
		t.Fatalf("PD answered %d but the client reported success", fx.Status)
	}
	if wantKind == ErrInvalidArgument {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("want a local refusal (ErrInvalidArgument), got %v", err)
		}
		if hits.Load() != 0 {
			t.Fatalf("refused call still reached PD (%d requests)", hits.Load())
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *pd.Error, got %T: %v", err, err)
	}
	if e.Status != fx.Status {
		t.Errorf("Status = %d, want %d", e.Status, fx.Status)
	}
	if e.Kind != wantKind || !errors.Is(err, wantKind) {
		t.Errorf("Kind = %v, want %v (%v)", e.Kind, wantKind, err)
	}
	if want := fixtureMessage(t, fx); e.Message != want {
		t.Errorf("Message = %q, want PD's %q", e.Message, want)
	}
	if want := pdCode(fixtureMessage(t, fx)); e.Code != want {
		t.Errorf("Code = %q, want %q", e.Code, want)
	}
	if e.Method != fx.Method || e.Path != fx.Path && e.Path+"=" != fx.Path {
		t.Errorf("error names %s %s, want %s %s", e.Method, e.Path, fx.Method, fx.Path)
	}
	if hits.Load() != 1 {
		t.Errorf("server hit %d times, want 1", hits.Load())
	}
	if wantKind == ErrConflict && fx.Status == 409 && e.Existing == nil {
		t.Errorf("v2 conflict without Existing task: %v", err)
	}
}
