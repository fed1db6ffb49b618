package web

import (
	"github.com/gofiber/fiber/v2"

	"iysgate/policy"
)

func (s *Server) dashboard(c *fiber.Ctx) error {
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
	roles := map[int64]string{}
	for _, b := range brands {
		roles[b.ID] = policy.RoleAdmin
	}
	for _, m := range u.Memberships {
		roles[m.BrandID] = m.Role
	}
	userCount := 0
	if s.deps.Policy.CanAny(u.ID, policy.UsersView) {
		mids, mall := s.deps.Policy.BrandsWith(u.ID, policy.UsersView)
		if mall {
			mids = nil
		}
		users, err := s.deps.Store.ListUsers(ctx, mids)
		if err != nil {
			return err
		}
		userCount = len(users)
	}
	return s.render(c, fiber.StatusOK, "dashboard", "Gösterge", map[string]any{"Brands": brands, "Roles": roles, "UserCount": userCount})
}
