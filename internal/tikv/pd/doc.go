// Package pd is a typed client for the HTTP API of PD, the Placement Driver
// of a TiKV cluster.
//
// The types mirror PD's own HTTP client and API types (tikv/pd `client/http`
// and `server/api`, plus the `pkg/response` structs those return) field for
// field: the same JSON names, the same omitted-when-zero behaviour, the same
// odd encodings (byte sizes as "996.6GiB", config booleans as "true"/"false"
// strings, durations as Go duration strings). We write our own instead of
// importing PD's `client/http` because that module depends on
// github.com/pingcap/kvproto, which our module proxy does not serve, and
// because we want typed IDs, typed errors and client-side validation that PD's
// client does not have.
//
// The behaviour this package codes against is described, with captured
// responses, in shared/pd/README.md beside the repository. The quirks that
// shape the code:
//
//   - Region endpoints answer Content-Type application/octet-stream with a
//     JSON body; the client never looks at the Content-Type of a success.
//   - Many errors are HTTP 500 with a bare JSON string; "not found" for an
//     operator is a 500. Errors become *Error values with a Kind you can test
//     with errors.Is (pd.ErrNotFound, pd.ErrConflict, ...).
//   - GET /operators and GET /operators/{region} return Go String() output,
//     not objects; ParseOperatorString and ParseOperatorStatus turn it into an
//     OperatorDetail.
//   - Sending an unknown `type` to /regions/store/{id} wedges PD, so every
//     enum-valued parameter is a Go type whose unknown values are refused
//     before anything is sent.
//
// # Two clients, two credentials
//
// The operator talks to PD with two credentials: a read-only one for
// observation and a write one for the executor. Build one Client per
// credential from its own Config. Setting Config.ReadOnly makes the client
// refuse every write locally (ErrReadOnly), so a monitor handed the read-only
// client cannot change the cluster even if PD itself would let it:
//
//	reader, err := pd.New(pd.Config{Endpoint: url, ReadOnly: true,
//		TLS: pd.TLSConfig{CAFile: ca, CertFile: roCert, KeyFile: roKey}})
//	writer, err := pd.New(pd.Config{Endpoint: url,
//		TLS: pd.TLSConfig{CAFile: ca, CertFile: rwCert, KeyFile: rwKey}})
//
// Every method takes a context first and is bounded by Config.Timeout per
// HTTP attempt. Only GET requests are retried (with exponential backoff, on
// transport errors and on answers that mean "PD is not available right now");
// writes are never retried, because PD gives no idempotency keys.
package pd
