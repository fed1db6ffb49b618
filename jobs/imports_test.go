package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

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
