package pd

import (
	"bytes"
	"testing"
)

// FuzzDecodeBodies feeds arbitrary bytes to every decoder of PD answers and
// error bodies: they must fail cleanly, never panic.
func FuzzDecodeBodies(f *testing.F) {
	for _, s := range []string{
		`{"count":1,"regions":[{"id":1,"peers":[{"id":2,"store_id":3}]}]}`,
		`{"count":300,"regions":null}`,
		`{"store":{"id":1,"last_heartbeat":1795554612336753593},"status":{"capacity":"1TiB","uptime":"1h"}}`,
		`"[PD:core:ErrStoreNotFound]store 999 not found"`,
		`{"code":"input","msg":"x","data":{"Offset":3}}`,
		`{"error":"busy","existing_task":{"type":"t","id":"i","start_timestamp":1}}`,
		`["status: RUNNING, operator: x"]`,
		`null`, `[`, `{"regions":[`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var regions RegionsInfo
		_ = regionsInto(&regions)(bytes.NewReader(body))
		var store StoreInfo
		_ = into(&store)(bytes.NewReader(body))
		var cfg ScheduleConfig
		_ = into(&cfg)(bytes.NewReader(body))
		var ops []OperatorDetail
		_ = operatorStrings(&ops, func(*OperatorDetail) {})(bytes.NewReader(body))
		msg, _, _ := errorBody(body)
		_ = classify(500, pdCode(msg))
		_, _ = (&limitedBody{r: bytes.NewReader(body), left: 3, max: 3}).Read(make([]byte, 8))
	})
}
