package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/store"
	"iysgate/jobs/internal/pipeline"
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
			"Liste işlenirken beklenmeyen bir hata oluştu; yeniden yüklemeyi deneyin. Sorun sürerse sistem yöneticinize (Admin) bildirin."); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// ParseImportWorker works ParseImportArgs.
type ParseImportWorker struct {
	river.WorkerDefaults[ParseImportArgs]
	deps Deps
}

// Timeout is short on the first attempt, so that a job on a node that died
// (kill -9, power loss) is rescued and run again within minutes: River
// rescues a running job once its timeout and RescueStuckJobsAfter have
// passed. A file that needs longer gets it on later attempts.
func (w *ParseImportWorker) Timeout(job *river.Job[ParseImportArgs]) time.Duration {
	return attemptTimeout(w.deps.Delivery.JobTimeout, job.Attempt)
}

// attemptTimeout doubles base with each attempt after the first, up to
// eight times base: a restarted long job is given the time it needs, and
// the usual short job is rescued quickly.
func attemptTimeout(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = 5 * time.Minute
	}
	return base << min(max(attempt-1, 0), 3)
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
	if err != nil {
		return err
	}
	if !ok {
		return resumeValidation(ctx, w.deps, id)
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
	plan, err := newMappingPlan(ctx, w.deps, im)
	if err != nil {
		return err
	}
	r, err := plan.open(f, im)
	if err != nil {
		return w.fail(ctx, id, err)
	}
	defer r.Close()
	if err := st.SetImportHeader(ctx, id, r.Header().Cells); err != nil {
		return err
	}
	if r.Header().Problem != nil {
		// The header does not map: the user maps the columns, then the
		// file is read again (import_mapping.go).
		if err := plan.await(ctx, w.deps, id, r); err != nil {
			return w.fail(ctx, id, err)
		}
		return nil
	}
	now := time.Now()
	done, brands, stats, err := w.stage(ctx, id, r, now)
	if err != nil {
		var ie *importer.Error
		if errors.As(err, &ie) {
			return w.fail(ctx, id, err)
		}
		return err
	}
	if err := st.ImportProgress(ctx, id, done, done); err != nil {
		return err
	}
	if done == 0 {
		return st.FailImport(ctx, id, codeEmpty, msgEmpty)
	}
	if err := plan.record(ctx, st, id, r); err != nil {
		return err
	}
	w.deps.Log.Info("import parsed", "import_id", id, "rows", done, "duration", time.Since(now))
	codes, err := w.deps.BrandCodes(ctx, im.UserID)
	if err != nil {
		return err
	}
	if brands != nil {
		// Only the allowed brands the file names matter to the validation:
		// its joins then read no other brand's recipients.
		codes = slices.DeleteFunc(codes, func(c string) bool { return !brands[c] })
	}
	// The validation follows in this job, without waiting for another job
	// to be picked up; a run that stops in between resumes it (see above).
	ok, err = st.SetImportStatus(ctx, id, store.ImportValidating, store.ImportParsing)
	if err != nil || !ok {
		return err
	}
	return validateImport(ctx, w.deps, id, codes, &stats)
}

// The failure of a file without data rows.
const (
	codeEmpty = "EMPTY"
	msgEmpty  = "Dosyada başlık satırından sonra veri satırı yok."
)

// maxBrandCodes bounds the distinct brand codes a parse collects for the
// validation; a file with more names all of the uploader's brands.
const maxBrandCodes = 1000

// parseValidators is how many chunks of rows are validated at once.
const parseValidators = 2

// stagedChunk is a chunk of rows validated and encoded for the COPY.
type stagedChunk struct {
	batch  store.StagedBatch
	keys   []rowKey
	stats  store.ParseStats
	brands map[string]bool // the brand codes of the rows' consents
	readProgress
}

// stage reads the file, validates each row (consent.ValidateRow) and COPYs
// the rows into import_rows, the three overlapping (pipeline.Run): while
// one chunk is stored, the next ones are validated and read. It returns
// the number of rows, the distinct brand codes of the rows' consents (nil
// when there were more than maxBrandCodes) and the counts of its items. A
// reader error is returned as it is (an *importer.Error).
func (w *ParseImportWorker) stage(ctx context.Context, id int64, r importer.Reader, now time.Time) (int, map[string]bool, store.ParseStats, error) {
	st := w.deps.Store
	seed := maphash.MakeSeed()
	validate := func(_ context.Context, c rowChunk) (*stagedChunk, error) {
		s := &stagedChunk{brands: map[string]bool{}, readProgress: c.readProgress}
		s.batch.Grow(len(c.rows))
		for _, row := range c.rows {
			res := consent.ValidateRow(row.Input, now, nil)
			s.batch.Stage(id, store.ParsedRow{RowNo: row.Number, Cells: row.Cells, Result: res, Phone: row.Input.Phone, Email: row.Input.Email}, &s.stats)
			s.keys = appendKeys(s.keys, seed, int32(row.Number), res)
			if len(res.Items) > 0 {
				s.brands[res.Items[0].Consent.BrandCode] = true
			}
		}
		return s, nil
	}

	done := 0
	var storing time.Duration // spent in SaveParsedRows
	var keys []rowKey         // of every row, in no order
	var stats store.ParseStats
	brands := map[string]bool{}
	save := func(ctx context.Context, s *stagedChunk) error {
		t0 := time.Now()
		if err := st.SaveParsedRows(ctx, id, &s.batch); err != nil {
			return err
		}
		storing += time.Since(t0)
		keys = append(keys, s.keys...)
		stats.Add(s.stats)
		if brands != nil {
			maps.Copy(brands, s.brands)
			if len(brands) > maxBrandCodes {
				brands = nil
			}
		}
		done += s.batch.Len()
		// The total is estimated from the bytes read so far.
		estimate := done
		if s.read > 0 && s.read < s.total {
			estimate = int(float64(done) * float64(s.total) / float64(s.read))
		}
		return st.ImportProgress(ctx, id, done, estimate)
	}

	if err := pipeline.Run(ctx, parseValidators, readChunks(r, parseBatch), validate, save); err != nil {
		return 0, nil, store.ParseStats{}, err
	}
	if err := st.SaveImportRepeats(ctx, id, repeatedRows(keys)); err != nil {
		return 0, nil, store.ParseStats{}, err
	}
	w.deps.Log.Info("import staged", "import_id", id, "rows", done, "storing", storing, "duration", time.Since(now))
	return done, brands, stats, nil
}

// rowKey is the hash of a phone or e-mail key (brand, recipient, recipient
// type) of a row.
type rowKey struct {
	hash uint64
	row  int32
}

// repeatedRows returns, in order, the rows whose key hash occurs more than
// once in keys (which it sorts).
func repeatedRows(keys []rowKey) []int32 {
	slices.SortFunc(keys, func(a, b rowKey) int { return cmp.Compare(a.hash, b.hash) })
	var rows []int32
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].hash == keys[i].hash {
			j++
		}
		if j-i > 1 {
			for _, k := range keys[i:j] {
				rows = append(rows, k.row)
			}
		}
		i = j
	}
	slices.Sort(rows)
	return slices.Compact(rows)
}

// appendKeys appends the hashes of a row's phone and e-mail keys. Equal
// keys have equal hashes; a collision only makes the validation collapse a
// key that occurs once, which decides it as it would alone.
func appendKeys(keys []rowKey, seed maphash.Seed, row int32, res consent.RowResult) []rowKey {
	var last string
	for _, it := range res.Items {
		c := it.Consent
		if c.Recipient == "" || c.Recipient == last {
			continue
		}
		last = c.Recipient
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(c.BrandCode)
		h.WriteByte(0)
		h.WriteString(c.Recipient)
		h.WriteByte(0)
		h.WriteString(string(c.RecipientType))
		keys = append(keys, rowKey{h.Sum64(), row})
	}
	return keys
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

// resumeValidation validates an import that a run parsed but stopped
// before validating (the validation is one transaction, so it runs again
// whole). An import in any other status was discarded or ended meanwhile:
// nothing to do.
func resumeValidation(ctx context.Context, d Deps, id int64) error {
	im, err := d.Store.Import(ctx, id)
	if err != nil || im.Status != store.ImportValidating {
		return err
	}
	codes, err := d.BrandCodes(ctx, im.UserID)
	if err != nil {
		return err
	}
	return validateImport(ctx, d, id, codes, nil)
}

// ValidateImportArgs is the validation job of earlier versions, before
// the parse job validated in the same run; nothing enqueues it now. A
// database upgraded with one still queued has it worked as a parse job
// resumes (resumeValidation), so that its import does not stay in
// validation. The fields the job had besides the import are ignored.
type ValidateImportArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind is the job's name in River.
func (ValidateImportArgs) Kind() string { return "import_validate" }

// ValidateImportWorker works the ValidateImportArgs left from earlier
// versions.
type ValidateImportWorker struct {
	river.WorkerDefaults[ValidateImportArgs]
	deps Deps
}

// Timeout: as ParseImportWorker's.
func (w *ValidateImportWorker) Timeout(job *river.Job[ValidateImportArgs]) time.Duration {
	return attemptTimeout(w.deps.Delivery.JobTimeout, job.Attempt)
}

// Work validates the import and moves it to preview.
func (w *ValidateImportWorker) Work(ctx context.Context, job *river.Job[ValidateImportArgs]) error {
	err := resumeValidation(ctx, w.deps, job.Args.ImportID)
	return giveUp(ctx, w.deps, job.Args.ImportID, job.Attempt, job.MaxAttempts, err)
}

// validateImport runs the stateful rules over a parsed import and moves it
// to preview. codes are the brand codes the uploader may use; stats the
// parse's counts (nil: counted again).
func validateImport(ctx context.Context, d Deps, id int64, codes []string, stats *store.ParseStats) error {
	if codes == nil {
		codes = []string{}
	}
	start := time.Now()
	if err := d.Store.ValidateImport(ctx, id, codes, stats); err != nil {
		return err
	}
	d.Log.Info("import validated", "import_id", id, "duration", time.Since(start))
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

// Work fails the imports stuck for ten minutes without a live job, and
// deletes the files of imports that ended more than FileRetention ago.
func (w *SweepImportsWorker) Work(ctx context.Context, job *river.Job[SweepImportsArgs]) error {
	n, err := w.deps.Store.FailStuckImports(ctx, 10*time.Minute)
	if n > 0 {
		w.deps.Log.Warn("ended stuck imports", "count", n)
	}
	if err != nil {
		return err
	}
	n, err = w.deps.Store.DeleteEndedFiles(ctx, w.deps.FileRetention)
	if n > 0 {
		w.deps.Log.Info("deleted the files of ended imports", "count", n)
	}
	return err
}
