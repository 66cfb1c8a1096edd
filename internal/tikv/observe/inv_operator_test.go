package observe

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

func tracked(region pd.RegionID, desc string, timeout, age time.Duration) TrackedOperator {
	return TrackedOperator{
		OperatorObject: pd.OperatorObject{
			Desc: desc, Brief: "transfer leader: store 1 to 2", RegionID: region,
			Kind: pd.OpAdmin | pd.OpLeader, Timeout: pd.Duration(timeout), Status: pd.OpStatusStarted,
		},
		FirstSeen: t0.Add(-age),
	}
}

func TestOperatorStuck(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		ops  []TrackedOperator
		want []string
	}{
		{name: "transfer-leader at 29s of 1m", ops: []TrackedOperator{tracked(42, "admin-transfer-leader", time.Minute, 29*time.Second)}},
		{name: "transfer-leader at half its timeout", ops: []TrackedOperator{tracked(42, "admin-transfer-leader", time.Minute, 30*time.Second)},
			want: []string{"operator-stuck/desc=admin-transfer-leader,region=42"}},
		{name: "merge under half of 43m", ops: []TrackedOperator{tracked(7, "merge-region", 43*time.Minute, 21*time.Minute)}},
		{name: "merge at half of 43m", ops: []TrackedOperator{tracked(7, "merge-region", 43*time.Minute, 21*time.Minute+30*time.Second)},
			want: []string{"operator-stuck/desc=merge-region,region=7"}},
		{name: "no timeout: the absolute limit only", ops: []TrackedOperator{tracked(7, "x", 0, 29*time.Minute), tracked(8, "x", 0, 30*time.Minute)},
			want: []string{"operator-stuck/desc=x,region=8"}},
		{name: "long timeout: the absolute limit first", ops: []TrackedOperator{tracked(7, "x", 2*time.Hour, 30*time.Minute)},
			want: []string{"operator-stuck/desc=x,region=7"}},
		{name: "capped, oldest first", cfg: Config{MaxStuckOperators: 2},
			ops:  []TrackedOperator{tracked(1, "a", time.Minute, 40*time.Second), tracked(2, "a", time.Minute, 50*time.Second), tracked(3, "a", time.Minute, 45*time.Second)},
			want: []string{"operator-stuck/desc=a,region=2", "operator-stuck/desc=a,region=3"}},
		{name: "fraction configurable", cfg: Config{OperatorStuckFraction: 0.9},
			ops: []TrackedOperator{tracked(42, "admin-transfer-leader", time.Minute, 50*time.Second)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := runCheck(t, tc.cfg, InvOperatorStuck, &Data{Operators: tc.ops}, t0)
			sameKeys(t, tc.name, vs, tc.want...)
		})
	}
	vs := runCheck(t, Config{}, InvOperatorStuck, &Data{Operators: []TrackedOperator{tracked(42, "admin-transfer-leader", time.Minute, 35*time.Second)}}, t0)
	want := "operator admin-transfer-leader on region 42 (transfer leader: store 1 to 2) has been running for at least 35s, 58% of its 1m0s timeout"
	if len(vs) != 1 || vs[0].Summary != want {
		t.Errorf("summary %v\nwant %q", vs, want)
	}
}
