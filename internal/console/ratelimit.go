package console

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Login guessing is slowed per client address: after loginFailures
// failed logins within loginWindow, further attempts from the address are
// answered 429 until the oldest failure is a window old. Tokens are 256
// random bits, so this is not what keeps them safe; it keeps a script
// from hammering the state store and the log.
const (
	loginFailures = 5
	loginWindow   = time.Minute
	// loginClients bounds the table: past it, clients whose failures
	// have all aged out are dropped, then an arbitrary one.
	loginClients = 10000
)

// loginLimiter counts failed logins per client address. The address is
// the connection's: X-Forwarded-For is the client's to write, so behind
// a proxy every client shares the proxy's budget.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time // oldest first, at most loginFailures
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{failures: map[string][]time.Time{}} }

// clientAddr is the request's client IP, without the port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// blocked reports whether addr has used up its failures, and how long
// until it may try again.
func (l *loginLimiter) blocked(addr string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := recent(l.failures[addr], now)
	if len(fs) < loginFailures {
		return 0, false
	}
	return fs[0].Add(loginWindow).Sub(now), true
}

// fail records a failed login from addr.
func (l *loginLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := append(recent(l.failures[addr], now), now)
	if len(fs) > loginFailures {
		fs = fs[len(fs)-loginFailures:]
	}
	if _, ok := l.failures[addr]; !ok && len(l.failures) >= loginClients {
		l.pruneLocked(now)
	}
	l.failures[addr] = fs
}

// succeed forgets addr's failures: a person who mistyped and then got
// it right starts afresh.
func (l *loginLimiter) succeed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, addr)
}

func (l *loginLimiter) pruneLocked(now time.Time) {
	for k, fs := range l.failures {
		if len(recent(fs, now)) == 0 {
			delete(l.failures, k)
		}
	}
	for k := range l.failures {
		if len(l.failures) < loginClients {
			break
		}
		delete(l.failures, k)
	}
}

// recent is the failures within the window before now.
func recent(fs []time.Time, now time.Time) []time.Time {
	for len(fs) > 0 && now.Sub(fs[0]) >= loginWindow {
		fs = fs[1:]
	}
	return fs
}
