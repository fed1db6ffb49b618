package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// Uploaded and generated files live in PostgreSQL as 1 MB chunks, so that
// every node sees them and they go with the database's backups.

const chunkSize = 1 << 20

// writeChunks stores r in chunks with insert, whose parameters are args
// followed by the chunk's sequence number and bytes; it returns the size.
func writeChunks(ctx context.Context, tx pgx.Tx, r io.Reader, insert string, args ...any) (int64, error) {
	buf := make([]byte, chunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := tx.Exec(ctx, insert, append(args, seq, buf[:n])...); err != nil {
				return 0, err
			}
			size += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return size, nil
		}
		if err != nil {
			return 0, fmt.Errorf("dosya okunamadı: %w", err)
		}
	}
}

// readChunks copies to w the chunks that query (ordered by sequence)
// returns.
func (s *Store) readChunks(ctx context.Context, w io.Writer, query string, args ...any) error {
	rows, err := s.pool.Query(ctx, query, args...)
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

// StorageFullError refuses an upload that would take the files a company
// holds past its bound (IYSGATE_MAX_STORED_MB).
type StorageFullError struct {
	Used, Size, Limit int64
}

func (e *StorageFullError) Error() string {
	return fmt.Sprintf("stored files %d + %d bytes exceed the company's bound of %d", e.Used, e.Size, e.Limit)
}

// Upload is a file being stored with what it is charged to.
type Upload struct {
	Filename string
	Size     int64
	// CompanyID is the company whose file budget the file counts against
	// (nil: none, an Admin's upload naming no brand).
	CompanyID *int64
	// Budget is the most that company may hold at once, this file
	// included (0: unbounded).
	Budget int64
}

// The files a company holds, by kind: imports not yet deleted
// (import_chunks), and scrubs (the list until checked, then the result).
// Each kind has its own budget, so that a Müşteri's scrubs can never stop
// the company's imports.
type fileKind struct{ name, held string }

var (
	importFiles = fileKind{"import", `SELECT COALESCE(sum(size_bytes), 0) FROM imports
		WHERE company_id = $1 AND file_deleted_at IS NULL`}
	scrubFiles = fileKind{"scrub", `SELECT COALESCE(sum(CASE WHEN s.status = '` + string(ScrubDone) + `' THEN 0 ELSE s.size_bytes END + s.result_bytes), 0)
		FROM scrubs s JOIN brands b ON b.id = s.brand_id WHERE b.company_id = $1`}
)

// chargeUpload takes the upload's size from its company's budget for
// files of a kind under a per-company lock, so that parallel uploads
// cannot overshoot, or refuses it with a *StorageFullError.
func chargeUpload(ctx context.Context, tx pgx.Tx, up Upload, kind fileKind) error {
	if up.CompanyID == nil || up.Budget <= 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('files:' || $2 || ':' || $1::bigint))", *up.CompanyID, kind.name); err != nil {
		return err
	}
	var used int64
	if err := tx.QueryRow(ctx, kind.held, *up.CompanyID).Scan(&used); err != nil {
		return err
	}
	if used+up.Size > up.Budget {
		return &StorageFullError{Used: used, Size: up.Size, Limit: up.Budget}
	}
	return nil
}
