package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// companyForm is the company part of İYS Ayarları.
type companyForm struct {
	Title, IYSCode, TaxID            string
	IntegratorAssigned, DataDeclared bool
	Errors                           map[string]string
}

func (f *companyForm) validate() (store.CompanyInput, validate.Problems) {
	v := validate.Company{Title: f.Title, IYSCode: f.IYSCode, TaxID: f.TaxID, IntegratorAssigned: f.IntegratorAssigned}
	errs := v.Check()
	f.Title, f.IYSCode, f.TaxID = v.Title, v.IYSCode, v.TaxID
	return store.CompanyInput{Title: f.Title, IYSCode: f.IYSCode, TaxID: f.TaxID,
		IntegratorAssigned: f.IntegratorAssigned, DataDeclared: f.DataDeclared}, errs
}

func companyFormFrom(c *fiber.Ctx) *companyForm {
	return &companyForm{Title: c.FormValue("title"), IYSCode: c.FormValue("iys_code"), TaxID: c.FormValue("tax_id"),
		IntegratorAssigned: c.FormValue("integrator_assigned") == "on", DataDeclared: c.FormValue("data_declared") == "on"}
}

// companiesPage lists companies with their onboarding state (Admin), with
// the form for a new one.
func (s *Server) companiesPage(c *fiber.Ctx) error {
	return s.renderCompanies(c, fiber.StatusOK, &companyForm{Errors: map[string]string{}})
}

func (s *Server) renderCompanies(c *fiber.Ctx, status int, f *companyForm) error {
	companies, err := s.deps.Store.ListCompanies(c.UserContext(), nil)
	if err != nil {
		return err
	}
	return s.render(c, status, "companies", "Firmalar", map[string]any{"Companies": companies, "Form": f})
}

func (s *Server) createCompany(c *fiber.Ctx) error {
	f := companyFormFrom(c)
	in, errs := f.validate()
	if len(errs) == 0 {
		co, err := s.deps.Store.CreateCompany(c.UserContext(), actor(c), in)
		if errors.Is(err, store.ErrDuplicate) {
			errs.Duplicate("iys_code")
		} else if err != nil {
			return err
		} else {
			return s.saved(c, "/companies/"+itoa(co.ID), co.Title+" oluşturuldu. Şimdi markalarını ekleyin.")
		}
	}
	f.Errors = errs.ByField()
	return s.renderCompanies(c, fiber.StatusUnprocessableEntity, f)
}

// settingsData is İYS Ayarları of one company.
type settingsData struct {
	Company    *store.Company
	Form       *companyForm
	Brands     []store.Brand
	Steps      []store.OnboardingStep
	Missing    string
	CanEdit    bool
	BrandForm  map[string]string
	BrandError map[string]string
}

func (s *Server) companyID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// mayViewCompany: Admin any; a Yönetici the companies of its brands.
func (s *Server) mayViewCompany(c *fiber.Ctx, companyID int64) (bool, error) {
	u := currentUser(c)
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.SettingsView)
	if all {
		return true, nil
	}
	brands, err := s.deps.Store.ListBrands(c.UserContext(), ids)
	if err != nil {
		return false, err
	}
	for _, b := range brands {
		if b.CompanyID == companyID {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) companyPage(c *fiber.Ctx) error {
	return s.renderCompany(c, fiber.StatusOK, nil, nil, nil)
}

func (s *Server) renderCompany(c *fiber.Ctx, status int, f *companyForm, brandForm, brandErr map[string]string) error {
	id, err := s.companyID(c)
	if err != nil {
		return err
	}
	ok, err := s.mayViewCompany(c, id)
	if err != nil {
		return err
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Firma bulunamadı.")
	}
	ctx := c.UserContext()
	co, err := s.deps.Store.Company(ctx, id)
	if err != nil {
		return err
	}
	all, err := s.deps.Store.ListBrands(ctx, nil)
	if err != nil {
		return err
	}
	var brands []store.Brand
	for _, b := range all {
		if b.CompanyID == id {
			brands = append(brands, b)
		}
	}
	steps, err := s.deps.Store.Onboarding(ctx, id)
	if err != nil {
		return err
	}
	if f == nil {
		f = &companyForm{Title: co.Title, IYSCode: co.IYSCode, TaxID: co.TaxID,
			IntegratorAssigned: co.IntegratorAssigned, DataDeclared: co.DataDeclared, Errors: map[string]string{}}
	}
	if brandForm == nil {
		brandForm, brandErr = map[string]string{}, map[string]string{}
	}
	return s.render(c, status, "company", "İYS Ayarları: "+co.Title, settingsData{
		Company: co, Form: f, Brands: brands, Steps: steps, Missing: co.MissingForIYS(),
		CanEdit: s.deps.Policy.IsAdmin(currentUser(c).ID), BrandForm: brandForm, BrandError: brandErr,
	})
}

func (s *Server) updateCompany(c *fiber.Ctx) error {
	id, err := s.companyID(c)
	if err != nil {
		return err
	}
	f := companyFormFrom(c)
	in, errs := f.validate()
	if len(errs) == 0 {
		_, err := s.deps.Store.UpdateCompany(c.UserContext(), actor(c), id, in)
		if errors.Is(err, store.ErrDuplicate) {
			errs.Duplicate("iys_code")
		} else if err != nil {
			return err
		} else {
			return s.saved(c, "/companies/"+itoa(id), "Firma bilgileri kaydedildi.")
		}
	}
	f.Errors = errs.ByField()
	return s.renderCompany(c, fiber.StatusUnprocessableEntity, f, nil, nil)
}

// validateBrand cleans a brand's name and code and returns their problems.
func validateBrand(name, code *string) validate.Problems {
	v := validate.Brand{Name: *name, BrandCode: *code}
	errs := v.Check()
	*name, *code = v.Name, v.BrandCode
	return errs
}

func (s *Server) createBrand(c *fiber.Ctx) error {
	id, err := s.companyID(c)
	if err != nil {
		return err
	}
	name, code := c.FormValue("name"), c.FormValue("brand_code")
	errs := validateBrand(&name, &code)
	if len(errs) == 0 {
		_, err := s.deps.Store.CreateBrand(c.UserContext(), actor(c), store.Brand{CompanyID: id, Name: name, BrandCode: code})
		if errors.Is(err, store.ErrDuplicate) {
			errs.Duplicate("brand_code")
		} else if err != nil {
			return err
		} else {
			return s.saved(c, "/companies/"+itoa(id), name+" markası eklendi.")
		}
	}
	return s.renderCompany(c, fiber.StatusUnprocessableEntity, nil, map[string]string{"name": name, "brand_code": code}, errs.ByField())
}

func (s *Server) updateBrand(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	b, err := s.deps.Store.Brand(c.UserContext(), id)
	if err != nil {
		return err
	}
	name, code := c.FormValue("name"), c.FormValue("brand_code")
	errs := validateBrand(&name, &code)
	if len(errs) == 0 {
		_, err := s.deps.Store.UpdateBrand(c.UserContext(), actor(c), id, name, code)
		if errors.Is(err, store.ErrDuplicate) {
			errs.Duplicate("brand_code")
		} else if err != nil {
			return err
		} else {
			return s.saved(c, "/companies/"+itoa(b.CompanyID), name+" markası güncellendi.")
		}
	}
	// One line of a table has no room for inline errors: the error page
	// lists them.
	return errs
}

func (s *Server) setOnboarding(c *fiber.Ctx) error {
	id, err := s.companyID(c)
	if err != nil {
		return err
	}
	step, err := strconv.Atoi(c.Params("step"))
	status := store.StepStatus(c.FormValue("status"))
	if err != nil || step < 1 || step > 6 || !status.Valid() {
		return s.fail(c, fiber.StatusUnprocessableEntity, "INVALID_STEP", "Geçersiz adım ya da durum.")
	}
	if step > store.ManualOnboardingSteps {
		return s.fail(c, fiber.StatusUnprocessableEntity, "STEP_DERIVED",
			"Bu adım iysgate'teki bilgilerden belirlenir (kodlar, İleti paketi, iş ortağı ataması, veri beyanı); elle değiştirilemez.")
	}
	note := c.FormValue("note")
	var p validate.Problems
	if p.Text("note", "Not", &note, validate.MaxReason, false); len(p) > 0 {
		return p
	}
	if err := s.deps.Store.SetOnboardingStep(c.UserContext(), actor(c), id, step, status, note); err != nil {
		return err
	}
	return s.saved(c, "/companies/"+itoa(id), "Adım güncellendi.")
}

// settingsPage is İYS Ayarları at a glance: each visible company, the step
// where it stands, and what keeps it from sending.
func (s *Server) settingsPage(c *fiber.Ctx) error {
	u := currentUser(c)
	ctx := c.UserContext()
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.SettingsView)
	var companyIDs []int64
	if !all {
		brands, err := s.deps.Store.ListBrands(ctx, ids)
		if err != nil {
			return err
		}
		companyIDs = []int64{}
		for _, b := range brands {
			companyIDs = append(companyIDs, b.CompanyID)
		}
	}
	companies, err := s.deps.Store.ListCompanies(ctx, companyIDs)
	if err != nil {
		return err
	}
	type row struct {
		Company *store.Company
		Steps   []store.OnboardingStep
		Missing string
	}
	var rows []row
	for _, co := range companies {
		steps, err := s.deps.Store.Onboarding(ctx, co.ID)
		if err != nil {
			return err
		}
		rows = append(rows, row{co, steps, co.MissingForIYS()})
	}
	return s.render(c, fiber.StatusOK, "settings", "İYS Ayarları", map[string]any{"Rows": rows, "StepNames": store.OnboardingStepNames})
}

// brandsPage is Markalar: each visible brand with its counters.
func (s *Server) brandsPage(c *fiber.Ctx) error {
	u := currentUser(c)
	ctx := c.UserContext()
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.BrandsView)
	if all {
		ids = nil
	}
	brands, err := s.deps.Store.ListBrands(ctx, ids)
	if err != nil {
		return err
	}
	stats, err := s.deps.Store.BrandStats(ctx, ids)
	if err != nil {
		return err
	}
	// Registered at İYS; on their way beside them.
	type counts struct{ Total, Tacir, Onay, Ret, PendingOnay, PendingRet int64 }
	per := map[int64]*counts{}
	for _, b := range brands {
		per[b.ID] = &counts{}
	}
	for _, st := range stats {
		k := per[st.BrandID]
		if k == nil {
			continue
		}
		if st.Kind == store.StatPending {
			if st.Status == "ONAY" {
				k.PendingOnay += st.N
			} else {
				k.PendingRet += st.N
			}
			continue
		}
		k.Total += st.N
		if st.RecipientType == "TACIR" {
			k.Tacir += st.N
		}
		if st.Status == "ONAY" {
			k.Onay += st.N
		} else {
			k.Ret += st.N
		}
	}
	canSet := map[int64]bool{}
	for _, b := range brands {
		canSet[b.ID] = s.deps.Policy.Can(u.ID, b.ID, policy.BrandsSettings)
	}
	return s.render(c, fiber.StatusOK, "brands", "Markalar", map[string]any{"Brands": brands, "Counts": per, "CanSet": canSet})
}

// setFourEyes turns a brand's four-eyes rule on or off (its Yönetici or Admin).
func (s *Server) setFourEyes(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || !s.deps.Policy.Can(currentUser(c).ID, id, policy.BrandsSettings) {
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Marka bulunamadı.")
	}
	on := c.FormValue("four_eyes") == "on"
	if err := s.deps.Store.SetFourEyes(c.UserContext(), actor(c), id, on); err != nil {
		return err
	}
	msg := "Dört göz kuralı kapatıldı."
	if on {
		msg = "Dört göz kuralı açıldı: bu markanın listelerini yalnızca Yönetici gönderebilir."
	}
	return s.saved(c, "/brands", msg)
}

// API

type companyJSON struct {
	Title              string `json:"title"`
	IYSCode            string `json:"iys_code"`
	TaxID              string `json:"tax_id"`
	IntegratorAssigned bool   `json:"integrator_assigned"`
	DataDeclared       bool   `json:"data_declared"`
}

func (s *Server) apiCreateCompany(c *fiber.Ctx) error {
	var body companyJSON
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	return s.apiSaveCompany(c, 0, body)
}

func (s *Server) apiUpdateCompany(c *fiber.Ctx) error {
	id, err := s.companyID(c)
	if err != nil {
		return err
	}
	co, err := s.deps.Store.Company(c.UserContext(), id)
	if err != nil {
		return err
	}
	// PATCH: fields not in the body keep their values.
	body := companyJSON{Title: co.Title, IYSCode: co.IYSCode, TaxID: co.TaxID, IntegratorAssigned: co.IntegratorAssigned, DataDeclared: co.DataDeclared}
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	return s.apiSaveCompany(c, id, body)
}

// apiSaveCompany validates and creates (id 0) or updates a company.
func (s *Server) apiSaveCompany(c *fiber.Ctx, id int64, body companyJSON) error {
	f := &companyForm{Title: body.Title, IYSCode: body.IYSCode, TaxID: body.TaxID, IntegratorAssigned: body.IntegratorAssigned, DataDeclared: body.DataDeclared}
	in, errs := f.validate()
	if len(errs) > 0 {
		return errs
	}
	var co *store.Company
	var err error
	status := fiber.StatusOK
	if id == 0 {
		co, err = s.deps.Store.CreateCompany(c.UserContext(), actor(c), in)
		status = fiber.StatusCreated
	} else {
		co, err = s.deps.Store.UpdateCompany(c.UserContext(), actor(c), id, in)
	}
	if errors.Is(err, store.ErrDuplicate) {
		errs.Duplicate("iys_code")
		return errs
	}
	if err != nil {
		return err
	}
	return c.Status(status).JSON(co)
}

func (s *Server) apiCreateBrand(c *fiber.Ctx) error {
	var body struct {
		CompanyID int64  `json:"company_id"`
		Name      string `json:"name"`
		BrandCode string `json:"brand_code"`
	}
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	errs := validateBrand(&body.Name, &body.BrandCode)
	if _, err := s.deps.Store.Company(c.UserContext(), body.CompanyID); errors.Is(err, store.ErrNotFound) {
		errs.Add("company_id", "NOT_FOUND", "Firma bulunamadı.")
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	b, err := s.deps.Store.CreateBrand(c.UserContext(), actor(c), store.Brand{CompanyID: body.CompanyID, Name: body.Name, BrandCode: body.BrandCode})
	if errors.Is(err, store.ErrDuplicate) {
		errs.Duplicate("brand_code")
		return errs
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}

// apiBrands lists the brands the user may see, in the order they were
// created.
func (s *Server) apiBrands(c *fiber.Ctx) error {
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	brands, next, err := s.deps.Store.BrandPage(c.UserContext(), s.brandScope(c, policy.BrandsView), page)
	if err != nil {
		return err
	}
	return list(c, "brands", brands, next)
}

// apiCompanies lists the companies the user may see (as İYS Ayarları
// does: every one for an Admin, those of its brands for a Yönetici), in
// the order they were created.
func (s *Server) apiCompanies(c *fiber.Ctx) error {
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	ids, err := s.companyIDs(c, policy.SettingsView)
	if err != nil {
		return err
	}
	companies, next, err := s.deps.Store.CompanyPage(c.UserContext(), ids, page)
	if err != nil {
		return err
	}
	return list(c, "companies", companies, next)
}
