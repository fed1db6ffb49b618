package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
)

// Company is a client company (Firma) of the agency with its İYS settings.
type Company struct {
	ID                    int64      `json:"id"`
	Title                 string     `json:"title"`
	IYSCode               string     `json:"iys_code"`
	TaxID                 string     `json:"tax_id"`
	IntegratorAssigned    bool       `json:"integrator_assigned"`
	IntegratorConfirmedBy string     `json:"integrator_confirmed_by,omitempty"`
	IntegratorConfirmedAt *time.Time `json:"integrator_confirmed_at,omitempty"`
	DataDeclared          bool       `json:"data_declared"`
	DataDeclaredBy        string     `json:"data_declared_by,omitempty"`
	DataDeclaredAt        *time.Time `json:"data_declared_at,omitempty"`
	BrandCount            int        `json:"brand_count"`
	BrandsWithCode        int        `json:"brands_with_code"`
}

// MissingForIYS names the first onboarding step that keeps İYS delivery for
// the company off, or "" when it may send: an İYS code, at least one brand
// code, and the integrator assignment confirmed.
func (c *Company) MissingForIYS() string {
	switch {
	case c.IYSCode == "":
		return "İYSKod ve BrandKod: firmanın İYS numarası girilmemiş"
	case c.BrandsWithCode == 0:
		return "İYSKod ve BrandKod: firmanın marka numarası (BrandKod) girilmemiş"
	case !c.IntegratorAssigned:
		return "İş Ortağı Ataması: firma İYS üzerinde bizi entegratör olarak atamamış"
	}
	return ""
}

// Brand is a brand (Marka) of a company; roles are held per brand.
type Brand struct {
	ID           int64  `json:"id"`
	CompanyID    int64  `json:"company_id"`
	CompanyTitle string `json:"company_title"`
	IYSCode      string `json:"iys_code"`
	Name         string `json:"name"`
	BrandCode    string `json:"brand_code"`
	// FourEyes: imports of the brand are sent only with a Yönetici's (or
	// Admin's) approval.
	FourEyes bool `json:"four_eyes"`
}

// CompanyInput is what creating or editing a company sets.
type CompanyInput struct {
	Title              string
	IYSCode            string
	TaxID              string
	IntegratorAssigned bool
	DataDeclared       bool
}

// CreateCompany creates a company and audits it.
func (s *Store) CreateCompany(ctx context.Context, a Actor, in CompanyInput) (*Company, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO companies (title, iys_code, tax_id,
				integrator_assigned, integrator_confirmed_by, integrator_confirmed_at,
				data_declared, data_declared_by, data_declared_at)
			VALUES ($1, NULLIF($2, ''), $3, $4, CASE WHEN $4 THEN $6 END, CASE WHEN $4 THEN now() END,
				$5, CASE WHEN $5 THEN $6 END, CASE WHEN $5 THEN now() END) RETURNING id`,
			in.Title, in.IYSCode, in.TaxID, in.IntegratorAssigned, in.DataDeclared, a.Label).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionCompanyWrite, "company", strconv.FormatInt(id, 10), nil, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Company(ctx, id)
}

// UpdateCompany changes a company. Confirming the integrator assignment or
// the data declaration records who did it and when.
func (s *Store) UpdateCompany(ctx context.Context, a Actor, id int64, in CompanyInput) (*Company, error) {
	before, err := s.Company(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE companies SET title = $2, iys_code = NULLIF($3, ''), tax_id = $4,
				integrator_confirmed_by = CASE WHEN $5 AND NOT integrator_assigned THEN $7
				                               WHEN $5 THEN integrator_confirmed_by END,
				integrator_confirmed_at = CASE WHEN $5 AND NOT integrator_assigned THEN now()
				                               WHEN $5 THEN integrator_confirmed_at END,
				integrator_assigned = $5,
				data_declared_by = CASE WHEN $6 AND NOT data_declared THEN $7 WHEN $6 THEN data_declared_by END,
				data_declared_at = CASE WHEN $6 AND NOT data_declared THEN now() WHEN $6 THEN data_declared_at END,
				data_declared = $6, updated_at = now()
			WHERE id = $1`, id, in.Title, in.IYSCode, in.TaxID, in.IntegratorAssigned, in.DataDeclared, a.Label)
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionCompanyWrite, "company", strconv.FormatInt(id, 10), before, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Company(ctx, id)
}

const companyColumns = `c.id, c.title, COALESCE(c.iys_code, ''), COALESCE(c.tax_id, ''),
	c.integrator_assigned, COALESCE(c.integrator_confirmed_by, ''), c.integrator_confirmed_at,
	c.data_declared, COALESCE(c.data_declared_by, ''), c.data_declared_at,
	(SELECT count(*) FROM brands b WHERE b.company_id = c.id),
	(SELECT count(*) FROM brands b WHERE b.company_id = c.id AND b.brand_code IS NOT NULL)`

func scanCompany(r pgx.Row) (*Company, error) {
	var c Company
	err := r.Scan(&c.ID, &c.Title, &c.IYSCode, &c.TaxID, &c.IntegratorAssigned, &c.IntegratorConfirmedBy,
		&c.IntegratorConfirmedAt, &c.DataDeclared, &c.DataDeclaredBy, &c.DataDeclaredAt, &c.BrandCount, &c.BrandsWithCode)
	if err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}

// Company returns one company.
func (s *Store) Company(ctx context.Context, id int64) (*Company, error) {
	return scanCompany(s.pool.QueryRow(ctx, "SELECT "+companyColumns+" FROM companies c WHERE c.id = $1", id))
}

// ListCompanies lists companies, all when ids is nil, otherwise those in ids.
func (s *Store) ListCompanies(ctx context.Context, ids []int64) ([]*Company, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+companyColumns+` FROM companies c
		WHERE $1::bigint[] IS NULL OR c.id = ANY($1) ORDER BY c.title COLLATE turkish, c.id`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CompanyPage lists a page of companies in the order they were created,
// all when ids is nil, otherwise those in ids, and returns the cursor of
// the next page (0: none).
func (s *Store) CompanyPage(ctx context.Context, ids []int64, p Page) ([]*Company, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+companyColumns+` FROM companies c
		WHERE ($1::bigint[] IS NULL OR c.id = ANY($1)) AND c.id > $2 ORDER BY c.id LIMIT $3`, ids, p.After, p.fetch())
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Company, error) { return scanCompany(r) })
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(c *Company) int64 { return c.ID })
	return list, next, nil
}

// OnboardingStep is one of İYS's six onboarding steps for a company.
type OnboardingStep struct {
	Step      int        `json:"step"`
	Name      string     `json:"name"`
	Status    StepStatus `json:"status"`
	Note      string     `json:"note"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// ManualOnboardingSteps is how many of the first steps happen at İYS only
// and are recorded by hand; the later ones are derived from the data
// (deriveOnboarding).
const ManualOnboardingSteps = 2

// OnboardingStepNames are İYS's onboarding steps in order.
var OnboardingStepNames = []string{"Ön Başvuru", "Başvuru Durumu", "İYSKod ve BrandKod",
	"İleti Paketi Sözleşmesi", "İş Ortağı Ataması", "İYS Bilgilerinin Panele Eklenmesi"}

// Onboarding returns the six steps of a company; untouched ones wait.
func (s *Store) Onboarding(ctx context.Context, companyID int64) ([]OnboardingStep, error) {
	steps := make([]OnboardingStep, len(OnboardingStepNames))
	for i, n := range OnboardingStepNames {
		steps[i] = OnboardingStep{Step: i + 1, Name: n, Status: StepWaiting}
	}
	rows, err := s.pool.Query(ctx, `SELECT step, status, note, updated_by, updated_at FROM onboarding_steps WHERE company_id = $1`, companyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st OnboardingStep
		var at time.Time
		if err := rows.Scan(&st.Step, &st.Status, &st.Note, &st.UpdatedBy, &at); err != nil {
			return nil, err
		}
		st.Name, st.UpdatedAt = OnboardingStepNames[st.Step-1], &at
		steps[st.Step-1] = st
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return steps, s.deriveOnboarding(ctx, companyID, steps)
}

// deriveOnboarding sets the steps the data knows (3 to 6) from the data,
// whatever was recorded by hand: the codes entered, an active İleti
// package, the integrator assignment, and the panel ready when all of
// them and the data declaration are there. Steps 1 and 2 happen at İYS and
// stay as recorded.
func (s *Store) deriveOnboarding(ctx context.Context, companyID int64, steps []OnboardingStep) error {
	var iysCode string
	var brands, coded int
	var assigned, declared, packaged bool
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(c.iys_code, ''),
			(SELECT count(*) FROM brands b WHERE b.company_id = c.id),
			(SELECT count(*) FROM brands b WHERE b.company_id = c.id AND COALESCE(b.brand_code, '') <> ''),
			c.integrator_assigned, c.data_declared,
			EXISTS (SELECT 1 FROM subscriptions s WHERE s.company_id = c.id AND s.status = 'active'
				AND s.starts_at <= now() AND s.ends_at > now() AND s.units > s.spent)
		FROM companies c WHERE c.id = $1`, companyID).Scan(&iysCode, &brands, &coded, &assigned, &declared, &packaged); err != nil {
		return mapErr(err)
	}
	set := func(step int, done bool, doneNote, todo string) {
		st := &steps[step-1]
		st.UpdatedBy, st.UpdatedAt = "", nil
		if done {
			st.Status, st.Note = StepDone, doneNote
		} else {
			st.Status, st.Note = StepWaiting, todo
		}
	}
	set(3, iysCode != "" && coded > 0 && coded == brands,
		fmt.Sprintf("İYS numarası %s, %d markanın kodu girildi.", iysCode, coded),
		map[bool]string{true: "Markaların kodlarını (BrandKod) İYS Ayarları'nda girin.", false: "Firmanın İYS numarasını (İYSKod) İYS Ayarları'nda girin."}[iysCode != ""])
	set(4, packaged, "Firmanın etkin bir İleti paketi var.", "Abonelikler'den bir İleti paketi talep edin; Admin onaylayınca bu adım tamamlanır.")
	set(5, assigned, "Firma İYS'de ajansı iş ortağı olarak atadı (işaretlendi).",
		"Firma İYS'de ajansı iş ortağı olarak atamalı; atama yapılınca İYS Ayarları'nda işaretleyin.")
	var missing []string
	for _, st := range steps[ManualOnboardingSteps:5] {
		if st.Status != StepDone {
			missing = append(missing, st.Name)
		}
	}
	if !declared {
		missing = append(missing, "veri beyanı")
	}
	set(6, len(missing) == 0, "Her şey hazır: firmanın izinleri İYS'ye gönderilir.", "Eksik: "+strings.Join(missing, ", ")+".")
	return nil
}

// SetOnboardingStep records a step's status and note.
func (s *Store) SetOnboardingStep(ctx context.Context, a Actor, companyID int64, step int, status StepStatus, note string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO onboarding_steps (company_id, step, status, note, updated_by)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (company_id, step) DO UPDATE SET status = $3, note = $4, updated_by = $5, updated_at = now()`,
			companyID, step, status, note, a.Label)
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionSettingWrite, "company", strconv.FormatInt(companyID, 10), nil,
			map[string]any{"onboarding_step": step, "status": status, "note": note})
	})
}

// CreateBrand creates a brand of a company and audits it.
func (s *Store) CreateBrand(ctx context.Context, a Actor, b Brand) (*Brand, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO brands (company_id, name, brand_code) VALUES ($1, $2, NULLIF($3, '')) RETURNING id`,
			b.CompanyID, b.Name, b.BrandCode).Scan(&b.ID)
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionBrandWrite, "brand", strconv.FormatInt(b.ID, 10), nil, b)
	})
	if err != nil {
		return nil, err
	}
	return s.Brand(ctx, b.ID)
}

// UpdateBrand renames a brand or changes its code.
func (s *Store) UpdateBrand(ctx context.Context, a Actor, id int64, name, code string) (*Brand, error) {
	before, err := s.Brand(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE brands SET name = $2, brand_code = NULLIF($3, ''), updated_at = now() WHERE id = $1`, id, name, code); err != nil {
			return mapErr(err)
		}
		// Users' memberships carry the brand's name.
		if err := notifyAuth(ctx, tx, "*"); err != nil {
			return err
		}
		return audit(ctx, tx, a, ActionBrandWrite, "brand", strconv.FormatInt(id, 10), before, map[string]string{"name": name, "brand_code": code})
	})
	if err != nil {
		return nil, err
	}
	s.auth.forgetAll()
	return s.Brand(ctx, id)
}

const brandColumns = `b.id, b.company_id, c.title, COALESCE(c.iys_code, ''), b.name, COALESCE(b.brand_code, ''), b.four_eyes`

func scanBrand(r pgx.Row) (Brand, error) {
	var b Brand
	err := r.Scan(&b.ID, &b.CompanyID, &b.CompanyTitle, &b.IYSCode, &b.Name, &b.BrandCode, &b.FourEyes)
	return b, err
}

// Brand returns one brand.
func (s *Store) Brand(ctx context.Context, id int64) (*Brand, error) {
	b, err := scanBrand(s.pool.QueryRow(ctx, "SELECT "+brandColumns+" FROM brands b JOIN companies c ON c.id = b.company_id WHERE b.id = $1", id))
	if err != nil {
		return nil, mapErr(err)
	}
	return &b, nil
}

// BrandByCode returns the brand with an İYS brand code.
func (s *Store) BrandByCode(ctx context.Context, code string) (*Brand, error) {
	if !consent.ValidCode(code) {
		return nil, ErrNotFound // not a brand code at all (letters, a NUL byte …): no query
	}
	b, err := scanBrand(s.pool.QueryRow(ctx, "SELECT "+brandColumns+" FROM brands b JOIN companies c ON c.id = b.company_id WHERE b.brand_code = $1", code))
	if err != nil {
		return nil, mapErr(err)
	}
	return &b, nil
}

// SetFourEyes turns the brand's four-eyes rule on or off.
func (s *Store) SetFourEyes(ctx context.Context, a Actor, id int64, on bool) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE brands SET four_eyes = $2, updated_at = now() WHERE id = $1", id, on)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, a, ActionSettingWrite, "brand", strconv.FormatInt(id, 10), nil, map[string]bool{"four_eyes": on})
	})
}

// ImportBrands lists the brands an import's rows may be sent for (see
// import_brands): access to the import follows them.
func (s *Store) ImportBrands(ctx context.Context, importID int64) ([]Brand, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+brandColumns+` FROM brands b JOIN companies c ON c.id = b.company_id
		WHERE b.id IN (SELECT brand_id FROM import_brands WHERE import_id = $1)
		ORDER BY c.title COLLATE turkish, b.name COLLATE turkish, b.id`, importID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Brand, error) { return scanBrand(r) })
}

// ListBrands lists brands, all of them when ids is nil, otherwise those in ids.
func (s *Store) ListBrands(ctx context.Context, ids []int64) ([]Brand, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+brandColumns+` FROM brands b JOIN companies c ON c.id = b.company_id
		WHERE $1::bigint[] IS NULL OR b.id = ANY($1)
		ORDER BY c.title COLLATE turkish, b.name COLLATE turkish, b.id`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Brand, error) { return scanBrand(r) })
}

// BrandPage lists a page of brands in the order they were created, all
// when ids is nil, otherwise those in ids, and returns the cursor of the
// next page (0: none).
func (s *Store) BrandPage(ctx context.Context, ids []int64, p Page) ([]Brand, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+brandColumns+` FROM brands b JOIN companies c ON c.id = b.company_id
		WHERE ($1::bigint[] IS NULL OR b.id = ANY($1)) AND b.id > $2 ORDER BY b.id LIMIT $3`, ids, p.After, p.fetch())
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Brand, error) { return scanBrand(r) })
	if err != nil {
		return nil, 0, err
	}
	list, next := cut(p, list, func(b Brand) int64 { return b.ID })
	return list, next, nil
}
