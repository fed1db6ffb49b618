package iys

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
)

// countingLimiter lets every call go and counts the turns taken.
type countingLimiter struct{ turns atomic.Int64 }

func (l *countingLimiter) Wait(context.Context, Call) error           { l.turns.Add(1); return nil }
func (l *countingLimiter) Refused(iysapi.Kind, string, time.Duration) {}

// Every request İYS receives took its turn at the limiter: İYS counts
// what arrives. net/http by itself sends a GET again on a new connection
// when a reused one closes before its answer; that resend would reach
// İYS without a turn.
func TestEveryArrivalTookATurn(t *testing.T) {
	sim, srv := iystest.NewServer(t, iystest.Config{Faults: iystest.Faults{FailRate: 0.3, Mix: iystest.FaultMix{Drop: 1}}})
	lim := &countingLimiter{}
	c := New(Config{BaseURL: srv.URL, Username: "u", Password: "p", Limiter: lim})
	for range 60 {
		c.Brands(context.Background(), "700100") // a GET; some fail, as they may
	}
	arrived := 0
	for _, byStatus := range sim.Stats().Requests {
		for _, n := range byStatus {
			arrived += n
		}
	}
	if int64(arrived) != lim.turns.Load() {
		t.Errorf("İYS received %d requests, the limiter gave %d turns", arrived, lim.turns.Load())
	}
}
