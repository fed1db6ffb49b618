package pg_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"iysgate/app/pg"
	"iysgate/app/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "iysgate-pg-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// The appliance's lifecycle: first start initialises, a stop and a start
// reuse the data, a crash (kill -9 of the postmaster) with a PID file whose
// PID now belongs to another process still starts.
func TestLocalClusterLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := tempDir(t)
	os.Setenv("IYSGATE_PG_UNSAFE_FAST", "1")

	l, err := pg.OpenLocal(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pg.Connect(ctx, l.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE keep (v text); INSERT INTO keep VALUES ('kalıcı')"); err != nil {
		t.Fatal(err)
	}
	// Beside a running serve, another command joins its cluster and does not
	// stop it when it ends.
	other, err := pg.OpenLocal(ctx, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("the command stopped serve's cluster: %v", err)
	}
	pool.Close()
	// A second serve on the same directory is refused.
	shortCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	if _, err := pg.OpenLocal(shortCtx, dir, true); err == nil {
		t.Fatal("a second serve on the same data directory was allowed")
	}
	cancel()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres", "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatal("postmaster.pid still there after a clean stop")
	}

	// Start again: the data is still there. Then crash it.
	l, err = pg.OpenLocal(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	pool, err = pg.Connect(ctx, l.URL())
	if err != nil {
		t.Fatal(err)
	}
	var v string
	if err := pool.QueryRow(ctx, "SELECT v FROM keep").Scan(&v); err != nil || v != "kalıcı" {
		t.Fatalf("data lost across restart: %q %v", v, err)
	}
	pool.Close()
	pidFile := filepath.Join(dir, "postgres", "pgdata", "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b[:indexNL(b)]))
	syscall.Kill(pid, syscall.SIGKILL)
	waitGone(t, pid)
	// Let the PID in the stale file point at a live process that is not postgres.
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	stale := []byte(strconv.Itoa(sleeper.Process.Pid) + string(b[indexNL(b):]))
	if err := os.WriteFile(pidFile, stale, 0o600); err != nil {
		t.Fatal(err)
	}
	l.Close() // the old owner is gone; this only releases the lock
	l, err = pg.OpenLocal(ctx, dir, true)
	if err != nil {
		t.Fatalf("start after crash: %v", err)
	}
	defer l.Close()
	pool, err = pg.Connect(ctx, l.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := pool.QueryRow(ctx, "SELECT v FROM keep").Scan(&v); err != nil || v != "kalıcı" {
		t.Fatalf("data lost after crash: %q %v", v, err)
	}
}

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return len(b)
}

func waitGone(t *testing.T, pid int) {
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			// The postmaster's children exit shortly after it.
			time.Sleep(300 * time.Millisecond)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("process %d did not exit", pid)
}

// Two nodes migrating the same empty database at once both succeed, and the
// schema ends up complete.
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	url := pgtest.EmptyURL(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			pool, err := pg.Connect(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer pool.Close()
			errs <- pg.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	pool, err := pg.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var tables int
	pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users', 'consents', 'river_job')`).Scan(&tables)
	if tables != 3 {
		t.Fatalf("schema incomplete after concurrent migrations: %d of 3 tables", tables)
	}
}
