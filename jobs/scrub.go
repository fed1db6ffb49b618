package jobs

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/riverqueue/river"
	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/store"
)

// ScrubArgs checks an uploaded campaign list against a brand's consents
// (Tarama) and stores the result workbook. With Sweep set it deletes the
// scrubs past their retention instead (the periodic job).
type ScrubArgs struct {
	ScrubID int64 `json:"scrub_id,omitempty"`
	Sweep   bool  `json:"sweep,omitempty"`
}

// Kind is the job's name in River.
func (ScrubArgs) Kind() string { return "scrub" }

// InsertOpts: a few attempts; the last failure ends the scrub (see Work).
func (ScrubArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// ScrubWorker works ScrubArgs.
type ScrubWorker struct {
	river.WorkerDefaults[ScrubArgs]
	deps Deps
}

// Timeout: as ParseImportWorker's (a dead node's scrub restarts within
// minutes; a long list gets more time on later attempts).
func (w *ScrubWorker) Timeout(job *river.Job[ScrubArgs]) time.Duration {
	return attemptTimeout(w.deps.Delivery.JobTimeout, job.Attempt)
}

// The sheets of the result workbook.
const (
	ScrubSheetSummary = "Özet"
	ScrubSheetOnay    = "İzinli"
	ScrubSheetRet     = "Ret"
	// Excel forbids "/" in sheet names, hence not "Kayıtsız/Geçersiz".
	ScrubSheetOther = "Kayıtsız-Geçersiz"
)

// scrubChunk is how many recipients one check query answers; the API's
// largest call, so that a scrub costs what its calls would.
const scrubChunk = 10_000

// scrubRowsPerSheet keeps each sheet under Excel's 1,048,576 rows; a
// longer list continues on "İzinli 2" and so on.
const scrubRowsPerSheet = 1_000_000

// Work checks the list, or sweeps expired scrubs.
func (w *ScrubWorker) Work(ctx context.Context, job *river.Job[ScrubArgs]) error {
	if job.Args.Sweep {
		n, err := w.deps.Store.DeleteExpiredScrubs(ctx)
		if n > 0 {
			w.deps.Log.Info("expired scrubs deleted", "count", n)
		}
		return err
	}
	err := w.scrub(ctx, job.Args.ScrubID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.deps.Log.Error("scrub failed for good", "scrub_id", job.Args.ScrubID, "err", err)
		if ferr := w.deps.Store.FailScrub(context.WithoutCancel(ctx), job.Args.ScrubID, "INTERNAL",
			"Liste taranırken beklenmeyen bir hata oluştu; yeniden yüklemeyi deneyin. Sorun sürerse yöneticinize bildirin."); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// scrubBatch is one chunk of list rows on its way through the pipeline.
type scrubBatch struct {
	rows        []int    // row numbers in the file
	given       []string // the recipient as written
	norm        []string // normalised; "" when malformed
	code        []string // the problem's code when malformed
	states      []store.CheckState
	read, total int64         // the reader's progress
	ready       chan struct{} // closed once checked (or given up)
}

func (w *ScrubWorker) scrub(ctx context.Context, id int64) error {
	st := w.deps.Store
	ok, err := st.StartScrub(ctx, id)
	if err != nil || !ok {
		return err
	}
	sc, err := st.Scrub(ctx, id)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "iysgate-scrub-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := st.WriteScrubFile(ctx, id, "in", f); err != nil {
		return err
	}
	r, err := importer.OpenList(f, sc.SizeBytes, sc.Filename, importer.Limits{})
	if ie := (*importer.Error)(nil); errors.As(err, &ie) {
		return st.FailScrub(ctx, id, ie.Code, ie.Message)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	phone := consent.Type(sc.Type).IsPhone()
	m := r.Header().Mapping
	if phone && !m.Has(importer.ColPhone) {
		return st.FailScrub(ctx, id, "LIST_NO_PHONE", "Listede telefon sütunu yok: "+consent.Type(sc.Type).Label()+
			" taraması telefon numaralarıyla yapılır. «Telefon», «GSM» ya da «Cep Telefonu» başlıklı bir sütun ekleyin ya da kanal olarak E-Posta seçin.")
	}
	if !phone && !m.Has(importer.ColEmail) {
		return st.FailScrub(ctx, id, "LIST_NO_EMAIL", "Listede e-posta sütunu yok: E-Posta taraması e-posta adresleriyle yapılır. "+
			"«E-Posta» ya da «Email» başlıklı bir sütun ekleyin ya da kanal olarak Mesaj veya Arama seçin.")
	}

	checkedAt := time.Now()
	out, err := os.CreateTemp("", "iysgate-scrub-out-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	rows, counts, err := w.pipeline(ctx, sc, r, phone, checkedAt, out)
	if ie := (*importer.Error)(nil); errors.As(err, &ie) {
		return st.FailScrub(ctx, id, ie.Code, ie.Message)
	}
	if err != nil {
		return err
	}
	if rows == 0 {
		return st.FailScrub(ctx, id, "EMPTY", "Listede başlık satırından sonra veri satırı yok.")
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := st.FinishScrub(ctx, id, checkedAt, rows, counts, out); err != nil {
		return err
	}
	if c := w.deps.Checked; c != nil {
		c(sc.Type, "ONAY", int(counts.Onay))
		c(sc.Type, "RET", int(counts.Ret))
		c(sc.Type, store.CheckNoRecord, int(counts.Yok))
		c(sc.Type, store.CheckInvalid, int(counts.Invalid))
	}
	w.deps.Log.Info("scrub done", "scrub_id", id, "rows", rows, "duration", time.Since(checkedAt))
	return nil
}

// pipeline reads, checks and writes in three overlapping stages: this
// goroutine reads and normalises, one checks chunk after chunk with one
// query each, one writes the workbook. It writes the workbook to out and
// returns the number of rows and the counts.
func (w *ScrubWorker) pipeline(ctx context.Context, sc *store.Scrub, r importer.Reader, phone bool, checkedAt time.Time, out io.Writer) (int, store.ScrubCounts, error) {
	st := w.deps.Store
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Two checkers keep both of PostgreSQL's cores busy while the writer
	// works; the writer takes the batches in list order.
	toCheck, toWrite := make(chan *scrubBatch, scrubCheckers), make(chan *scrubBatch, 2*scrubCheckers)
	var cwg sync.WaitGroup
	for range scrubCheckers {
		cwg.Go(func() {
			for b := range toCheck {
				if ctx.Err() == nil {
					if err := w.check(ctx, sc, b); err != nil {
						cancel(err)
					}
				}
				close(b.ready)
			}
		})
	}
	defer cwg.Wait()

	type result struct {
		rows   int
		counts store.ScrubCounts
		err    error
	}
	written := make(chan result, 1)
	go func() {
		var res result
		sw, err := newScrubWriter(sc)
		if err != nil {
			cancel(err)
		}
		lastProgress := time.Now()
		for b := range toWrite {
			<-b.ready
			if ctx.Err() != nil {
				continue
			}
			if err := sw.write(b); err != nil {
				cancel(err)
				continue
			}
			res.rows += len(b.rows)
			if time.Since(lastProgress) > 500*time.Millisecond && b.total > 0 {
				lastProgress = time.Now()
				if err := st.ScrubProgress(ctx, sc.ID, int(b.read*999/b.total), res.rows); err != nil {
					cancel(err)
				}
			}
		}
		if ctx.Err() == nil {
			res.counts = sw.counts
			res.err = sw.finish(out, checkedAt, res.rows)
		} else if sw != nil {
			sw.f.Close() // its temporary files
		}
		written <- res
	}()

	var readErr error
	b := newScrubBatch()
	send := func() bool {
		b.read, b.total = r.Progress()
		select {
		case toWrite <- b: // a place in the order first, then the work
		case <-ctx.Done():
			return false
		}
		toCheck <- b // never blocks for long: the checkers drain it even after a failure
		b = newScrubBatch()
		return true
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		given := row.Input.Email
		if phone {
			given = row.Input.Phone
		}
		var norm string
		var prob *consent.Problem
		if phone {
			norm, _, prob = consent.NormalizePhone(given)
		} else {
			norm, _, prob = consent.NormalizeEmail(given)
		}
		code := ""
		if prob != nil {
			norm, code = "", prob.Code
		}
		b.rows = append(b.rows, row.Number)
		b.given = append(b.given, given)
		b.norm = append(b.norm, norm)
		b.code = append(b.code, code)
		if len(b.rows) == scrubChunk && !send() {
			break
		}
	}
	if len(b.rows) > 0 && readErr == nil && ctx.Err() == nil {
		send()
	}
	close(toCheck)
	close(toWrite)
	res := <-written
	if readErr != nil {
		return 0, store.ScrubCounts{}, readErr
	}
	if err := context.Cause(ctx); err != nil {
		return 0, store.ScrubCounts{}, err
	}
	return res.rows, res.counts, res.err
}

func newScrubBatch() *scrubBatch {
	return &scrubBatch{rows: make([]int, 0, scrubChunk), given: make([]string, 0, scrubChunk),
		norm: make([]string, 0, scrubChunk), code: make([]string, 0, scrubChunk), ready: make(chan struct{})}
}

// scrubCheckers is how many chunks are checked at once.
const scrubCheckers = 2

// check answers a batch's well-formed recipients with one query.
func (w *ScrubWorker) check(ctx context.Context, sc *store.Scrub, b *scrubBatch) error {
	valid := make([]string, 0, len(b.norm))
	for _, n := range b.norm {
		if n != "" {
			valid = append(valid, n)
		}
	}
	states, err := w.deps.Store.Check(ctx, sc.BrandID, sc.Type, sc.RecipientType, valid)
	if err != nil {
		return err
	}
	b.states = make([]store.CheckState, len(b.norm))
	j := 0
	for i, n := range b.norm {
		if n != "" {
			b.states[i] = states[j]
			j++
		}
	}
	return nil
}

// scrubSheet is one of the three result sheets, continued on a numbered
// sheet past scrubRowsPerSheet rows.
type scrubSheet struct {
	name   string
	header []any
	n      int // sheets so far
	sw     *excelize.StreamWriter
	row    int
}

// scrubWriter writes the result workbook.
type scrubWriter struct {
	sc        *store.Scrub
	f         *excelize.File
	head      int // header style
	sheets    [3]*scrubSheet
	counts    store.ScrubCounts
	vals      []any
	istanbul  *time.Location
	typeLabel string
}

func newScrubWriter(sc *store.Scrub) (*scrubWriter, error) {
	f := excelize.NewFile()
	// The sheets' XML of a million-row list is some 150 MB; compressing it
	// at the fastest level takes a fraction of the default's time for a
	// file about a third larger.
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		return zw
	})
	if err := f.SetSheetName("Sheet1", ScrubSheetSummary); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}})
	if err != nil {
		return nil, err
	}
	found := []any{"Satır", "Alıcı (listedeki)", "Alıcı (İYS biçimi)", "Durum", "İzin Tarihi", "Kaynak"}
	other := []any{"Satır", "Alıcı (listedeki)", "Alıcı (İYS biçimi)", "Durum", "Kod", "Açıklama"}
	w := &scrubWriter{sc: sc, f: f, head: head, istanbul: consent.Location(), typeLabel: consent.Type(sc.Type).Label(),
		sheets: [3]*scrubSheet{{name: ScrubSheetOnay, header: found}, {name: ScrubSheetRet, header: found}, {name: ScrubSheetOther, header: other}}}
	for _, s := range w.sheets {
		if err := w.nextSheet(s); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// nextSheet starts a sheet (or its continuation) with its header row.
func (w *scrubWriter) nextSheet(s *scrubSheet) error {
	if s.sw != nil {
		if err := s.sw.Flush(); err != nil {
			return err
		}
	}
	s.n++
	name := s.name
	if s.n > 1 {
		name = s.name + " " + strconv.Itoa(s.n)
	}
	if _, err := w.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, wd := range []float64{8, 24, 18, 12, 20, 40} {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(s.header))
	for i, h := range s.header {
		head[i] = excelize.Cell{StyleID: w.head, Value: h}
	}
	s.sw, s.row = sw, 1
	return sw.SetRow("A1", head)
}

func (w *scrubWriter) write(b *scrubBatch) error {
	for i := range b.rows {
		var s *scrubSheet
		vals := append(w.vals[:0], b.rows[i], neutralise(b.given[i]), b.norm[i])
		st := b.states[i]
		switch {
		case b.code[i] != "":
			w.counts.Invalid++
			s = w.sheets[2]
			vals = append(vals, store.CheckInvalid, b.code[i], consent.NewProblem(b.code[i], consent.FieldRecipient).Message)
		case st.Status == "":
			w.counts.Yok++
			s = w.sheets[2]
			code, msg := "", "Bu markada bu alıcının "+w.typeLabel+" kanalında kaydı yok."
			if w.sc.RecipientType == string(consent.RecipientTacir) {
				code, msg = store.CodeTacirNoRecord, store.MessageTacirNoRecord
			}
			vals = append(vals, store.CheckNoRecord, code, msg)
		default:
			if st.Status == string(consent.StatusRet) {
				s = w.sheets[1]
				w.counts.Ret++
			} else {
				s = w.sheets[0]
				w.counts.Onay++
			}
			date := ""
			if st.ConsentDate != nil {
				date = st.ConsentDate.In(w.istanbul).Format("02.01.2006 15:04:05")
			}
			vals = append(vals, st.Status, date, st.Source)
		}
		w.vals = vals
		if s.row > scrubRowsPerSheet {
			if err := w.nextSheet(s); err != nil {
				return err
			}
		}
		s.row++
		cell, err := excelize.CoordinatesToCellName(1, s.row)
		if err != nil {
			return err
		}
		if err := s.sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	return nil
}

// finish flushes the sheets, writes the summary (the evidence of when,
// for which brand and channel, and by whom the list was checked) and the
// workbook to out.
func (w *scrubWriter) finish(out io.Writer, checkedAt time.Time, rows int) error {
	defer w.f.Close()
	for _, s := range w.sheets {
		if err := s.sw.Flush(); err != nil {
			return err
		}
	}
	sc := w.sc
	brand := sc.BrandName
	if sc.BrandCode != "" {
		brand += " (" + sc.BrandCode + ")"
	}
	lines := [][]any{
		{"iysgate Tarama Sonucu", ""},
		{"Kontrol zamanı", checkedAt.In(w.istanbul).Format("02.01.2006 15:04:05") + " (Türkiye saati)"},
		{"Marka", brand},
		{"Kanal", w.typeLabel},
		{"Alıcı tipi", consent.RecipientType(sc.RecipientType).Label()},
		{"Kontrol eden", sc.Actor},
		{"Dosya", neutralise(sc.Filename)},
		{"Satır", rows},
		{"İzinli (ONAY)", w.counts.Onay},
		{"Ret", w.counts.Ret},
		{"Kayıtsız (YOK)", w.counts.Yok},
		{"Geçersiz", w.counts.Invalid},
		{"Açıklama", "Liste, kontrol zamanında iysgate'te kayıtlı izinlerle karşılaştırıldı. İzinli sayfasındaki alıcılara bu kanaldan " +
			"ticari ileti gönderilebilir; Ret ve Kayıtsız sayfasındakilere gönderilemez."},
	}
	if sc.RecipientType == string(consent.RecipientTacir) {
		lines = append(lines, []any{"Tacir kuralı", store.MessageTacirNoRecord})
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := w.f.SetSheetRow(ScrubSheetSummary, cell, &l); err != nil {
			return err
		}
	}
	if err := w.f.SetCellStyle(ScrubSheetSummary, "A1", fmt.Sprintf("A%d", len(lines)), w.head); err != nil {
		return err
	}
	if err := w.f.SetColWidth(ScrubSheetSummary, "A", "A", 18); err != nil {
		return err
	}
	if err := w.f.SetColWidth(ScrubSheetSummary, "B", "B", 80); err != nil {
		return err
	}
	w.f.SetActiveSheet(0)
	return w.f.Write(out)
}

// neutralise puts an apostrophe before text that a spreadsheet could take
// for a formula (=, +, -, @, tab, CR first), except a plain E.164 number.
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if len(s) >= 8 && len(s) <= 16 && s[0] == '+' && s[1] != '0' && isDigits(s[1:]) {
			return s
		}
		return "'" + s
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
