package jobs

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/consent"
	"iysgate/app/store"
)

// An approval whose job fails for the last time after writing some of its
// chunks is undone whole: the consent it changed has its earlier state
// and event again, the one it created is gone, its events, batches and
// quota holds are gone (the units free again), and the import is back in
// preview with a Turkish reason. Earlier attempts leave it for the retry.
func TestApprovalUndoneAfterTheLastAttempt(t *testing.T) {
	t.Parallel()
	e := newStagingEnv(t)
	pool := e.st.Pool()
	ctx := e.ctx
	now := time.Now().Truncate(time.Second)
	// The company can send, and has a package.
	if _, err := pool.Exec(ctx, `UPDATE companies SET iys_code = '123456', integrator_assigned = true
		WHERE id = (SELECT company_id FROM brands WHERE id = $1)`, e.brand); err != nil {
		t.Fatal(err)
	}
	var companyID int64
	pool.QueryRow(ctx, "SELECT company_id FROM brands WHERE id = $1", e.brand).Scan(&companyID)
	sub, err := e.st.RequestSubscription(ctx, store.System, companyID, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ApproveSubscription(ctx, store.System, sub.ID); err != nil {
		t.Fatal(err)
	}
	// +905320000001 has MESAJ ONAY from an hour ago, by hand.
	var rid, seen int64
	earlier := now.Add(-2 * time.Hour)
	pool.QueryRow(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type) VALUES ($1, 'phone', '+905320000001', 'BIREYSEL') RETURNING id`,
		e.brand).Scan(&rid)
	pool.QueryRow(ctx, `INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, iys_state)
		VALUES ($1, 'MESAJ', $2, 'ONAY', 'HS_WEB', $3, 'manual', 'test', '`+string(store.SyncRegistered)+`') RETURNING id`, rid, e.brand, earlier).Scan(&seen)
	if _, err := pool.Exec(ctx, `INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, iys_event_id, last_event_id, sort_key)
		VALUES ($1, 'MESAJ', $2, 'BIREYSEL', 'ONAY', 'HS_WEB', $3, $4, $4, $1)`, rid, e.brand, earlier, seen); err != nil {
		t.Fatal(err)
	}
	// The list changes it to RET and adds two new recipients.
	at := now.Add(-time.Hour).In(consent.Location()).Format("02.01.2006 15:04:05")
	row := func(phone, status string) consent.RowInput {
		return consent.RowInput{BrandCode: "654321", RecipientType: "BIREYSEL", Phone: phone, MessagePermission: status, Source: "HS_WEB", ConsentDate: at}
	}
	_, stats := e.stage(t, now, []consent.RowInput{row("05320000001", "RET"), row("05320000002", "ONAY"), row("05320000003", "ONAY")},
		func(int) []string { return []string{"x"} })
	e.st.SetImportStatus(ctx, e.id, store.ImportValidating, store.ImportParsing)
	if err := e.st.ValidateImport(ctx, e.id, []string{"654321"}, &stats); err != nil {
		t.Fatal(err)
	}
	a := store.Actor{UserID: 0, Label: "test"}
	if _, err := e.st.StartApproval(ctx, a, e.id, "all", func(pgx.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// Two of the three consents are written, then every attempt fails.
	if n, err := e.st.PrepareApproval(ctx, a, e.id); err != nil || n != 3 {
		t.Fatalf("prepare: %d %v", n, err)
	}
	if p, err := e.st.WriteApprovalChunk(ctx, a, e.id, 2); err != nil || p.Done != 2 {
		t.Fatalf("chunk: %+v %v", p, err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM consent_events WHERE import_id IS NOT NULL"); n != 2 {
		t.Fatalf("events written: %d", n)
	}
	w := &ApproveImportWorker{deps: Deps{Store: e.st, Log: slog.New(slog.DiscardHandler)}}
	dead, cancel := context.WithCancel(ctx)
	cancel() // every statement of this run fails
	args := ApproveImportArgs{ImportID: e.id, Actor: "test"}
	if err := w.Work(dead, &river.Job[ApproveImportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: args}); err == nil {
		t.Fatal("a failed attempt reported success")
	}
	if im, _ := e.st.Import(ctx, e.id); im.Status != store.ImportApproving || im.ApproveDone != 2 {
		t.Fatalf("after a failed attempt: %s %d", im.Status, im.ApproveDone)
	}
	if err := w.Work(dead, &river.Job[ApproveImportArgs]{JobRow: &rivertype.JobRow{Attempt: 5, MaxAttempts: 5}, Args: args}); err != nil {
		t.Fatalf("the last attempt: %v", err)
	}
	im, _ := e.st.Import(ctx, e.id)
	if im.Status != store.ImportPreview || im.ErrorCode != "INTERNAL" || !strings.Contains(im.ErrorMessage, "hiçbir izin gönderilmedi") {
		t.Fatalf("after the last attempt: %s %s %q", im.Status, im.ErrorCode, im.ErrorMessage)
	}
	var status string
	var pending *string
	var last int64
	pool.QueryRow(ctx, "SELECT status, pending_status, last_event_id FROM consents WHERE recipient_id = $1 AND type = 'MESAJ'", rid).Scan(&status, &pending, &last)
	if status != "ONAY" || pending != nil || last != seen {
		t.Errorf("the changed consent is %s (pending %v) at event %d, want ONAY held by İYS, nothing pending, at %d", status, pending, last, seen)
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM consents":                                           1,
		"SELECT count(*) FROM consent_events":                                     1,
		"SELECT count(*) FROM sync_batches":                                       0,
		"SELECT count(*) FROM import_approval_items":                              0,
		"SELECT COALESCE(sum(units), 0) FROM quota_holds":                         0,
		"SELECT COALESCE(sum(reserved), 0) FROM subscriptions":                    0,
		"SELECT COALESCE(sum(units), 0) FROM quota_ledger WHERE kind = 'release'": 3,
	} {
		if n := count(q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	// The list can be sent again, and then all of it is written.
	if _, err := e.st.StartApproval(ctx, a, e.id, "all", func(pgx.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(ctx, &river.Job[ApproveImportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: args}); err != nil {
		t.Fatal(err)
	}
	if im, _ := e.st.Import(ctx, e.id); im.Status != store.ImportApproved || count("SELECT count(*) FROM consents") != 3 ||
		count("SELECT count(*) FROM consent_events WHERE import_id IS NOT NULL") != 3 {
		t.Fatalf("sent again: %s", im.Status)
	}
}
