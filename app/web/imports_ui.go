package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/policy"
)

// importsPage is İçe Aktarımlar: the upload form and the user's imports
// (all of them for Admin).
func (s *Server) importsPage(c *fiber.Ctx) error { return s.renderImports(c, fiber.StatusOK, "") }

// renderImports writes İçe Aktarımlar with an upload's refusal, if any.
func (s *Server) renderImports(c *fiber.Ctx, status int, uploadError string) error {
	u := currentUser(c)
	list, _, err := s.deps.Store.ListImports(c.UserContext(), s.importScope(c), store.Page{Limit: 100})
	if err != nil {
		return err
	}
	return s.render(c, status, "imports", "İçe Aktarımlar", map[string]any{
		"Imports": list, "CanUpload": s.deps.Policy.CanAny(u.ID, policy.ImportsUpload), "Error": uploadError,
	})
}

// importScope is the imports the user may see: those of the brands where
// they hold the view permission, and their own that have no brand yet.
func (s *Server) importScope(c *fiber.Ctx) store.ImportScope {
	u := currentUser(c)
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.ImportsView)
	return store.ImportScope{All: all, UserID: u.ID, BrandIDs: ids}
}

// uploadImport is the form's upload: the file goes to PostgreSQL and the
// user goes to the import's page at once.
func (s *Server) uploadImport(c *fiber.Ctx) error {
	im, err := s.storeUpload(c)
	if we := asError(err); we != nil && we.Status < 500 {
		// The refusal is shown above the form, with its status.
		return s.renderImports(c, we.Status, we.Message)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/imports/"+itoa(im.ID), fiber.StatusSeeOther)
}

// importPage shows an import: live progress while it works (htmx polls
// the status box), then the preview.
func (s *Server) importPage(c *fiber.Ctx) error {
	im, brands, err := s.importFor(c, importRead)
	if err != nil {
		return err
	}
	return s.renderImport(c, fiber.StatusOK, im, brands, "")
}

// importPageData is what the import page shows.
type importPageData struct {
	Import    *store.Import
	Filter    string
	CanSend   bool
	Error     string // an action's refusal
	Rows      []store.ImportRow
	Next      int             // the cursor of the next page of rows (0: none)
	Corrected int             // consents with a warning: a value corrected or a default applied
	Delivery  *store.Delivery // once sent
}

// renderImport writes an import's page with an action's refusal, if any.
func (s *Server) renderImport(c *fiber.Ctx, status int, im *store.Import, brands []store.Brand, actionError string) error {
	after, _ := strconv.Atoi(c.Query("cursor"))
	data := importPageData{Import: im, Filter: c.Query("filter", "all"), CanSend: s.mayAct(c, im, brands), Error: actionError}
	if im.Status.HasRows() {
		var err error
		if data.Rows, data.Next, err = s.deps.Store.ImportRows(c.UserContext(), im.ID, data.Filter, after, 50); err != nil {
			return err
		}
		for _, cs := range im.Summary {
			data.Corrected += cs.Warnings
		}
	}
	if im.Status.Sent() {
		d, err := s.deps.Store.ImportDelivery(c.UserContext(), im.ID)
		if err != nil {
			return err
		}
		data.Delivery = &d
	}
	if c.Get("HX-Request") == "true" && c.Get("HX-Target") == "import-status" {
		if im.Status == store.ImportPreview || im.Status == store.ImportFailed {
			// The work is over: reload the whole page for the preview.
			c.Set("HX-Refresh", "true")
		}
		return s.render(c, status, "import", "İçe Aktarım", data, "import_status")
	}
	return s.render(c, status, "import", "İçe Aktarım: "+im.Filename, data)
}

func (s *Server) approveImport(c *fiber.Ctx) error {
	im, brands, err := s.importFor(c, importAct)
	if err != nil {
		return err
	}
	_, err = s.approve(c, im, brands, c.FormValue("mode"), c.FormValue("confirmed") == "on")
	if we := asError(err); we != nil && we.Status < 500 {
		return s.renderImport(c, we.Status, im, brands, we.Message)
	}
	if err != nil {
		return err
	}
	return s.saved(c, "/imports/"+itoa(im.ID), "Liste onaylandı; izinler kaydedildi ve İYS'ye gönderilmeyi bekliyor.")
}

// errorReportsPage is Hata Bildirimleri: the rows iysgate refused across
// the user's imports, each linked to its import's error workbook, and the
// consents İYS refused with its code and what to fix.
func (s *Server) errorReportsPage(c *fiber.Ctx) error {
	reports, err := s.deps.Store.ErrorReports(c.UserContext(), s.importScope(c), 500)
	if err != nil {
		return err
	}
	refused, err := s.deps.Store.Refusals(c.UserContext(), s.brandScope(c, policy.ImportsView), 500)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "errors", "Hata Bildirimleri", map[string]any{"Reports": reports, "Refused": refused})
}
