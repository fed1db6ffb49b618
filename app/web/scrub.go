package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/jobs"
	"iysgate/policy"
)

// scrubFor loads a scrub of a brand the user may view; others (and expired
// ones) are "not found".
func (s *Server) scrubFor(c *fiber.Ctx) (*store.Scrub, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	sc, err := s.deps.Store.Scrub(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if !s.deps.Policy.Can(currentUser(c).ID, sc.BrandID, policy.ConsentsView) || !sc.ExpiresAt.After(time.Now()) {
		return nil, store.ErrNotFound
	}
	return sc, nil
}

// scrubForm is the upload form of Tarama.
type scrubForm struct {
	BrandID       int64
	Type          string
	RecipientType string
	Error         string
}

// scrubsPage is Tarama: the upload form and the past scrubs of the user's
// brands, kept for the retention period.
func (s *Server) scrubsPage(c *fiber.Ctx) error {
	return s.renderScrubs(c, fiber.StatusOK, &scrubForm{Type: string(consent.TypeMesaj), RecipientType: string(consent.RecipientBireysel)})
}

func (s *Server) renderScrubs(c *fiber.Ctx, status int, f *scrubForm) error {
	ctx := c.UserContext()
	scope := s.brandScope(c, policy.ConsentsView)
	brands, err := s.deps.Store.ListBrands(ctx, scope)
	if err != nil {
		return err
	}
	list, _, err := s.deps.Store.ListScrubs(ctx, scope, store.Page{Limit: 100})
	if err != nil {
		return err
	}
	days, err := s.deps.Store.Setting(ctx, "scrub_retention_days")
	if err != nil {
		days = "90"
	}
	return s.render(c, status, "scrub", "Tarama", map[string]any{"Form": f, "Brands": brands, "Scrubs": list, "RetentionDays": days})
}

// scrubInput reads and checks brand, channel and recipient type of an
// upload; msg is the Turkish error, forbidden tells a brand the user may
// not see.
func (s *Server) scrubInput(c *fiber.Ctx, brandID int64, brandCode, typ, rtype string) (in store.ScrubInput, msg string, forbidden bool, err error) {
	t, ok := consent.ParseType(typ)
	if !ok {
		return in, "Kanal seçin: Mesaj, Arama ya da E-Posta.", false, nil
	}
	rt := consent.RecipientBireysel
	if strings.TrimSpace(rtype) != "" {
		if rt, ok = consent.ParseRecipientType(rtype); !ok {
			return in, "Alıcı tipi Bireysel ya da Tacir olmalı.", false, nil
		}
	}
	if brandCode != "" {
		b, err := s.deps.Store.BrandByCode(c.UserContext(), brandCode)
		if err == store.ErrNotFound {
			return in, consent.MessageBrandForbidden, true, nil
		}
		if err != nil {
			return in, "", false, err
		}
		brandID = b.ID
	}
	if brandID == 0 {
		return in, "Marka seçin.", false, nil
	}
	b, ok, err := s.brandFor(c, brandID, policy.ConsentsView)
	if err != nil || !ok {
		return in, consent.MessageBrandForbidden, true, err
	}
	return store.ScrubInput{BrandID: b.ID, Type: string(t), RecipientType: string(rt)}, "", false, nil
}

// storeScrub stores the uploaded list with its job, in one transaction;
// the upload's fields are read by then (see receiveFile).
func (s *Server) storeScrub(c *fiber.Ctx, up *upload, in store.ScrubInput) (*store.Scrub, error) {
	return s.deps.Store.CreateScrub(c.UserContext(), actor(c), in,
		store.Upload{Filename: up.filename, Size: up.size, Budget: s.deps.Config.MaxStoredBytes}, up.file,
		func(tx pgx.Tx, id int64) error {
			_, err := s.deps.River.InsertTx(c.UserContext(), tx, jobs.ScrubArgs{ScrubID: id}, nil)
			return err
		})
}

// noList is the refusal of a scrub upload without its list.
const noList = "Taranacak listeyi (.xlsx ya da .csv) seçin."

// uploadScrub is the page's upload: the list goes to PostgreSQL and the
// page lists it at once with its progress.
func (s *Server) uploadScrub(c *fiber.Ctx) error {
	up, ok, err := s.receiveFile(c)
	if up != nil {
		defer up.close()
	}
	f := &scrubForm{Type: string(consent.TypeMesaj), RecipientType: string(consent.RecipientBireysel)}
	if we := asError(err); we != nil && we.Status < 500 {
		f.Error = we.Message
		return s.renderScrubs(c, we.Status, f)
	}
	if err != nil {
		return err
	}
	f = &scrubForm{Type: up.field("type"), RecipientType: up.field("recipient_type")}
	f.BrandID, _ = strconv.ParseInt(up.field("brand_id"), 10, 64)
	in, msg, forbidden, err := s.scrubInput(c, f.BrandID, "", f.Type, f.RecipientType)
	if err != nil {
		return err
	}
	if msg == "" && !ok {
		msg = noList
	}
	if msg == "" {
		sc, err := s.storeScrub(c, up, in)
		if we := asError(err); we != nil && we.Status < 500 {
			f.Error = we.Message
			return s.renderScrubs(c, we.Status, f)
		}
		if err != nil {
			return err
		}
		return s.saved(c, "/scrubs", sc.Filename+" yüklendi; tarama sürüyor.")
	}
	f.Error = msg
	status := fiber.StatusUnprocessableEntity
	if forbidden {
		status = fiber.StatusForbidden
	}
	return s.renderScrubs(c, status, f)
}

// scrubRow is one scrub's line of the list; htmx polls it while it works.
func (s *Server) scrubRow(c *fiber.Ctx) error {
	sc, err := s.scrubFor(c)
	if err != nil {
		return err
	}
	if c.Get("HX-Request") != "true" {
		return c.Redirect("/scrubs", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "scrub", "Tarama", sc, "scrub_row")
}

// downloadScrub serves the result workbook.
func (s *Server) downloadScrub(c *fiber.Ctx) error {
	sc, err := s.scrubFor(c)
	if err != nil {
		return err
	}
	if sc.Status != store.ScrubDone {
		return s.fail(c, fiber.StatusConflict, "SCRUB_NOT_DONE", "Tarama henüz tamamlanmadı; sonuç dosyası hazır değil.")
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tarama-`+itoa(sc.ID)+`.xlsx"`)
	return s.deps.Store.WriteScrubFile(c.UserContext(), sc.ID, "out", c.Response().BodyWriter())
}

// apiUploadScrub: multipart file, brand_code, type, recipient_type → 202.
func (s *Server) apiUploadScrub(c *fiber.Ctx) error {
	up, ok, err := s.receiveFile(c)
	if up != nil {
		defer up.close()
	}
	if err != nil {
		return err
	}
	code := strings.TrimSpace(up.field("brand_code"))
	if code == "" {
		return required("brand_code", "Marka kodu (brand_code) zorunludur.")
	}
	in, msg, forbidden, err := s.scrubInput(c, 0, code, up.field("type"), up.field("recipient_type"))
	if err != nil {
		return err
	}
	if forbidden {
		return errBrandForbidden
	}
	if msg != "" {
		var p validate.Problems
		p.Add("type", "INVALID", msg)
		return p
	}
	if !ok {
		return required("file", noList+" (multipart alan adı: file)")
	}
	sc, err := s.storeScrub(c, up, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(scrubJSON(sc))
}

func scrubJSON(sc *store.Scrub) fiber.Map {
	var e any
	if sc.ErrorCode != "" {
		e = fiber.Map{"code": sc.ErrorCode, "message": sc.ErrorMessage}
	}
	out := fiber.Map{"id": sc.ID, "status": sc.Status, "filename": sc.Filename, "brand_code": sc.BrandCode, "type": sc.Type,
		"recipient_type": sc.RecipientType, "actor": sc.Actor, "progress": float64(sc.Progress) / 10, "rows_done": sc.RowsDone,
		"counts": fiber.Map{"ONAY": sc.Onay, "RET": sc.Ret, "BEKLEYEN": sc.Pending, "YOK": sc.Yok, "GECERSIZ": sc.Invalid},
		"error":  e, "created_at": sc.CreatedAt, "expires_at": sc.ExpiresAt, "checked_at": sc.CheckedAt}
	if sc.Status == store.ScrubDone {
		out["result_url"] = "/api/v1/scrubs/" + itoa(sc.ID) + "/result.xlsx"
	}
	return out
}

func (s *Server) apiScrub(c *fiber.Ctx) error {
	sc, err := s.scrubFor(c)
	if err != nil {
		return err
	}
	return c.JSON(scrubJSON(sc))
}

// apiScrubs lists the unexpired scrubs of the user's brands, newest first.
func (s *Server) apiScrubs(c *fiber.Ctx) error {
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	scrubs, next, err := s.deps.Store.ListScrubs(c.UserContext(), s.brandScope(c, policy.ConsentsView), page)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(scrubs))
	for i, sc := range scrubs {
		out[i] = scrubJSON(sc)
	}
	return list(c, "scrubs", out, next)
}
