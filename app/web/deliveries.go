package web

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/iys"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// Gönderimler: the sync batches on their way to İYS, with their state,
// counts, retries and last error; a Yönetici puts a batch that gave up
// back in line.

func (s *Server) deliveriesPage(c *fiber.Ctx) error {
	f := store.BatchFilter{BrandIDs: s.brandScope(c, policy.DeliveryView), OpenOnly: c.Query("open") == "1"}
	f.ImportID, _ = strconv.ParseInt(c.Query("import_id"), 10, 64)
	batches, _, err := s.deps.Store.Batches(c.UserContext(), f, store.Page{Limit: 200})
	if err != nil {
		return err
	}
	stale, err := s.deps.Store.StalePulls(c.UserContext(), f.BrandIDs, 6*24*time.Hour)
	if err != nil {
		return err
	}
	retry, _ := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.DeliveryRetry)
	canRetry := map[int64]bool{}
	for _, b := range batches {
		canRetry[b.ID] = s.deps.Policy.IsAdmin(currentUser(c).ID) || containsID(retry, b.BrandID)
	}
	data := map[string]any{"Batches": batches, "CanRetry": canRetry, "Stale": stale, "Open": f.OpenOnly, "ImportID": f.ImportID}
	if c.Get("HX-Request") == "true" && c.Get("HX-Target") == "batches" {
		return s.render(c, fiber.StatusOK, "deliveries", "Gönderimler", data, "batch_rows")
	}
	return s.render(c, fiber.StatusOK, "deliveries", "Gönderimler", data)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// apiDeliveries lists the batches of the user's brands, newest first:
// ?open=true only those not yet done, ?import_id= those of one import.
func (s *Server) apiDeliveries(c *fiber.Ctx) error {
	f := store.BatchFilter{BrandIDs: s.brandScope(c, policy.DeliveryView)}
	var p validate.Problems
	if v := c.Query("open"); v != "" {
		open, err := strconv.ParseBool(v)
		if err != nil {
			p.Add("open", "INVALID", "open true ya da false olmalı.")
		}
		f.OpenOnly = open
	}
	if v := c.Query("import_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			p.Add("import_id", "INVALID", "import_id bir içe aktarımın numarası (pozitif tam sayı) olmalı.")
		}
		f.ImportID = id
	}
	if len(p) > 0 {
		return p
	}
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	batches, next, err := s.deps.Store.Batches(c.UserContext(), f, page)
	if err != nil {
		return err
	}
	return list(c, "deliveries", batches, next)
}

func (s *Server) retryBatch(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	b, err := s.deps.Store.Batch(c.UserContext(), int64(id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.deps.Policy.Can(currentUser(c).ID, b.BrandID, policy.DeliveryRetry)) {
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Gönderim bulunamadı.")
	}
	if err != nil {
		return err
	}
	if err := s.deps.Store.RetryBatch(c.UserContext(), actor(c), b.ID); errors.Is(err, store.ErrNotFound) {
		return s.fail(c, fiber.StatusConflict, "NOT_FAILED", "Yalnızca vazgeçilmiş (hata) gönderimler yeniden denenebilir.")
	} else if err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.saved(c, "/deliveries", "Gönderim yeniden sıraya alındı.")
}

// iysHint is the Turkish "what to fix" of an İYS error code.
func iysHint(code string) string {
	_, hint := iys.Describe(code)
	return hint
}
