package web

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/jobs"
	"iysgate/policy"
)

// importAccess is what a request does with an import.
type importAccess int

const (
	importRead importAccess = iota // see it, its rows and its error workbook
	importAct                      // send it or discard it
)

// importFor loads the import of :id for what the user is about to do with
// it. Access follows the import's brands (the brands its rows may be sent
// for) as the user holds them now: reading needs the view permission in
// one of them, acting needs the send permission in every one of them. An
// import with no brand yet (being read, failed, naming none of its
// uploader's brands) belongs to its uploader alone. Others get "not found",
// or, when they may read it but not act on it, the brands they lack.
func (s *Server) importFor(c *fiber.Ctx, need importAccess) (*store.Import, []store.Brand, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, nil, fiber.ErrNotFound
	}
	ctx := c.UserContext()
	im, err := s.deps.Store.Import(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	brands, err := s.deps.Store.ImportBrands(ctx, im.ID)
	if err != nil {
		return nil, nil, err
	}
	if !s.may(c, im, brands, importPerms[importRead]) {
		return nil, nil, store.ErrNotFound
	}
	if need == importAct && !s.may(c, im, brands, importPerms[importAct]) {
		var missing []string
		for _, b := range brands {
			if !s.deps.Policy.Can(currentUser(c).ID, b.ID, policy.ImportsSend) {
				missing = append(missing, b.Name)
			}
		}
		return nil, nil, &Error{Status: fiber.StatusForbidden, Code: "BRAND_FORBIDDEN",
			Message: "Bu listede yetkiniz olmayan markaların kayıtları var: " + strings.Join(missing, ", ") +
				". Listeyi bu markalarda gönderme yetkisi olan bir kullanıcı gönderebilir ya da silebilir."}
	}
	return im, brands, nil
}

// importNeed is what an access needs in an import's brands: a permission,
// in one of them or in every one.
type importNeed struct {
	perm  string
	every bool
}

var importPerms = map[importAccess]importNeed{importRead: {policy.ImportsView, false}, importAct: {policy.ImportsSend, true}}

// may is the rule of importFor: an Admin may everything; an import with no
// brand is its uploader's; otherwise the user holds the permission in
// one of the import's brands (reading) or in every one of them (acting).
func (s *Server) may(c *fiber.Ctx, im *store.Import, brands []store.Brand, need importNeed) bool {
	u := currentUser(c)
	switch {
	case s.deps.Policy.IsAdmin(u.ID):
		return true
	case len(brands) == 0:
		return im.UserID == u.ID
	}
	holds := func(b store.Brand) bool { return s.deps.Policy.Can(u.ID, b.ID, need.perm) }
	if need.every {
		return !slices.ContainsFunc(brands, func(b store.Brand) bool { return !holds(b) })
	}
	return slices.ContainsFunc(brands, holds)
}

// mayAct reports whether the user may send or discard the import (the
// page's buttons).
func (s *Server) mayAct(c *fiber.Ctx, im *store.Import, brands []store.Brand) bool {
	return s.may(c, im, brands, importPerms[importAct])
}

// apiUpload stores the uploaded file and enqueues its parsing in the same
// transaction; nothing is parsed in the request.
func (s *Server) apiUpload(c *fiber.Ctx) error {
	im, err := s.storeUpload(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": im.ID, "status": im.Status})
}

// fourEyesRefusal names the four-eyes brands of an import that the user
// may not send for ("" when none): with four eyes on, a Personel prepares
// and a Yönetici sends.
func (s *Server) fourEyesRefusal(c *fiber.Ctx, brands []store.Brand) string {
	var names []string
	for _, b := range brands {
		if b.FourEyes && !s.deps.Policy.Can(currentUser(c).ID, b.ID, policy.BrandsSettings) {
			names = append(names, b.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "Bu listedeki " + strings.Join(names, ", ") + " markası için gönderim Yönetici onayı gerektiriyor (dört göz kuralı). Listeyi markanın Yöneticisine onaylatın."
}

// noFile is the refusal of an upload without its file.
var noFile = &Error{Status: fiber.StatusUnprocessableEntity, Code: "VALIDATION", Message: "Yüklenecek bir dosya seçin.",
	Fields: []fieldError{{Field: "file", Code: "REQUIRED", Message: "Bir dosya seçin (.xlsx ya da .csv; multipart alan adı: file)."}}}

// storeUpload reads the request's file within the upload limit and stores
// it with its parse job, in one transaction. A brand_code field names the
// brand the list is for; the file counts against that brand's company's
// file budget, or the uploader's first company's.
func (s *Server) storeUpload(c *fiber.Ctx) (*store.Import, error) {
	up, ok, err := s.receiveFile(c)
	if up != nil {
		defer up.close()
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, noFile
	}
	ctx := c.UserContext()
	u := currentUser(c)
	var brandID, companyID *int64
	if code := strings.TrimSpace(up.field("brand_code")); code != "" {
		b, err := s.brandByCode(c, code, policy.ImportsUpload)
		if err != nil {
			return nil, err
		}
		brandID, companyID = &b.ID, &b.CompanyID
	} else if ids, all := s.deps.Policy.BrandsWith(u.ID, policy.ImportsUpload); !all && len(ids) > 0 {
		brands, err := s.deps.Store.ListBrands(ctx, ids)
		if err != nil {
			return nil, err
		}
		if len(brands) > 0 {
			first := slices.MinFunc(brands, func(a, b store.Brand) int { return cmp.Compare(a.CompanyID, b.CompanyID) })
			companyID = &first.CompanyID
		}
	}
	in := store.Upload{Filename: up.filename, Size: up.size, CompanyID: companyID, Budget: s.deps.Config.MaxStoredBytes}
	return s.deps.Store.CreateImport(ctx, actor(c), brandID, in, up.file, func(tx pgx.Tx, id int64) error {
		_, err := s.deps.River.InsertTx(ctx, tx, jobs.ParseImportArgs{ImportID: id}, nil)
		return err
	})
}

// importJSON is the API's view of an import.
func importJSON(im *store.Import) fiber.Map {
	var e any
	if im.ErrorCode != "" {
		e = fiber.Map{"code": im.ErrorCode, "message": im.ErrorMessage}
	}
	return fiber.Map{"id": im.ID, "filename": im.Filename, "status": im.Status,
		"progress": fiber.Map{"rows_done": im.RowsDone, "rows_total": im.RowsTotal},
		"approval": fiber.Map{"items_done": im.ApproveDone, "items_total": im.ApproveTotal},
		"summary":  im.Summary, "rows_without_consent": im.RowsWithoutConsent, "error": e, "mode": im.Mode, "approved_by": im.ApprovedBy,
		"created_at": im.CreatedAt, "actor": im.Actor}
}

func (s *Server) apiImport(c *fiber.Ctx) error {
	im, brands, err := s.importFor(c, importRead)
	if err != nil {
		return err
	}
	out := importJSON(im)
	if err := s.addMappingJSON(c, im, brands, out); err != nil { // import_mapping.go
		return err
	}
	if im.Status == store.ImportApproved || im.Status == "sending" || im.Status == "done" {
		d, err := s.deps.Store.ImportDelivery(c.UserContext(), im.ID)
		if err != nil {
			return err
		}
		out["delivery"] = d
		if d.Pending == 0 {
			out["status"] = "done" // every item final (the sweep stores it)
		}
	}
	return c.JSON(out)
}

// apiImports lists the imports the user may see (see importScope), newest
// first.
func (s *Server) apiImports(c *fiber.Ctx) error {
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	imports, next, err := s.deps.Store.ListImports(c.UserContext(), s.importScope(c), page)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(imports))
	for i, im := range imports {
		out[i] = importJSON(im)
	}
	return list(c, "imports", out, next)
}

// importRowFilters are the filters of an import's rows, as the preview's
// tabs and ?filter= name them.
var importRowFilters = []string{"all", "errors", "warnings", "new", "unchanged"}

// maxRowPage is the largest page of an import's rows.
const maxRowPage = 1000

// apiImportRows pages an import's rows in row order. The cursor is ?after=,
// like every list's; ?cursor=, its first name, is still read.
func (s *Server) apiImportRows(c *fiber.Ctx) error {
	im, _, err := s.importFor(c, importRead)
	if err != nil {
		return err
	}
	filter := c.Query("filter", "all")
	if !slices.Contains(importRowFilters, filter) {
		var p validate.Problems
		p.Add("filter", "INVALID", "filter şunlardan biri olmalı: "+strings.Join(importRowFilters, ", ")+".")
		return p
	}
	page, err := pageOf(cmp.Or(c.Query("after"), c.Query("cursor")), c.Query("limit"), maxRowPage)
	if err != nil {
		return err
	}
	rows, next, err := s.deps.Store.ImportRows(c.UserContext(), im.ID, filter, int(page.After), page.Limit)
	if err != nil {
		return err
	}
	return list(c, "rows", rows, int64(next))
}

func (s *Server) apiApproveImport(c *fiber.Ctx) error {
	im, brands, err := s.importFor(c, importAct)
	if err != nil {
		return err
	}
	var body struct {
		Mode      string `json:"mode"`
		Confirmed bool   `json:"confirmed"`
	}
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	if im, err = s.approve(c, im, brands, body.Mode, body.Confirmed); err != nil {
		return err
	}
	// The job writes the consents; GET /api/v1/imports/:id shows its progress.
	return c.Status(fiber.StatusAccepted).JSON(importJSON(im))
}

// approve hands an import in preview to its approval job for the user,
// after the checks the page and the API share: the confirmation, the mode,
// four eyes, and a quick look at the quota (the job's own check, under its
// lock, has the last word), so that a list the company cannot afford is
// refused at once. The import moves to approving and the job is enqueued
// in one transaction; nothing is written in the request.
func (s *Server) approve(c *fiber.Ctx, im *store.Import, brands []store.Brand, mode string, confirmed bool) (*store.Import, error) {
	var p validate.Problems
	if !confirmed {
		p.Add("confirmed", validate.CodeRequired, "Göndermeden önce «Kontrol ettim onaylıyorum» kutusunu işaretleyin.")
	}
	if mode != "all" && mode != "new_only" {
		p.Add("mode", "MODE_INVALID", "Gönderim biçimi all (Tümünü Gönder) ya da new_only (Mevcuttakileri Güncellemeden Gönder) olmalı.")
	}
	if len(p) > 0 {
		return nil, p
	}
	if msg := s.fourEyesRefusal(c, brands); msg != "" {
		return nil, &Error{Status: fiber.StatusForbidden, Code: "FOUR_EYES", Message: msg}
	}
	if err := s.quotaPrecheck(c, im, brands, mode); err != nil {
		return nil, err
	}
	a := actor(c)
	ctx := c.UserContext()
	return s.deps.Store.StartApproval(ctx, a, im.ID, mode, func(tx pgx.Tx) error {
		_, err := s.deps.River.InsertTx(ctx, tx, jobs.ApproveImportArgs{ImportID: im.ID, UserID: a.UserID, Actor: a.Label}, nil)
		return err
	})
}

// quotaPrecheck refuses an import of one company that needs more units
// than the company has left, from the preview's counts, without a lock.
func (s *Server) quotaPrecheck(c *fiber.Ctx, im *store.Import, brands []store.Brand, mode string) error {
	if im.Status != store.ImportPreview {
		return nil
	}
	cost, err := s.importCost(c, im, brands)
	if err != nil || !cost.Known {
		return err
	}
	need := cost.All
	if mode == "new_only" {
		need = cost.New
	}
	if cost.Short(need) {
		return &store.QuotaError{Needed: need, Remaining: cost.Remaining}
	}
	return nil
}

// discard serves both "Listeyi Sil" and DELETE /api/v1/imports/:id.
func (s *Server) discard(c *fiber.Ctx) error {
	im, _, err := s.importFor(c, importAct)
	if err != nil {
		return err
	}
	ok, err := s.deps.Store.DiscardImport(c.UserContext(), actor(c), im.ID)
	if err != nil {
		return err
	}
	if !ok {
		return s.fail(c, fiber.StatusConflict, "ALREADY_APPROVED", "Onaylanmış bir liste silinemez.")
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.saved(c, "/imports", im.Filename+" silindi.")
}

// errorWorkbook serves the rows that will not be sent, with their original
// cells and each problem's code, message and suggested fix, as a workbook
// that can be corrected and uploaded again.
func (s *Server) errorWorkbook(c *fiber.Ctx) error {
	im, _, err := s.importFor(c, importRead)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	header, err := s.deps.Store.ImportHeader(ctx, im.ID)
	if err != nil {
		return err
	}
	cols, err := s.headerColumns(c, im.ID) // import_mapping.go
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="hatalar-`+itoa(im.ID)+`.xlsx"`)
	// Rows are read from the database as the workbook is written, so that
	// memory does not grow with the number of refused rows.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		rows := func(yield func(importer.ErrorRow, error) bool) {
			stop := errors.New("stop")
			err := s.deps.Store.ImportErrorRows(ctx, im.ID, func(n int, cells []string, probs []consent.Problem) error {
				if !yield(importer.ErrorRow{Number: n, Cells: cells, Problems: probs}, nil) {
					return stop
				}
				return nil
			})
			if err != nil && !errors.Is(err, stop) {
				yield(importer.ErrorRow{}, err)
			}
		}
		if err := importer.WriteErrorWorkbookMapped(w, header, cols, rows); err != nil {
			s.deps.Log.Error("error workbook failed", "import_id", im.ID, "err", err)
		}
	})
	return nil
}

// importTemplate serves the "Bireysel Örnek" and "Tacir Örnek" workbooks.
func (s *Server) importTemplate(c *fiber.Ctx) error {
	kind := c.Params("kind")
	if kind != "bireysel" && kind != "tacir" {
		return fiber.ErrNotFound
	}
	code, err := s.templateBrandCode(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="iysgate-`+kind+`-ornek.xlsx"`)
	return importer.WriteTemplate(c.Response().BodyWriter(), kind, code)
}

// templateBrandCode is the brand code the template's example rows carry:
// the brand asked for (?brand_id=) when the user may upload for it,
// otherwise the first of the user's brands in the lists' order, so that
// the examples are accepted as they are.
func (s *Server) templateBrandCode(c *fiber.Ctx) (string, error) {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.ImportsUpload)
	switch {
	case all:
		ids = nil // every brand
	case len(ids) == 0:
		return "", nil
	}
	brands, err := s.deps.Store.ListBrands(c.UserContext(), ids)
	if err != nil || len(brands) == 0 {
		return "", err
	}
	want, _ := strconv.ParseInt(c.Query("brand_id"), 10, 64)
	for _, b := range brands {
		if b.ID == want {
			return b.BrandCode, nil
		}
	}
	return brands[0].BrandCode, nil
}
