package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The work on batches: a company's delivery job takes the next batch due
// with a lease on its current step, claims a batch's sendable items before
// sending them, and records each answer of İYS in the transaction that
// moves the batch on and ends the lease. Leases let several runs of one
// company (a run and the one woken beside it, or runs on several nodes)
// work side by side without touching one batch twice; every step is also a
// compare-and-set on the batch's status.

// workable is the condition of a batch x its company's job may work once
// it falls due: workable, and not waiting for an earlier change still open.
var workable = `x.status ` + batchDue + `
	AND (x.status <> ` + lit(BatchWaiting) + ` OR x.blocked_by IS NULL
	     OR NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.id = x.blocked_by AND e.iys_state ` + eventOpen + `))`

// NextDue leases the company's batch to work next for lease (nil when none
// is due): batches to query or ask about first, then batches to send, the
// longest due first. The step that follows ends the lease.
func (s *Store) NextDue(ctx context.Context, companyID int64, lease time.Duration) (*Batch, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `UPDATE sync_batches SET leased_until = now() + $2::interval WHERE id = (
			SELECT id FROM sync_batches x
			WHERE company_id = $1 AND next_at <= now() AND (leased_until IS NULL OR leased_until < now()) AND `+workable+`
			ORDER BY status = `+lit(BatchWaiting)+`, next_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING id`, companyID, lease).Scan(&id)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Batch(ctx, id)
}

// NextWake is when the company's next batch falls due (a batch another run
// works, when its lease lapses); open is false when the company has no
// batch left to work (blocked ones count as open: they fall due when what
// blocks them is final).
func (s *Store) NextWake(ctx context.Context, companyID int64) (at time.Time, open bool, err error) {
	var next *time.Time
	var n int64
	err = s.pool.QueryRow(ctx, `SELECT min(CASE WHEN leased_until > now() THEN leased_until ELSE next_at END) FILTER (WHERE `+workable+`), count(*)
		FROM sync_batches x WHERE company_id = $1 AND x.status `+batchDue, companyID).Scan(&next, &n)
	if next != nil {
		at = *next
	} else if n > 0 {
		at = time.Now().Add(time.Minute) // only blocked batches: look again soon
	}
	return at, n > 0, err
}

// BatchItem is one consent of a batch as İYS receives it.
type BatchItem struct {
	EventID       int64
	Index         int // in the batch
	RequestIndex  int // in the request that carries it (-1: in none)
	Recipient     string
	RecipientType string
	Type          string
	Status        string
	Source        string
	ConsentDate   *time.Time
	// Uncertain: an earlier request carrying it may have reached İYS (its
	// answer was lost), so a movement İYS holds the same as it is its own.
	Uncertain bool
	// PriorStatus is what İYS held of the key before this change by
	// iysgate's record: the status of its last accepted change ("" none;
	// read only by [Store.InFlight] with prior).
	PriorStatus string
}

const itemCols = `e.id, e.batch_index, COALESCE(e.request_index, -1), r.recipient, r.recipient_type, e.type, e.status, e.source,
	e.consent_date, e.iys_uncertain`

// priorCol is the status of the key's last accepted change before e, read
// only where it is needed: it costs a lookup per item.
var priorCol = `COALESCE((SELECT p.status FROM consent_events p WHERE p.recipient_id = e.recipient_id AND p.type = e.type AND p.id < e.id
		AND p.iys_state = ` + lit(SyncRegistered) + ` ORDER BY p.id DESC LIMIT 1), '')`

func scanItem(r pgx.CollectableRow) (BatchItem, error) {
	var x BatchItem
	return x, r.Scan(&x.EventID, &x.Index, &x.RequestIndex, &x.Recipient, &x.RecipientType, &x.Type, &x.Status, &x.Source,
		&x.ConsentDate, &x.Uncertain)
}

func scanItemPrior(r pgx.CollectableRow) (BatchItem, error) {
	var x BatchItem
	return x, r.Scan(&x.EventID, &x.Index, &x.RequestIndex, &x.Recipient, &x.RecipientType, &x.Type, &x.Status, &x.Source,
		&x.ConsentDate, &x.Uncertain, &x.PriorStatus)
}

// Claim is how a batch is claimed for sending.
type Claim struct {
	Max int // most items to send
	// Write requires İYS's integrator query to grant write access to the
	// item's brand and channel.
	Write bool
	V2    bool          // the methods the request goes by
	Wait  time.Duration // how long İYS is given before the batch is asked about
}

// ClaimSend takes the items of a waiting batch that may go now, in order
// and at most c.Max, and records before the request leaves that they are
// on their way: if the process dies from here on, the batch is found
// sending (BatchSending) and İYS is asked what it holds, never sent blindly again.
// An item may go when no earlier change of its key is open. It returns nil
// when nothing may go (another run has the batch, every item waits for an
// earlier change, or İYS grants no write access), after noting why.
func (s *Store) ClaimSend(ctx context.Context, batchID int64, c Claim) ([]BatchItem, error) {
	var items []BatchItem
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status BatchState
		var brandCode string
		var company int64
		var importID *int64
		if err := tx.QueryRow(ctx, `SELECT x.status, x.company_id, COALESCE(b.brand_code, ''), x.import_id FROM sync_batches x
			JOIN brands b ON b.id = x.brand_id WHERE x.id = $1 FOR UPDATE OF x`, batchID).Scan(&status, &company, &brandCode, &importID); err != nil {
			return mapErr(err)
		}
		if status != BatchWaiting {
			_, err := tx.Exec(ctx, `UPDATE sync_batches SET leased_until = NULL WHERE id = $1`, batchID)
			return err
		}
		rows, err := tx.Query(ctx, `SELECT e.id FROM consent_events e
			WHERE e.batch_id = $1 AND e.iys_state = `+lit(SyncPending)+`
			  AND NOT EXISTS (SELECT 1 FROM consent_events p WHERE p.recipient_id = e.recipient_id AND p.type = e.type
			                  AND p.id < e.id AND p.iys_state `+eventOpen+`)
			  AND (NOT $2 OR EXISTS (SELECT 1 FROM iys_integrator_access ia WHERE ia.company_id = $3 AND ia.brand_code = $4
			                         AND ia.type = e.type AND ia.access = 'write'))
			ORDER BY e.batch_index LIMIT $5`, batchID, c.Write, company, brandCode, max(c.Max, 1))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return notSendable(ctx, tx, batchID)
		}
		if _, err := tx.Exec(ctx, `UPDATE consent_events e SET iys_state = `+lit(SyncSent)+`, request_index = o.i - 1
			FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, i) WHERE e.id = o.id`, ids); err != nil {
			return err
		}
		api := "v1"
		if c.V2 {
			api = "v2"
		}
		// The lease goes on: the send that follows ends it.
		if _, err := tx.Exec(ctx, `UPDATE sync_batches SET status = `+lit(BatchSending)+`, attempts = attempts + 1, sent_at = now(), api = $2,
				request_id = NULL, sub_request_ids = NULL, blocked_by = NULL, next_at = now() + $3::interval, updated_at = now()
			WHERE id = $1`, batchID, api, c.Wait); err != nil {
			return err
		}
		if importID != nil {
			if _, err := tx.Exec(ctx, `UPDATE imports SET status = 'sending', updated_at = now() WHERE id = $1 AND status = 'approved'`, *importID); err != nil {
				return err
			}
		}
		rows, _ = tx.Query(ctx, `SELECT `+itemCols+` FROM unnest($1::bigint[]) AS o(id) JOIN consent_events e ON e.id = o.id
			JOIN recipients r ON r.id = e.recipient_id ORDER BY e.request_index`, ids)
		items, err = pgx.CollectRows(rows, scanItem)
		return err
	})
	return items, err
}

// notSendable notes why a waiting batch has nothing to send: the earliest
// open change that blocks one of its items, looked at again when it is
// final; or, when none blocks it, İYS's missing write access, looked at
// again in ten minutes (and when the integrator query changes).
func notSendable(ctx context.Context, tx pgx.Tx, batchID int64) error {
	var blocker *int64
	if err := tx.QueryRow(ctx, `SELECT min(p.id) FROM consent_events e JOIN consent_events p
			ON p.recipient_id = e.recipient_id AND p.type = e.type AND p.id < e.id AND p.iys_state `+eventOpen+`
		WHERE e.batch_id = $1 AND e.iys_state = `+lit(SyncPending), batchID).Scan(&blocker); err != nil {
		return err
	}
	if blocker != nil {
		_, err := tx.Exec(ctx, `UPDATE sync_batches SET blocked_by = $2, leased_until = NULL, updated_at = now() WHERE id = $1`, batchID, *blocker)
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE sync_batches SET next_at = now() + interval '10 minutes', leased_until = NULL, updated_at = now(),
		last_error = 'İYS bu marka ve kanal için ajansa yazma yetkisi vermiyor; iş ortağı ataması düzelince gönderilir' WHERE id = $1`, batchID)
	return err
}

// InFlight lists the items of a batch's current request, by request index;
// prior adds each item's PriorStatus (for asking İYS what it holds).
func (s *Store) InFlight(ctx context.Context, batchID int64, prior bool) ([]BatchItem, error) {
	cols, scan := itemCols, scanItem
	if prior {
		cols, scan = itemCols+", "+priorCol, scanItemPrior
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+cols+` FROM consent_events e JOIN recipients r ON r.id = e.recipient_id
		WHERE e.batch_id = $1 AND e.iys_state = `+lit(SyncSent)+` ORDER BY e.request_index`, batchID)
	return pgx.CollectRows(rows, scan)
}

// MarkSent stores İYS's request id and its items' sub-request ids (by
// request index): the batch's result is queried from resultAt on.
func (s *Store) MarkSent(ctx context.Context, batchID int64, requestID string, subRequestIDs []string, resultAt time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE sync_batches SET status = `+lit(BatchSent)+`, request_id = $2, sub_request_ids = $3, next_at = $4,
			failures = 0, last_error = NULL, leased_until = NULL, updated_at = now()
		WHERE id = $1 AND status = `+lit(BatchSending), batchID, requestID, subRequestIDs, resultAt)
	return err
}

// Unsend puts a batch's items in flight back to waiting and the batch with
// them, to be sent again from at: İYS certainly does not hold them (it
// refused the call, or said so when asked), or — uncertain — an earlier
// request may have delivered them and only a resend İYS can recognise is
// safe. failed counts a failure toward the backoff; note is shown on
// Gönderimler.
func (s *Store) Unsend(ctx context.Context, batchID int64, at time.Time, failed, uncertain bool, note string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = `+lit(SyncPending)+`, request_index = NULL, iys_uncertain = iys_uncertain OR $2
			WHERE batch_id = $1 AND iys_state = `+lit(SyncSent), batchID, uncertain); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sync_batches SET status = `+lit(BatchWaiting)+`, request_id = NULL, sub_request_ids = NULL, next_at = $2,
				failures = CASE WHEN $3 THEN failures + 1 ELSE 0 END, last_error = NULLIF($4, ''), leased_until = NULL, updated_at = now()
			WHERE id = $1 AND status `+batchDue, batchID, at, failed, note)
		return err
	})
}

// Defer puts off a batch's next step to at; failed counts a failure toward
// the backoff; note is shown on Gönderimler.
func (s *Store) Defer(ctx context.Context, batchID int64, at time.Time, failed bool, note string) error {
	_, err := s.pool.Exec(ctx, `UPDATE sync_batches SET next_at = $2, failures = CASE WHEN $3 THEN failures + 1 ELSE 0 END,
			last_error = COALESCE(NULLIF($4, ''), last_error), leased_until = NULL, updated_at = now()
		WHERE id = $1 AND status `+batchDue, batchID, at, failed, note)
	return err
}

// ToResolve sends a batch whose request İYS cannot show (its id refused or
// its result empty for too long) to be asked about, now.
func (s *Store) ToResolve(ctx context.Context, batchID int64, note string) error {
	_, err := s.pool.Exec(ctx, `UPDATE sync_batches SET status = `+lit(BatchSending)+`, request_id = NULL, next_at = now(), last_error = $2,
			leased_until = NULL, updated_at = now() WHERE id = $1 AND status = `+lit(BatchSent), batchID, note)
	return err
}

// FailBatch gives up on a batch whose call İYS refuses as malformed (a
// defect or a setting of iysgate): its items stay pending (nothing is
// lost), and Gönderimler shows why with a retry button. unsent says İYS
// refused the call that carried them, so they are not in flight.
func (s *Store) FailBatch(ctx context.Context, batchID int64, msg string, unsent bool) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if unsent {
			if _, err := tx.Exec(ctx, `UPDATE consent_events SET iys_state = `+lit(SyncPending)+`, request_index = NULL
				WHERE batch_id = $1 AND iys_state = `+lit(SyncSent), batchID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE sync_batches SET status = `+lit(BatchFailed)+`, last_error = $2, leased_until = NULL, updated_at = now()
			WHERE id = $1 AND status `+batchOpen, batchID, msg)
		return err
	})
}

// Outcome is İYS's final answer for one item.
type Outcome struct {
	EventID       int64
	Accepted      bool
	Charged       bool // an accepted item spends a unit; "already there" does not
	Code, Message string
	TransactionID string
}

// RecordOutcomes stores final answers and settles quota for them in one
// transaction: a debit for each item accepted and charged, a release for
// the others. It closes the batch when nothing is left open, or puts it
// back to waiting when its request is answered and items remain to send.
// Answers for items already final are ignored, so a query repeated after a
// crash changes nothing twice.
func (s *Store) RecordOutcomes(ctx context.Context, batchID int64, outs []Outcome) (done bool, err error) {
	err = s.txRetry(ctx, func(tx pgx.Tx) error {
		done = false
		var company int64
		var importID *int64
		var status BatchState
		if err := tx.QueryRow(ctx, `SELECT company_id, import_id, status FROM sync_batches WHERE id = $1 FOR UPDATE`, batchID).
			Scan(&company, &importID, &status); err != nil {
			return mapErr(err)
		}
		if status.Final() {
			done = true
			return nil
		}
		updated, err := recordEvents(ctx, tx, batchID, outs)
		if err != nil {
			return err
		}
		if err := settleOutcomes(ctx, tx, batchID, company, updated); err != nil {
			return err
		}
		var accepted, refused int64
		for _, u := range updated {
			if u.state == SyncRegistered {
				accepted++
			} else {
				refused++
			}
		}
		var left int64
		if err := tx.QueryRow(ctx, `UPDATE sync_batches x SET accepted = accepted + $2, refused = refused + $3, updated_at = now(),
				status = CASE WHEN items - accepted - refused - $2 - $3 <= 0 THEN `+lit(BatchDone)+`
					WHEN status `+batchFlying+` AND NOT EXISTS (SELECT 1 FROM consent_events e
						WHERE e.batch_id = x.id AND e.iys_state = `+lit(SyncSent)+`) THEN `+lit(BatchWaiting)+` ELSE status END,
				next_at = CASE WHEN status `+batchFlying+` AND NOT EXISTS (SELECT 1 FROM consent_events e
						WHERE e.batch_id = x.id AND e.iys_state = `+lit(SyncSent)+`) THEN now() ELSE next_at END,
				finished_at = CASE WHEN items - accepted - refused - $2 - $3 <= 0 THEN now() END,
				leased_until = CASE WHEN items - accepted - refused - $2 - $3 <= 0 OR NOT EXISTS (SELECT 1 FROM consent_events e
						WHERE e.batch_id = x.id AND e.iys_state = `+lit(SyncSent)+`) THEN NULL ELSE leased_until END
			WHERE id = $1 RETURNING items - accepted - refused`, batchID, accepted, refused).Scan(&left); err != nil {
			return err
		}
		if left > 0 {
			return nil
		}
		done = true
		if importID != nil {
			if _, err := tx.Exec(ctx, `UPDATE imports SET status = 'done', updated_at = now() WHERE id = $1 AND status IN ('approved', 'sending')
				AND NOT EXISTS (SELECT 1 FROM sync_batches WHERE import_id = $1 AND status `+batchOpen+`)
				AND NOT EXISTS (SELECT 1 FROM consent_events WHERE import_id = $1 AND batch_id IS NULL AND iys_state `+eventUnsent+`)`, *importID); err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// recorded is an event an outcome made final.
type recorded struct {
	id       int64
	state    SyncState
	charged  bool
	importID *int64
}

// recordEvents writes the outcomes on the batch's open events and on the
// current consents they still are, and returns the events it made final.
func recordEvents(ctx context.Context, tx pgx.Tx, batchID int64, outs []Outcome) ([]recorded, error) {
	ids := make([]int64, len(outs))
	states, codes, msgs, txns := make([]SyncState, len(outs)), make([]*string, len(outs)), make([]*string, len(outs)), make([]*string, len(outs))
	charged := make([]bool, len(outs))
	for i, o := range outs {
		ids[i], charged[i] = o.EventID, o.Accepted && o.Charged
		states[i] = SyncRefused
		if o.Accepted {
			states[i] = SyncRegistered
		}
		codes[i], msgs[i], txns[i] = nilIfEmpty(o.Code), nilIfEmpty(o.Message), nilIfEmpty(o.TransactionID)
	}
	rows, err := tx.Query(ctx, `UPDATE consent_events e SET iys_state = o.state, iys_code = o.code, iys_message = o.msg, iys_transaction_id = o.txn
		FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[]) AS o(id, state, code, msg, txn, charged)
		WHERE e.id = o.id AND e.batch_id = $1 AND e.iys_state `+sqlIn(SyncPending, SyncSent)+`
		RETURNING e.id, e.recipient_id, e.type, o.state, o.charged, e.import_id`, batchID, ids, states, codes, msgs, txns, charged)
	if err != nil {
		return nil, err
	}
	var out []recorded
	var evIDs, recipients []int64
	var evStates []SyncState
	var types []string
	for rows.Next() {
		var u recorded
		var recipient int64
		var typ string
		if err := rows.Scan(&u.id, &recipient, &typ, &u.state, &u.charged, &u.importID); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, u)
		evIDs, evStates, recipients, types = append(evIDs, u.id), append(evStates, u.state), append(recipients, recipient), append(types, typ)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The consent's three facts (see migration 00020): an accepted change
	// becomes what İYS holds unless İYS is known to hold a later-dated
	// movement (pulled meanwhile; İYS orders movements by their date and
	// accepts none not later than the one it holds, so the date decides,
	// not the order our events were written in); a refused one becomes the last refusal
	// while no later change of ours followed it, and never the state. Either
	// way it is no longer pending. A batch holds a key once, so each consent
	// is updated once.
	// Every test reads the target row c itself, not a second copy of it:
	// when a change of ours (İzin Ekle, an approval's chunk) holds the row,
	// PostgreSQL waits and evaluates the SET on the row as that change left
	// it, so a newer pending change is never taken for this event's.
	var (
		accepted = `o.state = ` + lit(SyncRegistered)
		refused  = `o.state = ` + lit(SyncRefused)
		newer    = accepted + ` AND (c.iys_event_id IS NULL OR c.consent_date IS NULL OR e.consent_date IS NULL OR e.consent_date >= c.consent_date)`
		mine     = `c.pending_event_id IS NOT DISTINCT FROM o.id`
		refusal  = refused + ` AND (c.pending_event_id IS NOT DISTINCT FROM o.id OR c.last_event_id IS NOT DISTINCT FROM o.id)`
		clears   = accepted + ` AND o.id > COALESCE(c.refused_event_id, 0)`
	)
	_, err = tx.Exec(ctx, `UPDATE consents c SET
			status = CASE WHEN `+newer+` THEN e.status ELSE c.status END,
			source = CASE WHEN `+newer+` THEN e.source ELSE c.source END,
			consent_date = CASE WHEN `+newer+` THEN e.consent_date ELSE c.consent_date END,
			iys_event_id = CASE WHEN `+newer+` THEN e.id ELSE c.iys_event_id END,
			pending_event_id = CASE WHEN `+mine+` THEN NULL ELSE c.pending_event_id END,
			pending_status = CASE WHEN `+mine+` THEN NULL ELSE c.pending_status END,
			pending_source = CASE WHEN `+mine+` THEN NULL ELSE c.pending_source END,
			pending_consent_date = CASE WHEN `+mine+` THEN NULL ELSE c.pending_consent_date END,
			pending_since = CASE WHEN `+mine+` THEN NULL ELSE c.pending_since END,
			refused_event_id = CASE WHEN `+refusal+` THEN e.id WHEN `+clears+` THEN NULL ELSE c.refused_event_id END,
			refused_code = CASE WHEN `+refusal+` THEN e.iys_code WHEN `+clears+` THEN NULL ELSE c.refused_code END,
			refused_at = CASE WHEN `+refusal+` THEN now() WHEN `+clears+` THEN NULL ELSE c.refused_at END,
			updated_at = now()
		FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS o(id, state, recipient_id, type)
		JOIN consent_events e ON e.id = o.id
		WHERE c.recipient_id = o.recipient_id AND c.type = o.type`, evIDs, evStates, recipients, types)
	return out, err
}

// settleOutcomes settles each event against what held its unit: its
// import's holds for this company (an import may span companies, and a
// swept batch may carry several imports), or its own hold.
func settleOutcomes(ctx context.Context, tx pgx.Tx, batchID, company int64, updated []recorded) error {
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
		if err := settle(ctx, tx, holder{importID: &imp, company: company}, t.debit, t.release, batchID, reason); err != nil {
			return err
		}
	}
	return nil
}
