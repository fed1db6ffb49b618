package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Delivery to İYS. Consent events waiting for İYS are grouped into sync
// batches in the transaction that writes them (or, for companies not yet
// ready for İYS and for consents that waited for quota, by a sweep). A
// batch is one list at İYS: at most the list size (İYS takes 1000), never
// two changes of one key (İYS refuses such a list whole, H194): the n-th
// change of a key goes to a batch of rank n, made after those of rank n-1.
//
// A company's batches are worked by its delivery job, many at once: sent
// when due, their result queried when İYS has had time to work them, asked
// about when an answer was lost. An item goes only when every earlier
// change of its key is final, so a key is never in two lists in flight and
// its later change never reaches İYS before its earlier one (delivery_work.go).

// Batch kinds: a list, or one consent given by hand sent by a single add.
const (
	BatchKindAsync = "async"
	BatchKindOne   = "single"
)

// DefaultBatchSize is the most items of a batch: İYS's most consents per
// list.
const DefaultBatchSize = 1000

// rankStride separates the batches of one rank from the next in batch
// numbering: no import holds a million changes of one brand in one rank.
const rankStride = 1000000

// BatchHook enqueues, inside tx, the delivery job of each company that has
// batches to work. The server sets it (River); the store knows nothing of
// River.
type BatchHook func(ctx context.Context, tx pgx.Tx, companyIDs []int64) error

// Dispatch is how a store hands the sync batches its writes make to
// delivery. It is part of making a store (New), not set afterwards: a
// store without a hook writes consents and batches that no job picks up
// until some server's sweep finds them (SweepUnbatched, each minute), and
// nothing says so; a store made without one by mistake once looked like
// one that works. Code that means it says so: LeftToSweep.
type Dispatch struct {
	// Hook enqueues, in the writing transaction, the delivery job of each
	// company with batches to work.
	Hook BatchHook
	// ListSize caps a batch (0 or more than İYS takes: DefaultBatchSize).
	ListSize int
	sweep    bool // LeftToSweep: no hook, on purpose
}

// LeftToSweep is the dispatch of a store that enqueues no delivery job:
// the batches its writes make are left to the sweep of a running server
// (every minute), and SweepUnbatched on it makes batches but enqueues
// nothing. For the command line, which writes no consents, and for tests
// whose writes the server under test delivers.
var LeftToSweep = Dispatch{sweep: true}

func (s *Store) size() int64 {
	if n := s.dispatch.ListSize; n > 0 && n <= DefaultBatchSize {
		return int64(n)
	}
	return DefaultBatchSize
}

// readyForIYS is the condition on companies c and brands b for sending:
// the codes, and the integrator assignment ticked by hand or listed by İYS.
const readyForIYS = `COALESCE(c.iys_code, '') <> '' AND COALESCE(b.brand_code, '') <> ''
	AND (c.integrator_assigned OR EXISTS (SELECT 1 FROM iys_integrator_access ia
		WHERE ia.company_id = c.id AND ia.brand_code = b.brand_code AND ia.access <> ''))`

// group is a batch to make: its brand, company, number and size.
type group struct{ brand, company, g, items int64 }

func scanGroup(r pgx.CollectableRow) (group, error) {
	var x group
	return x, r.Scan(&x.brand, &x.company, &x.g, &x.items)
}

// insertBatches makes one batch per group and returns their ids with the
// groups' brands and numbers, in order.
func insertBatches(ctx context.Context, tx pgx.Tx, groups []group, kind string, importID *int64) (ids, brands, gs []int64, err error) {
	ids, brands, gs = make([]int64, len(groups)), make([]int64, len(groups)), make([]int64, len(groups))
	for i, g := range groups {
		if err := tx.QueryRow(ctx, `INSERT INTO sync_batches (company_id, brand_id, import_id, kind, items) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			g.company, g.brand, importID, kind, g.items).Scan(&ids[i]); err != nil {
			return nil, nil, nil, err
		}
		brands[i], gs[i] = g.brand, g.g
	}
	return ids, brands, gs, nil
}

// kickImport enqueues the delivery job of each company an approved import
// made batches for, once its events are written.
func (s *Store) kickImport(ctx context.Context, tx pgx.Tx, importID int64) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT company_id FROM sync_batches WHERE import_id = $1`, importID)
	if err != nil {
		return err
	}
	companies, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(companies) == 0 {
		return err
	}
	return s.kickCompanies(ctx, tx, companies)
}

// deliverEvent hands one consent given by hand to sending. With no unit
// left it is kept, waiting (SyncQuota) for a package: nothing is lost.
func (s *Store) deliverEvent(ctx context.Context, tx pgx.Tx, a Actor, brandID, eventID int64) (waiting bool, err error) {
	var companyID int64
	if err := tx.QueryRow(ctx, `SELECT company_id FROM brands WHERE id = $1`, brandID).Scan(&companyID); err != nil {
		return false, err
	}
	// Behind consents already waiting for quota, a new one waits too:
	// it must not overtake an earlier change of the same recipient.
	var queued bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consent_events e JOIN brands b ON b.id = e.brand_id
		WHERE b.company_id = $1 AND e.iys_state = `+lit(SyncQuota)+` AND e.batch_id IS NULL)`, companyID).Scan(&queued); err != nil {
		return false, err
	}
	if queued {
		_, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = `+lit(SyncQuota)+` WHERE id = $1`, eventID)
		return true, err
	}
	// A savepoint keeps a refused reservation from aborting the consent.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, err
	}
	err = reserve(ctx, sp, a, companyID, 1, holder{eventID: &eventID}, "Tekil izin")
	var qe *QuotaError
	if errors.As(err, &qe) {
		if err := sp.Rollback(ctx); err != nil {
			return false, err
		}
		_, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = `+lit(SyncQuota)+` WHERE id = $1`, eventID)
		return true, err
	}
	if err != nil {
		return false, err
	}
	if err := sp.Commit(ctx); err != nil {
		return false, err
	}
	_, err = s.makeBatches(ctx, tx, BatchKindOne, "e.id = $1", eventID)
	return false, err
}

// releaseWaiting gives the consents that waited for quota their units, in
// the order they were made, as far as the units go, and batches them.
func (s *Store) releaseWaiting(ctx context.Context, tx pgx.Tx, a Actor, companyID int64) error {
	rows, err := tx.Query(ctx, `SELECT e.id FROM consent_events e JOIN brands b ON b.id = e.brand_id
		WHERE b.company_id = $1 AND e.iys_state = `+lit(SyncQuota)+` AND e.batch_id IS NULL ORDER BY e.id FOR UPDATE OF e`, companyID)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return err
	}
	var free int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(sum(n), 0) FROM (SELECT units - reserved - spent AS n FROM subscriptions
		WHERE company_id = $1 AND status = 'active' AND starts_at <= now() AND ends_at > now() FOR UPDATE) x`, companyID).Scan(&free); err != nil {
		return err
	}
	ids = ids[:min(int64(len(ids)), free)]
	for _, id := range ids {
		if err := reserve(ctx, tx, a, companyID, 1, holder{eventID: &id}, "Tekil izin (kota bekliyordu)"); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = `+lit(SyncPending)+` WHERE id = ANY($1)`, ids); err != nil {
		return err
	}
	_, err = s.makeBatches(ctx, tx, BatchKindAsync, "e.id = ANY($1)", ids)
	return err
}

// SweepUnbatched batches events left waiting because their company was not
// ready for İYS when they were made, and enqueues the delivery job of every
// company with work (mending a job lost to a crash); it returns how many
// batches it made.
func (s *Store) SweepUnbatched(ctx context.Context) (int, error) {
	var n int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('iysgate.sweep_unbatched'))`); err != nil {
			return err
		}
		// The events of an approval still being written wait for it.
		ids, err := s.makeBatches(ctx, tx, BatchKindAsync, `e.id > $1 AND NOT EXISTS (SELECT 1 FROM imports im
			WHERE im.id = e.import_id AND im.status = '`+string(ImportApproving)+`')`, int64(0))
		n = len(ids)
		if err != nil {
			return err
		}
		// Approved imports with nothing left to deliver (all unchanged, or
		// the last batch closed by a crash-repeated poll) are done.
		if _, err := tx.Exec(ctx, `UPDATE imports i SET status = 'done', updated_at = now() WHERE status IN ('approved', 'sending')
			AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.import_id = i.id AND e.iys_state `+eventOpen+`)`); err != nil {
			return err
		}
		return s.kickCompanies(ctx, tx, nil)
	})
	return n, err
}

// makeBatches groups the unbatched, pending events selected by cond (on
// consent_events e, with args) of ready companies into batches per brand:
// ranked within their key, then in event order. It enqueues the delivery
// job of each company touched.
func (s *Store) makeBatches(ctx context.Context, tx pgx.Tx, kind, cond string, args ...any) ([]int64, error) {
	size := s.size()
	if kind == BatchKindOne {
		size = 1
	}
	n := strconv.Itoa(len(args) + 1)
	stride := strconv.Itoa(len(args) + 2)
	ev := `SELECT id, brand_id, company_id, r, row_number() OVER (PARTITION BY brand_id, r ORDER BY id) - 1 AS n
		FROM (SELECT e.id, e.brand_id, b.company_id, row_number() OVER (PARTITION BY e.recipient_id, e.type ORDER BY e.id) - 1 AS r
			FROM consent_events e JOIN brands b ON b.id = e.brand_id JOIN companies c ON c.id = b.company_id
			WHERE ` + cond + ` AND e.batch_id IS NULL AND e.iys_state = ` + lit(SyncPending) + ` AND ` + readyForIYS + `) ranked`
	g := `ev.r * $` + stride + ` + ev.n / $` + n
	rows, err := tx.Query(ctx, `SELECT brand_id, company_id, `+g+` AS g, count(*) FROM (`+ev+`) ev GROUP BY 1, 2, 3 ORDER BY 1, 3`,
		append(args, size, int64(rankStride))...)
	if err != nil {
		return nil, err
	}
	groups, err := pgx.CollectRows(rows, scanGroup)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	var importID *int64
	if cond == "e.import_id = $1" {
		id := args[0].(int64)
		importID = &id
	}
	ids, brands, gs, err := insertBatches(ctx, tx, groups, kind, importID)
	if err != nil {
		return nil, err
	}
	p := len(args) + 3
	if _, err := tx.Exec(ctx, `WITH ev AS MATERIALIZED (`+ev+`),
		m AS (SELECT * FROM unnest($`+strconv.Itoa(p)+`::bigint[], $`+strconv.Itoa(p+1)+`::bigint[], $`+strconv.Itoa(p+2)+`::bigint[]) AS m(brand_id, g, batch_id))
		UPDATE consent_events e SET batch_id = m.batch_id, batch_index = (ev.n % $`+n+`)::int
		FROM ev JOIN m ON m.brand_id = ev.brand_id AND m.g = `+g+`
		WHERE e.id = ev.id`, append(args, size, int64(rankStride), brands, gs, ids)...); err != nil {
		return nil, err
	}
	companies := map[int64]bool{}
	var list []int64
	for _, g := range groups {
		if !companies[g.company] {
			companies[g.company] = true
			list = append(list, g.company)
		}
	}
	return ids, s.kickCompanies(ctx, tx, list)
}

// kickCompanies enqueues the delivery job of each company (nil: every
// company) with open batches, unless İYS's answer stopped it; a store
// LeftToSweep enqueues nothing.
func (s *Store) kickCompanies(ctx context.Context, tx pgx.Tx, companies []int64) error {
	if s.dispatch.Hook == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT company_id FROM sync_batches x
		WHERE status `+batchDue+` AND ($1::bigint[] IS NULL OR company_id = ANY($1))
		  AND NOT EXISTS (SELECT 1 FROM iys_delivery_holds h WHERE h.company_id = x.company_id)
		ORDER BY 1`, companies)
	if err != nil {
		return err
	}
	due, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(due) == 0 {
		return err
	}
	return s.dispatch.Hook(ctx, tx, due)
}

// Batch is a group of consent events sent to İYS as one list.
type Batch struct {
	ID           int64      `json:"id"`
	CompanyID    int64      `json:"company_id"`
	CompanyTitle string     `json:"company_title"`
	BrandID      int64      `json:"brand_id"`
	BrandName    string     `json:"brand_name"`
	IYSCode      string     `json:"iys_code"`
	BrandCode    string     `json:"brand_code"`
	ImportID     *int64     `json:"import_id,omitempty"`
	Kind         string     `json:"kind"`
	Status       BatchState `json:"status"`
	RequestID    string     `json:"request_id,omitempty"`
	Items        int64      `json:"items"`
	Accepted     int64      `json:"accepted"`
	Refused      int64      `json:"refused"`
	Attempts     int        `json:"attempts"`
	LastError    string     `json:"last_error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	// V2 tells whether the current request went by İYS's V2 methods (its
	// result is read from the same).
	V2 bool `json:"-"`
	// SubRequestIDs are İYS's ids of the current request's items, by
	// request index.
	SubRequestIDs []string  `json:"-"`
	NextAt        time.Time `json:"next_at"`
	Failures      int       `json:"-"`
}

// Pending is the number of items without a final İYS answer.
func (b *Batch) Pending() int64 { return b.Items - b.Accepted - b.Refused }

const batchCols = `x.id, x.company_id, c.title, x.brand_id, b.name, COALESCE(c.iys_code, ''), COALESCE(b.brand_code, ''), x.import_id,
	x.kind, x.status, COALESCE(x.request_id, ''), x.items, x.accepted, x.refused, x.attempts, COALESCE(x.last_error, ''),
	x.created_at, x.sent_at, x.finished_at, x.api = 'v2', COALESCE(x.sub_request_ids, '{}'), x.next_at, x.failures`

func scanBatch(r pgx.CollectableRow) (Batch, error) {
	var x Batch
	err := r.Scan(&x.ID, &x.CompanyID, &x.CompanyTitle, &x.BrandID, &x.BrandName, &x.IYSCode, &x.BrandCode, &x.ImportID,
		&x.Kind, &x.Status, &x.RequestID, &x.Items, &x.Accepted, &x.Refused, &x.Attempts, &x.LastError,
		&x.CreatedAt, &x.SentAt, &x.FinishedAt, &x.V2, &x.SubRequestIDs, &x.NextAt, &x.Failures)
	return x, err
}

const batchFrom = ` FROM sync_batches x JOIN brands b ON b.id = x.brand_id JOIN companies c ON c.id = x.company_id`

// Batch reads one batch.
func (s *Store) Batch(ctx context.Context, id int64) (*Batch, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+batchCols+batchFrom+` WHERE x.id = $1`, id)
	b, err := pgx.CollectExactlyOneRow(rows, scanBatch)
	if err != nil {
		return nil, mapErr(err)
	}
	return &b, nil
}

// BatchFilter selects batches for Gönderimler.
type BatchFilter struct {
	BrandIDs []int64 // nil: all
	ImportID int64
	OpenOnly bool
}

// Batches lists a page of batches, newest first, and returns the cursor of
// the next page (0: none).
func (s *Store) Batches(ctx context.Context, f BatchFilter, p Page) ([]Batch, int64, error) {
	q := `SELECT ` + batchCols + batchFrom + `
		WHERE x.id < $1 AND ($3 = 0 OR x.import_id = $3) AND (NOT $4 OR x.status ` + batchOpen + `)`
	args := []any{p.below(), p.fetch(), f.ImportID, f.OpenOnly}
	if f.BrandIDs != nil {
		// A condition of its own, so that sync_batches_brand_idx serves it.
		q += ` AND x.brand_id = ANY($5)`
		args = append(args, f.BrandIDs)
	}
	rows, _ := s.pool.Query(ctx, q+` ORDER BY x.id DESC LIMIT $2`, args...)
	list, err := pgx.CollectRows(rows, scanBatch)
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(b Batch) int64 { return b.ID })
	return list, next, nil
}

// RetryBatch puts a batch that gave up back in line (Gönderimler's
// "Yeniden dene"): to be polled if its request is known, asked about if a
// send's answer is still unknown, sent otherwise.
func (s *Store) RetryBatch(ctx context.Context, a Actor, batchID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var company int64
		err := tx.QueryRow(ctx, `UPDATE sync_batches x SET status = CASE
				WHEN NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.batch_id = x.id AND e.iys_state = `+lit(SyncSent)+`) THEN `+lit(BatchWaiting)+`
				WHEN x.request_id IS NULL THEN `+lit(BatchSending)+` ELSE `+lit(BatchSent)+` END,
				attempts = 0, failures = 0, next_at = now(), blocked_by = NULL, updated_at = now()
			WHERE id = $1 AND status = `+lit(BatchFailed)+` RETURNING company_id`, batchID).Scan(&company)
		if err != nil {
			return mapErr(err)
		}
		if err := audit(ctx, tx, a, ActionDelivery, "batch", strconv.FormatInt(batchID, 10), nil, map[string]string{"event": "retry"}); err != nil {
			return err
		}
		return s.kickCompanies(ctx, tx, []int64{company})
	})
}

// Delivery counts an import's items by İYS outcome.
type Delivery struct {
	Pending  int64 `json:"pending"`
	Accepted int64 `json:"accepted"`
	Refused  int64 `json:"refused"`
}

// ImportDelivery returns an import's delivery counts.
func (s *Store) ImportDelivery(ctx context.Context, importID int64) (Delivery, error) {
	var d Delivery
	err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE iys_state `+eventOpen+`),
			count(*) FILTER (WHERE iys_state = `+lit(SyncRegistered)+`), count(*) FILTER (WHERE iys_state = `+lit(SyncRefused)+`)
		FROM consent_events WHERE import_id = $1`, importID).Scan(&d.Pending, &d.Accepted, &d.Refused)
	return d, err
}

// DeliveryStats is what the metrics report about the queue.
type DeliveryStats struct {
	OpenBatches     int64
	InFlight        int64 // lists İYS is working or that are being asked about
	HeldCompanies   int64 // companies İYS's answer stopped
	OldestUnsentAge time.Duration
	LastPullByBrand map[string]time.Time // brand code → last successful pull (oldest of its sources)
}

// DeliveryMetrics reads the queue's depth and age for Prometheus.
func (s *Store) DeliveryMetrics(ctx context.Context) (DeliveryStats, error) {
	st := DeliveryStats{LastPullByBrand: map[string]time.Time{}}
	var oldest *time.Time
	// Open batches and unbatched events (waiting for quota or for the
	// company's İYS settings) hold everything not final; both are small sets.
	if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sync_batches WHERE status `+batchOpen+`),
			(SELECT count(*) FROM sync_batches WHERE status `+batchFlying+`),
			(SELECT count(*) FROM iys_delivery_holds),
			(SELECT min(at) FROM (SELECT min(created_at) AS at FROM sync_batches WHERE status `+batchOpen+`
				UNION ALL SELECT min(created_at) FROM consent_events WHERE batch_id IS NULL AND iys_state `+eventUnsent+`) x)`).
		Scan(&st.OpenBatches, &st.InFlight, &st.HeldCompanies, &oldest); err != nil {
		return st, err
	}
	if oldest != nil {
		st.OldestUnsentAge = time.Since(*oldest)
	}
	// A source that never succeeded counts as never pulled (the epoch).
	rows, _ := s.pool.Query(ctx, `SELECT b.brand_code, CASE WHEN count(p.last_success_at) < 2 THEN 'epoch'::timestamptz ELSE min(p.last_success_at) END
		FROM pull_cursors p JOIN brands b ON b.id = p.brand_id GROUP BY 1`)
	var code string
	var at time.Time
	_, err := pgx.ForEachRow(rows, []any{&code, &at}, func() error { st.LastPullByBrand[code] = at; return nil })
	return st, err
}

// FailedBatches counts, per company, the batches delivery gave up on
// (BatchFailed): they wait for "Yeniden dene" on Gönderimler, and the
// company's later batches wait behind them. (status = 'failed' implies the
// open-batch index's predicate: PostgreSQL reads that small index, not
// every batch ever sent.)
func (s *Store) FailedBatches(ctx context.Context) (map[int64]int64, error) {
	rows, _ := s.pool.Query(ctx, `SELECT company_id, count(*) FROM sync_batches WHERE status = `+lit(BatchFailed)+` GROUP BY 1`)
	out := map[int64]int64{}
	var company, n int64
	_, err := pgx.ForEachRow(rows, []any{&company, &n}, func() error { out[company] = n; return nil })
	return out, err
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Refusal is a consent İYS refused, for Hata Bildirimleri.
type Refusal struct {
	EventID   int64     `json:"event_id"`
	ImportID  *int64    `json:"import_id,omitempty"`
	BrandName string    `json:"brand_name"`
	Recipient string    `json:"recipient"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	Code      string    `json:"code"`
	Message   string    `json:"message"`
	At        time.Time `json:"at"`
}

// Refusals lists the consents İYS refused in the given brands (nil: all),
// newest first.
func (s *Store) Refusals(ctx context.Context, brandIDs []int64, limit int) ([]Refusal, error) {
	rows, _ := s.pool.Query(ctx, `SELECT e.id, e.import_id, b.name, r.recipient, e.type, e.status, COALESCE(e.iys_code, ''),
			COALESCE(e.iys_message, ''), e.created_at
		FROM consent_events e JOIN recipients r ON r.id = e.recipient_id JOIN brands b ON b.id = e.brand_id
		WHERE e.iys_state = `+lit(SyncRefused)+` AND ($1::bigint[] IS NULL OR e.brand_id = ANY($1))
		ORDER BY e.id DESC LIMIT $2`, brandIDs, limit)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Refusal, error) {
		var x Refusal
		return x, r.Scan(&x.EventID, &x.ImportID, &x.BrandName, &x.Recipient, &x.Type, &x.Status, &x.Code, &x.Message, &x.At)
	})
}
