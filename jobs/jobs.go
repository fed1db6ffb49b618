// Package jobs holds iysgate's River job arguments and workers. Each stage of
// the work that must survive a restart (parsing an import, sending to İYS,
// pulling changes) is a job here, enqueued with InsertTx in the transaction
// that makes the state it needs.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"iysgate/app/iys"
	"iysgate/app/store"
)

// Deps are what the workers use.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// BrandCodes lists the brand codes a user may record consents for.
	BrandCodes func(ctx context.Context, userID int64) ([]string, error)
	// IYS is the client of the integrator account (or of the simulator).
	IYS      *iys.Client
	Delivery Delivery
	// Items counts İYS's final answers by outcome (for metrics); may be nil.
	Items func(outcome string)
	// Pulled counts changes pulled from İYS by source and result; may be nil.
	Pulled func(source, result string, n int)
	// Checked counts recipients checked by Tarama by channel and result; may be nil.
	Checked func(channel, result string, n int)
	// FileRetention is how long the file of an ended import is kept.
	FileRetention time.Duration
	// ApproveChunk is how many consents an approval writes per
	// transaction (0: approveChunk).
	ApproveChunk int
	// Webhooks are the webhook delivery settings.
	Webhooks Webhooks
}

// Workers registers every worker.
func Workers(d Deps) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &PruneLoginAttemptsWorker{deps: d})
	river.AddWorker(w, &ParseImportWorker{deps: d})
	river.AddWorker(w, &ValidateImportWorker{deps: d})
	river.AddWorker(w, &ApproveImportWorker{deps: d})
	river.AddWorker(w, &SweepImportsWorker{deps: d})
	river.AddWorker(w, &DeliverWorker{deps: d})
	river.AddWorker(w, &SweepDeliveryWorker{deps: d})
	river.AddWorker(w, &CheckIntegratorWorker{deps: d})
	river.AddWorker(w, &PullChangesWorker{deps: d})
	river.AddWorker(w, &ScrubWorker{deps: d})
	river.AddWorker(w, &DeliverWebhooksWorker{deps: d})
	return w
}

// Periodic lists the periodic jobs; River runs them on the elected leader
// only, so several nodes do not repeat them. pull is how often İYS's change
// feed is read, integrator how often İYS's integrator query is asked (0:
// never, without an integrator code).
func Periodic(pull, integrator time.Duration) []*river.PeriodicJob {
	jobs := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PruneLoginAttemptsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return SweepImportsArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return SweepDeliveryArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(pull),
			func() (river.JobArgs, *river.InsertOpts) { return PullChangesArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) { return ScrubArgs{Sweep: true}, nil }, nil),
	}
	if integrator > 0 {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(integrator),
			func() (river.JobArgs, *river.InsertOpts) { return CheckIntegratorArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	return jobs
}
