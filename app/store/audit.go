package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID       int64
	At       time.Time
	ActorID  *int64
	Actor    string
	IP       string
	Action   string
	Entity   string
	EntityID string
	Before   json.RawMessage
	After    json.RawMessage
}

// Audit actions written by the foundation; later features add their own.
const (
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionLogout       = "logout"
	ActionUserCreate   = "user_create"
	ActionUserUpdate   = "user_update"
	ActionUserDisable  = "user_disable"
	ActionUserDelete   = "user_delete"
	ActionTokenCreate  = "token_create"
	ActionTokenRevoke  = "token_revoke"
	ActionCompanyWrite = "company_write"
	ActionBrandWrite   = "brand_write"
	ActionSettingWrite = "setting_write"
	ActionConsentWrite = "consent_write"
	ActionPackage      = "package_write"
	ActionSubscription = "subscription"
	ActionDelivery     = "delivery"
)

// audit appends an entry inside tx.
func audit(ctx context.Context, tx pgx.Tx, a Actor, action, entity, entityID string, before, after any) error {
	var actorID *int64
	if a.UserID != 0 {
		actorID = &a.UserID
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor, ip, action, entity, entity_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		actorID, a.Label, a.IP, action, entity, entityID, jsonOrNil(before), jsonOrNil(after))
	return err
}

func jsonOrNil(v any) []byte {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// Audit appends an entry on its own (for events that change nothing else,
// such as a failed login).
func (s *Store) Audit(ctx context.Context, a Actor, action, entity, entityID string, before, after any) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, a, action, entity, entityID, before, after)
	})
}

// AuditFilter selects audit entries, newest first, by keyset.
type AuditFilter struct {
	Action   string
	Actor    string // substring of the actor label
	BeforeID int64  // keyset cursor: entries with a smaller id
	Limit    int
}

// ListAudit returns entries matching f, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor_id, actor, ip, action, entity, entity_id, before, after
		FROM audit_log
		WHERE ($1 = '' OR action = $1)
		  AND ($2 = '' OR actor ILIKE '%' || $2 || '%')
		  AND ($3 = 0 OR id < $3)
		ORDER BY id DESC LIMIT $4`, f.Action, f.Actor, f.BeforeID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.IP, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After)
		return e, err
	})
}
