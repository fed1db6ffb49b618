package store_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"iysgate/app/pg"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
)

// BenchmarkOnaylar seeds IYSGATE_BENCH_CONSENTS consents (default
// 5,000,000: 2,000,000 phone recipients with ARAMA and MESAJ, 1,000,000
// e-mail recipients, in 20 brands, 10% RET, one event each) and measures
// the queries of Onaylar, İzin Geçmişi and Gösterge. With -v it logs
// EXPLAIN ANALYZE of the main ones. IYSGATE_BENCH_DATABASE_URL names a
// database it seeded before, to measure again without seeding.
//
//	go test ./app/store -run '^$' -bench Onaylar -benchtime 200x -v
func BenchmarkOnaylar(b *testing.B) {
	total := 5_000_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_CONSENTS")); err == nil && v > 0 {
		total = v
	}
	phones, emails := total*2/5, total/5
	ctx := context.Background()
	var st *store.Store
	if u := os.Getenv("IYSGATE_BENCH_DATABASE_URL"); u != "" {
		// A database seeded before (by this benchmark's seed, at the
		// current schema), to measure again without seeding for minutes.
		pool, err := pg.Connect(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		st = store.New(pool, store.LeftToSweep)
	} else {
		st = store.New(pgtest.Pool(b), store.LeftToSweep)
		start := time.Now()
		seed(b, st, phones, emails)
		b.Logf("seeded %d consents (%d phone, %d e-mail recipients) in %s", 2*phones+emails, phones, emails, time.Since(start).Round(time.Second))
	}

	var firstBrand int64
	st.Pool().QueryRow(ctx, "SELECT min(id) FROM brands").Scan(&firstBrand)
	var middle int64
	st.Pool().QueryRow(ctx, "SELECT sort_key FROM recipients WHERE kind = 'phone' AND brand_id = (SELECT min(id) FROM brands) ORDER BY sort_key DESC OFFSET $1 LIMIT 1", phones/40).Scan(&middle)
	oneBrand := []int64{firstBrand}
	cases := []struct {
		name string
		f    store.ConsentFilter
	}{
		{"first-page-all-brands", store.ConsentFilter{Kind: "phone"}},
		{"first-page-one-brand", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand}},
		{"deep-page-one-brand", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand, After: middle}},
		{"filter-mesaj-ret", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand, Type: "MESAJ", Status: "RET"}},
		{"filter-tacir-date-range", store.ConsentFilter{Kind: "phone", RecipientType: "TACIR",
			From: ptr(time.Now().Add(-48 * time.Hour)), To: ptr(time.Now().Add(-24 * time.Hour))}},
		{"search-phone-last-digits", store.ConsentFilter{Kind: "phone", Search: "0123456"}},
		{"search-phone-all-brands", store.ConsentFilter{Kind: "phone", Search: "5000123"}},
		{"search-name-one-brand", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand, Search: "ZEYNEP ŞAHİN"}},
		{"search-name-all-brands", store.ConsentFilter{Kind: "phone", Search: "Kılıç"}},
		{"search-phone-one-brand", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand, Search: "0532 000 01 20"}},
		{"search-name-rare-one-brand", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand, Search: "yok böyle biri"}},
		{"search-name-rare-all-brands", store.ConsentFilter{Kind: "phone", Search: "yok böyle biri"}},
		{"search-short", store.ConsentFilter{Kind: "phone", BrandIDs: oneBrand, Search: "ay"}},
		{"search-email-part", store.ConsentFilter{Kind: "email", Search: "kisi12345@"}},
		{"search-email-common", store.ConsentFilter{Kind: "email", BrandIDs: oneBrand, Search: "ornek.com"}},
		{"email-tab", store.ConsentFilter{Kind: "email", BrandIDs: oneBrand}},
	}
	for _, c := range cases {
		if testing.Verbose() {
			plan, err := st.ExplainRecipients(ctx, c.f)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("EXPLAIN %s:\n%s", c.name, plan)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.ListRecipients(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("dashboard-all-brands", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.BrandStats(ctx, nil); err != nil {
				b.Fatal(err)
			}
			if _, err := st.RecentEvents(ctx, nil, 10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dashboard-one-brand", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.BrandStats(ctx, oneBrand); err != nil {
				b.Fatal(err)
			}
			if _, err := st.RecentEvents(ctx, oneBrand, 10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("history", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.History(ctx, firstBrand, "+905000012340"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// seed writes the data set with set-based SQL.
func seed(b *testing.B, st *store.Store, phones, emails int) {
	ctx := context.Background()
	steps := []string{
		`INSERT INTO companies (title, iys_code) SELECT 'Firma ' || i, (100000 + i)::text FROM generate_series(1, 5) i`,
		`INSERT INTO brands (company_id, name, brand_code)
		 SELECT c.id, 'Marka ' || c.id || '-' || j, (200000 + c.id * 10 + j)::text FROM companies c, generate_series(1, 4) j`,
		`INSERT INTO recipients (brand_id, kind, recipient, recipient_type, first_name, last_name)
		 SELECT (SELECT min(id) FROM brands) + i % 20, 'phone', '+905' || lpad(i::text, 9, '0'),
		        CASE WHEN (i / 20) % 10 = 0 THEN 'TACIR' ELSE 'BIREYSEL' END,
		        (ARRAY['Ayşe','Mehmet','Fatma','Ali','Zeynep','Mustafa','Elif'])[i % 7 + 1],
		        (ARRAY['Yılmaz','Kaya','Demir','Çelik','Şahin','Yıldız','Aydın','Öztürk','Kılıç'])[i % 9 + 1]
		 FROM generate_series(1, $1::int) i`,
		`INSERT INTO recipients (brand_id, kind, recipient, recipient_type, first_name, last_name)
		 SELECT (SELECT min(id) FROM brands) + i % 20, 'email', 'kisi' || i || '@ornek.com.tr', 'BIREYSEL', 'Kişi', i::text
		 FROM generate_series(1, $2::int) i`,
		`INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, sort_key)
		 SELECT r.id, t.type, r.brand_id, r.recipient_type,
		        CASE WHEN (r.id / 20 + length(t.type)) % 10 = 0 THEN 'RET' ELSE 'ONAY' END, 'HS_WEB',
		        now() - (r.id % 2000) * interval '1 hour', r.sort_key
		 FROM recipients r JOIN (VALUES ('phone', 'ARAMA'), ('phone', 'MESAJ'), ('email', 'EPOSTA')) t(kind, type) ON t.kind = r.kind`,
		`INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, iys_state)
		 SELECT recipient_id, type, brand_id, status, source, consent_date, 'import', 'benchmark', '` + string(store.SyncRegistered) + `' FROM consents ORDER BY recipient_id`,
		`VACUUM ANALYZE`, // what autovacuum does after a bulk load
	}
	for i, q := range steps {
		t := time.Now()
		var err error
		switch i {
		case 2:
			_, err = st.Pool().Exec(ctx, q, phones)
		case 3:
			_, err = st.Pool().Exec(ctx, strings.Replace(q, "$2", "$1", 1), emails)
		default:
			_, err = st.Pool().Exec(ctx, q)
		}
		if err != nil {
			b.Fatalf("seed step %d: %v", i, err)
		}
		b.Logf("seed step %d: %s", i, time.Since(t).Round(time.Millisecond))
	}
}
