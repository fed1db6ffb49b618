package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// newImport stores a small file as an import of u for brand b, with no
// job, and moves it to status.
func newImport(t *testing.T, st *store.Store, u *store.User, b *store.Brand, status store.ImportStatus) int64 {
	t.Helper()
	ctx := context.Background()
	im, err := st.CreateImport(ctx, store.Actor{UserID: u.ID, Label: u.Email}, &b.ID,
		store.Upload{Filename: "liste.csv", Size: 3, CompanyID: &b.CompanyID}, strings.NewReader("a;b"),
		func(pgx.Tx, int64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, "UPDATE imports SET status = $2 WHERE id = $1", im.ID, status); err != nil {
		t.Fatal(err)
	}
	return im.ID
}

func auditCount(t *testing.T, st *store.Store, action string) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An import waits for its mapping with its header and first values; a
// user's mapping requeues it (one job), saves the brand's profile once and
// audits its creation and its change, not a repetition; an import that is
// not waiting or in preview refuses a mapping and nothing changes.
func TestImportMappingAndProfiles(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	u := storetest.User(t, st, "p@ornek.com.tr", "personel", b.ID)
	a := store.Actor{UserID: u.ID, Label: u.Email}
	id := newImport(t, st, u, b, store.ImportParsing)

	header := []string{"Numara", "Tip", "Nereden"}
	ok, err := st.AwaitImportMapping(ctx, id, &b.ID, header, [][]string{{"0532"}, {"BIREYSEL"}, {}}, "Zorunlu sütunlar eksik.")
	if err != nil || !ok {
		t.Fatalf("AwaitImportMapping: %v %v", ok, err)
	}
	im, _ := st.Import(ctx, id)
	if im.Status != store.ImportMapping || im.Status.Label() != "Sütun eşleştirme bekliyor" {
		t.Fatalf("status %s (%s)", im.Status, im.Status.Label())
	}
	m, err := st.ImportHeaderMapping(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Header, header) || m.Samples[1][0] != "BIREYSEL" || m.Columns != nil || m.Source != "" || m.Problem == "" || *m.BrandID != b.ID {
		t.Errorf("waiting mapping %+v", m)
	}

	jobs := 0
	enqueue := func(pgx.Tx, int64) error { jobs++; return nil }
	cols := []string{"telefon", "alici_tipi", "izin_kaynagi"}
	change := store.MappingChange{ImportID: id, Columns: cols, SaveFor: &b.ID, HeaderKey: `["NERDEN","NUMARA","TIP"]`}
	if err := st.SetImportMapping(ctx, a, change, enqueue); err != nil {
		t.Fatal(err)
	}
	im, _ = st.Import(ctx, id)
	m, _ = st.ImportHeaderMapping(ctx, id)
	if im.Status != store.ImportUploaded || jobs != 1 || m.Source != store.MappingUser || !slices.Equal(m.Columns, cols) || m.Profile == nil {
		t.Fatalf("after mapping: status %s, jobs %d, mapping %+v", im.Status, jobs, m)
	}
	if m.Profile.BrandName != b.Name || m.Profile.UpdatedBy != u.Email || !slices.Equal(m.Profile.Columns, cols) {
		t.Errorf("profile %+v", m.Profile)
	}
	if n := auditCount(t, st, store.ActionImportProfile); n != 1 {
		t.Errorf("profile audits after creation: %d", n)
	}

	// Mapping again while the file is read is refused, and changes nothing.
	err = st.SetImportMapping(ctx, a, store.MappingChange{ImportID: id, Columns: []string{"eposta", "alici_tipi", "izin_kaynagi"}, SaveFor: &b.ID, HeaderKey: change.HeaderKey}, enqueue)
	if !errors.Is(err, store.ErrNotMappable) || jobs != 1 {
		t.Fatalf("mapping an uploaded import: %v, jobs %d", err, jobs)
	}
	if m2, _ := st.ImportHeaderMapping(ctx, id); !slices.Equal(m2.Columns, cols) {
		t.Errorf("refused mapping changed the columns: %v", m2.Columns)
	}

	// In preview: the same mapping again is no profile change; another is.
	st.Pool().Exec(ctx, "UPDATE imports SET status = 'preview' WHERE id = $1", id)
	if err := st.SetImportMapping(ctx, a, change, enqueue); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, st, store.ActionImportProfile); n != 1 {
		t.Errorf("profile audits after the same mapping: %d", n)
	}
	st.Pool().Exec(ctx, "UPDATE imports SET status = 'preview' WHERE id = $1", id)
	change.Columns = []string{"eposta", "alici_tipi", "izin_kaynagi"}
	if err := st.SetImportMapping(ctx, a, change, enqueue); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, st, store.ActionImportProfile); n != 2 {
		t.Errorf("profile audits after a change: %d", n)
	}
	var before, after string
	st.Pool().QueryRow(ctx, "SELECT before::text, after::text FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1", store.ActionImportProfile).Scan(&before, &after)
	if !strings.Contains(before, "telefon") || !strings.Contains(after, "eposta") {
		t.Errorf("change audited as %s → %s", before, after)
	}
	profiles, err := st.ImportProfiles(ctx, b.ID)
	if err != nil || len(profiles) != 1 || profiles[0].HeaderKey != change.HeaderKey || profiles[0].Columns[0] != "eposta" {
		t.Fatalf("profiles %+v %v", profiles, err)
	}

	// Another import of the brand mapped by the profile records it.
	id2 := newImport(t, st, u, b, store.ImportParsing)
	if err := st.RecordImportMapping(ctx, id2, &b.ID, header, nil, change.Columns, store.MappingProfile, &profiles[0].ID); err != nil {
		t.Fatal(err)
	}
	m, _ = st.ImportHeaderMapping(ctx, id2)
	if m.Source != store.MappingProfile || m.Profile == nil || m.Profile.ID != profiles[0].ID {
		t.Errorf("recorded mapping %+v", m)
	}
	// A discarded import is not mappable either.
	st.Pool().Exec(ctx, "UPDATE imports SET status = 'discarded' WHERE id = $1", id2)
	if err := st.SetImportMapping(ctx, a, store.MappingChange{ImportID: id2, Columns: change.Columns}, enqueue); !errors.Is(err, store.ErrNotMappable) {
		t.Errorf("mapping a discarded import: %v", err)
	}
}
