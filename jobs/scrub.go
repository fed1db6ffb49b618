package jobs

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/riverqueue/river"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/iys"
	"iysgate/app/store"
	"iysgate/jobs/internal/pipeline"
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
	ScrubSheetPending = "Bekleyen"
	// Excel forbids "/" in sheet names, hence not "Kayıtsız/Geçersiz".
	ScrubSheetOther = "Kayıtsız-Geçersiz"
)

// scrubChunk is how many recipients one check query answers; the API's
// largest call, so that a scrub costs what its calls would.
const scrubChunk = 10_000

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
			"Liste taranırken beklenmeyen bir hata oluştu; yeniden yüklemeyi deneyin. Sorun sürerse sistem yöneticinize (Admin) bildirin."); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// scrubBatch is a chunk of list rows normalised and checked.
type scrubBatch struct {
	rows   []int    // row numbers in the file
	given  []string // the recipient as written
	norm   []string // normalised; "" when malformed
	code   []string // the problem's code when malformed
	states []store.CheckState
	readProgress
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
	rows, counts, err := w.checkList(ctx, sc, r, phone, checkedAt, out)
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

// checkList reads, checks and writes the list in three overlapping stages
// (pipeline.Run): while the workbook takes one chunk, the next ones are
// normalised and checked, one query each, and read. It writes the
// workbook to out and returns the number of rows and the counts.
func (w *ScrubWorker) checkList(ctx context.Context, sc *store.Scrub, r importer.Reader, phone bool, checkedAt time.Time, out io.Writer) (int, store.ScrubCounts, error) {
	sw, err := newScrubWriter(sc)
	if err != nil {
		return 0, store.ScrubCounts{}, err
	}
	defer sw.wb.Close()
	check := func(ctx context.Context, c rowChunk) (*scrubBatch, error) {
		b := normaliseRecipients(c, phone)
		return b, w.check(ctx, sc, b)
	}
	rows := 0
	lastProgress := time.Now()
	write := func(ctx context.Context, b *scrubBatch) error {
		if err := sw.write(b); err != nil {
			return err
		}
		rows += len(b.rows)
		if time.Since(lastProgress) < 500*time.Millisecond || b.total == 0 {
			return nil
		}
		lastProgress = time.Now()
		return w.deps.Store.ScrubProgress(ctx, sc.ID, int(b.read*999/b.total), rows)
	}
	if err := pipeline.Run(ctx, scrubCheckers, readChunks(r, scrubChunk), check, write); err != nil {
		return 0, store.ScrubCounts{}, err
	}
	return rows, sw.counts, sw.finish(out, checkedAt, rows)
}

// scrubCheckers is how many chunks are checked at once: two keep both of
// PostgreSQL's cores busy while the workbook is written.
const scrubCheckers = 2

// normaliseRecipients takes the recipients of a chunk's rows in the form
// İYS keeps them, or the code of their problem.
func normaliseRecipients(c rowChunk, phone bool) *scrubBatch {
	n := len(c.rows)
	b := &scrubBatch{rows: make([]int, 0, n), given: make([]string, 0, n), norm: make([]string, 0, n), code: make([]string, 0, n),
		readProgress: c.readProgress}
	normalise := consent.NormalizeEmail
	if phone {
		normalise = consent.NormalizePhone
	}
	for _, row := range c.rows {
		given := row.Input.Email
		if phone {
			given = row.Input.Phone
		}
		norm, _, prob := normalise(given)
		code := ""
		if prob != nil {
			norm, code = "", prob.Code
		}
		b.rows = append(b.rows, row.Number)
		b.given = append(b.given, given)
		b.norm = append(b.norm, norm)
		b.code = append(b.code, code)
	}
	return b
}

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

// scrubWriter writes the result workbook.
type scrubWriter struct {
	sc        *store.Scrub
	wb        *importer.Workbook
	summary   *importer.Sheet
	onay, ret *importer.Sheet
	pending   *importer.Sheet // an ONAY on its way, not yet İzinli
	other     *importer.Sheet // Kayıtsız-Geçersiz
	counts    store.ScrubCounts
	istanbul  *time.Location
	typeLabel string
}

func newScrubWriter(sc *store.Scrub) (*scrubWriter, error) {
	w := &scrubWriter{sc: sc, wb: importer.NewWorkbook(), istanbul: consent.Location(), typeLabel: consent.Type(sc.Type).Label()}
	columns := func(titles ...string) []importer.SheetColumn {
		widths := []float64{8, 24, 18, 12, 20, 40}
		cols := make([]importer.SheetColumn, len(titles))
		for i, t := range titles {
			cols[i] = importer.SheetColumn{Title: t, Width: widths[i]}
		}
		return cols
	}
	found := columns("Satır", "Alıcı (listedeki)", "Alıcı (İYS biçimi)", "Durum", "İzin Tarihi", "Kaynak")
	other := columns("Satır", "Alıcı (listedeki)", "Alıcı (İYS biçimi)", "Durum", "Kod", "Açıklama")
	var err error
	add := func(name string, columns []importer.SheetColumn) *importer.Sheet {
		var s *importer.Sheet
		if err == nil {
			s, err = w.wb.AddSheet(name, columns)
		}
		return s
	}
	w.summary = add(ScrubSheetSummary, []importer.SheetColumn{{Width: 18}, {Width: 80}}) // first, though written last
	w.onay = add(ScrubSheetOnay, found)
	w.ret = add(ScrubSheetRet, found)
	w.pending = add(ScrubSheetPending, found)
	w.other = add(ScrubSheetOther, other)
	if err != nil {
		w.wb.Close()
		return nil, err
	}
	return w, nil
}

func (w *scrubWriter) write(b *scrubBatch) error {
	for i := range b.rows {
		var err error
		st := b.states[i]
		switch {
		case b.code[i] != "":
			w.counts.Invalid++
			err = w.other.Write(b.rows[i], b.given[i], b.norm[i], store.CheckInvalid, b.code[i],
				consent.NewProblem(b.code[i], consent.FieldRecipient).Message)
		case st.Effective() == string(consent.StatusRet) && st.PendingStatus == string(consent.StatusRet):
			w.counts.Ret++
			err = w.ret.Write(b.rows[i], b.given[i], b.norm[i], "RET (İYS'ye gönderiliyor)", w.date(st.PendingSince), "")
		case st.Effective() != "":
			s, status := w.onay, st.Status
			if st.Status == string(consent.StatusRet) {
				s = w.ret
				w.counts.Ret++
			} else {
				w.counts.Onay++
			}
			err = s.Write(b.rows[i], b.given[i], b.norm[i], status, w.date(st.ConsentDate), st.Source)
		case st.PendingStatus == string(consent.StatusOnay):
			w.counts.Pending++
			err = w.pending.Write(b.rows[i], b.given[i], b.norm[i], "ONAY (İYS'ye gönderiliyor)", w.date(st.PendingSince), "")
		default:
			w.counts.Yok++
			code, msg := "", "Bu markada bu alıcının "+w.typeLabel+" kanalında İYS'de kaydı yok."
			if st.RefusedCode != "" {
				m, _ := iys.Describe(st.RefusedCode)
				code, msg = st.RefusedCode, "İYS son değişikliği reddetti: "+m
			} else if w.sc.RecipientType == string(consent.RecipientTacir) {
				code, msg = store.CodeTacirNoRecord, store.MessageTacirNoRecord
			}
			err = w.other.Write(b.rows[i], b.given[i], b.norm[i], store.CheckNoRecord, code, msg)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// date writes a time the Turkish way ("" for none).
func (w *scrubWriter) date(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(w.istanbul).Format("02.01.2006 15:04:05")
}

// finish writes the summary (the evidence of when, for which brand and
// channel, and by whom the list was checked) and the workbook to out.
func (w *scrubWriter) finish(out io.Writer, checkedAt time.Time, rows int) error {
	sc := w.sc
	brand := sc.BrandName
	if sc.BrandCode != "" {
		brand += " (" + sc.BrandCode + ")"
	}
	lines := [][2]any{
		{"iysgate Tarama Sonucu", ""},
		{"Kontrol zamanı", checkedAt.In(w.istanbul).Format("02.01.2006 15:04:05") + " (Türkiye saati)"},
		{"Marka", brand},
		{"Kanal", w.typeLabel},
		{"Alıcı tipi", consent.RecipientType(sc.RecipientType).Label()},
		{"Kontrol eden", sc.Actor},
		{"Dosya", sc.Filename},
		{"Satır", rows},
		{"İzinli (ONAY)", w.counts.Onay},
		{"Ret", w.counts.Ret},
		{"Bekleyen", w.counts.Pending},
		{"Kayıtsız (YOK)", w.counts.Yok},
		{"Geçersiz", w.counts.Invalid},
		{"Açıklama", "Liste, kontrol zamanında İYS'de kayıtlı izinlerle karşılaştırıldı (İYS'nin kabul ettiği son hareketler ve İYS'den alınan değişiklikler)."},
		{ScrubSheetOnay, "İYS'de ONAY kayıtlı ve İYS'ye gönderilmekte olan bir RET yok: bu alıcılara bu kanaldan ticari ileti gönderilebilir."},
		{ScrubSheetRet, "İYS'de RET kayıtlı ya da RET İYS'ye gönderiliyor: gönderilemez. Kişi hayır dediği anda gönderim durur."},
		{ScrubSheetPending, "ONAY İYS'ye henüz ulaşmadı (sırada ya da yanıt bekleniyor): İYS kaydedene kadar gönderilemez."},
		{ScrubSheetOther, "İYS'de kaydı olmayan (ya da son değişikliği İYS'nin reddettiği) ve geçersiz alıcılar: gönderilemez."},
	}
	if sc.RecipientType == string(consent.RecipientTacir) {
		lines = append(lines, [2]any{"Tacir kuralı", store.MessageTacirNoRecord})
	}
	for _, l := range lines {
		if err := w.summary.Write(importer.Cell{Value: l[0], Style: importer.StyleHeading}, l[1]); err != nil {
			return err
		}
	}
	return w.wb.Write(out)
}
