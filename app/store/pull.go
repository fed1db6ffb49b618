package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Pulling changes back from İYS: citizens reject on İYS's side (e-Devlet,
// İYS's site and app, SMS RET), and those RETs must be in iysgate before the
// next campaign. Each brand has a cursor per source (HS: changes made
// through providers, IYS: the citizens' own), stored in the transaction
// that applies the page it ends.

// PullTarget is a brand ready for İYS with its cursors.
type PullTarget struct {
	BrandID   int64
	IYSCode   string
	BrandCode string
	Cursors   map[string]string // source → cursor
}

// PullTargets lists the brands of companies ready for İYS, least recently
// pulled first.
func (s *Store) PullTargets(ctx context.Context) ([]PullTarget, error) {
	rows, _ := s.pool.Query(ctx, `SELECT b.id, c.iys_code, b.brand_code,
			COALESCE((SELECT cursor FROM pull_cursors WHERE brand_id = b.id AND source = 'HS'), ''),
			COALESCE((SELECT cursor FROM pull_cursors WHERE brand_id = b.id AND source = 'IYS'), '')
		FROM brands b JOIN companies c ON c.id = b.company_id WHERE `+readyForIYS+`
		-- Least recently tried first: a run cut short by the limits or the
		-- timeout is continued by the next one, not restarted.
		ORDER BY (SELECT min(last_attempt_at) FROM pull_cursors WHERE brand_id = b.id) NULLS FIRST, b.id`)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PullTarget, error) {
		t := PullTarget{Cursors: map[string]string{}}
		var hs, iysCur string
		err := r.Scan(&t.BrandID, &t.IYSCode, &t.BrandCode, &hs, &iysCur)
		t.Cursors["HS"], t.Cursors["IYS"] = hs, iysCur
		return t, err
	})
}

// PulledChange is one change from İYS's feed, parsed.
type PulledChange struct {
	Recipient     string
	RecipientType string
	Type          string
	Status        string
	Source        string
	ConsentDate   time.Time
	TransactionID string
}

// PullResult counts what a page did.
type PullResult struct {
	Applied, Skipped, Conflicts int
}

// ApplyPulled applies one page of changes of a brand and source and moves
// its cursor, in one transaction. A change older than the stored state is
// skipped (a newer local change wins); one at the same moment with another
// status is recorded as a conflict for a person to look at, and does not
// change the current state.
func (s *Store) ApplyPulled(ctx context.Context, brandID int64, source string, changes []PulledChange, cursor string) (PullResult, error) {
	var res PullResult
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		res = PullResult{} // counted afresh if the transaction is run again
		for _, ch := range changes {
			kind := "phone"
			if ch.Type == "EPOSTA" {
				kind = "email"
			}
			var recipientID int64
			if err := tx.QueryRow(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type) VALUES ($1, $2, $3, $4)
				ON CONFLICT (brand_id, recipient, recipient_type) DO UPDATE SET updated_at = now() RETURNING id`,
				brandID, kind, ch.Recipient, ch.RecipientType).Scan(&recipientID); err != nil {
				return err
			}
			// Compared with what İYS is known to hold (a pending change of
			// ours is not İYS's yet, and stays pending).
			var status *string
			var date *time.Time
			err := tx.QueryRow(ctx, `SELECT status, consent_date FROM consents WHERE recipient_id = $1 AND type = $2 FOR UPDATE`,
				recipientID, ch.Type).Scan(&status, &date)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			exists := err == nil && status != nil
			// A change of ours sent (or maybe sent: its answer was lost) with
			// this status and date is the one İYS reports: its result records
			// it (and its quota). One never sent is not, and the movement is
			// someone else's.
			var ownInFlight bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consent_events WHERE recipient_id = $1 AND type = $2
				AND (iys_state = `+lit(SyncSent)+` OR iys_state = `+lit(SyncPending)+` AND iys_uncertain) AND status = $3 AND consent_date = $4)`,
				recipientID, ch.Type, ch.Status, ch.ConsentDate).Scan(&ownInFlight); err != nil {
				return err
			}
			switch {
			case exists && date != nil && ch.ConsentDate.Before(*date):
				res.Skipped++ // İYS's newer movement is already recorded
				continue
			case ownInFlight:
				res.Skipped++ // our own delivery, seen by the pull before its result
				continue
			case exists && *status == ch.Status && date != nil && ch.ConsentDate.Equal(*date):
				res.Skipped++ // our own delivery coming back
				continue
			case exists && date != nil && ch.ConsentDate.Equal(*date):
				res.Conflicts++
				if _, err := tx.Exec(ctx, `INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, iys_state, iys_code, iys_message, iys_transaction_id)
					VALUES ($1, $2, $3, $4, $5, $6, 'iys', 'İYS', `+lit(SyncRegistered)+`, 'CAKISMA', 'Aynı zamanlı farklı durum: yerel kayıt korundu, kontrol edin', $7)`,
					recipientID, ch.Type, brandID, ch.Status, ch.Source, ch.ConsentDate, ch.TransactionID); err != nil {
					return err
				}
				continue
			}
			var eventID int64
			if err := tx.QueryRow(ctx, `INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor, iys_state, iys_transaction_id)
				VALUES ($1, $2, $3, $4, $5, $6, 'iys', 'İYS', `+lit(SyncRegistered)+`, $7) RETURNING id`,
				recipientID, ch.Type, brandID, ch.Status, ch.Source, ch.ConsentDate, ch.TransactionID).Scan(&eventID); err != nil {
				return err
			}
			// İYS's movement is the state İYS holds; a change of ours on its
			// way stays pending (İYS will judge it against this movement).
			if _, err := tx.Exec(ctx, `INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, iys_event_id, last_event_id, sort_key)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, (SELECT sort_key FROM recipients WHERE id = $1))
				ON CONFLICT (recipient_id, type) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source,
					consent_date = EXCLUDED.consent_date, iys_event_id = EXCLUDED.iys_event_id, last_event_id = EXCLUDED.last_event_id, updated_at = now()`,
				recipientID, ch.Type, brandID, ch.RecipientType, ch.Status, ch.Source, ch.ConsentDate, eventID); err != nil {
				return err
			}
			res.Applied++
		}
		_, err := tx.Exec(ctx, `INSERT INTO pull_cursors (brand_id, source, cursor, last_success_at, last_attempt_at, pulled, last_error)
			VALUES ($1, $2, $3, now(), now(), $4, NULL)
			ON CONFLICT (brand_id, source) DO UPDATE SET cursor = EXCLUDED.cursor, last_success_at = now(), last_attempt_at = now(),
				pulled = pull_cursors.pulled + $4, last_error = NULL`, brandID, source, cursor, len(changes))
		return err
	})
	return res, err
}

// PullFailed records a failed pull attempt (the cursor stays).
func (s *Store) PullFailed(ctx context.Context, brandID int64, source, msg string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO pull_cursors (brand_id, source, last_attempt_at, last_error) VALUES ($1, $2, now(), $3)
		ON CONFLICT (brand_id, source) DO UPDATE SET last_attempt_at = now(), last_error = $3`, brandID, source, msg)
	return err
}

// StalePull is a brand whose changes have not been pulled for too long.
type StalePull struct {
	BrandID   int64      `json:"brand_id"`
	BrandName string     `json:"brand_name"`
	BrandCode string     `json:"brand_code"`
	LastPull  *time.Time `json:"last_pull,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

// StalePulls lists ready brands (of brandIDs; nil: all) without a
// successful pull of both sources within max: İYS keeps changes for 7 days,
// so after that citizens' RETs are lost.
func (s *Store) StalePulls(ctx context.Context, brandIDs []int64, max time.Duration) ([]StalePull, error) {
	rows, _ := s.pool.Query(ctx, `SELECT b.id, b.name, b.brand_code, p.last, p.err FROM brands b JOIN companies c ON c.id = b.company_id
		LEFT JOIN LATERAL (SELECT CASE WHEN count(last_success_at) < 2 THEN NULL ELSE min(last_success_at) END AS last,
			string_agg(last_error, '; ') AS err FROM pull_cursors WHERE brand_id = b.id) p ON true
		WHERE `+readyForIYS+` AND ($1::bigint[] IS NULL OR b.id = ANY($1))
		  AND COALESCE(p.last, b.created_at) < now() - $2::interval
		ORDER BY b.id`, brandIDs, max)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StalePull, error) {
		var x StalePull
		var e *string
		err := r.Scan(&x.BrandID, &x.BrandName, &x.BrandCode, &x.LastPull, &e)
		if e != nil {
			x.LastError = *e
		}
		return x, err
	})
}
