package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
)

// Item outcomes after validation.
const (
	OutcomeNew       = "new"       // İYS has no record for the key: a new consent
	OutcomeChanged   = "changed"   // a real change of a stored consent
	OutcomeUnchanged = "unchanged" // the same status again: not sent, not charged
	OutcomeError     = "error"     // refused; not sent
)

// ValidateImport runs the stateful rules over an import's items in bulk:
// brands the uploader may not use, the state stored for each key (one
// ordered query, not one a row), and several rows of one key collapsed in
// consent-date order. It writes each item's outcome and the summary, and
// moves the import to preview.
func (s *Store) ValidateImport(ctx context.Context, importID int64, allowedBrandCodes []string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The sort of every item by key and the hash joins fit in memory.
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '256MB'"); err != nil {
			return err
		}
		allowed := map[string]bool{}
		for _, c := range allowedBrandCodes {
			allowed[c] = true
		}
		forbidden := []consent.Problem{consent.NewProblem(consent.CodeBrandForbidden, consent.FieldBrandCode)}
		forbiddenJSON, _ := json.Marshal(forbidden)
		// A cursor reads the items in key order a batch at a time, and each
		// batch's outcomes are COPYed before the next fetch: memory stays
		// flat whatever the size of the file.
		if _, err := tx.Exec(ctx, `DECLARE import_items_by_key NO SCROLL CURSOR FOR
			SELECT i.row_no, i.type, i.brand_code, i.recipient, i.recipient_type, i.status,
				i.source, i.consent_date, c.status, c.consent_date, c.recipient_id IS NOT NULL, c.last_event_id
			FROM import_items i
			LEFT JOIN brands b ON b.brand_code = i.brand_code
			LEFT JOIN recipients r ON r.brand_id = b.id AND r.recipient = i.recipient AND r.recipient_type = i.recipient_type
			LEFT JOIN consents c ON c.recipient_id = r.id AND c.type = i.type
			WHERE i.import_id = $1 AND i.outcome IS NULL
			ORDER BY i.brand_code, i.recipient, i.recipient_type, i.type, i.consent_date, i.row_no`, importID); err != nil {
			return err
		}
		type item struct {
			rowNo int
			typ   string
			c     consent.Consent
		}
		var seen *int64 // the key's last event at validation
		var out [][]any
		var group []item
		var stored *consent.State
		flush := func() {
			if len(group) == 0 {
				return
			}
			changes := make([]consent.Consent, len(group))
			for i, g := range group {
				changes[i] = g.c
			}
			for _, d := range consent.Collapse(stored, changes) {
				g := group[d.Index]
				outcome, probs := OutcomeChanged, []consent.Problem{}
				switch {
				case d.Action == consent.ActionSkip:
					outcome = OutcomeUnchanged
				case d.Action == consent.ActionReject:
					outcome = OutcomeError
				case stored == nil:
					outcome = OutcomeNew
				}
				if d.Problem != nil {
					probs = append(probs, *d.Problem)
				}
				var pj []byte
				if len(probs) > 0 {
					pj, _ = json.Marshal(probs)
				}
				out = append(out, []any{importID, g.rowNo, g.typ, outcome, pj, seen})
			}
			group, stored = group[:0], nil
		}
		const fetch = 20000
		copyOut := func() error {
			if len(out) == 0 {
				return nil
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_outcomes"}, []string{"import_id", "row_no", "type", "outcome", "problems", "seen_event_id"}, pgx.CopyFromRows(out))
			out = out[:0]
			return err
		}
		var lastKey string
		for {
			rows, err := tx.Query(ctx, "FETCH "+strconv.Itoa(fetch)+" FROM import_items_by_key")
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				n++
				var it item
				var brand, recipient, rtype, status, source string
				var date, storedDate *time.Time
				var storedStatus *string
				var exists bool
				var lastEvent *int64
				if err := rows.Scan(&it.rowNo, &it.typ, &brand, &recipient, &rtype, &status, &source, &date, &storedStatus, &storedDate, &exists, &lastEvent); err != nil {
					rows.Close()
					return err
				}
				if !allowed[brand] {
					out = append(out, []any{importID, it.rowNo, it.typ, OutcomeError, forbiddenJSON, nil})
					continue
				}
				key := brand + "\x00" + recipient + "\x00" + rtype + "\x00" + it.typ
				if key != lastKey {
					flush()
					lastKey, seen = key, lastEvent
					if exists && storedStatus != nil {
						stored = &consent.State{Status: consent.Status(*storedStatus)}
						if storedDate != nil {
							stored.ConsentDate = *storedDate
						}
					}
				}
				it.c = consent.Consent{BrandCode: brand, Recipient: recipient, RecipientType: consent.RecipientType(rtype),
					Type: consent.Type(it.typ), Status: consent.Status(status), Source: consent.Source(source)}
				if date != nil {
					it.c.ConsentDate = *date
				}
				group = append(group, it)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if err := copyOut(); err != nil {
				return err
			}
			if n < fetch {
				break
			}
		}
		flush()
		if err := copyOut(); err != nil {
			return err
		}
		summary := map[string]*ChannelSummary{"ARAMA": {}, "MESAJ": {}, "EPOSTA": {}}
		srows, err := tx.Query(ctx, `SELECT type, count(*),
				count(*) FILTER (WHERE status = 'RET' AND outcome <> 'error'),
				count(*) FILTER (WHERE outcome = 'new'), count(*) FILTER (WHERE outcome = 'changed'),
				count(*) FILTER (WHERE outcome = 'unchanged'), count(*) FILTER (WHERE outcome = 'error'),
				count(*) FILTER (WHERE problems @> '[{"severity":"warning"}]')
			FROM import_item_results WHERE import_id = $1 GROUP BY type`, importID)
		if err != nil {
			return err
		}
		for srows.Next() {
			var t string
			var cs ChannelSummary
			if err := srows.Scan(&t, &cs.Total, &cs.Ret, &cs.New, &cs.Changed, &cs.Unchanged, &cs.Errors, &cs.Warnings); err != nil {
				srows.Close()
				return err
			}
			summary[t] = &cs
		}
		srows.Close()
		sj, _ := json.Marshal(summary)
		tag, err := tx.Exec(ctx, `UPDATE imports SET summary = $2, status = 'preview', updated_at = now()
			WHERE id = $1 AND status = 'validating'`, importID, sj)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errors.New("import is no longer being validated")
		}
		return nil
	})
}

// ImportRow is one row of the preview.
type ImportRow struct {
	RowNo    int               `json:"row"`
	Cells    []string          `json:"cells"`
	Problems []consent.Problem `json:"problems"`
	Items    []ImportItem      `json:"items"`
}

// ImportItem is one consent of a preview row with its outcome.
type ImportItem struct {
	Type          string            `json:"type"`
	BrandCode     string            `json:"brand_code"`
	Recipient     string            `json:"recipient"`
	RecipientType string            `json:"recipient_type"`
	Status        string            `json:"status"`
	Source        string            `json:"source"`
	ConsentDate   *time.Time        `json:"consent_date"`
	FirstName     string            `json:"first_name"`
	LastName      string            `json:"last_name"`
	Outcome       string            `json:"outcome"`
	Problems      []consent.Problem `json:"problems"`
}

// ImportRows returns a page of preview rows after the row number `after`.
// filter is all, errors, warnings, new or unchanged.
func (s *Store) ImportRows(ctx context.Context, importID int64, filter string, after, limit int) ([]ImportRow, int, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	cond := map[string]string{
		"errors":    `(r.problems @> '[{"severity":"error"}]' OR EXISTS (SELECT 1 FROM import_item_results i WHERE i.import_id = r.import_id AND i.row_no = r.row_no AND i.outcome = 'error'))`,
		"warnings":  `(r.problems @> '[{"severity":"warning"}]')`,
		"new":       `EXISTS (SELECT 1 FROM import_item_results i WHERE i.import_id = r.import_id AND i.row_no = r.row_no AND i.outcome = 'new')`,
		"unchanged": `EXISTS (SELECT 1 FROM import_item_results i WHERE i.import_id = r.import_id AND i.row_no = r.row_no AND i.outcome = 'unchanged')`,
	}[filter]
	if cond == "" {
		cond = "true"
	}
	rows, err := s.pool.Query(ctx, `SELECT r.row_no, r.cells, r.problems,
			COALESCE((SELECT json_agg(json_build_object('type', i.type, 'brand_code', i.brand_code, 'recipient', i.recipient,
				'recipient_type', i.recipient_type, 'status', i.status, 'source', i.source, 'consent_date', i.consent_date,
				'first_name', i.first_name, 'last_name', i.last_name, 'outcome', COALESCE(i.outcome, ''), 'problems', i.problems) ORDER BY i.type)
			 FROM import_item_results i WHERE i.import_id = r.import_id AND i.row_no = r.row_no), '[]')
		FROM import_rows r WHERE r.import_id = $1 AND r.row_no > $2 AND `+cond+`
		ORDER BY r.row_no LIMIT $3`, importID, after, limit+1)
	if err != nil {
		return nil, 0, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImportRow, error) {
		var ir ImportRow
		err := r.Scan(&ir.RowNo, &ir.Cells, &ir.Problems, &ir.Items)
		return ir, err
	})
	if err != nil {
		return nil, 0, err
	}
	next := 0
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].RowNo
	}
	return out, next, nil
}

// ErrImportChanged is returned when consents of an import's keys changed
// after its validation: the preview no longer tells the truth.
var ErrImportChanged = errors.New("önizlemeden sonra bu listedeki alıcıların izinleri değişti; liste yeniden doğrulanmalı")

// ApproveImport hands an import in preview to sending, in one transaction:
// the recipients, an event per item to send (in consent-date order, origin
// import), the current consents, and the audit entry. mode "all" sends new
// and changed items; "new_only" only those of keys İYS has no record of.
// Approving an import that is no longer in preview changes nothing and
// returns it as it is.
func (s *Store) ApproveImport(ctx context.Context, a Actor, importID int64, mode string) (*Import, error) {
	outcomes := []string{OutcomeNew, OutcomeChanged}
	if mode == "new_only" {
		outcomes = []string{OutcomeNew}
	}
	var actorID *int64
	if a.UserID != 0 {
		actorID = &a.UserID
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, "SELECT status FROM imports WHERE id = $1 FOR UPDATE", importID).Scan(&status); err != nil {
			return mapErr(err)
		}
		if status == ImportApproved {
			return errAlready
		}
		if status != ImportPreview {
			return ErrNotInPreview
		}
		steps := []string{
			`INSERT INTO recipients (brand_id, kind, recipient, recipient_type, first_name, last_name)
			 SELECT DISTINCT ON (b.id, i.recipient, i.recipient_type) b.id,
			        CASE WHEN i.type = 'EPOSTA' THEN 'email' ELSE 'phone' END, i.recipient, i.recipient_type, i.first_name, i.last_name
			 FROM import_item_results i JOIN brands b ON b.brand_code = i.brand_code
			 WHERE i.import_id = $1 AND i.outcome = ANY($2)
			 ORDER BY b.id, i.recipient, i.recipient_type, (i.first_name <> '' OR i.last_name <> '') DESC,
			          i.consent_date DESC NULLS LAST, i.row_no DESC
			 ON CONFLICT (brand_id, recipient, recipient_type) DO UPDATE SET
			   first_name = COALESCE(NULLIF(EXCLUDED.first_name, ''), recipients.first_name),
			   last_name = COALESCE(NULLIF(EXCLUDED.last_name, ''), recipients.last_name), updated_at = now()`,
			`INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor_id, actor, import_id)
			 SELECT r.id, i.type, b.id, i.status, i.source, i.consent_date, 'import', $3, $4, $1
			 FROM import_item_results i JOIN brands b ON b.brand_code = i.brand_code
			 JOIN recipients r ON r.brand_id = b.id AND r.recipient = i.recipient AND r.recipient_type = i.recipient_type
			 WHERE i.import_id = $1 AND i.outcome = ANY($2)
			 ORDER BY i.consent_date NULLS FIRST, i.row_no`,
			`INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, sync_state, last_event_id, sort_key)
			 SELECT DISTINCT ON (r.id, i.type) r.id, i.type, b.id, i.recipient_type, i.status, i.source, i.consent_date, 'bekliyor',
			        (SELECT max(e.id) FROM consent_events e WHERE e.recipient_id = r.id AND e.type = i.type), r.sort_key
			 FROM import_item_results i JOIN brands b ON b.brand_code = i.brand_code
			 JOIN recipients r ON r.brand_id = b.id AND r.recipient = i.recipient AND r.recipient_type = i.recipient_type
			 WHERE i.import_id = $1 AND i.outcome = ANY($2)
			 ORDER BY r.id, i.type, i.consent_date DESC NULLS LAST, i.row_no DESC
			 ON CONFLICT (recipient_id, type) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source,
			   consent_date = EXCLUDED.consent_date, sync_state = 'bekliyor', last_event_id = EXCLUDED.last_event_id, updated_at = now()`,
		}
		for i, q := range steps {
			args := []any{importID, outcomes}
			if i == 1 {
				args = append(args, actorID, a.Label)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
			if i == 0 {
				// The recipients upsert locked the rows that manual changes
				// lock too; now each key must still be as validated.
				var changed bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_item_results i
						JOIN brands b ON b.brand_code = i.brand_code
						JOIN recipients r ON r.brand_id = b.id AND r.recipient = i.recipient AND r.recipient_type = i.recipient_type
						LEFT JOIN consents c ON c.recipient_id = r.id AND c.type = i.type
						WHERE i.import_id = $1 AND i.outcome = ANY($2) AND c.last_event_id IS DISTINCT FROM i.seen_event_id)`,
					importID, outcomes).Scan(&changed); err != nil {
					return err
				}
				if changed {
					return ErrImportChanged
				}
			}
		}
		// Quota and delivery: reserve what the events need (or refuse the
		// approval) and hand them to sending, in this same transaction.
		if err := s.deliverImport(ctx, tx, a, importID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE imports SET status = 'approved', mode = $2, approved_by = $3, approved_at = now(), updated_at = now()
			WHERE id = $1`, importID, mode, a.Label); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(importID, 10), map[string]string{"status": status},
			map[string]string{"event": "approve", "mode": mode})
	})
	if err != nil && !errors.Is(err, errAlready) {
		return nil, err
	}
	return s.Import(ctx, importID)
}

var errAlready = errors.New("already approved")

// ErrNotInPreview is returned when an import that is not (or no longer) in
// preview is approved.
var ErrNotInPreview = errors.New("liste önizlemede değil")

// DiscardImport throws away an import that has not been approved
// ("Listeyi Sil"): its rows and file are deleted, the import stays listed.
func (s *Store) DiscardImport(ctx context.Context, a Actor, importID int64) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE imports SET status = 'discarded', updated_at = now()
			WHERE id = $1 AND status IN ('uploaded', 'parsing', 'validating', 'preview', 'failed')`, importID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		done = true
		for _, q := range []string{"DELETE FROM import_outcomes WHERE import_id = $1", "DELETE FROM import_items WHERE import_id = $1", "DELETE FROM import_rows WHERE import_id = $1",
			"DELETE FROM import_chunks WHERE import_id = $1"} {
			if _, err := tx.Exec(ctx, q, importID); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(importID, 10), nil, map[string]string{"event": "discard"})
	})
	return done, err
}
