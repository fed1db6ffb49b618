package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Webhooks: a brand's endpoints and the outbox of deliveries to them. The
// outbox is filled by the triggers of migrations/00019_webhooks.sql in the
// transaction of each change; the delivery job (jobs/webhooks.go) reads it
// here, endpoint by endpoint, and records every attempt.

// ActionWebhook is the audit action of endpoint changes, resends and
// iysgate turning a failing endpoint off.
const ActionWebhook = "webhook"

// Webhook is an endpoint as its pages and the API show it (never its key).
type Webhook struct {
	ID          int64    `json:"id"`
	BrandID     int64    `json:"brand_id"`
	BrandName   string   `json:"brand_name"`
	BrandCode   string   `json:"brand_code"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	Enabled     bool     `json:"enabled"`
	// DisabledReason says why iysgate turned it off (empty when a person
	// did, or while it is on).
	DisabledReason string     `json:"disabled_reason,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	// FailingSince is the first failure since the last success.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	Pending      int64      `json:"pending"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// WebhookInput is what creating or editing an endpoint sets (checked by
// the caller: the URL by the guard, the events against webhook.Types).
type WebhookInput struct {
	BrandID     int64 // on create only: an endpoint stays with its brand
	URL         string
	Description string
	Events      []string
	Enabled     bool
}

const webhookCols = `w.id, w.brand_id, b.name, COALESCE(b.brand_code, ''), w.url, w.description, w.events, w.enabled,
	COALESCE(w.disabled_reason, ''), w.disabled_at, w.failing_since,
	(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.state = 'pending'),
	w.created_by, w.created_at, w.updated_at`

func scanWebhook(r pgx.CollectableRow) (Webhook, error) {
	var w Webhook
	err := r.Scan(&w.ID, &w.BrandID, &w.BrandName, &w.BrandCode, &w.URL, &w.Description, &w.Events, &w.Enabled,
		&w.DisabledReason, &w.DisabledAt, &w.FailingSince, &w.Pending, &w.CreatedBy, &w.CreatedAt, &w.UpdatedAt)
	return w, err
}

// webhookAudit is what the audit log keeps of an endpoint (not its key).
func webhookAudit(in WebhookInput) map[string]any {
	return map[string]any{"url": in.URL, "description": in.Description, "events": in.Events, "enabled": in.Enabled}
}

// CreateWebhook registers an endpoint with its signing key.
func (s *Store) CreateWebhook(ctx context.Context, a Actor, in WebhookInput, key []byte) (*Webhook, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (brand_id, url, description, events, secret, enabled, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			in.BrandID, in.URL, in.Description, in.Events, key, in.Enabled, a.Label).Scan(&id); err != nil {
			return mapErr(err)
		}
		after := webhookAudit(in)
		after["brand_id"] = in.BrandID
		return audit(ctx, tx, a, ActionWebhook, "webhook", strconv.FormatInt(id, 10), nil, after)
	})
	if err != nil {
		return nil, err
	}
	return s.Webhook(ctx, id)
}

// Webhook reads one endpoint.
func (s *Store) Webhook(ctx context.Context, id int64) (*Webhook, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints w JOIN brands b ON b.id = w.brand_id WHERE w.id = $1`, id)
	w, err := pgx.CollectExactlyOneRow(rows, scanWebhook)
	if err != nil {
		return nil, mapErr(err)
	}
	return &w, nil
}

// Webhooks lists the endpoints of the brands (nil: all), newest first, a
// page after the cursor (an id; 0: the first page); next is the cursor of
// the next page (0: none).
func (s *Store) Webhooks(ctx context.Context, brandIDs []int64, after int64, limit int) (list []Webhook, next int64, err error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints w JOIN brands b ON b.id = w.brand_id
		WHERE ($1::bigint[] IS NULL OR w.brand_id = ANY($1)) AND ($2 = 0 OR w.id < $2)
		ORDER BY w.id DESC LIMIT $3`, brandIDs, after, limit+1)
	list, err = pgx.CollectRows(rows, scanWebhook)
	if err != nil {
		return nil, 0, err
	}
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].ID
	}
	return list, next, nil
}

// UpdateWebhook changes an endpoint's URL, description, events and switch.
// Turning a disabled endpoint on starts it afresh: its notice goes, and
// what was waiting is sent again from where it stopped.
func (s *Store) UpdateWebhook(ctx context.Context, a Actor, id int64, in WebhookInput) (*Webhook, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var before WebhookInput
		if err := tx.QueryRow(ctx, `SELECT url, description, events, enabled FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, id).
			Scan(&before.URL, &before.Description, &before.Events, &before.Enabled); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET url = $2, description = $3, events = $4, enabled = $5, updated_at = now(),
				disabled_reason = CASE WHEN $5 THEN NULL ELSE disabled_reason END,
				disabled_at = CASE WHEN $5 THEN NULL ELSE disabled_at END,
				failing_since = CASE WHEN $5 AND NOT enabled THEN NULL ELSE failing_since END,
				failures = CASE WHEN $5 AND NOT enabled THEN 0 ELSE failures END,
				paused_until = CASE WHEN $5 AND NOT enabled THEN NULL ELSE paused_until END
			WHERE id = $1`, id, in.URL, in.Description, in.Events, in.Enabled); err != nil {
			return err
		}
		if in.Enabled && !before.Enabled {
			if err := notifyWebhooks(ctx, tx); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, ActionWebhook, "webhook", strconv.FormatInt(id, 10), webhookAudit(before), webhookAudit(in))
	})
	if err != nil {
		return nil, err
	}
	return s.Webhook(ctx, id)
}

// DeleteWebhook removes an endpoint and its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, a Actor, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var before WebhookInput
		if err := tx.QueryRow(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING url, description, events, enabled`, id).
			Scan(&before.URL, &before.Description, &before.Events, &before.Enabled); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = $1`, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionWebhook, "webhook", strconv.FormatInt(id, 10), webhookAudit(before), map[string]string{"event": "delete"})
	})
}

// notifyWebhooks wakes the delivery job's kicker on every node (at commit).
func notifyWebhooks(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify('iysgate_webhooks', '')`)
	return err
}

// WebhookDelivery is one line of an endpoint's delivery log.
type WebhookDelivery struct {
	ID        int64 `json:"id"`
	WebhookID int64 `json:"webhook_id"`
	// MessageID is the webhook-id header (webhook.MessageID, set by the
	// caller: the store does not know the format).
	MessageID string `json:"message_id"`
	Type      string `json:"type"`
	// Subject is what the event is about, for the log page: a recipient
	// and channel, an import's file, a company.
	Subject       string     `json:"subject"`
	State         HookState  `json:"state"`
	Attempts      int        `json:"attempts"`
	ResponseCode  *int       `json:"response_code,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"` // pending only
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

// HookFilter selects an endpoint's deliveries.
type HookFilter struct {
	State HookState // "": every state
	After int64     // cursor (an id from the previous page)
	Limit int
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, with
// the cursor of the next page (0: none).
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID int64, f HookFilter) ([]WebhookDelivery, int64, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, _ := s.pool.Query(ctx, `SELECT d.id, d.endpoint_id, d.type,
			CASE WHEN d.event_id IS NOT NULL THEN concat_ws(' · ', r.recipient, e.type, e.status)
			     WHEN d.type LIKE 'import.%' THEN concat_ws(' · ', '#' || (d.data->>'import_id'), d.data->>'filename', d.data->>'status')
			     ELSE concat_ws(' · ', d.data->'company'->>'title', 'kalan ' || (d.data->>'remaining')) END,
			d.state, d.attempts, d.response_code, COALESCE(d.last_error, ''), d.created_at, d.last_attempt_at,
			CASE WHEN d.state = 'pending' THEN d.next_attempt_at END, d.delivered_at
		FROM webhook_deliveries d
		LEFT JOIN consent_events e ON e.id = d.event_id LEFT JOIN recipients r ON r.id = e.recipient_id
		WHERE d.endpoint_id = $1 AND ($2 = '' OR d.state = $2) AND ($3 = 0 OR d.id < $3)
		ORDER BY d.id DESC LIMIT $4`, endpointID, string(f.State), f.After, f.Limit+1)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WebhookDelivery, error) {
		var d WebhookDelivery
		return d, r.Scan(&d.ID, &d.WebhookID, &d.Type, &d.Subject, &d.State, &d.Attempts, &d.ResponseCode, &d.LastError,
			&d.CreatedAt, &d.LastAttemptAt, &d.NextAttemptAt, &d.DeliveredAt)
	})
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(list) > f.Limit {
		list = list[:f.Limit]
		next = list[f.Limit-1].ID
	}
	return list, next, nil
}

// ResendWebhookDelivery puts a delivery back in line, to go out now
// ("Yeniden gönder"), with the same webhook-id: a receiver that already
// has it can drop it.
func (s *Store) ResendWebhookDelivery(ctx context.Context, a Actor, endpointID, deliveryID int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var was HookState
		if err := tx.QueryRow(ctx, `SELECT state FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2 FOR UPDATE`,
			endpointID, deliveryID).Scan(&was); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now(), first_failed_at = NULL
			WHERE endpoint_id = $1 AND id = $2`, endpointID, deliveryID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET paused_until = NULL WHERE id = $1`, endpointID); err != nil {
			return err
		}
		if err := notifyWebhooks(ctx, tx); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionWebhook, "webhook_delivery", strconv.FormatInt(deliveryID, 10),
			map[string]any{"state": was}, map[string]any{"event": "resend", "webhook_id": endpointID})
	})
}

// The delivery job's side.

// HookTarget is what the delivery job needs of an endpoint.
type HookTarget struct {
	ID          int64
	URL         string
	Key         []byte
	Enabled     bool
	PausedUntil *time.Time
	Failures    int // consecutive failed rounds
}

// WebhookTarget reads an endpoint for the delivery job.
func (s *Store) WebhookTarget(ctx context.Context, id int64) (*HookTarget, error) {
	var t HookTarget
	err := s.pool.QueryRow(ctx, `SELECT id, url, secret, enabled, paused_until, failures FROM webhook_endpoints WHERE id = $1`, id).
		Scan(&t.ID, &t.URL, &t.Key, &t.Enabled, &t.PausedUntil, &t.Failures)
	if err != nil {
		return nil, mapErr(err)
	}
	return &t, nil
}

// OutgoingHook is a pending delivery with its payload's data.
type OutgoingHook struct {
	ID        int64
	Type      string
	OrderKey  string
	CreatedAt time.Time
	Attempts  int  // made so far
	Ready     bool // its (next) attempt is due
	Data      json.RawMessage
}

// consentData is the data of consent.changed and consent.refused, read
// when it is sent from the event (e), its recipient (r) and brand (b): a
// movement's facts do not change after it is recorded. origin tells the
// citizen's own change at İYS (a pulled change with an IYS_ source) from
// one made through another provider (iys_pull).
const consentData = `jsonb_build_object(
	'brand_code', b.brand_code,
	'event_id', e.id,
	'recipient', r.recipient,
	'recipient_type', r.recipient_type,
	'type', e.type,
	'status', e.status,
	'source', e.source,
	'consent_date', e.consent_date,
	'origin', CASE WHEN e.origin <> 'iys' THEN e.origin WHEN e.source LIKE 'IYS\_%' THEN 'iys_citizen' ELSE 'iys_pull' END,
	'import_id', e.import_id,
	'actor', e.actor,
	'recorded_at', e.created_at)`

// ============================================================================
// refusalData is what consent.refused adds to consentData: İYS's code and
// message. THE ONE PLACE in Go that reads a refusal (with the function
// webhook_consent_refused of migrations/00019). On this schema the refusal
// is on the event (iys_code, iys_message of an event in state SyncRefused);
// when consents carry it (refused_code, refused_at), this moves there.
const refusalData = `jsonb_build_object('iys_code', e.iys_code, 'iys_message', e.iys_message)`

// ============================================================================

// PendingWebhookDeliveries returns an endpoint's first pending deliveries
// in order (at most limit), due or not, with their data.
func (s *Store) PendingWebhookDeliveries(ctx context.Context, endpointID int64, limit int) ([]OutgoingHook, error) {
	rows, _ := s.pool.Query(ctx, `SELECT d.id, d.type, d.order_key, d.created_at, d.attempts, d.next_attempt_at <= now(),
			COALESCE(d.data, `+consentData+` || CASE WHEN d.type = 'consent.refused' THEN `+refusalData+` ELSE '{}' END)
		FROM (SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'pending' ORDER BY id LIMIT $2) d
		LEFT JOIN consent_events e ON e.id = d.event_id
		LEFT JOIN recipients r ON r.id = e.recipient_id
		LEFT JOIN brands b ON b.id = e.brand_id
		ORDER BY d.id`, endpointID, limit)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutgoingHook, error) {
		var h OutgoingHook
		var data []byte
		err := r.Scan(&h.ID, &h.Type, &h.OrderKey, &h.CreatedAt, &h.Attempts, &h.Ready, &data)
		h.Data = data
		return h, err
	})
}

// HookAttempt is the outcome of one attempt of a delivery.
type HookAttempt struct {
	ID    int64
	OK    bool
	Code  int    // HTTP status (0: no answer)
	Error string // why it failed
	Retry time.Time
}

// HookPolicy is how RecordWebhookAttempts treats failures.
type HookPolicy struct {
	// DisableAfter: an endpoint failing this long without a success is
	// turned off; a single delivery failing this long while others
	// succeed is given up ("failed").
	DisableAfter time.Duration
	// Pause holds the endpoint back when every attempt of a round failed:
	// it is down, and its other deliveries would fail the same way.
	Pause time.Duration
}

// disabledReason is the notice of an endpoint iysgate turned off.
func disabledReason(d time.Duration) string {
	return "Uç nokta " + durationTR(d) + " boyunca her denemede başarısız olduğu için iysgate tarafından kapatıldı. " +
		"Bu sürede gönderilemeyen olaylar bekliyor; sorunu giderip uç noktayı yeniden açtığınızda sırayla gönderilir. " +
		"Kapalıyken olan olaylar kaydedilmez."
}

// durationTR writes a duration in Turkish words ("1 gün", "3 saat", "90 saniye").
func durationTR(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " gün"
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " saat"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " dakika"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " saniye"
}

// RecordWebhookAttempts stores a round of attempts of an endpoint and its
// health: a success clears the failures; a round that failed whole pauses
// the endpoint, and turns it off (with a notice and an audit entry) once it
// has failed for DisableAfter. off reports that the endpoint is now off
// (turned off here, or by a person meanwhile): the job stops.
func (s *Store) RecordWebhookAttempts(ctx context.Context, endpointID int64, atts []HookAttempt, pol HookPolicy) (off bool, err error) {
	if len(atts) == 0 {
		return false, nil
	}
	ids, oks, codes := make([]int64, len(atts)), make([]bool, len(atts)), make([]*int32, len(atts))
	errs, retries := make([]string, len(atts)), make([]time.Time, len(atts))
	anyOK := false
	for i, a := range atts {
		ids[i], oks[i], errs[i], retries[i] = a.ID, a.OK, a.Error, a.Retry
		if a.Code != 0 {
			c := int32(a.Code)
			codes[i] = &c
		}
		anyOK = anyOK || a.OK
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var enabled bool
		var failingSince *time.Time
		if err := tx.QueryRow(ctx, `SELECT enabled, failing_since FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, endpointID).
			Scan(&enabled, &failingSince); err != nil {
			return mapErr(err)
		}
		// A single delivery is given up only while the endpoint works
		// otherwise (anyOK): when it is down, everything waits for it.
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(), response_code = o.code,
				state = CASE WHEN o.ok THEN 'delivered'
				             WHEN $7 AND d.first_failed_at <= now() - $8::interval THEN 'failed' ELSE 'pending' END,
				delivered_at = CASE WHEN o.ok THEN now() END,
				last_error = CASE WHEN o.ok THEN d.last_error ELSE o.err END, -- kept: why it took several attempts
				first_failed_at = CASE WHEN o.ok THEN NULL ELSE COALESCE(d.first_failed_at, now()) END,
				next_attempt_at = CASE WHEN o.ok THEN d.next_attempt_at ELSE o.retry END
			FROM unnest($2::bigint[], $3::bool[], $4::int[], $5::text[], $6::timestamptz[]) AS o(id, ok, code, err, retry)
			WHERE d.endpoint_id = $1 AND d.id = o.id AND d.state = 'pending'`,
			endpointID, ids, oks, codes, errs, retries, anyOK, pol.DisableAfter); err != nil {
			return err
		}
		off = !enabled
		if anyOK {
			_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL, failures = 0, paused_until = NULL WHERE id = $1`, endpointID)
			return err
		}
		var disable bool
		if err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()), failures = failures + 1,
				paused_until = now() + $2::interval
			WHERE id = $1 RETURNING enabled AND failing_since <= now() - $3::interval`, endpointID, pol.Pause, pol.DisableAfter).Scan(&disable); err != nil {
			return err
		}
		if !disable {
			return nil
		}
		off = true
		reason := disabledReason(pol.DisableAfter)
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
			WHERE id = $1`, endpointID, reason); err != nil {
			return err
		}
		return audit(ctx, tx, System, ActionWebhook, "webhook", strconv.FormatInt(endpointID, 10),
			map[string]any{"enabled": true, "failing_since": failingSince},
			map[string]any{"event": "disable", "enabled": false, "reason": reason, "last_error": atts[len(atts)-1].Error})
	})
	return off, err
}

// ReadyWebhookEndpoints lists the enabled, unpaused endpoints with a
// delivery due, for the kicker that enqueues their jobs.
func (s *Store) ReadyWebhookEndpoints(ctx context.Context) ([]int64, error) {
	rows, _ := s.pool.Query(ctx, `SELECT w.id FROM webhook_endpoints w
		WHERE w.enabled AND (w.paused_until IS NULL OR w.paused_until <= now())
		  AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.state = 'pending' AND d.next_attempt_at <= now())
		ORDER BY w.id`)
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
