package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/consent"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// BenchmarkApproveImport measures the approval job over an import of
// IYSGATE_BENCH_APPROVE_ROWS rows (default 100,000), each with an ARAMA
// and a MESAJ consent and every third with an EPOSTA one, all new, for a
// company ready for İYS: prepare, the chunks and the publication,
// reported as seconds and rows per second.
//
//	IYSGATE_BENCH_APPROVE_ROWS=1000000 go test ./jobs -run '^$' -bench ApproveImport -benchtime 1x -timeout 30m
func BenchmarkApproveImport(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_APPROVE_ROWS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	st := store.New(pgtest.Pool(b), store.LeftToSweep)
	u := storetest.User(b, st, "a@ornek.com.tr", "admin")
	br := storetest.Company(b, st, "Örnek", "Marka", "654321")
	if _, err := st.Pool().Exec(ctx, `UPDATE companies SET iys_code = '123456', integrator_assigned = true WHERE id = $1`, br.CompanyID); err != nil {
		b.Fatal(err)
	}
	sub, err := st.RequestSubscription(ctx, store.System, br.CompanyID, 5000)
	if err == nil {
		_, err = st.ApproveSubscription(ctx, store.System, sub.ID)
	}
	if err == nil { // a package as big as no catalogue sells
		_, err = st.Pool().Exec(ctx, "UPDATE subscriptions SET units = 100000000 WHERE id = $1", sub.ID)
	}
	if err != nil {
		b.Fatal(err)
	}
	a := store.Actor{UserID: u.ID, Label: u.Email}
	w := &ApproveImportWorker{deps: Deps{Store: st, Log: benchLog()}}
	for b.Loop() {
		b.StopTimer()
		id := previewImport(b, st, a, n)
		if _, err := st.StartApproval(ctx, a, id, "all", func(pgx.Tx) error { return nil }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := w.Work(ctx, &river.Job[ApproveImportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5},
			Args: ApproveImportArgs{ImportID: id, UserID: a.UserID, Actor: a.Label}}); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		if im, _ := st.Import(ctx, id); im.Status != store.ImportApproved {
			b.Fatalf("import %s: %s", im.Status, im.ErrorMessage)
		}
		b.ReportMetric(el.Seconds(), "approve_s")
		b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
	}
}

// previewImport makes an import of n rows in preview, as the parse job
// would, without a workbook.
func previewImport(b *testing.B, st *store.Store, a store.Actor, n int) int64 {
	b.Helper()
	ctx := context.Background()
	im, err := st.CreateImport(ctx, a, nil, store.Upload{Filename: "bench.xlsx"}, strings.NewReader("veri"), func(pgx.Tx, int64) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	st.SetImportStatus(ctx, im.ID, store.ImportParsing, store.ImportUploaded)
	now := time.Now()
	at := now.Add(-time.Hour).In(consent.Location()).Format("02.01.2006 15:04:05")
	var stats store.ParseStats
	for from := 0; from < n; from += 10_000 {
		var batch store.StagedBatch
		for i := from; i < min(from+10_000, n); i++ {
			in := consent.RowInput{BrandCode: "654321", RecipientType: "BIREYSEL", FirstName: "Ayşe", LastName: "Yılmaz",
				Phone: fmt.Sprintf("0532%07d", i), CallPermission: "ONAY", MessagePermission: "ONAY", Source: "HS_WEB", ConsentDate: at}
			if i%3 == 0 {
				in.Email, in.EmailPermission = fmt.Sprintf("kisi%d@ornek.com.tr", i), "ONAY"
			}
			batch.Stage(im.ID, store.ParsedRow{RowNo: i + 2, Cells: []string{in.Phone}, Result: consent.ValidateRow(in, now, nil)}, &stats)
		}
		if err := st.SaveParsedRows(ctx, im.ID, &batch); err != nil {
			b.Fatal(err)
		}
	}
	st.SetImportStatus(ctx, im.ID, store.ImportValidating, store.ImportParsing)
	if err := st.ValidateImport(ctx, im.ID, []string{"654321"}, &stats); err != nil {
		b.Fatal(err)
	}
	return im.ID
}

// benchLog logs the job's steps with -v.
func benchLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
