package migrations_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"iysgate/app/pg"
	"iysgate/app/pg/pgtest"
	"iysgate/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// migrateTo brings an empty database to version v of the app's
// migrations (River's first).
// migratedTo is an empty database migrated to version v, its migration
// provider (for the steps a test takes next) and exec, which runs a
// statement or fails the test.
func migratedTo(t *testing.T, v int64) (*pgxpool.Pool, *goose.Provider, func(q string, args ...any)) {
	t.Helper()
	pool, err := pg.Connect(context.Background(), pgtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	p := migrateTo(t, pool, v)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return pool, p, exec
}

func migrateTo(t *testing.T, pool *pgxpool.Pool, v int64) *goose.Provider {
	t.Helper()
	ctx := context.Background()
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	var db *sql.DB = stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatal(err)
	}
	return p
}

// A database holding one address in several spellings (Ali.Veli@GMAIL.COM,
// ali.veli@gmail.com) becomes one recipient with every event of both; per
// channel the state İYS holds is the later accepted movement, a pending
// change stays pending, a refusal stays a refusal; the merge is in the
// audit log. Consents split into their three facts on the way.
func TestConsentFactsMigration(t *testing.T) {
	ctx := context.Background()
	pool, p, exec := migratedTo(t, 19)
	exec(`INSERT INTO companies (id, title) OVERRIDING SYSTEM VALUE VALUES (1, 'Örnek')`)
	exec(`INSERT INTO brands (id, company_id, name, brand_code) OVERRIDING SYSTEM VALUE VALUES (1, 1, 'Marka', '600001')`)
	exec(`INSERT INTO recipients (id, brand_id, kind, recipient, recipient_type, first_name) OVERRIDING SYSTEM VALUE VALUES
		(1, 1, 'email', 'Ali.Veli@GMAIL.COM', 'BIREYSEL', 'Ali'),
		(2, 1, 'email', 'ali.veli@gmail.com', 'BIREYSEL', ''),
		(3, 1, 'email', 'Tek.Kisi@Ornek.com', 'BIREYSEL', ''),
		(4, 1, 'phone', '+905321112233', 'BIREYSEL', '')`)
	// Recipient 1: ONAY accepted on 1 March; recipient 2: RET accepted on
	// 5 March (later), then an ONAY of 9 March on its way. Recipient 3: its
	// only ONAY refused. Recipient 4: RET accepted, then ONAY refused.
	exec(`INSERT INTO consent_events (id, recipient_id, type, brand_id, status, source, consent_date, origin, actor, iys_state, iys_code)
		OVERRIDING SYSTEM VALUE VALUES
		(1, 1, 'EPOSTA', 1, 'ONAY', 'HS_WEB', '2026-03-01 10:00+03', 'manual', 'a', 'kayitli', NULL),
		(2, 2, 'EPOSTA', 1, 'RET', 'HS_WEB', '2026-03-05 10:00+03', 'manual', 'a', 'kayitli', NULL),
		(3, 2, 'EPOSTA', 1, 'ONAY', 'HS_WEB', '2026-03-09 10:00+03', 'import', 'a', 'bekliyor', NULL),
		(4, 3, 'EPOSTA', 1, 'ONAY', 'HS_WEB', '2026-03-02 10:00+03', 'manual', 'a', 'hata', 'H121'),
		(5, 4, 'MESAJ', 1, 'RET', 'HS_WEB', '2026-03-01 10:00+03', 'manual', 'a', 'kayitli', NULL),
		(6, 4, 'MESAJ', 1, 'ONAY', 'HS_WEB', '2026-03-03 10:00+03', 'manual', 'a', 'hata', 'H178')`)
	exec(`INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, sync_state, last_event_id, sort_key) VALUES
		(1, 'EPOSTA', 1, 'BIREYSEL', 'ONAY', 'HS_WEB', '2026-03-01 10:00+03', 'kayitli', 1, 1),
		(2, 'EPOSTA', 1, 'BIREYSEL', 'ONAY', 'HS_WEB', '2026-03-09 10:00+03', 'bekliyor', 3, 2),
		(3, 'EPOSTA', 1, 'BIREYSEL', 'ONAY', 'HS_WEB', '2026-03-02 10:00+03', 'hata', 4, 3),
		(4, 'MESAJ', 1, 'BIREYSEL', 'ONAY', 'HS_WEB', '2026-03-03 10:00+03', 'hata', 6, 4)`)
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}

	type fact struct {
		recipient            string
		status, pending, ref *string
		events               int
	}
	get := func(rid int64, typ string) fact {
		t.Helper()
		var f fact
		if err := pool.QueryRow(ctx, `SELECT r.recipient, c.status, c.pending_status, c.refused_code,
			(SELECT count(*) FROM consent_events e WHERE e.recipient_id = r.id)
			FROM recipients r JOIN consents c ON c.recipient_id = r.id AND c.type = $2 WHERE r.id = $1`, rid, typ).
			Scan(&f.recipient, &f.status, &f.pending, &f.ref, &f.events); err != nil {
			t.Fatalf("recipient %d: %v", rid, err)
		}
		return f
	}
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM recipients WHERE kind = 'email' AND lower(recipient) = 'ali.veli@gmail.com'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d recipients for ali.veli@gmail.com, want 1", n)
	}
	// The lower-cased one (id 2) is kept.
	if f := get(2, "EPOSTA"); f.recipient != "ali.veli@gmail.com" || str(f.status) != "RET" || str(f.pending) != "ONAY" ||
		str(f.ref) != "-" || f.events != 3 {
		t.Errorf("merged: %s İYS %s pending %s refused %s, %d events", f.recipient, str(f.status), str(f.pending), str(f.ref), f.events)
	}
	var first string
	pool.QueryRow(ctx, `SELECT first_name FROM recipients WHERE id = 2`).Scan(&first)
	if first != "Ali" {
		t.Errorf("the merged recipient's name: %q", first)
	}
	if f := get(3, "EPOSTA"); f.recipient != "tek.kisi@ornek.com" || f.status != nil || f.pending != nil || str(f.ref) != "H121" {
		t.Errorf("lower-cased alone: %s İYS %s pending %s refused %s", f.recipient, str(f.status), str(f.pending), str(f.ref))
	}
	// The refused ONAY did not become the state: İYS holds the RET.
	if f := get(4, "MESAJ"); str(f.status) != "RET" || f.pending != nil || str(f.ref) != "H178" {
		t.Errorf("a refused change: İYS %s pending %s refused %s", str(f.status), str(f.pending), str(f.ref))
	}
	var audits int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE after->>'event' = 'merge_email_case'`).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d merge entries in the audit log, want 2", audits)
	}
	// The counters count what İYS holds and what is on its way, apart.
	var iysRet, pendingOnay int
	pool.QueryRow(ctx, `SELECT COALESCE(sum(n) FILTER (WHERE kind = 'iys' AND status = 'RET'), 0),
		COALESCE(sum(n) FILTER (WHERE kind = 'pending' AND status = 'ONAY'), 0) FROM brand_stats`).Scan(&iysRet, &pendingOnay)
	if iysRet != 2 || pendingOnay != 1 {
		t.Errorf("brand_stats: İYS RET %d (want 2), pending ONAY %d (want 1)", iysRet, pendingOnay)
	}
}
