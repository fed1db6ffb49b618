package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"iysgate/app/store"
)

// node starts a second App on the env's database, as another serve
// process behind the same load balancer would be, and waits until both
// hear the change notifications (until then a node remembers no token,
// and these tests would pass without testing anything).
func (e *env) node() *env {
	e.t.Helper()
	n := &env{t: e.t, st: e.st, cfg: e.cfg}
	n.start()
	e.t.Cleanup(func() { n.app.Shutdown(context.Background()) })
	e.waitListening()
	n.waitListening()
	return n
}

func (e *env) waitListening() {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !e.app.Store.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatal("the node does not listen to the change notifications")
		}
	}
}

// as is a client of this node with c's token.
func (e *env) as(c *client) *client {
	n := e.client()
	n.token = c.token
	return n
}

// within polls call until it returns want, failing the test after limit;
// it returns how long that took.
func within(t *testing.T, limit time.Duration, what string, want int, call func() int) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := call()
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: still %d after %s (want %d)", what, got, limit, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkStatus(c *client, code string) func() int {
	return func() int {
		return c.postJSON("/api/v1/check", map[string]any{"brand_code": code, "type": "MESAJ", "recipients": []string{"05321112233"}}).status
	}
}

// A token revoked, a user disabled or moved to another brand on one node
// stops working on another node sharing the database within a second,
// though both remember tokens.
func TestTokenChangesReachEveryNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "820001")
	other := e.brand("Başka Firma", "Başka Marka", "820002")
	n := e.node()
	warm := func(c *client, code string) {
		t.Helper()
		// A new user reaches the other node's policy by its notification.
		within(t, time.Second, "check before the change", http.StatusOK, checkStatus(c, code))
		for range 2 { // answered from the node's memory
			if r := checkStatus(c, code)(); r != http.StatusOK {
				t.Fatalf("check before the change: %d", r)
			}
		}
	}

	// Revoked through node 1's API.
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	on1 := e.apiClient(u)
	on2 := n.as(on1)
	warm(on1, "820001")
	warm(on2, "820001")
	tokens, err := e.st.ListTokens(context.Background(), u.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatal(tokens, err)
	}
	if r := on1.do("DELETE", "/api/v1/tokens/"+itoa(tokens[0].ID), nil, ""); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := checkStatus(on1, "820001")(); r != http.StatusUnauthorized {
		t.Errorf("revoked token on the node that revoked it: %d", r)
	}
	took := within(t, time.Second, "revoked token on the other node", http.StatusUnauthorized, checkStatus(on2, "820001"))
	t.Logf("revocation seen by the other node after %s", took)

	// Disabled through node 1's store.
	u2 := e.user("personel2@ornek.com.tr", "personel", b.ID)
	on2 = n.as(e.apiClient(u2))
	warm(on2, "820001")
	if err := e.app.Store.DisableUser(context.Background(), store.System, u2.ID); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "disabled user's token on the other node", http.StatusUnauthorized, checkStatus(on2, "820001"))

	// Moved to another brand: the old brand is refused, the new one
	// answered, and /me tells the new membership.
	u3 := e.user("personel3@ornek.com.tr", "personel", b.ID)
	on2 = n.as(e.apiClient(u3))
	warm(on2, "820001")
	if r := checkStatus(on2, "820002")(); r != http.StatusForbidden {
		t.Fatalf("another company's brand before the move: %d", r)
	}
	if _, err := e.app.Store.UpdateUser(context.Background(), store.System, u3.ID, store.UserInput{Email: u3.Email, Name: u3.Name,
		Memberships: store.SameRole("personel", []int64{other.ID})}, nil); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "old brand after the move", http.StatusForbidden, checkStatus(on2, "820001"))
	within(t, time.Second, "new brand after the move", http.StatusOK, checkStatus(on2, "820002"))
	if r := on2.get("/api/v1/me"); r.status != http.StatusOK || !strings.Contains(r.body, `"brand_id":`+itoa(other.ID)) {
		t.Errorf("/me after the move: %d %s", r.status, r.body)
	}
}

// A node whose listening connection breaks forgets every token at once
// (a notification sent meanwhile is lost to it), reads them from the
// database until it listens again, and then follows notifications again.
func TestLostListenerFlushesTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "830001")
	e.waitListening()
	ctx := context.Background()
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	for range 3 {
		if r := checkStatus(api, "830001")(); r != http.StatusOK {
			t.Fatalf("check: %d", r)
		}
	}
	// Revoked without its announcement (as if it were lost with the
	// connection): the node still trusts the token it remembers...
	if _, err := e.st.Pool().Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	if r := checkStatus(api, "830001")(); r != http.StatusOK {
		t.Fatalf("the node does not remember the token (the test would prove nothing): %d", r)
	}
	// ...until its listening connection breaks.
	var killed int
	if err := e.st.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'iysgate listener'`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("listeners terminated: %d %v", killed, err)
	}
	within(t, time.Second, "remembered token after the listener broke", http.StatusUnauthorized, checkStatus(api, "830001"))

	// The node listens again and follows announcements: a token revoked
	// through another store (another node) stops at once.
	e.waitListening()
	api2 := e.apiClient(u)
	for range 3 {
		if r := checkStatus(api2, "830001")(); r != http.StatusOK {
			t.Fatalf("new token: %d", r)
		}
	}
	tokens, err := e.st.ListTokens(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RevokeToken(ctx, store.System, u.ID, tokens[0].ID); err != nil { // newest first
		t.Fatal(err)
	}
	within(t, time.Second, "token revoked after the reconnection", http.StatusUnauthorized, checkStatus(api2, "830001"))
}

// A token's last use is written, within the flush interval, without a
// write per call.
func TestTokenLastUsedIsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("musteri@ornek.com.tr", "musteri")
	api := e.apiClient(u)
	for range 3 {
		if r := api.get("/api/v1/me"); r.status != http.StatusOK {
			t.Fatalf("me: %d", r.status)
		}
	}
	if err := e.app.Store.FlushTokenUse(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens, err := e.st.ListTokens(context.Background(), u.ID)
	if err != nil || len(tokens) != 1 || tokens[0].LastUsedAt == nil || time.Since(*tokens[0].LastUsedAt) > time.Minute {
		t.Fatalf("last use: %+v %v", tokens, err)
	}
}

// A revocation takes effect at once even while the policy reload before
// it waits for a connection of a pool that long checks and scrubs have
// taken: the reload runs beside the listener, not in front of the
// notifications behind it.
func TestRevokeNotBehindAWaitingReload(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "840001")
	e.waitListening()
	ctx := context.Background()
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	other := e.user("diger@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	for range 3 { // remembered
		if r := api.get("/api/v1/me"); r.status != http.StatusOK {
			t.Fatalf("me: %d", r.status)
		}
	}
	// Another node's connection, outside this node's pool.
	conn, err := pgx.ConnectConfig(ctx, e.st.Pool().Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pool := e.st.Pool()
	var held []*pgxpool.Conn
	release := func() {
		for _, c := range held {
			c.Release()
		}
		held = nil
	}
	defer release()
	for int32(len(held)) < pool.Config().MaxConns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_notify('iysgate_policy', $1)", itoa(other.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `WITH r AS (UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 RETURNING 1)
		SELECT pg_notify('iysgate_auth', 'user:' || $1::text)`, u.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	// The token is no longer remembered: the request has to read the
	// database, which waits for the pool; remembered, it answers at once.
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", e.base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Fatal("the revoked token was still remembered while a policy reload waited for the pool")
		}
	}
	release()
	if r := api.get("/api/v1/me"); r.status != http.StatusUnauthorized {
		t.Errorf("the revoked token, the pool free again: %d", r.status)
	}
}
