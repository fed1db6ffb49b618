package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// An import whose job fails for the last time ends as failed with a
// Turkish message, instead of staying in a working stage forever; earlier
// attempts leave it alone for the retry.
func TestGiveUpEndsTheImport(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.Pool(t))
	u, err := st.CreateUser(ctx, store.System, store.UserInput{Email: "a@ornek.com.tr", Name: "A", PasswordHash: "x", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	im, err := st.CreateImport(ctx, store.Actor{UserID: u.ID, Label: u.Email}, nil, "x.xlsx", strings.NewReader("veri"), func(pgx.Tx, int64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	st.SetImportStatus(ctx, im.ID, store.ImportParsing, store.ImportUploaded)
	d := Deps{Store: st, Log: slog.New(slog.DiscardHandler)}
	boom := errors.New("bağlantı koptu")
	if err := giveUp(ctx, d, im.ID, 2, 5, boom); !errors.Is(err, boom) {
		t.Fatalf("retryable attempt: %v", err)
	}
	if got, _ := st.Import(ctx, im.ID); got.Status != store.ImportParsing {
		t.Fatalf("status after a retryable failure: %s", got.Status)
	}
	giveUp(ctx, d, im.ID, 5, 5, boom)
	got, _ := st.Import(ctx, im.ID)
	if got.Status != store.ImportFailed || !strings.Contains(got.ErrorMessage, "beklenmeyen bir hata") {
		t.Fatalf("after the last attempt: %s %q", got.Status, got.ErrorMessage)
	}
}

// The sweep ends an import that sits in a working stage with no job left
// to move it, and leaves alone one whose job still waits.
func TestFailStuckImports(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := store.New(pool)
	u, _ := st.CreateUser(ctx, store.System, store.UserInput{Email: "a@ornek.com.tr", Name: "A", PasswordHash: "x", IsAdmin: true})
	mk := func() int64 {
		im, err := st.CreateImport(ctx, store.Actor{UserID: u.ID, Label: u.Email}, nil, "x.xlsx", strings.NewReader("veri"), func(pgx.Tx, int64) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		pool.Exec(ctx, "UPDATE imports SET status = 'parsing', updated_at = now() - interval '1 hour' WHERE id = $1", im.ID)
		return im.ID
	}
	stuck, waiting := mk(), mk()
	if _, err := pool.Exec(ctx, `INSERT INTO river_job (kind, args, state, queue, max_attempts, priority)
		VALUES ('import_parse', jsonb_build_object('import_id', $1::bigint), 'retryable', 'default', 5, 1)`, waiting); err != nil {
		t.Fatal(err)
	}
	n, err := st.FailStuckImports(ctx, 10*time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("ended %d, err %v; want 1", n, err)
	}
	if im, _ := st.Import(ctx, stuck); im.Status != store.ImportFailed {
		t.Errorf("stuck import: %s", im.Status)
	}
	if im, _ := st.Import(ctx, waiting); im.Status != store.ImportParsing {
		t.Errorf("import with a waiting job: %s", im.Status)
	}
}
