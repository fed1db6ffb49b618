package web

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// Abonelikler: a company's packages, balance and spending; a Yönetici
// requests packages, an Admin approves or rejects them and keeps the price
// list.

// companyScope lists the companies in which the user holds perm (all: Admin).
func (s *Server) companyScope(c *fiber.Ctx, perm string) ([]*store.Company, error) {
	ids, err := s.companyIDs(c, perm)
	if err != nil || (ids != nil && len(ids) == 0) {
		return nil, err
	}
	return s.deps.Store.ListCompanies(c.UserContext(), ids)
}

// companyIDs lists the companies of the brands in which the user holds
// perm: nil for every company (Admin), empty for none.
func (s *Server) companyIDs(c *fiber.Ctx, perm string) ([]int64, error) {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, perm)
	if all {
		return nil, nil
	}
	companyIDs := []int64{}
	if len(ids) == 0 {
		return companyIDs, nil
	}
	brands, err := s.deps.Store.ListBrands(c.UserContext(), ids)
	if err != nil {
		return nil, err
	}
	for _, b := range brands {
		if !slices.Contains(companyIDs, b.CompanyID) {
			companyIDs = append(companyIDs, b.CompanyID)
		}
	}
	return companyIDs, nil
}

// mayCompany reports whether the user holds perm in a brand of companyID.
func (s *Server) mayCompany(c *fiber.Ctx, companyID int64, perm string) (bool, error) {
	cs, err := s.companyScope(c, perm)
	return slices.ContainsFunc(cs, func(co *store.Company) bool { return co.ID == companyID }), err
}

type subscriptionsPage struct {
	Companies []*store.Company
	Company   *store.Company
	Quota     store.Quota
	Subs      []store.Subscription
	Spending  []store.LedgerEntry
	Packages  []store.Package
	Pending   []store.Subscription // Admin's queue, all companies
	CanAsk    bool
	CanManage bool
	Elapsed   string
	Error     string
	Now       time.Time
}

func (s *Server) subscriptionsPage(c *fiber.Ctx) error {
	return s.renderSubscriptions(c, fiber.StatusOK, "")
}

func (s *Server) renderSubscriptions(c *fiber.Ctx, status int, formErr string) error {
	ctx := c.UserContext()
	companies, err := s.companyScope(c, policy.QuotaView)
	if err != nil {
		return err
	}
	u := currentUser(c)
	d := &subscriptionsPage{Companies: companies, Error: formErr, Now: time.Now(), CanManage: s.deps.Policy.IsAdmin(u.ID)}
	asked := c.Query("company_id", c.FormValue("company_id"))
	want, _ := strconv.ParseInt(asked, 10, 64)
	for i, co := range companies {
		if co.ID == want || (asked == "" && i == 0) {
			d.Company = co
		}
	}
	if d.Company == nil && asked != "" {
		// A company the user may not see reads as one that does not exist.
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Firma bulunamadı.")
	}
	if d.Company != nil {
		id := d.Company.ID
		if d.Quota, err = s.deps.Store.Quota(ctx, id); err != nil {
			return err
		}
		if d.Subs, err = s.deps.Store.Subscriptions(ctx, []int64{id}, ""); err != nil {
			return err
		}
		if d.Spending, err = s.deps.Store.Ledger(ctx, []int64{id}, []string{"debit"}, 100); err != nil {
			return err
		}
		if d.CanAsk, err = s.mayCompany(c, id, policy.QuotaRequest); err != nil {
			return err
		}
		if d.Quota.StartedAt != nil {
			d.Elapsed = fmt.Sprintf("%d gün", int(time.Since(*d.Quota.StartedAt).Hours()/24))
		}
	}
	if d.Packages, err = s.deps.Store.Packages(ctx); err != nil {
		return err
	}
	if d.CanManage {
		if d.Pending, err = s.deps.Store.Subscriptions(ctx, nil, store.SubscriptionPending); err != nil {
			return err
		}
	}
	return s.render(c, status, "subscriptions", "Abonelikler", d)
}

func (s *Server) requestSubscription(c *fiber.Ctx) error {
	companyID, _ := strconv.ParseInt(c.FormValue("company_id"), 10, 64)
	units, _ := strconv.ParseInt(c.FormValue("units"), 10, 64)
	sub, err := s.doRequest(c, companyID, units)
	if we := asError(err); we != nil && we.Status == fiber.StatusUnprocessableEntity {
		return s.renderSubscriptions(c, we.Status, we.Fields[0].Message)
	}
	if err != nil {
		return err
	}
	return s.saved(c, "/subscriptions?company_id="+itoa(companyID),
		fmt.Sprintf("İleti %s paketi talebiniz alındı; Admin onayı bekliyor.", store.Thousands(sub.Units)))
}

// doRequest is the purchase request of the page and the API.
func (s *Server) doRequest(c *fiber.Ctx, companyID, units int64) (*store.Subscription, error) {
	ok, err := s.mayCompany(c, companyID, policy.QuotaRequest)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Status: fiber.StatusNotFound, Code: "NOT_FOUND", Message: "Firma bulunamadı."}
	}
	sub, err := s.deps.Store.RequestSubscription(c.UserContext(), actor(c), companyID, units)
	if errors.Is(err, store.ErrUnknownPackage) {
		var p validate.Problems
		p.Add("units", "UNKNOWN_PACKAGE", "Paket seçin: yalnızca listedeki paketler satın alınabilir.")
		return nil, p
	}
	return sub, err
}

func (s *Server) decideSubscription(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	approve := strings.HasSuffix(c.Path(), "/approve")
	var reason string
	if !approve {
		if wantsJSON(c) && c.Is("json") {
			var body struct {
				Reason string `json:"reason"`
			}
			if err := parseJSON(c, &body); err != nil {
				return err
			}
			reason = body.Reason
		} else {
			reason = c.FormValue("reason")
		}
		var p validate.Problems
		p.Text("reason", "Reddetme gerekçesi", &reason, validate.MaxReason, true)
		if len(p) > 0 {
			if wantsJSON(c) {
				return p
			}
			return s.renderSubscriptions(c, fiber.StatusUnprocessableEntity, p[0].Message)
		}
	}
	var sub *store.Subscription
	if approve {
		sub, err = s.deps.Store.ApproveSubscription(c.UserContext(), actor(c), int64(id))
	} else {
		sub, err = s.deps.Store.RejectSubscription(c.UserContext(), actor(c), int64(id), reason)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Talep bulunamadı.")
	case errors.Is(err, store.ErrNotPending):
		return s.fail(c, fiber.StatusConflict, "NOT_PENDING", "Bu talep zaten sonuçlanmış.")
	case err != nil:
		return err
	}
	if wantsJSON(c) {
		return c.JSON(subscriptionJSON(sub))
	}
	msg := fmt.Sprintf("%s için İleti %s paketi onaylandı.", sub.CompanyTitle, store.Thousands(sub.Units))
	if !approve {
		msg = fmt.Sprintf("%s için İleti %s paketi reddedildi.", sub.CompanyTitle, store.Thousands(sub.Units))
	}
	return s.saved(c, "/subscriptions?company_id="+itoa(sub.CompanyID), msg)
}

func subscriptionJSON(sub *store.Subscription) fiber.Map {
	return fiber.Map{"id": sub.ID, "company_id": sub.CompanyID, "units": sub.Units, "status": sub.Status,
		"price_kurus": sub.PriceKurus, "price_with_kdv_kurus": sub.PriceWithKDV(), "kdv_rate": sub.KDVRate,
		"requested_by": sub.RequestedBy, "requested_at": sub.RequestedAt, "decided_by": sub.DecidedBy, "decided_at": sub.DecidedAt,
		"reject_reason": sub.RejectReason, "starts_at": sub.StartsAt, "ends_at": sub.EndsAt}
}

func (s *Server) apiRequestSubscription(c *fiber.Ctx) error {
	var body struct {
		CompanyID int64 `json:"company_id"`
		Units     int64 `json:"units"`
	}
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	sub, err := s.doRequest(c, body.CompanyID, body.Units)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(subscriptionJSON(sub))
}

// apiSubscriptions lists the package purchases of the companies the user
// may see, newest first: ?company_id= one company's, ?status= those in one
// status.
func (s *Server) apiSubscriptions(c *fiber.Ctx) error {
	ids, err := s.companyIDs(c, policy.QuotaView)
	if err != nil {
		return err
	}
	var p validate.Problems
	if v := c.Query("company_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil || id <= 0:
			p.Add("company_id", "INVALID", "company_id bir firmanın numarası (pozitif tam sayı) olmalı.")
		case ids != nil && !slices.Contains(ids, id):
			return &Error{Status: fiber.StatusNotFound, Code: "NOT_FOUND", Message: "Firma bulunamadı."}
		}
		ids = []int64{id}
	}
	status := store.SubscriptionStatus(c.Query("status"))
	if status != "" && !status.Valid() {
		p.Add("status", "INVALID", "status pending, active ya da rejected olmalı.")
	}
	if len(p) > 0 {
		return p
	}
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	subs, next, err := s.deps.Store.SubscriptionPage(c.UserContext(), ids, status, page)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(subs))
	for i := range subs {
		out[i] = subscriptionJSON(&subs[i])
	}
	return list(c, "subscriptions", out, next)
}

func (s *Server) apiQuota(c *fiber.Ctx) error {
	companyID, err := strconv.ParseInt(c.Query("company_id"), 10, 64)
	if err != nil {
		return required("company_id", "company_id gerekli.")
	}
	ok, err := s.mayCompany(c, companyID, policy.QuotaView)
	if err != nil {
		return err
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Firma bulunamadı.")
	}
	q, err := s.deps.Store.Quota(c.UserContext(), companyID)
	if err != nil {
		return err
	}
	now := time.Now()
	return c.JSON(fiber.Map{"company_id": q.CompanyID, "total": q.Total, "spent": q.Spent, "reserved": q.Reserved,
		"remaining": q.Remaining, "waiting": q.Waiting, "next_expiry": q.NextExpiry, "low": q.Low(), "expires_soon": q.ExpiresSoon(now)})
}

// Paketler (Admin): the price list and the KDV rate.

func (s *Server) packagesPage(c *fiber.Ctx) error { return s.renderPackages(c, fiber.StatusOK, "") }

func (s *Server) renderPackages(c *fiber.Ctx, status int, formErr string) error {
	ps, err := s.deps.Store.Packages(c.UserContext())
	if err != nil {
		return err
	}
	rate, err := s.deps.Store.Setting(c.UserContext(), "kdv_rate")
	if err != nil {
		return err
	}
	return s.render(c, status, "packages", "Paketler", map[string]any{"Packages": ps, "KDV": rate, "Error": formErr})
}

// parseTL reads "750", "750,50" or "1.350,00" as kuruş.
func parseTL(v string) (int64, bool) {
	v = strings.ReplaceAll(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "TL")), ".", "")
	lira, kurus, _ := strings.Cut(v, ",")
	l, err := strconv.ParseInt(lira, 10, 64)
	if err != nil || l < 0 || len(kurus) > 2 {
		return 0, false
	}
	k := int64(0)
	if kurus != "" {
		if len(kurus) == 1 {
			kurus += "0"
		}
		if k, err = strconv.ParseInt(kurus, 10, 64); err != nil || k < 0 {
			return 0, false
		}
	}
	return l*100 + k, true
}

func (s *Server) updatePackage(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	price, ok := parseTL(c.FormValue("price"))
	days, err := strconv.Atoi(c.FormValue("validity_days"))
	if !ok || err != nil || days < 1 || days > 3650 {
		return s.renderPackages(c, fiber.StatusUnprocessableEntity, "Fiyatı TL olarak (ör. 1.350,00) ve geçerlilik süresini 1-3650 gün arasında girin.")
	}
	p := store.Package{ID: int64(id), PriceKurus: price, ValidityDays: days, Active: c.FormValue("active") == "on"}
	if err := s.deps.Store.UpdatePackage(c.UserContext(), actor(c), p); errors.Is(err, store.ErrNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	return s.saved(c, "/packages", "Paket güncellendi.")
}

func (s *Server) updateKDV(c *fiber.Ctx) error {
	v := strings.ReplaceAll(strings.TrimSpace(c.FormValue("kdv_rate")), ",", ".")
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r < 0 || r > 100 {
		return s.renderPackages(c, fiber.StatusUnprocessableEntity, "KDV oranını 0 ile 100 arasında bir sayı olarak girin.")
	}
	if err := s.deps.Store.SetSetting(c.UserContext(), actor(c), "kdv_rate", strconv.FormatFloat(r, 'f', -1, 64)); err != nil {
		return err
	}
	return s.saved(c, "/packages", "KDV oranı güncellendi.")
}

// formatTL writes kuruş as "1.350,00 TL".
func formatTL(kurus int64) string {
	return fmt.Sprintf("%s,%02d TL", store.Thousands(kurus/100), kurus%100)
}

// companyQuota is one company's balance for the quota boxes.
type companyQuota struct {
	Title string      `json:"company_title"`
	Quota store.Quota `json:"quota"`
}

// quotaBoxes returns the balance of each company the user may see (at most
// a handful: an Admin with many companies sees those that bought packages).
func (s *Server) quotaBoxes(c *fiber.Ctx) ([]companyQuota, error) {
	if !s.deps.Policy.CanAny(currentUser(c).ID, policy.QuotaView) {
		return nil, nil
	}
	companies, err := s.companyScope(c, policy.QuotaView)
	if err != nil || len(companies) == 0 {
		return nil, err
	}
	ids := make([]int64, len(companies))
	titles := map[int64]string{}
	for i, co := range companies {
		ids[i], titles[co.ID] = co.ID, co.Title
	}
	if s.deps.Policy.IsAdmin(currentUser(c).ID) {
		ids = nil // companies that have bought packages
	}
	qs, err := s.deps.Store.QuotaOf(c.UserContext(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]companyQuota, 0, len(qs))
	for _, q := range qs {
		out = append(out, companyQuota{Title: titles[q.CompanyID], Quota: q})
	}
	if len(out) > 6 {
		out = out[:6]
	}
	return out, nil
}
