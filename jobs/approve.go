package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"iysgate/app/store"
)

// approveChunk is how many items an approval writes per transaction: big
// enough that a million rows take a few dozen commits, small enough that
// no transaction holds the recipients it writes for more than a moment.
const approveChunk = 100_000

// ApproveImportArgs writes an approved import's consents (see
// store.StartApproval).
type ApproveImportArgs struct {
	ImportID int64  `json:"import_id"`
	UserID   int64  `json:"user_id"` // who pressed send (0: the system)
	Actor    string `json:"actor"`
}

// Kind is the job's name in River.
func (ApproveImportArgs) Kind() string { return "import_approve" }

// InsertOpts: as the parse. StartApproval enqueues one job per press of
// send that moved the import from preview (a refused approval may be sent
// again: no uniqueness across completed jobs).
func (ApproveImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: importAttempts}
}

// ApproveImportWorker works ApproveImportArgs.
type ApproveImportWorker struct {
	river.WorkerDefaults[ApproveImportArgs]
	deps Deps
}

// Timeout: as ParseImportWorker's.
func (w *ApproveImportWorker) Timeout(job *river.Job[ApproveImportArgs]) time.Duration {
	return attemptTimeout(w.deps.Delivery.JobTimeout, job.Attempt)
}

// Work prepares the approval (once), writes its chunks from where the
// last commit left off, and publishes it. A refusal (a key changed since
// the preview, a company short of quota) and the last failed attempt undo
// the approval: the import is back in preview with the reason, and nothing
// of it was sent. Earlier failures are retried by River and resume.
func (w *ApproveImportWorker) Work(ctx context.Context, job *river.Job[ApproveImportArgs]) error {
	err := w.approve(ctx, job.Args)
	if err == nil || errors.Is(err, store.ErrImportGone) {
		return nil
	}
	code, msg := approvalRefusal(err)
	if code == "" && job.Attempt < job.MaxAttempts {
		return err
	}
	if code == "" {
		code, msg = "INTERNAL", "Liste onaylanırken beklenmeyen bir hata oluştu; hiçbir izin gönderilmedi. Yeniden göndermeyi deneyin, sorun sürerse yöneticinize bildirin."
		w.deps.Log.Error("import approval failed for good", "import_id", job.Args.ImportID, "err", err)
	}
	if uerr := w.deps.Store.UndoApproval(context.WithoutCancel(ctx), job.Args.ImportID, code, msg); uerr != nil {
		return errors.Join(err, uerr)
	}
	return nil
}

func (w *ApproveImportWorker) approve(ctx context.Context, args ApproveImportArgs) error {
	st, id := w.deps.Store, args.ImportID
	a := store.Actor{UserID: args.UserID, Label: args.Actor}
	start := time.Now()
	total, err := st.PrepareApproval(ctx, a, id)
	if err != nil {
		return err
	}
	w.deps.Log.Info("import approval prepared", "import_id", id, "items", total, "duration", time.Since(start))
	chunk := approveChunk
	if w.deps.ApproveChunk > 0 {
		chunk = w.deps.ApproveChunk
	}
	for {
		t0 := time.Now()
		p, err := st.WriteApprovalChunk(ctx, a, id, chunk)
		if err != nil {
			return err
		}
		w.deps.Log.Debug("import approval chunk written", "import_id", id, "done", p.Done, "total", p.Total, "duration", time.Since(t0))
		if p.Finished() {
			break
		}
	}
	if err := st.PublishApproval(ctx, a, id); err != nil {
		return err
	}
	w.deps.Log.Info("import approved", "import_id", id, "items", total, "duration", time.Since(start))
	return nil
}

// approvalRefusal is the code and Turkish message of an approval the job
// refuses for good ("" for an error worth retrying).
func approvalRefusal(err error) (code, message string) {
	var qe *store.QuotaError
	switch {
	case errors.As(err, &qe):
		return "QUOTA", store.MessageQuota(qe)
	case errors.Is(err, store.ErrImportChanged):
		return "IMPORT_STALE", store.MessageImportChanged
	}
	return "", ""
}
