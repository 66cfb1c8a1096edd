package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/operator-dev/operator/internal/testenv"
)

// Server is a running throwaway PostgreSQL: trust authentication for the
// superuser "postgres", fsync off (a crash loses it; nothing here needs to
// survive one).
type Server struct {
	bin     string // the binaries' directory
	base    string // data/, sock/ and the log live here; removed on Stop
	port    int
	version int // server_version_num: 150004 for 15.4
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postmaster has exited
	waitErr error         // its exit status, once exited is closed
	logPath string
	acct    *account
}

// Start runs a server for one test and stops it when the test ends,
// showing its log if the test failed.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := BinDir()
	if err != nil {
		testenv.Missing(t, "%s", missingHint)
		return nil
	}
	s, err := start(bin)
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("PostgreSQL log:\n%s", s.Log())
		}
		if err := s.Stop(); err != nil {
			t.Errorf("stop PostgreSQL: %v", err)
		}
	})
	return s
}

// start initializes a cluster and starts it, retrying on another port if
// the one it picked was taken in the meantime.
func start(bin string) (*Server, error) {
	acct, err := runAs()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 {
		s, err := startOnce(bin, acct)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "could not create any TCP/IP sockets") {
			break
		}
	}
	return nil, lastErr
}

func startOnce(bin string, acct *account) (_ *Server, err error) {
	// A short base in the system temp dir, not t.TempDir(): the socket
	// path must stay under the unix limit (~107 bytes), and when running as
	// root the postgres user must be able to reach it (t.TempDir's parent
	// is private to root).
	base, err := os.MkdirTemp(shortTempDir(), "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("make a directory for PostgreSQL: %w", err)
	}
	s := &Server{bin: bin, base: base, logPath: filepath.Join(base, "postgres.log"), exited: make(chan struct{}), acct: acct}
	defer func() {
		if err != nil {
			os.RemoveAll(base)
		}
	}()
	sock := s.SocketDir()
	if err := os.Mkdir(sock, 0o700); err != nil {
		return nil, fmt.Errorf("make socket directory: %w", err)
	}
	if err := acct.own(base, sock); err != nil {
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", s.dataDir(), "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = acct.sysProcAttr()
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb %s: %w\n%s", s.dataDir(), err, out)
	}
	if s.port, err = freePort(); err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	if err := s.launch(); err != nil {
		return nil, err
	}
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop() //nolint:errcheck // the readiness error is the one to report
		return nil, fmt.Errorf("%w\n%s", err, s.Log())
	}
	if s.version, err = s.serverVersion(); err != nil {
		s.Stop() //nolint:errcheck // as above
		return nil, err
	}
	return s, nil
}

// launch starts the postmaster on the initialized data directory, its
// output appended to the log.
func (s *Server) launch() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open PostgreSQL log: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor
	s.exited = make(chan struct{})
	s.cmd = exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.dataDir(),
		"-h", "127.0.0.1", "-p", fmt.Sprint(s.port), "-k", s.SocketDir(),
		// fsync off: nothing here must survive the host crashing. Commits
		// still reach the kernel before they are acknowledged
		// (synchronous_commit on, a write without the fsync), so a killed
		// or restarted server loses no committed transaction: Restart
		// depends on it.
		"-c", "fsync=off", "-c", "synchronous_commit=on", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB", "-c", "log_min_messages=warning")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = s.acct.sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := s.exited
	go func() {
		s.waitErr = s.cmd.Wait()
		close(exited)
	}()
	return nil
}

// Restart stops the server the hard way (SIGQUIT: every backend exits at
// once, open transactions are lost, as when the host or the process dies)
// and starts it again on the same data, port and socket: what a client
// sees when its database restarts under it.
func (s *Server) Restart() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return errors.New("pgtest: restart a server that is not running")
	}
	s.cmd.Process.Signal(syscall.SIGQUIT) //nolint:errcheck // exited is what is waited on
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		return errors.New("pgtest: postgres did not exit within 30s of SIGQUIT")
	}
	if err := s.launch(); err != nil {
		return err
	}
	return s.waitReady(30 * time.Second)
}

func (s *Server) serverVersion() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return 0, fmt.Errorf("connect to read the server version: %w", err)
	}
	defer conn.Close(context.Background())
	var v int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the server version: %w", err)
	}
	return v, nil
}

// waitReady polls until the server accepts a connection, it exits, or the
// deadline passes.
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgconn.Connect(ctx, s.DSN("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited before accepting connections: %v", s.waitErr)
		case <-deadline.C:
			return fmt.Errorf("postgres did not accept connections within %v: %w", limit, err)
		case <-tick.C:
		}
	}
}

// Stop shuts the server down (fast shutdown: connections are closed,
// nothing is waited for) and removes its files. It is safe to call twice.
func (s *Server) Stop() error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(syscall.SIGINT) //nolint:errcheck // exited is what is waited on
			select {
			case <-s.exited:
			case <-time.After(30 * time.Second):
				s.cmd.Process.Kill() //nolint:errcheck // as above
				<-s.exited
				err = errors.New("postgres did not stop within 30s of SIGINT; killed it")
			}
		}
	}
	if rerr := os.RemoveAll(s.base); rerr != nil {
		err = errors.Join(err, fmt.Errorf("remove %s: %w", s.base, rerr))
	}
	return err
}

// DSN is a URL for database db over TCP as the superuser.
func (s *Server) DSN(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: fmt.Sprintf("127.0.0.1:%d", s.port),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// SocketDSN is a URL for database db over the unix socket.
func (s *Server) SocketDSN(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + db,
		RawQuery: url.Values{"host": {s.SocketDir()}, "port": {fmt.Sprint(s.port)}}.Encode()}
	return u.String()
}

// Port is the loopback TCP port.
func (s *Server) Port() int { return s.port }

// SocketDir holds the server's unix socket (.s.PGSQL.<port>).
func (s *Server) SocketDir() string { return filepath.Join(s.base, "sock") }

func (s *Server) dataDir() string { return filepath.Join(s.base, "data") }

// Log returns what the server wrote so far (its last 16 KiB).
func (s *Server) Log() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(b) > 16<<10 {
		b = b[len(b)-16<<10:]
	}
	return string(b)
}

// shortTempDir is the system temp dir, or /tmp when that path is so long
// the socket path would not fit.
func shortTempDir() string {
	if d := os.TempDir(); len(d) <= 40 {
		return d
	}
	return "/tmp"
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
