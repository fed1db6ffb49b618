package iys

import (
	"context"
	"errors"
	"time"

	"iysgate/app/iys/iysapi"
)

// Budget is the part of İYS's limits that the nodes of an installation
// share: İYS counts calls per IP address, so two nodes each keeping their
// own count would spend the budget twice. app/store keeps one in
// PostgreSQL. A [FairLimiter] over a Budget still orders its own process's
// calls (parties in rotation) and asks the budget only for the call it
// would let go, so only calls to İYS reach it.
type Budget interface {
	// Take takes the start of one call now if the shared budget allows it
	// (see [TurnRequest]); otherwise it takes nothing and says how long
	// until it may.
	Take(ctx context.Context, r TurnRequest) (Turn, error)
	// Refused records one of İYS's refusals for every node: no call of
	// kind ("" every kind) for hold, and, if slow, the rate halved (once
	// for refusals within a second of each other).
	Refused(ctx context.Context, kind iysapi.Kind, hold time.Duration, slow bool) error
}

// TurnRequest asks a [Budget] for the start of one call of Kind: it may
// start when no hold of Kind or of every kind is in force, fewer than
// Hourly calls of Kind started within Hour (Hourly 0: no such budget) and
// fewer than Rate calls within Window.
type TurnRequest struct {
	Kind   iysapi.Kind
	Rate   int           // the most calls per Window (the budget may have lowered it)
	Window time.Duration // a second and the margin
	Hourly int
	Hour   time.Duration
	Margin time.Duration // added to the hourly window too
}

// Turn is a [Budget]'s answer: Wait 0 when the start was taken; otherwise
// how long until one may be, and whether that is Kind's alone (its hold,
// its hourly budget) rather than every call's. Rate is the shared rate now.
type Turn struct {
	Wait   time.Duration
	OfKind bool
	Rate   int
}

// sharedTimeout bounds one exchange with the shared budget.
const sharedTimeout = 5 * time.Second

// sharedErrorPause is how long a process waits after the shared budget
// could not be read: its calls are handed back meanwhile (they are put off,
// not sent on this process's count alone).
const sharedErrorPause = time.Second

// NewSharedLimiter builds a [FairLimiter] whose turns come from budget;
// onError (may be nil) is told when the budget cannot be read or written.
func NewSharedLimiter(lim Limits, budget Budget, onError func(error)) *FairLimiter {
	l := NewLimiter(lim)
	l.shared, l.onError = budget, onError
	return l
}

func (l *FairLimiter) report(err error) {
	if l.onError != nil {
		l.onError(err)
	}
}

// takeShared asks the shared budget for w's turn and grants it if taken.
// The process's lock is not held meanwhile: a call may give up, another
// may arrive. A start taken for a call that gave up meanwhile is lost,
// which errs on the safe side.
func (l *FairLimiter) takeShared(w *waiter) {
	kind := w.call.Kind
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	turn, err := l.shared.Take(ctx, TurnRequest{Kind: kind, Rate: l.lim.PerSecond, Window: time.Second + margin,
		Hourly: l.lim.hourly(kind), Hour: l.lim.Hour, Margin: margin})
	cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	switch {
	case err != nil:
		l.holdLocked("", now.Add(sharedErrorPause))
		if l.removeLocked(w) {
			w.ready <- &Error{Kind: kind, Message: "the shared budget could not be read", RetryAfter: sharedErrorPause,
				Err: errors.Join(ErrRateLimited, err)}
		}
		l.report(err)
		return
	case turn.Rate > 0:
		l.rate = turn.Rate
	}
	switch {
	case turn.Wait <= 0:
		l.grantLocked(w, now)
	case turn.OfKind:
		l.holdLocked(kind, now.Add(turn.Wait))
	default:
		l.holdLocked("", now.Add(turn.Wait))
	}
}
