package pd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ErrorKind classifies a failure. The values are the sentinels below; test
// with errors.Is(err, pd.ErrNotFound) or compare (*Error).Kind directly.
type ErrorKind struct{ name string }

func (k *ErrorKind) Error() string { return k.name }

// Error kinds.
var (
	// ErrNotFound: the store, region, operator, scheduler, checker,
	// progress or maintenance task does not exist. Includes PD's 500s whose
	// code names a *NotFound error (GET /operators/{region} with no operator).
	ErrNotFound = &ErrorKind{"not found"}
	// ErrConflict: something is in the way: the region already has an
	// operator ([PD:operator:ErrAddOperator], a 500), the scheduler exists,
	// another maintenance task holds the lock (409).
	ErrConflict = &ErrorKind{"conflict"}
	// ErrBadRequest: PD refused the request as malformed or not allowed in
	// the current state (400, 405).
	ErrBadRequest = &ErrorKind{"bad request"}
	// ErrUnavailable: no usable answer: transport error, timeout, 502/503/504,
	// or PD still starting ([PD:server:ErrServerNotStarted], a 500). Reads
	// are retried on it.
	ErrUnavailable = &ErrorKind{"unavailable"}
	// ErrNotBootstrapped: no TiKV has bootstrapped the cluster yet.
	ErrNotBootstrapped = &ErrorKind{"cluster not bootstrapped"}
	// ErrGone: the store is Tombstone or physically destroyed and can never
	// come back (410, [PD:core:ErrStoreDestroyed]).
	ErrGone = &ErrorKind{"gone"}
	// ErrPermission: 401/403, usually from a proxy in front of PD.
	ErrPermission = &ErrorKind{"permission denied"}
	// ErrInternal: any other PD failure, typically a 500 with a message
	// such as "region has no peer in store 3".
	ErrInternal = &ErrorKind{"internal error"}
	// ErrBadResponse: a success status whose body could not be decoded
	// (garbage, truncated, too large).
	ErrBadResponse = &ErrorKind{"bad response"}

	// ErrInvalidArgument: refused by the client before sending.
	ErrInvalidArgument = &ErrorKind{"invalid argument"}
	// ErrReadOnly: a write on a client built with Config.ReadOnly.
	ErrReadOnly = &ErrorKind{"read-only client"}
)

// Error is a failed PD request.
type Error struct {
	Op     string // what was being done, for writes whose body matters; may be empty
	Method string
	Path   string // path and query as sent
	Status int    // HTTP status; 0 when no response arrived
	Kind   *ErrorKind
	// Code is PD's error code when the message carries one, e.g.
	// "PD:core:ErrStoreNotFound".
	Code string
	// Message is PD's message verbatim: the bare JSON string, the "msg" of a
	// {code,msg,data} object, the "error" of a v2 object, or the raw text.
	Message string
	// Existing is the task holding the lock, on a v2 maintenance conflict.
	Existing *MaintenanceTask
	Attempts int   // how many times the request was sent
	Err      error // the underlying transport or decode error, if any

	plainText bool // the body was not JSON (e.g. a router's 404 page)
	final     bool // retrying cannot help
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pd: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(e.Kind.name)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (%d)", e.Status)
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.Existing != nil {
		fmt.Fprintf(&b, " (held by %s/%s: %q)", e.Existing.Type, e.Existing.ID, e.Existing.Description)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap exposes the kind and the underlying error to errors.Is/As.
func (e *Error) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Client-side refusals.
type refusal struct {
	kind *ErrorKind
	what string
	why  string
}

func (r *refusal) Error() string {
	return fmt.Sprintf("pd: %s: %s: %s", r.what, r.kind.name, r.why)
}

func (r *refusal) Unwrap() error { return r.kind }

func invalid(what, format string, args ...any) error {
	return &refusal{kind: ErrInvalidArgument, what: what, why: fmt.Sprintf(format, args...)}
}

// pdCode extracts "PD:core:ErrStoreNotFound" from "[PD:core:ErrStoreNotFound]store 9 not found".
func pdCode(msg string) string {
	if !strings.HasPrefix(msg, "[PD:") {
		return ""
	}
	end := strings.IndexByte(msg, ']')
	if end < 0 {
		return ""
	}
	code := msg[1:end]
	if strings.ContainsAny(code, " \t\n[") {
		return ""
	}
	return code
}

// classify picks the kind from PD's error code first (PD uses 500 for many
// "not found" and "busy" answers), then from the status.
func classify(status int, code string) *ErrorKind {
	name := code
	if i := strings.LastIndexByte(code, ':'); i >= 0 {
		name = code[i+1:]
	}
	switch {
	case name == "ErrNotBootstrapped":
		return ErrNotBootstrapped
	case name == "ErrServerNotStarted":
		return ErrUnavailable
	case strings.HasSuffix(name, "NotFound"), name == "ErrInvalidStoreID":
		return ErrNotFound
	case name == "ErrAddOperator", name == "ErrSchedulerExisted":
		return ErrConflict
	case name == "ErrStoreRemoved", name == "ErrStoreDestroyed":
		return ErrGone
	}
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnprocessableEntity:
		return ErrBadRequest
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrPermission
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusConflict:
		return ErrConflict
	case http.StatusGone:
		return ErrGone
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return ErrUnavailable
	}
	return ErrInternal
}

// maxMessage bounds the message kept from an error body.
const maxMessage = 4 << 10

// errorBody interprets one of PD's four error body forms: a bare JSON string,
// {"code","msg","data"}, v2's {"error","existing_task"}, or null/empty. Any
// other body is kept as text.
func errorBody(body []byte) (msg string, existing *MaintenanceTask, plainText bool) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" || trimmed == "null" {
		return "", nil, false
	}
	switch trimmed[0] {
	case '"':
		var s string
		if json.Unmarshal([]byte(trimmed), &s) == nil {
			return truncate(s, maxMessage), nil, false
		}
	case '{':
		var obj struct {
			Msg          *string          `json:"msg"`
			Error        *string          `json:"error"`
			ExistingTask *MaintenanceTask `json:"existing_task"`
		}
		if json.Unmarshal([]byte(trimmed), &obj) == nil {
			switch {
			case obj.Msg != nil:
				return truncate(*obj.Msg, maxMessage), obj.ExistingTask, false
			case obj.Error != nil:
				return truncate(*obj.Error, maxMessage), obj.ExistingTask, false
			}
		}
	}
	return truncate(trimmed, maxMessage), nil, !json.Valid([]byte(trimmed))
}
