package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/consent"
	"iysgate/app/store"
)

// A validation job left queued by an earlier version (with the fields it
// had then) moves its parsed import to preview, as a parse job resuming
// would.
func TestValidateImportWorkerLeftFromEarlierVersions(t *testing.T) {
	t.Parallel()
	e := newStagingEnv(t)
	now := time.Now()
	in := consent.RowInput{BrandCode: "654321", RecipientType: "BIREYSEL", Phone: "05321234567", MessagePermission: "ONAY", CallPermission: "ONAY",
		Source: "HS_WEB", ConsentDate: now.Add(-time.Hour).In(consent.Location()).Format("02.01.2006 15:04:05")}
	e.stage(t, now, []consent.RowInput{in}, func(int) []string { return []string{"654321"} })
	if ok, err := e.st.SetImportStatus(e.ctx, e.id, store.ImportValidating, store.ImportParsing); !ok || err != nil {
		t.Fatalf("to validating: %v %v", ok, err)
	}
	var args ValidateImportArgs
	if err := json.Unmarshal(fmt.Appendf(nil, `{"import_id": %d, "brand_codes": ["654321"], "stats": {"items": [1, 1, 0]}}`, e.id), &args); err != nil {
		t.Fatal(err)
	}
	w := &ValidateImportWorker{deps: Deps{Store: e.st, Log: slog.New(slog.DiscardHandler),
		BrandCodes: func(context.Context, int64) ([]string, error) { return []string{"654321"}, nil }}}
	job := &river.Job[ValidateImportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: args}
	if err := w.Work(e.ctx, job); err != nil {
		t.Fatal(err)
	}
	im, err := e.st.Import(e.ctx, e.id)
	if err != nil || im.Status != store.ImportPreview {
		t.Fatalf("after the job: %+v %v", im, err)
	}
}
