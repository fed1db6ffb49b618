package store

import "context"

// ExplainReports returns EXPLAIN ANALYZE of the report queries for f, for
// the benchmark's report.
func (s *Store) ExplainReports(ctx context.Context, f ReportFilter) (map[string]string, error) {
	plans := map[string]string{}
	for name, q := range map[string]string{"events": reportEventsQuery, "spent": reportSpentQuery, "daily": dailyConsentsQuery} {
		q, args := f.scope(q)
		plan, err := s.explain(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		plans[name] = plan
	}
	return plans, nil
}
