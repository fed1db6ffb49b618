package web

import (
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/app/validate"
)

const auditPageSize = 50

func (s *Server) auditPage(c *fiber.Ctx) error {
	f := store.AuditFilter{Limit: auditPageSize}
	var err error
	if f.Action, err = validate.Query("action", "İşlem", c.Query("action"), validate.MaxName); err != nil {
		return err
	}
	if f.Actor, err = validate.Query("actor", "Kullanıcı", c.Query("actor"), validate.MaxEmail); err != nil {
		return err
	}
	f.BeforeID, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	entries, err := s.deps.Store.ListAudit(c.UserContext(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(entries) == auditPageSize {
		q := url.Values{"action": {f.Action}, "actor": {f.Actor}, "before": {itoa(entries[len(entries)-1].ID)}}
		next = "/audit?" + q.Encode()
	}
	actions := slices.Sorted(maps.Keys(actionLabels))
	return s.render(c, fiber.StatusOK, "audit", "Denetim Kaydı", map[string]any{
		"Entries": entries, "Filter": f, "Next": next, "Actions": actions,
	})
}
