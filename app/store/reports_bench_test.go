package store_test

import (
	"context"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
)

// BenchmarkReports seeds IYSGATE_BENCH_EVENTS consent events (default
// 3,000,000, a year of them in 20 brands of 5 companies: 70% from imports
// in batches of 1,000, 20% by hand each in its own batch, 10% pulled from
// İYS; 10% RET, 3% refused) with their quota debits, and measures Raporlar
// and Gösterge's trend, first on the migrations' indexes, then with the
// indexes proposed for them. With -v it logs EXPLAIN ANALYZE.
//
//	go test ./app/store -run '^$' -bench Reports -benchtime 5x -v
func BenchmarkReports(b *testing.B) {
	events := 3_000_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_EVENTS")); err == nil && v > 0 {
		events = v
	}
	ctx := context.Background()
	st := store.New(pgtest.Pool(b), store.LeftToSweep)
	start := time.Now()
	seedEvents(b, st, events)
	b.Logf("seeded %d events in %s", events, time.Since(start).Round(time.Second))
	var brand int64
	if err := st.Pool().QueryRow(ctx, "SELECT min(id) FROM brands").Scan(&brand); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	month := store.ReportFilter{From: now.AddDate(0, 0, -30), To: now}
	oneMonth := store.ReportFilter{BrandIDs: []int64{brand}, From: month.From, To: month.To}
	oneYear := store.ReportFilter{BrandIDs: []int64{brand}, From: now.AddDate(-1, 0, 0), To: now}
	cases := []struct {
		name string
		f    store.ReportFilter
	}{{"30-days-all-brands", month}, {"30-days-one-brand", oneMonth}, {"365-days-one-brand", oneYear}}
	run := func(prefix string) {
		for _, c := range cases {
			if testing.Verbose() {
				plans, err := st.ExplainReports(ctx, c.f)
				if err != nil {
					b.Fatal(err)
				}
				for _, k := range slices.Sorted(maps.Keys(plans)) {
					b.Logf("EXPLAIN %s%s %s:\n%s", prefix, c.name, k, plans[k])
				}
			}
			b.Run(prefix+"report-"+c.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := st.Report(ctx, c.f); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(prefix+"daily-"+c.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := st.DailyConsents(ctx, c.f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	run("")
	for _, q := range []string{
		`CREATE INDEX consent_events_created_idx ON consent_events (brand_id, created_at)`,
		`CREATE INDEX quota_ledger_debit_idx ON quota_ledger (company_id, created_at) WHERE kind = 'debit'`,
		`ANALYZE consent_events, quota_ledger`,
	} {
		if _, err := st.Pool().Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	run("indexed/")
}

// seedEvents writes a year of events and their debits with set-based SQL,
// in time order, as they accumulate.
func seedEvents(b *testing.B, st *store.Store, n int) {
	ctx := context.Background()
	steps := []string{
		`INSERT INTO companies (title, iys_code) SELECT 'Firma ' || i, (100000 + i)::text FROM generate_series(1, 5) i`,
		`INSERT INTO brands (company_id, name, brand_code)
		 SELECT c.id, 'Marka ' || c.id || '-' || j, (200000 + c.id * 10 + j)::text FROM companies c, generate_series(1, 4) j`,
		`INSERT INTO subscriptions (company_id, package_id, units, price_kurus, kdv_rate, status, requested_by, starts_at, ends_at)
		 SELECT id, (SELECT max(id) FROM packages), 1000000, 0, 20, 'active', 'benchmark', now() - interval '1 year', now() + interval '1 day' FROM companies`,
		`INSERT INTO recipients (brand_id, kind, recipient, recipient_type)
		 SELECT (SELECT min(id) FROM brands) + j % 20, 'phone', '+905' || lpad(j::text, 9, '0'), 'BIREYSEL' FROM generate_series(0, $1::int / 4) j`,
		// Event i happens at fraction i/n of the year, for recipient i % (n/4).
		`INSERT INTO consent_events (recipient_id, type, brand_id, status, source, origin, actor, iys_state, iys_code, created_at)
		 SELECT r0 + j, (ARRAY['ARAMA', 'MESAJ', 'EPOSTA'])[i % 3 + 1], b0 + j % 20,
		        CASE WHEN i % 10 = 0 THEN 'RET' ELSE 'ONAY' END, 'HS_WEB',
		        CASE WHEN i % 10 < 7 THEN 'import' WHEN i % 10 < 9 THEN 'manual' ELSE 'iys' END, 'benchmark',
		        CASE WHEN i % 33 = 0 AND i % 10 < 9 THEN '` + string(store.SyncRefused) + `' ELSE '` + string(store.SyncRegistered) + `' END,
		        CASE WHEN i % 33 = 0 AND i % 10 < 9 THEN (ARRAY['H114', 'SIM_TOO_OLD', 'SIM_DATE_NOT_LATER'])[i % 3 + 1] END,
		        now() - interval '1 year' + (i::float8 / $1) * interval '1 year'
		 FROM generate_series(0, $1::int - 1) i, LATERAL (SELECT i % ($1::int / 4) AS j) x,
		      (SELECT min(id) AS r0 FROM recipients) r, (SELECT min(id) AS b0 FROM brands) bb`,
		// A batch per brand and 1,000 imported events, one per event by hand.
		`INSERT INTO sync_batches (company_id, brand_id, kind, status, items, accepted, created_at)
		 SELECT b.company_id, e.brand_id, CASE WHEN e.origin = 'manual' THEN 'single' ELSE 'async' END, '` + string(store.BatchDone) + `',
		        count(*), count(*), min(e.created_at)
		 FROM consent_events e JOIN brands b ON b.id = e.brand_id
		 WHERE e.origin <> 'iys'
		 GROUP BY b.company_id, e.brand_id, e.origin, CASE WHEN e.origin = 'manual' THEN e.id ELSE e.id / 20000 END`,
		`INSERT INTO quota_ledger (company_id, subscription_id, kind, units, reason, batch_id, actor, created_at)
		 SELECT x.company_id, s.id, k.kind, x.accepted, 'benchmark', x.id, 'benchmark', x.created_at
		 FROM sync_batches x JOIN subscriptions s ON s.company_id = x.company_id, (VALUES ('reserve'), ('debit')) k(kind)
		 ORDER BY x.created_at`,
		`VACUUM ANALYZE`,
	}
	for i, q := range steps {
		t := time.Now()
		args := []any{}
		if i == 3 || i == 4 {
			args = append(args, n)
		}
		if _, err := st.Pool().Exec(ctx, q, args...); err != nil {
			b.Fatalf("seed step %d: %v", i, err)
		}
		b.Logf("seed step %d: %s", i, time.Since(t).Round(time.Millisecond))
	}
}
