package iystest

import (
	"sync"
	"time"

	"iysgate/app/iys/iysapi"
)

// limiter enforces İYS's published limits per client IP and keeps the
// figures [Stats] reports about the rate the clients asked for.
type limiter struct {
	mu    sync.Mutex
	perIP map[string]*ipBudget

	arrivals     window // every API call, refused ones included
	maxPerSecond int
	tokens       window // token requests within the last hour
	maxTokenHour int
	tokenHours   map[int64]int // hour number (Unix time / Hour) → token requests
	inLockout    int
}

// ipBudget is one IP's recent calls.
type ipBudget struct {
	second      window
	hourly      map[iysapi.Kind]*window
	tokenLocked time.Time // no token before this (H084's hour)
}

// window holds start times, oldest first, of the calls within a span.
type window struct{ at []time.Time }

// trim drops the starts at or before now-span and returns how many remain.
func (w *window) trim(now time.Time, span time.Duration) int {
	n := 0
	for n < len(w.at) && !w.at[n].After(now.Add(-span)) {
		n++
	}
	if n > 0 {
		w.at = append(w.at[:0], w.at[n:]...)
	}
	return len(w.at)
}

func newLimiter() limiter {
	return limiter{perIP: map[string]*ipBudget{}, tokenHours: map[int64]int{}}
}

// arrive records a call for the statistics, whether or not it is refused.
func (l *limiter) arrive(kind iysapi.Kind, now time.Time, hour time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.arrivals.trim(now, time.Second)
	l.arrivals.at = append(l.arrivals.at, now)
	l.maxPerSecond = max(l.maxPerSecond, len(l.arrivals.at))
	if kind != iysapi.KindToken {
		return
	}
	l.tokens.trim(now, hour)
	l.tokens.at = append(l.tokens.at, now)
	l.maxTokenHour = max(l.maxTokenHour, len(l.tokens.at))
	l.tokenHours[now.UnixNano()/int64(hour)]++
}

// allow applies the limits to a call of kind from ip at now. A refusal
// names its code; a token request during H084's hour restarts the hour, as
// İYS's document says.
func (l *limiter) allow(ip string, kind iysapi.Kind, now time.Time, cfg *Config) (code string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.perIP[ip]
	if b == nil {
		b = &ipBudget{hourly: map[iysapi.Kind]*window{}}
		l.perIP[ip] = b
	}
	if kind == iysapi.KindToken && now.Before(b.tokenLocked) {
		b.tokenLocked = now.Add(cfg.Hour)
		l.inLockout++
		return "H084", false
	}
	if b.second.trim(now, time.Second) >= iysapi.PerSecond {
		return "H124", false
	}
	var hw *window
	if h, limited := iysapi.Hourly(kind); limited {
		n := h.N
		if kind == iysapi.KindToken {
			n = cfg.TokensPerHour
		}
		if hw = b.hourly[kind]; hw == nil {
			hw = &window{}
			b.hourly[kind] = hw
		}
		if hw.trim(now, cfg.Hour) >= n {
			if kind == iysapi.KindToken {
				b.tokenLocked = now.Add(cfg.Hour)
			}
			return h.Code, false
		}
	}
	b.second.at = append(b.second.at, now)
	if hw != nil {
		hw.at = append(hw.at, now)
	}
	return "", true
}

// fill copies the rate figures into st.
func (l *limiter) fill(st *Stats, hour time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st.MaxRequestsPerSecond = l.maxPerSecond
	st.MaxTokenRequestsPerHour = l.maxTokenHour
	st.TokenRequestsInLockout = l.inLockout
	st.TokenRequestsPerHour = make(map[string]int, len(l.tokenHours))
	for h, n := range l.tokenHours {
		st.TokenRequestsPerHour[time.Unix(0, h*int64(hour)).UTC().Format(time.RFC3339)] = n
	}
}
