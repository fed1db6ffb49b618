package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
)

// Origins of a consent event.
const (
	OriginManual = "manual"
	OriginImport = "import"
	OriginIYS    = "iys"
)

// ChannelState is what iysgate knows of a recipient's consent on one
// channel, as three facts that are never mixed (migrations/00014): the
// state İYS holds, a change on its way, and the last refusal.
type ChannelState struct {
	// Status, Source and ConsentDate are what İYS holds: the last movement
	// it accepted, or a change pulled from it. Status is "" while İYS holds
	// nothing.
	Status      string     `json:"status"`
	Source      string     `json:"source"`
	ConsentDate *time.Time `json:"consent_date"`
	// Pending is a change on its way to İYS, if any.
	Pending *PendingChange `json:"pending"`
	// Refused is İYS's last refusal, if no change has been made since.
	Refused *LastRefusal `json:"refused"`
}

// PendingChange is a change of a consent on its way to İYS.
type PendingChange struct {
	Status      string     `json:"status"`
	Source      string     `json:"source"`
	ConsentDate *time.Time `json:"consent_date"`
	Since       time.Time  `json:"since"`
	// State is its event's delivery state: SyncQuota (waits for a
	// package), SyncPending (queued) or SyncSent.
	State SyncState `json:"state"`
}

// LastRefusal is İYS's refusal of a change, with İYS's code (its message and
// what to fix are the code's, see iys.Describe).
type LastRefusal struct {
	Code string    `json:"code"`
	At   time.Time `json:"at"`
	// The refused movement, for "Düzelt ve yeniden gönder".
	Status      string    `json:"status"`
	Source      string    `json:"source"`
	ConsentDate time.Time `json:"consent_date"`
}

// Effective is the answer to "may I message this person on this channel":
// RET when İYS holds RET or a RET is on its way (a person who said no is
// not messaged while İYS catches up), ONAY only when İYS holds ONAY, and ""
// when İYS holds nothing.
func (c *ChannelState) Effective() string {
	if c == nil {
		return ""
	}
	if c.Pending != nil && c.Pending.Status == string(consent.StatusRet) {
		return string(consent.StatusRet)
	}
	return c.Status
}

// channelStateJSON builds a ChannelState of consent c (with its pending
// event pe and its refused event fe) in SQL, as ChannelState decodes it.
const channelStateJSON = `json_build_object('status', c.status, 'source', c.source, 'consent_date', c.consent_date,
	'pending', CASE WHEN c.pending_event_id IS NOT NULL THEN json_build_object('status', c.pending_status,
		'source', c.pending_source, 'consent_date', c.pending_consent_date, 'since', c.pending_since, 'state', pe.iys_state) END,
	'refused', CASE WHEN c.refused_event_id IS NOT NULL THEN json_build_object('code', c.refused_code, 'at', c.refused_at,
		'status', fe.status, 'source', fe.source, 'consent_date', fe.consent_date) END)`

// RecipientRow is one line of Onaylar: a recipient and its channels.
type RecipientRow struct {
	ID            int64         `json:"id"`
	SortKey       int64         `json:"-"`
	BrandID       int64         `json:"brand_id"`
	BrandName     string        `json:"brand_name"`
	BrandCode     string        `json:"brand_code"`
	Recipient     string        `json:"recipient"`
	RecipientType string        `json:"recipient_type"`
	FirstName     string        `json:"first_name"`
	LastName      string        `json:"last_name"`
	Arama         *ChannelState `json:"arama,omitempty"`
	Mesaj         *ChannelState `json:"mesaj,omitempty"`
	Eposta        *ChannelState `json:"eposta,omitempty"`
}

// Channel returns the state of one channel.
func (r *RecipientRow) Channel(t string) *ChannelState {
	switch t {
	case "ARAMA":
		return r.Arama
	case "MESAJ":
		return r.Mesaj
	}
	return r.Eposta
}

// ConsentFilter selects recipients for Onaylar and the API.
type ConsentFilter struct {
	BrandIDs []int64 // nil: every brand
	Kind     string  // "phone" (Telefon & Mesaj) or "email"
	// Search is what the user typed to find a recipient: any part of a
	// name or an e-mail address (Turkish-folded, see FoldSearch), or the
	// last digits of a phone number written any way.
	Search        string
	Type          string // channel the status filter applies to ("" any of the tab's)
	Status        string // ONAY or RET
	RecipientType string
	From, To      *time.Time // consent date range, on any channel of the tab
	After         int64      // keyset cursor (a sort key from the previous page)
	Limit         int
	id            int64 // one recipient (Recipient)
}

func (f ConsentFilter) types() []string {
	if f.Kind == "email" {
		return []string{"EPOSTA"}
	}
	if f.Type != "" {
		return []string{f.Type}
	}
	return []string{"ARAMA", "MESAJ"}
}

// MaxConsentPage is the largest page of recipients (exports read in pages
// of this size; the API allows pages as large).
const MaxConsentPage = 5000

// recipientsQuery builds the Onaylar query for f (Limit already set).
//
// Each brand is walked on its own ordered index and the pages are merged
// (LATERAL over the brands): one ordered scan over all recipients would be
// planned on the primary key and, when the newest rows belong to other
// brands, read a million rows to find fifty. sort_key is in no other index,
// so ordering by it makes the planner walk the brand's index.
//
// Without a search, a status or date filter drives the query from the
// consents instead, on (brand_id, type, status, sort_key DESC) per brand
// and channel: walking recipients and probing each one's consent reads ten
// rows for every RET found.
func recipientsQuery(f ConsentFilter) (string, []any) {
	args := []any{f.Kind}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	brands := "(SELECT id FROM brands)"
	if f.BrandIDs != nil {
		brands = "unnest(" + arg(f.BrandIDs) + "::bigint[])"
	}
	limit := strconv.Itoa(f.Limit + 1)
	var inner string
	if f.id == 0 && (f.Status != "" || f.From != nil || f.To != nil) {
		cond := []string{"c.brand_id = bid.id", "c.type = t.type"}
		if f.RecipientType != "" {
			cond = append(cond, "c.recipient_type = "+arg(f.RecipientType))
		}
		if f.From != nil {
			cond = append(cond, "c.consent_date >= "+arg(*f.From))
		}
		if f.To != nil {
			cond = append(cond, "c.consent_date < "+arg(*f.To))
		}
		if f.After > 0 {
			cond = append(cond, "c.sort_key < "+arg(f.After))
		}
		// Each way a consent can have the status (see statusWays) walks
		// its own index; a recipient matching on two channels, or two
		// ways, appears once.
		var ways []string
		for _, w := range statusWays(f.Status, arg) {
			ways = append(ways, `(SELECT c.recipient_id, c.sort_key FROM consents c
				WHERE `+strings.Join(append(slices.Clone(cond), w), " AND ")+`
				ORDER BY c.sort_key DESC LIMIT `+limit+`)`)
		}
		inner = `(SELECT DISTINCT ON (m.sort_key) r.* FROM unnest(` + arg(f.types()) + `::text[]) AS t(type)
			CROSS JOIN LATERAL (` + strings.Join(ways, " UNION ALL ") + `) m
			JOIN recipients r ON r.id = m.recipient_id AND r.kind = $1
			ORDER BY m.sort_key DESC LIMIT ` + limit + `)`
	} else {
		where := append([]string{"r.brand_id = bid.id", "r.kind = $1"}, f.conditions(arg)...)
		if f.After > 0 {
			where = append(where, "r.sort_key < "+arg(f.After))
		}
		if f.id > 0 {
			where = append(where, "r.id = "+arg(f.id))
		}
		inner = `(SELECT r.* FROM recipients r
			WHERE ` + strings.Join(where, " AND ") + `
			ORDER BY r.sort_key DESC LIMIT ` + limit + `)`
	}
	return recipientPage(brands+` AS bid(id) CROSS JOIN LATERAL `+inner+` r`, limit), args
}

// conditions are the filters on a recipient r besides its brand, kind,
// cursor and search: its type, and a consent with the status or date.
func (f ConsentFilter) conditions(arg func(any) string) []string {
	var where []string
	if f.RecipientType != "" {
		where = append(where, "r.recipient_type = "+arg(f.RecipientType))
	}
	if f.Status != "" || f.From != nil || f.To != nil {
		cond := []string{"c.recipient_id = r.id", "c.type = ANY(" + arg(f.types()) + ")"}
		if f.Status != "" {
			cond = append(cond, "("+strings.Join(statusWays(f.Status, arg), " OR ")+")")
		}
		if f.From != nil {
			cond = append(cond, "c.consent_date >= "+arg(*f.From))
		}
		if f.To != nil {
			cond = append(cond, "c.consent_date < "+arg(*f.To))
		}
		where = append(where, "EXISTS (SELECT 1 FROM consents c WHERE "+strings.Join(cond, " AND ")+")")
	}
	return where
}

// statusWays are the ways a consent c has a status as Onaylar filters it,
// which is what the recipient may be sent (ChannelState.Effective): RET
// when İYS holds RET or a RET is on its way (a person said no), ONAY when
// İYS holds ONAY and no RET is on its way (a pending ONAY is not yet
// one). No status: one way, any consent.
func statusWays(status string, arg func(any) string) []string {
	switch status {
	case "":
		return []string{"true"}
	case string(consent.StatusRet):
		return []string{"c.status = 'RET'",
			"c.pending_event_id IS NOT NULL AND c.pending_status = 'RET' AND c.status IS DISTINCT FROM 'RET'"}
	}
	return []string{"c.status = " + arg(status) + " AND c.pending_status IS DISTINCT FROM 'RET'"}
}

// recipientPage selects a page of Onaylar's rows from recipients r found
// by from (which may name r's brand bid), newest first.
func recipientPage(from, limit string) string {
	return `SELECT r.id, r.sort_key, r.brand_id, b.name, COALESCE(b.brand_code, ''), r.recipient, r.recipient_type, r.first_name, r.last_name,
		(SELECT json_object_agg(c.type, ` + channelStateJSON + `)
		 FROM consents c LEFT JOIN consent_events pe ON pe.id = c.pending_event_id
		 LEFT JOIN consent_events fe ON fe.id = c.refused_event_id WHERE c.recipient_id = r.id)
		FROM ` + from + `
		JOIN brands b ON b.id = r.brand_id
		ORDER BY r.sort_key DESC LIMIT ` + limit
}

// searchScanRows bounds a search's first way: walking the newest
// recipients in order and keeping those that match, which finds a page of
// a common term ("mehmet": one recipient in thirty) after a few thousand
// rows. A term rarer than a page in this many rows is found the second
// way, through its index (trigrams, or a phone's reversed digits), which
// is fast exactly when matches are few. Either way alone is slow on the
// other's terms: a trigram index returns every one of 200,000 "kılıç"s to
// be sorted, a walk reads millions of rows to find one number. 30,000
// rows take about 10 ms to walk; their matches, at most one in 600, take
// as long to fetch through the index. (BenchmarkOnaylar.)
var searchScanRows = 30000 // a variable for tests (SetSearchScanRows)

// searchQueries builds a search's two ways (see searchScanRows): the walk
// (scan == "" when the term is certainly rare) and the index query. The
// walk's rows end with the number of rows it walked.
func searchQueries(f ConsentFilter) (scan string, scanArgs []any, index string, indexArgs []any) {
	text, digits := searchTerm(f.Search)
	limit := strconv.Itoa(f.Limit + 1)
	build := func(walk bool) (string, []any) {
		args := []any{f.Kind}
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		// The same test two ways: on the indexes (trigrams; the last
		// digits of a number on the reversed number), or, for the walk,
		// in words no index serves, so that the planner walks the
		// recipients in order instead of mixing in an index.
		var match string
		if walk {
			match = "strpos(r.search, " + arg(text) + ") > 0"
			if digits != "" && f.Kind == "phone" {
				match = "(right(r.recipient, " + strconv.Itoa(len(digits)) + ") = " + arg(digits) + " OR " + match + ")"
			}
		} else {
			match = "r.search LIKE " + arg("%"+escapeLike(text)+"%")
			if digits != "" && f.Kind == "phone" {
				match = "(reverse(r.recipient) LIKE " + arg(reverse(digits)+"%") + " OR " + match + ")"
			}
		}
		// Where the rows come from: one brand's own index, or every
		// recipient of the kind (the brands filtered after).
		source := []string{"r.kind = $1"}
		var filter []string
		if len(f.BrandIDs) == 1 {
			source = append(source, "r.brand_id = "+arg(f.BrandIDs[0]))
		} else if f.BrandIDs != nil {
			filter = append(filter, "r.brand_id = ANY("+arg(f.BrandIDs)+"::bigint[])")
		}
		if f.After > 0 {
			source = append(source, "r.sort_key < "+arg(f.After))
		}
		filter = append(filter, f.conditions(arg)...)
		if walk {
			// The walk reads the newest searchScanRows recipients from an
			// index holding every column it tests (migrations/00014: an
			// index-only scan) and stops at a page. Only when it finds
			// less than a page does it count what it walked: fewer than
			// searchScanRows means it saw every recipient there is.
			ordered := `SELECT r.id, r.sort_key, r.brand_id, r.recipient_type, r.recipient, r.search FROM recipients r
				WHERE ` + strings.Join(source, " AND ") + ` ORDER BY r.sort_key DESC`
			page := recipientPage(`(SELECT r.id FROM (`+ordered+` LIMIT `+strconv.Itoa(searchScanRows)+`) r
				WHERE `+strings.Join(append(filter, match), " AND ")+`
				ORDER BY r.sort_key DESC LIMIT `+limit+`) m JOIN recipients r ON r.id = m.id`, limit)
			return `SELECT p.*, CASE WHEN count(*) OVER () <= ` + strconv.Itoa(f.Limit) + `
				THEN (SELECT count(*) FROM (` + ordered + ` LIMIT ` + strconv.Itoa(searchScanRows) + `) w) END
				FROM (` + page + `) p ORDER BY p.sort_key DESC`, args
		}
		if utf8.RuneCountInString(text) < 3 {
			// Too short for trigrams (and as a number's end, common): the
			// walk, unbounded.
			return recipientPage(`(SELECT r.* FROM recipients r WHERE `+strings.Join(append(append(source, filter...), match), " AND ")+`
				ORDER BY r.sort_key DESC LIMIT `+limit+`) r`, limit), args
		}
		// OFFSET 0 keeps the planner from walking the ordered index in
		// the hope of meeting a page of matches early: the walk has been
		// tried, and matches are few.
		where := ""
		if len(filter) > 0 {
			where = " WHERE " + strings.Join(filter, " AND ")
		}
		return recipientPage(`(SELECT r.* FROM recipients r WHERE `+strings.Join(append(source, match), " AND ")+` OFFSET 0) r`+where, limit), args
	}
	if len(digits) < 4 || f.Kind != "phone" {
		scan, scanArgs = build(true)
	}
	index, indexArgs = build(false)
	return scan, scanArgs, index, indexArgs
}

// searchTerm reads what the user typed: folded text for names and
// e-mail addresses, and, when it is only a number written any way, its
// digits with a country code or trunk zero dropped (so that "0532 123 45
// 67", "+90 532 123 45 67" and "1234567" all find +905321234567 by its
// end).
func searchTerm(q string) (text, digits string) {
	q = strings.TrimSpace(q)
	text = FoldSearch(q)
	if q == "" || strings.IndexFunc(q, func(r rune) bool { return (r < '0' || r > '9') && !strings.ContainsRune(" +-()./", r) }) >= 0 {
		return text, ""
	}
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, q)
	if len(d) > 10 {
		d = strings.TrimPrefix(strings.TrimPrefix(d, "00"), "90")
	}
	if len(d) == 11 {
		d = strings.TrimPrefix(d, "0")
	}
	return text, d
}

func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// ListRecipients returns a page of recipients, newest first, and the cursor
// of the next page (0 when this is the last). Pagination is by keyset, so
// the millionth page costs what the first does.
func (s *Store) ListRecipients(ctx context.Context, f ConsentFilter) ([]RecipientRow, int64, error) {
	if f.Limit <= 0 || f.Limit > MaxConsentPage {
		f.Limit = 50
	}
	var out []RecipientRow
	var err error
	if f.Search == "" || f.id > 0 {
		q, args := recipientsQuery(f)
		out, _, err = s.queryRecipients(ctx, q, args, false)
	} else {
		scan, scanArgs, index, indexArgs := searchQueries(f)
		whole := false
		if scan != "" {
			out, whole, err = s.queryRecipients(ctx, scan, scanArgs, true)
		}
		// The walk is the answer when it found a page or walked every
		// recipient there is; otherwise the matches are rare.
		if err == nil && len(out) <= f.Limit && !whole {
			out, _, err = s.queryRecipients(ctx, index, indexArgs, false)
		}
	}
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].SortKey
	}
	return out, next, nil
}

// queryRecipients runs a page query. A walk's rows that are less than a
// page end with the number of recipients it walked; whole reports that it
// walked every recipient there is (false when it found no row to tell it,
// or a page).
func (s *Store) queryRecipients(ctx context.Context, q string, args []any, walk bool) (out []RecipientRow, whole bool, err error) {
	// Planned for these very values each time: a cached generic plan cannot
	// see which brand, pattern or date range it serves and picks badly.
	rows, err := s.pool.Query(ctx, q, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var r RecipientRow
		var ch map[string]*ChannelState
		var walked *int
		dest := []any{&r.ID, &r.SortKey, &r.BrandID, &r.BrandName, &r.BrandCode, &r.Recipient, &r.RecipientType, &r.FirstName, &r.LastName, &ch}
		if walk {
			dest = append(dest, &walked)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, false, err
		}
		whole = walk && walked != nil && *walked < searchScanRows
		r.Arama, r.Mesaj, r.Eposta = ch["ARAMA"], ch["MESAJ"], ch["EPOSTA"]
		out = append(out, r)
	}
	return out, whole, rows.Err()
}

// FoldSearch folds text the way recipients.search is folded (see
// migrations/00014): I, İ and ı become i, then everything is lower case,
// so that KILIÇ finds Kılıç and IPEK, ipek and İPEK find İpek, whichever
// i people type.
func FoldSearch(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == 'I' || r == 'İ' || r == 'ı' {
			return 'i'
		}
		return r
	}, s))
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Recipient returns one recipient row of the given brands (nil: any).
func (s *Store) Recipient(ctx context.Context, id int64, brandIDs []int64) (*RecipientRow, error) {
	var kind string
	if err := s.pool.QueryRow(ctx, "SELECT kind FROM recipients WHERE id = $1 AND ($2::bigint[] IS NULL OR brand_id = ANY($2))", id, brandIDs).Scan(&kind); err != nil {
		return nil, mapErr(err)
	}
	rows, _, err := s.ListRecipients(ctx, ConsentFilter{BrandIDs: brandIDs, Kind: kind, id: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].ID != id {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// ApplyResult says what ApplyConsent did.
type ApplyResult struct {
	Action  consent.Action   // send (stored, waits for İYS), skip (no change) or reject
	Problem *consent.Problem // why, for skip and reject
	EventID int64            // the new event, for send
	Row     *RecipientRow    // the recipient after the change, for send
	// QuotaWaiting: stored, but the company has no unit left; it goes out
	// when a package is approved ("kota bekliyor").
	QuotaWaiting bool
}

// ApplyConsent records one consent given by hand (İzin Ekle, Düzenle, API):
// it checks İYS's state rules under a lock against the state as it will
// be (the change on its way if any, else what İYS holds), and for a real
// change writes it as the consent's pending change (İYS's state stays
// until İYS accepts it; an earlier refusal is superseded), an event that
// waits for İYS and the audit entry, in one transaction. A rejected or
// unchanged consent changes nothing.
func (s *Store) ApplyConsent(ctx context.Context, a Actor, brandID int64, c consent.Consent) (*ApplyResult, error) {
	res := &ApplyResult{}
	kind := "phone"
	if c.Type == consent.TypeEposta {
		kind = "email"
	}
	var recipientID int64
	errSkip := errors.New("nothing to write")
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		*res = ApplyResult{} // decided afresh if the transaction is run again
		// The upsert locks the recipient row, which serialises changes of
		// all its channels.
		err := tx.QueryRow(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type, first_name, last_name)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (brand_id, recipient, recipient_type) DO UPDATE SET
				first_name = COALESCE(NULLIF(EXCLUDED.first_name, ''), recipients.first_name),
				last_name = COALESCE(NULLIF(EXCLUDED.last_name, ''), recipients.last_name),
				updated_at = now()
			RETURNING id`, brandID, kind, c.Recipient, string(c.RecipientType), c.FirstName, c.LastName).Scan(&recipientID)
		if err != nil {
			return err
		}
		var cur *consent.State
		var st consent.State
		var date *time.Time
		var status *consent.Status
		err = tx.QueryRow(ctx, `SELECT COALESCE(pending_status, status), CASE WHEN pending_event_id IS NOT NULL THEN pending_consent_date ELSE consent_date END
			FROM consents WHERE recipient_id = $1 AND type = $2`,
			recipientID, string(c.Type)).Scan(&status, &date)
		switch {
		case err == nil && status == nil:
			// İYS holds nothing and nothing is on its way (a first change
			// İYS refused): a first record again.
		case err == nil:
			st.Status = *status
			if date != nil {
				st.ConsentDate = *date
			}
			cur = &st
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		d := consent.Decide(cur, c)
		res.Action, res.Problem = d.Action, d.Problem
		if d.Action != consent.ActionSend {
			return errSkip
		}
		var consentDate *time.Time
		if !c.ConsentDate.IsZero() {
			consentDate = &c.ConsentDate
		}
		var actorID *int64
		if a.UserID != 0 {
			actorID = &a.UserID
		}
		err = tx.QueryRow(ctx, `INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor_id, actor)
			VALUES ($1, $2, $3, $4, $5, $6, 'manual', $7, $8) RETURNING id`,
			recipientID, string(c.Type), brandID, string(c.Status), string(c.Source), consentDate, actorID, a.Label).Scan(&res.EventID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO consents (recipient_id, type, brand_id, recipient_type, pending_event_id, pending_status,
				pending_source, pending_consent_date, pending_since, last_event_id, sort_key)
			VALUES ($1, $2, $3, $4, $8, $5, $6, $7, now(), $8, (SELECT sort_key FROM recipients WHERE id = $1))
			ON CONFLICT (recipient_id, type) DO UPDATE SET `+pendingFromExcluded,
			recipientID, string(c.Type), brandID, string(c.RecipientType), string(c.Status), string(c.Source), consentDate, res.EventID)
		if err != nil {
			return err
		}
		if res.QuotaWaiting, err = s.deliverEvent(ctx, tx, a, brandID, res.EventID); err != nil {
			return err
		}
		var before any
		if cur != nil {
			before = map[string]any{"status": cur.Status, "consent_date": cur.ConsentDate}
		}
		return audit(ctx, tx, a, ActionConsentWrite, "consent", c.Recipient+"/"+string(c.Type), before, c)
	})
	if errors.Is(err, errSkip) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	row, err := s.Recipient(ctx, recipientID, nil)
	if err != nil {
		return nil, err
	}
	res.Row = row
	return res, nil
}

// pendingFromExcluded makes a consent's pending change the inserted row's
// (ON CONFLICT DO UPDATE): the new change supersedes any earlier pending
// one and any refusal; what İYS holds stays.
const pendingFromExcluded = `pending_event_id = EXCLUDED.pending_event_id, pending_status = EXCLUDED.pending_status,
	pending_source = EXCLUDED.pending_source, pending_consent_date = EXCLUDED.pending_consent_date,
	pending_since = EXCLUDED.pending_since, refused_event_id = NULL, refused_code = NULL, refused_at = NULL,
	last_event_id = EXCLUDED.last_event_id, updated_at = now()`

// Event is one entry of a recipient's consent history.
type Event struct {
	ID            int64      `json:"id"`
	Recipient     string     `json:"recipient"`
	RecipientType string     `json:"recipient_type"`
	Type          string     `json:"type"`
	Status        string     `json:"status"`
	Source        string     `json:"source"`
	ConsentDate   *time.Time `json:"consent_date"`
	Origin        string     `json:"origin"`
	Actor         string     `json:"actor"`
	IYSState      SyncState  `json:"iys_state"`
	IYSCode       string     `json:"iys_code,omitempty"`
	IYSMessage    string     `json:"iys_message,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

const eventColumns = `e.id, r.recipient, r.recipient_type, e.type, e.status, e.source, e.consent_date,
	e.origin, e.actor, e.iys_state, COALESCE(e.iys_code, ''), COALESCE(e.iys_message, ''), e.created_at`

func scanEvent(r pgx.CollectableRow) (Event, error) {
	var e Event
	err := r.Scan(&e.ID, &e.Recipient, &e.RecipientType, &e.Type, &e.Status, &e.Source, &e.ConsentDate,
		&e.Origin, &e.Actor, &e.IYSState, &e.IYSCode, &e.IYSMessage, &e.CreatedAt)
	return e, err
}

// History returns every event of a recipient of a brand, across channels
// and recipient types, newest first.
func (s *Store) History(ctx context.Context, brandID int64, recipient string) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+`
		FROM recipients r JOIN consent_events e ON e.recipient_id = r.id
		WHERE r.brand_id = $1 AND r.recipient = $2
		ORDER BY e.id DESC`, brandID, recipient)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEvent)
}

// The kinds of BrandStat: what İYS holds, and what is on its way.
const (
	StatIYS     = "iys"
	StatPending = "pending"
)

// BrandStat counts a brand's consents on one channel: registered at İYS
// (Kind StatIYS) or on their way (StatPending), by status.
type BrandStat struct {
	BrandID       int64  `json:"brand_id"`
	Type          string `json:"type"`
	RecipientType string `json:"recipient_type"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	N             int64  `json:"n"`
}

// BrandStats returns the counters of the brands (nil: all), kept by the
// database on every change, so that they cost nothing at any size.
func (s *Store) BrandStats(ctx context.Context, brandIDs []int64) ([]BrandStat, error) {
	rows, err := s.pool.Query(ctx, `SELECT brand_id, type, recipient_type, kind, status, n FROM brand_stats
		WHERE ($1::bigint[] IS NULL OR brand_id = ANY($1)) AND n <> 0`, brandIDs)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (BrandStat, error) {
		var b BrandStat
		err := r.Scan(&b.BrandID, &b.Type, &b.RecipientType, &b.Kind, &b.Status, &b.N)
		return b, err
	})
}

// RecentEvents returns the latest consent changes in the brands (nil: all).
func (s *Store) RecentEvents(ctx context.Context, brandIDs []int64, limit int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+`
		FROM consent_events e JOIN recipients r ON r.id = e.recipient_id
		WHERE $1::bigint[] IS NULL OR e.brand_id = ANY($1)
		ORDER BY e.id DESC LIMIT $2`, brandIDs, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEvent)
}
