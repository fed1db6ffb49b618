package web

import (
	"github.com/gofiber/fiber/v2"

	"iysgate/policy"
)

// routes registers every route with the permission that guards it.
func (s *Server) routes() {
	const get, post, del = fiber.MethodGet, fiber.MethodPost, fiber.MethodDelete

	// Public: health, metrics for the monitoring system, assets, login.
	s.handle(get, "/healthz", policy.Public, s.health)
	s.handle(get, "/readyz", policy.Public, s.ready)
	s.handle(get, "/metrics", policy.Public, s.metricsHandler())
	s.handle(get, "/static/*", policy.Public, s.staticHandler)
	s.handle(get, "/login", policy.Public, s.loginPage)
	s.handle(post, "/login", policy.Public, s.login)

	// UI.
	s.handle(post, "/logout", policy.Authenticated, s.logout)
	s.handle(get, "/", policy.DashboardView, s.dashboard)
	s.handle(get, "/users", policy.UsersView, s.usersPage)
	s.handle(get, "/users/new", policy.UsersManage, s.newUserPage)
	s.handle(post, "/users", policy.UsersManage, s.createUser)
	s.handle(get, "/users/:id/edit", policy.UsersManage, s.editUserPage)
	s.handle(post, "/users/:id", policy.UsersManage, s.updateUser)
	s.handle(post, "/users/:id/disable", policy.UsersManage, s.disableUser)
	s.handle(get, "/tokens", policy.TokensOwn, s.tokensPage)
	s.handle(post, "/tokens", policy.TokensOwn, s.createToken)
	s.handle(post, "/tokens/:id/revoke", policy.TokensOwn, s.revokeToken)
	s.handle(get, "/audit", policy.AuditView, s.auditPage)

	// JSON API (bearer tokens).
	s.handle(get, "/api/v1/me", policy.Authenticated, s.apiMe)
	s.handle(get, "/api/v1/users", policy.UsersView, s.apiUsers)
	s.handle(post, "/api/v1/users", policy.UsersManage, s.apiCreateUser)
	s.handle(post, "/api/v1/users/:id/disable", policy.UsersManage, s.disableUser)
	s.handle(get, "/api/v1/tokens", policy.TokensOwn, s.apiTokens)
	s.handle(post, "/api/v1/tokens", policy.TokensOwn, s.apiCreateToken)
	s.handle(del, "/api/v1/tokens/:id", policy.TokensOwn, s.revokeToken)
}
