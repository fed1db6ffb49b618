package server_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
	"iysgate/app/store"
)

// Yardım explains every state the database allows (its CHECK constraints
// are the list), every consent rule and every İYS code, and names the six
// onboarding steps as İYS Ayarları does.
func TestHelpExplainsEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "600001")
	u := e.user("m@ornek.com.tr", "musteri", b.ID)
	c := e.client()
	c.login(u.Email, u.Email+"-parola")
	r := c.get("/help")
	if r.status != 200 {
		t.Fatalf("/help: %d", r.status)
	}
	group := func(id string) string {
		start := strings.Index(r.body, `<div id="durum-`+id+`">`)
		if start < 0 {
			t.Fatalf("Yardım has no group %s", id)
		}
		end := strings.Index(r.body[start:], "</dl>")
		return r.body[start : start+end]
	}
	value := regexp.MustCompile(`'([^']+)'::text`)
	for _, x := range []struct{ group, table, column string }{
		{"import", "imports", "status"},
		{"sync", "consent_events", "iys_state"},
		{"origin", "consent_events", "origin"},
		{"batch", "sync_batches", "status"},
		{"subscription", "subscriptions", "status"},
		{"scrub", "scrubs", "status"},
		{"step", "onboarding_steps", "status"},
		{"role", "memberships", "role"},
	} {
		var def string
		if err := e.st.Pool().QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
			WHERE contype = 'c' AND conrelid = $1::regclass AND pg_get_constraintdef(oid) LIKE '%(' || $2 || ' = ANY %'`,
			x.table, x.column).Scan(&def); err != nil {
			t.Fatalf("the CHECK of %s.%s: %v", x.table, x.column, err)
		}
		g := group(x.group)
		for _, m := range value.FindAllStringSubmatch(def, -1) {
			if !strings.Contains(g, `data-state="`+m[1]+`"`) {
				t.Errorf("Yardım does not explain %s.%s = %q", x.table, x.column, m[1])
			}
		}
	}
	for _, code := range consent.Codes() {
		if !strings.Contains(r.body, `data-code="`+code+`"`) {
			t.Errorf("Yardım lacks the rule %s", code)
		}
	}
	for code := range iysapi.Codes {
		if !strings.Contains(r.body, `data-code="`+code+`"`) {
			t.Errorf("Yardım lacks İYS's code %s", code)
		}
	}
	for _, name := range store.OnboardingStepNames {
		if !strings.Contains(r.body, "<strong>"+name+"</strong>") {
			t.Errorf("Yardım lacks the step %q", name)
		}
	}
	for _, address := range []string{"onkayit@iys.org.tr", "satis@iys.org.tr", "isortagim@iys.org.tr", "www.iys.org.tr"} {
		if !strings.Contains(r.body, address) {
			t.Errorf("Yardım does not name %s", address)
		}
	}
}
