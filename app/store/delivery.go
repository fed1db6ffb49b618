package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// deliverImport reserves quota for an approved import's events and turns
// them into sync batches, inside the approval's transaction.
func (s *Store) deliverImport(ctx context.Context, tx pgx.Tx, a Actor, importID int64) error {
	return nil
}
