package iys

import (
	"context"
	"slices"
	"sync"
	"time"

	"iysgate/app/iys/iysapi"
)

// Call is one call asking for its turn.
type Call struct {
	Kind iysapi.Kind
	// Party is whom the call is for (a company); parties waiting at once
	// get turns in rotation, so one company's big import does not starve
	// the others. "" is the installation itself (tokens, pulls).
	Party string
}

// Limiter decides when a call may be sent, within İYS's published limits:
// 10 requests a second from one IP, and per hour the token, single status
// and history queries. İYS counts per IP, so every node of an installation
// shares one budget: a [FairLimiter] alone serves one process; one over a
// [Budget] (app/store keeps it in PostgreSQL) orders its own process's
// calls and takes each turn from the budget every node draws from.
type Limiter interface {
	// Wait blocks until call may be sent, or until ctx ends. When its turn
	// cannot come within a short wait (an hourly budget spent, İYS's
	// lockout), it returns at once an [*Error] wrapping [ErrRateLimited]
	// with RetryAfter, so the caller can put the work off.
	Wait(ctx context.Context, call Call) error
	// Refused tells the limiter İYS answered a call of kind 429 with code
	// (H124/H083 per second, H084 token, H086 single status, H089 history)
	// and, if it said, how long to wait. The hourly codes hold their kind
	// for a whole hour (for the token İYS restarts the hour on any earlier
	// request); a per-second refusal halves the rate, which then recovers
	// step by step.
	Refused(kind iysapi.Kind, code string, retryAfter time.Duration)
}

// Limits are the budgets a [FairLimiter] keeps; zero fields take İYS's
// published figures (the token's lower one).
type Limits struct {
	PerSecond      int
	TokensPerHour  int
	StatusPerHour  int
	HistoryPerHour int
	// Hour is the window of the hourly limits; 0 = an hour. Tests shrink it.
	Hour time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.PerSecond, iysapi.PerSecond)
	def(&l.TokensPerHour, iysapi.TokensPerHourMethod)
	def(&l.StatusPerHour, iysapi.StatusPerHour)
	def(&l.HistoryPerHour, iysapi.HistoryPerHour)
	if l.Hour <= 0 {
		l.Hour = iysapi.Hour
	}
	return l
}

// hourly is the per-hour budget of kind (0: none).
func (l Limits) hourly(kind iysapi.Kind) int {
	switch kind {
	case iysapi.KindToken:
		return l.TokensPerHour
	case iysapi.KindConsentStatus:
		return l.StatusPerHour
	case iysapi.KindConsentHistory:
		return l.HistoryPerHour
	}
	return 0
}

const (
	// margin widens the per-second window: İYS counts a call when it
	// arrives, a little after its turn here, and two calls' delays differ
	// (a new connection, a busy machine).
	margin = 150 * time.Millisecond
	// maxTurnWait is the longest Wait blocks for a hold or an hourly
	// budget; longer waits are handed back to the caller.
	maxTurnWait = 30 * time.Second
	// recoverEvery is how long the rate must go without a 429 to rise by
	// one call a second again.
	recoverEvery = time.Second
)

// FairLimiter is the [Limiter] of one process (over a [Budget], of one
// node among several: see [NewSharedLimiter]). A sliding log of start times
// keeps every window of a second (plus a margin) within the rate and every
// hour within the hourly budgets; waiting calls are served in rotation
// between parties, first come first served within one.
type FairLimiter struct {
	lim Limits

	mu        sync.Mutex
	rate      int         // current calls per second, ≤ lim.PerSecond
	slowedAt  time.Time   // when the rate last changed
	starts    []time.Time // within the last second and margin, oldest first
	hourLogs  map[iysapi.Kind][]time.Time
	holds     map[iysapi.Kind]time.Time // kind → no call before ("" = any kind)
	parties   []*party                  // with waiting calls, in rotation order
	next      int                       // the party served next
	wake      chan struct{}
	inService bool // the dispatcher runs

	shared  Budget      // nil: this process's budget alone
	onError func(error) // told when the shared budget cannot be read or written
}

type party struct {
	name    string
	waiters []*waiter
}

type waiter struct {
	call  Call
	ready chan error // receives the outcome once
}

// NewLimiter builds a [FairLimiter] for lim.
func NewLimiter(lim Limits) *FairLimiter {
	lim = lim.withDefaults()
	return &FairLimiter{lim: lim, rate: lim.PerSecond, hourLogs: map[iysapi.Kind][]time.Time{},
		holds: map[iysapi.Kind]time.Time{}, wake: make(chan struct{}, 1)}
}

// Wait implements [Limiter].
func (l *FairLimiter) Wait(ctx context.Context, call Call) error {
	if err := ctx.Err(); err != nil {
		return &Error{Kind: call.Kind, Message: "cancelled while waiting for its turn", Err: err}
	}
	l.mu.Lock()
	if err := l.tooLateLocked(ctx, call.Kind, time.Now()); err != nil {
		l.mu.Unlock()
		return err
	}
	w := &waiter{call: call, ready: make(chan error, 1)}
	l.enqueueLocked(w)
	if !l.inService {
		l.inService = true
		go l.serve()
	}
	l.mu.Unlock()
	l.poke()
	select {
	case err := <-w.ready:
		return err
	case <-ctx.Done():
		l.mu.Lock()
		removed := l.removeLocked(w)
		l.mu.Unlock()
		if !removed { // granted meanwhile: the turn is spent either way
			if err := <-w.ready; err != nil {
				return err
			}
		}
		return &Error{Kind: call.Kind, Message: "cancelled while waiting for its turn", Err: ctx.Err()}
	}
}

// Refused implements [Limiter].
func (l *FairLimiter) Refused(kind iysapi.Kind, code string, retryAfter time.Duration) {
	now := time.Now()
	held, hold := iysapi.Kind(""), retryAfter
	slow := false
	switch {
	case slices.Contains(iysapi.PerSecondCodes, code) || code == "" && retryAfter == 0:
		slow, hold = true, max(retryAfter, time.Second)
	case isHourly(code):
		held, hold = kind, max(retryAfter, l.lim.Hour)
	}
	l.mu.Lock()
	if slow {
		// Calls on their way together meet the same full second: halve
		// once for them.
		if now.Sub(l.slowedAt) >= time.Second {
			l.rate = max(1, l.rate/2)
		}
		l.slowedAt = now
	}
	l.holdLocked(held, now.Add(hold))
	l.mu.Unlock()
	l.poke()
	if l.shared != nil {
		// The other nodes meet the same limit: they are told through the
		// budget at their next turn.
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		if err := l.shared.Refused(ctx, held, hold, slow); err != nil {
			l.report(err)
		}
	}
}

func isHourly(code string) bool {
	for _, h := range iysapi.HourlyLimits {
		if h.Code == code {
			return true
		}
	}
	return false
}

func (l *FairLimiter) holdLocked(kind iysapi.Kind, until time.Time) {
	if until.After(l.holds[kind]) {
		l.holds[kind] = until
	}
}

// kindAtLocked is the earliest time a call of kind may start for its holds
// and hourly budget (the per-second rate aside).
func (l *FairLimiter) kindAtLocked(kind iysapi.Kind, now time.Time) time.Time {
	at := maxTime(now, l.holds[""], l.holds[kind])
	if n := l.lim.hourly(kind); n > 0 {
		log := l.hourLogs[kind]
		drop := 0
		for drop < len(log) && !log[drop].After(now.Add(-l.lim.Hour)) {
			drop++
		}
		log = log[drop:]
		l.hourLogs[kind] = log
		if len(log) >= n {
			at = maxTime(at, log[len(log)-n].Add(l.lim.Hour+margin))
		}
	}
	return at
}

// tooLateLocked fails a call whose kind cannot go within maxTurnWait or
// before ctx's deadline.
func (l *FairLimiter) tooLateLocked(ctx context.Context, kind iysapi.Kind, now time.Time) error {
	at := l.kindAtLocked(kind, now)
	wait := at.Sub(now)
	dl, hasDeadline := ctx.Deadline()
	if wait > maxTurnWait || hasDeadline && at.After(dl) {
		return &Error{Kind: kind, Message: "no turn within İYS's limits soon enough", RetryAfter: wait, Err: ErrRateLimited}
	}
	return nil
}

// secondAtLocked is the earliest time any call may start for the rate.
func (l *FairLimiter) secondAtLocked(now time.Time) time.Time {
	window := time.Second + margin
	drop := 0
	for drop < len(l.starts) && !l.starts[drop].After(now.Add(-window)) {
		drop++
	}
	l.starts = l.starts[drop:]
	if len(l.starts) < l.rate {
		return now
	}
	return l.starts[len(l.starts)-l.rate].Add(window)
}

func (l *FairLimiter) enqueueLocked(w *waiter) {
	for _, p := range l.parties {
		if p.name == w.call.Party {
			p.waiters = append(p.waiters, w)
			return
		}
	}
	l.parties = append(l.parties, &party{name: w.call.Party, waiters: []*waiter{w}})
}

func (l *FairLimiter) removeLocked(w *waiter) bool {
	for i, p := range l.parties {
		if j := slices.Index(p.waiters, w); j >= 0 {
			p.waiters = slices.Delete(p.waiters, j, j+1)
			if len(p.waiters) == 0 {
				l.dropPartyLocked(i)
			}
			return true
		}
	}
	return false
}

func (l *FairLimiter) dropPartyLocked(i int) {
	l.parties = slices.Delete(l.parties, i, i+1)
	if l.next > i {
		l.next--
	}
	if l.next >= len(l.parties) {
		l.next = 0
	}
}

func (l *FairLimiter) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// serve hands out turns while calls wait: to the next party in rotation
// whose oldest call of a kind that may go now exists, as soon as the rate
// allows. Calls whose kind became held for long are handed back.
func (l *FairLimiter) serve() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		l.mu.Lock()
		if len(l.parties) == 0 {
			l.inService = false
			l.mu.Unlock()
			return
		}
		now := time.Now()
		if l.shared == nil {
			l.recoverLocked(now) // a shared budget keeps its own rate
		}
		w, next := l.pickLocked(now)
		if w != nil && l.shared == nil {
			l.grantLocked(w, now)
		}
		l.mu.Unlock()
		if w != nil {
			if l.shared != nil {
				l.takeShared(w)
			}
			continue
		}
		t.Reset(next.Sub(now)) // Go ≥ 1.23: no stale tick to drain
		select {
		case <-t.C:
		case <-l.wake:
			t.Stop()
		}
	}
}

// pickLocked finds the call to go now, or returns when to look again.
func (l *FairLimiter) pickLocked(now time.Time) (*waiter, time.Time) {
	l.handBackLocked(now)
	second := l.secondAtLocked(now)
	earliest := now.Add(maxTurnWait)
	for n := range len(l.parties) {
		i := (l.next + n) % len(l.parties)
		for _, w := range l.parties[i].waiters {
			at := maxTime(l.kindAtLocked(w.call.Kind, now), second)
			if at.After(now) {
				earliest = minTime(earliest, at)
				continue
			}
			return w, now
		}
	}
	return nil, earliest
}

// grantLocked gives w its turn at now. It reports false when w no longer
// waits (it gave up while the shared budget was asked).
func (l *FairLimiter) grantLocked(w *waiter, now time.Time) bool {
	for i, p := range l.parties {
		j := slices.Index(p.waiters, w)
		if j < 0 {
			continue
		}
		p.waiters = slices.Delete(p.waiters, j, j+1)
		l.starts = append(l.starts, now)
		if l.lim.hourly(w.call.Kind) > 0 {
			l.hourLogs[w.call.Kind] = append(l.hourLogs[w.call.Kind], now)
		}
		l.next = (i + 1) % len(l.parties)
		if len(p.waiters) == 0 {
			l.dropPartyLocked(i)
		}
		w.ready <- nil
		return true
	}
	return false
}

// handBackLocked fails the waiting calls whose kind became held for longer
// than maxTurnWait (a refusal while they waited).
func (l *FairLimiter) handBackLocked(now time.Time) {
	for i := 0; i < len(l.parties); i++ {
		p := l.parties[i]
		p.waiters = slices.DeleteFunc(p.waiters, func(w *waiter) bool {
			at := l.kindAtLocked(w.call.Kind, now)
			if at.Sub(now) <= maxTurnWait {
				return false
			}
			w.ready <- &Error{Kind: w.call.Kind, Message: "İYS's limits hold this kind of call", RetryAfter: at.Sub(now), Err: ErrRateLimited}
			return true
		})
		if len(p.waiters) == 0 {
			l.dropPartyLocked(i)
			i--
		}
	}
}

// recoverLocked raises a slowed rate by one a second after each quiet
// recoverEvery.
func (l *FairLimiter) recoverLocked(now time.Time) {
	if l.rate < l.lim.PerSecond && now.Sub(l.slowedAt) >= recoverEvery {
		l.rate++
		l.slowedAt = now
	}
}

// Rate is the current rate in calls per second (lowered after 429s).
func (l *FairLimiter) Rate() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

func maxTime(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.After(t) {
			t = u
		}
	}
	return t
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
