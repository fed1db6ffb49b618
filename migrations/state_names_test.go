package migrations_test

import (
	"context"
	"testing"
)

// Migration 00022 renames every stored delivery state, of events and of
// batches, and back; renaming a refusal queues no consent.refused webhook,
// while a refusal after it still does.
func TestDeliveryStateNamesMigration(t *testing.T) {
	ctx := context.Background()
	pool, p, exec := migratedTo(t, 21)
	exec(`INSERT INTO companies (id, title) OVERRIDING SYSTEM VALUE VALUES (1, 'Örnek')`)
	exec(`INSERT INTO brands (id, company_id, name, brand_code) OVERRIDING SYSTEM VALUE VALUES (1, 1, 'Marka', '600001')`)
	exec(`INSERT INTO webhook_endpoints (brand_id, url, events, secret, created_by)
		VALUES (1, 'https://ornek.com.tr/kanca', '{consent.refused}', '\x00', 'test')`)
	exec(`INSERT INTO recipients (id, brand_id, kind, recipient, recipient_type) OVERRIDING SYSTEM VALUE
		SELECT g, 1, 'phone', '+90532000000' || g, 'BIREYSEL' FROM generate_series(1, 6) g`)
	exec(`INSERT INTO sync_batches (id, company_id, brand_id, kind, status, items) OVERRIDING SYSTEM VALUE VALUES
		(1, 1, 1, 'async', 'hazirlaniyor', 1), (2, 1, 1, 'async', 'bekliyor', 1), (3, 1, 1, 'async', 'gonderiliyor', 1),
		(4, 1, 1, 'async', 'gonderildi', 1), (5, 1, 1, 'async', 'tamam', 1), (6, 1, 1, 'async', 'hata', 1)`)
	exec(`INSERT INTO consent_events (id, recipient_id, type, brand_id, status, source, consent_date, origin, actor, iys_state)
		OVERRIDING SYSTEM VALUE VALUES
		(1, 1, 'MESAJ', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a', 'kota'),
		(2, 2, 'MESAJ', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a', 'bekliyor'),
		(3, 3, 'MESAJ', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a', 'gonderildi'),
		(4, 4, 'MESAJ', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a', 'kayitli'),
		(5, 5, 'MESAJ', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a', 'hata'),
		(6, 6, 'MESAJ', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a', 'bekliyor')`)
	states := func() string {
		t.Helper()
		var events, batches string
		if err := pool.QueryRow(ctx, `SELECT (SELECT string_agg(iys_state, ' ' ORDER BY id) FROM consent_events),
			(SELECT string_agg(status, ' ' ORDER BY id) FROM sync_batches)`).Scan(&events, &batches); err != nil {
			t.Fatal(err)
		}
		return events + " / " + batches
	}
	hooks := func() (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE type = 'consent.refused'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const old = "kota bekliyor gonderildi kayitli hata bekliyor / hazirlaniyor bekliyor gonderiliyor gonderildi tamam hata"
	const renamed = "quota pending sent registered refused pending / preparing waiting sending sent done failed"
	if got := states(); got != old {
		t.Fatalf("before: %s", got)
	}
	if _, err := p.UpTo(ctx, 22); err != nil {
		t.Fatal(err)
	}
	if got := states(); got != renamed {
		t.Errorf("after 00022: %s\nwant %s", got, renamed)
	}
	if n := hooks(); n != 0 {
		t.Errorf("the renaming queued %d consent.refused webhooks", n)
	}
	// The defaults and the trigger speak the new names.
	exec(`INSERT INTO sync_batches (id, company_id, brand_id, kind, items) OVERRIDING SYSTEM VALUE VALUES (7, 1, 1, 'async', 1)`)
	exec(`INSERT INTO consent_events (id, recipient_id, type, brand_id, status, source, consent_date, origin, actor)
		OVERRIDING SYSTEM VALUE VALUES (7, 1, 'ARAMA', 1, 'ONAY', 'HS_WEB', now(), 'manual', 'a')`)
	exec(`UPDATE consent_events SET iys_state = 'refused' WHERE id = 6`)
	if n := hooks(); n != 1 {
		t.Errorf("a refusal after 00022 queued %d consent.refused webhooks, want 1", n)
	}
	if got, want := states(), "quota pending sent registered refused refused pending / preparing waiting sending sent done failed waiting"; got != want {
		t.Errorf("new rows: %s\nwant %s", got, want)
	}
	if _, err := pool.Exec(ctx, `UPDATE consent_events SET iys_state = 'kayitli' WHERE id = 1`); err == nil {
		t.Error("an old state name is still allowed")
	}

	// Down to 21 whatever migrations follow 00022.
	if _, err := p.DownTo(ctx, 21); err != nil {
		t.Fatal(err)
	}
	if got, want := states(), "kota bekliyor gonderildi kayitli hata hata bekliyor / hazirlaniyor bekliyor gonderiliyor gonderildi tamam hata bekliyor"; got != want {
		t.Errorf("after undoing 00022: %s\nwant %s", got, want)
	}
	if n := hooks(); n != 1 {
		t.Errorf("undoing the renaming queued webhooks: %d", n)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var idx int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE indexname IN
		('consent_events_open_key_idx', 'consent_events_unbatched_idx', 'sync_batches_due_idx', 'sync_batches_open_idx')`).Scan(&idx); err != nil {
		t.Fatal(err)
	}
	if idx != 4 {
		t.Errorf("%d of the four partial indexes after 00022 again", idx)
	}
}
