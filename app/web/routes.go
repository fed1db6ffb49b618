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
	s.handle(get, "/account", policy.Authenticated, s.accountPage)
	s.handle(post, "/account/password", policy.Authenticated, s.changePassword)
	s.handle(get, "/", policy.DashboardView, s.dashboard)
	s.handle(get, "/users", policy.UsersView, s.usersPage)
	s.handle(get, "/users/new", policy.UsersManage, s.newUserPage)
	s.handle(post, "/users", policy.UsersManage, s.createUser)
	s.handle(get, "/users/:id/edit", policy.UsersManage, s.editUserPage)
	s.handle(post, "/users/:id", policy.UsersManage, s.updateUser)
	s.handle(post, "/users/:id/disable", policy.UsersManage, s.disableUser)
	s.handle(post, "/users/:id/delete", policy.UsersManage, s.deleteUser)
	s.handle(get, "/tokens", policy.TokensOwn, s.tokensPage)
	s.handle(post, "/tokens", policy.TokensOwn, s.createToken)
	s.handle(post, "/tokens/:id/revoke", policy.TokensOwn, s.revokeToken)
	s.handle(get, "/audit", policy.AuditView, s.auditPage)

	s.handle(get, "/companies", policy.CompaniesManage, s.companiesPage)
	s.handle(post, "/companies", policy.CompaniesManage, s.createCompany)
	s.handle(get, "/companies/:id", policy.SettingsView, s.companyPage)
	s.handle(post, "/companies/:id", policy.CompaniesManage, s.updateCompany)
	s.handle(post, "/companies/:id/brands", policy.CompaniesManage, s.createBrand)
	s.handle(post, "/brands/:id", policy.CompaniesManage, s.updateBrand)
	s.handle(post, "/brands/:id/four-eyes", policy.BrandsSettings, s.setFourEyes)
	s.handle(post, "/companies/:id/onboarding/:step", policy.CompaniesManage, s.setOnboarding)
	s.handle(get, "/settings", policy.SettingsView, s.settingsPage)
	s.handle(get, "/brands", policy.BrandsView, s.brandsPage)
	s.handle(get, "/consents", policy.ConsentsView, s.consentsPage)
	s.handle(get, "/consents/export", policy.ConsentsView, s.exportConsents)
	s.handle(get, "/consents/history", policy.ConsentsView, s.historyPage)
	s.handle(get, "/consents/new", policy.ConsentsEdit, s.newConsentPage)
	s.handle(post, "/consents", policy.ConsentsEdit, s.createConsent)

	// JSON API (bearer tokens).
	s.handle(get, "/api/v1/me", policy.Authenticated, s.apiMe)
	s.handle(get, "/api/v1/users", policy.UsersView, s.apiUsers)
	s.handle(post, "/api/v1/users", policy.UsersManage, s.apiCreateUser)
	s.handle(post, "/api/v1/users/:id/disable", policy.UsersManage, s.disableUser)
	s.handle(del, "/api/v1/users/:id", policy.UsersManage, s.deleteUser)
	s.handle(get, "/api/v1/tokens", policy.TokensOwn, s.apiTokens)
	s.handle(post, "/api/v1/tokens", policy.TokensOwn, s.apiCreateToken)
	s.handle(del, "/api/v1/tokens/:id", policy.TokensOwn, s.revokeToken)
	s.handle(post, "/api/v1/companies", policy.CompaniesManage, s.apiCreateCompany)
	s.handle(fiber.MethodPatch, "/api/v1/companies/:id", policy.CompaniesManage, s.apiUpdateCompany)
	s.handle(post, "/api/v1/brands", policy.CompaniesManage, s.apiCreateBrand)
	s.handle(get, "/api/v1/brands", policy.BrandsView, s.apiBrands)
	s.handle(post, "/api/v1/consents", policy.ConsentsEdit, s.apiCreateConsent)
	s.handle(get, "/api/v1/consents", policy.ConsentsView, s.apiConsents)
	s.handle(get, "/api/v1/consents/history", policy.ConsentsView, s.apiHistory)
	s.handle(get, "/api/v1/dashboard", policy.DashboardView, s.apiDashboard)
	s.handle(get, "/imports/template/:kind", policy.ImportsView, s.importTemplate)
	s.handle(get, "/imports", policy.ImportsView, s.importsPage)
	s.handle(get, "/imports/errors", policy.ImportsView, s.errorReportsPage)
	s.upload(post, "/imports", policy.ImportsUpload, s.uploadImport)
	s.handle(get, "/imports/:id", policy.ImportsView, s.importPage)
	s.handle(post, "/imports/:id/approve", policy.ImportsSend, s.approveImport)
	s.handle(post, "/imports/:id/discard", policy.ImportsUpload, s.discard)
	s.upload(post, "/api/v1/imports", policy.ImportsUpload, s.apiUpload)
	s.handle(get, "/api/v1/imports/:id", policy.ImportsView, s.apiImport)
	s.handle(get, "/api/v1/imports/:id/rows", policy.ImportsView, s.apiImportRows)
	s.handle(get, "/api/v1/imports/:id/errors.xlsx", policy.ImportsView, s.errorWorkbook)
	s.handle(get, "/imports/:id/errors.xlsx", policy.ImportsView, s.errorWorkbook)
	s.handle(post, "/api/v1/imports/:id/approve", policy.ImportsSend, s.apiApproveImport)
	s.handle(del, "/api/v1/imports/:id", policy.ImportsUpload, s.discard)
	// Column mapping of an import whose header did not map (import_mapping.go).
	s.handle(post, "/imports/:id/mapping", policy.ImportsUpload, s.mappingPage)
	s.handle(post, "/api/v1/imports/:id/mapping", policy.ImportsUpload, s.apiSetMapping)

	// Quota: Abonelikler, the Admin's price list and approvals.
	s.handle(get, "/subscriptions", policy.QuotaView, s.subscriptionsPage)
	s.handle(post, "/subscriptions", policy.QuotaRequest, s.requestSubscription)
	s.handle(post, "/subscriptions/:id/approve", policy.QuotaManage, s.decideSubscription)
	s.handle(post, "/subscriptions/:id/reject", policy.QuotaManage, s.decideSubscription)
	s.handle(get, "/packages", policy.QuotaManage, s.packagesPage)
	s.handle(post, "/packages/kdv", policy.QuotaManage, s.updateKDV)
	s.handle(post, "/packages/:id", policy.QuotaManage, s.updatePackage)
	s.handle(get, "/api/v1/quota", policy.QuotaView, s.apiQuota)
	s.handle(post, "/api/v1/subscriptions", policy.QuotaRequest, s.apiRequestSubscription)
	s.handle(post, "/api/v1/subscriptions/:id/approve", policy.QuotaManage, s.decideSubscription)
	s.handle(post, "/api/v1/subscriptions/:id/reject", policy.QuotaManage, s.decideSubscription)

	// Delivery to İYS: Gönderimler.
	s.handle(get, "/deliveries", policy.DeliveryView, s.deliveriesPage)
	s.handle(post, "/deliveries/:id/retry", policy.DeliveryRetry, s.retryBatch)
	s.handle(get, "/api/v1/deliveries", policy.DeliveryView, s.apiDeliveries)
	s.handle(post, "/api/v1/deliveries/:id/retry", policy.DeliveryRetry, s.retryBatch)

	// Webhooks: a brand's endpoints, their delivery log, resending.
	s.handle(get, "/webhooks", policy.WebhooksManage, s.webhooksPage)
	s.handle(post, "/webhooks", policy.WebhooksManage, s.createWebhook)
	s.handle(get, "/webhooks/:id", policy.WebhooksManage, s.webhookPage)
	s.handle(post, "/webhooks/:id", policy.WebhooksManage, s.updateWebhook)
	s.handle(post, "/webhooks/:id/delete", policy.WebhooksManage, s.deleteWebhook)
	s.handle(post, "/webhooks/:id/deliveries/:delivery/resend", policy.WebhooksManage, s.resendWebhook)
	s.handle(get, "/api/v1/webhooks", policy.WebhooksManage, s.apiWebhooks)
	s.handle(post, "/api/v1/webhooks", policy.WebhooksManage, s.apiCreateWebhook)
	s.handle(get, "/api/v1/webhooks/:id", policy.WebhooksManage, s.apiWebhook)
	s.handle(fiber.MethodPatch, "/api/v1/webhooks/:id", policy.WebhooksManage, s.apiUpdateWebhook)
	s.handle(del, "/api/v1/webhooks/:id", policy.WebhooksManage, s.deleteWebhook)
	s.handle(get, "/api/v1/webhooks/:id/deliveries", policy.WebhooksManage, s.apiWebhookDeliveries)
	s.handle(post, "/api/v1/webhooks/:id/deliveries/:delivery/resend", policy.WebhooksManage, s.resendWebhook)

	// Consent check API and Tarama (list scrub).
	s.handle(post, "/api/v1/check", policy.ConsentsView, s.apiCheck)
	s.handle(get, "/scrubs", policy.ConsentsView, s.scrubsPage)
	s.upload(post, "/scrubs", policy.ConsentsView, s.uploadScrub)
	s.handle(get, "/scrubs/:id", policy.ConsentsView, s.scrubRow)
	s.handle(get, "/scrubs/:id/download", policy.ConsentsView, s.downloadScrub)
	s.handle(get, "/api/v1/scrubs", policy.ConsentsView, s.apiScrubs)
	s.upload(post, "/api/v1/scrubs", policy.ConsentsView, s.apiUploadScrub)
	s.handle(get, "/api/v1/scrubs/:id", policy.ConsentsView, s.apiScrub)
	s.handle(get, "/api/v1/scrubs/:id/result.xlsx", policy.ConsentsView, s.downloadScrub)

	// Gösterge's trend, Raporlar (within the brands whose consents the
	// user sees) and Yardım.
	s.handle(get, "/dashboard/trend", policy.DashboardView, s.trendPanel)
	s.handle(get, "/reports", policy.ConsentsView, s.reportsPage)
	s.handle(get, "/reports/export", policy.ConsentsView, s.exportReport)
	s.handle(get, "/api/v1/reports", policy.ConsentsView, s.apiReport)
	s.handle(get, "/help", policy.Authenticated, s.helpPage)
	// The API's lists that have no page of their own above (one envelope,
	// keyset pages: see pages.go), its description (openapi.yaml; public:
	// see openAPI), the same as OpenAPI 3.0.3 for the tools that read only
	// 3.0, and the page that renders it.
	s.handle(get, "/api/v1/imports", policy.ImportsView, s.apiImports)
	s.handle(get, "/api/v1/companies", policy.SettingsView, s.apiCompanies)
	s.handle(get, "/api/v1/subscriptions", policy.QuotaView, s.apiSubscriptions)
	s.handle(get, "/api/v1/openapi.json", policy.Public, s.openAPI)
	s.handle(get, "/api/v1/openapi-3.0.json", policy.Public, s.openAPI30)
	s.handle(get, "/tokens/api", policy.TokensOwn, s.apiDocsPage)
}
