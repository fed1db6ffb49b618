package jobs

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/importer"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// mappingEnv is a Personel of one brand who uploads CSV files, and the
// parse worker that reads them.
type mappingEnv struct {
	ctx   context.Context
	st    *store.Store
	u     *store.User
	brand *store.Brand
	w     *ParseImportWorker
}

func newMappingEnv(t *testing.T) *mappingEnv {
	t.Helper()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	b := storetest.Company(t, st, "Örnek", "Marka", "654321")
	u := storetest.User(t, st, "p@ornek.com.tr", "personel", b.ID)
	d := Deps{Store: st, Log: slog.New(slog.DiscardHandler),
		BrandCodes: func(context.Context, int64) ([]string, error) { return []string{"654321"}, nil }}
	return &mappingEnv{ctx: context.Background(), st: st, u: u, brand: b, w: &ParseImportWorker{deps: d}}
}

// upload stores a file (for the brand when withBrand) and parses it.
func (e *mappingEnv) upload(t *testing.T, data string, withBrand bool) *store.Import {
	t.Helper()
	var brandID *int64
	if withBrand {
		brandID = &e.brand.ID
	}
	im, err := e.st.CreateImport(e.ctx, store.Actor{UserID: e.u.ID, Label: e.u.Email}, brandID,
		store.Upload{Filename: "liste.csv", CompanyID: &e.brand.CompanyID}, strings.NewReader(data), func(pgx.Tx, int64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return e.parse(t, im.ID)
}

func (e *mappingEnv) parse(t *testing.T, id int64) *store.Import {
	t.Helper()
	job := &river.Job[ParseImportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: ParseImportArgs{ImportID: id}}
	if err := e.w.Work(e.ctx, job); err != nil {
		t.Fatal(err)
	}
	im, err := e.st.Import(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// A file whose headers the synonyms do not know waits for a mapping with
// its first values; the user's mapping reads it, with the brand chosen at
// upload in the rows without one; the next file with the same headers,
// reordered, maps by the profile, and a file with other headers asks again.
func TestParseWaitsForMappingThenUsesTheProfile(t *testing.T) {
	t.Parallel()
	e := newMappingEnv(t)
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04")
	file := "Numara;Müşteri Tipi;Nereden;Ne Zaman;Firma\n" +
		"05321112233;BIREYSEL;HS_WEB;" + at + ";\n" +
		"05321112244;BIREYSEL;HS_WEB;" + at + ";654321\n"
	im := e.upload(t, file, true)
	if im.Status != store.ImportMapping {
		t.Fatalf("status %s (%s)", im.Status, im.ErrorMessage)
	}
	m, err := e.st.ImportHeaderMapping(e.ctx, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Header) != 5 || !slices.Equal(m.Samples[0], []string{"05321112233", "05321112244"}) || m.Problem == "" || m.Columns != nil {
		t.Fatalf("waiting mapping %+v", m)
	}
	if n := count(t, e.st, "SELECT count(*) FROM import_rows"); n != 0 {
		t.Errorf("rows staged before the mapping: %d", n)
	}

	cols := []string{"telefon", "alici_tipi", "izin_kaynagi", "izin_tarihi", "marka_kodu"}
	key := importer.HeaderKey(m.Header)
	if err := e.st.SetImportMapping(e.ctx, store.Actor{UserID: e.u.ID, Label: e.u.Email},
		store.MappingChange{ImportID: im.ID, Columns: cols, SaveFor: &e.brand.ID, HeaderKey: key}, func(pgx.Tx, int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	im = e.parse(t, im.ID)
	if im.Status != store.ImportPreview || im.Summary["MESAJ"].New != 2 || im.Summary["MESAJ"].Errors != 0 {
		t.Fatalf("after the mapping: %s %+v (%s)", im.Status, im.Summary["MESAJ"], im.ErrorMessage)
	}
	if n := count(t, e.st, "SELECT count(*) FROM import_rows WHERE brand_code = '654321'"); n != 2 {
		t.Errorf("rows with the brand: %d, want 2 (one filled from the upload)", n)
	}

	// The same headers, another order and spelling: the profile, no question.
	again := "firma;NE ZAMAN;nereden;müşteri tipi;NUMARA\n654321;" + at + ";HS_WEB;BIREYSEL;05321112255\n"
	im2 := e.upload(t, again, false) // the uploader's only brand finds the profile
	if im2.Status != store.ImportPreview || im2.Summary["MESAJ"].New != 1 {
		t.Fatalf("second file: %s %+v (%s)", im2.Status, im2.Summary["MESAJ"], im2.ErrorMessage)
	}
	m2, _ := e.st.ImportHeaderMapping(e.ctx, im2.ID)
	if m2.Source != store.MappingProfile || m2.Profile == nil || !slices.Equal(m2.Columns, []string{"marka_kodu", "izin_tarihi", "izin_kaynagi", "alici_tipi", "telefon"}) {
		t.Errorf("second file's mapping %+v", m2)
	}

	// A profile saved for a file without a brand column (the brand chosen
	// at upload) fits the same headers only when a brand is chosen.
	noBrand := "Numara;Müşteri Tipi;Nereden\n05321112266;BIREYSEL;HS_WEB\n"
	im3 := e.upload(t, noBrand, true)
	if im3.Status != store.ImportMapping {
		t.Fatalf("other headers: %s", im3.Status)
	}
	m3, _ := e.st.ImportHeaderMapping(e.ctx, im3.ID)
	if err := e.st.SetImportMapping(e.ctx, store.Actor{UserID: e.u.ID, Label: e.u.Email},
		store.MappingChange{ImportID: im3.ID, Columns: []string{"telefon", "alici_tipi", "izin_kaynagi"}, SaveFor: &e.brand.ID, HeaderKey: importer.HeaderKey(m3.Header)},
		func(pgx.Tx, int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if im3 = e.parse(t, im3.ID); im3.Status != store.ImportPreview {
		t.Fatalf("mapped without a brand column: %s %s", im3.Status, im3.ErrorMessage)
	}
	if im := e.upload(t, noBrand, false); im.Status != store.ImportMapping {
		t.Errorf("profile without marka_kodu applied with no brand chosen: %s", im.Status)
	}
	if im := e.upload(t, noBrand, true); im.Status != store.ImportPreview {
		t.Errorf("profile without marka_kodu, brand chosen: %s", im.Status)
	}
	// A header that maps by its names records it.
	im4 := e.upload(t, "telefon;alici_tipi;izin_kaynagi\n05321112277;BIREYSEL;HS_WEB\n", true)
	m4, _ := e.st.ImportHeaderMapping(e.ctx, im4.ID)
	if im4.Status != store.ImportPreview || m4.Source != store.MappingAuto || m4.Columns[0] != "telefon" {
		t.Errorf("template names: %s %+v", im4.Status, m4)
	}
	// An unmapped header over no data rows fails as an empty file.
	if im5 := e.upload(t, "Numara;Nereden\n", true); im5.Status != store.ImportFailed || im5.ErrorCode != codeEmpty {
		t.Errorf("empty unmapped file: %s %s", im5.Status, im5.ErrorCode)
	}
}

func count(t *testing.T, st *store.Store, q string) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
