package iys

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestTokenSharedByGoroutines(t *testing.T) {
	f := newFake(t)
	f.inject(KindToken, reply{delay: 50 * time.Millisecond}) // keep the first request in flight a while
	c := f.client(func(cfg *Config) { cfg.Limiter = noLimit{} })
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			if _, err := c.Brands(context.Background(), "123456"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := f.count(KindToken); got != 1 {
		t.Fatalf("token requests = %d, want 1", got)
	}
	if got := f.count(KindBrands); got != 100 {
		t.Fatalf("brands requests = %d, want 100", got)
	}
}

// clock is a settable clock for the token's lifetime.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	f := newFake(t)
	clk := &clock{t: time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)}
	c := f.client(func(cfg *Config) { cfg.Now = clk.now })
	ctx := context.Background()
	brands := func() {
		t.Helper()
		if _, err := c.Brands(ctx, "123456"); err != nil {
			t.Fatal(err)
		}
	}
	brands()
	clk.add(80 * time.Minute) // 67% of 2 h: still fresh
	brands()
	clk.add(30 * time.Minute) // 92%: renewed by the refresh grant, the old one still valid
	brands()
	if got, want := f.grantLog(), []string{"password", "refresh_token"}; !slices.Equal(got, want) {
		t.Fatalf("grants = %v, want %v", got, want)
	}
	// Past the refresh token's lifetime (4 h, used up to 90%) the password
	// grant is used again.
	clk.add(4 * time.Hour)
	brands()
	if got, want := f.grantLog(), []string{"password", "refresh_token", "password"}; !slices.Equal(got, want) {
		t.Fatalf("grants = %v, want %v", got, want)
	}
}

func TestTokenRefreshFailureKeepsValidToken(t *testing.T) {
	f := newFake(t)
	clk := &clock{t: time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)}
	c := f.client(func(cfg *Config) { cfg.Now = clk.now })
	ctx := context.Background()
	if _, err := c.Brands(ctx, "123456"); err != nil {
		t.Fatal(err)
	}
	clk.add(110 * time.Minute)
	f.inject(KindToken, reply{status: 503, code: "X"}, reply{status: 503, code: "X"})
	if _, err := c.Brands(ctx, "123456"); err != nil {
		t.Fatalf("a failed renewal with a valid token failed the call: %v", err)
	}
	// The next calls do not hammer the token endpoint: the renewal is put
	// off to halfway to expiry.
	n := f.count(KindToken)
	if _, err := c.Brands(ctx, "123456"); err != nil {
		t.Fatal(err)
	}
	if f.count(KindToken) != n {
		t.Fatalf("token endpoint called again right after a failed renewal")
	}
}

func TestUnauthorizedRetriedOnceWithNewToken(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	ctx := context.Background()
	if _, err := c.Add(ctx, sp, onay("+905321111111")); err != nil {
		t.Fatal(err)
	}
	f.revoke()
	// Even a mutating call is repeated after a 401: it was not done.
	res, err := c.Add(ctx, sp, onay("+905322222222"))
	if err != nil || res.TransactionID == "" {
		t.Fatalf("Add after revoke = %+v, %v", res, err)
	}
	if got := f.count(KindConsentAdd); got != 3 {
		t.Fatalf("consent_add requests = %d, want 3 (one refused with 401, retried)", got)
	}
	if got, want := f.grantLog(), []string{"password", "refresh_token"}; !slices.Equal(got, want) {
		t.Fatalf("grants = %v, want %v", got, want)
	}

	// A second 401 is returned, not retried again.
	f.inject(KindConsentAdd, reply{status: 401, code: CodeUnauthorized}, reply{status: 401, code: CodeUnauthorized})
	before := f.count(KindConsentAdd)
	_, err = c.Add(ctx, sp, onay("+905323333333"))
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 401 || Ambiguous(err) || Temporary(err) {
		t.Fatalf("persistent 401: %v", err)
	}
	if got := f.count(KindConsentAdd) - before; got != 2 {
		t.Fatalf("attempts on persistent 401 = %d, want 2", got)
	}
}

func TestTokenRateLimited(t *testing.T) {
	f := newFake(t)
	// Two tokens per hour; İYS refuses every token we get (a 401 storm).
	c := f.client(func(cfg *Config) {
		cfg.Limits = map[string]int{KindToken: 2}
		cfg.Timeout = 200 * time.Millisecond
	})
	for range 3 {
		f.inject(KindConsentStatus, reply{status: 401, code: CodeUnauthorized}, reply{status: 401, code: CodeUnauthorized})
	}
	ctx := context.Background()
	_, err := c.Status(ctx, sp, "+905321111111", "BIREYSEL", "MESAJ")
	if err == nil {
		t.Fatal("want a 401")
	}
	for range 3 {
		start := time.Now()
		_, err = c.Status(ctx, sp, "+905321111111", "BIREYSEL", "MESAJ")
		if !errors.Is(err, ErrRateLimited) || !Temporary(err) || RetryAfter(err) < 50*time.Minute {
			t.Fatalf("with the token budget spent: %v (retry after %v)", err, RetryAfter(err))
		}
		if time.Since(start) > 100*time.Millisecond {
			t.Fatalf("waited %v for a turn that comes in an hour", time.Since(start))
		}
	}
	if got := f.count(KindToken); got != 2 {
		t.Fatalf("token requests = %d, want 2", got)
	}
}

func TestBadCredentials(t *testing.T) {
	f := newFake(t)
	c := f.client(func(cfg *Config) { cfg.Password = "wrong" })
	_, err := c.Brands(context.Background(), "123456")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindToken || e.HTTPStatus != 401 || e.Code != CodeUnauthorized || e.Field != "username" {
		t.Fatalf("bad credentials: %#v", err)
	}
	if Temporary(err) || Ambiguous(err) {
		t.Fatalf("bad credentials classified temporary/ambiguous: %v", err)
	}
	if f.count(KindBrands) != 0 {
		t.Fatal("called brands without a token")
	}
}
