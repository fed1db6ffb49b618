package pg_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"iysgate/app/pg"
	"iysgate/app/pg/pgtest"
	"iysgate/migrations"
)

// connect opens a pool that is not iysgate's: a restore refuses a target
// with iysgate's sessions (pg.Connect names them), and a closed pool's
// sessions may linger for a moment on the server.
func connect(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func exec1(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// fingerprint is every table of the public schema (row count and a hash of
// its rows in any order) and every sequence's position.
func fingerprint(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	ctx := context.Background()
	fp := map[string]string{}
	rows, err := pool.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for _, name := range tables {
		var v string
		if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) || ' ' || md5(COALESCE(string_agg(md5(t::text), ',' ORDER BY md5(t::text)), ''))
			FROM public.%q t`, name)).Scan(&v); err != nil {
			t.Fatal(err)
		}
		fp[name] = v
	}
	rows, err = pool.Query(ctx, "SELECT sequencename, COALESCE(last_value, 0) FROM pg_sequences WHERE schemaname = 'public'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var last int64
		rows.Scan(&name, &last)
		fp["sequence "+name] = fmt.Sprint(last)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return fp
}

func sameFingerprints(t *testing.T, want, got map[string]string) {
	t.Helper()
	if len(want) < 20 {
		t.Fatalf("only %d tables and sequences to compare", len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: restored %q, backed up %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: restored, not backed up", k)
		}
	}
}

// seed fills a migrated database with a company, a user, an active package
// with its ledger row, an import with its file, and an audit record, and
// returns the file.
func seed(t *testing.T, pool *pgxpool.Pool) []byte {
	t.Helper()
	file := make([]byte, 1<<20) // random: compression does not hide a lost byte
	rand.Read(file)
	exec1(t, pool, `INSERT INTO companies (title, iys_code) VALUES ('Yedek A.Ş.', '7740001')`)
	exec1(t, pool, `INSERT INTO brands (company_id, name, brand_code) SELECT id, 'Yedek', '740001' FROM companies`)
	exec1(t, pool, `INSERT INTO users (email, name, password_hash, is_admin) VALUES ('y@yedek.com.tr', 'Yedek Yönetici', '$2a$10$özet', true)`)
	exec1(t, pool, `INSERT INTO subscriptions (company_id, package_id, units, price_kurus, kdv_rate, status, requested_by, starts_at, ends_at)
		SELECT c.id, p.id, p.units, p.price_kurus, 20, 'active', 'test', now(), now() + interval '1 year' FROM companies c, packages p WHERE p.units = 5000`)
	exec1(t, pool, `INSERT INTO quota_ledger (company_id, subscription_id, kind, units, reason, actor)
		SELECT company_id, id, 'credit', units, 'paket onayı', 'test' FROM subscriptions`)
	exec1(t, pool, `INSERT INTO imports (user_id, actor, filename, size_bytes) SELECT id, 'test', 'liste.xlsx', $1 FROM users`, len(file))
	exec1(t, pool, `INSERT INTO import_chunks (import_id, seq, data) SELECT id, 0, $1 FROM imports`, file[:1<<19])
	exec1(t, pool, `INSERT INTO import_chunks (import_id, seq, data) SELECT id, 1, $1 FROM imports`, file[1<<19:])
	exec1(t, pool, `INSERT INTO audit_log (actor, action) VALUES ('test', 'yedek.deneme')`)
	return file
}

func noReplace(t *testing.T) func(string) {
	return func(what string) { t.Errorf("replacing %s without --force", what) }
}

// A backup restored into an empty database is the same database: every
// table's rows, every sequence, the file byte for byte; the append-only
// ledger is still append-only, and the schema needs no migration.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	src := connect(t, pgtest.URL(t))
	file := seed(t, src)
	dir := t.TempDir()
	path := filepath.Join(dir, "iysgate.dump")
	b, err := pg.Dump(ctx, src.Config().ConnString(), path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v, want 0600", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the backup left %d files in its directory", len(entries))
	}
	if b.Schema != pg.KnownSchema() || b.Size != st.Size() {
		t.Fatalf("backup %+v of a %d-byte file, want schema %d", b, st.Size(), pg.KnownSchema())
	}

	dstURL := pgtest.EmptyURL(t)
	r, err := pg.Restore(ctx, dstURL, path, false, noReplace(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Schema != b.Schema || r.Created == "" || r.ServerMajor != b.ServerMajor {
		t.Fatalf("restored %+v, backed up %+v", r, b)
	}
	dst := connect(t, dstURL)
	sameFingerprints(t, fingerprint(t, src), fingerprint(t, dst))
	var got []byte
	if err := dst.QueryRow(ctx, "SELECT string_agg(data, ''::bytea ORDER BY seq) FROM import_chunks").Scan(&got); err != nil || !bytes.Equal(got, file) {
		t.Fatalf("the import's file after restore: %d bytes, %v; want the %d bytes uploaded", len(got), err, len(file))
	}
	if _, err := dst.Exec(ctx, "UPDATE quota_ledger SET units = units + 1"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("the restored ledger took an UPDATE: %v", err)
	}
	// New rows take new ids.
	exec1(t, dst, `INSERT INTO audit_log (actor, action) VALUES ('test', 'geri.yukleme')`)
	before := fingerprint(t, dst)
	if err := pg.Migrate(ctx, dst, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	sameFingerprints(t, before, fingerprint(t, dst))
}

// The backup is one snapshot: rows committed together in two tables while
// pg_dump runs are in the backup together or not at all.
func TestBackupIsOneSnapshot(t *testing.T) {
	ctx := context.Background()
	src := connect(t, pgtest.URL(t))
	for _, table := range []string{"pair_a", "pair_b"} {
		exec1(t, src, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, pad text NOT NULL)")
		exec1(t, src, "INSERT INTO "+table+" SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g")
	}
	wctx, stop := context.WithCancel(ctx)
	var during atomic.Int64
	done := make(chan error, 1)
	go func() {
		for id := int64(100001); wctx.Err() == nil; id++ {
			err := pgx.BeginFunc(wctx, src, func(tx pgx.Tx) error {
				if _, err := tx.Exec(wctx, "INSERT INTO pair_a VALUES ($1, 'y')", id); err != nil {
					return err
				}
				_, err := tx.Exec(wctx, "INSERT INTO pair_b VALUES ($1, 'y')", id)
				return err
			})
			if err != nil && wctx.Err() == nil {
				done <- err
				return
			}
			during.Add(1)
		}
		done <- nil
	}()
	path := filepath.Join(t.TempDir(), "iysgate.dump")
	_, err := pg.Dump(ctx, src.Config().ConnString(), path)
	stop()
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if during.Load() < 10 {
		t.Fatalf("only %d transactions ran during the backup", during.Load())
	}
	dstURL := pgtest.EmptyURL(t)
	if _, err := pg.Restore(ctx, dstURL, path, false, noReplace(t)); err != nil {
		t.Fatal(err)
	}
	var a, b int64
	if err := connect(t, dstURL).QueryRow(ctx, "SELECT (SELECT count(*) FROM pair_a), (SELECT count(*) FROM pair_b)").Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != b || a < 100000 {
		t.Fatalf("restored %d rows of pair_a and %d of pair_b", a, b)
	}
}

// A restore refuses what it must not write over or cannot trust, and
// leaves the target as it was: an iysgate database without --force, another
// application's tables even with it, a database an iysgate is connected to,
// a file that is no backup, a foreign database's dump, a damaged backup, a
// backup of a newer iysgate. --force replaces an iysgate database and says
// what it held.
func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	src := connect(t, pgtest.URL(t))
	seed(t, src)
	dir := t.TempDir()
	path := filepath.Join(dir, "iysgate.dump")
	if _, err := pg.Dump(ctx, src.Config().ConnString(), path); err != nil {
		t.Fatal(err)
	}
	refused := func(target, file string, force bool, want string) {
		t.Helper()
		_, err := pg.Restore(ctx, target, file, force, func(what string) { t.Errorf("%s: replacing %s", want, what) })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("restore of %s: %v, want a refusal saying %q", filepath.Base(file), err, want)
		}
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	occupiedURL := pgtest.URL(t)
	occupied := connect(t, occupiedURL)
	exec1(t, occupied, `INSERT INTO companies (title) VALUES ('Mevcut A.Ş.')`)
	before := fingerprint(t, occupied)
	occupied.Close()
	refused(occupiedURL, path, false, "--force")

	foreignURL := pgtest.EmptyURL(t)
	foreign := connect(t, foreignURL)
	exec1(t, foreign, "CREATE TABLE muhasebe (id int)")
	foreign.Close()
	refused(foreignURL, path, true, "iysgate'e ait değil")

	emptyURL := pgtest.EmptyURL(t)
	serving, err := pg.Connect(ctx, emptyURL) // a pool of iysgate's, as serve's
	if err != nil {
		t.Fatal(err)
	}
	refused(emptyURL, path, false, "çalışan bir iysgate")
	serving.Close()

	refused(pgtest.EmptyURL(t), filepath.Join(dir, "yok.dump"), false, "bulunamadı")
	refused(pgtest.EmptyURL(t), write("metin.dump", []byte("-- PostgreSQL database dump\n")), false, "iysgate yedeği değil")
	other, err := exec.Command("pg_dump", "--format=custom", "--dbname="+pgtest.EmptyURL(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	refused(pgtest.EmptyURL(t), write("baska.dump", other), false, "iysgate yedeği değil")

	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := write("eksik.dump", whole[:len(whole)-200])
	freshURL := pgtest.EmptyURL(t)
	refused(freshURL, damaged, false, "geri yükleme başarısız")
	var tables int
	if err := connect(t, freshURL).QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("a failed restore left %d tables (%v)", tables, err)
	}
	refused(occupiedURL, damaged, true, "hedefe dokunulmadı")

	newer := connect(t, pgtest.URL(t))
	exec1(t, newer, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)")
	newerPath := filepath.Join(dir, "yeni.dump")
	if _, err := pg.Dump(ctx, newer.Config().ConnString(), newerPath); err != nil {
		t.Fatal(err)
	}
	newer.Close()
	refused(pgtest.EmptyURL(t), newerPath, false, "daha yeni bir iysgate")

	check := connect(t, occupiedURL)
	sameFingerprints(t, before, fingerprint(t, check))
	check.Close()

	var told string
	if _, err := pg.Restore(ctx, occupiedURL, path, true, func(what string) { told = what }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(told, "şema sürümü") || !strings.Contains(told, "1 firma") {
		t.Fatalf("--force said it replaces %q", told)
	}
	sameFingerprints(t, fingerprint(t, src), fingerprint(t, connect(t, occupiedURL)))
}

// A backup of an older iysgate keeps its schema version when restored, and
// the newer binary migrates it forward.
func TestRestoreOfAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.EmptyURL(t)
	db, err := sql.Open("pgx", srcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	// Two migrations back (versions need not be consecutive).
	srcs := provider.ListSources()
	older := srcs[len(srcs)-3].Version
	if _, err := provider.UpTo(ctx, older); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "eski.dump")
	if _, err := pg.Dump(ctx, srcURL, path); err != nil {
		t.Fatal(err)
	}
	dstURL := pgtest.EmptyURL(t)
	b, err := pg.Restore(ctx, dstURL, path, false, noReplace(t))
	if err != nil {
		t.Fatal(err)
	}
	if b.Schema != older {
		t.Fatalf("restored schema %d, want the backup's %d", b.Schema, older)
	}
	dst := connect(t, dstURL)
	if err := pg.Migrate(ctx, dst, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	var now int64
	if err := dst.QueryRow(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&now); err != nil || now != pg.KnownSchema() {
		t.Fatalf("after migrating the restored database: schema %d %v, want %d", now, err, pg.KnownSchema())
	}
}

// A database without iysgate's schema has nothing to back up, and no file
// is left behind.
func TestBackupNeedsIysgate(t *testing.T) {
	dir := t.TempDir()
	_, err := pg.Dump(context.Background(), pgtest.EmptyURL(t), filepath.Join(dir, "bos.dump"))
	if err == nil || !strings.Contains(err.Error(), "iysgate verisi yok") {
		t.Fatalf("backup of an empty database: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the refused backup left %d files", len(entries))
	}
}
