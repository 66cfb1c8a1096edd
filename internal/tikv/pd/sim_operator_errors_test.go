package pd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimOperatorCancel(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	must(t, "create", e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, followerStore(t, r))))
	must(t, "cancel", e.pd.CancelOperator(e.ctx(), r.ID))
	op := e.operatorOf(r.ID)
	if op.State != pd.OperatorCancel || op.StateWord != "CANCEL" || op.Finished {
		t.Fatalf("after cancel: %+v", op)
	}
	e.advance(2 * time.Second)
	if got := e.region(r.ID); got.Leader.StoreID != r.Leader.StoreID {
		t.Errorf("canceled transfer still moved the leader to store %d", got.Leader.StoreID)
	}
	err := e.pd.CancelOperator(e.ctx(), r.ID)
	pe := wantPDError(t, "cancel again", err, pd.ErrNotFound)
	if pe.Code != "PD:operator:ErrOperatorNotFound" || pe.Status != 500 {
		t.Errorf("cancel again: %+v", pe)
	}
}

func TestSimOperatorConflict(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	must(t, "first", e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, followerStore(t, r))))
	sib, err := e.pd.GetRegionSiblings(e.ctx(), r.ID)
	must(t, "siblings", err)
	for _, req := range []pd.OperatorRequest{
		pd.AddPeer(r.ID, freeStore(t, r, 5)),
		pd.TransferLeader(r.ID, followerStore(t, r)),
		pd.SplitRegion(r.ID, pd.SplitScan),
		pd.MergeRegion(sib.Regions[0].ID, r.ID), // the target is busy
	} {
		before := e.requests.Load()
		err := e.pd.CreateOperator(e.ctx(), req)
		pe := wantPDError(t, req.String(), err, pd.ErrConflict)
		if pe.Code != "PD:operator:ErrAddOperator" || pe.Status != 500 || pe.Attempts != 1 || pe.Op != req.String() {
			t.Errorf("%s: %+v", req, pe)
		}
		if n := e.requests.Load() - before; n != 1 {
			t.Errorf("%s: %d requests sent, want 1", req, n)
		}
	}
	if op := e.operatorOf(r.ID); op.Desc != "admin-transfer-leader" || op.State != pd.OperatorRunning {
		t.Errorf("the first operator was disturbed: %s", op.Raw)
	}
}

func TestSimOperatorRefusals(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	free, leader, follower := freeStore(t, r, 5), r.Leader.StoreID, followerStore(t, r)
	far := e.allRegions()[10]
	for _, tc := range []struct {
		req  pd.OperatorRequest
		kind *pd.ErrorKind
		code string
		msg  string // PD's message, verbatim
	}{
		{pd.TransferLeader(999999, 1), pd.ErrNotFound, "PD:region:ErrRegionNotFound", "[PD:region:ErrRegionNotFound]region 999999 not found"},
		{pd.AddPeer(999999, 1), pd.ErrNotFound, "PD:region:ErrRegionNotFound", ""},
		{pd.RemovePeer(999999, 1), pd.ErrNotFound, "PD:region:ErrRegionNotFound", ""},
		{pd.SplitRegion(999999, pd.SplitApproximate), pd.ErrNotFound, "PD:region:ErrRegionNotFound", ""},
		{pd.MergeRegion(999999, r.ID), pd.ErrNotFound, "PD:region:ErrRegionNotFound", ""},
		{pd.AddPeer(r.ID, 99), pd.ErrNotFound, "PD:core:ErrStoreNotFound", "[PD:core:ErrStoreNotFound]store 99 not found"},
		{pd.AddLearner(r.ID, 99), pd.ErrNotFound, "PD:core:ErrStoreNotFound", ""},
		{pd.TransferPeer(r.ID, follower, 99), pd.ErrNotFound, "PD:core:ErrStoreNotFound", ""},
		{pd.TransferLeader(r.ID, leader), pd.ErrInternal, "", "no operator step is built"},
		{pd.TransferLeader(r.ID, free), pd.ErrInternal, "", fmt.Sprintf("region has no voter in store %d", free)},
		{pd.AddPeer(r.ID, follower), pd.ErrInternal, "", fmt.Sprintf("region already has peer in store %d", follower)},
		{pd.RemovePeer(r.ID, free), pd.ErrInternal, "", fmt.Sprintf("region has no peer in store %d", free)},
		{pd.MergeRegion(r.ID, far.ID), pd.ErrInternal, "PD:region:ErrRegionNotAdjacent", "[PD:region:ErrRegionNotAdjacent]two regions are not adjacent"},
	} {
		err := e.pd.CreateOperator(e.ctx(), tc.req)
		pe := wantPDError(t, tc.req.String(), err, tc.kind)
		if pe.Code != tc.code || pe.Status != 500 || (tc.msg != "" && pe.Message != tc.msg) {
			t.Errorf("%s: code %q status %d message %q; want code %q message %q", tc.req, pe.Code, pe.Status, pe.Message, tc.code, tc.msg)
		}
		if !strings.Contains(err.Error(), pe.Message) || !strings.Contains(err.Error(), "/pd/api/v1/operators") {
			t.Errorf("%s: error text %q lacks the message or the path", tc.req, err)
		}
	}
	// Nothing was created by any of them.
	admin, err := e.pd.GetOperators(e.ctx(), pd.FilterAdmin)
	must(t, "admin operators", err)
	if len(admin) != 0 {
		t.Errorf("refused requests left operators: %+v", admin)
	}
	_, err = e.pd.GetOperator(e.ctx(), r.ID)
	wantPDError(t, "operator of an untouched region", err, pd.ErrNotFound)

	// Requests the client itself refuses never reach PD.
	before := e.requests.Load()
	for _, req := range []pd.OperatorRequest{
		{}, pd.TransferLeader(0, 1), pd.TransferPeer(r.ID, 2, 2), pd.MergeRegion(r.ID, r.ID),
		pd.SplitRegion(r.ID, pd.SplitUseKey), pd.SplitRegion(r.ID, pd.SplitScan, "00"), pd.SplitRegion(r.ID, pd.SplitUseKey, "zz"),
	} {
		wantKind(t, req.String(), e.pd.CreateOperator(e.ctx(), req), pd.ErrInvalidArgument)
	}
	if n := e.requests.Load() - before; n != 0 {
		t.Errorf("invalid requests sent %d requests", n)
	}
}

func TestSimOperatorRecords(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	none, err := e.pd.GetOperatorRecords(e.ctx(), time.Time{})
	must(t, "records before any operator", err)
	if len(none) != 0 {
		t.Fatalf("records at start: %+v", none)
	}
	var regions []pd.RegionID
	for i := 0; i < 3; i++ {
		r := e.pickRegion(regions...)
		regions = append(regions, r.ID)
		must(t, "create", e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, followerStore(t, r))))
	}
	e.advance(5 * time.Second)
	for _, from := range []time.Time{{}, simStart} {
		recs, err := e.pd.GetOperatorRecords(e.ctx(), from)
		must(t, "records", err)
		got := map[pd.RegionID]pd.OperatorDetail{}
		for _, rec := range recs {
			got[rec.RegionID] = rec
		}
		for _, id := range regions {
			rec, ok := got[id]
			if !ok {
				t.Fatalf("from %v: no record for region %d in %+v", from, id, recs)
			}
			if rec.Desc != "admin-transfer-leader" || rec.State != pd.OperatorSuccess || rec.FinishAt.IsZero() ||
				rec.FinishAt.Before(rec.CreateAt) || rec.Elapsed <= 0 || rec.Elapsed > 5*time.Second {
				t.Errorf("record of region %d: %+v", id, rec)
			}
		}
	}
	later, err := e.pd.GetOperatorRecords(e.ctx(), simStart.Add(time.Hour))
	must(t, "records from the future", err)
	if len(later) != 0 {
		t.Errorf("records from an hour ahead: %+v", later)
	}
	// PD forgets a record about ten minutes after the operator ended.
	e.advance(12 * time.Minute)
	_, err = e.pd.GetOperator(e.ctx(), regions[0])
	wantPDError(t, "expired record", err, pd.ErrNotFound)
	gone, err := e.pd.GetOperatorRecords(e.ctx(), time.Time{})
	must(t, "records after expiry", err)
	if len(gone) != 0 {
		t.Errorf("records after 12 minutes: %+v", gone)
	}
}
