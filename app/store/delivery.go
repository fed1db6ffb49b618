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
// company's batches are sent one at a time in id order, so a later change of
// a recipient never reaches İYS before an earlier one, and each company has
// at most one request in flight, which keeps one company's big import from
// starving the others at İYS's shared rate limits.

// Batch statuses.
const (
	BatchWaiting   = "bekliyor"
	BatchSending   = "gonderiliyor" // sent, answer unknown
	BatchSent      = "gonderildi"   // İYS has the request id
	BatchDone      = "tamam"
	BatchFailed    = "hata" // gave up; items stay pending until retried
	BatchKindAsync = "async"
	BatchKindOne   = "single"
)

// DefaultBatchSize is İYS's maximum items per asynchronous request.
const DefaultBatchSize = 10000

// BatchHook enqueues the job of each batch id, inside tx. The server sets it
// (River's InsertManyTx); the store knows nothing of River.
type BatchHook func(ctx context.Context, tx pgx.Tx, batchIDs []int64) error

// SetDelivery configures batching: hook enqueues a batch's job, size caps
// the items of an asynchronous request (0: DefaultBatchSize).
func (s *Store) SetDelivery(hook BatchHook, size int) {
	s.onBatch = hook
	s.batchSize = size
}

func (s *Store) size() int {
	if s.batchSize > 0 {
		return s.batchSize
	}
	return DefaultBatchSize
}

// readyForIYS is the condition on companies c and brands b for sending.
const readyForIYS = `COALESCE(c.iys_code, '') <> '' AND c.integrator_assigned AND COALESCE(b.brand_code, '') <> ''`

// deliverImport reserves quota for an approved import's items (the
// approval's temporary table approve_items) and assigns them to sync
// batches, so that the events are written once, already in their batch. A
// company that cannot afford its part refuses the whole approval. Items of
// companies not yet ready for İYS stay unbatched for the sweep.
func (s *Store) deliverImport(ctx context.Context, tx pgx.Tx, a Actor, importID int64) error {
	rows, err := tx.Query(ctx, `SELECT company_id, count(*) FROM approve_items GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return err
	}
	type need struct{ company, n int64 }
	needs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (need, error) {
		var x need
		return x, r.Scan(&x.company, &x.n)
	})
	if err != nil {
		return err
	}
	for _, n := range needs {
		if err := reserve(ctx, tx, a, n.company, n.n, holder{importID: &importID}, "İçe aktarım #"+strconv.FormatInt(importID, 10)); err != nil {
			return err
		}
	}
	// Items numbered per brand in the order the events are written.
	numbered := `SELECT a.brand_id, a.company_id, a.row_no, a.type,
			row_number() OVER (PARTITION BY a.brand_id ORDER BY a.consent_date NULLS FIRST, a.row_no, a.type) - 1 AS n
		FROM approve_items a JOIN brands b ON b.id = a.brand_id JOIN companies c ON c.id = b.company_id WHERE ` + readyForIYS
	size := int64(s.size())
	rows, err = tx.Query(ctx, `SELECT brand_id, company_id, n / $1 AS g, count(*) FROM (`+numbered+`) x GROUP BY 1, 2, 3 ORDER BY 1, 3`, size)
	if err != nil {
		return err
	}
	type group struct{ brand, company, g, items int64 }
	groups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (group, error) {
		var x group
		return x, r.Scan(&x.brand, &x.company, &x.g, &x.items)
	})
	if err != nil || len(groups) == 0 {
		return err
	}
	ids, brands, gs := make([]int64, len(groups)), make([]int64, len(groups)), make([]int64, len(groups))
	for i, g := range groups {
		if err := tx.QueryRow(ctx, `INSERT INTO sync_batches (company_id, brand_id, import_id, kind, items) VALUES ($1, $2, $3, 'async', $4) RETURNING id`,
			g.company, g.brand, importID, g.items).Scan(&ids[i]); err != nil {
			return err
		}
		brands[i], gs[i] = g.brand, g.g
	}
	_, err = tx.Exec(ctx, `UPDATE approve_items a SET batch_id = m.batch_id, batch_index = (x.n % $1)::int
		FROM (`+numbered+`) x JOIN unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS m(brand_id, g, batch_id)
		  ON m.brand_id = x.brand_id AND m.g = x.n / $1
		WHERE a.brand_id = x.brand_id AND a.row_no = x.row_no AND a.type = x.type`, size, brands, gs, ids)
	return err
}

// kickImport enqueues the head batch of each company an approved import
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
// left it is kept, waiting ("kota bekliyor") for a package: nothing is lost.
func (s *Store) deliverEvent(ctx context.Context, tx pgx.Tx, a Actor, brandID, eventID int64) (waiting bool, err error) {
	var companyID int64
	if err := tx.QueryRow(ctx, `SELECT company_id FROM brands WHERE id = $1`, brandID).Scan(&companyID); err != nil {
		return false, err
	}
	// Behind consents already waiting for quota, a new one waits too:
	// it must not overtake an earlier change of the same recipient.
	var queued bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consent_events e JOIN brands b ON b.id = e.brand_id
		WHERE b.company_id = $1 AND e.iys_state = 'kota' AND e.batch_id IS NULL)`, companyID).Scan(&queued); err != nil {
		return false, err
	}
	if queued {
		_, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = 'kota' WHERE id = $1`, eventID)
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
		_, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = 'kota' WHERE id = $1`, eventID)
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
		WHERE b.company_id = $1 AND e.iys_state = 'kota' AND e.batch_id IS NULL ORDER BY e.id FOR UPDATE OF e`, companyID)
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
	if _, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = 'bekliyor' WHERE id = ANY($1)`, ids); err != nil {
		return err
	}
	_, err = s.makeBatches(ctx, tx, BatchKindAsync, "e.id = ANY($1)", ids)
	return err
}

// SweepUnbatched batches events left waiting because their company was not
// ready for İYS when they were made; it returns how many batches it made.
func (s *Store) SweepUnbatched(ctx context.Context) (int, error) {
	var n int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('iysgate.sweep_unbatched'))`); err != nil {
			return err
		}
		ids, err := s.makeBatches(ctx, tx, BatchKindAsync, "e.id > $1", int64(0))
		n = len(ids)
		if err != nil {
			return err
		}
		// Approved imports with nothing left to deliver (all unchanged, or
		// the last batch closed by a crash-repeated poll) are done.
		if _, err := tx.Exec(ctx, `UPDATE imports i SET status = 'done', updated_at = now() WHERE status IN ('approved', 'sending')
			AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.import_id = i.id AND e.iys_state IN ('bekliyor', 'kota', 'gonderildi'))`); err != nil {
			return err
		}
		// A chain broken by a crash between a batch's end and its
		// successor's job is mended here too.
		return s.kickCompanies(ctx, tx, nil)
	})
	return n, err
}

// makeBatches groups the unbatched, pending events selected by cond (on
// consent_events e, with args) of ready companies into batches per brand
// in event order, and enqueues the head batch of each company touched.
func (s *Store) makeBatches(ctx context.Context, tx pgx.Tx, kind, cond string, args ...any) ([]int64, error) {
	size := int64(s.size())
	if kind == BatchKindOne {
		size = 1
	}
	n := int64(len(args) + 1)
	ev := `SELECT e.id, e.brand_id, b.company_id, row_number() OVER (PARTITION BY e.brand_id ORDER BY e.id) - 1 AS n
		FROM consent_events e JOIN brands b ON b.id = e.brand_id JOIN companies c ON c.id = b.company_id
		WHERE ` + cond + ` AND e.batch_id IS NULL AND e.iys_state = 'bekliyor' AND ` + readyForIYS
	rows, err := tx.Query(ctx, `SELECT brand_id, company_id, n / $`+strconv.FormatInt(n, 10)+` AS g, count(*)
		FROM (`+ev+`) ev GROUP BY 1, 2, 3 ORDER BY 1, 3`, append(args, size)...)
	if err != nil {
		return nil, err
	}
	type group struct{ brand, company, g, items int64 }
	groups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (group, error) {
		var x group
		return x, r.Scan(&x.brand, &x.company, &x.g, &x.items)
	})
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	var importID *int64
	if cond == "e.import_id = $1" {
		id := args[0].(int64)
		importID = &id
	}
	ids := make([]int64, len(groups))
	brands, gs := make([]int64, len(groups)), make([]int64, len(groups))
	companies := map[int64]bool{}
	for i, g := range groups {
		if err := tx.QueryRow(ctx, `INSERT INTO sync_batches (company_id, brand_id, import_id, kind, items) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			g.company, g.brand, importID, kind, g.items).Scan(&ids[i]); err != nil {
			return nil, err
		}
		brands[i], gs[i] = g.brand, g.g
		companies[g.company] = true
	}
	if _, err := tx.Exec(ctx, `WITH ev AS MATERIALIZED (`+ev+`),
		m AS (SELECT * FROM unnest($`+strconv.FormatInt(n+1, 10)+`::bigint[], $`+strconv.FormatInt(n+2, 10)+`::bigint[], $`+strconv.FormatInt(n+3, 10)+`::bigint[]) AS m(brand_id, g, batch_id))
		UPDATE consent_events e SET batch_id = m.batch_id, batch_index = (ev.n % $`+strconv.FormatInt(n, 10)+`)::int
		FROM ev JOIN m ON m.brand_id = ev.brand_id AND m.g = ev.n / $`+strconv.FormatInt(n, 10)+`
		WHERE e.id = ev.id`, append(args, size, brands, gs, ids)...); err != nil {
		return nil, err
	}
	list := make([]int64, 0, len(companies))
	for c := range companies {
		list = append(list, c)
	}
	return ids, s.kickCompanies(ctx, tx, list)
}

// kickCompanies enqueues the job of the head (oldest open) batch of each
// company (nil: every company with open batches). The hook's jobs are
// unique per batch, so a head already being worked is not enqueued twice.
func (s *Store) kickCompanies(ctx context.Context, tx pgx.Tx, companies []int64) error {
	if s.onBatch == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (company_id) id FROM sync_batches
		WHERE status NOT IN ('tamam', 'hata') AND ($1::bigint[] IS NULL OR company_id = ANY($1))
		  AND NOT EXISTS (SELECT 1 FROM sync_batches f WHERE f.company_id = sync_batches.company_id AND f.status = 'hata' AND f.id < sync_batches.id)
		ORDER BY company_id, id`, companies)
	if err != nil {
		return err
	}
	heads, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(heads) == 0 {
		return err
	}
	return s.onBatch(ctx, tx, heads)
}

// Batch is a group of consent events sent to İYS in one request.
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
	Status       string     `json:"status"`
	RequestID    string     `json:"request_id,omitempty"`
	Items        int64      `json:"items"`
	Accepted     int64      `json:"accepted"`
	Refused      int64      `json:"refused"`
	Attempts     int        `json:"attempts"`
	LastError    string     `json:"last_error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
}

// Pending is the number of items without a final İYS answer.
func (b *Batch) Pending() int64 { return b.Items - b.Accepted - b.Refused }

const batchCols = `x.id, x.company_id, c.title, x.brand_id, b.name, COALESCE(c.iys_code, ''), COALESCE(b.brand_code, ''), x.import_id,
	x.kind, x.status, COALESCE(x.request_id, ''), x.items, x.accepted, x.refused, x.attempts, COALESCE(x.last_error, ''),
	x.created_at, x.sent_at, x.finished_at`

func scanBatch(r pgx.CollectableRow) (Batch, error) {
	var x Batch
	err := r.Scan(&x.ID, &x.CompanyID, &x.CompanyTitle, &x.BrandID, &x.BrandName, &x.IYSCode, &x.BrandCode, &x.ImportID,
		&x.Kind, &x.Status, &x.RequestID, &x.Items, &x.Accepted, &x.Refused, &x.Attempts, &x.LastError,
		&x.CreatedAt, &x.SentAt, &x.FinishedAt)
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
		WHERE x.id < $1 AND ($3 = 0 OR x.import_id = $3) AND (NOT $4 OR x.status <> 'tamam')`
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

// Head reports whether b is its company's oldest open batch, the only one
// that may be sent now. A batch that gave up ("hata") stays the head: a
// later change of one of its recipients must not overtake it, so the
// company's deliveries wait for "Yeniden dene".
func (s *Store) Head(ctx context.Context, b *Batch) (bool, error) {
	var head int64
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(min(id), 0) FROM sync_batches WHERE company_id = $1 AND status <> 'tamam'`, b.CompanyID).Scan(&head)
	return head == b.ID, err
}

// BatchItem is one consent of a batch as İYS receives it.
type BatchItem struct {
	EventID       int64
	Index         int // in the batch
	RequestIndex  int // in the request that carries it (after MarkSent)
	Recipient     string
	RecipientType string
	Type          string
	Status        string
	Source        string
	ConsentDate   *time.Time
}

// OpenItems lists a batch's items that have no final answer, in order.
func (s *Store) OpenItems(ctx context.Context, batchID int64) ([]BatchItem, error) {
	rows, _ := s.pool.Query(ctx, `SELECT e.id, e.batch_index, COALESCE(e.request_index, -1), r.recipient, r.recipient_type, e.type, e.status, e.source, e.consent_date
		FROM consent_events e JOIN recipients r ON r.id = e.recipient_id
		WHERE e.batch_id = $1 AND e.iys_state IN ('bekliyor', 'gonderildi') ORDER BY e.batch_index`, batchID)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (BatchItem, error) {
		var x BatchItem
		return x, r.Scan(&x.EventID, &x.Index, &x.RequestIndex, &x.Recipient, &x.RecipientType, &x.Type, &x.Status, &x.Source, &x.ConsentDate)
	})
}

// MarkSending records that a request is about to leave: if the process
// dies before the answer is stored, the batch is found in "gonderiliyor"
// and resolved by asking İYS what it has, never by sending blindly again.
// It reports false when the batch is no longer waiting (another run took
// it), in which case nothing may be sent.
func (s *Store) MarkSending(ctx context.Context, batchID int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE sync_batches SET status = 'gonderiliyor', attempts = attempts + 1, sent_at = now(), updated_at = now()
		WHERE id = $1 AND status = 'bekliyor'`, batchID)
	return tag.RowsAffected() == 1, err
}

// MarkSent stores İYS's request id and which item sits at which index of
// the request (eventIDs in the order sent): from now on the batch is polled.
func (s *Store) MarkSent(ctx context.Context, batchID int64, requestID string, eventIDs []int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sync_batches SET status = 'gonderildi', request_id = $2, last_error = NULL, updated_at = now() WHERE id = $1`,
			batchID, requestID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE consent_events e SET iys_state = 'gonderildi', request_index = o.i - 1
			FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, i)
			WHERE e.id = o.id AND e.batch_id = $2 AND e.iys_state = 'bekliyor'`, eventIDs, batchID)
		return err
	})
}

// MarkResolving sends a batch whose request İYS no longer knows (or whose
// answer was lost) to resolution by status queries.
func (s *Store) MarkResolving(ctx context.Context, batchID int64, msg string) error {
	_, err := s.pool.Exec(ctx, `UPDATE sync_batches SET status = 'gonderiliyor', last_error = $2, updated_at = now()
		WHERE id = $1 AND status <> 'tamam'`, batchID, msg)
	return err
}

// MarkUnsent puts a batch back to waiting: the request certainly did not
// take effect (İYS said 429/503, or the status query found its items
// missing), so sending again is safe.
func (s *Store) MarkUnsent(ctx context.Context, batchID int64, lastError string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sync_batches SET status = 'bekliyor', request_id = NULL, last_error = NULLIF($2, ''), updated_at = now()
			WHERE id = $1 AND status <> 'tamam'`, batchID, lastError); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = 'bekliyor' WHERE batch_id = $1 AND iys_state = 'gonderildi'`, batchID)
		return err
	})
}

// NoteBatchError records the last error of a batch for Gönderimler.
func (s *Store) NoteBatchError(ctx context.Context, batchID int64, msg string) error {
	_, err := s.pool.Exec(ctx, `UPDATE sync_batches SET last_error = $2, updated_at = now() WHERE id = $1`, batchID, msg)
	return err
}

// Outcome is İYS's final answer for one item.
type Outcome struct {
	EventID       int64
	Accepted      bool
	Charged       bool // an accepted item spends a unit; "already there" does not
	Code, Message string
	TransactionID string
}

// RecordOutcomes stores final answers, settles quota for them, and closes
// the batch when nothing is left open, enqueueing the company's next batch.
// Answers for items already final are ignored, so a poll repeated after a
// crash changes nothing twice.
func (s *Store) RecordOutcomes(ctx context.Context, batchID int64, outs []Outcome) (done bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var b struct {
			company, brand int64
			importID       *int64
			status         string
		}
		if err := tx.QueryRow(ctx, `SELECT company_id, brand_id, import_id, status FROM sync_batches WHERE id = $1 FOR UPDATE`, batchID).
			Scan(&b.company, &b.brand, &b.importID, &b.status); err != nil {
			return mapErr(err)
		}
		if b.status == BatchDone {
			done = true
			return nil
		}
		ids := make([]int64, len(outs))
		states, codes, msgs, txns := make([]string, len(outs)), make([]*string, len(outs)), make([]*string, len(outs)), make([]*string, len(outs))
		charged := make([]bool, len(outs))
		for i, o := range outs {
			ids[i], charged[i] = o.EventID, o.Accepted && o.Charged
			states[i] = "hata"
			if o.Accepted {
				states[i] = "kayitli"
			}
			codes[i], msgs[i], txns[i] = nilIfEmpty(o.Code), nilIfEmpty(o.Message), nilIfEmpty(o.TransactionID)
		}
		rows, err := tx.Query(ctx, `UPDATE consent_events e SET iys_state = o.state, iys_code = o.code, iys_message = o.msg, iys_transaction_id = o.txn
			FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[]) AS o(id, state, code, msg, txn, charged)
			WHERE e.id = o.id AND e.batch_id = $1 AND e.iys_state IN ('bekliyor', 'gonderildi')
			RETURNING e.id, e.recipient_id, e.type, o.state, o.charged, e.import_id`, batchID, ids, states, codes, msgs, txns, charged)
		if err != nil {
			return err
		}
		type upd struct {
			id, recipient int64
			typ, state    string
			charged       bool
			importID      *int64
		}
		updated, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (upd, error) {
			var u upd
			return u, r.Scan(&u.id, &u.recipient, &u.typ, &u.state, &u.charged, &u.importID)
		})
		if err != nil {
			return err
		}
		var accepted, refused, debit int64
		evIDs, evStates := make([]int64, len(updated)), make([]string, len(updated))
		recipients, types := make([]int64, len(updated)), make([]string, len(updated))
		for i, u := range updated {
			evIDs[i], evStates[i], recipients[i], types[i] = u.id, u.state, u.recipient, u.typ
			if u.state == "kayitli" {
				accepted++
			} else {
				refused++
			}
			if u.charged {
				debit++
			}
		}
		// The current state shows its İYS state while it is the latest change.
		if _, err := tx.Exec(ctx, `UPDATE consents c SET sync_state = o.state
			FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS o(id, state, recipient_id, type)
			WHERE c.recipient_id = o.recipient_id AND c.type = o.type AND c.last_event_id = o.id`, evIDs, evStates, recipients, types); err != nil {
			return err
		}
		// Each event settles against what held its unit: its import's
		// holds for this company (an import may span companies, and a swept
		// batch may carry several imports), or its own hold.
		reason := "İYS gönderimi #" + strconv.FormatInt(batchID, 10)
		type tally struct{ debit, release int64 }
		perImport := map[int64]*tally{}
		var imports []int64
		for _, u := range updated {
			if u.importID == nil {
				var d, r int64 = 0, 1
				if u.charged {
					d, r = 1, 0
				}
				if err := settle(ctx, tx, holder{eventID: &u.id}, d, r, batchID, reason); err != nil {
					return err
				}
				continue
			}
			t := perImport[*u.importID]
			if t == nil {
				t = &tally{}
				perImport[*u.importID] = t
				imports = append(imports, *u.importID)
			}
			if u.charged {
				t.debit++
			} else {
				t.release++
			}
		}
		for _, imp := range imports {
			t := perImport[imp]
			if err := settle(ctx, tx, holder{importID: &imp, company: b.company}, t.debit, t.release, batchID, reason); err != nil {
				return err
			}
		}
		var open int64
		if err := tx.QueryRow(ctx, `UPDATE sync_batches SET accepted = accepted + $2, refused = refused + $3, updated_at = now(),
				status = CASE WHEN items - accepted - refused - $2 - $3 <= 0 THEN 'tamam' ELSE status END,
				finished_at = CASE WHEN items - accepted - refused - $2 - $3 <= 0 THEN now() END
			WHERE id = $1 RETURNING items - accepted - refused`, batchID, accepted, refused).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return nil
		}
		done = true
		if b.importID != nil {
			if _, err := tx.Exec(ctx, `UPDATE imports SET status = 'done', updated_at = now() WHERE id = $1 AND status IN ('approved', 'sending')
				AND NOT EXISTS (SELECT 1 FROM sync_batches WHERE import_id = $1 AND status <> 'tamam')
				AND NOT EXISTS (SELECT 1 FROM consent_events WHERE import_id = $1 AND batch_id IS NULL AND iys_state IN ('bekliyor', 'kota'))`, *b.importID); err != nil {
				return err
			}
		}
		return s.kickCompanies(ctx, tx, []int64{b.company})
	})
	return done, err
}

// MarkImportSending moves an approved import to "sending" when its first
// batch leaves.
func (s *Store) MarkImportSending(ctx context.Context, importID int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE imports SET status = 'sending', updated_at = now() WHERE id = $1 AND status = 'approved'`, importID)
	return err
}

// FailBatch gives up on a batch after too many attempts: its items stay
// pending (nothing is lost) and the company's later batches wait until it
// is retried (Gönderimler shows why).
func (s *Store) FailBatch(ctx context.Context, batchID int64, msg string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var company int64
		err := tx.QueryRow(ctx, `UPDATE sync_batches SET status = 'hata', last_error = $2, updated_at = now()
			WHERE id = $1 AND status <> 'tamam' RETURNING company_id`, batchID, msg).Scan(&company)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.kickCompanies(ctx, tx, []int64{company})
	})
}

// RetryBatch puts a failed batch back in line (Gönderimler's "Yeniden dene").
func (s *Store) RetryBatch(ctx context.Context, a Actor, batchID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var company int64
		err := tx.QueryRow(ctx, `UPDATE sync_batches SET status = CASE WHEN sent_at IS NULL THEN 'bekliyor'
				WHEN request_id IS NULL THEN 'gonderiliyor' ELSE 'gonderildi' END,
				attempts = 0, updated_at = now()
			WHERE id = $1 AND status = 'hata' RETURNING company_id`, batchID).Scan(&company)
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
	err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE iys_state IN ('bekliyor', 'gonderildi', 'kota')),
			count(*) FILTER (WHERE iys_state = 'kayitli'), count(*) FILTER (WHERE iys_state = 'hata')
		FROM consent_events WHERE import_id = $1`, importID).Scan(&d.Pending, &d.Accepted, &d.Refused)
	return d, err
}

// DeliveryStats is what the metrics report about the queue.
type DeliveryStats struct {
	OpenBatches     int64
	OldestUnsentAge time.Duration
	LastPullByBrand map[string]time.Time // brand code → last successful pull (oldest of its sources)
}

// DeliveryMetrics reads the queue's depth and age for Prometheus.
func (s *Store) DeliveryMetrics(ctx context.Context) (DeliveryStats, error) {
	st := DeliveryStats{LastPullByBrand: map[string]time.Time{}}
	var oldest *time.Time
	// Open batches and unbatched events (waiting for quota or for the
	// company's İYS settings) hold everything not final; both are small sets.
	if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sync_batches WHERE status <> 'tamam'),
			(SELECT min(at) FROM (SELECT min(created_at) AS at FROM sync_batches WHERE status <> 'tamam'
				UNION ALL SELECT min(created_at) FROM consent_events WHERE batch_id IS NULL AND iys_state IN ('bekliyor', 'kota')) x)`).Scan(&st.OpenBatches, &oldest); err != nil {
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
		WHERE e.iys_state = 'hata' AND ($1::bigint[] IS NULL OR e.brand_id = ANY($1))
		ORDER BY e.id DESC LIMIT $2`, brandIDs, limit)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Refusal, error) {
		var x Refusal
		return x, r.Scan(&x.EventID, &x.ImportID, &x.BrandName, &x.Recipient, &x.Type, &x.Status, &x.Code, &x.Message, &x.At)
	})
}
