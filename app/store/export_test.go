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
	if f.Search == "" {
		q, args := recipientsQuery(f)
		return s.explain(ctx, q, args...)
	}
	// A search: the walk's plan, then the index's.
	scan, scanArgs, index, indexArgs := searchQueries(f)
	var plans []string
	if scan != "" {
		p, err := s.explain(ctx, scan, scanArgs...)
		if err != nil {
			return "", err
		}
		plans = append(plans, "walk:\n"+p)
	}
	p, err := s.explain(ctx, index, indexArgs...)
	return strings.Join(append(plans, "index:\n"+p), "\n"), err
}

// SetSearchScanRows bounds a search's walk (searchScanRows) for a test,
// so that small data sets take the index's way too.
func SetSearchScanRows(n int) (restore func()) {
	old := searchScanRows
	searchScanRows = n
	return func() { searchScanRows = old }
}

func (s *Store) explain(ctx context.Context, q string, args ...any) (string, error) {
	rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+q, args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}

// SharedChecks is how many statements answered several single checks.
func (s *Store) SharedChecks() int64 { return s.checks.shared.Load() }
