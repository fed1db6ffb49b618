package store_test

import (
	"strings"
	"testing"

	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
)

// A store cannot be made without saying how its batches reach delivery:
// a Dispatch without a hook is refused at once, unless it is LeftToSweep.
func TestStoreNeedsADispatch(t *testing.T) {
	pool := pgtest.Pool(t)
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "LeftToSweep") {
			t.Errorf("store.New with no hook: %v", r)
		}
	}()
	if store.New(pool, store.LeftToSweep) == nil {
		t.Fatal("no store LeftToSweep")
	}
	store.New(pool, store.Dispatch{ListSize: 10})
	t.Error("store.New made a store with no hook")
}
