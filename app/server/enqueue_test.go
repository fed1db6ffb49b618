package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"iysgate/jobs"
)

// Each transaction that hands work to River enqueues its job with the
// work's own id: an upload its parse, a scrub its check, a send its
// approval, a consent added by hand and a package approved the company's
// delivery. A missing enqueue fails here by name, not as a timeout
// somewhere else.
func TestEveryTransactionEnqueues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	driver := riverpgxv5.New(e.st.Pool())
	b := e.company("Kuyruk A.Ş.", "Kuyruk", "720031")
	e.ready(b.CompanyID)
	api := e.apiClient(e.user("y@kuyruk.com.tr", "yonetici", b.ID))
	// enqueued counts the jobs of a kind whose argument key is id.
	enqueued := func(kind, key string, id int64) int {
		t.Helper()
		return count(t, e, `SELECT count(*) FROM river_job WHERE kind = '`+kind+`' AND args->>'`+key+`' = '`+strconv.FormatInt(id, 10)+`'`)
	}

	// forget drops the delivery jobs that ended, so that the next count
	// sees only what the next step enqueues.
	forget := func() {
		t.Helper()
		if _, err := e.st.Pool().Exec(ctx, `DELETE FROM river_job WHERE kind = $1`, jobs.DeliverArgs{}.Kind()); err != nil {
			t.Fatal(err)
		}
	}

	// A package approved: the company's delivery (its consent waiting for
	// quota goes out).
	addConsent(t, api, "720031", "0532 111 00 30", "ONAY", time.Now().Add(-time.Hour)) // no package yet: it waits
	forget()
	admin := e.apiClient(e.adminUser())
	r := admin.postJSON("/api/v1/subscriptions", map[string]any{"company_id": b.CompanyID, "units": 5000})
	var sub struct{ ID int64 }
	if r.status != http.StatusCreated || json.Unmarshal([]byte(r.body), &sub) != nil {
		t.Fatalf("package request: %d %s", r.status, r.body)
	}
	if r := admin.postJSON("/api/v1/subscriptions/"+itoa(sub.ID)+"/approve", map[string]any{}); r.status != http.StatusOK {
		t.Fatalf("package approval: %d %s", r.status, r.body)
	}
	if n := enqueued(jobs.DeliverArgs{}.Kind(), "company_id", b.CompanyID); n == 0 {
		t.Error("approving a package enqueued no delivery for the company's waiting consent")
	}

	// An upload: its parse.
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	id := upload(t, api, "kuyruk.csv", []byte("marka_kodu,alici_tipi,telefon,mesaj_izni,kaynak,izin_tarihi\n720031,BIREYSEL,05321110031,ONAY,HS_WEB,"+at+"\n"))
	parse := rivertest.RequireInserted(ctx, t, driver, &jobs.ParseImportArgs{}, nil)
	if parse.Args.ImportID != id {
		t.Errorf("the parse job is for import %d, want %d", parse.Args.ImportID, id)
	}
	waitImport(t, api, id)

	// A send: its approval.
	r = api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true})
	if r.status != http.StatusAccepted {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	approve := rivertest.RequireInserted(ctx, t, driver, &jobs.ApproveImportArgs{}, nil)
	if approve.Args.ImportID != id || approve.Args.Actor != "y@kuyruk.com.tr" {
		t.Errorf("the approval job: %+v", approve.Args)
	}
	waitImport(t, api, id)

	// A consent by hand: the company's delivery, in the same transaction.
	e.waitFinal("the import")
	forget()
	addConsent(t, api, "720031", "0532 111 00 32", "ONAY", time.Now().Add(-time.Hour))
	if n := enqueued(jobs.DeliverArgs{}.Kind(), "company_id", b.CompanyID); n == 0 {
		t.Error("a consent by hand enqueued no delivery")
	}

	// A scrub: its check.
	sc := scrubList(t, api, "kampanya.csv", []byte("telefon\n05321110031\n"), map[string]string{"brand_code": "720031", "type": "MESAJ"})
	if n := enqueued(jobs.ScrubArgs{}.Kind(), "scrub_id", sc.ID); n != 1 {
		t.Errorf("the scrub enqueued %d checks, want 1", n)
	}
}
