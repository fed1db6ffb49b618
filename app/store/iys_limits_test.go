package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
)

const iysCode = "700100"

// node is one iysgate process's İYS client over the shared database: its
// own limiter, budget and token store, as a second `serve` would have.
func node(t testing.TB, st *store.Store, base string, lim iys.Limits) *iys.Client {
	t.Helper()
	budget, err := st.IYSBudget(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return iys.New(iys.Config{BaseURL: base, Username: "entegrator", Password: "parola",
		Limiter: iys.NewSharedLimiter(lim, budget, func(err error) { t.Error(err) }), Tokens: st.IYSTokens("", "entegrator")})
}

// hammer makes calls brand queries on each client at once, spread over
// parties, and returns how long they took.
func hammer(t *testing.T, calls int, clients ...*iys.Client) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	for n, c := range clients {
		for i := range calls {
			wg.Go(func() {
				ctx := iys.WithParty(context.Background(), fmt.Sprintf("firma-%d-%d", n, i%3))
				if _, err := c.Brands(ctx, iysCode); err != nil {
					t.Errorf("node %d: %v", n, err)
				}
			})
		}
	}
	wg.Wait()
	return time.Since(start)
}

// Two nodes calling İYS at once keep to İYS's 10 a second together, never
// meet a 429, and share one token. Two nodes each on its own limiter, as
// before, exceed it at once.
func TestSharedBudgetTwoNodes(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	sim, srv := iystest.NewServer(t, iystest.Config{RateLimits: true})
	a, b := node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{}), node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{})
	took := hammer(t, 20, a, b)
	t.Logf("41 calls from two nodes in %v", took)
	st := sim.Stats()
	if st.MaxRequestsPerSecond > iysapi.PerSecond {
		t.Errorf("two nodes sent %d requests within a second", st.MaxRequestsPerSecond)
	}
	if n := st.Requests["token"]; n["200"] != 1 || len(n) != 1 {
		t.Errorf("token requests %v, want one for both nodes", n)
	}
	if n := st.Requests["brands"]; n["200"] != 40 || len(n) != 1 {
		t.Errorf("brand queries %v, want 40 answered", n)
	}

	alone, srv2 := iystest.NewServer(t, iystest.Config{RateLimits: true})
	one := func() *iys.Client {
		return iys.New(iys.Config{BaseURL: srv2.URL, Username: "entegrator", Password: "parola"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range []*iys.Client{one(), one()} {
		for range 10 {
			wg.Go(func() { c.Brands(ctx, iysCode) })
		}
	}
	wg.Wait()
	// Each asked for its own token (the second may be refused with H124:
	// the first node's calls can fill İYS's second before it arrives).
	st = alone.Stats()
	asked := 0
	for _, n := range st.Requests["token"] {
		asked += n
	}
	if st.MaxRequestsPerSecond <= iysapi.PerSecond || asked != 2 {
		t.Errorf("unshared limiters: %d a second, token requests %v: the shared test would not see their fault", st.MaxRequestsPerSecond, st.Requests["token"])
	}
}

// İYS's token lockout (H084) met by one node stops the other from asking
// for a token: a request during the lockout would restart its hour.
func TestSharedTokenLockout(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	sim, srv := iystest.NewServer(t, iystest.Config{RateLimits: true, TokensPerHour: 1})
	a, b := node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{}), node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{})
	ctx := context.Background()
	if _, err := a.Brands(ctx, iysCode); err != nil {
		t.Fatal(err)
	}
	sim.ExpireTokens() // the next call needs a token İYS's hour no longer grants
	if _, err := a.Brands(ctx, iysCode); !errors.Is(err, iys.ErrRateLimited) && iys.ClassOf(err) != iysapi.ClassRateLimit {
		t.Fatalf("the token beyond İYS's hour: %v", err)
	}
	_, err := b.Brands(ctx, iysCode)
	if !errors.Is(err, iys.ErrRateLimited) || iys.RetryAfter(err) < 59*time.Minute {
		t.Fatalf("the other node during the lockout: %v (retry after %v)", err, iys.RetryAfter(err))
	}
	if st := sim.Stats(); st.TokenRequestsInLockout != 0 || st.Requests["token"]["429"] != 1 || st.Requests["token"]["200"] != 1 {
		t.Fatalf("token requests %v, %d during the lockout", st.Requests["token"], st.TokenRequestsInLockout)
	}
	// A node started later takes the hold over too.
	c := node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{})
	if _, err := c.Brands(ctx, iysCode); !errors.Is(err, iys.ErrRateLimited) || sim.Stats().TokenRequestsInLockout != 0 {
		t.Fatalf("a node started during the lockout: %v", err)
	}
}

// İYS refusing the token (401) on both nodes at once costs one renewal:
// the node that renews second finds the new token stored.
func TestSharedTokenRenewedOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	sim, srv := iystest.NewServer(t, iystest.Config{RateLimits: true})
	a, b := node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{}), node(t, store.New(pool, store.LeftToSweep), srv.URL, iys.Limits{})
	ctx := context.Background()
	for _, c := range []*iys.Client{a, b} {
		if _, err := c.Brands(ctx, iysCode); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.Stats().Requests["token"]["200"]; n != 1 {
		t.Fatalf("%d token requests for two nodes", n)
	}
	sim.ExpireTokens()
	hammer(t, 4, a, b)
	st := sim.Stats()
	// One renewal: the refresh token İYS forgot with the access token, then
	// the password grant.
	if n := st.Requests["token"]; n["200"] != 2 || n["400"] != 1 || len(n) != 2 {
		t.Fatalf("token requests %v after a 401 on both nodes: want one renewal", n)
	}
	if n := st.Requests["brands"]["401"]; n < 2 {
		t.Fatalf("%d refused calls: the nodes did not both meet the 401", n)
	}
}

// countingBudget counts the shared budget's round trips. It shrinks the
// window to a millisecond so that a rate that never makes a call wait
// keeps the row's log of starts about as short as İYS's real rate does
// (10 within the window).
type countingBudget struct {
	iys.Budget
	takes atomic.Int64
}

func (c *countingBudget) Take(ctx context.Context, r iys.TurnRequest) (iys.Turn, error) {
	c.takes.Add(1)
	r.Window = time.Millisecond
	return c.Budget.Take(ctx, r)
}

// The cost of a turn: through the shared budget in PostgreSQL against the
// in-process limiter alone, with a rate that never makes a call wait.
func BenchmarkLimiterWait(b *testing.B) {
	lim := iys.Limits{PerSecond: 1 << 30}
	call := iys.Call{Kind: iysapi.KindConsentRequestV2, Party: "firma"}
	run := func(b *testing.B, l iys.Limiter) {
		ctx := context.Background()
		for b.Loop() {
			if err := l.Wait(ctx, call); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) { run(b, iys.NewLimiter(lim)) })
	b.Run("postgres", func(b *testing.B) {
		budget, err := store.New(pgtest.Pool(b), store.LeftToSweep).IYSBudget(context.Background(), "")
		if err != nil {
			b.Fatal(err)
		}
		cb := &countingBudget{Budget: budget}
		run(b, iys.NewSharedLimiter(lim, cb, func(err error) { b.Error(err) }))
		b.ReportMetric(float64(cb.takes.Load())/float64(b.N), "roundtrips/op")
	})
}

// A per-second refusal on a fresh budget (its rate never lowered before)
// halves the rate every node reads and holds every call for the time
// given; a quiet second then raises the rate again.
func TestSharedBudgetSlowedByARefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := twoBudgets(t)
	req := iys.TurnRequest{Kind: iysapi.KindConsentAdd, Rate: 10, Window: 1150 * time.Millisecond, Margin: 150 * time.Millisecond}
	if turn, err := a.Take(ctx, req); err != nil || turn.Wait != 0 || turn.Rate != 10 {
		t.Fatalf("first turn: %+v, %v", turn, err)
	}
	if err := a.Refused(ctx, iysapi.KindConsentAdd, 300*time.Millisecond, true); err != nil {
		t.Fatalf("a 429 on a fresh budget: %v", err)
	}
	turn, err := b.Take(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if turn.Wait <= 0 || turn.Rate != 5 {
		t.Errorf("the other node after the 429: %+v, want a wait and rate 5", turn)
	}
	time.Sleep(1100 * time.Millisecond)
	if turn, err := b.Take(ctx, req); err != nil || turn.Wait != 0 || turn.Rate != 6 {
		t.Errorf("after a quiet second: %+v, %v, want the turn at rate 6", turn, err)
	}
}

// An hourly budget spent by the installation holds the kind on a node
// that has not spent it itself, until the oldest start counted is an hour
// (and the margin) old; other kinds go on.
func TestSharedHourlyBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := twoBudgets(t)
	const hour = 2 * time.Second
	tok := iys.TurnRequest{Kind: iysapi.KindToken, Rate: 10, Window: 1150 * time.Millisecond, Hourly: 2, Hour: hour, Margin: 150 * time.Millisecond}
	for i, budget := range []*store.IYSBudget{a, b} {
		if turn, err := budget.Take(ctx, tok); err != nil || turn.Wait != 0 {
			t.Fatalf("token %d: %+v, %v", i+1, turn, err)
		}
	}
	turn, err := a.Take(ctx, tok)
	if err != nil {
		t.Fatalf("a third token within the hour: %v", err)
	}
	if !turn.OfKind || turn.Wait <= hour-time.Second || turn.Wait > hour+150*time.Millisecond {
		t.Errorf("a third token within the hour: %+v, want the token held for about the hour", turn)
	}
	other := iys.TurnRequest{Kind: iysapi.KindBrands, Rate: 10, Window: 1150 * time.Millisecond, Margin: 150 * time.Millisecond}
	if turn, err := b.Take(ctx, other); err != nil || turn.Wait != 0 {
		t.Errorf("another kind while the token is held: %+v, %v", turn, err)
	}
	time.Sleep(turn.Wait + 50*time.Millisecond)
	if turn, err := b.Take(ctx, tok); err != nil || turn.Wait != 0 {
		t.Errorf("a token after the hour: %+v, %v", turn, err)
	}
}

// twoBudgets is the shared budget as two nodes hold it, on a database of
// its own.
func twoBudgets(t *testing.T) (a, b *store.IYSBudget) {
	t.Helper()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	var err error
	if a, err = st.IYSBudget(context.Background(), ""); err == nil {
		b, err = st.IYSBudget(context.Background(), "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}
