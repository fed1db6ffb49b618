package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
)

// Import statuses, in the order an import goes through them.
const (
	ImportUploaded   = "uploaded"
	ImportParsing    = "parsing"
	ImportValidating = "validating"
	ImportPreview    = "preview"
	ImportApproved   = "approved"
	ImportSending    = "sending"
	ImportDone       = "done"
	ImportFailed     = "failed"
	ImportDiscarded  = "discarded"
)

// ActionImport is the audit action of uploads, approvals and discards.
const ActionImport = "import"

// ErrImportGone is returned to a job whose import left its stage (discarded).
var ErrImportGone = errors.New("import is no longer in this stage")

// importChunkSize is the size of the pieces an uploaded file is stored in.
const importChunkSize = 1 << 20

// Import is one uploaded file and where it stands.
type Import struct {
	ID           int64                      `json:"id"`
	UserID       int64                      `json:"user_id"`
	Actor        string                     `json:"actor"`
	BrandID      *int64                     `json:"brand_id,omitempty"`
	Filename     string                     `json:"filename"`
	SizeBytes    int64                      `json:"size_bytes"`
	Status       string                     `json:"status"`
	RowsDone     int                        `json:"rows_done"`
	RowsTotal    int                        `json:"rows_total"`
	Summary      map[string]*ChannelSummary `json:"summary"`
	ErrorCode    string                     `json:"error_code,omitempty"`
	ErrorMessage string                     `json:"error_message,omitempty"`
	Mode         string                     `json:"mode,omitempty"`
	ApprovedBy   string                     `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time                 `json:"approved_at,omitempty"`
	CreatedAt    time.Time                  `json:"created_at"`
	UpdatedAt    time.Time                  `json:"updated_at"`
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

// CreateImport stores an uploaded file, read from r in 1 MB chunks, audits
// the upload, and calls enqueue in the same transaction, so that the parse
// job and the file exist together or not at all.
func (s *Store) CreateImport(ctx context.Context, a Actor, brandID *int64, filename string, r io.Reader, enqueue func(tx pgx.Tx, id int64) error) (*Import, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO imports (user_id, actor, brand_id, filename) VALUES ($1, $2, $3, $4) RETURNING id`,
			a.UserID, a.Label, brandID, filename).Scan(&id); err != nil {
			return err
		}
		buf := make([]byte, importChunkSize)
		var size int64
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				if _, err := tx.Exec(ctx, "INSERT INTO import_chunks (import_id, seq, data) VALUES ($1, $2, $3)", id, seq, buf[:n]); err != nil {
					return err
				}
				size += int64(n)
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("upload: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE imports SET size_bytes = $2 WHERE id = $1", id, size); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(id, 10), nil,
			map[string]any{"event": "upload", "filename": filename, "size": size}); err != nil {
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
	rows, err := s.pool.Query(ctx, "SELECT data FROM import_chunks WHERE import_id = $1 ORDER BY seq", id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return rows.Err()
}

const importColumns = `id, user_id, actor, brand_id, filename, size_bytes, status, rows_done, rows_total,
	COALESCE(summary, '{}'), COALESCE(error_code, ''), COALESCE(error_message, ''), COALESCE(mode, ''),
	COALESCE(approved_by, ''), approved_at, created_at, updated_at`

func scanImport(r pgx.Row) (*Import, error) {
	var im Import
	err := r.Scan(&im.ID, &im.UserID, &im.Actor, &im.BrandID, &im.Filename, &im.SizeBytes, &im.Status, &im.RowsDone, &im.RowsTotal,
		&im.Summary, &im.ErrorCode, &im.ErrorMessage, &im.Mode, &im.ApprovedBy, &im.ApprovedAt, &im.CreatedAt, &im.UpdatedAt)
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
func (s *Store) SetImportStatus(ctx context.Context, id int64, to string, from ...string) (bool, error) {
	tag, err := s.pool.Exec(ctx, "UPDATE imports SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY($3)", id, to, from)
	return tag.RowsAffected() == 1, err
}

// FailImport ends an import with an error the user reads.
func (s *Store) FailImport(ctx context.Context, id int64, code, message string) error {
	_, err := s.pool.Exec(ctx, `UPDATE imports SET status = 'failed', error_code = $2, error_message = $3, updated_at = now()
		WHERE id = $1 AND status IN ('uploaded', 'parsing', 'validating')`, id, code, message)
	return err
}

// ImportProgress records how many rows are done (and the expected total).
func (s *Store) ImportProgress(ctx context.Context, id int64, done, total int) error {
	_, err := s.pool.Exec(ctx, "UPDATE imports SET rows_done = $2, rows_total = $3, updated_at = now() WHERE id = $1", id, done, total)
	return err
}

// ResetImportRows deletes what an interrupted parse wrote, so that a
// restarted parse starts clean.
func (s *Store) ResetImportRows(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM import_outcomes WHERE import_id = $1", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM import_items WHERE import_id = $1", id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM import_rows WHERE import_id = $1", id)
		return err
	})
}

// ParsedRow is one row of a workbook after the stateless rules.
type ParsedRow struct {
	RowNo    int
	Cells    []string
	Problems []consent.Problem // of the whole row
	Items    []ParsedItem
}

// ParsedItem is one consent a row yields.
type ParsedItem struct {
	Consent  consent.Consent
	Problems []consent.Problem
}

// SaveParsedRows COPYs a batch of rows and their items.
// It returns ErrImportGone when the import is no longer being parsed (it
// was discarded meanwhile): the parse stops and writes nothing more.
func (s *Store) SaveParsedRows(ctx context.Context, importID int64, rows []ParsedRow) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM imports WHERE id = $1 AND status = 'parsing' FOR SHARE)", importID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return ErrImportGone
		}
		rowData := make([][]any, 0, len(rows))
		var itemData [][]any
		for _, r := range rows {
			cells, _ := json.Marshal(r.Cells)
			probs, _ := json.Marshal(nonNil(r.Problems))
			rowData = append(rowData, []any{importID, r.RowNo, cells, probs})
			for _, it := range r.Items {
				c := it.Consent
				var date *time.Time
				if !c.ConsentDate.IsZero() {
					date = &c.ConsentDate
				}
				ip, _ := json.Marshal(nonNil(it.Problems))
				// An item the stateless rules refused needs no validation.
				var outcome *string
				if consent.HasErrors(it.Problems) {
					e := OutcomeError
					outcome = &e
				}
				itemData = append(itemData, []any{importID, r.RowNo, string(c.Type), c.BrandCode, c.Recipient,
					string(c.RecipientType), string(c.Status), string(c.Source), date, c.FirstName, c.LastName, ip, outcome})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, []string{"import_id", "row_no", "cells", "problems"},
			pgx.CopyFromRows(rowData)); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_items"}, []string{"import_id", "row_no", "type", "brand_code",
			"recipient", "recipient_type", "status", "source", "consent_date", "first_name", "last_name", "problems", "outcome"},
			pgx.CopyFromRows(itemData))
		return err
	})
}

func nonNil(p []consent.Problem) []consent.Problem {
	if p == nil {
		return []consent.Problem{}
	}
	return p
}

// ListImports lists imports newest first: all (userID 0), or a user's own
// and those naming one of brandIDs.
func (s *Store) ListImports(ctx context.Context, userID int64, brandIDs []int64, limit int) ([]*Import, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+importColumns+` FROM imports im
		WHERE $1 = 0 OR im.user_id = $1
		   OR EXISTS (SELECT 1 FROM import_items i JOIN brands b ON b.brand_code = i.brand_code
		              WHERE i.import_id = im.id AND b.id = ANY($3))
		ORDER BY id DESC LIMIT $2`, userID, limit, brandIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// ImportErrorRows calls fn for every row of an import that has an error
// (of the row or of one of its consents), in row order, with all its
// problems: the rows the error workbook lists.
func (s *Store) ImportErrorRows(ctx context.Context, importID int64, fn func(rowNo int, cells []string, problems []consent.Problem) error) error {
	rows, err := s.pool.Query(ctx, `SELECT r.row_no, r.cells,
			r.problems || COALESCE((SELECT jsonb_agg(DISTINCT p) FROM import_item_results i, jsonb_array_elements(i.problems) p
				WHERE i.import_id = r.import_id AND i.row_no = r.row_no AND NOT r.problems @> jsonb_build_array(p)), '[]')
		FROM import_rows r
		WHERE r.import_id = $1 AND (r.problems @> '[{"severity":"error"}]'
			OR EXISTS (SELECT 1 FROM import_item_results i WHERE i.import_id = r.import_id AND i.row_no = r.row_no AND i.outcome = 'error'))
		ORDER BY r.row_no`, importID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var cells []string
		var probs []consent.Problem
		if err := rows.Scan(&n, &cells, &probs); err != nil {
			return err
		}
		if err := fn(n, cells, probs); err != nil {
			return err
		}
	}
	return rows.Err()
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

// ErrorReports lists the refused rows of recent imports (a user's own when
// userID != 0), newest import first, at most limit rows.
func (s *Store) ErrorReports(ctx context.Context, userID int64, limit int) ([]ErrorReport, error) {
	rows, err := s.pool.Query(ctx, `SELECT im.id, im.filename, im.created_at, i.row_no,
			jsonb_agg(DISTINCT p) FILTER (WHERE p->>'severity' = 'error')
		FROM (SELECT * FROM imports WHERE ($1 = 0 OR user_id = $1) AND status IN ('preview', 'approved', 'sending', 'done')
		      ORDER BY id DESC LIMIT 20) im
		JOIN import_item_results i ON i.import_id = im.id AND i.outcome = 'error'
		CROSS JOIN LATERAL jsonb_array_elements(i.problems) p
		GROUP BY im.id, im.filename, im.created_at, i.row_no
		ORDER BY im.id DESC, i.row_no LIMIT $2`, userID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ErrorReport, error) {
		var e ErrorReport
		err := r.Scan(&e.ImportID, &e.Filename, &e.CreatedAt, &e.RowNo, &e.Problems)
		return e, err
	})
}

// FailStuckImports ends imports left in a working stage with no job that
// could still move them (a worker that crashed on its last attempt), after
// quiet for `idle`. It returns how many it ended.
func (s *Store) FailStuckImports(ctx context.Context, idle time.Duration) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE imports im SET status = 'failed', error_code = 'INTERNAL',
			error_message = 'Liste işlenirken iş yarıda kaldı; yeniden yüklemeyi deneyin. Sorun sürerse yöneticinize bildirin.',
			updated_at = now()
		WHERE im.status IN ('uploaded', 'parsing', 'validating') AND im.updated_at < now() - $1::interval
		  AND NOT EXISTS (SELECT 1 FROM river_job j
			WHERE j.kind IN ('import_parse', 'import_validate') AND (j.args->>'import_id')::bigint = im.id
			  AND j.state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))`, idle.String())
	return tag.RowsAffected(), err
}
