package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reports (Raporlar, and Gösterge's trend) count what happened to a set of
// brands' consents over a period, in the database, in one pass over the
// period's events per brand. An event belongs to the period in which
// iysgate recorded it (created_at), not to its consent date: a RET that a
// citizen made at İYS counts when it was pulled back.
//
// How an event is classified is decided here and nowhere else, so that a
// change of İYS's states is made in these lines. As everywhere, the
// figures are what İYS holds, and the rest is counted apart:
//   - registered: İYS accepted it, or it was pulled from İYS;
//   - refused: İYS refused it; it changed nothing at İYS and counts only
//     under its refusal code;
//   - any other is pending: on its way to İYS (queued, sent, or waiting
//     for quota).
//
// A registered event is the citizen's own when it was pulled from İYS,
// else the agency's (by hand or an import).
const (
	eventRegistered = "e.iys_state = '" + string(SyncRegistered) + "'"
	eventRefused    = "e.iys_state = '" + string(SyncRefused) + "'"
	eventCitizen    = "e.origin = '" + OriginIYS + "'"
)

// The queries take the period [$1, $2) and, in {scope}, the condition on
// brands of ReportFilter.scope. Each brand's events are read on its own
// index range (LATERAL over the brands).
const (
	// reportEventsQuery counts the events per brand, channel, status,
	// class (registered, refused or pending), who made them and İYS's
	// refusal code.
	reportEventsQuery = `SELECT b.id, t.type, t.status, t.class, t.citizen, t.code, t.n
		FROM (SELECT id FROM brands WHERE {scope}) b CROSS JOIN LATERAL (
			SELECT e.type, e.status,
				CASE WHEN ` + eventRegistered + ` THEN 'registered' WHEN ` + eventRefused + ` THEN 'refused' ELSE 'pending' END AS class,
				` + eventCitizen + ` AS citizen,
				CASE WHEN ` + eventRefused + ` THEN COALESCE(e.iys_code, '') ELSE '' END AS code, count(*) AS n
			FROM consent_events e
			WHERE e.brand_id = b.id AND e.created_at >= $1 AND e.created_at < $2
			GROUP BY 1, 2, 3, 4, 5) t
		ORDER BY 1, 2, 6`

	// reportSpentQuery sums the quota debits per brand: a debit names the
	// batch whose accepted items it pays for, and a batch is one brand's.
	reportSpentQuery = `SELECT x.brand_id, sum(l.units)
		FROM quota_ledger l JOIN sync_batches x ON x.id = l.batch_id
		WHERE l.kind = 'debit' AND l.created_at >= $1 AND l.created_at < $2
		  AND l.company_id IN (SELECT company_id FROM brands WHERE {scope})
		  AND x.brand_id IN (SELECT id FROM brands WHERE {scope})
		GROUP BY 1 ORDER BY 1`

	// dailyConsentsQuery counts the registered ONAYs and RETs per day in
	// Istanbul.
	dailyConsentsQuery = `SELECT t.day, sum(t.onay)::bigint, sum(t.ret)::bigint
		FROM (SELECT id FROM brands WHERE {scope}) b CROSS JOIN LATERAL (
			SELECT (e.created_at AT TIME ZONE 'Europe/Istanbul')::date AS day,
				count(*) FILTER (WHERE e.status = 'ONAY') AS onay, count(*) FILTER (WHERE e.status = 'RET') AS ret
			FROM consent_events e
			WHERE e.brand_id = b.id AND e.created_at >= $1 AND e.created_at < $2 AND ` + eventRegistered + `
			GROUP BY 1) t
		GROUP BY 1 ORDER BY 1`
)

// ReportFilter selects the brands and the period of a report.
type ReportFilter struct {
	BrandIDs []int64 // nil: every brand
	From, To time.Time
}

// scope puts f's brands into a report query, and gives its arguments. All
// brands is a query of its own: one that tested "$3 IS NULL" would, once
// PostgreSQL plans it for any value, read every company's quota ledger.
func (f ReportFilter) scope(query string) (string, []any) {
	cond, args := "true", []any{f.From, f.To}
	if f.BrandIDs != nil {
		cond, args = "id = ANY($3)", append(args, f.BrandIDs)
	}
	return strings.ReplaceAll(query, "{scope}", cond), args
}

// ChannelFigures counts the changes of a brand's consents on one channel
// in a period: those İYS holds, and apart those on their way.
type ChannelFigures struct {
	BrandID    int64  `json:"brand_id"`
	Type       string `json:"type"`
	Onay       int64  `json:"onay"`
	RetAgency  int64  `json:"ret_agency"`  // recorded by the agency (by hand or an import)
	RetCitizen int64  `json:"ret_citizen"` // made by citizens at İYS and pulled back
	Pending    int64  `json:"pending"`     // ONAYs and RETs on their way to İYS
}

// Ret is every RET İYS holds of the channel.
func (f ChannelFigures) Ret() int64 { return f.RetAgency + f.RetCitizen }

// RefusalFigures counts a brand's changes on one channel that İYS refused
// with one code ("" when İYS gave none).
type RefusalFigures struct {
	BrandID int64  `json:"brand_id"`
	Type    string `json:"type"`
	Code    string `json:"code"`
	N       int64  `json:"n"`
}

// SpentFigures is the quota a brand's company spent on the brand's
// consents that İYS accepted.
type SpentFigures struct {
	BrandID int64 `json:"brand_id"`
	Units   int64 `json:"units"`
}

// Report holds a period's figures, ordered by brand id.
type Report struct {
	Channels []ChannelFigures `json:"channels"`
	Refusals []RefusalFigures `json:"refusals"`
	Spent    []SpentFigures   `json:"spent"`
}

// Report counts the consents added, the RETs by who made them, the
// changes on their way, İYS's refusals by code and the quota spent for the
// brands and period of f.
func (s *Store) Report(ctx context.Context, f ReportFilter) (*Report, error) {
	q, args := f.scope(reportEventsQuery)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	rep := &Report{Channels: []ChannelFigures{}, Refusals: []RefusalFigures{}, Spent: []SpentFigures{}}
	var t struct {
		brand              int64
		typ, status, class string
		citizen            bool
		code               string
		n                  int64
	}
	_, err = pgx.ForEachRow(rows, []any{&t.brand, &t.typ, &t.status, &t.class, &t.citizen, &t.code, &t.n}, func() error {
		if t.class == "refused" {
			rep.Refusals = append(rep.Refusals, RefusalFigures{BrandID: t.brand, Type: t.typ, Code: t.code, N: t.n})
			return nil
		}
		if k := len(rep.Channels) - 1; k < 0 || rep.Channels[k].BrandID != t.brand || rep.Channels[k].Type != t.typ {
			rep.Channels = append(rep.Channels, ChannelFigures{BrandID: t.brand, Type: t.typ})
		}
		ch := &rep.Channels[len(rep.Channels)-1]
		switch {
		case t.class == "pending":
			ch.Pending += t.n
		case t.status == "ONAY":
			ch.Onay += t.n
		case t.citizen:
			ch.RetCitizen += t.n
		default:
			ch.RetAgency += t.n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rep.Spent, err = s.spent(ctx, f); err != nil {
		return nil, err
	}
	return rep, nil
}

// spent sums the period's quota debits per brand.
func (s *Store) spent(ctx context.Context, f ReportFilter) ([]SpentFigures, error) {
	q, args := f.scope(reportSpentQuery)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SpentFigures, error) {
		var x SpentFigures
		return x, r.Scan(&x.BrandID, &x.Units)
	})
}

// DayFigures counts the ONAYs and RETs recorded on one day (Istanbul)
// that İYS holds.
type DayFigures struct {
	Day  time.Time `json:"day"` // midnight of the day, in UTC
	Onay int64     `json:"onay"`
	Ret  int64     `json:"ret"`
}

// DailyConsents counts the consents added per day of f's period, for the
// days that have any, in order.
func (s *Store) DailyConsents(ctx context.Context, f ReportFilter) ([]DayFigures, error) {
	q, args := f.scope(dailyConsentsQuery)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DayFigures, error) {
		var d DayFigures
		return d, r.Scan(&d.Day, &d.Onay, &d.Ret)
	})
}
