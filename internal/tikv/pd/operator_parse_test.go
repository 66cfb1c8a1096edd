package pd

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseOperatorStatus(t *testing.T) {
	const transferLeader = `admin-transfer-leader {transfer leader: store 4 to 5} (kind:admin,leader, region:281(1, 1), createAt:2026-11-24 21:11:12.040064397 +0000 UTC m=+149.016070424, startAt:2026-11-24 21:11:12.040072089 +0000 UTC m=+149.016078116, currentStep:0, size:96, steps:[0:{transfer leader from store 4 to store 5}], timeout:[1m0s])`
	tests := []struct {
		name string
		in   string
		want OperatorDetail
	}{{
		name: "running transfer-leader",
		in:   "status: RUNNING, operator: " + transferLeader,
		want: OperatorDetail{
			State: OperatorRunning, StateWord: "RUNNING",
			Desc: "admin-transfer-leader", Brief: "transfer leader: store 4 to 5",
			Kind: OpAdmin | OpLeader, KindNames: []string{"admin", "leader"},
			RegionID: 281, Epoch: RegionEpoch{Version: 1, ConfVer: 1},
			CreateAt:    mustTime(t, "2026-11-24T21:11:12.040064397Z"),
			StartAt:     mustTime(t, "2026-11-24T21:11:12.040072089Z"),
			CurrentStep: 0, Size: 96,
			Steps:   []string{"transfer leader from store 4 to store 5"},
			Timeout: time.Minute,
		},
	}, {
		name: "timed-out split, epoch is (version, conf_ver)",
		in:   `status: TIMEOUT, operator: admin-split-region {split: region 1049 use policy USEKEY and keys [7480000000000000FF015F728000000000FF000103FF00000000FB00]} (kind:admin, region:1049(1, 7), createAt:2026-11-24 21:16:42.448876463 +0000 UTC m=+479.424882490, startAt:2026-11-24 21:16:42.448882973 +0000 UTC m=+479.424889000, currentStep:0, size:96, steps:[0:{split region with policy USEKEY}], timeout:[1m0s]) timeout`,
		want: OperatorDetail{
			State: OperatorTimeout, StateWord: "TIMEOUT",
			Desc: "admin-split-region", Brief: "split: region 1049 use policy USEKEY and keys [7480000000000000FF015F728000000000FF000103FF00000000FB00]",
			Kind: OpAdmin, KindNames: []string{"admin"},
			RegionID: 1049, Epoch: RegionEpoch{Version: 1, ConfVer: 7},
			CreateAt: mustTime(t, "2026-11-24T21:16:42.448876463Z"),
			StartAt:  mustTime(t, "2026-11-24T21:16:42.448882973Z"),
			Size:     96, Steps: []string{"split region with policy USEKEY"},
			Timeout: time.Minute, TimedOut: true,
		},
	}, {
		name: "joint-consensus steps contain commas; hours in the timeout",
		in:   `status: SUCCESS, operator: balance-region-scheduler {mv peer: store [2] to [5]} (kind:region, region:1009(1, 1), createAt:2026-11-24 21:12:14.946581974 +0000 UTC m=+211.922588001, startAt:2026-11-24 21:12:14.946603447 +0000 UTC m=+211.922609474, currentStep:4, size:96, steps:[0:{add learner peer 2259 on store 5}, 1:{use joint consensus, promote learner peer 2259 on store 5 to voter, demote voter peer 1007 on store 2 to learner}, 2:{leave joint state, promote learner peer 2259 on store 5 to voter, demote voter peer 1007 on store 2 to learner}, 3:{remove peer on store 2}], timeout:[10h28m15s]) finished`,
		want: OperatorDetail{
			State: OperatorSuccess, StateWord: "SUCCESS",
			Desc: "balance-region-scheduler", Brief: "mv peer: store [2] to [5]",
			Kind: OpRegion, KindNames: []string{"region"},
			RegionID: 1009, Epoch: RegionEpoch{Version: 1, ConfVer: 1},
			CreateAt:    mustTime(t, "2026-11-24T21:12:14.946581974Z"),
			StartAt:     mustTime(t, "2026-11-24T21:12:14.946603447Z"),
			CurrentStep: 4, Size: 96,
			Steps: []string{
				"add learner peer 2259 on store 5",
				"use joint consensus, promote learner peer 2259 on store 5 to voter, demote voter peer 1007 on store 2 to learner",
				"leave joint state, promote learner peer 2259 on store 5 to voter, demote voter peer 1007 on store 2 to learner",
				"remove peer on store 2",
			},
			Timeout: 10*time.Hour + 28*time.Minute + 15*time.Second, Finished: true,
		},
	}, {
		name: "created but not started: numeric status word, zero startAt, non-UTC zone",
		in:   `status: 5, operator: replace-rule-down-peer {mv peer: store [2] to [1]} (kind:replica,region,witness-leader, region:7(3, 9), createAt:2026-11-25 05:30:00.5 +0800 CST m=+1.5, startAt:0001-01-01 00:00:00 +0000 UTC, currentStep:0, size:1, steps:[0:{add learner peer 9 on store 1}], timeout:[17m0s])`,
		want: OperatorDetail{
			State: OperatorStateUnknown, StateWord: "5",
			Desc: "replace-rule-down-peer", Brief: "mv peer: store [2] to [1]",
			Kind: OpReplica | OpRegion | OpWitnessLeader, KindNames: []string{"replica", "region", "witness-leader"},
			RegionID: 7, Epoch: RegionEpoch{Version: 3, ConfVer: 9},
			CreateAt: mustTime(t, "2026-11-24T21:30:00.5Z"),
			Size:     1, Steps: []string{"add learner peer 9 on store 1"},
			Timeout: 17 * time.Minute,
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOperatorStatus(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Raw = tc.in
			if !got.CreateAt.Equal(tc.want.CreateAt) || !got.StartAt.Equal(tc.want.StartAt) {
				t.Errorf("times %v / %v, want %v / %v", got.CreateAt, got.StartAt, tc.want.CreateAt, tc.want.StartAt)
			}
			got.CreateAt, got.StartAt = tc.want.CreateAt, tc.want.StartAt
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseOperatorRecord(t *testing.T) {
	in := `shuffle-leader-scheduler {transfer leader: store 3 to 4} (kind:admin,leader, region:637(1, 7), createAt:2026-11-24 21:18:38.809615089 +0000 UTC m=+595.785621116, startAt:2026-11-24 21:18:38.809640737 +0000 UTC m=+595.785646764, currentStep:1, size:96, steps:[0:{transfer leader from store 3 to store 4}], timeout:[1m0s]) finished (finishAt:2026-11-24 21:18:38.936835155 +0000 UTC m=+595.912841182, duration:127.194418ms)`
	d, err := ParseOperatorString(in)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != OperatorSuccess || !d.Finished || d.StateWord != "" {
		t.Errorf("state %v finished %v word %q", d.State, d.Finished, d.StateWord)
	}
	if !d.FinishAt.Equal(mustTime(t, "2026-11-24T21:18:38.936835155Z")) || d.Elapsed != 127194418*time.Nanosecond {
		t.Errorf("finishAt %v elapsed %v", d.FinishAt, d.Elapsed)
	}
	if d.CurrentStep != len(d.Steps) {
		t.Errorf("a finished operator has currentStep %d of %d steps", d.CurrentStep, len(d.Steps))
	}
}

func TestParseOperatorRejects(t *testing.T) {
	bad := []string{
		"",
		"status: RUNNING",
		"operator not found",
		"[PD:operator:ErrOperatorNotFound]operator not found",
		"x {y} (kind:admin, region:1(1, 1), createAt:bogus, startAt:, currentStep:0, size:1, steps:[], timeout:[1m0s])",
		"x {y} (kind:admin, region:1, createAt:2026-11-24 21:18:38 +0000 UTC, startAt:2026-11-24 21:18:38 +0000 UTC, currentStep:0, size:1, steps:[], timeout:[1m0s])",
		"x {y} (kind:admin, region:1(1, 1), createAt:2026-11-24 21:18:38 +0000 UTC, startAt:2026-11-24 21:18:38 +0000 UTC, currentStep:0, size:1, steps:[0:{a], timeout:[1m0s])",
		"x {y} (kind:admin, region:1(1, 1), createAt:2026-11-24 21:18:38 +0000 UTC, startAt:2026-11-24 21:18:38 +0000 UTC, currentStep:0, size:1, steps:[], timeout:[1m0s]) and more",
	}
	for _, s := range bad {
		if _, err := ParseOperatorString(s); err == nil {
			t.Errorf("ParseOperatorString(%q) succeeded", s)
		}
	}
	if _, err := ParseOperatorStatus("admin-x {y} (kind:admin)"); err == nil || !strings.Contains(err.Error(), "status") {
		t.Errorf("missing prefix: %v", err)
	}
}

// operatorTexts collects every operator text in the fixtures: from the
// GET /operators* answers and from the TIMELINE_operator__* polls.
func operatorTexts(t *testing.T) (withStatus, plain []string) {
	for _, fx := range loadFixtures(t) {
		if fx.Status != 200 || !strings.HasPrefix(fx.Name, "GET_operators") || strings.Contains(fx.Path, "object") {
			continue
		}
		body := fx.responseBody(t)
		if strings.TrimSpace(string(body)) == "null" {
			continue // a ?kind= filter that matched nothing
		}
		var one string
		if json.Unmarshal(body, &one) == nil {
			withStatus = append(withStatus, one)
			continue
		}
		var list []string
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("%s: %v", fx.Name, err)
		}
		plain = append(plain, list...)
	}
	for name, tl := range loadTimelines(t) {
		for _, e := range tl.StatusTimeline {
			var s string
			if err := json.Unmarshal(e.Body, &s); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if e.Status == 200 {
				withStatus = append(withStatus, s)
			}
		}
		for _, w := range tl.RegionWatchAfter {
			if w.OperatorStatus != "" {
				withStatus = append(withStatus, w.OperatorStatus)
			}
		}
	}
	return withStatus, plain
}

func TestParseEveryFixtureOperator(t *testing.T) {
	withStatus, plain := operatorTexts(t)
	if len(withStatus) < 40 || len(plain) < 40 {
		t.Fatalf("found only %d status and %d list texts in the fixtures", len(withStatus), len(plain))
	}
	check := func(s string, d OperatorDetail) {
		t.Helper()
		switch {
		case d.Raw != s, d.Desc == "", d.Brief == "", d.RegionID == 0, d.Epoch.Version == 0, d.Epoch.ConfVer == 0,
			d.Kind == 0, len(d.Steps) == 0, d.CurrentStep < 0, d.CurrentStep > len(d.Steps),
			d.Timeout <= 0, d.CreateAt.IsZero(), d.Size <= 0:
			t.Errorf("implausible parse of %q: %+v", s, d)
		}
		if d.Finished != strings.Contains(s, ") finished") || d.TimedOut != strings.Contains(s, ") timeout") {
			t.Errorf("suffix flags wrong for %q", s)
		}
		if strings.Contains(s, "finishAt:") && (d.FinishAt.IsZero() || d.Elapsed <= 0) {
			t.Errorf("record times missing for %q", s)
		}
		if d.Finished && d.CurrentStep != len(d.Steps) {
			t.Errorf("finished but currentStep %d of %d: %q", d.CurrentStep, len(d.Steps), s)
		}
	}
	for _, s := range withStatus {
		d, err := ParseOperatorStatus(s)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		check(s, d)
		if d.State == OperatorStateUnknown {
			t.Errorf("unknown status word %q", d.StateWord)
		}
	}
	for _, s := range plain {
		d, err := ParseOperatorString(s)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		check(s, d)
	}
}

// TestParsedOperatorsMatchObjects cross-checks the text parser with PD's
// own structured form: each ?object fixture was captured together with a
// list fixture of the same moment.
func TestParsedOperatorsMatchObjects(t *testing.T) {
	byName := map[string]fixture{}
	for _, fx := range loadFixtures(t) {
		byName[fx.Name] = fx
	}
	matched := 0
	for name, fx := range byName {
		if !strings.HasPrefix(name, "GET_operators__object") || fx.Status != 200 {
			continue
		}
		listName := strings.Replace(name, "GET_operators__object__", "GET_operators__", 1)
		if name == "GET_operators__object" {
			listName = "GET_operators"
		}
		list, ok := byName[listName]
		if !ok {
			continue
		}
		var objs []OperatorObject
		var texts []string
		if err := json.Unmarshal(fx.responseBody(t), &objs); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(list.responseBody(t), &texts); err != nil {
			t.Fatal(err)
		}
		parsed := map[[2]string]OperatorDetail{}
		for _, s := range texts {
			d, err := ParseOperatorString(s)
			if err != nil {
				t.Fatal(err)
			}
			parsed[[2]string{d.RegionID.String(), d.Desc}] = d
		}
		for _, o := range objs {
			d, ok := parsed[[2]string{o.RegionID.String(), o.Desc}]
			if !ok {
				continue // the two answers were a moment apart
			}
			matched++
			if d.Kind != o.Kind || d.Epoch != o.RegionEpoch || d.Brief != o.Brief || d.Timeout != o.Timeout.D() {
				t.Errorf("%s region %d: text says kind %v epoch %+v timeout %v brief %q; object says kind %v epoch %+v timeout %v brief %q",
					name, o.RegionID, d.Kind, d.Epoch, d.Timeout, d.Brief, o.Kind, o.RegionEpoch, o.Timeout, o.Brief)
			}
		}
	}
	t.Logf("%d operators matched between text and object fixtures", matched)
	if matched < 10 {
		t.Fatalf("only %d operators matched between text and object fixtures", matched)
	}
}

func FuzzParseOperatorString(f *testing.F) {
	f.Add(`status: RUNNING, operator: admin-transfer-leader {transfer leader: store 4 to 5} (kind:admin,leader, region:281(1, 1), createAt:2026-11-24 21:11:12.040064397 +0000 UTC m=+149.016070424, startAt:2026-11-24 21:11:12.040072089 +0000 UTC m=+149.016078116, currentStep:0, size:96, steps:[0:{transfer leader from store 4 to store 5}], timeout:[1m0s])`)
	f.Add(`x {y} (kind:, region:1(1, 1), createAt:0001-01-01 00:00:00 +0000 UTC, startAt:0001-01-01 00:00:00 +0000 UTC, currentStep:0, size:0, steps:[0:{a{b}c}, 1:{}], timeout:[0s]) finished (finishAt:2026-11-24 21:18:38 +0000 UTC, duration:1s)`)
	f.Add(`a {b} (kind:admin, region:1(1, 1), createAt:, startAt:, currentStep:, size:, steps:[0:{], timeout:[)`)
	f.Add("status: , operator:  { (kind:, region:(, ), createAt:, startAt:, currentStep:, size:, steps:[], timeout:[])")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (OperatorDetail, error){ParseOperatorString, ParseOperatorStatus} {
			d, err := parse(s)
			if err != nil {
				continue
			}
			if d.Raw != s {
				t.Fatalf("Raw %q != input %q", d.Raw, s)
			}
			if d.CurrentStep < 0 && !strings.Contains(s, "currentStep:-") {
				t.Fatalf("negative step from %q", s)
			}
		}
	})
}
