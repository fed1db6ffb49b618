package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/store"
)

// PullChangesArgs pulls İYS's changes of every ready brand, both sources:
// the provider's own (HS) and the recipients' own made in İYS (IYS: their
// RETs, first additions, operators' line closures). It is periodic and runs
// on the leader only.
type PullChangesArgs struct{}

// Kind implements river.JobArgs.
func (PullChangesArgs) Kind() string { return "iys_pull_changes" }

// InsertOpts implements river.JobArgsWithInsertOpts: one pull at a time.
func (PullChangesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// PullChangesWorker runs PullChangesArgs.
type PullChangesWorker struct {
	river.WorkerDefaults[PullChangesArgs]
	deps Deps
}

// NewPullChangesWorker is the worker on its own, for benchmarks that drive
// it without a River client.
func NewPullChangesWorker(d Deps) *PullChangesWorker { return &PullChangesWorker{deps: d} }

// Timeout implements river.Worker.
func (w *PullChangesWorker) Timeout(*river.Job[PullChangesArgs]) time.Duration {
	return w.deps.Delivery.JobTimeout
}

// Work implements river.Worker. A brand that fails is recorded and the
// others go on; the dashboard warns when a brand is not pulled for 6 days.
func (w *PullChangesWorker) Work(ctx context.Context, _ *river.Job[PullChangesArgs]) error {
	targets, err := w.deps.Store.PullTargets(ctx)
	if err != nil {
		return err
	}
	for _, t := range targets {
		for _, source := range []string{iysapi.ChangesHS, iysapi.ChangesIYS} {
			if err := w.pull(ctx, t, source); err != nil {
				if ctx.Err() != nil {
					return err
				}
				w.deps.Log.Warn("pulling İYS changes failed", "brand", t.BrandCode, "source", source, "err", err)
				if err := w.deps.Store.PullFailed(ctx, t.BrandID, source, turkish(err)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pull reads a brand's changes of one source page by page, from its stored
// cursor, applying each page with the cursor İYS gave for it; İYS's 204
// (nothing new) is a successful pull that leaves the cursor.
func (w *PullChangesWorker) pull(ctx context.Context, t store.PullTarget, source string) error {
	cursor := t.Cursors[source]
	sp := iys.SP{IYSCode: t.IYSCode, BrandCode: t.BrandCode}
	for {
		page, err := w.deps.IYS.Changes(ctx, sp, source, cursor, 0)
		if err != nil {
			return err
		}
		changes := make([]store.PulledChange, 0, len(page.List))
		for _, c := range page.List {
			at, err := iys.ParseTime(c.ConsentDate)
			if err != nil {
				// TACIR changes (and line closures of a TACIR record) may
				// come without a date; their creation date is when İYS
				// recorded them.
				if at, err = iys.ParseTime(c.CreationDate); err != nil {
					// Never move the cursor past a change that could not be
					// read: it may be a recipient's RET.
					return fmt.Errorf("İYS değişikliği okunamadı (%s, %s): %w", c.Recipient, c.TransactionID, err)
				}
			}
			changes = append(changes, store.PulledChange{Recipient: c.Recipient, RecipientType: c.RecipientType, Type: c.Type,
				Status: c.Status, Source: c.Source, ConsentDate: at, TransactionID: c.TransactionID})
		}
		res, err := w.deps.Store.ApplyPulled(ctx, t.BrandID, source, changes, page.After)
		if err != nil {
			return err
		}
		if w.deps.Pulled != nil {
			w.deps.Pulled(source, "applied", res.Applied)
			w.deps.Pulled(source, "skipped", res.Skipped)
			w.deps.Pulled(source, "conflict", res.Conflicts)
		}
		if len(page.List) == 0 || page.After == cursor {
			return nil
		}
		cursor = page.After
	}
}
