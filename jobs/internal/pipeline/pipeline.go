// Package pipeline runs the three overlapping stages of a long job: one
// goroutine reads the input in chunks, a few work on chunks at once, and
// one writes the results in the order the chunks were read. Progress
// travels with the chunks: a chunk carries how far the reader had come,
// and the writer reports it.
package pipeline

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Run reads chunks with read, works on each with work on one of workers
// goroutines, and writes each result with write, in the order read emitted
// the chunks. At most 2×workers chunks wait between read and write, so
// memory is bounded whatever the input's length.
//
// read calls emit with each chunk in turn. emit returns an error once the
// pipeline has stopped (an error, a panic or the end of ctx), and read
// should then return it; read must not use emit after it returns.
//
// The first error of any stage, or a panic in one (as an error with its
// stack), cancels the context given to work and write, and Run returns it
// as it was returned, once every goroutine has ended. When ctx ends first,
// Run returns its cause.
func Run[In, Out any](ctx context.Context, workers int,
	read func(emit func(In) error) error,
	work func(context.Context, In) (Out, error),
	write func(context.Context, Out) error,
) error {
	if workers < 1 {
		panic("pipeline: Run needs a worker")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Each chunk gets a result channel, queued in order for the writer
	// before the chunk goes to a worker; the queue's capacity is the bound
	// on chunks in flight.
	type task struct {
		in  In
		out chan Out
	}
	tasks := make(chan task)
	order := make(chan chan Out, 2*workers)

	var wg sync.WaitGroup
	stage := func(fn func() error) {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					cancel(fmt.Errorf("pipeline: panic: %v\n%s", p, debug.Stack()))
				}
			}()
			if err := fn(); err != nil {
				cancel(err)
			}
		})
	}

	stage(func() error {
		defer close(tasks)
		defer close(order)
		return read(func(in In) error {
			out := make(chan Out, 1)
			select {
			case order <- out:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			select {
			case tasks <- task{in, out}:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
	})
	for range workers {
		stage(func() error {
			for t := range tasks {
				if ctx.Err() != nil {
					return nil
				}
				out, err := work(ctx, t.in)
				if err != nil {
					return err
				}
				t.out <- out // never blocks: the channel holds one
			}
			return nil
		})
	}
	stage(func() error {
		for next := range order {
			select {
			case out := <-next:
				if ctx.Err() != nil {
					return nil
				}
				if err := write(ctx, out); err != nil {
					return err
				}
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})

	wg.Wait()
	return context.Cause(ctx)
}
