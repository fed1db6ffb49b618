package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"iysgate/policy"
)

// who may reach each route: "public", or the roles. A route that is added
// without a line here fails TestEveryRouteForEveryRole.
var routeAccess = map[string]string{
	"GET /healthz":  "public",
	"GET /readyz":   "public",
	"GET /metrics":  "public",
	"GET /static/*": "public",
	"GET /login":    "public",
	"POST /login":   "public",
	"POST /logout":  "admin yonetici personel musteri",
	"GET /account":  "admin yonetici personel musteri",

	"POST /account/password":   "admin yonetici personel musteri",
	"POST /users/:id/delete":   "admin yonetici",
	"DELETE /api/v1/users/:id": "admin yonetici",
	"GET /":                    "admin yonetici personel musteri",
	"GET /tokens":              "admin yonetici personel musteri",
	"POST /tokens":             "admin yonetici personel musteri",
	"GET /users":               "admin yonetici",
	"GET /users/new":           "admin yonetici",
	"POST /users":              "admin yonetici",
	"GET /audit":               "admin",

	"GET /users/:id/edit":            "admin yonetici",
	"POST /users/:id":                "admin yonetici",
	"POST /users/:id/disable":        "admin yonetici",
	"POST /tokens/:id/revoke":        "admin yonetici personel musteri",
	"GET /api/v1/me":                 "admin yonetici personel musteri",
	"GET /api/v1/users":              "admin yonetici",
	"POST /api/v1/users":             "admin yonetici",
	"POST /api/v1/users/:id/disable": "admin yonetici",
	"GET /api/v1/tokens":             "admin yonetici personel musteri",
	"POST /api/v1/tokens":            "admin yonetici personel musteri",
	"DELETE /api/v1/tokens/:id":      "admin yonetici personel musteri",

	"GET /companies":                       "admin",
	"POST /companies":                      "admin",
	"GET /companies/:id":                   "admin yonetici",
	"POST /companies/:id":                  "admin",
	"POST /companies/:id/brands":           "admin",
	"POST /brands/:id":                     "admin",
	"POST /brands/:id/four-eyes":           "admin yonetici",
	"POST /companies/:id/onboarding/:step": "admin",
	"GET /settings":                        "admin yonetici",
	"GET /brands":                          "admin yonetici personel musteri",
	"GET /consents":                        "admin yonetici personel musteri",
	"GET /consents/export":                 "admin yonetici personel musteri",
	"GET /consents/history":                "admin yonetici personel musteri",
	"GET /consents/new":                    "admin yonetici personel",
	"POST /consents":                       "admin yonetici personel",
	"POST /api/v1/companies":               "admin",
	"PATCH /api/v1/companies/:id":          "admin",
	"POST /api/v1/brands":                  "admin",
	"GET /api/v1/brands":                   "admin yonetici personel musteri",
	"POST /api/v1/consents":                "admin yonetici personel",
	"GET /api/v1/consents":                 "admin yonetici personel musteri",
	"GET /api/v1/consents/history":         "admin yonetici personel musteri",
	"GET /api/v1/dashboard":                "admin yonetici personel musteri",
	"GET /imports/template/:kind":          "admin yonetici personel musteri",
	"GET /imports":                         "admin yonetici personel musteri",
	"GET /imports/errors":                  "admin yonetici personel musteri",
	"POST /imports":                        "admin yonetici personel",
	"GET /imports/:id":                     "admin yonetici personel musteri",
	"POST /imports/:id/approve":            "admin yonetici personel",
	"POST /imports/:id/discard":            "admin yonetici personel",
	"POST /api/v1/imports":                 "admin yonetici personel",
	"GET /api/v1/imports/:id":              "admin yonetici personel musteri",
	"GET /api/v1/imports/:id/rows":         "admin yonetici personel musteri",
	"GET /api/v1/imports/:id/errors.xlsx":  "admin yonetici personel musteri",
	"GET /imports/:id/errors.xlsx":         "admin yonetici personel musteri",
	"POST /api/v1/imports/:id/approve":     "admin yonetici personel",
	"DELETE /api/v1/imports/:id":           "admin yonetici personel",
	"POST /imports/:id/mapping":            "admin yonetici personel",
	"POST /api/v1/imports/:id/mapping":     "admin yonetici personel",

	"GET /subscriptions":                     "admin yonetici personel musteri",
	"POST /subscriptions":                    "admin yonetici",
	"POST /subscriptions/:id/approve":        "admin",
	"POST /subscriptions/:id/reject":         "admin",
	"GET /packages":                          "admin",
	"POST /packages/kdv":                     "admin",
	"POST /packages/:id":                     "admin",
	"GET /api/v1/quota":                      "admin yonetici personel musteri",
	"POST /api/v1/subscriptions":             "admin yonetici",
	"POST /api/v1/subscriptions/:id/approve": "admin",
	"POST /api/v1/subscriptions/:id/reject":  "admin",
	"GET /deliveries":                        "admin yonetici personel musteri",
	"POST /deliveries/:id/retry":             "admin yonetici",
	"GET /api/v1/deliveries":                 "admin yonetici personel musteri",
	"POST /api/v1/deliveries/:id/retry":      "admin yonetici",

	"GET /webhooks":             "admin yonetici",
	"POST /webhooks":            "admin yonetici",
	"GET /webhooks/:id":         "admin yonetici",
	"POST /webhooks/:id":        "admin yonetici",
	"POST /webhooks/:id/delete": "admin yonetici",
	"POST /webhooks/:id/deliveries/:delivery/resend":        "admin yonetici",
	"GET /api/v1/webhooks":                                  "admin yonetici",
	"POST /api/v1/webhooks":                                 "admin yonetici",
	"GET /api/v1/webhooks/:id":                              "admin yonetici",
	"PATCH /api/v1/webhooks/:id":                            "admin yonetici",
	"DELETE /api/v1/webhooks/:id":                           "admin yonetici",
	"GET /api/v1/webhooks/:id/deliveries":                   "admin yonetici",
	"POST /api/v1/webhooks/:id/deliveries/:delivery/resend": "admin yonetici",

	"POST /api/v1/check":                 "admin yonetici personel musteri",
	"GET /scrubs":                        "admin yonetici personel musteri",
	"POST /scrubs":                       "admin yonetici personel musteri",
	"GET /scrubs/:id":                    "admin yonetici personel musteri",
	"GET /scrubs/:id/download":           "admin yonetici personel musteri",
	"GET /api/v1/scrubs":                 "admin yonetici personel musteri",
	"POST /api/v1/scrubs":                "admin yonetici personel musteri",
	"GET /api/v1/scrubs/:id":             "admin yonetici personel musteri",
	"GET /api/v1/scrubs/:id/result.xlsx": "admin yonetici personel musteri",

	"GET /dashboard/trend":         "admin yonetici personel musteri",
	"GET /reports":                 "admin yonetici personel musteri",
	"GET /reports/export":          "admin yonetici personel musteri",
	"GET /api/v1/reports":          "admin yonetici personel musteri",
	"GET /help":                    "admin yonetici personel musteri",
	"GET /api/v1/imports":          "admin yonetici personel musteri",
	"GET /api/v1/companies":        "admin yonetici",
	"GET /api/v1/subscriptions":    "admin yonetici personel musteri",
	"GET /api/v1/openapi.json":     "public",
	"GET /api/v1/openapi-3.0.json": "public",
	"GET /tokens/api":              "admin yonetici personel musteri",
}

// Every route registered in Fiber goes through the guard, has an expected
// access line, and answers each role as that line says; anonymous callers
// are sent to the login page (UI) or get 401 (API).
func TestEveryRouteForEveryRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "600001")
	users := map[string]struct{ email, pw string }{
		"admin": {adminEmail, adminPassword},
	}
	for _, r := range []string{"yonetici", "personel", "musteri"} {
		u := e.user(r+"@ornek.com.tr", r, b.ID)
		users[r] = struct{ email, pw string }{u.Email, u.Email + "-parola"}
	}
	// The users that :id routes act on: a Müşteri each of them may manage.
	target := e.user("hedef@ornek.com.tr", "musteri", b.ID)
	id := strconv.FormatInt(target.ID, 10)

	perms := e.app.Web.Permissions()
	registered := map[string]bool{}
	for _, r := range e.app.Web.App().GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == "USE" {
			continue
		}
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := perms[key]; !ok {
			t.Errorf("route %s is registered without the guard (use Server.handle)", key)
		}
		if _, ok := routeAccess[key]; !ok {
			t.Errorf("route %s has no expected access in routeAccess: add it (and its permission in policy.csv)", key)
		}
	}
	for key := range routeAccess {
		if !registered[key] {
			t.Errorf("routeAccess lists %s, which is not registered", key)
		}
	}

	roles := append([]string{"anonymous"}, "musteri", "personel", "yonetici", "admin")
	keys := make([]string, 0, len(routeAccess))
	for k := range routeAccess {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	clients := map[string]*client{}
	api := map[string]*client{}
	for _, role := range roles {
		clients[role] = e.client()
		if role != "anonymous" {
			clients[role].login(users[role].email, users[role].pw)
			u, err := e.st.UserByEmail(t.Context(), users[role].email)
			if err != nil {
				t.Fatal(err)
			}
			api[role] = e.apiClient(u)
		} else {
			api[role] = e.client()
		}
	}
	for _, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		concrete := strings.NewReplacer(":id", id, ":step", "1", "*", "app.css").Replace(path)
		access := routeAccess[key]
		isAPI := strings.HasPrefix(path, "/api/")
		for _, role := range roles {
			allowed := access == "public" || slices.Contains(strings.Fields(access), role)
			c := clients[role]
			if isAPI {
				c = api[role]
			}
			var r response
			switch method {
			case http.MethodGet:
				r = c.get(concrete)
			case http.MethodPost:
				if isAPI {
					r = c.postJSON(concrete, map[string]string{})
				} else {
					r = c.post(concrete, url.Values{})
				}
			case http.MethodPatch:
				r = c.do(method, concrete, strings.NewReader("{}"), "application/json")
			default:
				r = c.do(method, concrete, nil, "")
			}
			toLogin := r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/login")
			denied := r.status == http.StatusForbidden || (toLogin && key != "POST /logout") ||
				// A failed login is a 401 by design; elsewhere 401 is the guard's.
				(r.status == http.StatusUnauthorized && key != "POST /login")
			if allowed && denied {
				t.Errorf("%s as %s: want allowed, got %d %s", key, role, r.status, r.header.Get("Location"))
			}
			if !allowed {
				switch {
				case role == "anonymous" && isAPI && r.status != http.StatusUnauthorized:
					t.Errorf("%s anonymous: want 401, got %d", key, r.status)
				case role == "anonymous" && !isAPI && !toLogin:
					t.Errorf("%s anonymous: want redirect to /login, got %d", key, r.status)
				case role != "anonymous" && r.status != http.StatusForbidden:
					t.Errorf("%s as %s: want 403, got %d", key, role, r.status)
				}
			}
			if key == "POST /logout" && role != "anonymous" {
				c.login(users[role].email, users[role].pw)
			}
		}
	}
	// The policy and the guard agree with the table for the brand roles.
	for _, key := range keys {
		perm := perms[key]
		if perm == policy.Public || perm == policy.Authenticated {
			continue
		}
		for _, role := range []string{"yonetici", "personel", "musteri"} {
			want := slices.Contains(strings.Fields(routeAccess[key]), role)
			if got := e.app.Policy.RoleHas(role, perm); got != want {
				t.Errorf("policy: %s holds %s = %v, routeAccess says %v", role, perm, got, want)
			}
		}
	}
}
