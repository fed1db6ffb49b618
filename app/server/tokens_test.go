package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"iysgate/app/store"
)

// A token created on the page is shown once, works on the API with the
// user's rights, and stops working when revoked.
func TestTokensFromTheUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "640001")
	u := e.user("musteri@ornek.com.tr", "musteri", b.ID)
	c := e.client()
	c.login(u.Email, u.Email+"-parola")
	r := c.post("/tokens", url.Values{"name": {"CRM entegrasyonu"}})
	token := regexp.MustCompile(`id="new-token">(iys_[A-Za-z0-9_-]+)<`).FindStringSubmatch(r.body)
	if r.status != http.StatusCreated || token == nil {
		t.Fatalf("create token: %d", r.status)
	}
	if page := c.get("/tokens"); strings.Contains(page.body, token[1]) || !strings.Contains(page.body, "CRM entegrasyonu") {
		t.Fatal("the token is shown again, or not listed")
	}
	api := e.client()
	api.token = token[1]
	if r := api.get("/api/v1/me"); r.status != 200 || !strings.Contains(r.body, u.Email) {
		t.Fatalf("token on the API: %d", r.status)
	}
	if r := api.postJSON("/api/v1/users", map[string]any{}); r.status != http.StatusForbidden {
		t.Fatalf("Müşteri token creating users: %d", r.status)
	}
	tokens, err := e.st.ListTokens(context.Background(), u.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens: %v %v", tokens, err)
	}
	// Another user cannot revoke it.
	other := e.apiClient(e.user("baska@ornek.com.tr", "musteri", b.ID))
	if r := other.do("DELETE", "/api/v1/tokens/"+itoa(tokens[0].ID), nil, ""); r.status != http.StatusNotFound {
		t.Fatalf("revoking another user's token: %d", r.status)
	}
	if r := c.post("/tokens/"+itoa(tokens[0].ID)+"/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := api.get("/api/v1/me"); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	entries, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: store.ActionTokenRevoke})
	if len(entries) != 1 || entries[0].Actor != u.Email {
		t.Fatalf("revoke audit: %+v", entries)
	}
	// The stored value is a hash, never the token.
	var n int
	e.st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM api_tokens WHERE position($1::bytea in token_hash) > 0", []byte(token[1])).Scan(&n)
	if n != 0 {
		t.Fatal("token stored in clear")
	}
}

// The audit log refuses updates and deletes.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.st.Pool().Exec(ctx, "UPDATE audit_log SET actor = 'x'"); err == nil {
		t.Fatal("UPDATE audit_log succeeded")
	}
	if _, err := e.st.Pool().Exec(ctx, "DELETE FROM audit_log"); err == nil {
		t.Fatal("DELETE FROM audit_log succeeded")
	}
	entries, _ := e.st.ListAudit(ctx, store.AuditFilter{})
	if len(entries) == 0 || entries[0].Action != store.ActionUserCreate {
		t.Fatalf("the first admin's creation is not audited: %+v", entries)
	}
}
