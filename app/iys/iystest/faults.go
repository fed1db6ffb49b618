package iystest

import (
	"math/rand/v2"
	"sync"
	"time"
)

// fault is an injected failure of an API call.
type fault uint8

const (
	faultNone fault = iota
	fault429
	fault500
	fault503
	faultDrop
)

// faultState holds the fault settings and their random source.
type faultState struct {
	mu          sync.Mutex
	rng         *rand.Rand
	failRate    float64
	loseAnswers float64
	latency     time.Duration
}

func (f *faultState) set(failRate, loseAnswers float64, latency time.Duration) {
	f.mu.Lock()
	f.failRate, f.loseAnswers, f.latency = failRate, loseAnswers, latency
	f.mu.Unlock()
}

func (f *faultState) getLatency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

// pick decides whether a call fails before processing, and how: the four
// ways are equally likely.
func (f *faultState) pick() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failRate <= 0 || f.rng.Float64() >= f.failRate {
		return faultNone
	}
	return fault429 + fault(f.rng.IntN(4))
}

// lose decides whether a processed call's answer is lost.
func (f *faultState) lose() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loseAnswers > 0 && f.rng.Float64() < f.loseAnswers
}
