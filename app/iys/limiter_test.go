package iys

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestLimiterAtServer(t *testing.T) {
	const n, window, callers = 10, 600 * time.Millisecond, 50
	f := newFake(t)
	c := f.client(func(cfg *Config) {
		cfg.RateWindow = window
		cfg.Limits = map[string]int{KindConsentStatus: n}
	})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			if _, err := c.Status(context.Background(), sp, "+90532000"+string(rune('0'+i%10)), "BIREYSEL", "MESAJ"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f.mu.Lock()
	starts := slices.Clone(f.arrivals[KindConsentStatus])
	f.mu.Unlock()
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	if len(starts) != callers {
		t.Fatalf("%d starts, want %d", len(starts), callers)
	}
	// No window-length interval holds more than n starts: the (i+n)th start
	// is at least a window after the ith.
	for i := 0; i+n < len(starts); i++ {
		if gap := starts[i+n].Sub(starts[i]); gap < window {
			t.Fatalf("starts %d and %d only %v apart: %d starts in less than %v", i, i+n, gap, n+1, window)
		}
	}
	// And the limiter does not hold calls back much more than needed.
	if total := starts[len(starts)-1].Sub(starts[0]); total > time.Duration(callers/n)*window+window {
		t.Fatalf("50 calls took %v", total)
	}
}

func TestLimiterCancel(t *testing.T) {
	l := NewLimiter(map[string]int{KindConsentRequest: 1}, time.Minute)
	if err := l.Wait(context.Background(), KindConsentRequest); err != nil {
		t.Fatal(err)
	}
	// Cancelled while waiting.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	err := l.Wait(ctx, KindConsentRequest)
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("cancelled Wait = %v after %v", err, time.Since(start))
	}
	if Temporary(err) {
		t.Fatal("a cancellation is not temporary")
	}
	// A deadline before the turn: refused at once, with the wait to expect.
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start = time.Now()
	err = l.Wait(ctx, KindConsentRequest)
	if !errors.Is(err, ErrRateLimited) || !Temporary(err) || RetryAfter(err) < 55*time.Second || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("Wait past deadline = %v (retry after %v) after %v", err, RetryAfter(err), time.Since(start))
	}
	// Kinds without a limit pass.
	if err := l.Wait(context.Background(), "other"); err != nil {
		t.Fatal(err)
	}
}

func TestLimiterSlidesNotBursts(t *testing.T) {
	// A token bucket would let n more through right after a refill; the
	// sliding log lets the (n+1)th start only a window after the first.
	const window = 200 * time.Millisecond
	l := NewLimiter(map[string]int{KindConsentAdd: 3}, window)
	ctx := context.Background()
	start := time.Now()
	for range 3 {
		l.Wait(ctx, KindConsentAdd)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("the first n waited %v", d)
	}
	l.Wait(ctx, KindConsentAdd)
	if d := time.Since(start); d < window {
		t.Fatalf("the (n+1)th started after %v, within the window", d)
	}
}

func TestWindow(t *testing.T) {
	if Window(KindToken, 0) != time.Hour || Window(KindConsentAdd, 0) != time.Minute || Window(KindToken, time.Second) != time.Minute {
		t.Fatal("windows")
	}
	for _, k := range []string{KindToken, KindConsentAdd, KindConsentRequest, KindConsentRequestResult, KindConsentStatus,
		KindConsentStatusMultiple, KindConsentChanges, KindBrands} {
		if DefaultLimits[k] <= 0 {
			t.Errorf("no default limit for %s", k)
		}
	}
}
