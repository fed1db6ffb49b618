package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"iysgate/app/config"
	"iysgate/app/iys"
	"iysgate/app/iys/iystest"
	"iysgate/app/pg"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/migrations"
)

// Batches made by iysgate before migration 00018 hold up to 10,000 items,
// sometimes a key twice, and those the old client sent may be at İYS
// although it never read İYS's 202. The migration splits them into lists
// of at most 1000 with no key twice, and every batch that was sent is
// resolved by asking İYS before anything is sent again: what İYS holds is
// recorded, the rest is sent once, nothing is stored twice.
func TestMigratedBatchesResolvedByAsking(t *testing.T) {
	ctx := context.Background()
	// A database at the schema before migration 00018 (River's tables
	// first, as pg.Migrate makes them).
	pool, err := pg.Connect(ctx, pgtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 17); err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, store.LeftToSweep)
	c, err := st.CreateCompany(ctx, store.System, store.CompanyInput{Title: "Eski A.Ş.", IYSCode: "7760001", IntegratorAssigned: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.CreateBrand(ctx, store.System, store.Brand{CompanyID: c.ID, Name: "Eski", BrandCode: "760001"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-2 * time.Hour)
	// An import of 2500 ONAY and, for one recipient, a later RET, all in
	// one batch the old client sent ("gonderiliyor"); a second batch of 10
	// it put back to waiting after a send; a third never sent.
	const n = 2500
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO packages (units, price_kurus) VALUES (9999999, 0)`, nil},
		{`INSERT INTO subscriptions (company_id, package_id, units, price_kurus, kdv_rate, status, requested_by, starts_at, ends_at, reserved)
			SELECT $1, id, 9999999, 0, 20, 'active', 'test', now() - interval '1 day', now() + interval '1 year', $2 FROM packages WHERE units = 9999999`,
			[]any{c.ID, n + 16}},
		{`INSERT INTO quota_holds (company_id, subscription_id, import_id, units) SELECT $1, id, 1, $2 FROM subscriptions`, []any{c.ID, n + 16}},
		{`INSERT INTO recipients (brand_id, kind, recipient, recipient_type)
			SELECT $1, 'phone', '+90536' || lpad(g::text, 7, '0'), 'BIREYSEL' FROM generate_series(1, $2) g`, []any{b.ID, n + 15}},
		{`INSERT INTO sync_batches (company_id, brand_id, import_id, kind, status, items, attempts, sent_at) VALUES
			($1, $2, 1, 'async', 'gonderiliyor', $3, 1, now() - interval '1 hour'),
			($1, $2, 1, 'async', 'bekliyor', 10, 3, now() - interval '1 hour'),
			($1, $2, 1, 'async', 'bekliyor', 5, 0, NULL)`, []any{c.ID, b.ID, n + 1}},
		{`INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, import_id, batch_id, batch_index)
			SELECT r.id, 'MESAJ', $2, 'ONAY', 'HS_WEB', $3, 'import', 'test', 1,
			       CASE WHEN r.n <= $1 THEN 1 WHEN r.n <= $1 + 10 THEN 2 ELSE 3 END,
			       CASE WHEN r.n <= $1 THEN r.n - 1 WHEN r.n <= $1 + 10 THEN r.n - $1 - 1 ELSE r.n - $1 - 11 END
			FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM recipients) r ORDER BY r.id`, []any{n, b.ID, at}},
		{`INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, import_id, batch_id, batch_index)
			SELECT id, 'MESAJ', $2, 'RET', 'HS_WEB', $3::timestamptz + interval '1 minute', 'import', 'test', 1, 1, $1
			FROM recipients ORDER BY id LIMIT 1`, []any{n, b.ID, at}},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%v: %s", err, q.sql)
		}
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	type part struct {
		status      string
		items, keys int
	}
	rows, _ := pool.Query(ctx, `SELECT x.status, count(e.id), count(DISTINCT (e.recipient_id, e.type)) FROM sync_batches x
		JOIN consent_events e ON e.batch_id = x.id GROUP BY x.id ORDER BY x.id`)
	var parts []part
	for rows.Next() {
		var p part
		if err := rows.Scan(&p.status, &p.items, &p.keys); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	// (Stored under the names of migration 00022 since.)
	sending, waiting := string(store.BatchSending), string(store.BatchWaiting)
	want := []part{{sending, 1000, 1000}, {sending, 10, 10}, {waiting, 5, 5},
		{sending, 1000, 1000}, {sending, 500, 500}, {sending, 1, 1}}
	if fmt.Sprint(parts) != fmt.Sprint(want) {
		t.Fatalf("batches after the migration %v, want %v", parts, want)
	}

	// The old client's first send did reach İYS: it holds the first 1200.
	sim, srv := iystest.NewServer(t, iystest.Config{AsyncDelay: 100 * time.Millisecond, SameDateStored: true})
	old := iys.New(iys.Config{BaseURL: srv.URL, Username: "eski", Password: "istemci", V1: true, Limits: iys.Limits{PerSecond: 1000}})
	for i := 1; i <= 1200; i++ {
		if _, err := old.Add(ctx, iys.SP{IYSCode: "7760001", BrandCode: "760001"}, iys.Consent{Recipient: fmt.Sprintf("+90536%07d", i),
			Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: iys.FormatTime(at)}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.IYSBaseURL, cfg.IYSUsername, cfg.IYSPassword = srv.URL, "entegrator", "parola"
	cfg.IYSRateWindow, cfg.IYSResolveAfter, cfg.IYSPollInterval = time.Second, time.Second, 100*time.Millisecond
	e := &env{t: t, st: st, cfg: cfg}
	e.start()
	t.Cleanup(func() { e.app.Shutdown(context.Background()) })
	e.waitFinal("the migrated batches")

	simSt := sim.Stats()
	if simSt.StoredTwice != 0 || simSt.ConsentsStored != n+15 || simSt.Items.Success != n+15+1-1200 {
		t.Fatalf("simulator %+v: want %d keys, none twice, the %d İYS held not sent again", simSt, n+15, 1200)
	}
	if simSt.Requests["consent_status_multiple"]["200"] == 0 {
		t.Fatalf("İYS was not asked before sending again: %v", simSt.Requests)
	}
	if sc, _ := sim.Consent("7760001", "760001", "+905360000001", "BIREYSEL", "MESAJ"); sc.Status != "RET" || sc.Versions != 2 {
		t.Fatalf("the key that was twice in one batch: %+v", sc)
	}
	q, err := st.Quota(ctx, c.ID)
	if err != nil || q.Spent != n+16 || q.Reserved != 0 {
		t.Fatalf("quota %+v %v, want %d spent", q, err, n+16)
	}
}
