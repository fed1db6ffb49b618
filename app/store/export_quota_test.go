package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ReserveForImport and SettleImport expose the quota primitives to the
// concurrency tests, each in its own transaction.
func (s *Store) ReserveForImport(ctx context.Context, companyID, units, importID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		return reserve(ctx, tx, System, companyID, units, holder{importID: &importID}, "test")
	})
}

func (s *Store) SettleImport(ctx context.Context, importID, accepted, refused int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		return settle(ctx, tx, holder{importID: &importID}, accepted, refused, 0, "test")
	})
}

// DeliverImport runs the approval's delivery hook (reserve + batches) on
// events already written with import_id, for the delivery benchmark.
func (s *Store) DeliverImport(ctx context.Context, importID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return s.deliverImport(ctx, tx, System, importID) })
}
