package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Why a company's delivery waits: İYS's answer stopped it (not assigned to
// us, its İYS subscription closed, an unknown code) until a person resumes
// it, or — with the integrator code configured — İYS's integrator query
// does not grant the agency write access to a brand's channel.

// Hold is a company's delivery stopped by İYS's answer.
type Hold struct {
	CompanyID int64     `json:"company_id"`
	Code      string    `json:"code"`   // İYS's code (H353, H521…)
	Reason    string    `json:"reason"` // what happened and what to do, in Turkish
	Since     time.Time `json:"since"`
}

// HoldCompany stops a company's delivery for İYS's code with a Turkish
// reason; a company already held keeps its first reason.
func (s *Store) HoldCompany(ctx context.Context, companyID int64, code, reason string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO iys_delivery_holds (company_id, code, reason) VALUES ($1, $2, $3)
		ON CONFLICT (company_id) DO NOTHING`, companyID, code, reason)
	return err
}

// DeliveryHold returns the company's hold, or nil.
func (s *Store) DeliveryHold(ctx context.Context, companyID int64) (*Hold, error) {
	var h Hold
	err := s.pool.QueryRow(ctx, `SELECT company_id, code, reason, since FROM iys_delivery_holds WHERE company_id = $1`, companyID).
		Scan(&h.CompanyID, &h.Code, &h.Reason, &h.Since)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	return &h, err
}

// ResumeDelivery lifts a company's hold (a person put right what İYS
// refused): its batches are worked again at once. It reports whether the
// company was held.
func (s *Store) ResumeDelivery(ctx context.Context, a Actor, companyID int64) (bool, error) {
	var held bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var code string
		err := tx.QueryRow(ctx, `DELETE FROM iys_delivery_holds WHERE company_id = $1 RETURNING code`, companyID).Scan(&code)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		held = true
		if err := audit(ctx, tx, a, ActionDelivery, "company", strconv.FormatInt(companyID, 10), map[string]string{"hold": code},
			map[string]string{"event": "resume"}); err != nil {
			return err
		}
		return s.wakeCompany(ctx, tx, companyID)
	})
	return held, err
}

// wakeCompany makes the company's waiting batches due now and enqueues its
// delivery job.
func (s *Store) wakeCompany(ctx context.Context, tx pgx.Tx, companyID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE sync_batches SET next_at = now(), blocked_by = NULL
		WHERE company_id = $1 AND status = `+lit(BatchWaiting), companyID); err != nil {
		return err
	}
	return s.kickCompanies(ctx, tx, []int64{companyID})
}

// IntegratorTarget is a company whose integrator assignment İYS can be
// asked about.
type IntegratorTarget struct {
	CompanyID int64
	IYSCode   string
}

// IntegratorTargets lists the companies with an İYS code (one, or all when
// companyID is 0), least recently asked first.
func (s *Store) IntegratorTargets(ctx context.Context, companyID int64) ([]IntegratorTarget, error) {
	rows, _ := s.pool.Query(ctx, `SELECT c.id, c.iys_code FROM companies c LEFT JOIN iys_integrator_checks k ON k.company_id = c.id
		WHERE COALESCE(c.iys_code, '') <> '' AND ($1 = 0 OR c.id = $1) ORDER BY k.checked_at NULLS FIRST, c.id`, companyID)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (IntegratorTarget, error) {
		var t IntegratorTarget
		return t, r.Scan(&t.CompanyID, &t.IYSCode)
	})
}

// BrandAccess is what İYS lets the agency do with one brand's channel:
// "write", "read" or "" (nothing).
type BrandAccess struct {
	BrandCode string `json:"brand_code"`
	BrandName string `json:"brand_name"`
	Type      string `json:"type"`
	Access    string `json:"access"`
}

// IntegratorAnswer is İYS's answer to the integrator query of a company:
// the brands it lists with their access, or that it lists none (Listed
// false, with İYS's code), or an error that left the answer unknown.
type IntegratorAnswer struct {
	Listed  bool
	Access  []BrandAccess
	Code    string // İYS's code when it lists none, or of the error
	Unknown bool   // the query failed: the last answer stays
	Error   string // what went wrong, in Turkish
}

// SaveIntegratorCheck records İYS's answer for a company. A definite
// answer replaces the access per brand and channel; when İYS lists the
// agency again, a hold for not being assigned (H353, H245, H268) is
// lifted and the company's batches are looked at again.
func (s *Store) SaveIntegratorCheck(ctx context.Context, companyID int64, ans IntegratorAnswer) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO iys_integrator_checks (company_id, checked_at, listed, error_code, error)
			VALUES ($1, now(), $2, NULLIF($3, ''), NULLIF($4, ''))
			ON CONFLICT (company_id) DO UPDATE SET checked_at = now(), error_code = EXCLUDED.error_code, error = EXCLUDED.error,
				listed = CASE WHEN $5 THEN iys_integrator_checks.listed ELSE EXCLUDED.listed END`,
			companyID, ans.Listed, ans.Code, ans.Error, ans.Unknown); err != nil {
			return err
		}
		if ans.Unknown {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM iys_integrator_access WHERE company_id = $1`, companyID); err != nil {
			return err
		}
		for _, a := range ans.Access {
			if _, err := tx.Exec(ctx, `INSERT INTO iys_integrator_access (company_id, brand_code, type, access, brand_name) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (company_id, brand_code, type) DO UPDATE SET access = EXCLUDED.access, brand_name = EXCLUDED.brand_name`,
				companyID, a.BrandCode, a.Type, a.Access, a.BrandName); err != nil {
				return err
			}
		}
		if !ans.Listed {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM iys_delivery_holds WHERE company_id = $1 AND code IN ('H353', 'H245', 'H268')`, companyID); err != nil {
			return err
		}
		return s.wakeCompany(ctx, tx, companyID)
	})
}

// DeliveryState is what İYS Ayarları and Gönderimler show of a company's
// delivery: a hold, İYS's integrator answer, and in Turkish every reason
// the company's consents wait.
type DeliveryState struct {
	CompanyID int64 `json:"company_id"`
	Hold      *Hold `json:"hold,omitempty"`
	// CheckedAt is when İYS was last asked about the integrator (nil:
	// never); Listed whether it listed the agency for the company.
	CheckedAt  *time.Time    `json:"checked_at,omitempty"`
	Listed     bool          `json:"listed"`
	CheckError string        `json:"check_error,omitempty"`
	Access     []BrandAccess `json:"access"`
	Waiting    []string      `json:"waiting"`
}

// DeliveryStates returns the delivery state of each company (nil: all with
// an İYS code). integrator says whether the integrator check is on (an
// integrator code is configured); without it the manual tick decides and
// no access is required.
func (s *Store) DeliveryStates(ctx context.Context, companyIDs []int64, integrator bool) ([]DeliveryState, error) {
	rows, _ := s.pool.Query(ctx, `SELECT c.id, c.iys_code, h.code, h.reason, h.since, k.checked_at, COALESCE(k.listed, false), COALESCE(k.error, '')
		FROM companies c LEFT JOIN iys_delivery_holds h ON h.company_id = c.id LEFT JOIN iys_integrator_checks k ON k.company_id = c.id
		WHERE COALESCE(c.iys_code, '') <> '' AND ($1::bigint[] IS NULL OR c.id = ANY($1)) ORDER BY c.id`, companyIDs)
	type row struct {
		st      DeliveryState
		iysCode string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		var code, reason *string
		var since *time.Time
		err := r.Scan(&x.st.CompanyID, &x.iysCode, &code, &reason, &since, &x.st.CheckedAt, &x.st.Listed, &x.st.CheckError)
		if code != nil {
			x.st.Hold = &Hold{CompanyID: x.st.CompanyID, Code: *code, Reason: *reason, Since: *since}
		}
		return x, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryState, len(list))
	for i, x := range list {
		st := x.st
		if st.Access, err = s.brandAccess(ctx, st.CompanyID); err != nil {
			return nil, err
		}
		if st.Hold != nil {
			st.Waiting = append(st.Waiting, "İYS gönderimi durdurdu: "+st.Hold.Reason)
		}
		if integrator {
			waits, err := s.integratorWaits(ctx, &st, x.iysCode)
			if err != nil {
				return nil, err
			}
			st.Waiting = append(st.Waiting, waits...)
		}
		out[i] = st
	}
	return out, nil
}

// brandAccess is İYS's last answer for the company, per brand and channel.
func (s *Store) brandAccess(ctx context.Context, companyID int64) ([]BrandAccess, error) {
	rows, _ := s.pool.Query(ctx, `SELECT brand_code, brand_name, type, access FROM iys_integrator_access WHERE company_id = $1
		ORDER BY brand_code, array_position(ARRAY['ARAMA', 'MESAJ', 'EPOSTA'], type)`, companyID)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BrandAccess, error) {
		var a BrandAccess
		return a, r.Scan(&a.BrandCode, &a.BrandName, &a.Type, &a.Access)
	})
	if list == nil {
		list = []BrandAccess{}
	}
	return list, err
}

// integratorWaits are the Turkish reasons the company's brands wait for
// İYS's integrator answer.
func (s *Store) integratorWaits(ctx context.Context, st *DeliveryState, iysCode string) ([]string, error) {
	switch {
	case st.CheckedAt == nil:
		return []string{"İYS'ye iş ortağı ataması henüz sorulmadı; İYS ajansı firmanın iş ortağı olarak gösterince gönderimler başlar."}, nil
	case !st.Listed:
		return []string{fmt.Sprintf("İYS, ajansı bu firmanın (İYS numarası %s) iş ortağı olarak göstermiyor. Firma İYS'de (hs.iys.org.tr) ajansı iş ortağı olarak atayana kadar gönderimler bekler.", iysCode)}, nil
	}
	var waits []string
	if st.CheckError != "" {
		waits = append(waits, "İYS'den iş ortağı bilgisi son sorguda alınamadı ("+st.CheckError+"); bir önceki cevaptaki yetkiler geçerli.")
	}
	rows, _ := s.pool.Query(ctx, `SELECT b.name, b.brand_code, t.type, COALESCE(a.access, '')
		FROM brands b CROSS JOIN unnest(ARRAY['ARAMA', 'MESAJ', 'EPOSTA']) AS t(type)
		LEFT JOIN iys_integrator_access a ON a.company_id = b.company_id AND a.brand_code = b.brand_code AND a.type = t.type
		WHERE b.company_id = $1 AND COALESCE(b.brand_code, '') <> '' AND COALESCE(a.access, '') <> 'write'
		ORDER BY b.brand_code, array_position(ARRAY['ARAMA', 'MESAJ', 'EPOSTA'], t.type)`, st.CompanyID)
	var name, code, typ, access string
	_, err := pgx.ForEachRow(rows, []any{&name, &code, &typ, &access}, func() error {
		what := "hiçbir yetki vermiyor"
		if access == "read" {
			what = "yalnızca okuma yetkisi veriyor"
		}
		waits = append(waits, fmt.Sprintf("%s markası (%s): İYS %s izinlerinde ajansa %s; bu kanalın gönderimleri bekler.", name, code, typ, what))
		return nil
	})
	return waits, err
}
