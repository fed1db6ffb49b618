package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// loginAttemptRetention is how long login attempts are kept: longer than any
// throttling window, short enough to keep the table small.
const loginAttemptRetention = 7 * 24 * time.Hour

// PruneLoginAttemptsArgs deletes old login attempts.
type PruneLoginAttemptsArgs struct{}

// Kind is the job's name in River.
func (PruneLoginAttemptsArgs) Kind() string { return "prune_login_attempts" }

// InsertOpts keeps one such job waiting at a time (a finished one does not
// block the next).
func (PruneLoginAttemptsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// PruneLoginAttemptsWorker works PruneLoginAttemptsArgs.
type PruneLoginAttemptsWorker struct {
	river.WorkerDefaults[PruneLoginAttemptsArgs]
	deps Deps
}

// Work deletes attempts older than the retention.
func (w *PruneLoginAttemptsWorker) Work(ctx context.Context, job *river.Job[PruneLoginAttemptsArgs]) error {
	n, err := w.deps.Store.PruneLoginAttempts(ctx, time.Now().Add(-loginAttemptRetention))
	if err != nil {
		return err
	}
	if n > 0 {
		w.deps.Log.Info("pruned login attempts", "rows", n)
	}
	return nil
}
