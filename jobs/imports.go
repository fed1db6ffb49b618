package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/store"
)

// parseBatch is how many rows are COPYed at a time.
const parseBatch = 5000

// ParseImportArgs parses an uploaded file into import rows and items.
type ParseImportArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind is the job's name in River.
func (ParseImportArgs) Kind() string { return "import_parse" }

// InsertOpts: a few attempts; the last failure ends the import (see Work).
func (ParseImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: importAttempts}
}

// importAttempts bounds the retries of import jobs: a failure that five
// attempts did not cure will not be cured by more, and the user waits.
const importAttempts = 5

// giveUp ends an import whose job failed for the last time, so that it
// never stays in a working stage.
func giveUp(ctx context.Context, d Deps, id int64, attempt, max int, err error) error {
	if err != nil && attempt >= max {
		d.Log.Error("import job failed for good", "import_id", id, "err", err)
		if ferr := d.Store.FailImport(context.WithoutCancel(ctx), id, "INTERNAL",
			"Liste işlenirken beklenmeyen bir hata oluştu; yeniden yüklemeyi deneyin. Sorun sürerse yöneticinize bildirin."); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// ValidateImportArgs runs the stateful rules over a parsed import.
type ValidateImportArgs struct {
	ImportID int64 `json:"import_id"`
	// BrandCodes are the brand codes the uploader may record consents for,
	// as they stood when the file was read.
	BrandCodes []string `json:"brand_codes"`
}

// Kind is the job's name in River.
func (ValidateImportArgs) Kind() string { return "import_validate" }

// InsertOpts: a few attempts; the last failure ends the import.
func (ValidateImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: importAttempts}
}

// ParseImportWorker works ParseImportArgs.
type ParseImportWorker struct {
	river.WorkerDefaults[ParseImportArgs]
	deps Deps
}

// Timeout lets a million-row file take its time.
func (w *ParseImportWorker) Timeout(*river.Job[ParseImportArgs]) time.Duration {
	return 30 * time.Minute
}

// Work reads the file row by row and stores each row with its stateless
// problems. A restarted job starts clean: whatever an interrupted run wrote
// is deleted first. A file that cannot be read ends the import with the
// reader's Turkish message.
func (w *ParseImportWorker) Work(ctx context.Context, job *river.Job[ParseImportArgs]) error {
	err := w.parse(ctx, job)
	if errors.Is(err, store.ErrImportGone) {
		// Discarded while parsing: the rows written so far go too.
		return w.deps.Store.ResetImportRows(ctx, job.Args.ImportID)
	}
	return giveUp(ctx, w.deps, job.Args.ImportID, job.Attempt, job.MaxAttempts, err)
}

func (w *ParseImportWorker) parse(ctx context.Context, job *river.Job[ParseImportArgs]) error {
	st, id := w.deps.Store, job.Args.ImportID
	ok, err := st.SetImportStatus(ctx, id, store.ImportParsing, store.ImportUploaded, store.ImportParsing)
	if err != nil || !ok {
		return err // discarded meanwhile: nothing to do
	}
	if err := st.ResetImportRows(ctx, id); err != nil {
		return err
	}
	im, err := st.Import(ctx, id)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "iysgate-import-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := st.WriteImportFile(ctx, id, f); err != nil {
		return err
	}
	r, err := importer.Open(f, im.SizeBytes, im.Filename, importer.Limits{})
	if err != nil {
		return w.fail(ctx, id, err)
	}
	defer r.Close()
	if err := st.SetImportHeader(ctx, id, r.Header().Cells); err != nil {
		return err
	}
	now := time.Now()
	// Reading and validating (Go) and storing (PostgreSQL) overlap: a
	// writer goroutine stores batch after batch while the next is read.
	type chunk struct {
		rows        []store.ParsedRow
		read, total int64 // the reader's progress when the batch was full
	}
	batches := make(chan chunk, 2)
	written := make(chan error, 1)
	done := 0
	go func() {
		var werr error
		for b := range batches {
			if werr != nil {
				continue // drain after a failure
			}
			if werr = st.SaveParsedRows(ctx, id, b.rows); werr != nil {
				continue
			}
			done += len(b.rows)
			// The total is estimated from the bytes read so far.
			read, total := b.read, b.total
			estimate := done
			if read > 0 && read < total {
				estimate = int(float64(done) * float64(total) / float64(read))
			}
			werr = st.ImportProgress(ctx, id, done, estimate)
		}
		written <- werr
	}()
	var readErr error
	batch := make([]store.ParsedRow, 0, parseBatch)
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		res := consent.ValidateRow(row.Input, now, nil)
		pr := store.ParsedRow{RowNo: row.Number, Cells: row.Cells, Problems: res.Problems}
		for _, it := range res.Items {
			pr.Items = append(pr.Items, store.ParsedItem{Consent: it.Consent, Problems: it.Problems})
		}
		batch = append(batch, pr)
		if len(batch) == parseBatch {
			read, total := r.Progress()
			batches <- chunk{batch, read, total}
			batch = make([]store.ParsedRow, 0, parseBatch)
		}
	}
	if len(batch) > 0 && readErr == nil {
		read, total := r.Progress()
		batches <- chunk{batch, read, total}
	}
	close(batches)
	if err := <-written; err != nil {
		return err
	}
	if readErr != nil {
		return w.fail(ctx, id, readErr)
	}
	if err := st.ImportProgress(ctx, id, done, done); err != nil {
		return err
	}
	if done == 0 {
		return st.FailImport(ctx, id, "EMPTY", "Dosyada başlık satırından sonra veri satırı yok.")
	}
	w.deps.Log.Info("import parsed", "import_id", id, "rows", done, "duration", time.Since(now))
	codes, err := w.deps.BrandCodes(ctx, im.UserID)
	if err != nil {
		return err
	}
	// The next stage is enqueued with the status change, in one transaction.
	return pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE imports SET status = 'validating', updated_at = now() WHERE id = $1 AND status = 'parsing'", id)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		client := river.ClientFromContext[pgx.Tx](ctx)
		_, err = client.InsertTx(ctx, tx, ValidateImportArgs{ImportID: id, BrandCodes: codes}, nil)
		return err
	})
}

// fail ends the import with the reader's message; other errors are retried.
func (w *ParseImportWorker) fail(ctx context.Context, id int64, err error) error {
	var ie *importer.Error
	if errors.As(err, &ie) {
		// A file broken half-way leaves no half-written preview behind.
		if rerr := w.deps.Store.ResetImportRows(ctx, id); rerr != nil {
			return rerr
		}
		return w.deps.Store.FailImport(ctx, id, ie.Code, ie.Message)
	}
	return fmt.Errorf("import %d: %w", id, err)
}

// ValidateImportWorker works ValidateImportArgs.
type ValidateImportWorker struct {
	river.WorkerDefaults[ValidateImportArgs]
	deps Deps
}

// Timeout lets a large import take its time.
func (w *ValidateImportWorker) Timeout(*river.Job[ValidateImportArgs]) time.Duration {
	return 30 * time.Minute
}

// Work validates the import in one transaction (so a restart starts clean)
// and moves it to preview.
func (w *ValidateImportWorker) Work(ctx context.Context, job *river.Job[ValidateImportArgs]) error {
	err := w.validate(ctx, job)
	return giveUp(ctx, w.deps, job.Args.ImportID, job.Attempt, job.MaxAttempts, err)
}

func (w *ValidateImportWorker) validate(ctx context.Context, job *river.Job[ValidateImportArgs]) error {
	im, err := w.deps.Store.Import(ctx, job.Args.ImportID)
	if err != nil || im.Status != store.ImportValidating {
		return err
	}
	codes := job.Args.BrandCodes
	if codes == nil {
		codes = []string{}
	}
	start := time.Now()
	if err := w.deps.Store.ValidateImport(ctx, im.ID, codes); err != nil {
		return err
	}
	w.deps.Log.Info("import validated", "import_id", im.ID, "duration", time.Since(start))
	return nil
}

// SweepImportsArgs ends imports that no job can move any more.
type SweepImportsArgs struct{}

// Kind is the job's name in River.
func (SweepImportsArgs) Kind() string { return "import_sweep" }

// SweepImportsWorker works SweepImportsArgs.
type SweepImportsWorker struct {
	river.WorkerDefaults[SweepImportsArgs]
	deps Deps
}

// Work fails the imports stuck for ten minutes without a live job.
func (w *SweepImportsWorker) Work(ctx context.Context, job *river.Job[SweepImportsArgs]) error {
	n, err := w.deps.Store.FailStuckImports(ctx, 10*time.Minute)
	if n > 0 {
		w.deps.Log.Warn("ended stuck imports", "count", n)
	}
	return err
}
