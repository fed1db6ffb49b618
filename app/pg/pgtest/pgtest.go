// Package pgtest gives tests a real PostgreSQL: one private cluster per test
// binary (the same code as the appliance's embedded database), and a fresh,
// fully migrated database per test, cloned from a template in about a tenth
// of a second. With IYSGATE_TEST_DATABASE_URL set (a role that may create
// databases), that server is used instead of a private cluster.
package pgtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"iysgate/app/pg"
)

var (
	once     sync.Once
	setupErr error
	cluster  *pg.Cluster
	tmpDir   string
	adminURL string
	template string
	counter  atomic.Int64
)

// Main runs the package's tests and stops the cluster afterwards. Call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

func setup() error {
	ctx := context.Background()
	if u := os.Getenv("IYSGATE_TEST_DATABASE_URL"); u != "" {
		adminURL = u
	} else {
		os.Setenv("IYSGATE_PG_UNSAFE_FAST", "1") // throwaway data: no fsync
		dir, err := os.MkdirTemp("", "iysgate-pgtest-")
		if err != nil {
			return err
		}
		// The cluster may run as another system user (when tests run as root).
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		tmpDir = dir
		c, err := pg.NewCluster(dir + "/pg")
		if err != nil {
			return err
		}
		if err := c.Start(ctx); err != nil {
			return err
		}
		c.Adopt()
		cluster = c
		adminURL = c.AdminURL()
	}
	template = fmt.Sprintf("iysgate_tmpl_%d", os.Getpid())
	if err := pg.CreateDatabase(ctx, adminURL, template, ""); err != nil {
		return err
	}
	pool, err := pg.Connect(ctx, dbURL(template))
	if err != nil {
		return err
	}
	defer pool.Close()
	return pg.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
}

// dbURL is adminURL with its database replaced.
func dbURL(db string) string {
	u, err := url.Parse(adminURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + db
	return u.String()
}

// URL creates a fresh migrated database for the test and returns its
// connection string. The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	name := fmt.Sprintf("iysgate_t%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	if err := pg.CreateDatabase(ctx, adminURL, name, template); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() { drop(name) })
	return dbURL(name)
}

// EmptyURL creates a fresh database without any migration, dropped when the
// test ends.
func EmptyURL(t testing.TB) string {
	t.Helper()
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	name := fmt.Sprintf("iysgate_e%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	if err := pg.CreateDatabase(ctx, adminURL, name, ""); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() { drop(name) })
	return dbURL(name)
}

func drop(name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// Pool returns a pool on a fresh migrated database, closed when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := URL(t)
	pool, err := pg.Connect(context.Background(), u)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
