package jobs

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"iysgate/app/consent"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// An import whose job fails for the last time ends as failed with a
// Turkish message, instead of staying in a working stage forever; earlier
// attempts leave it alone for the retry.
func TestGiveUpEndsTheImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	u := storetest.User(t, st, "a@ornek.com.tr", "admin")
	im, err := st.CreateImport(ctx, store.Actor{UserID: u.ID, Label: u.Email}, nil, store.Upload{Filename: "x.xlsx"}, strings.NewReader("veri"), func(pgx.Tx, int64) error { return nil })
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
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := store.New(pool, store.LeftToSweep)
	u := storetest.User(t, st, "a@ornek.com.tr", "admin")
	mk := func() int64 {
		im, err := st.CreateImport(ctx, store.Actor{UserID: u.ID, Label: u.Email}, nil, store.Upload{Filename: "x.xlsx"}, strings.NewReader("veri"), func(pgx.Tx, int64) error { return nil })
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

// stagingEnv is an import being parsed, of a user with one brand.
type stagingEnv struct {
	ctx   context.Context
	st    *store.Store
	id    int64
	brand int64
}

func newStagingEnv(t *testing.T) *stagingEnv {
	t.Helper()
	ctx := context.Background()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	u := storetest.User(t, st, "a@ornek.com.tr", "admin")
	b := storetest.Company(t, st, "Örnek", "Marka", "654321")
	im, err := st.CreateImport(ctx, store.Actor{UserID: u.ID, Label: u.Email}, nil, store.Upload{Filename: "x.xlsx"}, strings.NewReader("veri"), func(pgx.Tx, int64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	st.SetImportStatus(ctx, im.ID, store.ImportParsing, store.ImportUploaded)
	return &stagingEnv{ctx: ctx, st: st, id: im.ID, brand: b.ID}
}

// stage validates, stages and saves rows (numbered from 2) as the parse
// job does, and returns their results and the parse's counts.
func (e *stagingEnv) stage(t *testing.T, now time.Time, rows []consent.RowInput, cells func(int) []string) ([]consent.RowResult, store.ParseStats) {
	t.Helper()
	var b store.StagedBatch
	var stats store.ParseStats
	var keys []rowKey
	seed := maphash.MakeSeed()
	var results []consent.RowResult
	for i, in := range rows {
		res := consent.ValidateRow(in, now, nil)
		results = append(results, res)
		b.Stage(e.id, store.ParsedRow{RowNo: i + 2, Cells: cells(i), Result: res, Phone: in.Phone, Email: in.Email}, &stats)
		keys = appendKeys(keys, seed, int32(i+2), res)
	}
	if err := e.st.SaveParsedRows(e.ctx, e.id, &b); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveImportRepeats(e.ctx, e.id, repeatedRows(keys)); err != nil {
		t.Fatal(err)
	}
	return results, stats
}

func (e *stagingEnv) rows(t *testing.T, filter string) []store.ImportRow {
	t.Helper()
	var all []store.ImportRow
	for after := 0; ; {
		page, next, err := e.st.ImportRows(e.ctx, e.id, filter, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == 0 {
			return all
		}
		after = next
	}
}

func problemKeys(ps []consent.Problem) string {
	var out []string
	for _, p := range ps {
		if p != consent.NewProblem(p.Code, p.Field) {
			out = append(out, fmt.Sprintf("%+v", p))
			continue
		}
		out = append(out, p.Code+"/"+p.Field)
	}
	return strings.Join(out, ",")
}

// The staging rows give back exactly what consent.ValidateRow found: each
// row's cells and problems, and each consent with its own problems.
func TestStagingRoundTrip(t *testing.T) {
	t.Parallel()
	e := newStagingEnv(t)
	now := time.Now()
	at := now.Add(-2 * time.Hour).In(consent.Location()).Format("02.01.2006 15:04:05")
	base := consent.RowInput{BrandCode: "654321", RecipientType: "BIREYSEL", Phone: "05321234567", Email: "a@ornek.com.tr",
		CallPermission: "ONAY", MessagePermission: "RET", EmailPermission: "ONAY", Source: "HS_WEB", ConsentDate: at, FirstName: "Ayşe"}
	var rows []consent.RowInput
	for _, mod := range []func(*consent.RowInput){
		func(*consent.RowInput) {},
		func(r *consent.RowInput) { r.Phone = "0532 123 45 67" },
		func(r *consent.RowInput) { r.Phone = "12345" },
		func(r *consent.RowInput) { r.Phone, r.Email = "", "" },
		func(r *consent.RowInput) { r.Phone = "" },
		func(r *consent.RowInput) { r.CallPermission, r.MessagePermission = "", "" },
		func(r *consent.RowInput) { r.CallPermission = "belki" },
		func(r *consent.RowInput) { r.Email, r.EmailPermission = "A@ORNEK.COM.TR ", "" },
		func(r *consent.RowInput) { r.Email = "bozuk@" },
		func(r *consent.RowInput) { r.BrandCode, r.RecipientType, r.Source = "", "", "" },
		func(r *consent.RowInput) { r.Source, r.ConsentDate = "HS_2015", "" },
		func(r *consent.RowInput) { r.RecipientType, r.Source, r.ConsentDate = "TACIR", "", "" },
		func(r *consent.RowInput) { r.Source = "IYS_WEB" },
		func(r *consent.RowInput) { r.ConsentDate = "31.02.2020" },
		func(r *consent.RowInput) { r.ConsentDate = "01.01.2014 10:00" },
		func(r *consent.RowInput) { r.FirstName, r.LastName = "  Çağrı  ", "Öz\x1fdemir" },
	} {
		r := base
		mod(&r)
		rows = append(rows, r)
	}
	cells := func(i int) []string {
		r := rows[i]
		c := []string{r.BrandCode, r.RecipientType, r.FirstName, r.LastName, r.Phone, r.Email, r.CallPermission, r.MessagePermission, r.EmailPermission, r.Source, r.ConsentDate}
		if i == 3 {
			c = append(c, "\x1e", "")
		}
		return c
	}
	results, stats := e.stage(t, now, rows, cells)
	got := e.rows(t, "all")
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	var want store.ParseStats
	for i, r := range got {
		res := results[i]
		if r.RowNo != i+2 || !slices.Equal(r.Cells, cells(i)) {
			t.Errorf("row %d: %d %q, want %q", i+2, r.RowNo, r.Cells, cells(i))
		}
		if a, b := problemKeys(r.Problems), problemKeys(res.Problems); a != b {
			t.Errorf("row %d problems: %s, want %s", r.RowNo, a, b)
		}
		// Items come in the order of their type's name.
		items := slices.Clone(res.Items)
		slices.SortFunc(items, func(a, b consent.RowItem) int { return strings.Compare(string(a.Consent.Type), string(b.Consent.Type)) })
		if len(r.Items) != len(items) {
			t.Errorf("row %d: %d items, want %d", r.RowNo, len(r.Items), len(items))
			continue
		}
		if len(items) == 0 {
			want.NoConsent++
		}
		for j, it := range r.Items {
			c := items[j].Consent
			n := slices.Index([]consent.Type{consent.TypeArama, consent.TypeMesaj, consent.TypeEposta}, c.Type)
			want.Items[n]++
			if consent.HasErrors(items[j].Problems) {
				want.Errors[n]++
			} else if c.Status == consent.StatusRet {
				want.Ret[n]++
			}
			for _, p := range items[j].Problems {
				if p.Severity == consent.SeverityWarning {
					want.Warnings[n]++
					break
				}
			}
			if it.Type != string(c.Type) || it.BrandCode != c.BrandCode || it.Recipient != c.Recipient || it.RecipientType != string(c.RecipientType) ||
				it.Status != string(c.Status) || it.Source != string(c.Source) || it.FirstName != c.FirstName || it.LastName != c.LastName ||
				(it.ConsentDate == nil) != c.ConsentDate.IsZero() || (it.ConsentDate != nil && !it.ConsentDate.Equal(c.ConsentDate)) {
				t.Errorf("row %d item %d: %+v, want %+v", r.RowNo, j, it, c)
			}
			if a, b := problemKeys(it.Problems), problemKeys(items[j].Problems); a != b {
				t.Errorf("row %d %s problems: %s, want %s", r.RowNo, it.Type, a, b)
			}
			var wantOutcome store.ItemOutcome
			if consent.HasErrors(items[j].Problems) {
				wantOutcome = store.OutcomeError
			}
			if it.Outcome != wantOutcome {
				t.Errorf("row %d %s outcome %q, want %q", r.RowNo, it.Type, it.Outcome, wantOutcome)
			}
		}
	}
	if stats != want {
		t.Errorf("stats %+v, want %+v", stats, want)
	}
}

// The validation decides every consent as consent.Collapse does over the
// file's rows of each key (consent.Decide for a key that occurs once),
// against the stored state, and its summary, filters and error rows agree.
func TestValidateMatchesCollapse(t *testing.T) {
	t.Parallel()
	e := newStagingEnv(t)
	pool := e.st.Pool()
	now := time.Now().Truncate(time.Second)
	t0 := now.Add(-3 * time.Hour)
	type storedState struct {
		status string
		date   *time.Time
	}
	states := []*storedState{nil, {"ONAY", &t0}, {"RET", &t0}, {"ONAY", nil}}
	stored := map[consent.Key]*consent.State{}
	lastEvent := map[consent.Key]int64{}
	var rows []consent.RowInput
	phone := 0
	nextPhone := func() string { phone++; return fmt.Sprintf("0532%07d", phone) }
	seed := func(p string, rt consent.RecipientType, typ consent.Type, s *storedState) {
		if s == nil {
			return
		}
		rec := "+90" + p[1:]
		var rid, eid int64
		if err := pool.QueryRow(e.ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type) VALUES ($1, 'phone', $2, $3)
			ON CONFLICT (brand_id, recipient, recipient_type) DO UPDATE SET updated_at = now() RETURNING id`, e.brand, rec, rt).Scan(&rid); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(e.ctx, `INSERT INTO consent_events (recipient_id, type, brand_id, status, source, consent_date, origin, actor)
			VALUES ($1, $2, $3, $4, 'HS_WEB', $5, 'manual', 'test') RETURNING id`, rid, typ, e.brand, s.status, s.date).Scan(&eid); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(e.ctx, `INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, last_event_id, sort_key)
			VALUES ($1, $2, $3, $4, $5, 'HS_WEB', $6, $7, $1)`, rid, typ, e.brand, rt, s.status, s.date, eid); err != nil {
			t.Fatal(err)
		}
		k := consent.Key{BrandCode: "654321", Recipient: rec, RecipientType: rt, Type: typ}
		st := &consent.State{Status: consent.Status(s.status)}
		if s.date != nil {
			st.ConsentDate = *s.date
		}
		stored[k], lastEvent[k] = st, eid
	}
	dates := []time.Time{t0.Add(-time.Hour), t0, t0.Add(time.Hour), t0.Add(2 * time.Hour)}
	row := func(p string, rt consent.RecipientType, status string, d time.Time) consent.RowInput {
		return consent.RowInput{BrandCode: "654321", RecipientType: string(rt), Phone: p, MessagePermission: status,
			Source: "HS_WEB", ConsentDate: d.In(consent.Location()).Format("02.01.2006 15:04:05")}
	}
	for _, s := range states {
		for _, rt := range []consent.RecipientType{consent.RecipientBireysel, consent.RecipientTacir} {
			// A key that occurs once.
			for _, status := range []string{"ONAY", "RET"} {
				for _, d := range dates {
					p := nextPhone()
					seed(p, rt, consent.TypeMesaj, s)
					rows = append(rows, row(p, rt, status, d))
				}
			}
			// A key that occurs twice or three times, with other rows between.
			for _, seq := range [][2]string{{"ONAY", "RET"}, {"RET", "ONAY"}, {"ONAY", "ONAY"}, {"RET", "RET"}} {
				for _, ds := range [][]int{{0, 2}, {2, 0}, {1, 1}, {3, 1, 2}} {
					p := nextPhone()
					seed(p, rt, consent.TypeMesaj, s)
					for i, di := range ds {
						rows = append(rows, row(p, rt, seq[i%2], dates[di]))
						rows = append(rows, row(nextPhone(), rt, "ONAY", dates[2]))
					}
				}
			}
		}
	}
	// Another brand's rows, an e-mail key in two rows, rows with stateless
	// errors, and a row that yields no consent.
	forbidden := row(nextPhone(), consent.RecipientBireysel, "ONAY", dates[2])
	forbidden.BrandCode = "999999"
	email := row(nextPhone(), consent.RecipientBireysel, "ONAY", dates[2])
	email.Email, email.EmailPermission = "a@ornek.com.tr", "ONAY"
	email2 := email
	email2.Phone, email2.EmailPermission, email2.ConsentDate = "", "RET", dates[3].In(consent.Location()).Format("02.01.2006 15:04:05")
	bad := row("12345", consent.RecipientBireysel, "ONAY", dates[2])
	bad.Email = "b@ornek.com.tr"
	rows = append(rows, forbidden, email, bad, email2, consent.RowInput{BrandCode: "654321"}, row(nextPhone(), consent.RecipientBireysel, "", dates[2]))

	results, stats := e.stage(t, now, rows, func(i int) []string { return []string{strconv.Itoa(i)} })

	// The reference: Collapse over each key's consents in file order.
	type ref struct {
		outcome store.ItemOutcome
		problem *consent.Problem
		seen    *int64
	}
	want := map[[2]string]ref{} // row, type
	groups := map[consent.Key][]int{}
	var order []consent.Key
	type itemAt struct {
		row int
		c   consent.Consent
	}
	var all []itemAt
	for i, res := range results {
		for _, it := range res.Items {
			key := [2]string{strconv.Itoa(i + 2), string(it.Consent.Type)}
			switch {
			case !it.OK():
				want[key] = ref{outcome: store.OutcomeError}
			case it.Consent.BrandCode != "654321":
				p := consent.NewProblem(consent.CodeBrandForbidden, consent.FieldBrandCode)
				want[key] = ref{outcome: store.OutcomeError, problem: &p}
			default:
				k := it.Consent.Key()
				if _, ok := groups[k]; !ok {
					order = append(order, k)
				}
				groups[k] = append(groups[k], len(all))
				all = append(all, itemAt{i + 2, it.Consent})
			}
		}
	}
	for _, k := range order {
		var changes []consent.Consent
		for _, j := range groups[k] {
			changes = append(changes, all[j].c)
		}
		var seen *int64
		if id, ok := lastEvent[k]; ok {
			seen = &id
		}
		for _, d := range consent.Collapse(stored[k], changes) {
			it := all[groups[k][d.Index]]
			r := ref{problem: d.Problem, seen: seen}
			switch {
			case d.Action == consent.ActionSkip:
				r.outcome = store.OutcomeUnchanged
			case d.Action == consent.ActionReject:
				r.outcome = store.OutcomeError
			case stored[k] == nil:
				r.outcome = store.OutcomeNew
			default:
				r.outcome = store.OutcomeChanged
			}
			want[[2]string{strconv.Itoa(it.row), string(it.c.Type)}] = r
		}
	}

	check := func(stats *store.ParseStats) {
		t.Helper()
		if _, err := e.st.SetImportStatus(e.ctx, e.id, store.ImportValidating, store.ImportParsing, store.ImportPreview); err != nil {
			t.Fatal(err)
		}
		if err := e.st.ValidateImport(e.ctx, e.id, []string{"654321"}, stats); err != nil {
			t.Fatal(err)
		}
		summary := map[string]*store.ChannelSummary{"ARAMA": {}, "MESAJ": {}, "EPOSTA": {}}
		filters := map[string][]int{}
		for _, r := range e.rows(t, "all") {
			res := results[r.RowNo-2]
			hasErr, hasNew, hasUnchanged := res.HasErrors(), false, false
			for _, it := range r.Items {
				w, ok := want[[2]string{strconv.Itoa(r.RowNo), it.Type}]
				if !ok {
					t.Fatalf("row %d: unexpected %s item", r.RowNo, it.Type)
				}
				var last *consent.Problem
				if n := len(it.Problems); n > 0 {
					last = &it.Problems[n-1]
				}
				if it.Outcome != w.outcome || (w.problem != nil && (last == nil || *last != *w.problem)) {
					t.Errorf("row %d %s: %s %v, want %s %v", r.RowNo, it.Type, it.Outcome, last, w.outcome, w.problem)
				}
				s := summary[it.Type]
				s.Total++
				switch it.Outcome {
				case store.OutcomeNew:
					s.New++
					hasNew = true
				case store.OutcomeChanged:
					s.Changed++
				case store.OutcomeUnchanged:
					s.Unchanged++
					hasUnchanged = true
				case store.OutcomeError:
					s.Errors++
					hasErr = true
				}
				if it.Status == "RET" && it.Outcome != store.OutcomeError {
					s.Ret++
				}
				for _, p := range it.Problems {
					if p.Severity == consent.SeverityWarning {
						s.Warnings++
						break
					}
				}
			}
			filters["all"] = append(filters["all"], r.RowNo)
			if hasErr {
				filters["errors"] = append(filters["errors"], r.RowNo)
			}
			if hasNew {
				filters["new"] = append(filters["new"], r.RowNo)
			}
			if hasUnchanged {
				filters["unchanged"] = append(filters["unchanged"], r.RowNo)
			}
			if slices.ContainsFunc(res.Problems, func(p consent.Problem) bool { return p.Severity == consent.SeverityWarning }) {
				filters["warnings"] = append(filters["warnings"], r.RowNo)
			}
		}
		im, err := e.st.Import(e.ctx, e.id)
		if err != nil {
			t.Fatal(err)
		}
		if im.Status != store.ImportPreview {
			t.Fatalf("status %s", im.Status)
		}
		for ty, s := range summary {
			if *im.Summary[ty] != *s {
				t.Errorf("%s summary %+v, want %+v", ty, *im.Summary[ty], *s)
			}
		}
		for _, f := range []string{"all", "errors", "new", "unchanged", "warnings"} {
			var got []int
			for _, r := range e.rows(t, f) {
				got = append(got, r.RowNo)
			}
			if !slices.Equal(got, filters[f]) {
				t.Errorf("filter %s: %v, want %v", f, got, filters[f])
			}
		}
		var errRows []int
		if err := e.st.ImportErrorRows(e.ctx, e.id, func(n int, _ []string, _ []consent.Problem) error {
			errRows = append(errRows, n)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(errRows, filters["errors"]) {
			t.Errorf("error workbook rows %v, want %v", errRows, filters["errors"])
		}
		// What approval reads: every item's outcome and the event it saw.
		rs, err := pool.Query(e.ctx, "SELECT row_no, type, COALESCE(outcome, ''), seen_event_id FROM import_item_results WHERE import_id = $1", e.id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rs.Next() {
			var row int
			var typ string
			var outcome store.ItemOutcome
			var seen *int64
			if err := rs.Scan(&row, &typ, &outcome, &seen); err != nil {
				t.Fatal(err)
			}
			n++
			w := want[[2]string{strconv.Itoa(row), typ}]
			if outcome != w.outcome || (seen == nil) != (w.seen == nil) || (seen != nil && *seen != *w.seen) {
				t.Errorf("import_item_results row %d %s: %s %v, want %s %v", row, typ, outcome, seen, w.outcome, w.seen)
			}
		}
		if rs.Err() != nil || n != len(want) {
			t.Errorf("import_item_results: %d items (%v), want %d", n, rs.Err(), len(want))
		}
	}
	check(&stats)
	check(nil) // counted again
}
