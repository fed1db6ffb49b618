package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ExplainRecipients returns EXPLAIN ANALYZE of the Onaylar query, for the
// benchmark's report.
func (s *Store) ExplainRecipients(ctx context.Context, f ConsentFilter) (string, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	q, args := recipientsQuery(f)
	return s.explain(ctx, q, args...)
}

func (s *Store) explain(ctx context.Context, q string, args ...any) (string, error) {
	rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+q, args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}
