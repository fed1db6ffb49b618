package pipeline

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var errBoom = errors.New("boom")

// count emits 0, 1, … up to n-1 (forever when n < 0), and returns emit's
// error once the pipeline stops.
func count(n int) func(emit func(int) error) error {
	return func(emit func(int) error) error {
		for i := 0; n < 0 || i < n; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	}
}

func double(_ context.Context, i int) (int, error) { return 2 * i, nil }

// Results come out in the order read emitted them, though the workers
// finish them out of order.
func TestRunKeepsOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	var busy, most atomic.Int32
	work := func(_ context.Context, i int) (int, error) {
		n := busy.Add(1)
		defer busy.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		return 2 * i, nil
	}
	var got []int
	write := func(_ context.Context, v int) error { got = append(got, v); return nil }
	if err := Run(t.Context(), 4, count(500), work, write); err != nil {
		t.Fatal(err)
	}
	if len(got) != 500 {
		t.Fatalf("%d results, want 500", len(got))
	}
	for i, v := range got {
		if v != 2*i {
			t.Fatalf("result %d is %d, want %d", i, v, 2*i)
		}
	}
	if most.Load() < 2 {
		t.Errorf("at most %d chunk worked on at once", most.Load())
	}
}

func TestRunEmpty(t *testing.T) {
	defer goleak.VerifyNone(t)
	write := func(context.Context, int) error { t.Error("write called"); return nil }
	if err := Run(t.Context(), 2, count(0), double, write); err != nil {
		t.Fatal(err)
	}
}

// A writer that does not keep up holds the reader back: no more than
// 2×workers chunks wait, besides the one being written.
func TestRunBoundsChunksInFlight(t *testing.T) {
	defer goleak.VerifyNone(t)
	const workers = 3
	var emitted atomic.Int32
	read := func(emit func(int) error) error {
		return count(-1)(func(i int) error { emitted.Add(1); return emit(i) })
	}
	release := make(chan struct{})
	write := func(ctx context.Context, _ int) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- Run(ctx, workers, read, double, write) }()
	time.Sleep(100 * time.Millisecond)
	// emitted counts the chunk emit is blocked on too.
	if n := emitted.Load(); n > 2*workers+2 {
		t.Errorf("%d chunks emitted while the writer held the first", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// The end of the caller's context stops every stage promptly, however
// long the input, and Run returns its cause.
func TestRunCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	stop := errors.New("the job's time is up")
	ctx, cancel := context.WithCancelCause(t.Context())
	var written atomic.Int32
	work := func(ctx context.Context, i int) (int, error) {
		select { // a query that would take long
		case <-time.After(time.Duration(i%3) * time.Millisecond):
			return i, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	write := func(context.Context, int) error {
		if written.Add(1) == 20 {
			cancel(stop)
		}
		return nil
	}
	start := time.Now()
	err := Run(ctx, 2, count(-1), work, write)
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want %v", err, stop)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Run returned %v after the cancel", el)
	}
}

// The first error of a stage stops the others and is returned as it was;
// nothing past the failure is written.
func TestRunFailures(t *testing.T) {
	failAt := func(at int, fn func(int) (int, error)) func(context.Context, int) (int, error) {
		return func(_ context.Context, i int) (int, error) {
			if i == at {
				return 0, errBoom
			}
			return fn(i)
		}
	}
	ok := func(i int) (int, error) { return i, nil }
	for name, tc := range map[string]struct {
		read     func(emit func(int) error) error
		work     func(context.Context, int) (int, error)
		failOn   int // the value whose write fails; -1: none
		maxWrite int // the most values written before the failure
	}{
		"reader": {read: func(emit func(int) error) error {
			if err := count(5)(emit); err != nil {
				return err
			}
			return errBoom
		}, work: failAt(-1, ok), failOn: -1, maxWrite: 5},
		"worker": {read: count(-1), work: failAt(7, ok), failOn: -1, maxWrite: 7},
		"writer": {read: count(-1), work: failAt(-1, ok), failOn: 3, maxWrite: 3},
	} {
		t.Run(name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var got []int
			write := func(_ context.Context, v int) error {
				if v == tc.failOn {
					return errBoom
				}
				got = append(got, v)
				return nil
			}
			if err := Run(t.Context(), 2, tc.read, tc.work, write); err != errBoom {
				t.Fatalf("err = %v, want %v itself", err, errBoom)
			}
			if len(got) > tc.maxWrite {
				t.Errorf("written after the failure: %v", got)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("written out of order: %v", got)
				}
			}
		})
	}
}

// A panic in any stage ends Run with an error that names it, instead of
// the process.
func TestRunPanics(t *testing.T) {
	for name, tc := range map[string]struct {
		read  func(emit func(int) error) error
		work  func(context.Context, int) (int, error)
		write func(context.Context, int) error
	}{
		"reader": {read: func(emit func(int) error) error { emit(1); panic("reader bozuldu") }, work: double,
			write: func(context.Context, int) error { return nil }},
		"worker": {read: count(-1), work: func(_ context.Context, i int) (int, error) {
			if i == 3 {
				panic("worker bozuldu")
			}
			return i, nil
		}, write: func(context.Context, int) error { return nil }},
		"writer": {read: count(-1), work: double, write: func(context.Context, int) error { panic("writer bozuldu") }},
	} {
		t.Run(name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			err := Run(t.Context(), 2, tc.read, tc.work, tc.write)
			if err == nil || !strings.Contains(err.Error(), "panic: "+name+" bozuldu") || !strings.Contains(err.Error(), "pipeline_test.go") {
				t.Errorf("err = %v", err)
			}
		})
	}
}
