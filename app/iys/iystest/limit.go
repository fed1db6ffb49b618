package iystest

import (
	"sync"
	"time"
)

type limitKey struct{ account, kind string }

// startLog holds the start times of the last n accepted calls, oldest at
// next: a call may start only if the oldest is at least a window ago, which
// keeps at most n starts in any window-length interval (a token bucket
// would let 2n through across a window boundary).
type startLog struct {
	starts []time.Time
	next   int
}

// limiter enforces the rate limits per account and endpoint kind.
type limiter struct {
	mu   sync.Mutex
	logs map[limitKey]*startLog
}

// allow records a start of kind for account at now if fewer than n calls
// started in the window before it; otherwise it reports how long until one
// may start.
func (l *limiter) allow(account, kind string, n int, window time.Duration, now time.Time) (bool, time.Duration) {
	if n <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKey{account, kind}
	lg := l.logs[k]
	if lg == nil {
		lg = &startLog{starts: make([]time.Time, 0, n)}
		l.logs[k] = lg
	}
	if len(lg.starts) < n {
		lg.starts = append(lg.starts, now)
		return true, 0
	}
	if wait := lg.starts[lg.next].Add(window).Sub(now); wait > 0 {
		return false, wait
	}
	lg.starts[lg.next] = now
	lg.next = (lg.next + 1) % n
	return true, 0
}
