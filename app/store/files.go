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
