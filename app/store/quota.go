package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Quota: a company buys İleti packages (subscriptions, approved by an
// Admin); each consent İYS accepts spends one unit. Work that will be sent
// holds its units first (quota_holds), so that two approvals racing for the
// last units cannot both win: reservations lock the company's subscriptions
// and the subscriptions' CHECK (reserved + spent <= units) refuses any
// overdraw that slipped past the code.

// Package is an İleti package of the catalogue.
type Package struct {
	ID           int64 `json:"id"`
	Units        int64 `json:"units"`
	PriceKurus   int64 `json:"price_kurus"` // KDV hariç
	ValidityDays int   `json:"validity_days"`
	Active       bool  `json:"active"`
}

// Subscription is a company's purchase of a package.
type Subscription struct {
	ID           int64              `json:"id"`
	CompanyID    int64              `json:"company_id"`
	CompanyTitle string             `json:"company_title"`
	Units        int64              `json:"units"`
	PriceKurus   int64              `json:"price_kurus"`
	KDVRate      float64            `json:"kdv_rate"`
	Status       SubscriptionStatus `json:"status"`
	RequestedBy  string             `json:"requested_by"`
	RequestedAt  time.Time          `json:"requested_at"`
	DecidedBy    string             `json:"decided_by,omitempty"`
	DecidedAt    *time.Time         `json:"decided_at,omitempty"`
	RejectReason string             `json:"reject_reason,omitempty"`
	StartsAt     *time.Time         `json:"starts_at,omitempty"`
	EndsAt       *time.Time         `json:"ends_at,omitempty"`
	Reserved     int64              `json:"reserved"`
	Spent        int64              `json:"spent"`
}

// validSubscription is the SQL condition of a subscription (alias a)
// whose units count now: active, started and not yet ended.
func validSubscription(a string) string {
	return a + ".status = '" + string(SubscriptionActive) + "' AND " + a + ".starts_at <= now() AND " + a + ".ends_at > now()"
}

// PriceWithKDV is the order amount including KDV, in kuruş.
func (s *Subscription) PriceWithKDV() int64 {
	return s.PriceKurus + int64(float64(s.PriceKurus)*s.KDVRate/100+0.5)
}

// Expired reports whether an active subscription's period is over.
func (s *Subscription) Expired(now time.Time) bool { return s.EndsAt != nil && !now.Before(*s.EndsAt) }

// Quota is a company's balance over its valid subscriptions.
type Quota struct {
	CompanyID int64 `json:"company_id"`
	Total     int64 `json:"total"`
	Spent     int64 `json:"spent"`
	Reserved  int64 `json:"reserved"`
	Remaining int64 `json:"remaining"`
	// Waiting counts consents stored while no unit was left ("kota bekliyor").
	Waiting int64 `json:"waiting"`
	// NextExpiry is the end of the soonest-ending valid subscription.
	NextExpiry *time.Time `json:"next_expiry,omitempty"`
	// StartedAt is the start of the oldest valid subscription.
	StartedAt *time.Time `json:"started_at,omitempty"`
}

// Low reports the dashboard's warning: under 10% left.
func (q Quota) Low() bool { return q.Total > 0 && q.Remaining*10 < q.Total }

// ExpiresSoon reports a valid package ending within 30 days.
func (q Quota) ExpiresSoon(now time.Time) bool {
	return q.NextExpiry != nil && q.NextExpiry.Sub(now) < 30*24*time.Hour
}

// QuotaError refuses work the company cannot afford.
type QuotaError struct{ Needed, Remaining int64 }

func (e *QuotaError) Error() string {
	return fmt.Sprintf("Bu gönderim için %s izin gerekli, kalan %s", Thousands(e.Needed), Thousands(e.Remaining))
}

// ErrUnknownPackage is returned for a purchase of a size not in the catalogue.
var ErrUnknownPackage = errors.New("bu büyüklükte bir paket yok")

// ErrNotPending is returned when a decided purchase is decided again.
var ErrNotPending = errors.New("bu talep zaten sonuçlanmış")

// Thousands formats n the Turkish way: 12.480.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Packages lists the catalogue, smallest first.
func (s *Store) Packages(ctx context.Context) ([]Package, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, units, price_kurus, validity_days, active FROM packages ORDER BY units`)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Package, error) {
		var p Package
		return p, r.Scan(&p.ID, &p.Units, &p.PriceKurus, &p.ValidityDays, &p.Active)
	})
}

// UpdatePackage changes a package's price, validity or availability (Admin).
func (s *Store) UpdatePackage(ctx context.Context, a Actor, p Package) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var before Package
		if err := tx.QueryRow(ctx, `SELECT id, units, price_kurus, validity_days, active FROM packages WHERE id = $1 FOR UPDATE`, p.ID).
			Scan(&before.ID, &before.Units, &before.PriceKurus, &before.ValidityDays, &before.Active); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE packages SET price_kurus = $2, validity_days = $3, active = $4, updated_at = now() WHERE id = $1`,
			p.ID, p.PriceKurus, p.ValidityDays, p.Active); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionPackage, "package", strconv.FormatInt(p.ID, 10), before, p)
	})
}

const subscriptionCols = `s.id, s.company_id, c.title, s.units, s.price_kurus, s.kdv_rate::float8, s.status, s.requested_by, s.requested_at,
	COALESCE(s.decided_by, ''), s.decided_at, COALESCE(s.reject_reason, ''), s.starts_at, s.ends_at, s.reserved, s.spent`

func scanSubscription(r pgx.CollectableRow) (Subscription, error) {
	var x Subscription
	err := r.Scan(&x.ID, &x.CompanyID, &x.CompanyTitle, &x.Units, &x.PriceKurus, &x.KDVRate, &x.Status, &x.RequestedBy, &x.RequestedAt,
		&x.DecidedBy, &x.DecidedAt, &x.RejectReason, &x.StartsAt, &x.EndsAt, &x.Reserved, &x.Spent)
	return x, err
}

// RequestSubscription records a Yönetici's purchase request ("Onay Bekliyor").
func (s *Store) RequestSubscription(ctx context.Context, a Actor, companyID, units int64) (*Subscription, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var rate string
		if err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'kdv_rate'`).Scan(&rate); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO subscriptions (company_id, package_id, units, price_kurus, kdv_rate, requested_by_id, requested_by)
			SELECT $1, p.id, p.units, p.price_kurus, $3::numeric, $4, $5 FROM packages p WHERE p.units = $2 AND p.active
			RETURNING id`, companyID, units, rate, nullID(a.UserID), a.Label).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrUnknownPackage
		}
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionSubscription, "subscription", strconv.FormatInt(id, 10), nil,
			map[string]any{"event": "request", "company_id": companyID, "units": units})
	})
	if err != nil {
		return nil, err
	}
	return s.Subscription(ctx, id)
}

// Subscription reads one subscription.
func (s *Store) Subscription(ctx context.Context, id int64) (*Subscription, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions s JOIN companies c ON c.id = s.company_id WHERE s.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, scanSubscription)
	if err != nil {
		return nil, mapErr(err)
	}
	return &x, nil
}

// Subscriptions lists purchases, newest first (at most 500): of the given
// companies (nil: all), optionally only those with status.
func (s *Store) Subscriptions(ctx context.Context, companyIDs []int64, status SubscriptionStatus) ([]Subscription, error) {
	list, _, err := s.SubscriptionPage(ctx, companyIDs, status, Page{Limit: 500})
	return list, err
}

// SubscriptionPage lists a page of purchases, newest first, of the given
// companies (nil: all), optionally only those with status, and returns the
// cursor of the next page (0: none).
func (s *Store) SubscriptionPage(ctx context.Context, companyIDs []int64, status SubscriptionStatus, p Page) ([]Subscription, int64, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions s JOIN companies c ON c.id = s.company_id
		WHERE ($1::bigint[] IS NULL OR s.company_id = ANY($1)) AND ($2 = '' OR s.status = $2) AND s.id < $3
		ORDER BY s.id DESC LIMIT $4`, companyIDs, string(status), p.below(), p.fetch())
	list, err := pgx.CollectRows(rows, scanSubscription)
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(x Subscription) int64 { return x.ID })
	return list, next, nil
}

// ApproveSubscription activates a pending purchase (Admin): its units are
// credited from now for the package's validity, and consents that waited
// for quota are released to sending in the same transaction.
func (s *Store) ApproveSubscription(ctx context.Context, a Actor, id int64) (*Subscription, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var companyID, units int64
		var status SubscriptionStatus
		var days int
		if err := tx.QueryRow(ctx, `SELECT s.company_id, s.units, s.status, p.validity_days FROM subscriptions s
			JOIN packages p ON p.id = s.package_id WHERE s.id = $1 FOR UPDATE OF s`, id).Scan(&companyID, &units, &status, &days); err != nil {
			return mapErr(err)
		}
		if status != SubscriptionPending {
			return ErrNotPending
		}
		if _, err := tx.Exec(ctx, `UPDATE subscriptions SET status = $4, decided_by = $2, decided_at = now(),
			starts_at = now(), ends_at = now() + make_interval(days => $3) WHERE id = $1`, id, a.Label, days, SubscriptionActive); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quota_ledger (company_id, subscription_id, kind, units, reason, actor)
			VALUES ($1, $2, 'credit', $3, 'Paket onaylandı', $4)`, companyID, id, units, a.Label); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionSubscription, "subscription", strconv.FormatInt(id, 10),
			map[string]any{"status": status}, map[string]any{"event": "approve", "status": SubscriptionActive}); err != nil {
			return err
		}
		return s.releaseWaiting(ctx, tx, a, companyID)
	})
	if err != nil {
		return nil, err
	}
	return s.Subscription(ctx, id)
}

// RejectSubscription refuses a pending purchase with a reason (Admin).
func (s *Store) RejectSubscription(ctx context.Context, a Actor, id int64, reason string) (*Subscription, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE subscriptions SET status = $4, decided_by = $2, decided_at = now(), reject_reason = $3
			WHERE id = $1 AND status = $5`, id, a.Label, reason, SubscriptionRejected, SubscriptionPending)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if _, err := s.Subscription(ctx, id); err != nil {
				return err
			}
			return ErrNotPending
		}
		return audit(ctx, tx, a, ActionSubscription, "subscription", strconv.FormatInt(id, 10),
			map[string]any{"status": SubscriptionPending}, map[string]string{"event": "reject", "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return s.Subscription(ctx, id)
}

// QuotaOf returns the balance of each company (nil: all companies that have
// ever had a subscription).
func (s *Store) QuotaOf(ctx context.Context, companyIDs []int64) ([]Quota, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id,
		       COALESCE(sum(s.units), 0), COALESCE(sum(s.spent), 0), COALESCE(sum(s.reserved), 0),
		       (SELECT count(*) FROM consent_events e JOIN brands b ON b.id = e.brand_id
		         WHERE b.company_id = c.id AND e.iys_state = `+lit(SyncQuota)+` AND e.batch_id IS NULL),
		       min(s.ends_at), min(s.starts_at)
		FROM companies c
		LEFT JOIN subscriptions s ON s.company_id = c.id AND `+validSubscription("s")+`
		WHERE ($1::bigint[] IS NULL AND EXISTS (SELECT 1 FROM subscriptions x WHERE x.company_id = c.id)) OR c.id = ANY($1)
		GROUP BY c.id ORDER BY c.id`, companyIDs)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Quota, error) {
		var q Quota
		err := r.Scan(&q.CompanyID, &q.Total, &q.Spent, &q.Reserved, &q.Waiting, &q.NextExpiry, &q.StartedAt)
		q.Remaining = q.Total - q.Spent - q.Reserved
		return q, err
	})
}

// Quota returns one company's balance.
func (s *Store) Quota(ctx context.Context, companyID int64) (Quota, error) {
	qs, err := s.QuotaOf(ctx, []int64{companyID})
	if err != nil {
		return Quota{}, err
	}
	if len(qs) == 0 {
		return Quota{}, ErrNotFound
	}
	return qs[0], nil
}

// LedgerEntry is one movement of a company's units.
type LedgerEntry struct {
	ID             int64     `json:"id"`
	CompanyID      int64     `json:"company_id"`
	CompanyTitle   string    `json:"company_title"`
	SubscriptionID int64     `json:"subscription_id"`
	Kind           string    `json:"kind"`
	Units          int64     `json:"units"`
	Reason         string    `json:"reason"`
	ImportID       *int64    `json:"import_id,omitempty"`
	EventID        *int64    `json:"event_id,omitempty"`
	BatchID        *int64    `json:"batch_id,omitempty"`
	Actor          string    `json:"actor"`
	CreatedAt      time.Time `json:"created_at"`
}

// KindLabel is the Turkish name of a ledger movement.
func (e LedgerEntry) KindLabel() string {
	switch e.Kind {
	case "credit":
		return "Yükleme"
	case "reserve":
		return "Ayrıldı"
	case "release":
		return "Serbest bırakıldı"
	case "debit":
		return "Harcandı"
	}
	return e.Kind
}

// Ledger lists a company's movements, newest first; kinds filters (nil: all).
func (s *Store) Ledger(ctx context.Context, companyIDs []int64, kinds []string, limit int) ([]LedgerEntry, error) {
	rows, _ := s.pool.Query(ctx, `SELECT l.id, l.company_id, c.title, l.subscription_id, l.kind, l.units, l.reason,
			l.import_id, l.event_id, l.batch_id, l.actor, l.created_at
		FROM quota_ledger l JOIN companies c ON c.id = l.company_id
		WHERE ($1::bigint[] IS NULL OR l.company_id = ANY($1)) AND ($2::text[] IS NULL OR l.kind = ANY($2))
		ORDER BY l.id DESC LIMIT $3`, companyIDs, kinds, limit)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (LedgerEntry, error) {
		var e LedgerEntry
		return e, r.Scan(&e.ID, &e.CompanyID, &e.CompanyTitle, &e.SubscriptionID, &e.Kind, &e.Units, &e.Reason,
			&e.ImportID, &e.EventID, &e.BatchID, &e.Actor, &e.CreatedAt)
	})
}

// holder names what holds units: an import or a single consent event.
type holder struct {
	importID, eventID *int64
	// company narrows an import's holds: an import may span companies,
	// and each pays only for its own consents (0: any).
	company int64
}

func (h holder) args() (any, any) { return h.importID, h.eventID }

// reserve holds units of a company's valid subscriptions for h, soonest
// ending first, or refuses with a QuotaError. The subscriptions are locked
// for the rest of the transaction, which serialises the company's
// reservations.
func reserve(ctx context.Context, tx pgx.Tx, a Actor, companyID, units int64, h holder, reason string) error {
	if units <= 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, units - reserved - spent FROM subscriptions s
		WHERE company_id = $1 AND `+validSubscription("s")+`
		ORDER BY ends_at, id FOR UPDATE`, companyID)
	if err != nil {
		return err
	}
	type free struct{ id, n int64 }
	subs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (free, error) {
		var f free
		return f, r.Scan(&f.id, &f.n)
	})
	if err != nil {
		return err
	}
	var total int64
	for _, f := range subs {
		total += f.n
	}
	if total < units {
		return &QuotaError{Needed: units, Remaining: total}
	}
	imp, ev := h.args()
	left := units
	for _, f := range subs {
		take := min(left, f.n)
		if take <= 0 {
			continue
		}
		left -= take
		if _, err := tx.Exec(ctx, `UPDATE subscriptions SET reserved = reserved + $2 WHERE id = $1`, f.id, take); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quota_holds (company_id, subscription_id, import_id, event_id, units) VALUES ($1, $2, $3, $4, $5)`,
			companyID, f.id, imp, ev, take); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quota_ledger (company_id, subscription_id, kind, units, reason, import_id, event_id, actor)
			VALUES ($1, $2, 'reserve', $3, $4, $5, $6, $7)`, companyID, f.id, take, reason, imp, ev, a.Label); err != nil {
			return err
		}
		if left == 0 {
			break
		}
	}
	return nil
}

// settle turns held units into spending for accepted items and frees them
// for refused ones. It is called in the transaction that records İYS's
// answers, so a crash either records both or neither.
func settle(ctx context.Context, tx pgx.Tx, h holder, accepted, refused int64, batchID int64, reason string) error {
	imp, ev := h.args()
	rows, err := tx.Query(ctx, `SELECT h.id, h.company_id, h.subscription_id, h.units FROM quota_holds h
		JOIN subscriptions s ON s.id = h.subscription_id
		WHERE (h.import_id = $1 OR h.event_id = $2) AND ($3 = 0 OR h.company_id = $3) AND h.units > 0
		ORDER BY s.ends_at, h.id FOR UPDATE OF h`, imp, ev, h.company)
	if err != nil {
		return err
	}
	type hold struct{ id, company, sub, n int64 }
	holds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hold, error) {
		var x hold
		return x, r.Scan(&x.id, &x.company, &x.sub, &x.n)
	})
	if err != nil {
		return err
	}
	for _, step := range []struct {
		kind string
		n    int64
		set  string
	}{
		{"debit", accepted, "reserved = reserved - $2, spent = spent + $2"},
		{"release", refused, "reserved = reserved - $2"},
	} {
		left := step.n
		for i := range holds {
			take := min(left, holds[i].n)
			if take <= 0 {
				continue
			}
			left -= take
			holds[i].n -= take
			if _, err := tx.Exec(ctx, `UPDATE quota_holds SET units = units - $2 WHERE id = $1`, holds[i].id, take); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE subscriptions SET `+step.set+` WHERE id = $1`, holds[i].sub, take); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO quota_ledger (company_id, subscription_id, kind, units, reason, import_id, event_id, batch_id, actor)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'İYS')`, holds[i].company, holds[i].sub, step.kind, take, reason, imp, ev, nullID(batchID)); err != nil {
				return err
			}
		}
		if left > 0 {
			// Every sent item holds a unit; a shortfall is a bug, and
			// recording it wrongly would hide it.
			return fmt.Errorf("quota: %d units to %s but none held (import %v, event %v)", left, step.kind, imp, ev)
		}
	}
	return nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
