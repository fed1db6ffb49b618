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

// DeliverImport reserves and batches events already written with
// importID (the sweep's path), for the delivery benchmark.
func (s *Store) DeliverImport(ctx context.Context, importID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var company, n int64
		if err := tx.QueryRow(ctx, `SELECT b.company_id, count(*) FROM consent_events e JOIN brands b ON b.id = e.brand_id
			WHERE e.import_id = $1 GROUP BY 1`, importID).Scan(&company, &n); err != nil {
			return err
		}
		if err := reserve(ctx, tx, System, company, n, holder{importID: &importID}, "test"); err != nil {
			return err
		}
		_, err := s.makeBatches(ctx, tx, BatchKindAsync, "e.import_id = $1", importID)
		return err
	})
}
