package store

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Company is a client company (Firma) of the agency.
type Company struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	IYSCode string `json:"iys_code"`
	TaxID   string `json:"tax_id"`
}

// Brand is a brand (Marka) of a company; roles are held per brand.
type Brand struct {
	ID           int64  `json:"id"`
	CompanyID    int64  `json:"company_id"`
	CompanyTitle string `json:"company_title"`
	Name         string `json:"name"`
	BrandCode    string `json:"brand_code"`
}

// CreateCompany creates a company and audits it.
func (s *Store) CreateCompany(ctx context.Context, a Actor, c Company) (*Company, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO companies (title, iys_code, tax_id) VALUES ($1, NULLIF($2, ''), $3) RETURNING id`,
			c.Title, c.IYSCode, c.TaxID).Scan(&c.ID)
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, tx, a, ActionCompanyWrite, "company", strconv.FormatInt(c.ID, 10), nil, c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
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
	return &b, nil
}

// ListBrands lists brands, all of them when ids is nil, otherwise those in ids.
func (s *Store) ListBrands(ctx context.Context, ids []int64) ([]Brand, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.id, b.company_id, c.title, b.name, COALESCE(b.brand_code, '')
		FROM brands b JOIN companies c ON c.id = b.company_id
		WHERE $1::bigint[] IS NULL OR b.id = ANY($1)
		ORDER BY c.title, b.name, b.id`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Brand, error) {
		var b Brand
		err := r.Scan(&b.ID, &b.CompanyID, &b.CompanyTitle, &b.Name, &b.BrandCode)
		return b, err
	})
}
