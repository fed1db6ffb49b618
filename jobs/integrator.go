package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/store"
)

// CheckIntegratorArgs asks İYS, by its integrator query, which brands and
// channels each company (one, or all when CompanyID is 0) lets the agency
// read and write, and stores the answer: delivery waits, with a Turkish
// reason, where İYS grants no write access. It runs periodically on the
// leader when an integrator code is configured; İYS Ayarları may enqueue it
// for one company.
type CheckIntegratorArgs struct {
	CompanyID int64 `json:"company_id"`
}

// Kind implements river.JobArgs.
func (CheckIntegratorArgs) Kind() string { return "iys_check_integrator" }

// InsertOpts implements river.JobArgsWithInsertOpts: one check of a
// company at a time.
func (CheckIntegratorArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// CheckIntegratorWorker runs CheckIntegratorArgs.
type CheckIntegratorWorker struct {
	river.WorkerDefaults[CheckIntegratorArgs]
	deps Deps
}

// Timeout implements river.Worker.
func (w *CheckIntegratorWorker) Timeout(*river.Job[CheckIntegratorArgs]) time.Duration {
	return w.deps.Delivery.JobTimeout
}

// Work implements river.Worker. A company whose answer is lost keeps the
// last one; when İYS's limits leave no turn the run ends, and the next
// continues with the companies least recently asked.
func (w *CheckIntegratorWorker) Work(ctx context.Context, job *river.Job[CheckIntegratorArgs]) error {
	code := w.deps.Delivery.IntegratorCode
	if code == "" {
		return nil
	}
	targets, err := w.deps.Store.IntegratorTargets(ctx, job.Args.CompanyID)
	if err != nil {
		return err
	}
	for _, t := range targets {
		brands, err := w.deps.IYS.IntegratorBrands(ctx, code, t.IYSCode)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := w.deps.Store.SaveIntegratorCheck(ctx, t.CompanyID, integratorAnswer(brands, err)); err != nil {
			return err
		}
		if iys.ClassOf(err) == iysapi.ClassRateLimit {
			return nil
		}
	}
	return nil
}

// integratorAnswer is İYS's answer as the store keeps it: the brands with
// their access per channel, "not listed" for İYS's refusals that say the
// company is not ours, and "unknown" for any other failure.
func integratorAnswer(brands []iys.IntegratorBrand, err error) store.IntegratorAnswer {
	if err != nil {
		ans := store.IntegratorAnswer{Unknown: iys.ClassOf(err) != iysapi.ClassCompany}
		if ans.Unknown {
			ans.Error = turkish(err)
		}
		var e *iys.Error
		if errors.As(err, &e) {
			ans.Code = e.Code
		}
		return ans
	}
	ans := store.IntegratorAnswer{Listed: len(brands) > 0}
	for _, b := range brands {
		for _, typ := range iysapi.Types {
			ans.Access = append(ans.Access, store.BrandAccess{BrandCode: string(b.BrandCode), BrandName: b.Name, Type: typ, Access: b.Access(typ)})
		}
	}
	return ans
}
