package store_test

import (
	"context"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
)

// İYS's answer for a change arrives while a later change of the same key
// is being written (İzin Ekle, an approval's chunk), holding the consent's
// row: once that commits, the answer is recorded against the row as the
// later change left it. The accepted change becomes what İYS holds and the
// later one stays pending; it is not taken for the answered one and
// cleared (a RET on its way would stop counting as RET).
func TestOutcomeKeepsALaterPendingChange(t *testing.T) {
	t.Parallel()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	ctx := context.Background()
	s := newReportSeed(t, st, "Yarış A.Ş.", "Yarış", "654400")
	first := s.manual(s.brand.ID, "+905320000401", consent.TypeMesaj, consent.StatusOnay, "-") // on its way
	var batch, recipient int64
	if err := st.Pool().QueryRow(ctx, `SELECT batch_id, recipient_id FROM consent_events WHERE id = $1`, first).Scan(&batch, &recipient); err != nil {
		t.Fatal(err)
	}

	// The later change, written in a transaction left open.
	tx, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var later int64
	if err := tx.QueryRow(ctx, `INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor)
		VALUES ($1, 'MESAJ', $2, 'RET', 'HS_WEB', $3, 'manual', 'test') RETURNING id`, recipient, s.brand.ID, s.at.Add(time.Minute)).Scan(&later); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE consents SET pending_event_id = $2, pending_status = 'RET', pending_source = 'HS_WEB',
		pending_consent_date = $3, pending_since = now(), last_event_id = $2 WHERE recipient_id = $1 AND type = 'MESAJ'`,
		recipient, later, s.at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	// The answer for the first change waits for that row.
	done := make(chan error, 1)
	go func() {
		_, err := st.RecordOutcomes(ctx, batch, []store.Outcome{{EventID: first, Accepted: true, Charged: true}})
		done <- err
	}()
	for {
		var waiting bool
		if err := st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE consents c SET%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the outcome did not wait for the row: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	var status, pending *string
	var iysEvent, pendingEvent *int64
	if err := st.Pool().QueryRow(ctx, `SELECT status, iys_event_id, pending_status, pending_event_id FROM consents
		WHERE recipient_id = $1 AND type = 'MESAJ'`, recipient).Scan(&status, &iysEvent, &pending, &pendingEvent); err != nil {
		t.Fatal(err)
	}
	if status == nil || *status != "ONAY" || iysEvent == nil || *iysEvent != first {
		t.Errorf("İYS holds %v (event %v), want the accepted ONAY (event %d)", status, iysEvent, first)
	}
	if pending == nil || *pending != "RET" || pendingEvent == nil || *pendingEvent != later {
		t.Errorf("pending %v (event %v), want the later RET (event %d) still on its way", pending, pendingEvent, later)
	}
}
