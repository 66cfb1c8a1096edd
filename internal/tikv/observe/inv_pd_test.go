package observe

import (
	"testing"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

func TestPDUnhealthyAndNoLeader(t *testing.T) {
	healthy := []pd.MemberHealth{{Name: "pd1", Health: true}, {Name: "pd2", Health: true}, {Name: "pd3", Health: true}}
	leader := &pd.Member{Name: "pd1", MemberID: 1}
	cases := []struct {
		name      string
		d         *Data
		unhealthy string // expected summary, "" for none
		noLeader  string
	}{
		{name: "healthy", d: &Data{Health: healthy, Leader: leader, ClusterStatus: &pd.ClusterStatus{IsInitialized: true}}},
		{name: "one member unhealthy", d: &Data{Health: []pd.MemberHealth{{Name: "pd1", Health: true}, {Name: "pd2"}}, Leader: leader},
			unhealthy: "PD is unhealthy: PD member pd2 reports unhealthy"},
		{name: "two members unhealthy", d: &Data{Health: []pd.MemberHealth{{Name: "pd1", Health: true}, {Name: "pd2"}, {Name: "pd3"}}, Leader: leader},
			unhealthy: "PD is unhealthy: 2 of 3 PD members report unhealthy (pd2, pd3)"},
		{name: "no members", d: &Data{Health: []pd.MemberHealth{}, Leader: leader},
			unhealthy: "PD is unhealthy: GET /health lists no PD member"},
		{name: "not bootstrapped", d: &Data{Health: healthy, Leader: leader, ClusterStatus: &pd.ClusterStatus{}},
			unhealthy: "PD is unhealthy: the cluster is not bootstrapped (no TiKV has joined PD)"},
		{name: "leader request failed", d: &Data{Health: healthy, LeaderErr: "pd: GET /pd/api/v1/leader: internal error (500)"},
			noLeader: "PD has no leader: GET /leader failed: pd: GET /pd/api/v1/leader: internal error (500)"},
		{name: "leader empty", d: &Data{Health: healthy, Leader: &pd.Member{}},
			noLeader: "PD has no leader: GET /leader named no member"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct{ inv, want string }{{InvPDUnhealthy, tc.unhealthy}, {InvPDNoLeader, tc.noLeader}} {
				vs := runCheck(t, Config{}, c.inv, tc.d, t0)
				if c.want == "" {
					sameKeys(t, c.inv, vs)
					continue
				}
				sameKeys(t, c.inv, vs, c.inv)
				if len(vs) == 1 && vs[0].Summary != c.want {
					t.Errorf("%s summary %q\nwant %q", c.inv, vs[0].Summary, c.want)
				}
			}
		})
	}
}
