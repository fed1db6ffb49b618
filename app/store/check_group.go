package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Single-recipient checks, the API's most frequent call, are latency-bound
// and each would cost a database round trip of its own; under load the
// round trips, not the probes, are what PostgreSQL spends its time on. So
// the checks that arrive while others are being answered wait for the
// next statement and go together in one: no check ever waits for a timer
// (an idle node sends each at once, alone), and each still reads the
// consents after it arrived, since its statement starts after that.
const (
	// checkRunners bounds the statements in flight for grouped checks.
	checkRunners = 2
	// checkGroupMax bounds the checks of one statement (a power of two:
	// see checkMany).
	checkGroupMax = 512
	// checkGroupTimeout bounds one grouped statement: it outlives any one
	// caller's context, whose end only stops that caller's wait.
	checkGroupTimeout = 30 * time.Second
)

// checkGroup is the single checks waiting for a statement.
type checkGroup struct {
	mu      sync.Mutex
	pending []*checkCall
	running int
	shared  atomic.Int64 // statements that answered more than one check
}

type checkCall struct {
	code, typ, recipientType, recipient string
	brandID                             int64 // 0: no brand has the code
	state                               CheckState
	err                                 error
	done                                chan struct{}
}

// checkMany answers the checks of several callers, each of one recipient
// of a brand found by code, given as rows of scalar parameters (code,
// type, recipient type, recipient): the brand's row (NULL id when no brand
// has the code) and the consent, probed per check as in checkJoin. The
// rows come in a few sizes (powers of two, the unused ones NULL) so that
// PostgreSQL plans each size once per connection: arrays of checks would
// be planned anew on every call (planning then takes 60% of a statement
// of 8).
func checkMany(n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("($%d::text, $%d::text, $%d::text, $%d::text, %d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4, i+1)
	}
	return `SELECT q.i, b.id, x.status, x.consent_date, x.source, x.pending_status, x.pending_since, x.refused_code, x.refused_at
	FROM (VALUES ` + strings.Join(rows, ", ") + `) AS q(code, type, recipient_type, recipient, i)
	JOIN brands b ON b.brand_code = q.code
	LEFT JOIN LATERAL (SELECT ` + checkColumns + ` FROM recipients r
		JOIN consents c ON c.recipient_id = r.id AND c.type = q.type
		WHERE r.brand_id = b.id AND r.recipient_type = q.recipient_type AND r.recipient = q.recipient LIMIT 1) x ON true`
}

// checkManyBySize holds checkMany(2), checkMany(4), … checkMany(checkGroupMax).
var checkManyBySize = func() map[int]string {
	m := map[int]string{}
	for n := 2; n <= checkGroupMax; n *= 2 {
		m[n] = checkMany(n)
	}
	return m
}()

// checkOneGrouped is CheckByCode for one recipient, in a statement shared
// with the checks that arrive meanwhile.
func (s *Store) checkOneGrouped(ctx context.Context, code, typ, recipientType, recipient string) (int64, CheckState, error) {
	call := &checkCall{code: code, typ: typ, recipientType: recipientType, recipient: recipient, done: make(chan struct{})}
	g := &s.checks
	g.mu.Lock()
	g.pending = append(g.pending, call)
	lead := g.running < checkRunners
	if lead {
		g.running++
	}
	g.mu.Unlock()
	if lead {
		// The caller runs a statement itself (its own check is in it), and
		// leaves what arrived meanwhile to a goroutine, so that its answer
		// does not wait for others'.
		s.runChecks(ctx, 1)
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		return 0, CheckState{}, ctx.Err()
	}
	if call.err != nil {
		return 0, CheckState{}, call.err
	}
	if call.brandID == 0 {
		return 0, CheckState{}, ErrNotFound
	}
	return call.brandID, call.state, nil
}

// runChecks runs statements for the pending checks, rounds of them at
// most (0: until none is left), and then hands on or gives up its turn.
func (s *Store) runChecks(ctx context.Context, rounds int) {
	g := &s.checks
	for n := 0; ; n++ {
		g.mu.Lock()
		if len(g.pending) == 0 {
			g.running--
			g.mu.Unlock()
			return
		}
		if rounds > 0 && n == rounds {
			g.mu.Unlock()
			go s.runChecks(context.WithoutCancel(ctx), 0)
			return
		}
		batch := g.pending
		if len(batch) > checkGroupMax {
			batch = batch[:checkGroupMax:checkGroupMax]
			g.pending = g.pending[checkGroupMax:]
		} else {
			g.pending = nil
		}
		g.mu.Unlock()
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkGroupTimeout)
		s.answerChecks(qctx, batch)
		cancel()
		for _, c := range batch {
			close(c.done)
		}
	}
}

// answerChecks fills in the answers of a group of checks.
func (s *Store) answerChecks(ctx context.Context, batch []*checkCall) {
	fail := func(err error) {
		for _, c := range batch {
			c.err = err
		}
	}
	if len(batch) == 1 {
		c := batch[0]
		id, states, err := s.check(ctx, [2]string{checkOneByCode, checkByCode}, c.code, c.typ, c.recipientType, []string{c.recipient})
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			c.err = err
		default:
			c.brandID, c.state = id, states[0]
		}
		return
	}
	size := 2
	for size < len(batch) {
		size *= 2
	}
	args := make([]any, 4*size) // NULL past the batch: no brand has it
	for i, c := range batch {
		args[4*i], args[4*i+1], args[4*i+2], args[4*i+3] = c.code, c.typ, c.recipientType, c.recipient
	}
	s.checks.shared.Add(1)
	rows, err := s.pool.Query(ctx, checkManyBySize[size], args...)
	if err != nil {
		fail(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		var brandID *int64
		var st CheckState
		var status, source, pending, refused *string
		if err := rows.Scan(&i, &brandID, &status, &st.ConsentDate, &source, &pending, &st.PendingSince, &refused, &st.RefusedAt); err != nil {
			fail(err)
			return
		}
		if brandID == nil || i < 1 || int(i) > len(batch) {
			continue
		}
		c := batch[i-1]
		st.Status, st.Source, st.PendingStatus, st.RefusedCode = deref(status), deref(source), deref(pending), deref(refused)
		c.brandID, c.state = *brandID, st
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
}
