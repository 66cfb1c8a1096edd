package pdsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// route is one path with its handlers by method. Paths use ServeMux
// patterns; the method is dispatched here so a known path with the wrong
// method answers PD's bare 405 (empty body, no Content-Type), not ServeMux's.
type route struct {
	methods map[string]http.HandlerFunc
}

// Server is the HTTP face of a Cluster.
type Server struct {
	c       *Cluster
	mux     *http.ServeMux
	routes  map[string]*route
	metrics http.Handler
	// listenURL is advertised in /members, /health and /config.
	listenURL string
	sleep     func(time.Duration)
	once      sync.Once
	// writes logs every state-changing request PD answered.
	writes requestLog
}

// NewServer wraps a cluster in PD's HTTP API. listenURL (e.g.
// "http://127.0.0.1:2379") is what the API reports as PD's client URL.
func NewServer(c *Cluster, listenURL string) *Server {
	s := &Server{c: c, mux: http.NewServeMux(), routes: map[string]*route{}, listenURL: listenURL, sleep: time.Sleep}
	s.registerRoutes()
	s.metrics = s.metricsHandler()
	return s
}

// Cluster returns the simulated cluster behind the server.
func (s *Server) Cluster() *Cluster { return s.c }

func (s *Server) handle(method, pattern string, h http.HandlerFunc) {
	r := s.routes[pattern]
	if r == nil {
		r = &route{methods: map[string]http.HandlerFunc{}}
		s.routes[pattern] = r
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, req *http.Request) {
			if h, ok := r.methods[req.Method]; ok {
				h(w, req)
				return
			}
			if req.Method == http.MethodOptions {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusMethodNotAllowed)
		})
	}
	r.methods[method] = h
}

// ServeHTTP applies PD-level faults, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE")
	h.Set("Access-Control-Allow-Headers", "accept, content-type, authorization")
	// PD's net/http stamps its own clock on every answer; pdsim's clock is
	// the simulated one.
	h.Set("Date", s.c.clock.Now().UTC().Format(http.TimeFormat))
	if req.URL.Path == "/metrics" {
		s.c.Sync()
		s.metrics.ServeHTTP(w, req)
		return
	}
	if isSimPath(req.URL.Path) {
		s.mux.ServeHTTP(w, req)
		return
	}
	if isWrite(req.Method) {
		rec := &statusRecorder{ResponseWriter: w}
		w = rec
		defer func() {
			s.writes.add(Request{At: s.c.clock.Now().UTC(), Method: req.Method, Path: req.URL.RequestURI(), Status: rec.status})
		}()
	}
	s.c.mu.Lock()
	f := s.c.faults
	if s.c.faults.errorsLeft > 0 {
		s.c.faults.errorsLeft--
	}
	s.c.mu.Unlock()
	if f.slow > 0 {
		// net/http only notices a client that gave up once the body is read,
		// so read it first: a slowed write whose client left is dropped.
		body, _ := io.ReadAll(io.LimitReader(req.Body, 16<<20))
		req.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(f.slow):
		case <-req.Context().Done():
			return
		}
	}
	if f.failing() {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.errorStatus)
		io.WriteString(w, "[PD:server:ErrServerNotStarted]server not started")
		return
	}
	if f.truncate {
		tw := &truncatingWriter{ResponseWriter: w}
		s.mux.ServeHTTP(tw, req)
		tw.flushHalf()
		return
	}
	s.mux.ServeHTTP(w, req)
}

func isSimPath(p string) bool { return len(p) >= 10 && p[:10] == "/pdsim/v1/" }

// truncatingWriter sends only the first half of a body and then breaks the
// connection, like a PD that dies mid-response.
type truncatingWriter struct {
	http.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (t *truncatingWriter) WriteHeader(code int) { t.status = code }
func (t *truncatingWriter) Write(b []byte) (int, error) {
	return t.buf.Write(b)
}

func (t *truncatingWriter) flushHalf() {
	body := t.buf.Bytes()
	t.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.ResponseWriter.WriteHeader(t.status)
	t.ResponseWriter.Write(body[:len(body)/2])
	// Put the half body on the wire before dropping the connection; without
	// the flush net/http would discard a small response entirely.
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}

const (
	ctJSON  = "application/json; charset=UTF-8"
	ctOctet = "application/octet-stream"
	ctGin   = "application/json; charset=utf-8"
)

// writeJSON answers like PD's v1 handlers: indented, trailing newline.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = 500, []byte(strconv.Quote(err.Error()))
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", ctJSON)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeErr answers an error as PD does: a bare JSON string.
func writeErr(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeJSON(w, ae.status, ae.msg)
		return
	}
	writeJSON(w, 500, err.Error())
}

// writeInputErr answers PD's errcode form: {"code":"input","msg","data"}.
func writeInputErr(w http.ResponseWriter, err error) {
	w.Header().Set("Tidb-Error-Code", "input")
	var data any = struct{}{}
	switch err.(type) {
	case *json.SyntaxError, *json.UnmarshalTypeError:
		data = err
	}
	writeJSON(w, 400, map[string]any{"code": "input", "msg": err.Error(), "data": data})
}

// writeOctet answers like PD's region endpoints: compact JSON served as
// application/octet-stream, no trailing newline.
func writeOctet(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", ctOctet)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(200)
	w.Write(b)
}

// writeGin answers like PD's v2 (gin) handlers: compact, lower-case charset.
func writeGin(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", ctGin)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// read runs f under the read lock after bringing the model up to date.
func (s *Server) read(f func(c *Cluster)) {
	s.c.Sync()
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	f(s.c)
}

// write runs f under the write lock after bringing the model up to date.
func (s *Server) write(f func(c *Cluster)) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.catchUp()
	f(s.c)
}

var errNotBootstrapped = errStatus(500, "[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first")

// needsCluster wraps handlers that PD refuses before bootstrap.
func (s *Server) needsCluster(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.c.mu.RLock()
		ok := s.c.bootstrapped
		s.c.mu.RUnlock()
		if !ok {
			writeErr(w, errNotBootstrapped)
			return
		}
		h(w, r)
	}
}

// readBody decodes a JSON body the way PD's shared reader does: a body that
// is not JSON is an errcode input error.
func readBody(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
