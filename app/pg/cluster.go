// Package pg connects iysgate to PostgreSQL: the private cluster that the
// appliance runs when no DATABASE_URL is given, the connection pool, and the
// migrations of the application and of River.
package pg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServerBinaries is returned when initdb, pg_ctl or postgres cannot be
// found. Its message tells the operator what to do.
var ErrNoServerBinaries = errors.New("PostgreSQL sunucu programları bulunamadı (initdb, pg_ctl, postgres). " +
	"Debian/Ubuntu'da kurmak için: sudo apt-get install postgresql; " +
	"ya da var olan bir sunucu için DATABASE_URL ortam değişkenini verin")

// Cluster is a private PostgreSQL cluster kept in a directory of its own. It
// listens only on a Unix socket inside that directory (no TCP), trusts local
// connections (the directory is the boundary) and is owned by an unprivileged
// system user when iysgate runs as root, because postgres refuses root.
type Cluster struct {
	// Dir holds the cluster: pgdata/ (the data), run/ (the socket) and log.
	Dir string
	// Database is the database iysgate uses inside the cluster.
	Database string

	bin   string              // directory of initdb, pg_ctl, postgres
	cred  *syscall.Credential // nil when we are not root
	owned bool                // true when this process started the server
}

const (
	superuser = "iysgate"
	port      = 5432 // only names the socket file; there is no TCP listener
)

// NewCluster prepares (but does not start) a cluster in dir.
func NewCluster(dir string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// A Unix socket path is limited to 107 bytes on Linux.
	if sock := filepath.Join(abs, "run", ".s.PGSQL.5432"); len(sock) > 100 {
		return nil, fmt.Errorf("veri dizininin yolu çok uzun (%d karakter); PostgreSQL soketi için daha kısa bir IYSGATE_DATA_DIR seçin", len(sock))
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: abs, Database: "iysgate", bin: bin}
	if os.Geteuid() == 0 {
		cred, err := unprivileged()
		if err != nil {
			return nil, err
		}
		c.cred = cred
	}
	return c, nil
}

// findBinaries looks for the server programs on PATH, then under
// /usr/lib/postgresql/*/bin (Debian's layout, newest version first).
func findBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	best, bestVer := "", -1
	for _, m := range matches {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if v > bestVer {
			best, bestVer = filepath.Dir(m), v
		}
	}
	if best == "" {
		return "", ErrNoServerBinaries
	}
	return best, nil
}

// unprivileged returns the credentials of the system user that runs the
// cluster when iysgate itself runs as root.
func unprivileged() (*syscall.Credential, error) {
	name := os.Getenv("IYSGATE_PG_USER")
	if name == "" {
		name = "postgres"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("iysgate root olarak çalışıyor ve PostgreSQL root ile çalışmaz; %q sistem kullanıcısı bulunamadı (IYSGATE_PG_USER ile başka bir kullanıcı verin): %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) dataDir() string   { return filepath.Join(c.Dir, "pgdata") }
func (c *Cluster) socketDir() string { return filepath.Join(c.Dir, "run") }
func (c *Cluster) logFile() string   { return filepath.Join(c.Dir, "postgresql.log") }

// URL is the connection string for the cluster's database.
func (c *Cluster) URL() string {
	return c.urlFor(c.Database)
}

func (c *Cluster) urlFor(db string) string {
	q := url.Values{"host": {c.socketDir()}, "port": {strconv.Itoa(port)}}
	return fmt.Sprintf("postgres://%s@/%s?%s", superuser, db, q.Encode())
}

// Start initialises the cluster on first use, recovers from a stale
// postmaster.pid left by a crash, starts the server unless one is already
// running on this directory, waits until it accepts connections, and creates
// the database. Stop stops the server only if Start started it.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.ensureDirs(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	running, err := c.running()
	if err != nil {
		return err
	}
	if !running {
		if err := c.startServer(ctx); err != nil {
			return err
		}
		c.owned = true
	}
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	return c.createDatabase(ctx)
}

// Adopt makes this process responsible for stopping a server that it found
// running (for example one left behind by a killed serve).
func (c *Cluster) Adopt() { c.owned = true }

// Stop shuts the server down (fast mode: active sessions are ended, data is
// flushed) if this process started or adopted it.
func (c *Cluster) Stop() error {
	if !c.owned {
		return nil
	}
	c.owned = false
	out, err := c.run(context.Background(), "pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("PostgreSQL durdurulamadı: %w: %s", err, out)
	}
	return nil
}

func (c *Cluster) ensureDirs() error {
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
		if err := c.chown(d); err != nil {
			return err
		}
	}
	// The cluster user must be able to reach its directory from the root.
	if c.cred != nil {
		for p := filepath.Dir(c.Dir); p != "/"; p = filepath.Dir(p) {
			st, err := os.Stat(p)
			if err == nil && st.Mode().Perm()&0o001 == 0 {
				return fmt.Errorf("%s dizinine PostgreSQL kullanıcısı erişemiyor (izinler %v); başka bir IYSGATE_DATA_DIR seçin ya da dizine o+x izni verin", p, st.Mode().Perm())
			}
		}
	}
	return nil
}

func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

func (c *Cluster) initdb(ctx context.Context) error {
	// initdb wants an empty or missing directory; a half-made one from an
	// interrupted first start is removed.
	_ = os.RemoveAll(c.dataDir())
	out, err := c.run(ctx, "initdb", "-D", c.dataDir(), "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
	if err != nil {
		// Older systems lack C.UTF-8; fall back to the C locale. If that
		// fails too, the first error is the one that says why.
		_ = os.RemoveAll(c.dataDir())
		out2, err2 := c.run(ctx, "initdb", "-D", c.dataDir(), "-U", superuser, "--auth=trust",
			"--encoding=UTF8", "--locale=C", "--no-instructions")
		if err2 != nil {
			return fmt.Errorf("initdb başarısız: %w: %s (C yereliyle de: %v: %s)", err, out, err2, out2)
		}
	}
	return nil
}

// running reports whether a live postmaster serves this data directory. A
// postmaster.pid whose process is gone, or belongs to something else after a
// crash and a PID reuse, is removed so that the server can start.
func (c *Cluster) running() (bool, error) {
	pidFile := filepath.Join(c.dataDir(), "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(first)))
	if pid > 0 && isPostgres(pid) {
		return true, nil
	}
	if err := os.Remove(pidFile); err != nil {
		return false, fmt.Errorf("eski postmaster.pid silinemedi: %w", err)
	}
	return false, nil
}

// isPostgres tells whether pid is a live postgres process.
func isPostgres(pid int) bool {
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	name, _, _ := bytes.Cut(cmd, []byte{0})
	return filepath.Base(string(name)) == "postgres"
}

func (c *Cluster) startServer(ctx context.Context) error {
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c port=%d "+
		"-c max_connections=200 -c shared_buffers=256MB -c fsync=%s -c synchronous_commit=%s",
		c.socketDir(), port, c.fsync(), c.fsync())
	// pg_ctl detaches the server into its own session, so a Ctrl-C on the
	// terminal reaches only iysgate, which then stops it in order.
	out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-l", c.logFile(), "-o", opts, "-w", "-t", "120", "start")
	if err != nil {
		tail := lastLines(c.logFile(), 15)
		return fmt.Errorf("PostgreSQL başlatılamadı: %w: %s\n%s", err, out, tail)
	}
	return nil
}

// fsync is off only for throwaway test clusters.
func (c *Cluster) fsync() string {
	if os.Getenv("IYSGATE_PG_UNSAFE_FAST") == "1" {
		return "off"
	}
	return "on"
}

func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		conn, err := pgx.Connect(ctx, c.urlFor("postgres"))
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
			if err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("PostgreSQL bağlantı kabul etmiyor: %w", last)
}

func (c *Cluster) createDatabase(ctx context.Context) error {
	return CreateDatabase(ctx, c.urlFor("postgres"), c.Database, "")
}

// CreateDatabase creates db on the server at adminURL unless it exists,
// optionally as a copy of template.
func CreateDatabase(ctx context.Context, adminURL, db, template string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	sql := "CREATE DATABASE " + pgx.Identifier{db}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	_, err = conn.Exec(ctx, sql)
	var exists2 bool
	if err != nil && conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists2) == nil && exists2 {
		return nil // created concurrently by another process
	}
	return err
}

// AdminURL is the connection string of the cluster's maintenance database.
func (c *Cluster) AdminURL() string { return c.urlFor("postgres") }

func (c *Cluster) run(ctx context.Context, prog string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if c.cred != nil {
		cmd.SysProcAttr.Credential = c.cred
		cmd.Dir = "/"
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func lastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
