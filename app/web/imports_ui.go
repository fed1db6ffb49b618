package web

import (
	"slices"
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
	brands, err := s.uploadBrands(c) // import_mapping.go
	if err != nil {
		return err
	}
	pending, err := s.pendingApprovals(c)
	if err != nil {
		return err
	}
	return s.render(c, status, "imports", "İçe Aktarımlar", map[string]any{
		"Imports": list, "CanUpload": s.deps.Policy.CanAny(u.ID, policy.ImportsUpload), "Error": uploadError,
		"UploadBrands": brands, "Pending": pending,
	})
}

// pendingApprovals is "Onayınızı bekleyen listeler": the imports of
// four-eyes brands in preview that the user (a Yönetici of all their
// brands, or the Admin) is the one to send; nil for the others.
func (s *Server) pendingApprovals(c *fiber.Ctx) ([]*store.Import, error) {
	u := currentUser(c)
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.BrandsSettings)
	if !all && len(ids) == 0 {
		return nil, nil
	}
	return s.deps.Store.PendingApprovals(c.UserContext(), all, ids, 50)
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
	CanSend   bool   // the user may send or discard it
	FourEyes  string // why the user may not send it (four eyes), "" when they may
	Error     string // an action's refusal
	Page      store.RowPage
	Corrected int             // consents with a warning: a value corrected or a default applied
	Delivery  *store.Delivery // once sent
	Mapping   *mappingView    // the column mapping (import_mapping.go)
	Cost      *importCost     // before sending
}

// importCost is what sending an import costs against its company's
// quota: units for "Tümünü Gönder" (All) and for "Mevcuttakileri
// Güncellemeden Gönder" (New), and the units left (Remaining, known when
// the import's brands are of one company).
type importCost struct {
	All, New  int64
	Remaining int64
	Known     bool // Remaining is known: the import's brands are of one company
}

// Short reports whether the quota left does not cover n units.
func (c *importCost) Short(n int64) bool { return c.Known && n > c.Remaining }

// renderImport writes an import's page with an action's refusal, if any.
func (s *Server) renderImport(c *fiber.Ctx, status int, im *store.Import, brands []store.Brand, actionError string) error {
	ctx := c.UserContext()
	data := importPageData{Import: im, Filter: c.Query("filter", "all"), CanSend: s.mayAct(c, im, brands), Error: actionError}
	if im.Status.HasRows() {
		after, _ := strconv.Atoi(c.Query("after", c.Query("cursor")))
		before, _ := strconv.Atoi(c.Query("before"))
		var err error
		if data.Page, err = s.deps.Store.ImportRowPage(ctx, im.ID, data.Filter, after, before, 50); err != nil {
			return err
		}
		for _, cs := range im.Summary {
			data.Corrected += cs.Warnings
		}
	}
	var err error
	if data.Mapping, err = s.mappingView(c, im, brands); err != nil {
		return err
	}
	if im.Status == store.ImportPreview {
		data.FourEyes = s.fourEyesNotice(c, brands)
		if data.Cost, err = s.importCost(c, im, brands); err != nil {
			return err
		}
	}
	if im.Status.Sent() {
		d, err := s.deps.Store.ImportDelivery(ctx, im.ID)
		if err != nil {
			return err
		}
		data.Delivery = &d
	}
	if c.Get("HX-Request") == "true" {
		switch c.Get("HX-Target") {
		case "import-page": // the file is being read: the page follows it
			return s.render(c, status, "import", "İçe Aktarım", data, "import_page")
		case "import-status":
			if im.Status == store.ImportPreview || im.Status == store.ImportFailed || im.Status == store.ImportMapping {
				// The work is over, or waits for the user: reload for the
				// preview, the reason or the mapping form.
				c.Set("HX-Refresh", "true")
			}
			return s.render(c, status, "import", "İçe Aktarım", data, "import_status")
		}
	}
	return s.render(c, status, "import", "İçe Aktarım: "+im.Filename, data)
}

// importCost is what sending im costs, from the preview's counts, against
// the quota of its one company (not Known when its brands are of
// several).
func (s *Server) importCost(c *fiber.Ctx, im *store.Import, brands []store.Brand) (*importCost, error) {
	var cost importCost
	for _, cs := range im.Summary {
		cost.New += int64(cs.New)
		cost.All += int64(cs.New + cs.Changed)
	}
	if len(brands) == 0 || slices.ContainsFunc(brands, func(b store.Brand) bool { return b.CompanyID != brands[0].CompanyID }) {
		return &cost, nil
	}
	q, err := s.deps.Store.Quota(c.UserContext(), brands[0].CompanyID)
	if err != nil {
		return nil, err
	}
	cost.Remaining, cost.Known = q.Remaining, true
	return &cost, nil
}

// fourEyesNotice is the page's word for a user whom four eyes keeps from
// sending ("" when none does).
func (s *Server) fourEyesNotice(c *fiber.Ctx, brands []store.Brand) string {
	if s.fourEyesRefusal(c, brands) == "" {
		return ""
	}
	return "Bu markada listeleri Yönetici onaylar; listeniz Yöneticinin onayını bekliyor."
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
	return s.saved(c, "/imports/"+itoa(im.ID), "Liste onaylandı; izinler kaydediliyor, bitince İYS'ye gönderilecek.")
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
