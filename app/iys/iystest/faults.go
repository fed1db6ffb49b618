package iystest

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Faults are the failures the simulator injects, for tests, benchmarks and
// rehearsals.
type Faults struct {
	// FailRate is the fraction of API calls answered, before any
	// processing, with a failure drawn by Mix.
	FailRate float64 `json:"fail_rate"`
	// Mix weighs the kinds of failure; all zero: equally likely.
	Mix FaultMix `json:"mix"`
	// LoseAnswers is the fraction of processed mutating calls (adds)
	// whose answer is lost: the connection closes after İYS acted.
	LoseAnswers float64 `json:"lose_answers"`
	// Latency is added to every API call.
	Latency time.Duration `json:"latency"`
}

// FaultMix weighs the injected failures: 429 H124, 500 H015, 503 H192 and a
// connection closed without an answer.
type FaultMix struct {
	TooMany     int `json:"too_many"`
	Server      int `json:"server"`
	Unavailable int `json:"unavailable"`
	Drop        int `json:"drop"`
}

// fault is an injected failure of an API call.
type fault uint8

const (
	faultNone fault = iota
	faultTooMany
	faultServer
	faultUnavailable
	faultDrop
)

// faultState holds the fault settings and their random source.
type faultState struct {
	mu  sync.Mutex
	rng *rand.Rand
	Faults
}

// SetFaults changes the faults at run time (tests turn them on and off
// around the steps they exercise).
func (s *Sim) SetFaults(f Faults) {
	s.faults.mu.Lock()
	s.faults.Faults = f
	s.faults.mu.Unlock()
}

func (f *faultState) get() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Faults
}

// pick decides whether a call fails before processing, and how.
func (f *faultState) pick() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.FailRate <= 0 || f.rng.Float64() >= f.FailRate {
		return faultNone
	}
	w := [4]int{f.Mix.TooMany, f.Mix.Server, f.Mix.Unavailable, f.Mix.Drop}
	total := 0
	for i := range w {
		total += max(w[i], 0)
	}
	if total == 0 {
		return faultTooMany + fault(f.rng.IntN(4))
	}
	n := f.rng.IntN(total)
	for i := range w {
		if n < max(w[i], 0) {
			return faultTooMany + fault(i)
		}
		n -= max(w[i], 0)
	}
	return faultDrop
}

// lose decides whether a processed call's answer is lost.
func (f *faultState) lose() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.LoseAnswers > 0 && f.rng.Float64() < f.LoseAnswers
}
