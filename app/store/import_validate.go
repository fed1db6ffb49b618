package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
)

// ValidateImport runs the stateful rules over an import's items in bulk,
// in one transaction: brands the uploader may not use, the state stored
// for each key, and several rows of one key collapsed in consent-date
// order. Set-based SQL decides the keys that occur once in the file (nearly
// all of them) as consent.Decide does; the keys the parse found repeated
// are read in key order and decided by consent.Collapse. A verdict row is
// written only for the rows that are not plain "new" (see import_verdicts);
// the summary is the parse's counts (stats; counted again when nil)
// corrected by those rows. The import moves to preview.
func (s *Store) ValidateImport(ctx context.Context, importID int64, allowedBrandCodes []string, stats *ParseStats) error {
	if allowedBrandCodes == nil {
		allowedBrandCodes = []string{}
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The hash joins and the sort of repeated keys fit in memory.
		for _, q := range []string{"SET LOCAL work_mem = '256MB'", "SET LOCAL synchronous_commit = off",
			"DELETE FROM import_verdicts WHERE import_id = " + strconv.FormatInt(importID, 10),
			"CREATE TEMP TABLE import_multi (row_no integer, ch integer, verdict text, seen bigint, PRIMARY KEY (row_no, ch)) ON COMMIT DROP"} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		if stats == nil {
			var err error
			if stats, err = countParsed(ctx, tx, importID); err != nil {
				return err
			}
		}
		var brandIDs []int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(array_agg(id), '{}') FROM brands WHERE brand_code = ANY($1)", allowedBrandCodes).Scan(&brandIDs); err != nil {
			return err
		}
		if err := collapseRepeatedKeys(ctx, tx, importID, allowedBrandCodes, brandIDs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "ANALYZE import_multi"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, validateSQL, importID, allowedBrandCodes, brandIDs); err != nil {
			return err
		}
		if err := setImportBrands(ctx, tx, importID, brandIDs); err != nil {
			return err
		}
		// The summary: every item not counted below is new.
		var c [3][6]int // RET among refused, refused, unchanged, changed
		dest := make([]any, 0, 12)
		for n := range c {
			dest = append(dest, &c[n][0], &c[n][1], &c[n][2], &c[n][3])
		}
		if err := tx.QueryRow(ctx, `SELECT `+verdictCountSQL(0)+`, `+verdictCountSQL(1)+`, `+verdictCountSQL(2)+`
			FROM import_verdicts v JOIN import_rows r ON r.import_id = v.import_id AND r.row_no = v.row_no
			WHERE v.import_id = $1`, importID).Scan(dest...); err != nil {
			return err
		}
		summary := map[string]*ChannelSummary{}
		for n, t := range channels {
			retRefused, refused, unchanged, changed := c[n][0], c[n][1], c[n][2], c[n][3]
			cs := &ChannelSummary{Total: stats.Items[n], Ret: stats.Ret[n] - retRefused, Changed: changed, Unchanged: unchanged,
				Errors: stats.Errors[n] + refused, Warnings: stats.Warnings[n]}
			cs.New = cs.Total - cs.Errors - cs.Changed - cs.Unchanged
			summary[string(t)] = cs
		}
		sj, _ := json.Marshal(summary)
		tag, err := tx.Exec(ctx, `UPDATE imports SET summary = $2, status = $3, rows_without_consent = $5, updated_at = now()
			WHERE id = $1 AND status = $4`, importID, sj, ImportPreview, ImportValidating, stats.NoConsent)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errors.New("import is no longer being validated")
		}
		return nil
	})
}

// setImportBrands records the brands the import's rows may be sent for:
// those its rows name among brandIDs (the uploader's), with the brand
// chosen at upload. A row naming any other brand is refused, and that
// brand gets no access to the import.
func setImportBrands(ctx context.Context, tx pgx.Tx, importID int64, brandIDs []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM import_brands WHERE import_id = $1
		AND brand_id IS DISTINCT FROM (SELECT brand_id FROM imports WHERE id = $1)`, importID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO import_brands (import_id, brand_id)
		SELECT DISTINCT $1::bigint, b.id FROM import_rows r JOIN brands b ON b.brand_code = r.brand_code
		WHERE r.import_id = $1 AND b.id = ANY($2)
		ON CONFLICT DO NOTHING`, importID, brandIDs)
	return err
}

// countParsed counts an import's items as the parse does (ParseStats).
func countParsed(ctx context.Context, tx pgx.Tx, importID int64) (*ParseStats, error) {
	var p ParseStats
	var dest []any
	for n := range channels {
		dest = append(dest, &p.Items[n], &p.Errors[n], &p.Warnings[n], &p.Ret[n])
	}
	err := tx.QueryRow(ctx, countParsedSQL, importID).Scan(append(dest, &p.NoConsent)...)
	return &p, err
}

// repeatedKeysSQL lists the items of the rows in which the parse found a
// repeated key (import_repeats) that the stateful rules decide (no
// stateless errors, an allowed brand: $2), with the key's stored state, in
// key and consent-date order. n is the channel (1 ARAMA, 2 MESAJ,
// 3 EPOSTA).
const repeatedKeysSQL = `WITH i AS (
		SELECT r.row_no, ch.n, ch.type, r.brand_code,
			CASE WHEN ch.n = 3 THEN r.email ELSE r.phone END AS recipient, r.recipient_type,
			CASE substr(r.channels, ch.n, 1) WHEN 'O' THEN 'ONAY' ELSE 'RET' END AS status, r.consent_date
		FROM import_repeats p
		JOIN import_rows r ON r.import_id = p.import_id AND r.row_no = p.row_no
		CROSS JOIN (VALUES (1, 'ARAMA'), (2, 'MESAJ'), (3, 'EPOSTA')) ch (n, type)
		WHERE p.import_id = $1 AND r.brand_code = ANY($2)
		  AND substr(r.channels, ch.n, 1) <> '-' AND r.flags & (4 << (ch.n - 1)) = 0 -- flagItemError, 1-based
	)
	SELECT i.row_no, i.n, i.brand_code, i.recipient, i.recipient_type, i.type, i.status, i.consent_date,
		` + projectedStatus + `, ` + projectedDate + `, c.last_event_id
	FROM i
	LEFT JOIN brands b ON b.brand_code = i.brand_code
	LEFT JOIN recipients rc ON rc.brand_id = ANY($3) AND rc.brand_id = b.id AND rc.recipient = i.recipient AND rc.recipient_type = i.recipient_type
	LEFT JOIN consents c ON c.recipient_id = rc.id AND c.type = i.type
	ORDER BY i.brand_code COLLATE "C", i.recipient COLLATE "C", i.recipient_type, i.n, i.consent_date, i.row_no`

// collapseRepeatedKeys decides the items of keys that occur more than once
// in the import with consent.Collapse, reading them in key order through a
// cursor (memory stays flat however many there are), and COPYs the
// verdicts into import_multi.
func collapseRepeatedKeys(ctx context.Context, tx pgx.Tx, importID int64, allowed []string, brandIDs []int64) error {
	if _, err := tx.Exec(ctx, "DECLARE import_repeated_keys NO SCROLL CURSOR FOR "+repeatedKeysSQL, importID, allowed, brandIDs); err != nil {
		return err
	}
	type item struct {
		rowNo, ch int
		c         consent.Consent
	}
	var (
		out     [][]any
		group   []item
		stored  *consent.State
		seen    *int64 // the key's last event at validation
		lastKey string
		ferr    error
	)
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
			v := ""
			switch {
			case d.Action == consent.ActionSkip:
				v = "u"
			case d.Action == consent.ActionReject && d.Problem != nil && d.Problem.Code == consent.CodeFirstRecordRet:
				v = "r"
			case d.Action == consent.ActionReject && d.Problem != nil && d.Problem.Code == consent.CodeDateNotLater:
				v = "d"
			case d.Action == consent.ActionReject:
				ferr = fmt.Errorf("import %d: no verdict for %+v", importID, d)
			case stored == nil:
				v = "n"
			default:
				v = "c"
			}
			out = append(out, []any{int32(g.rowNo), int32(g.ch), v, seen})
		}
		group, stored = group[:0], nil
	}
	copyOut := func() error {
		if len(out) == 0 {
			return nil
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_multi"}, []string{"row_no", "ch", "verdict", "seen"}, pgx.CopyFromRows(out))
		out = out[:0]
		return err
	}
	const fetch = 20000
	for {
		rows, err := tx.Query(ctx, "FETCH "+strconv.Itoa(fetch)+" FROM import_repeated_keys")
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
			var it item
			var brand, recipient, rtype, typ, status string
			var date, storedDate *time.Time
			var storedStatus *string
			var lastEvent *int64
			if err := rows.Scan(&it.rowNo, &it.ch, &brand, &recipient, &rtype, &typ, &status, &date, &storedStatus, &storedDate, &lastEvent); err != nil {
				rows.Close()
				return err
			}
			key := brand + "\x00" + recipient + "\x00" + rtype + "\x00" + typ
			if key != lastKey {
				flush()
				lastKey, seen = key, lastEvent
				if storedStatus != nil {
					stored = &consent.State{Status: consent.Status(*storedStatus)}
					if storedDate != nil {
						stored.ConsentDate = *storedDate
					}
				}
			}
			it.c = consent.Consent{BrandCode: brand, Recipient: recipient, RecipientType: consent.RecipientType(rtype),
				Type: consent.Type(typ), Status: consent.Status(status)}
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
	if ferr != nil {
		return ferr
	}
	if err := copyOut(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "CLOSE import_repeated_keys")
	return err
}

// plainVerdicts are the verdicts derived for a row without a verdict row.
var plainVerdicts = sqlList(verdictNew, verdictParseError)

// validateSQL writes the verdicts of the rows that hold an item that is
// not plain "new" or refused by the stateless rules (the verdict of a row
// without one is derived: see import_item_results), and the row
// (import_id, 0) that marks the import as validated. Stored state is joined
// by hash (or index, for a small import) against the recipients of the
// allowed brands only ($3).
var validateSQL = `INSERT INTO import_verdicts (import_id, row_no, arama, mesaj, eposta, seen_arama, seen_mesaj, seen_eposta)
	SELECT $1, row_no, v1, v2, v3, s1, s2, s3 FROM (
		SELECT r.row_no,
			` + verdictSQL(0) + ` AS v1, ` + verdictSQL(1) + ` AS v2, ` + verdictSQL(2) + ` AS v3,
			` + seenSQL(0) + ` AS s1, ` + seenSQL(1) + ` AS s2, ` + seenSQL(2) + ` AS s3
		FROM import_rows r
		LEFT JOIN brands b ON b.brand_code = r.brand_code AND b.brand_code = ANY($2)
		LEFT JOIN recipients rp ON rp.brand_id = ANY($3) AND rp.brand_id = b.id AND rp.recipient = r.phone
			AND rp.recipient_type = r.recipient_type
		LEFT JOIN consents c1 ON c1.brand_id = ANY($3) AND c1.type = 'ARAMA' AND c1.recipient_id = rp.id
		LEFT JOIN consents c2 ON c2.brand_id = ANY($3) AND c2.type = 'MESAJ' AND c2.recipient_id = rp.id
		LEFT JOIN recipients re ON re.brand_id = ANY($3) AND re.brand_id = b.id AND re.recipient = r.email
			AND re.recipient_type = r.recipient_type
		LEFT JOIN consents c3 ON c3.brand_id = ANY($3) AND c3.type = 'EPOSTA' AND c3.recipient_id = re.id
		LEFT JOIN (SELECT row_no, max(verdict) FILTER (WHERE ch = 1) AS v1, max(seen) FILTER (WHERE ch = 1) AS s1,
				max(verdict) FILTER (WHERE ch = 2) AS v2, max(seen) FILTER (WHERE ch = 2) AS s2,
				max(verdict) FILTER (WHERE ch = 3) AS v3, max(seen) FILTER (WHERE ch = 3) AS s3
			FROM import_multi GROUP BY row_no) m ON m.row_no = r.row_no
		WHERE r.import_id = $1 AND r.channels <> '---'
	) d
	WHERE COALESCE(v1 NOT IN (` + plainVerdicts + `), false) OR COALESCE(v2 NOT IN (` + plainVerdicts + `), false)
		OR COALESCE(v3 NOT IN (` + plainVerdicts + `), false)
	UNION ALL SELECT $1, 0, NULL, NULL, NULL, NULL, NULL, NULL`

// ImportRow is one row of the preview: one file row, one recipient, with
// its consents (at most one per channel).
type ImportRow struct {
	RowNo    int               `json:"row"`
	Cells    []string          `json:"cells"`
	Problems []consent.Problem `json:"problems"`
	Items    []ImportItem      `json:"items"`
	// The row's fields as its consents share them (empty for a row that
	// yields none: its cells say what it held).
	BrandCode     string     `json:"brand_code"`
	RecipientType string     `json:"recipient_type"`
	FirstName     string     `json:"first_name"`
	LastName      string     `json:"last_name"`
	Phone         string     `json:"phone"`
	Email         string     `json:"email"`
	Source        string     `json:"source"`
	ConsentDate   *time.Time `json:"consent_date"`
	// PhoneAsWritten and EmailAsWritten are the file's text of a phone
	// or address that is not valid (Phone, Email are then empty).
	PhoneAsWritten string `json:"phone_as_written,omitempty"`
	EmailAsWritten string `json:"email_as_written,omitempty"`
}

// Item returns the row's consent of type t, or nil.
func (r ImportRow) Item(t string) *ImportItem {
	for i := range r.Items {
		if r.Items[i].Type == t {
			return &r.Items[i]
		}
	}
	return nil
}

// AllProblems are the row's problems and those the validation found for
// its consents, once each.
func (r ImportRow) AllProblems() []consent.Problem {
	ps := slices.Clone(r.Problems)
	for _, it := range r.Items {
		for _, p := range it.Problems {
			if !containsProblem(ps, p) {
				ps = append(ps, p)
			}
		}
	}
	return ps
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
	Outcome       ItemOutcome       `json:"outcome"`
	Problems      []consent.Problem `json:"problems"`
	// IYS is where the consent stands at İYS once the import was sent
	// (nil before, and for a consent that was not sent).
	IYS *ItemDelivery `json:"iys,omitempty"`
}

// ItemDelivery is the delivery state of a sent consent (SyncQuota,
// SyncPending, SyncSent, SyncRegistered, SyncRefused) with İYS's refusal.
type ItemDelivery struct {
	State   SyncState `json:"state"`
	Code    string    `json:"code,omitempty"`
	Message string    `json:"message,omitempty"`
}

// RowPage is a page of preview rows of a filter, with where it stands in
// them.
type RowPage struct {
	Rows        []ImportRow
	First, Last int // 1-based positions of the page's rows among the filter's (0: none)
	Total       int // the filter's rows
	Prev, Next  int // cursors: ?before=Prev and ?after=Next (0: no such page)
}

// ImportRowPage returns the page of the filter's rows after row number
// after (before = 0), or the one before row number before, with the
// positions and the total.
func (s *Store) ImportRowPage(ctx context.Context, importID int64, filter string, after, before, limit int) (RowPage, error) {
	var p RowPage
	var err error
	if before > 0 {
		if p.Rows, err = s.importRows(ctx, importID, filter, "r.row_no < $2", "DESC", before, limit); err != nil {
			return p, err
		}
		slices.Reverse(p.Rows)
	} else if p.Rows, _, err = s.ImportRows(ctx, importID, filter, after, limit); err != nil {
		return p, err
	}
	cond, err := s.rowFilter(ctx, importID, filter)
	if err != nil {
		return p, err
	}
	first := 0
	if len(p.Rows) > 0 {
		first = p.Rows[0].RowNo
	}
	// The filter's rows, and those before the page.
	if err := s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE r.row_no < $2)
		FROM import_rows r LEFT JOIN import_verdicts v ON v.import_id = r.import_id AND v.row_no = r.row_no
		WHERE r.import_id = $1 AND `+cond, importID, first).Scan(&p.Total, &p.First); err != nil {
		return p, err
	}
	if len(p.Rows) == 0 {
		p.First = 0
		return p, nil
	}
	p.First++
	p.Last = p.First + len(p.Rows) - 1
	if p.First > 1 {
		p.Prev = p.Rows[0].RowNo
	}
	if p.Last < p.Total {
		p.Next = p.Rows[len(p.Rows)-1].RowNo
	}
	return p, nil
}

// ImportRows returns a page of preview rows after the row number `after`,
// and the cursor of the next page (0: none). filter is all, errors,
// warnings, new or unchanged.
func (s *Store) ImportRows(ctx context.Context, importID int64, filter string, after, limit int) ([]ImportRow, int, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	out, err := s.importRows(ctx, importID, filter, "r.row_no > $2", "ASC", after, limit+1)
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

// rowFilter is the SQL condition of a filter on rows r with verdicts v.
func (s *Store) rowFilter(ctx context.Context, importID int64, filter string) (string, error) {
	// A validated import's row without a verdict row has only new items
	// and items refused by the stateless rules.
	validated, err := s.validated(ctx, importID)
	if err != nil {
		return "", err
	}
	newRow := "false"
	if validated {
		newRow = newRowSQL
	}
	cond := map[string]string{
		"errors":    rowHasErrorSQL,
		"warnings":  "(r.flags & " + itoa16(flagRowWarning) + " <> 0)",
		"new":       "(" + hasVerdictSQL(verdictNew) + " OR " + newRow + ")",
		"unchanged": hasVerdictSQL(verdictUnchanged),
	}[filter]
	if cond == "" {
		cond = "true"
	}
	return cond, nil
}

func (s *Store) validated(ctx context.Context, importID int64) (bool, error) {
	var validated bool
	err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM import_verdicts WHERE import_id = $1 AND row_no = 0)", importID).Scan(&validated)
	return validated, err
}

// importRows reads up to limit rows of a filter past a row number ($2,
// in where) in the order dir, with their verdicts and, once sent, their
// events' delivery.
func (s *Store) importRows(ctx context.Context, importID int64, filter, where, dir string, cursor, limit int) ([]ImportRow, error) {
	validated, err := s.validated(ctx, importID)
	if err != nil {
		return nil, err
	}
	cond, err := s.rowFilter(ctx, importID, filter)
	if err != nil {
		return nil, err
	}
	var events string
	for n, t := range channels {
		e := "e" + sqlChannel(n)
		events += ` LEFT JOIN consent_events ` + e + ` ON ` + e + `.import_id = r.import_id AND ` + e + `.import_row = r.row_no AND ` + e + `.type = '` + string(t) + `'`
	}
	rows, err := s.pool.Query(ctx, `SELECT r.row_no, r.cells, r.problems, r.flags, r.channels, r.brand_code, r.recipient_type,
			r.source, r.consent_date, r.first_name, r.last_name, r.phone, r.email, r.phone_as_written, r.email_as_written,
			v.arama, v.mesaj, v.eposta, e1.iys_state, e1.iys_code, e1.iys_message, e2.iys_state, e2.iys_code, e2.iys_message,
			e3.iys_state, e3.iys_code, e3.iys_message
		FROM import_rows r LEFT JOIN import_verdicts v ON v.import_id = r.import_id AND v.row_no = r.row_no`+events+`
		WHERE r.import_id = $1 AND `+where+` AND `+cond+`
		ORDER BY r.row_no `+dir+` LIMIT $3`, importID, cursor, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImportRow, error) {
		var ir ImportRow
		var cells, probs, chans string
		var flags int16
		var verdicts [3]*string
		var iys [3][3]*string // state, code, message per channel
		if err := r.Scan(&ir.RowNo, &cells, &probs, &flags, &chans, &ir.BrandCode, &ir.RecipientType, &ir.Source, &ir.ConsentDate,
			&ir.FirstName, &ir.LastName, &ir.Phone, &ir.Email, &ir.PhoneAsWritten, &ir.EmailAsWritten,
			&verdicts[0], &verdicts[1], &verdicts[2], &iys[0][0], &iys[0][1], &iys[0][2], &iys[1][0], &iys[1][1], &iys[1][2],
			&iys[2][0], &iys[2][1], &iys[2][2]); err != nil {
			return ir, err
		}
		var err error
		if ir.Cells, err = decodeCells(cells); err != nil {
			return ir, err
		}
		var items [3][]consent.Problem
		if ir.Problems, items, err = decodeProblems(probs); err != nil {
			return ir, err
		}
		if ir.ConsentDate != nil {
			d := ir.ConsentDate.In(consent.Location())
			ir.ConsentDate = &d
		}
		ir.Items = []ImportItem{}
		// Items in the order of their type's name, as the preview always
		// listed them: ARAMA, EPOSTA, MESAJ.
		for _, n := range [3]int{0, 2, 1} {
			if len(chans) != 3 || chans[n] == chanNone {
				continue
			}
			it := ImportItem{Type: string(channels[n]), BrandCode: ir.BrandCode, Recipient: ir.Phone, RecipientType: ir.RecipientType,
				Source: ir.Source, ConsentDate: ir.ConsentDate, FirstName: ir.FirstName, LastName: ir.LastName,
				Problems: append([]consent.Problem{}, items[n]...)}
			if n == 2 {
				it.Recipient = ir.Email
			}
			switch chans[n] {
			case chanOnay:
				it.Status = string(consent.StatusOnay)
			case chanRet:
				it.Status = string(consent.StatusRet)
			}
			switch {
			case flags&flagItemError(n) != 0:
				it.Outcome = OutcomeError
			case verdicts[n] != nil:
				it.Outcome = verdictOutcome(*verdicts[n])
				if p, ok := verdictProblem(*verdicts[n]); ok {
					it.Problems = append(it.Problems, p)
				}
			case validated:
				it.Outcome = OutcomeNew
			}
			if st := iys[n][0]; st != nil {
				it.IYS = &ItemDelivery{State: SyncState(*st)}
				if iys[n][1] != nil {
					it.IYS.Code = *iys[n][1]
				}
				if iys[n][2] != nil {
					it.IYS.Message = *iys[n][2]
				}
			}
			ir.Items = append(ir.Items, it)
		}
		return ir, nil
	})
}

// DiscardImport throws away an import that has not been approved
// ("Listeyi Sil"): its rows and file are deleted, the import stays listed.
func (s *Store) DiscardImport(ctx context.Context, a Actor, importID int64) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE imports SET status = $2, updated_at = now()
			WHERE id = $1 AND status = ANY($3)`, importID, ImportDiscarded, importStatuses(ImportStatus.Discardable))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		done = true
		if err := deleteStaging(ctx, tx, importID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM import_chunks WHERE import_id = $1", importID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE imports SET file_deleted_at = now() WHERE id = $1", importID); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(importID, 10), nil, map[string]string{"event": "discard"})
	})
	return done, err
}
