package iys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"iysgate/app/iys/iysapi"
)

// No window of a second (and the margin) ever holds more starts than the
// rate.
func TestLimiterPerSecond(t *testing.T) {
	l := NewLimiter(Limits{PerSecond: 10})
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 25 {
		wg.Go(func() {
			if err := l.Wait(context.Background(), Call{Kind: iysapi.KindBrands}); err != nil {
				t.Error(err)
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	for i := 10; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-10]); d < time.Second {
			t.Fatalf("starts %d and %d only %v apart", i-10, i, d)
		}
	}
	if total := starts[len(starts)-1].Sub(starts[0]); total > 2*(time.Second+margin)+200*time.Millisecond {
		t.Errorf("25 calls at 10/s took %v", total)
	}
}

// Parties waiting at once get turns in rotation, first come first served
// within one.
func TestLimiterFairBetweenParties(t *testing.T) {
	l := NewLimiter(Limits{PerSecond: 10})
	var waiters []*waiter
	l.mu.Lock()
	for _, party := range []string{"büyük", "büyük", "büyük", "büyük", "büyük", "büyük", "küçük", "küçük"} {
		w := &waiter{call: Call{Kind: iysapi.KindConsentRequestV2, Party: party}, ready: make(chan error, 1)}
		l.enqueueLocked(w)
		waiters = append(waiters, w)
	}
	var order []int
	for range len(waiters) {
		now := time.Now()
		l.starts = nil // the rate aside: only the order is under test
		if w, _ := l.pickLocked(now); w != nil {
			l.grantLocked(w, now)
		}
		for i, w := range waiters {
			select {
			case <-w.ready:
				order = append(order, i)
			default:
			}
		}
	}
	l.mu.Unlock()
	if want := []int{0, 6, 1, 7, 2, 3, 4, 5}; !slices.Equal(order, want) {
		t.Fatalf("turns %v, want %v", order, want)
	}
}

// An hourly budget spent, or a kind held by İYS for an hour, fails at once
// with how long to wait; a held token never waits.
func TestLimiterHourly(t *testing.T) {
	l := NewLimiter(Limits{StatusPerHour: 2})
	ctx := context.Background()
	for range 2 {
		if err := l.Wait(ctx, Call{Kind: iysapi.KindConsentStatus}); err != nil {
			t.Fatal(err)
		}
	}
	err := l.Wait(ctx, Call{Kind: iysapi.KindConsentStatus})
	if !errors.Is(err, ErrRateLimited) || RetryAfter(err) < 59*time.Minute {
		t.Fatalf("third status in the hour: %v", err)
	}
	if err := l.Wait(ctx, Call{Kind: iysapi.KindBrands}); err != nil {
		t.Fatalf("another kind: %v", err)
	}
	l.Refused(iysapi.KindToken, "H084", 0)
	start := time.Now()
	err = l.Wait(ctx, Call{Kind: iysapi.KindToken})
	if !errors.Is(err, ErrRateLimited) || RetryAfter(err) < 59*time.Minute || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("token after H084: %v after %v", err, time.Since(start))
	}
}

// A per-second refusal halves the rate and holds every call a second; the
// rate recovers step by step.
func TestLimiterAdapts(t *testing.T) {
	l := NewLimiter(Limits{PerSecond: 10})
	l.Refused(iysapi.KindConsentRequestV2, "H124", 0)
	l.Refused(iysapi.KindConsentStatusMulti, "H124", 0) // on its way with the first
	if l.Rate() != 5 {
		t.Fatalf("rate after two 429s of one second: %d", l.Rate())
	}
	start := time.Now()
	if err := l.Wait(context.Background(), Call{Kind: iysapi.KindBrands}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("the call after a 429 went after %v", d)
	}
	// The hold was a quiet second: one step up, and one more per quiet
	// second after it.
	if l.Rate() != 6 {
		t.Errorf("rate after the hold: %d", l.Rate())
	}
	l.mu.Lock()
	l.slowedAt = l.slowedAt.Add(-recoverEvery)
	l.mu.Unlock()
	if err := l.Wait(context.Background(), Call{Kind: iysapi.KindBrands}); err != nil {
		t.Fatal(err)
	}
	if l.Rate() != 7 {
		t.Errorf("rate after a quiet while: %d", l.Rate())
	}
}

func TestLimiterCancel(t *testing.T) {
	l := NewLimiter(Limits{PerSecond: 1})
	if err := l.Wait(context.Background(), Call{Kind: iysapi.KindBrands}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx, Call{Kind: iysapi.KindBrands}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled wait: %v", err)
	}
	l.mu.Lock()
	n := len(l.parties)
	l.mu.Unlock()
	if n != 0 {
		t.Errorf("a cancelled call still waits")
	}
}

// fakeBudget is a shared budget whose answers a test sets.
type fakeBudget struct {
	mu      sync.Mutex
	turn    func(TurnRequest) Turn
	asked   []iysapi.Kind
	refused []string
}

func (b *fakeBudget) Take(_ context.Context, r TurnRequest) (Turn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asked = append(b.asked, r.Kind)
	return b.turn(r), nil
}

func (b *fakeBudget) Refused(_ context.Context, kind iysapi.Kind, hold time.Duration, slow bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refused = append(b.refused, fmt.Sprintf("%s %v %v", kind, hold.Round(time.Second), slow))
	return nil
}

// Over a shared budget, each turn is the budget's: a hold another node met
// hands the call back at once, a wait for the second is waited, the
// budget's rate is the limiter's, and İYS's refusals are passed on.
func TestSharedLimiter(t *testing.T) {
	var tokenHeld bool
	secondWait := 2
	b := &fakeBudget{turn: func(r TurnRequest) Turn {
		switch {
		case r.Kind == iysapi.KindToken && tokenHeld:
			return Turn{Wait: 40 * time.Minute, OfKind: true, Rate: 5}
		case r.Kind == iysapi.KindBrands && secondWait > 0:
			secondWait--
			return Turn{Wait: 100 * time.Millisecond, Rate: 5}
		}
		if r.Window != time.Second+margin || r.Rate != 10 || r.Kind == iysapi.KindToken && r.Hourly != 10 {
			t.Errorf("asked %+v", r)
		}
		return Turn{Rate: 5}
	}}
	l := NewSharedLimiter(Limits{PerSecond: 10}, b, func(err error) { t.Error(err) })
	ctx := context.Background()
	start := time.Now()
	if err := l.Wait(ctx, Call{Kind: iysapi.KindBrands}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || len(b.asked) != 3 || l.Rate() != 5 {
		t.Fatalf("went after %v, %d questions, rate %d", d, len(b.asked), l.Rate())
	}
	if err := l.Wait(ctx, Call{Kind: iysapi.KindToken}); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	tokenHeld = true
	b.mu.Unlock()
	err := l.Wait(ctx, Call{Kind: iysapi.KindToken})
	if !errors.Is(err, ErrRateLimited) || RetryAfter(err) < 39*time.Minute {
		t.Fatalf("a token during another node's hold: %v", err)
	}
	if err := l.Wait(ctx, Call{Kind: iysapi.KindBrands}); err != nil {
		t.Fatalf("other calls are not held: %v", err)
	}
	asked := len(b.asked)
	if err := l.Wait(ctx, Call{Kind: iysapi.KindToken}); !errors.Is(err, ErrRateLimited) || len(b.asked) != asked {
		t.Fatalf("the hold is known here: %v, asked again %v", err, len(b.asked) != asked)
	}
	l.Refused(iysapi.KindConsentHistory, "H089", 0)
	l.Refused(iysapi.KindConsentRequest, "H124", 0)
	if want := []string{"consent_history 1h0m0s false", " 1s true"}; !slices.Equal(b.refused, want) {
		t.Fatalf("passed on %q, want %q", b.refused, want)
	}
}
