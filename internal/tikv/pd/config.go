package pd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config configures one Client. The operator builds two: one with the
// read-only credential (ReadOnly: true) for observation, one with the write
// credential for the executor. Nothing is shared between them.
type Config struct {
	// Endpoint is PD's client URL, e.g. "http://pd-0:2379" or
	// "https://pd.example:2379". A path prefix is kept (for PD behind a
	// proxy); the API paths (/pd/api/v1/...) are appended to it.
	Endpoint string

	// Timeout bounds each HTTP attempt, including reading the body.
	// Default 10s.
	Timeout time.Duration
	// BulkTimeout replaces Timeout for whole-cluster region lists
	// (GetRegions, GetRegionsByStore), which can be hundreds of MiB.
	// Default 2m.
	BulkTimeout time.Duration

	// ReadAttempts is how many times a GET is tried in all (1 = no retry).
	// Default 4. Writes are sent exactly once, whatever this says.
	ReadAttempts int
	// RetryBackoff is the wait before the first retry; it doubles each time
	// up to MaxRetryBackoff, with jitter. Defaults 200ms and 5s.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration

	// MaxBodyBytes caps how much of a success body is read. Default 1 GiB,
	// enough for GET /regions on a cluster of a few million regions.
	MaxBodyBytes int64

	// TLS configures HTTPS and client certificates. Leave empty for http.
	TLS TLSConfig

	// ReadOnly makes every write method fail with ErrReadOnly without
	// sending anything. Set it on the client that holds the read-only
	// credential.
	ReadOnly bool

	// Header is added to every request (e.g. a proxy's Authorization).
	Header http.Header

	// UserAgent defaults to "operator-pd-client".
	UserAgent string
}

// TLSConfig names PEM files. CAFile alone verifies PD; CertFile and KeyFile
// together present a client certificate (PD's cert-allowed-cn).
type TLSConfig struct {
	CAFile     string
	CertFile   string
	KeyFile    string
	ServerName string // overrides the name checked in PD's certificate
}

func (t TLSConfig) empty() bool { return t == TLSConfig{} }

// Defaults for Config.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultBulkTimeout     = 2 * time.Minute
	DefaultReadAttempts    = 4
	DefaultRetryBackoff    = 200 * time.Millisecond
	DefaultMaxRetryBackoff = 5 * time.Second
	DefaultMaxBodyBytes    = 1 << 30
)

// normalize fills defaults and checks the config.
func (c Config) normalize() (Config, *url.URL, error) {
	if c.Endpoint == "" {
		return c, nil, errors.New("pd: config: Endpoint is empty")
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return c, nil, fmt.Errorf("pd: config: Endpoint %q: %w", c.Endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return c, nil, fmt.Errorf("pd: config: Endpoint %q: scheme must be http or https", c.Endpoint)
	}
	if u.Host == "" {
		return c, nil, fmt.Errorf("pd: config: Endpoint %q has no host", c.Endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return c, nil, fmt.Errorf("pd: config: Endpoint %q must not have a query or fragment", c.Endpoint)
	}
	if !c.TLS.empty() && u.Scheme != "https" {
		return c, nil, fmt.Errorf("pd: config: TLS files are set but Endpoint %q is not https", c.Endpoint)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return c, nil, errors.New("pd: config: TLS CertFile and KeyFile must be set together")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""

	if c.Timeout < 0 || c.BulkTimeout < 0 || c.RetryBackoff < 0 || c.MaxRetryBackoff < 0 || c.MaxBodyBytes < 0 || c.ReadAttempts < 0 {
		return c, nil, errors.New("pd: config: durations, sizes and attempts must not be negative")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.BulkTimeout == 0 {
		c.BulkTimeout = DefaultBulkTimeout
	}
	if c.ReadAttempts == 0 {
		c.ReadAttempts = DefaultReadAttempts
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.MaxRetryBackoff == 0 {
		c.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if c.MaxRetryBackoff < c.RetryBackoff {
		c.MaxRetryBackoff = c.RetryBackoff
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.UserAgent == "" {
		c.UserAgent = "operator-pd-client"
	}
	c.Header = c.Header.Clone()
	return c, u, nil
}

// tlsConfig loads the PEM files; nil when TLS is not configured.
func (t TLSConfig) tlsConfig() (*tls.Config, error) {
	if t.empty() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("pd: config: TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("pd: config: TLS CA file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("pd: config: TLS client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
