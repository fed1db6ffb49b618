package store

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tarama: a campaign list uploaded to be checked against one brand's
// consents on one channel; the list and its result workbook are kept in
// PostgreSQL until the retention period ends.

// ActionScrub is the audit action of a list scrub's upload.
const ActionScrub = "scrub"

// Scrub is an uploaded campaign list checked against one brand's consents
// on one channel (Tarama).
type Scrub struct {
	ID            int64       `json:"id"`
	UserID        int64       `json:"user_id"`
	Actor         string      `json:"actor"`
	BrandID       int64       `json:"brand_id"`
	BrandName     string      `json:"brand_name"`
	BrandCode     string      `json:"brand_code"`
	Type          string      `json:"type"`
	RecipientType string      `json:"recipient_type"`
	Filename      string      `json:"filename"`
	SizeBytes     int64       `json:"size_bytes"`
	Status        ScrubStatus `json:"status"`
	Progress      int         `json:"progress"` // per mille of the list read
	RowsDone      int         `json:"rows_done"`
	Onay          int         `json:"onay"`
	Ret           int         `json:"ret"`
	Pending       int         `json:"pending"`
	Yok           int         `json:"yok"`
	Invalid       int         `json:"gecersiz"`
	ResultBytes   int64       `json:"result_bytes"`
	CheckedAt     *time.Time  `json:"checked_at,omitempty"`
	ErrorCode     string      `json:"error_code,omitempty"`
	ErrorMessage  string      `json:"error_message,omitempty"`
	CreatedAt     time.Time   `json:"created_at"`
	ExpiresAt     time.Time   `json:"expires_at"`
}

// ScrubCounts are a scrub's results by answer.
type ScrubCounts struct {
	Onay, Ret, Pending, Yok, Invalid int
}

// ScrubInput is what an upload of a list says.
type ScrubInput struct {
	BrandID       int64
	Type          string
	RecipientType string
}

const scrubColumns = `s.id, s.user_id, s.actor, s.brand_id, b.name, COALESCE(b.brand_code, ''), s.type, s.recipient_type, s.filename,
	s.size_bytes, s.status, s.progress, s.rows_done, s.n_onay, s.n_ret, s.n_pending, s.n_yok, s.n_invalid, s.result_bytes, s.checked_at,
	COALESCE(s.error_code, ''), COALESCE(s.error_message, ''), s.created_at, s.expires_at`

func scanScrub(r pgx.Row) (*Scrub, error) {
	var x Scrub
	err := r.Scan(&x.ID, &x.UserID, &x.Actor, &x.BrandID, &x.BrandName, &x.BrandCode, &x.Type, &x.RecipientType, &x.Filename,
		&x.SizeBytes, &x.Status, &x.Progress, &x.RowsDone, &x.Onay, &x.Ret, &x.Pending, &x.Yok, &x.Invalid, &x.ResultBytes, &x.CheckedAt,
		&x.ErrorCode, &x.ErrorMessage, &x.CreatedAt, &x.ExpiresAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &x, nil
}

// CreateScrub stores an uploaded list, read from r in 1 MB chunks, with
// its expiry from the scrub_retention_days setting, audits the upload and
// calls enqueue in the same transaction (the job and the list exist
// together or not at all).
// The list counts against the file budget of the brand's company (up's
// CompanyID is ignored); over it, a *StorageFullError and nothing stored.
func (s *Store) CreateScrub(ctx context.Context, a Actor, in ScrubInput, up Upload, r io.Reader, enqueue func(tx pgx.Tx, id int64) error) (*Scrub, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var companyID int64
		if err := tx.QueryRow(ctx, "SELECT company_id FROM brands WHERE id = $1", in.BrandID).Scan(&companyID); err != nil {
			return mapErr(err)
		}
		up.CompanyID = &companyID
		if err := chargeUpload(ctx, tx, up, scrubFiles); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO scrubs (user_id, actor, brand_id, type, recipient_type, filename, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days =>
				COALESCE((SELECT CASE WHEN value ~ '^[0-9]{1,5}$' THEN value::int END FROM settings WHERE key = 'scrub_retention_days'), 90)))
			RETURNING id`, a.UserID, a.Label, in.BrandID, in.Type, in.RecipientType, up.Filename).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		size, err := writeScrubChunks(ctx, tx, id, "in", r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE scrubs SET size_bytes = $2 WHERE id = $1", id, size); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionScrub, "scrub", strconv.FormatInt(id, 10), nil,
			map[string]any{"event": "upload", "filename": up.Filename, "size": size, "brand_id": in.BrandID,
				"type": in.Type, "recipient_type": in.RecipientType}); err != nil {
			return err
		}
		return enqueue(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Scrub(ctx, id)
}

func writeScrubChunks(ctx context.Context, tx pgx.Tx, id int64, part string, r io.Reader) (int64, error) {
	return writeChunks(ctx, tx, r, "INSERT INTO scrub_chunks (scrub_id, part, seq, data) VALUES ($1, $2, $3, $4)", id, part)
}

// Scrub returns one scrub (expired ones too, until the sweep deletes them).
func (s *Store) Scrub(ctx context.Context, id int64) (*Scrub, error) {
	return scanScrub(s.pool.QueryRow(ctx, "SELECT "+scrubColumns+" FROM scrubs s JOIN brands b ON b.id = s.brand_id WHERE s.id = $1", id))
}

// ListScrubs lists a page of the unexpired scrubs of the brands (nil:
// every brand), newest first, and returns the cursor of the next page (0:
// none).
func (s *Store) ListScrubs(ctx context.Context, brandIDs []int64, p Page) ([]*Scrub, int64, error) {
	q := "SELECT " + scrubColumns + " FROM scrubs s JOIN brands b ON b.id = s.brand_id WHERE s.expires_at > now() AND s.id < $1"
	args := []any{p.below(), p.fetch()}
	if brandIDs != nil {
		// A condition of its own, so that scrubs_brand_idx serves it.
		q += " AND s.brand_id = ANY($3)"
		args = append(args, brandIDs)
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY s.id DESC LIMIT $2", args...)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Scrub, error) { return scanScrub(r) })
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(sc *Scrub) int64 { return sc.ID })
	return list, next, nil
}

// StartScrub moves a scrub to working and reports whether it may be
// worked (false: done, failed or gone).
func (s *Store) StartScrub(ctx context.Context, id int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE scrubs SET status = $2, progress = 0, rows_done = 0, updated_at = now()
		WHERE id = $1 AND status = ANY($3)`, id, ScrubWorking, []string{string(ScrubUploaded), string(ScrubWorking)})
	return tag.RowsAffected() == 1, err
}

// ScrubProgress records how far a scrub has come.
func (s *Store) ScrubProgress(ctx context.Context, id int64, perMille, rows int) error {
	_, err := s.pool.Exec(ctx, "UPDATE scrubs SET progress = $2, rows_done = $3, updated_at = now() WHERE id = $1", id, perMille, rows)
	return err
}

// FailScrub ends a scrub with an error the user reads; its list, which
// nothing will read again, goes at once.
func (s *Store) FailScrub(ctx context.Context, id int64, code, message string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE scrubs SET status = $4, error_code = $2, error_message = $3, size_bytes = 0, updated_at = now()
			WHERE id = $1 AND status = ANY($5)`, id, code, message, ScrubFailed, []string{string(ScrubUploaded), string(ScrubWorking)})
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM scrub_chunks WHERE scrub_id = $1 AND part = 'in'", id)
		return err
	})
}

// FinishScrub stores the result workbook read from r with the counts and
// the check time, and drops the uploaded list (the result holds every
// recipient as given), in one transaction.
func (s *Store) FinishScrub(ctx context.Context, id int64, checkedAt time.Time, rows int, n ScrubCounts, r io.Reader) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM scrub_chunks WHERE scrub_id = $1 AND part = 'out'", id); err != nil {
			return err
		}
		size, err := writeScrubChunks(ctx, tx, id, "out", r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM scrub_chunks WHERE scrub_id = $1 AND part = 'in'", id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE scrubs SET status = $9, progress = 1000, rows_done = $2, n_onay = $3, n_ret = $4, n_yok = $5,
			n_invalid = $6, result_bytes = $7, checked_at = $8, n_pending = $10, updated_at = now() WHERE id = $1`,
			id, rows, n.Onay, n.Ret, n.Yok, n.Invalid, size, checkedAt, ScrubDone, n.Pending)
		return err
	})
}

// WriteScrubFile copies a scrub's uploaded list ("in") or result ("out")
// to w.
func (s *Store) WriteScrubFile(ctx context.Context, id int64, part string, w io.Writer) error {
	return s.readChunks(ctx, w, "SELECT data FROM scrub_chunks WHERE scrub_id = $1 AND part = $2 ORDER BY seq", id, part)
}

// DeleteExpiredScrubs deletes the scrubs past their retention, with their
// files, and returns how many went.
func (s *Store) DeleteExpiredScrubs(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM scrubs WHERE expires_at <= now()")
	return tag.RowsAffected(), err
}
