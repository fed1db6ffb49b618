package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
	"iysgate/jobs"
)

// BenchmarkDelivery delivers IYSGATE_BENCH_DELIVERY consents (default
// 100,000; the note's figure is for 1,000,000) of one company to the
// simulator with İYS's published limits on (10 requests a second, the
// hourly ones) and the result wait at its default (300 s), through the
// company's delivery job as River runs it, a pull running beside it. It
// reports the ratio of the shortest time the limits allow to the time
// taken: with L lists each costing a send and a result query, and X other
// calls (tokens, pulls) from the same budget, the limits allow at best
// max((2L+X)/10, L/10 + 300 s): the last list cannot be sent before L/10 s,
// nor asked about before 300 s after.
//
//	IYSGATE_BENCH_DELIVERY=1000000 go test ./app/store -run '^$' -bench Delivery -benchtime 1x -v -timeout 60m
func BenchmarkDelivery(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_DELIVERY")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		deliverOnce(b, n)
	}
}

func deliverOnce(b *testing.B, n int) {
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
		SELECT $1, 'phone', '+90535' || lpad(g::text, 7, '0'), 'BIREYSEL' FROM generate_series(1, $2) g`, brand.ID, n); err != nil {
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

	sim, srv := iystest.NewServer(b, iystest.Config{RateLimits: true, AsyncDelay: 2 * time.Second})
	// The limiter and token serve uses: shared through the database.
	budget, err := st.IYSBudget(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	client := iys.New(iys.Config{BaseURL: srv.URL, Username: "bench", Password: "bench",
		Limiter: iys.NewSharedLimiter(iys.Limits{}, budget, func(err error) { b.Error(err) }), Tokens: st.IYSTokens(srv.URL, "bench")})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := jobs.Deps{Store: st, Log: log, IYS: client, Delivery: jobs.Delivery{ResultWait: iysapi.ResultWait,
		PollInterval: 30 * time.Second, JobTimeout: time.Hour, ListSize: iysapi.MaxListItems, Concurrency: 8}}
	w := jobs.NewDeliverWorker(deps)
	pull := jobs.NewPullChangesWorker(deps)
	b.StartTimer()
	start := time.Now()
	go func() { // the periodic pull that runs at start
		_ = pull.Work(ctx, &river.Job[jobs.PullChangesArgs]{JobRow: &rivertype.JobRow{Attempt: 1}})
	}()
	runLikeRiver(b, w, brand.CompanyID)
	elapsed := time.Since(start)
	b.StopTimer()

	stats := sim.Stats()
	if stats.ConsentsStored != n || stats.StoredTwice != 0 {
		b.Fatalf("simulator stored %d (%d twice), want %d", stats.ConsentsStored, stats.StoredTwice, n)
	}
	q, _ := st.Quota(ctx, brand.CompanyID)
	if q.Spent != int64(n) || q.Reserved != 0 {
		b.Fatalf("quota %+v after %d deliveries", q, n)
	}
	lists := stats.Requests["consent_request_v2"]["202"]
	other := 0
	for kind, byStatus := range stats.Requests {
		if kind != "consent_request_v2" && kind != "consent_request_result_v2" {
			for _, c := range byStatus {
				other += c
			}
		}
	}
	perSecond := float64(iysapi.PerSecond)
	least := max(time.Duration(float64(2*lists+other)/perSecond*float64(time.Second)),
		time.Duration(float64(lists)/perSecond*float64(time.Second))+iysapi.ResultWait)
	ratio := least.Seconds() / elapsed.Seconds()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "consents/s")
	b.ReportMetric(ratio, "of-limit")
	b.Logf("%d consents in %d lists in %s (%.0f/s); the limits allow it in %s at best: ratio %.3f; calls %v; at most %d a second",
		n, lists, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), least.Round(time.Millisecond), ratio,
		stats.Requests, stats.MaxRequestsPerSecond)
}

// runLikeRiver works a company's delivery job until it completes, sleeping
// through its snoozes as River would.
func runLikeRiver(b *testing.B, w *jobs.DeliverWorker, company int64) {
	job := &river.Job[jobs.DeliverArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 25}, Args: jobs.DeliverArgs{CompanyID: company}}
	for {
		err := w.Work(context.Background(), job)
		var snooze *river.JobSnoozeError
		switch {
		case err == nil:
			return
		case errors.As(err, &snooze):
			time.Sleep(snooze.Duration)
		default:
			b.Fatal(err)
		}
	}
}
