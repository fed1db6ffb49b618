package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/iys"
	"iysgate/app/iys/iystest"
	"iysgate/app/store"
	"iysgate/jobs"
)

// BenchmarkDelivery delivers IYSGATE_BENCH_DELIVERY consents (default
// 100,000; the note's figure is for 1,000,000) to the simulator through
// the batch worker, with İYS's rate limits off and on. With limits on, the
// window is 5 s instead of a minute (so the run takes minutes, not hours)
// and the report gives the ratio of the shortest time the limits allow to
// the time taken: B batches need at least (⌈B/L⌉ − 1) windows when L
// consent_request calls may start per window.
//
//	IYSGATE_BENCH_DELIVERY=1000000 go test ./app/store -run '^$' -bench Delivery -benchtime 1x -v
func BenchmarkDelivery(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_DELIVERY")); err == nil && v > 0 {
		n = v
	}
	for _, limits := range []bool{false, true} {
		name := "limits-off"
		if limits {
			name = "limits-on"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				deliverOnce(b, n, limits)
			}
		})
	}
}

func deliverOnce(b *testing.B, n int, limits bool) {
	ctx := context.Background()
	b.StopTimer()
	st, brand := setup(b)
	if _, err := st.Pool().Exec(ctx, `UPDATE companies SET integrator_assigned = true;
		INSERT INTO packages (units, price_kurus) VALUES (100000000, 0)`); err != nil {
		b.Fatal(err)
	}
	grant(b, st, brand.CompanyID, 100000000)
	at := time.Now().Add(-time.Hour)
	// n MESAJ consents of one import, as an approval writes them.
	if _, err := st.Pool().Exec(ctx, `
		INSERT INTO recipients (brand_id, kind, recipient, recipient_type)
		SELECT $1, 'phone', '+90535' || lpad(g::text, 7, '0'), 'BIREYSEL' FROM generate_series(1, $2) g;
		`, brand.ID, n); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `
		INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, import_id)
		SELECT id, 'MESAJ', $1, 'ONAY', 'HS_WEB', $2, 'import', 'bench', 1 FROM recipients WHERE brand_id = $1 ORDER BY id`, brand.ID, at); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := st.DeliverImport(ctx, 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("reserve + batches for %d events: %s", n, time.Since(t0).Round(time.Millisecond))

	const window = 5 * time.Second
	sim, srv := iystest.NewServer(b, iystest.Config{RateLimits: limits, RateWindow: window})
	client := iys.New(iys.Config{BaseURL: srv.URL, Username: "bench", Password: "bench", RateWindow: window})
	if !limits {
		client = iys.New(iys.Config{BaseURL: srv.URL, Username: "bench", Password: "bench", Limits: map[string]int{
			iys.KindConsentRequest: 1 << 30, iys.KindConsentRequestResult: 1 << 30, iys.KindConsentStatusMultiple: 1 << 30}})
	}
	w := jobs.NewSendBatchWorker(jobs.Deps{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), IYS: client,
		Delivery: jobs.Delivery{ResolveAfter: time.Second, PollInterval: 20 * time.Millisecond, JobTimeout: time.Hour}})
	batches, _, err := st.Batches(ctx, store.BatchFilter{}, store.Page{Limit: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	// A company's batches go one after the other, as the job chain runs them.
	for i := len(batches) - 1; i >= 0; i-- {
		job := &river.Job[jobs.SendBatchArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 25}, Args: jobs.SendBatchArgs{BatchID: batches[i].ID}}
		if err := w.Work(ctx, job); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stats := sim.Stats()
	if stats.ConsentsStored != n || stats.DuplicateDeliveries != 0 {
		b.Fatalf("simulator stored %d (duplicates %d), want %d", stats.ConsentsStored, stats.DuplicateDeliveries, n)
	}
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "consents/s")
	if limits {
		perWindow := iys.DefaultLimits[iys.KindConsentRequest]
		windows := (len(batches)+perWindow-1)/perWindow - 1
		least := time.Duration(windows) * window
		b.ReportMetric(least.Seconds()/elapsed.Seconds(), "of-limit")
		b.Logf("%d consents in %d batches in %s: %.0f/s; the limits allow it in %s at best: ratio %.2f",
			n, len(batches), elapsed.Round(time.Millisecond), rate, least, least.Seconds()/elapsed.Seconds())
	} else {
		b.Logf("%d consents in %d batches in %s: %.0f/s", n, len(batches), elapsed.Round(time.Millisecond), rate)
	}
	q, _ := st.Quota(ctx, brand.CompanyID)
	if q.Spent != int64(n) || q.Reserved != 0 {
		b.Fatalf("quota %+v after %d deliveries", q, n)
	}
}
