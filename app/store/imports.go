package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
)

// ActionImport is the audit action of uploads, approvals and discards.
const ActionImport = "import"

// ErrImportGone is returned to a job whose import left its stage (discarded).
var ErrImportGone = errors.New("import is no longer in this stage")

// Import is one uploaded file and where it stands.
type Import struct {
	ID           int64                      `json:"id"`
	UserID       int64                      `json:"user_id"`
	Actor        string                     `json:"actor"`
	BrandID      *int64                     `json:"brand_id,omitempty"`
	Filename     string                     `json:"filename"`
	SizeBytes    int64                      `json:"size_bytes"`
	Status       ImportStatus               `json:"status"`
	RowsDone     int                        `json:"rows_done"`
	RowsTotal    int                        `json:"rows_total"`
	Summary      map[string]*ChannelSummary `json:"summary"`
	ErrorCode    string                     `json:"error_code,omitempty"`
	ErrorMessage string                     `json:"error_message,omitempty"`
	Mode         string                     `json:"mode,omitempty"`
	ApprovedBy   string                     `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time                 `json:"approved_at,omitempty"`
	ApproveDone  int                        `json:"approve_done"`  // items the approval wrote, of ApproveTotal
	ApproveTotal int                        `json:"approve_total"` // 0 until the approval job decided them
	// RowsWithoutConsent counts the rows that yield no consent (errors).
	RowsWithoutConsent int       `json:"rows_without_consent"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// ChannelSummary is the preview's count for one channel.
type ChannelSummary struct {
	Total     int `json:"total"`
	Ret       int `json:"ret"`
	New       int `json:"new"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Errors    int `json:"errors"`
	Warnings  int `json:"warnings"`
}

// CreateImport stores an uploaded file, read from r in 1 MB chunks, with
// the brand chosen at upload (nil: the rows name theirs), charged to its
// company's file budget; audits the upload, and calls enqueue in the same
// transaction, so that the parse job and the file exist together or not at
// all. A company over its budget gets a *StorageFullError and nothing is
// stored.
func (s *Store) CreateImport(ctx context.Context, a Actor, brandID *int64, up Upload, r io.Reader, enqueue func(tx pgx.Tx, id int64) error) (*Import, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := chargeUpload(ctx, tx, up, importFiles); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO imports (user_id, actor, brand_id, company_id, filename) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			a.UserID, a.Label, brandID, up.CompanyID, up.Filename).Scan(&id); err != nil {
			return err
		}
		if brandID != nil {
			if _, err := tx.Exec(ctx, "INSERT INTO import_brands (import_id, brand_id) VALUES ($1, $2)", id, *brandID); err != nil {
				return err
			}
		}
		size, err := writeChunks(ctx, tx, r, "INSERT INTO import_chunks (import_id, seq, data) VALUES ($1, $2, $3)", id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE imports SET size_bytes = $2 WHERE id = $1", id, size); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(id, 10), nil,
			map[string]any{"event": "upload", "filename": up.Filename, "size": size}); err != nil {
			return err
		}
		// The job that parses the file is enqueued in this same transaction.
		return enqueue(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Import(ctx, id)
}

// WriteImportFile copies an import's file to w.
func (s *Store) WriteImportFile(ctx context.Context, id int64, w io.Writer) error {
	return s.readChunks(ctx, w, "SELECT data FROM import_chunks WHERE import_id = $1 ORDER BY seq", id)
}

const importColumns = `id, user_id, actor, brand_id, filename, size_bytes, status, rows_done, rows_total,
	COALESCE(summary, '{}'), COALESCE(error_code, ''), COALESCE(error_message, ''), COALESCE(mode, ''),
	COALESCE(approved_by, ''), approved_at, created_at, updated_at, approve_done, approve_total, rows_without_consent`

func scanImport(r pgx.Row) (*Import, error) {
	var im Import
	err := r.Scan(&im.ID, &im.UserID, &im.Actor, &im.BrandID, &im.Filename, &im.SizeBytes, &im.Status, &im.RowsDone, &im.RowsTotal,
		&im.Summary, &im.ErrorCode, &im.ErrorMessage, &im.Mode, &im.ApprovedBy, &im.ApprovedAt, &im.CreatedAt, &im.UpdatedAt,
		&im.ApproveDone, &im.ApproveTotal, &im.RowsWithoutConsent)
	if err != nil {
		return nil, mapErr(err)
	}
	return &im, nil
}

// Import returns one import.
func (s *Store) Import(ctx context.Context, id int64) (*Import, error) {
	return scanImport(s.pool.QueryRow(ctx, "SELECT "+importColumns+" FROM imports WHERE id = $1", id))
}

// SetImportStatus moves an import to a status if it is in one of from, and
// reports whether it did.
func (s *Store) SetImportStatus(ctx context.Context, id int64, to ImportStatus, from ...ImportStatus) (bool, error) {
	names := make([]string, len(from))
	for i, f := range from {
		names[i] = string(f)
	}
	tag, err := s.pool.Exec(ctx, "UPDATE imports SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY($3)", id, string(to), names)
	return tag.RowsAffected() == 1, err
}

// FailImport ends an import with an error the user reads. What the parse
// staged goes at once (a failed import shows no rows); the file is kept
// for the retention period (DeleteEndedFiles).
func (s *Store) FailImport(ctx context.Context, id int64, code, message string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE imports SET status = $4, error_code = $2, error_message = $3, updated_at = now()
			WHERE id = $1 AND status = ANY($5)`, id, code, message, ImportFailed, importStatuses(ImportStatus.Working))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return deleteStaging(ctx, tx, id)
	})
}

// deleteStaging deletes an import's staged rows and verdicts.
func deleteStaging(ctx context.Context, tx pgx.Tx, id int64) error {
	for _, q := range []string{"DELETE FROM import_verdicts WHERE import_id = $1", "DELETE FROM import_repeats WHERE import_id = $1",
		"DELETE FROM import_rows WHERE import_id = $1"} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// DeleteEndedFiles deletes the files of imports that ended (failed,
// discarded, or approved with every item final) more than retention ago,
// and returns how many went. The rows and outcomes of a sent import stay:
// only its original file goes.
func (s *Store) DeleteEndedFiles(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE imports im SET file_deleted_at = now()
			WHERE file_deleted_at IS NULL AND updated_at < now() - $1::interval
			  AND (status = ANY($2)
			       OR (status = ANY($3) AND NOT EXISTS (SELECT 1 FROM consent_events e
			           WHERE e.import_id = im.id AND e.iys_state `+eventOpen+`)))
			RETURNING id`, retention.String(), []string{string(ImportFailed), string(ImportDiscarded), string(ImportDone)},
			[]string{string(ImportApproved), string(ImportSending)})
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		n = int64(len(ids))
		_, err = tx.Exec(ctx, "DELETE FROM import_chunks WHERE import_id = ANY($1)", ids)
		return err
	})
	return n, err
}

// ImportProgress records how many rows are done (and the expected total).
func (s *Store) ImportProgress(ctx context.Context, id int64, done, total int) error {
	_, err := s.pool.Exec(ctx, "UPDATE imports SET rows_done = $2, rows_total = $3, updated_at = now() WHERE id = $1", id, done, total)
	return err
}

// ResetImportRows deletes what an interrupted parse (or validation) wrote,
// so that a restarted parse starts clean.
func (s *Store) ResetImportRows(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return deleteStaging(ctx, tx, id) })
}

// SaveImportRepeats records the rows in which the parse found a phone or
// e-mail key that occurs more than once in the import (see import_repeats).
func (s *Store) SaveImportRepeats(ctx context.Context, importID int64, rowNos []int32) error {
	if len(rowNos) == 0 {
		return nil
	}
	i := -1
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"import_repeats"}, []string{"import_id", "row_no"}, pgx.CopyFromFunc(func() ([]any, error) {
		i++
		if i == len(rowNos) {
			return nil, nil
		}
		return []any{importID, rowNos[i]}, nil
	}))
	return err
}

// ParsedRow is one row of a workbook after the stateless rules.
type ParsedRow struct {
	RowNo  int
	Cells  []string
	Result consent.RowResult
	// Phone and Email are the row's recipients as written, kept when
	// they are not valid, for the preview.
	Phone, Email string
}

// StagedBatch is a batch of parsed rows encoded for import_rows (see
// migrations/00007_import_staging.sql) in PostgreSQL's binary COPY format.
// Encoding is pure CPU work that the parse job does in parallel, so that
// SaveParsedRows only streams bytes.
type StagedBatch struct {
	buf  []byte
	rows int
}

// Grow makes room for n more rows of a usual size.
func (b *StagedBatch) Grow(n int) { b.buf = slices.Grow(b.buf, n*320) }

// Len is the number of rows in the batch.
func (b *StagedBatch) Len() int { return b.rows }

// ParseStats counts an import's items per channel (ARAMA, MESAJ, EPOSTA)
// as the parse found them, for the preview summary.
type ParseStats struct {
	Items    [3]int `json:"items"`
	Errors   [3]int `json:"errors"`   // items with a stateless error
	Warnings [3]int `json:"warnings"` // items with a warning
	Ret      [3]int `json:"ret"`      // RET items without a stateless error
	// NoConsent counts the rows that yield no consent (no recipient, …).
	NoConsent int `json:"no_consent"`
}

// Add adds the counts of o.
func (p *ParseStats) Add(o ParseStats) {
	for n := range 3 {
		p.Items[n] += o.Items[n]
		p.Errors[n] += o.Errors[n]
		p.Warnings[n] += o.Warnings[n]
		p.Ret[n] += o.Ret[n]
	}
	p.NoConsent += o.NoConsent
}

// pgEpoch is the zero of PostgreSQL's binary timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Stage appends a parsed row to the batch and counts its items in stats.
func (b *StagedBatch) Stage(importID int64, r ParsedRow, stats *ParseStats) {
	res := r.Result
	var flags int16
	if consent.HasErrors(res.Problems) {
		flags |= flagRowError
	}
	if hasWarning(res.Problems) {
		flags |= flagRowWarning
	}
	channels := [3]byte{chanNone, chanNone, chanNone}
	var c consent.Consent
	var phone, email string
	for _, it := range res.Items {
		n := channelIndex(it.Consent.Type)
		if n < 0 {
			continue
		}
		c = it.Consent
		switch c.Status {
		case consent.StatusOnay:
			channels[n] = chanOnay
		case consent.StatusRet:
			channels[n] = chanRet
		default:
			channels[n] = '?'
		}
		if n == 2 {
			email = c.Recipient
		} else {
			phone = c.Recipient
		}
		stats.Items[n]++
		if consent.HasErrors(it.Problems) {
			flags |= flagItemError(n)
			stats.Errors[n]++
		} else if c.Status == consent.StatusRet {
			stats.Ret[n]++
		}
		if hasWarning(it.Problems) {
			flags |= flagItemWarning(n)
			stats.Warnings[n]++
		}
	}
	if len(res.Items) == 0 {
		stats.NoConsent++
	}
	var phoneRaw, emailRaw string
	if phone == "" && (channels[0] != chanNone || channels[1] != chanNone) {
		phoneRaw = r.Phone
	}
	if email == "" && channels[2] != chanNone {
		emailRaw = r.Email
	}
	if len(b.buf) == 0 {
		// The binary COPY header: signature, flags, extension length.
		b.buf = append(b.buf, "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
	}
	buf := binary.BigEndian.AppendUint16(b.buf, importRowFields)
	buf = appendField(buf, 8)
	buf = binary.BigEndian.AppendUint64(buf, uint64(importID))
	buf = appendField(buf, 4)
	buf = binary.BigEndian.AppendUint32(buf, uint32(r.RowNo))
	buf = appendCells(buf, r.Cells)
	buf = appendText(buf, encodeProblems(res))
	buf = appendField(buf, 2)
	buf = binary.BigEndian.AppendUint16(buf, uint16(flags))
	buf = appendField(buf, 3)
	buf = append(buf, channels[:]...)
	buf = appendText(buf, c.BrandCode)
	buf = appendText(buf, string(c.RecipientType))
	buf = appendText(buf, string(c.Source))
	if c.ConsentDate.IsZero() {
		buf = binary.BigEndian.AppendUint32(buf, 0xFFFFFFFF) // NULL
	} else {
		buf = appendField(buf, 8)
		buf = binary.BigEndian.AppendUint64(buf, uint64(c.ConsentDate.UnixMicro()-pgEpoch.UnixMicro()))
	}
	buf = appendText(buf, c.FirstName)
	buf = appendText(buf, c.LastName)
	buf = appendText(buf, phone)
	buf = appendText(buf, email)
	buf = appendText(buf, phoneRaw)
	buf = appendText(buf, emailRaw)
	b.buf = buf
	b.rows++
}

func appendField(buf []byte, n int) []byte { return binary.BigEndian.AppendUint32(buf, uint32(n)) }

func appendText(buf []byte, s string) []byte {
	return append(appendField(buf, len(s)), s...)
}

// appendCells appends the cells joined with U+001F; cells that hold U+001E
// or U+001F (possible in CSV text only) are stored as JSON after
// escapeMark.
func appendCells(buf []byte, cells []string) []byte {
	n := max(len(cells)-1, 0)
	for _, c := range cells {
		for i := 0; i < len(c); i++ {
			if c[i] == 0x1e || c[i] == 0x1f {
				return appendText(buf, encodeCells(cells))
			}
		}
		n += len(c)
	}
	buf = appendField(buf, n)
	for i, c := range cells {
		if i > 0 {
			buf = append(buf, 0x1f)
		}
		buf = append(buf, c...)
	}
	return buf
}

func hasWarning(ps []consent.Problem) bool {
	for _, p := range ps {
		if p.Severity == consent.SeverityWarning {
			return true
		}
	}
	return false
}

// escapeMark starts a cells or problems value that is stored as JSON
// because the compact form cannot hold it.
const escapeMark = "\x1e"

// encodeCells joins cells with U+001F; cells that hold U+001E or U+001F
// (possible in CSV text only) are stored as JSON after escapeMark.
func encodeCells(cells []string) string {
	for _, c := range cells {
		if strings.ContainsAny(c, "\x1e\x1f") {
			b, _ := json.Marshal(cells)
			return escapeMark + string(b)
		}
	}
	return strings.Join(cells, "\x1f")
}

func decodeCells(s string) ([]string, error) {
	if strings.HasPrefix(s, escapeMark) {
		var cells []string
		err := json.Unmarshal([]byte(s[len(escapeMark):]), &cells)
		return cells, err
	}
	return strings.Split(s, "\x1f"), nil
}

// stagedProblems is the JSON form of a row's problems, for the rare row
// whose problems the tokens cannot describe exactly.
type stagedProblems struct {
	Row   []consent.Problem    `json:"row"`
	Items [3][]consent.Problem `json:"items"`
}

// encodeProblems writes a row's problems as tokens "mask:CODE:field"
// separated by spaces, where mask names the items (1 ARAMA, 2 MESAJ, 4
// EPOSTA) whose problems hold the same problem. This is exact when every
// problem is the consent table's text for its code and field, and each
// item's problems are the row's in the same order (consent.ValidateRow
// makes them so); otherwise the problems are stored as JSON.
func encodeProblems(res consent.RowResult) string {
	if len(res.Problems) == 0 && len(res.Items) == 0 {
		return ""
	}
	masks := make([]int, len(res.Problems))
	var items [3][]consent.Problem
	exact := true
	for _, it := range res.Items {
		n := channelIndex(it.Consent.Type)
		if n < 0 || items[n] != nil {
			exact = false
			continue
		}
		items[n] = nonNil(it.Problems)
		// The item's problems must be the row's, in order, as a subsequence.
		k := 0
		for _, p := range it.Problems {
			for k < len(res.Problems) && (res.Problems[k].Code != p.Code || res.Problems[k].Field != p.Field) {
				k++
			}
			if k == len(res.Problems) || res.Problems[k] != p {
				exact = false
				break
			}
			masks[k] |= 1 << n
			k++
		}
	}
	var b strings.Builder
	for i, p := range res.Problems {
		if p != consent.NewProblem(p.Code, p.Field) || strings.ContainsAny(p.Code+p.Field, ": ") {
			exact = false
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(masks[i]))
		b.WriteByte(':')
		b.WriteString(p.Code)
		b.WriteByte(':')
		b.WriteString(p.Field)
	}
	if exact {
		return b.String()
	}
	j, _ := json.Marshal(stagedProblems{Row: nonNil(res.Problems), Items: items})
	return escapeMark + string(j)
}

// decodeProblems returns a row's problems and those of its items, by
// channel index.
func decodeProblems(s string) (row []consent.Problem, items [3][]consent.Problem, err error) {
	if strings.HasPrefix(s, escapeMark) {
		var sp stagedProblems
		err := json.Unmarshal([]byte(s[len(escapeMark):]), &sp)
		return nonNil(sp.Row), sp.Items, err
	}
	row = []consent.Problem{}
	for tok := range strings.FieldsSeq(s) {
		parts := strings.SplitN(tok, ":", 3)
		if len(parts) != 3 {
			return nil, items, fmt.Errorf("import problems: bad token %q", tok)
		}
		mask, err := strconv.Atoi(parts[0])
		if err != nil {
			return nil, items, fmt.Errorf("import problems: bad token %q", tok)
		}
		p := consent.NewProblem(parts[1], parts[2])
		row = append(row, p)
		for n := range 3 {
			if mask&(1<<n) != 0 {
				items[n] = append(items[n], p)
			}
		}
	}
	return row, items, nil
}

// SaveParsedRows COPYs a batch of staged rows.
// It returns ErrImportGone when the import is no longer being parsed (it
// was discarded meanwhile): the parse stops and writes nothing more.
func (s *Store) SaveParsedRows(ctx context.Context, importID int64, batch *StagedBatch) error {
	if batch.rows == 0 {
		return nil
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Staging rows are rebuilt from the stored file if a crash loses
		// the last commits: no need to wait for the disk.
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		var ok bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM imports WHERE id = $1 AND status = $2 FOR SHARE)", importID, ImportParsing).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return ErrImportGone
		}
		data := binary.BigEndian.AppendUint16(slices.Clip(batch.buf), 0xFFFF) // the trailer
		_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY import_rows ("+importRowColumns+") FROM STDIN (FORMAT binary)")
		return err
	})
}

func nonNil(p []consent.Problem) []consent.Problem {
	if p == nil {
		return []consent.Problem{}
	}
	return p
}

// ImportScope selects the imports a user may see: all of them (Admin), or
// those with one of BrandIDs among their brands (see import_brands), and
// the user's own uploads that have no brand yet (being read, failed, or
// naming no brand of theirs).
type ImportScope struct {
	All      bool
	UserID   int64
	BrandIDs []int64
}

// scopeCond is the condition of ImportScope on imports im, with the scope
// in $1 (all), $2 (user) and $3 (brands).
const scopeCond = `($1 OR EXISTS (SELECT 1 FROM import_brands ib WHERE ib.import_id = im.id AND ib.brand_id = ANY($3))
		OR (im.user_id = $2 AND NOT EXISTS (SELECT 1 FROM import_brands ib WHERE ib.import_id = im.id)))`

// ListImports lists a page of the imports of a scope, newest first, and
// returns the cursor of the next page (0: none).
func (s *Store) ListImports(ctx context.Context, sc ImportScope, p Page) ([]*Import, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+importColumns+` FROM imports im WHERE `+scopeCond+`
		AND im.id < $4 ORDER BY im.id DESC LIMIT $5`, sc.All, sc.UserID, sc.BrandIDs, p.below(), p.fetch())
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, im)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out, next := cut(p, out, func(im *Import) int64 { return im.ID })
	return out, next, nil
}

// ImportErrorRows calls fn for every row of an import that has an error
// (of the row or of one of its consents), in row order, with all its
// problems: the rows the error workbook lists.
func (s *Store) ImportErrorRows(ctx context.Context, importID int64, fn func(rowNo int, cells []string, problems []consent.Problem) error) error {
	rows, err := s.pool.Query(ctx, `SELECT r.row_no, r.cells, r.problems, v.arama, v.mesaj, v.eposta
		FROM import_rows r LEFT JOIN import_verdicts v ON v.import_id = r.import_id AND v.row_no = r.row_no
		WHERE r.import_id = $1 AND `+rowHasErrorSQL+`
		ORDER BY r.row_no`, importID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var cells, probs string
		var verdicts [3]*string
		if err := rows.Scan(&n, &cells, &probs, &verdicts[0], &verdicts[1], &verdicts[2]); err != nil {
			return err
		}
		c, err := decodeCells(cells)
		if err != nil {
			return err
		}
		ps, _, err := decodeProblems(probs)
		if err != nil {
			return err
		}
		// The row's problems, then those the validation found, once each.
		for _, v := range verdicts {
			if v == nil {
				continue
			}
			if p, ok := verdictProblem(*v); ok && !containsProblem(ps, p) {
				ps = append(ps, p)
			}
		}
		if err := fn(n, c, ps); err != nil {
			return err
		}
	}
	return rows.Err()
}

func containsProblem(ps []consent.Problem, p consent.Problem) bool {
	for _, q := range ps {
		if q.Code == p.Code && q.Field == p.Field {
			return true
		}
	}
	return false
}

// ImportHeader returns the header cells of a parsed import.
func (s *Store) ImportHeader(ctx context.Context, importID int64) ([]string, error) {
	var h []string
	err := s.pool.QueryRow(ctx, "SELECT COALESCE(header, '[]') FROM imports WHERE id = $1", importID).Scan(&h)
	return h, mapErr(err)
}

// SetImportHeader records the header cells the reader found.
func (s *Store) SetImportHeader(ctx context.Context, importID int64, header []string) error {
	b, _ := json.Marshal(header)
	_, err := s.pool.Exec(ctx, "UPDATE imports SET header = $2 WHERE id = $1", importID, b)
	return err
}

// ErrorReport is one refused row for Hata Bildirimleri.
type ErrorReport struct {
	ImportID  int64             `json:"import_id"`
	Filename  string            `json:"filename"`
	CreatedAt time.Time         `json:"created_at"`
	RowNo     int               `json:"row"`
	Problems  []consent.Problem `json:"problems"`
}

// ErrorReports lists the refused rows of the recent imports of a scope,
// newest import first, at most limit rows: each row with a refused
// consent, and the errors of its refused consents.
func (s *Store) ErrorReports(ctx context.Context, sc ImportScope, limit int) ([]ErrorReport, error) {
	rows, err := s.pool.Query(ctx, `SELECT im.id, im.filename, im.created_at, r.row_no, r.problems, r.flags, r.channels,
			v.arama, v.mesaj, v.eposta
		FROM (SELECT * FROM imports im WHERE `+scopeCond+` AND status = ANY($5)
		      ORDER BY id DESC LIMIT 20) im
		JOIN import_rows r ON r.import_id = im.id
		LEFT JOIN import_verdicts v ON v.import_id = r.import_id AND v.row_no = r.row_no
		WHERE `+itemRefusedSQL+` OR `+noConsentErrorSQL+`
		ORDER BY im.id DESC, r.row_no LIMIT $4`, sc.All, sc.UserID, sc.BrandIDs, limit, importStatuses(ImportStatus.HasRows))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ErrorReport, error) {
		var e ErrorReport
		var probs, chans string
		var flags int16
		var verdicts [3]*string
		if err := r.Scan(&e.ImportID, &e.Filename, &e.CreatedAt, &e.RowNo, &probs, &flags, &chans, &verdicts[0], &verdicts[1], &verdicts[2]); err != nil {
			return e, err
		}
		row, items, err := decodeProblems(probs)
		if err != nil {
			return e, err
		}
		e.Problems = []consent.Problem{}
		if chans == noChannels {
			// A row that yields no consent: its own errors.
			for _, p := range row {
				if p.IsError() {
					e.Problems = append(e.Problems, p)
				}
			}
		}
		for n := range 3 {
			var vp *consent.Problem
			if verdicts[n] != nil {
				if p, ok := verdictProblem(*verdicts[n]); ok && p.IsError() {
					vp = &p
				}
			}
			if flags&flagItemError(n) == 0 && vp == nil {
				continue // not a refused consent
			}
			for _, p := range items[n] {
				if p.IsError() && !containsProblem(e.Problems, p) {
					e.Problems = append(e.Problems, p)
				}
			}
			if vp != nil && !containsProblem(e.Problems, *vp) {
				e.Problems = append(e.Problems, *vp)
			}
		}
		return e, nil
	})
}

// FailStuckImports ends imports left in a working stage with no job that
// could still move them (a worker that crashed on its last attempt), after
// quiet for `idle`. It returns how many it ended.
func (s *Store) FailStuckImports(ctx context.Context, idle time.Duration) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE imports im SET status = $2, error_code = 'INTERNAL',
			error_message = 'Liste işlenirken iş yarıda kaldı; yeniden yüklemeyi deneyin. Sorun sürerse sistem yöneticinize (Admin) bildirin.',
			updated_at = now()
		WHERE im.status = ANY($3) AND im.updated_at < now() - $1::interval
		  AND NOT EXISTS (SELECT 1 FROM river_job j
			WHERE j.kind IN ('import_parse', 'import_validate') AND (j.args->>'import_id')::bigint = im.id
			  AND j.state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))
		RETURNING id`, idle.String(), ImportFailed, importStatuses(ImportStatus.Working))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		n = int64(len(ids))
		// As FailImport: a failed import shows no rows.
		for _, id := range ids {
			if err := deleteStaging(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
