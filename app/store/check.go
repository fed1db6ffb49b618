package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"iysgate/app/consent"
)

// CheckState is what a check answers of one recipient: the state İYS
// holds (Status "" when it holds nothing), a change on its way, and İYS's
// last refusal (see ChannelState).
type CheckState struct {
	Status        string
	ConsentDate   *time.Time
	Source        string
	PendingStatus string // "" when nothing is on its way
	PendingSince  *time.Time
	RefusedCode   string // "" when İYS has not refused the last change
	RefusedAt     *time.Time
}

// Effective is the answer to "may I message this person": a RET on its
// way counts as RET at once; otherwise what İYS holds.
func (c CheckState) Effective() string {
	if c.PendingStatus == "RET" {
		return "RET"
	}
	return c.Status
}

// checkColumns are a consent's columns a check reads, as CheckState holds
// them.
const checkColumns = `c.status, c.consent_date, c.source, c.pending_status, c.pending_since, c.refused_code, c.refused_at`

// checkJoin finds the current consents of a list of normalised recipients
// ($4) of brand b for one channel ($2) and recipient type ($3): one probe
// of recipients' unique (brand_id, recipient, recipient_type) index, which
// holds the id too (index-only), and one of consents' primary key per
// recipient, in one statement. The LIMIT keeps
// the planner from flattening the probe into a join, which it would plan
// as a hash of the brand's every recipient: a cost that grows with the
// brand instead of the list (200 ms for a 100,000-recipient brand).
const checkJoin = `SELECT u.i, x.status, x.consent_date, x.source, x.pending_status, x.pending_since, x.refused_code, x.refused_at
	FROM unnest($4::text[]) WITH ORDINALITY AS u(recipient, i)
	CROSS JOIN LATERAL (SELECT ` + checkColumns + ` FROM recipients r
		JOIN consents c ON c.recipient_id = r.id AND c.type = $2
		WHERE r.brand_id = b.id AND r.recipient_type = $3 AND r.recipient = u.recipient LIMIT 1) x`

// The brand row b is selected by id or by code; the LATERAL join keeps
// the brand's row when nothing is found, so that "no such brand" and "no
// record" differ.
var (
	checkByID = `SELECT b.id, x.i, x.status, x.consent_date, x.source, x.pending_status, x.pending_since, x.refused_code, x.refused_at
	FROM brands b LEFT JOIN LATERAL (` + checkJoin + `) x ON true WHERE b.id = $1`
	checkByCode = `SELECT b.id, x.i, x.status, x.consent_date, x.source, x.pending_status, x.pending_since, x.refused_code, x.refused_at
	FROM brands b LEFT JOIN LATERAL (` + checkJoin + `) x ON true WHERE b.brand_code = $1`
)

// checkOne is checkJoin for a single recipient ($4 a text, not an array):
// the most frequent call. Its generic plan is as good as a custom one, so
// PostgreSQL stops planning it after a few calls; with an array it would
// plan each call anew (a third of a single check's time).
const checkOne = `SELECT b.id, CASE WHEN c.recipient_id IS NOT NULL THEN 1::bigint END, ` + checkColumns + `
	FROM brands b
	LEFT JOIN recipients r ON r.brand_id = b.id AND r.recipient_type = $3 AND r.recipient = $4
	LEFT JOIN consents c ON c.recipient_id = r.id AND c.type = $2`

var (
	checkOneByID   = checkOne + ` WHERE b.id = $1`
	checkOneByCode = checkOne + ` WHERE b.brand_code = $1`
)

// Check returns the stored consent of each recipient (normalised, as
// stored) of a brand on one channel, in the order given. Duplicates are
// answered each; "" entries are answered as no record.
func (s *Store) Check(ctx context.Context, brandID int64, typ, recipientType string, recipients []string) ([]CheckState, error) {
	_, states, err := s.check(ctx, [2]string{checkOneByID, checkByID}, brandID, typ, recipientType, recipients)
	return states, err
}

// CheckByCode is Check for the brand with a brand code, found in the same
// round trip (the API's single-recipient calls are latency-bound). It
// returns the brand's id, for the caller's permission check, or
// ErrNotFound when no brand has the code.
func (s *Store) CheckByCode(ctx context.Context, brandCode, typ, recipientType string, recipients []string) (int64, []CheckState, error) {
	if !consent.ValidCode(brandCode) {
		return 0, nil, ErrNotFound
	}
	if len(recipients) == 1 {
		id, st, err := s.checkOneGrouped(ctx, brandCode, typ, recipientType, recipients[0])
		if err != nil {
			return 0, nil, err
		}
		return id, []CheckState{st}, nil
	}
	return s.check(ctx, [2]string{checkOneByCode, checkByCode}, brandCode, typ, recipientType, recipients)
}

// check runs q[0] for one distinct recipient and q[1] for a list.
func (s *Store) check(ctx context.Context, q [2]string, brand any, typ, recipientType string, recipients []string) (int64, []CheckState, error) {
	// The list goes sorted and without repeats: probes in index order
	// touch the same pages one after another (a third faster at 10,000).
	order := make([]int32, len(recipients))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(recipients[a], recipients[b]) })
	distinct := make([]string, 0, len(recipients))
	slot := make([]int32, len(recipients)) // recipients[i] is distinct[slot[i]]
	for _, i := range order {
		if n := len(distinct); n == 0 || distinct[n-1] != recipients[i] {
			distinct = append(distinct, recipients[i])
		}
		slot[i] = int32(len(distinct) - 1)
	}
	found := make([]CheckState, len(distinct))
	if len(distinct) == 1 {
		id, err := s.checkPart(ctx, q[0], brand, typ, recipientType, distinct[0], found)
		return spread(id, err, found, slot)
	}
	// A long list is probed in parts at once, on as many connections: the
	// probes, not the transfer, take the time, and one statement keeps
	// one core of PostgreSQL's busy.
	parts := min(checkParts, (len(distinct)+checkPartMin-1)/checkPartMin)
	if parts <= 1 {
		id, err := s.checkPart(ctx, q[1], brand, typ, recipientType, distinct, found)
		return spread(id, err, found, slot)
	}
	ids := make([]int64, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := k*len(distinct)/parts, (k+1)*len(distinct)/parts
		wg.Go(func() {
			ids[k], errs[k] = s.checkPart(ctx, q[1], brand, typ, recipientType, distinct[lo:hi], found[lo:hi])
		})
	}
	wg.Wait()
	var err error
	for k, e := range errs {
		switch {
		case e != nil && !errors.Is(e, ErrNotFound):
			return 0, nil, e
		case e != nil || ids[k] != ids[0]: // the code moved to another brand meanwhile
			err = ErrNotFound
		}
	}
	return spread(ids[0], err, found, slot)
}

// Parts of a long check (see check).
const (
	checkParts   = 4
	checkPartMin = 2500
)

// spread gives each recipient the answer of its distinct value.
func spread(brandID int64, err error, found []CheckState, slot []int32) (int64, []CheckState, error) {
	if err != nil {
		return 0, nil, err
	}
	states := make([]CheckState, len(slot))
	for i, k := range slot {
		states[i] = found[k]
	}
	return brandID, states, nil
}

// checkPart runs query for list (a recipient, or a sorted list of
// distinct ones) and writes each one's answer in found; ErrNotFound when
// the brand does not exist.
func (s *Store) checkPart(ctx context.Context, query string, brand any, typ, recipientType string, list any, found []CheckState) (int64, error) {
	rows, err := s.pool.Query(ctx, query, brand, typ, recipientType, list)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var brandID int64
	brandFound := false
	for rows.Next() {
		var i *int64
		var st CheckState
		var status, source, pending, refused *string
		if err := rows.Scan(&brandID, &i, &status, &st.ConsentDate, &source, &pending, &st.PendingSince, &refused, &st.RefusedAt); err != nil {
			return 0, err
		}
		brandFound = true
		if i == nil {
			continue // the brand's row when nothing matched
		}
		st.Status, st.Source, st.PendingStatus, st.RefusedCode = deref(status), deref(source), deref(pending), deref(refused)
		found[*i-1] = st
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if !brandFound {
		return 0, ErrNotFound
	}
	return brandID, nil
}

// The answers of a check besides ONAY and RET.
const (
	CheckNoRecord = "YOK"      // the brand has no record of the recipient on the channel
	CheckInvalid  = "GECERSIZ" // the recipient is malformed (with the consent package's code)
)

// CodeTacirNoRecord marks a TACIR recipient without a record: İYS lets
// commercial messages reach merchants until they refuse, so the caller
// applies that rule instead of reading "no record" as "no consent".
const CodeTacirNoRecord = "TACIR_NO_RECORD"

// MessageTacirNoRecord explains CodeTacirNoRecord to the user.
const MessageTacirNoRecord = "Tacir alıcının kaydı yok: İYS'nin tacir kuralına göre, ret bildirmediği sürece ticari ileti gönderilebilir."

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
