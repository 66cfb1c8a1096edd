package pd

import (
	"strings"
	"testing"
)

// A paged check list reports the total as count; a page of 16 must not
// allocate room for the total (29,999 regions cost 8.6 MB a cycle before).
func TestPagedRegionListSizesForThePage(t *testing.T) {
	body := `{"count":1000000,"regions":[{"id":9,"start_key":"","end_key":"","epoch":{"conf_ver":1,"version":1},"peers":[],"leader":{"role_name":"Voter"}}]}`
	var paged, full RegionsInfo
	if err := regionPageInto(&paged, 16)(strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if cap(paged.Regions) > 16 || len(paged.Regions) != 1 || paged.Count != 1000000 {
		t.Fatalf("paged: cap %d len %d count %d", cap(paged.Regions), len(paged.Regions), paged.Count)
	}
	if err := regionsInto(&full)(strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if cap(full.Regions) != 1000000 {
		t.Fatalf("unpaged list should preallocate from count: cap %d", cap(full.Regions))
	}
}
