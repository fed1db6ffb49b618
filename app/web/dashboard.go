package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/policy"
)

// dashboardData is Gösterge: totals over the brands the user may see, per
// brand, and the latest changes.
type dashboardData struct {
	Totals totals           `json:"totals"`
	Brands []brandTotals    `json:"brands"`
	Recent []store.Event    `json:"recent"`
	Roles  map[int64]string `json:"-"`
	Quota  []companyQuota   `json:"quota"`
	// Stale lists brands whose İYS changes were not pulled for 6 days
	// (İYS keeps them for 7).
	Stale []store.StalePull `json:"stale_pulls"`
}

// totals counts consents registered at İYS and, beside them, those on
// their way (Pending): a count never mixes the two.
type totals struct {
	counts
	Pending counts `json:"pending"`
}

type counts struct {
	Mesaj  int64 `json:"mesaj"`
	Arama  int64 `json:"arama"`
	Eposta int64 `json:"eposta"`
	Onay   int64 `json:"onay"`
	Ret    int64 `json:"ret"`
}

type brandTotals struct {
	store.Brand
	totals
}

func (t *totals) add(st store.BrandStat) {
	if st.Kind == store.StatPending {
		t.Pending.add(st)
	} else {
		t.counts.add(st)
	}
}

func (t *counts) add(st store.BrandStat) {
	switch st.Type {
	case "MESAJ":
		t.Mesaj += st.N
	case "ARAMA":
		t.Arama += st.N
	case "EPOSTA":
		t.Eposta += st.N
	}
	if st.Status == "ONAY" {
		t.Onay += st.N
	} else {
		t.Ret += st.N
	}
}

func (s *Server) dashboardFor(ctx context.Context, u *store.User) (*dashboardData, error) {
	ids, all := s.deps.Policy.BrandsWith(u.ID, policy.DashboardView)
	if all {
		ids = nil
	}
	brands, err := s.deps.Store.ListBrands(ctx, ids)
	if err != nil {
		return nil, err
	}
	stats, err := s.deps.Store.BrandStats(ctx, ids)
	if err != nil {
		return nil, err
	}
	d := &dashboardData{Roles: map[int64]string{}, Brands: []brandTotals{}}
	idx := map[int64]int{}
	for i, b := range brands {
		idx[b.ID] = i
		d.Brands = append(d.Brands, brandTotals{Brand: b})
		d.Roles[b.ID] = policy.RoleAdmin
	}
	for _, m := range u.Memberships {
		d.Roles[m.BrandID] = m.Role
	}
	for _, st := range stats {
		if i, ok := idx[st.BrandID]; ok {
			d.Brands[i].add(st)
			d.Totals.add(st)
		}
	}
	if d.Recent, err = s.deps.Store.RecentEvents(ctx, ids, 10); err != nil {
		return nil, err
	}
	if d.Recent == nil {
		d.Recent = []store.Event{}
	}
	if d.Stale, err = s.deps.Store.StalePulls(ctx, ids, 6*24*time.Hour); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) dashboard(c *fiber.Ctx) error {
	d, err := s.dashboardFor(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	if d.Quota, err = s.quotaBoxes(c); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "dashboard", "Gösterge", d)
}

func (s *Server) apiDashboard(c *fiber.Ctx) error {
	d, err := s.dashboardFor(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	if d.Quota, err = s.quotaBoxes(c); err != nil {
		return err
	}
	if d.Quota == nil {
		d.Quota = []companyQuota{} // a list, also when empty
	}
	return c.JSON(d)
}
