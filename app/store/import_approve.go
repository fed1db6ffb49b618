package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Approval. "Tümünü Gönder" moves an import from preview to approving and
// enqueues its job in one transaction (StartApproval); the job decides the
// items once and holds their quota (PrepareApproval), writes recipients,
// events and consents in chunks of its own transactions (WriteApprovalChunk,
// the import's approve_done is the cursor, moved in the chunk's
// transaction, so a run that dies resumes where the last commit left off
// and writes nothing twice), and publishes the import in one short
// transaction (PublishApproval): its batches become sendable and it reads
// as approved. Until then its batches are preparing (BatchPreparing: never sent, the
// head of their company's queue) and the import is not approved: nothing
// of a half-written approval reaches İYS. An approval that cannot finish
// is undone whole (UndoApproval) and the import is back in preview with
// the reason.

// ErrImportChanged is returned when consents of an import's keys changed
// after its validation: the preview no longer tells the truth.
var ErrImportChanged = errors.New("önizlemeden sonra bu listedeki alıcıların izinleri değişti; liste yeniden doğrulanmalı")

// MessageImportChanged is what the user reads of ErrImportChanged.
const MessageImportChanged = "Önizlemeden sonra bu listedeki alıcıların izinleri değişti; listeyi yeniden yükleyin."

// MessageQuota is what the user reads of a QuotaError.
func MessageQuota(e *QuotaError) string {
	return e.Error() + ". Abonelikler sayfasından paket talep edin."
}

// ErrNotInPreview is returned when an import that is not (or no longer) in
// preview is approved.
var ErrNotInPreview = errors.New("liste önizlemede değil")

// StartApproval moves an import in preview to approving with its mode and
// calls enqueue (the approval job's InsertTx) in the same transaction, so
// that the stage and its job exist together. An import already approving
// or approved is returned as it is (a second press changes nothing);
// any other status is ErrNotInPreview.
func (s *Store) StartApproval(ctx context.Context, a Actor, importID int64, mode string, enqueue func(tx pgx.Tx) error) (*Import, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status ImportStatus
		if err := tx.QueryRow(ctx, "SELECT status FROM imports WHERE id = $1 FOR UPDATE", importID).Scan(&status); err != nil {
			return mapErr(err)
		}
		switch {
		case status == ImportApproving || status.Sent():
			return errAlready
		case status != ImportPreview:
			return ErrNotInPreview
		}
		if _, err := tx.Exec(ctx, `UPDATE imports SET status = $2, mode = $3, approve_done = 0, approve_total = 0,
			error_code = NULL, error_message = NULL, updated_at = now() WHERE id = $1`, importID, ImportApproving, mode); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(importID, 10), map[string]string{"status": string(status)},
			map[string]string{"event": "approve", "mode": mode}); err != nil {
			return err
		}
		return enqueue(tx)
	})
	if err != nil && !errors.Is(err, errAlready) {
		return nil, err
	}
	return s.Import(ctx, importID)
}

var errAlready = errors.New("already approved")

// approveOrder is the order of an import's events: consent date, row,
// channel. A key's latest consent is its last event.
const approveOrder = "i.consent_date NULLS FIRST, i.row_no, i.type"

// PrepareApproval decides the items of an approving import once: the new
// (and, for mode "all", changed) items of its brands, numbered in event
// order, each brand's numbered again for its batches, which it makes
// (BatchPreparing); it refuses when a key changed since the validation
// (ErrImportChanged) or a company cannot afford its part (*QuotaError),
// and holds the quota otherwise. It returns the number of items. Done
// once: a resumed run finds it done. ErrImportGone: the import is not
// approving.
func (s *Store) PrepareApproval(ctx context.Context, a Actor, importID int64) (int, error) {
	total := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status ImportStatus
		var mode string
		var prepared bool
		if err := tx.QueryRow(ctx, `SELECT status, COALESCE(mode, ''), approve_prepared, approve_total FROM imports WHERE id = $1 FOR UPDATE`,
			importID).Scan(&status, &mode, &prepared, &total); err != nil {
			return mapErr(err)
		}
		if status != ImportApproving {
			return ErrImportGone
		}
		if prepared {
			return nil
		}
		outcomes := []string{string(OutcomeNew), string(OutcomeChanged)}
		if mode == "new_only" {
			outcomes = []string{string(OutcomeNew)}
		}
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '256MB'"); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO import_approval_items (import_id, seq, brand_id, company_id, row_no, type, recipient,
				recipient_type, status, source, consent_date, first_name, last_name, seen_event_id, batch_no)
			SELECT $1, row_number() OVER (ORDER BY `+approveOrder+`), b.id, b.company_id, i.row_no, i.type, i.recipient,
				i.recipient_type, i.status, i.source, i.consent_date, i.first_name, i.last_name, i.seen_event_id,
				CASE WHEN `+readyForIYS+` THEN row_number() OVER (PARTITION BY b.id ORDER BY `+approveOrder+`) - 1 END
			FROM import_item_results i JOIN brands b ON b.brand_code = i.brand_code
			JOIN import_brands ib ON ib.import_id = i.import_id AND ib.brand_id = b.id
			JOIN companies c ON c.id = b.company_id
			WHERE i.import_id = $1 AND i.outcome = ANY($2)`, importID, outcomes)
		if err != nil {
			return err
		}
		total = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, "ANALYZE import_approval_items"); err != nil {
			return err
		}
		// Each key must still be as validated.
		var changed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_approval_items a
				LEFT JOIN recipients r ON r.brand_id = a.brand_id AND r.recipient = a.recipient AND r.recipient_type = a.recipient_type
				LEFT JOIN consents c ON c.recipient_id = r.id AND c.type = a.type
				WHERE a.import_id = $1 AND c.last_event_id IS DISTINCT FROM a.seen_event_id)`, importID).Scan(&changed); err != nil {
			return err
		}
		if changed {
			return ErrImportChanged
		}
		if err := s.rankKeys(ctx, tx, importID); err != nil {
			return err
		}
		if err := s.prepareBatches(ctx, tx, importID); err != nil {
			return err
		}
		// The quota last: the subscriptions stay locked until the commit.
		rows, err := tx.Query(ctx, `SELECT company_id, count(*) FROM import_approval_items WHERE import_id = $1 GROUP BY 1 ORDER BY 1`, importID)
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
		_, err = tx.Exec(ctx, `UPDATE imports SET approve_prepared = true, approve_total = $2, approve_done = 0, updated_at = now() WHERE id = $1`,
			importID, total)
		return err
	})
	return total, err
}

// rankKeys renumbers the items of an import that changes a key more than
// once (a recipient twice in the file, on one channel) so that no batch
// holds two changes of one key: İYS refuses such a list whole (H194). The
// n-th change of a key goes to a batch of rank n, numbered after those of
// rank n-1, so it is sent after the earlier change is final. Most files
// hold each key once: their numbering stays as it is.
func (s *Store) rankKeys(ctx context.Context, tx pgx.Tx, importID int64) error {
	var twice bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_approval_items
		WHERE import_id = $1 AND batch_no IS NOT NULL
		GROUP BY brand_id, recipient, recipient_type, type HAVING count(*) > 1)`, importID).Scan(&twice); err != nil || !twice {
		return err
	}
	// batch_no / size is the brand's g-th batch, batch_no % size the index
	// in it: g counts the (rank, part) pairs of the brand in order.
	_, err := tx.Exec(ctx, `UPDATE import_approval_items a SET batch_no = x.no
		FROM (SELECT seq, (dense_rank() OVER (PARTITION BY brand_id ORDER BY r * $3 + n / $2) - 1) * $2 + n % $2 AS no
			FROM (SELECT seq, brand_id, r, row_number() OVER (PARTITION BY brand_id, r ORDER BY seq) - 1 AS n
				FROM (SELECT seq, brand_id, row_number() OVER (PARTITION BY brand_id, recipient, recipient_type, type ORDER BY seq) - 1 AS r
					FROM import_approval_items WHERE import_id = $1 AND batch_no IS NOT NULL) k) m) x
		WHERE a.import_id = $1 AND a.seq = x.seq`, importID, s.size(), int64(rankStride))
	return err
}

// prepareBatches makes the import's batches, preparing (BatchPreparing): for each brand
// ready for İYS, one per DefaultBatchSize of its items in event order.
// The g-th batch of a brand by id holds the items whose batch_no / size is
// g, at index batch_no % size.
func (s *Store) prepareBatches(ctx context.Context, tx pgx.Tx, importID int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO sync_batches (company_id, brand_id, import_id, kind, status, items)
		SELECT company_id, brand_id, $1, 'async', $3, count(*) FROM import_approval_items
		WHERE import_id = $1 AND batch_no IS NOT NULL
		GROUP BY company_id, brand_id, batch_no / $2 ORDER BY brand_id, batch_no / $2`, importID, s.size(), BatchPreparing)
	return err
}

// ApprovalProgress is how far an approval's writing has come.
type ApprovalProgress struct{ Done, Total int }

// Finished reports whether every item is written.
func (p ApprovalProgress) Finished() bool { return p.Done >= p.Total }

// WriteApprovalChunk writes the next items (at most n) of a prepared
// approval, in one transaction that also moves the cursor: the recipients
// (names filled in), an event per item in the batch prepared for it, and
// the current consents. A key changed by someone else after the approval
// began keeps that change as its pending one: the import's event is still
// written and sent in its batch (after that change, whose event is older,
// so İYS judges the import's movement against it), but the consent's
// pending change is not overwritten. ErrImportGone: the import is not
// approving.
func (s *Store) WriteApprovalChunk(ctx context.Context, a Actor, importID int64, n int) (ApprovalProgress, error) {
	var p ApprovalProgress
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status ImportStatus
		var prepared bool
		if err := tx.QueryRow(ctx, `SELECT status, approve_prepared, approve_done, approve_total FROM imports WHERE id = $1 FOR UPDATE`,
			importID).Scan(&status, &prepared, &p.Done, &p.Total); err != nil {
			return mapErr(err)
		}
		if status != ImportApproving || !prepared {
			return ErrImportGone
		}
		if p.Finished() {
			return nil
		}
		// A chunk lost in a crash is written again by the resumed run.
		for _, q := range []string{"SET LOCAL synchronous_commit = off", "SET LOCAL work_mem = '128MB'"} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		size := s.size()
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE approve_chunk ON COMMIT DROP AS
			SELECT a.*, NULL::bigint AS recipient_id, sb.id AS batch_id, (a.batch_no % $4)::int AS batch_index
			FROM import_approval_items a
			LEFT JOIN (SELECT id, brand_id, row_number() OVER (PARTITION BY brand_id ORDER BY id) - 1 AS g
				FROM sync_batches WHERE import_id = $1) sb ON sb.brand_id = a.brand_id AND sb.g = a.batch_no / $4
			WHERE a.import_id = $1 AND a.seq > $2 AND a.seq <= $3`, importID, p.Done, p.Done+n, size); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ANALYZE approve_chunk`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type, first_name, last_name)
			SELECT DISTINCT ON (brand_id, recipient, recipient_type) brand_id,
			       CASE WHEN type = 'EPOSTA' THEN 'email' ELSE 'phone' END, recipient, recipient_type, first_name, last_name
			FROM approve_chunk
			ORDER BY brand_id, recipient, recipient_type, (first_name <> '' OR last_name <> '') DESC, seq DESC
			ON CONFLICT (brand_id, recipient, recipient_type) DO UPDATE SET
			  first_name = COALESCE(NULLIF(EXCLUDED.first_name, ''), recipients.first_name),
			  last_name = COALESCE(NULLIF(EXCLUDED.last_name, ''), recipients.last_name), updated_at = now()`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE approve_chunk a SET recipient_id = r.id FROM recipients r
			WHERE r.brand_id = a.brand_id AND r.recipient = a.recipient AND r.recipient_type = a.recipient_type`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `WITH ev AS (
				INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor_id, actor,
					import_id, import_row, batch_id, batch_index)
				SELECT recipient_id, type, brand_id, status, source, consent_date, 'import', $2, $3, $1, row_no, batch_id, batch_index
				FROM approve_chunk ORDER BY seq
				RETURNING id, recipient_id, type),
			last AS (SELECT recipient_id, type, max(id) AS id FROM ev GROUP BY 1, 2)
			INSERT INTO consents (recipient_id, type, brand_id, recipient_type, pending_event_id, pending_status,
				pending_source, pending_consent_date, pending_since, last_event_id, sort_key)
			SELECT DISTINCT ON (a.recipient_id, a.type) a.recipient_id, a.type, a.brand_id, a.recipient_type, l.id, a.status, a.source,
			       a.consent_date, now(), l.id, r.sort_key
			FROM approve_chunk a JOIN last l ON l.recipient_id = a.recipient_id AND l.type = a.type
			JOIN recipients r ON r.id = a.recipient_id
			WHERE NOT EXISTS (SELECT 1 FROM consents c LEFT JOIN consent_events le ON le.id = c.last_event_id
				WHERE c.recipient_id = a.recipient_id AND c.type = a.type
				  AND c.last_event_id IS DISTINCT FROM a.seen_event_id AND le.import_id IS DISTINCT FROM $1)
			ORDER BY a.recipient_id, a.type, a.seq DESC
			ON CONFLICT (recipient_id, type) DO UPDATE SET `+pendingFromExcluded,
			importID, nullID(a.UserID), a.Label); err != nil {
			return err
		}
		p.Done = min(p.Done+n, p.Total)
		_, err := tx.Exec(ctx, `UPDATE imports SET approve_done = $2, updated_at = now() WHERE id = $1`, importID, p.Done)
		return err
	})
	return p, err
}

// PublishApproval ends a written approval: the import's batches become
// sendable and their jobs are enqueued, and the import reads as approved,
// in one transaction. The items it wrote from are deleted after.
func (s *Store) PublishApproval(ctx context.Context, a Actor, importID int64) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status ImportStatus
		var p ApprovalProgress
		var prepared bool
		if err := tx.QueryRow(ctx, `SELECT status, approve_prepared, approve_done, approve_total FROM imports WHERE id = $1 FOR UPDATE`,
			importID).Scan(&status, &prepared, &p.Done, &p.Total); err != nil {
			return mapErr(err)
		}
		if status != ImportApproving || !prepared || !p.Finished() {
			return ErrImportGone
		}
		if _, err := tx.Exec(ctx, `UPDATE sync_batches SET status = $3, updated_at = now() WHERE import_id = $1 AND status = $2`,
			importID, BatchPreparing, BatchWaiting); err != nil {
			return err
		}
		if err := s.kickImport(ctx, tx, importID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE imports SET status = $2, approved_by = $3, approved_at = now(), updated_at = now()
			WHERE id = $1`, importID, ImportApproved, a.Label)
		return err
	})
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, "DELETE FROM import_approval_items WHERE import_id = $1", importID)
	return err
}

// UndoApproval ends an approval that cannot finish: whatever its chunks
// wrote is taken back (each consent it wrote returns to the event it had
// before, or goes when it had none; its events and prepared batches go,
// none of them ever sent), its quota is freed, and the import is back in
// preview with the reason (code, message) for the user. Recipients it
// created stay, without consents. An import not approving is left alone.
func (s *Store) UndoApproval(ctx context.Context, importID int64, code, message string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status ImportStatus
		if err := tx.QueryRow(ctx, `SELECT status FROM imports WHERE id = $1 FOR UPDATE`, importID).Scan(&status); err != nil {
			return mapErr(err)
		}
		if status != ImportApproving {
			return nil
		}
		// The approval wrote only pending changes (and cleared last
		// refusals); what İYS holds it never touches. Each key it touched
		// gets its facts back from its other events, as migration 00020
		// builds them: the latest open one is pending, a refusal after
		// anything accepted or open is the last refusal. This holds however
		// the key moved meanwhile (a pull, a change by hand); a key with no
		// other event goes.
		touched := func(c string) string {
			return `(` + c + `.last_event_id IN (SELECT id FROM consent_events WHERE import_id = $1)
			OR ` + c + `.pending_event_id IN (SELECT id FROM consent_events WHERE import_id = $1))`
		}
		others := func(c string) string {
			return `FROM consent_events e WHERE e.recipient_id = ` + c + `.recipient_id AND e.type = ` + c + `.type AND e.import_id IS DISTINCT FROM $1`
		}
		for _, q := range []string{
			`DELETE FROM consents c WHERE ` + touched("c") + ` AND NOT EXISTS (SELECT 1 ` + others("c") + `)`,
			`UPDATE consents c SET last_event_id = f.last_id,
				pending_event_id = po.id, pending_status = po.status, pending_source = po.source,
				pending_consent_date = po.consent_date, pending_since = po.created_at,
				refused_event_id = CASE WHEN f.refused THEN re.id END, refused_code = CASE WHEN f.refused THEN re.iys_code END,
				refused_at = CASE WHEN f.refused THEN re.created_at END, updated_at = now()
			FROM consents k
			CROSS JOIN LATERAL (SELECT
				(SELECT max(e.id) ` + others("k") + `) AS last_id,
				(SELECT max(e.id) ` + others("k") + ` AND e.iys_state ` + eventOpen + `) AS open_id,
				(SELECT max(e.id) ` + others("k") + ` AND e.iys_state = ` + lit(SyncRefused) + `) AS refused_id,
				(SELECT max(e.id) ` + others("k") + ` AND e.iys_state = ` + lit(SyncRegistered) + `) AS accepted_id) x
			CROSS JOIN LATERAL (SELECT x.last_id, x.refused_id > COALESCE(x.open_id, 0) AND x.refused_id > COALESCE(x.accepted_id, 0) AS refused) f
			LEFT JOIN consent_events po ON po.id = x.open_id
			LEFT JOIN consent_events re ON re.id = x.refused_id
			WHERE c.recipient_id = k.recipient_id AND c.type = k.type AND ` + touched("k"),
			`DELETE FROM consent_events WHERE import_id = $1`,
			`DELETE FROM sync_batches WHERE import_id = $1 AND status = ` + lit(BatchPreparing),
		} {
			if _, err := tx.Exec(ctx, q, importID); err != nil {
				return err
			}
		}
		var held int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(sum(units), 0) FROM quota_holds WHERE import_id = $1`, importID).Scan(&held); err != nil {
			return err
		}
		if err := settle(ctx, tx, holder{importID: &importID}, 0, held, 0, "İçe aktarım #"+strconv.FormatInt(importID, 10)+" onaylanamadı"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_approval_items WHERE import_id = $1`, importID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE imports SET status = $2, mode = NULL, approve_prepared = false, approve_done = 0, approve_total = 0,
			error_code = $3, error_message = $4, updated_at = now() WHERE id = $1`, importID, ImportPreview, code, message)
		return err
	})
	return err
}

// PendingApprovals lists the imports in preview that wait for the
// approval of a user who may send for brandIDs (all: every brand): those
// with a four-eyes brand, all of whose brands are among brandIDs, oldest
// first (Onayınızı bekleyen listeler).
func (s *Store) PendingApprovals(ctx context.Context, all bool, brandIDs []int64, limit int) ([]*Import, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+importColumns+` FROM imports im
		WHERE status = $1
		  AND EXISTS (SELECT 1 FROM import_brands ib JOIN brands b ON b.id = ib.brand_id WHERE ib.import_id = im.id AND b.four_eyes)
		  AND ($2 OR NOT EXISTS (SELECT 1 FROM import_brands ib WHERE ib.import_id = im.id AND ib.brand_id <> ALL($3)))
		ORDER BY id LIMIT $4`, ImportPreview, all, brandIDs, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Import, error) { return scanImport(r) })
}
