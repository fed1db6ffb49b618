package store

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"iysgate/app/pg/pgtest"
)

// The delivery states of states.go are the ones the database allows, each
// with a label, and the SQL fragments the queries are written with name
// the values of the partial indexes they are meant to use (a query whose
// condition differs from an index's predicate is planned without it).
func TestDeliveryStatesMatchSchema(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	quoted := regexp.MustCompile(`'([^']*)'`)
	values := func(sql string) []string {
		var out []string
		for _, m := range quoted.FindAllStringSubmatch(sql, -1) {
			out = append(out, m[1])
		}
		return out
	}
	check := func(table, column string) []string {
		t.Helper()
		var def string
		if err := pool.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
			WHERE contype = 'c' AND conrelid = $1::regclass AND pg_get_constraintdef(oid) LIKE '%(' || $2 || ' = ANY %'`,
			table, column).Scan(&def); err != nil {
			t.Fatalf("the CHECK of %s.%s: %v", table, column, err)
		}
		return values(def)
	}
	var syncs, batches []string
	for _, s := range syncOrder {
		syncs = append(syncs, string(s))
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("sync state %q has no label", s)
		}
	}
	for _, s := range batchOrder {
		batches = append(batches, string(s))
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("batch state %q has no label", s)
		}
	}
	if got := check("consent_events", "iys_state"); !slices.Equal(got, syncs) {
		t.Errorf("consent_events.iys_state allows %v; states.go has %v", got, syncs)
	}
	if got := check("sync_batches", "status"); !slices.Equal(got, batches) {
		t.Errorf("sync_batches.status allows %v; states.go has %v", got, batches)
	}
	if len(syncLabels) != len(syncOrder) || len(batchLabels) != len(batchOrder) {
		t.Errorf("%d sync labels for %d states, %d batch labels for %d states", len(syncLabels), len(syncOrder), len(batchLabels), len(batchOrder))
	}
	for index, fragment := range map[string]string{
		"consent_events_open_key_idx":  eventOpen,
		"consent_events_unbatched_idx": eventUnsent,
		"sync_batches_due_idx":         batchDue,
		"sync_batches_open_idx":        batchOpen,
	} {
		var pred string
		if err := pool.QueryRow(ctx, `SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i WHERE i.indexrelid = $1::regclass`,
			index).Scan(&pred); err != nil {
			t.Fatalf("%s: %v", index, err)
		}
		if got, want := values(pred), values(fragment); !slices.Equal(got, want) {
			t.Errorf("%s is on %v; the queries ask for %v (%s)", index, got, want, fragment)
		}
	}
}
