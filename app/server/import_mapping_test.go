package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// uploadWith posts a file with form fields (brand_code) to the import API
// and returns the import id.
func uploadWith(t testing.TB, c *client, name string, data []byte, fields map[string]string) int64 {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	r := c.do("POST", "/api/v1/imports", &body, mw.FormDataContentType())
	var res struct{ ID int64 }
	if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.status != http.StatusAccepted || res.ID == 0 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	return res.ID
}

// mappingAPIView is GET /api/v1/imports/:id with its mapping.
type mappingAPIView struct {
	Status   string
	Summary  map[string]struct{ Total, New, Changed, Errors int }
	Progress struct {
		RowsDone int `json:"rows_done"`
	}
	Error       *struct{ Code, Message string }
	UploadBrand *struct {
		Name, Company string
		BrandCode     string `json:"brand_code"`
	} `json:"upload_brand"`
	Mapping *struct {
		Needed, Editable bool
		Source, Problem  string
		SavedFor         string `json:"saved_for"`
		Columns          []struct {
			Index          int
			Letter, Header string
			Samples        []string
			Guess, Field   string
		}
		Profile *struct {
			ID        int64
			BrandName string `json:"brand_name"`
		}
	}
}

// waitStage polls the import until it leaves the working stages (mapping
// included) and returns its view.
func waitStage(t testing.TB, c *client, id int64) mappingAPIView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r := c.get("/api/v1/imports/" + itoa(id))
		var v mappingAPIView
		if err := json.Unmarshal([]byte(r.body), &v); err != nil {
			t.Fatalf("import %d: %d %s", id, r.status, r.body)
		}
		switch v.Status {
		case "mapping", "preview", "failed", "approved", "discarded":
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("import %d did not settle", id)
	return mappingAPIView{}
}

// sheet writes rows (the header first) as a workbook with excelize.
func sheet(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// apiProblems decodes a refusal's code and field messages.
func apiProblems(t testing.TB, r response) (code string, fields map[string]string) {
	t.Helper()
	var body struct {
		Error struct {
			Code   string
			Fields []struct{ Field, Code, Message string }
		}
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("refusal %d: %s", r.status, r.body)
	}
	fields = map[string]string{}
	for _, f := range body.Error.Fields {
		fields[f.Field] = f.Code + ": " + f.Message
	}
	return body.Error.Code, fields
}

type colField struct {
	Index int    `json:"index"`
	Field string `json:"field"`
}

// A file whose headers do not map waits at the mapping stage with its
// columns, their first values and the guesses; wrong mappings are refused
// with Turkish messages and change nothing; a good one reads the file to
// a preview with the right counts and is saved as the brand's profile; the
// same headers again, reordered and spelled otherwise, map by the profile
// without asking; a change from the preview reads the file again and
// updates the profile.
func TestImportColumnMapping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "951001")
	u := e.user("p@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	ui := e.client()
	ui.login(u.Email, u.Email+"-parola")
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04")
	long := strings.Repeat("uzun not ", 20)
	rows := [][]any{{"Numara", "Müşteri Tipi", "Nereden", "Ne Zaman", "Açıklama"}}
	for i, n := range []string{"05321110001", "05321110002", "05321110003", "05321110004", "05321110005", "05321110006"} {
		note := []string{"<script>alert(1)</script>", long, "", "", "", "altıncı"}[i]
		rows = append(rows, []any{n, "BIREYSEL", "HS_WEB", at, note})
	}
	id := uploadWith(t, api, "musteriler.xlsx", sheet(t, rows), map[string]string{"brand_code": "951001"})
	v := waitStage(t, api, id)
	if v.Status != "mapping" || v.Mapping == nil || !v.Mapping.Needed || !v.Mapping.Editable || v.Mapping.Problem == "" {
		t.Fatalf("unknown headers: %s %+v", v.Status, v.Mapping)
	}
	cols := v.Mapping.Columns
	if len(cols) != 5 || cols[0].Header != "Numara" || cols[0].Letter != "A" || cols[1].Guess != "alici_tipi" || cols[0].Guess != "" {
		t.Fatalf("columns %+v", cols)
	}
	if got := strings.Join(cols[0].Samples, ","); got != "05321110001,05321110002,05321110003,05321110004,05321110005" {
		t.Errorf("first values of Numara: %s", got)
	}
	if len(cols[4].Samples) != 3 || len([]rune(cols[4].Samples[1])) > 60 || !strings.HasSuffix(cols[4].Samples[1], "…") {
		t.Errorf("first values of Açıklama: %q", cols[4].Samples)
	}
	if v.UploadBrand == nil || v.UploadBrand.Name != "Örnek Market" || v.UploadBrand.Company != "Örnek Gıda A.Ş." {
		t.Errorf("upload brand %+v", v.UploadBrand)
	}
	// The page shows the columns, the values escaped.
	page := ui.get("/imports/" + itoa(id))
	if !strings.Contains(page.body, `id="mapping-form"`) || !strings.Contains(page.body, "Sütun eşleştirme bekliyor") ||
		!strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(page.body, "<script>alert(1)") {
		t.Errorf("mapping page: %s", between(page.body, `id="mapping"`, "</section>"))
	}

	// Wrong mappings: Turkish errors, nothing changes.
	state := func() string {
		var s string
		e.st.Pool().QueryRow(context.Background(), `SELECT (SELECT status FROM imports WHERE id = $1) || '/' ||
			(SELECT count(*) FROM import_profiles) || '/' || (SELECT count(*) FROM import_rows) || '/' ||
			(SELECT count(*) FROM river_job WHERE kind = 'import_parse')`, id).Scan(&s)
		return s
	}
	before := state()
	for name, tc := range map[string]struct {
		cols  []colField
		field string
		want  string
	}{
		"required left out": {[]colField{{0, "telefon"}, {1, "alici_tipi"}}, "izin_kaynagi", "İzin Kaynağı zorunlu bir alan"},
		"one field twice":   {[]colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}, {4, "telefon"}}, "col_4", "Telefon alanı birden çok sütuna atandı"},
		"unknown field":     {[]colField{{0, "cep"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}}, "col_0", "«cep» bilinen bir alan değil"},
		"unknown column":    {[]colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}, {9, "ad"}}, "col_9", "9 numaralı sütun yok"},
	} {
		r := api.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": tc.cols})
		code, fields := apiProblems(t, r)
		if r.status != http.StatusUnprocessableEntity || code != "VALIDATION" || !strings.Contains(fields[tc.field], tc.want) {
			t.Errorf("%s: %d %s %v", name, r.status, code, fields)
		}
	}
	// The form shows the problem in place and keeps the choices.
	r := ui.post("/imports/"+itoa(id)+"/mapping", url.Values{"col_0": {"telefon"}, "col_1": {"alici_tipi"}, "col_3": {"telefon"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="mapping-errors"`) ||
		!strings.Contains(r.body, "İzin Kaynağı zorunlu bir alan") || !strings.Contains(r.body, "Telefon alanı birden çok sütuna atandı") {
		t.Errorf("refused form: %d %s", r.status, between(r.body, `id="mapping-errors"`, "</div>"))
	}
	if !strings.Contains(between(r.body, `name="col_3"`, "</select>"), `value="telefon" selected`) {
		t.Errorf("the form lost a choice: %s", between(r.body, `name="col_3"`, "</select>"))
	}
	if after := state(); after != before {
		t.Fatalf("refused mappings changed state: %s → %s", before, after)
	}

	// A good mapping: the file is read to the preview.
	good := []colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}, {3, "izin_tarihi"}, {4, ""}}
	if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": good}); r.status != http.StatusAccepted {
		t.Fatalf("good mapping: %d %s", r.status, r.body)
	}
	v = waitStage(t, api, id)
	if v.Status != "preview" || v.Summary["MESAJ"].New != 6 || v.Summary["ARAMA"].New != 6 || v.Summary["MESAJ"].Errors != 0 || v.Progress.RowsDone != 6 {
		t.Fatalf("after the mapping: %s %+v %+v", v.Status, v.Summary, v.Error)
	}
	if v.Mapping.Source != "user" || v.Mapping.Profile == nil || v.Mapping.Profile.BrandName != "Örnek Market" {
		t.Errorf("mapping after: %+v", v.Mapping)
	}
	if n := count(t, e, "SELECT count(*) FROM audit_log WHERE action = 'import_profile'"); n != 1 {
		t.Errorf("profile audits: %d", n)
	}

	// The same headers again, reordered and spelled otherwise: the profile.
	again := [][]any{{"AÇIKLAMA", "ne zaman", "NUMARA", " nereden ", "müşteri_tipi"}, {"", at, "05321110007", "HS_WEB", "TACIR"}}
	id2 := uploadWith(t, api, "ikinci.xlsx", sheet(t, again), map[string]string{"brand_code": "951001"})
	v = waitStage(t, api, id2)
	if v.Status != "preview" || v.Mapping.Source != "profile" || v.Summary["MESAJ"].New != 1 {
		t.Fatalf("same headers: %s %+v %+v", v.Status, v.Mapping, v.Error)
	}
	page = ui.get("/imports/" + itoa(id2))
	for _, want := range []string{"Kayıtlı eşleştirme kullanıldı: «ne zaman» → İzin Tarihi, «NUMARA» → Telefon", "Eşleştirmeyi Değiştir", "Yüklenecek Marka: Örnek Market (Örnek Gıda A.Ş.)"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("preview lacks %q: %s", want, between(page.body, `id="mapping-note"`, "</details>"))
		}
	}

	// A change from the preview: read again, the profile updated.
	changed := []colField{{0, "ad"}, {1, "izin_tarihi"}, {2, "telefon"}, {3, "izin_kaynagi"}, {4, "alici_tipi"}}
	if r := api.postJSON("/api/v1/imports/"+itoa(id2)+"/mapping", map[string]any{"columns": changed}); r.status != http.StatusAccepted {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if v = waitStage(t, api, id2); v.Status != "preview" || v.Mapping.Source != "user" {
		t.Fatalf("after the change: %s %+v", v.Status, v.Mapping)
	}
	if n := count(t, e, "SELECT count(*) FROM audit_log WHERE action = 'import_profile'"); n != 2 {
		t.Errorf("profile audits after the change: %d", n)
	}
	if n := count(t, e, "SELECT count(*) FROM import_profiles"); n != 1 {
		t.Errorf("profiles: %d, want the one updated", n)
	}
	// Mapping an approved import is refused.
	approveAPI(t, api, id, "all")
	r = api.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": good})
	if code, _ := apiProblems(t, r); r.status != http.StatusConflict || code != "NOT_MAPPABLE" {
		t.Errorf("mapping a sent import: %d %s", r.status, r.body)
	}
}

// The brand chosen at upload fills rows whose brand cell is empty or whose
// file has no brand column; a row's own foreign brand code is still
// refused; İçe Aktar offers the user's brands.
func TestImportUploadBrand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "952001")
	e.brand("Başka Firma", "Başka Marka", "952002")
	u := e.user("p@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	data := workbook(t, [][]any{
		{"", "BIREYSEL", "", "", "05321120001", "", "", "", "", "HS_WEB", at},       // filled
		{"952001", "BIREYSEL", "", "", "05321120002", "", "", "", "", "HS_WEB", at}, // its own
		{"952002", "BIREYSEL", "", "", "05321120003", "", "", "", "", "HS_WEB", at}, // foreign: refused
		{"   ", "BIREYSEL", "", "", "05321120004", "", "", "", "", "HS_WEB", at},    // blank: filled
	})
	id := uploadWith(t, api, "marka.xlsx", data, map[string]string{"brand_code": "952001"})
	v := waitStage(t, api, id)
	if v.Status != "preview" || v.Summary["MESAJ"].New != 3 || v.Summary["MESAJ"].Errors != 1 {
		t.Fatalf("brand filled: %s %+v %+v", v.Status, v.Summary, v.Error)
	}
	if r := api.get("/api/v1/imports/" + itoa(id) + "/rows?filter=errors"); !strings.Contains(r.body, "BRAND_FORBIDDEN") || !strings.Contains(r.body, "05321120003") {
		t.Errorf("errors: %s", r.body)
	}
	if n := count(t, e, "SELECT count(*) FROM import_rows WHERE brand_code = '952001'"); n != 3 {
		t.Errorf("rows of the brand: %d, want 3", n)
	}
	// Without the brand column: valid with a brand chosen, asked without.
	noBrand := sheet(t, [][]any{{"Alıcı Tipi", "Telefon", "İzin Kaynağı", "İzin Tarihi"}, {"BIREYSEL", "05321120005", "HS_WEB", at}})
	if v := waitStage(t, api, uploadWith(t, api, "markasiz.xlsx", noBrand, map[string]string{"brand_code": "952001"})); v.Status != "preview" || v.Summary["MESAJ"].New != 1 {
		t.Errorf("no brand column, brand chosen: %s %+v %+v", v.Status, v.Summary, v.Error)
	}
	if v := waitStage(t, api, upload(t, api, "markasiz.xlsx", noBrand)); v.Status != "mapping" || !strings.Contains(v.Mapping.Problem, "marka_kodu") {
		t.Errorf("no brand column, no brand chosen: %s %+v", v.Status, v.Mapping)
	}
	// Another company's brand cannot be chosen.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("brand_code", "952002")
	fw, _ := mw.CreateFormFile("file", "x.xlsx")
	fw.Write(noBrand)
	mw.Close()
	if r := api.do("POST", "/api/v1/imports", &body, mw.FormDataContentType()); r.status != http.StatusForbidden || !strings.Contains(r.body, "BRAND_FORBIDDEN") {
		t.Errorf("foreign brand chosen: %d %s", r.status, r.body)
	}
	// İçe Aktar: the select lists the user's brand.
	ui := e.client()
	ui.login(u.Email, u.Email+"-parola")
	page := ui.get("/imports")
	sel := between(page.body, `<select name="brand_code" id="upload-brand">`, "</select>")
	if !strings.Contains(page.body, "Yüklenecek Marka") || !strings.Contains(sel, `value="952001"`) || strings.Contains(sel, "952002") {
		t.Errorf("upload form: %s", sel)
	}
}

// The error workbook goes back in: its rows, corrected, are imported alone
// and valid; its added columns (Satır, Hata Kodu, Hata, Öneri) are ignored
// without a question, also for a file whose columns a user mapped (the
// brand's profile applies).
func TestImportErrorWorkbookRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "953001")
	u := e.user("p@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	data := workbook(t, [][]any{
		{"953001", "BIREYSEL", "Ayşe", "Yılmaz", "05321130001", "", "", "", "", "HS_WEB", at},
		{"953001", "BIREYSEL", "Ali", "Veli", "12345", "", "", "", "", "HS_WEB", at},       // bad phone
		{"953001", "BIREYSEL", "Can", "Kaya", "05321130003", "", "", "", "", "HS_YOK", at}, // bad source
		{"953001", "BIREYSEL", "Ece", "Ak", "05321130004", "", "", "", "", "HS_WEB", at},
	})
	fix := map[string]string{"12345": "05321130002", "HS_YOK": "HS_WEB"}
	roundTrip(t, api, data, nil, fix, 2, "Telefon: ")

	// A file whose columns the user mapped: the same with its profile.
	rows := [][]any{{"Numara", "Müşteri Tipi", "Nereden", "Ne Zaman"},
		{"05321130011", "BIREYSEL", "HS_WEB", at}, {"0532", "BIREYSEL", "HS_WEB", at}, {"05321130013", "BIREYSEL", "HS_WEB", at}}
	id := uploadWith(t, api, "eslestirilen.xlsx", sheet(t, rows), map[string]string{"brand_code": "953001"})
	if v := waitStage(t, api, id); v.Status != "mapping" {
		t.Fatalf("unknown headers: %s", v.Status)
	}
	r := api.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": []colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}, {3, "izin_tarihi"}}})
	if r.status != http.StatusAccepted {
		t.Fatalf("mapping: %d %s", r.status, r.body)
	}
	roundTripOf(t, api, id, map[string]string{"brand_code": "953001"}, map[string]string{"0532": "05321130012"}, 1, "Numara: ")
}

// roundTrip uploads data, expects a preview with refused rows, and goes
// round with its error workbook (roundTripOf).
func roundTrip(t *testing.T, api *client, data []byte, fields, fix map[string]string, refused int, message string) {
	t.Helper()
	id := uploadWith(t, api, "izinler.xlsx", data, fields)
	roundTripOf(t, api, id, fields, fix, refused, message)
}

// roundTripOf downloads the error workbook of import id, checks that it
// holds the refused rows with the four added columns, replaces the cells
// named in fix with excelize, uploads it with fields and expects a preview
// of just those rows, all valid and new, reached without a mapping
// question. The first refused row's Hata starts with message: the file's
// own header of the column at fault.
func roundTripOf(t *testing.T, api *client, id int64, fields, fix map[string]string, refused int, message string) {
	t.Helper()
	v := waitStage(t, api, id)
	if v.Status != "preview" {
		t.Fatalf("first upload: %s %+v", v.Status, v.Error)
	}
	r := api.get("/api/v1/imports/" + itoa(id) + "/errors.xlsx")
	if r.status != 200 {
		t.Fatalf("error workbook: %d", r.status)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sh := f.GetSheetName(0)
	all, err := f.GetRows(sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != refused+1 || !strings.HasSuffix(strings.Join(all[0], ","), "Satır,Hata Kodu,Hata,Öneri") {
		t.Fatalf("error workbook rows: %q", all)
	}
	if msg := all[1][len(all[0])-2]; !strings.HasPrefix(msg, message) {
		t.Errorf("Hata of the first row: %q, want it to start with %q", msg, message)
	}
	fixed := 0
	for ri, row := range all[1:] {
		for ci, cell := range row {
			if to, ok := fix[cell]; ok {
				name, _ := excelize.CoordinatesToCellName(ci+1, ri+2)
				if err := f.SetCellStr(sh, name, to); err != nil {
					t.Fatal(err)
				}
				fixed++
			}
		}
	}
	if fixed != len(fix) {
		t.Fatalf("fixed %d cells of %d: %q", fixed, len(fix), all)
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	id2 := uploadWith(t, api, "hatalar-duzeltildi.xlsx", out.Bytes(), fields)
	v = waitStage(t, api, id2)
	if v.Status != "preview" {
		t.Fatalf("corrected error workbook: %s %+v %+v", v.Status, v.Mapping, v.Error)
	}
	if v.Progress.RowsDone != refused || v.Summary["MESAJ"].Total != refused || v.Summary["MESAJ"].New != refused || v.Summary["MESAJ"].Errors+v.Summary["ARAMA"].Errors != 0 {
		t.Errorf("corrected rows: %d rows, %+v", v.Progress.RowsDone, v.Summary)
	}
	if rows := api.get("/api/v1/imports/" + itoa(id2) + "/rows?filter=errors"); strings.Contains(rows.body, `"code"`) {
		t.Errorf("errors after the correction: %s", rows.body)
	}
}

// Another company's users can neither read an import's mapping nor set
// it: 404, as for the import's other routes, and nothing changes.
func TestImportMappingOfAnotherCompany(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.brand("A Gıda", "A Market", "954001")
	b := e.brand("B Tekstil", "B Moda", "954002")
	owner := e.apiClient(e.user("a@a.com.tr", "personel", a.ID))
	id := upload(t, owner, "a.csv", []byte("Numara;Tip;Nereden\n05321140001;BIREYSEL;HS_WEB\n"))
	if v := waitStage(t, owner, id); v.Status != "mapping" {
		t.Fatalf("status %s", v.Status)
	}
	for _, role := range []string{"yonetici", "personel"} {
		u := e.user("b-"+role+"@b.com.tr", role, b.ID)
		api := e.apiClient(u)
		if r := api.get("/api/v1/imports/" + itoa(id)); r.status != http.StatusNotFound || strings.Contains(r.body, "Numara") {
			t.Errorf("%s reading: %d %s", role, r.status, r.body)
		}
		if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": []colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}}}); r.status != http.StatusNotFound {
			t.Errorf("%s setting via the API: %d %s", role, r.status, r.body)
		}
		ui := e.client()
		ui.login(u.Email, u.Email+"-parola")
		if r := ui.post("/imports/"+itoa(id)+"/mapping", url.Values{"col_0": {"telefon"}, "col_1": {"alici_tipi"}, "col_2": {"izin_kaynagi"}}); r.status != http.StatusNotFound {
			t.Errorf("%s setting via the page: %d", role, r.status)
		}
	}
	if v := waitStage(t, owner, id); v.Status != "mapping" || v.Mapping.Source != "" {
		t.Errorf("after the strangers: %s %+v", v.Status, v.Mapping)
	}
	// The control: the owner sets it (the file has no brand column and no
	// brand was chosen, so the mapping names one).
	r := owner.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": []colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}}})
	if code, fields := apiProblems(t, r); r.status != http.StatusUnprocessableEntity || !strings.Contains(fields["marka_kodu"], "Yüklenecek Marka") {
		t.Errorf("owner without a brand: %d %s %v", r.status, code, fields)
	}
}

// A workbook written by openpyxl with the headers of a saved profile maps
// by it: the header key does not depend on the writer.
func TestImportProfileOpenpyxl(t *testing.T) {
	t.Parallel()
	python := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import openpyxl").Run() == nil {
			python = path
			break
		}
	}
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("openpyxl not found (apt-get install python3-openpyxl)")
		}
		t.Skip("openpyxl bulunamadı, test atlandı (Debian: apt-get install python3-openpyxl)")
	}
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "955001")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04")
	id := uploadWith(t, api, "ilk.xlsx", sheet(t, [][]any{{"Numara", "Tür", "Nereden", "Ne Zaman"}, {"05321150001", "BIREYSEL", "HS_WEB", at}}),
		map[string]string{"brand_code": "955001"})
	if v := waitStage(t, api, id); v.Status != "mapping" {
		t.Fatalf("status %s", v.Status)
	}
	if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/mapping", map[string]any{"columns": []colField{{0, "telefon"}, {1, "alici_tipi"}, {2, "izin_kaynagi"}, {3, "izin_tarihi"}}}); r.status != http.StatusAccepted {
		t.Fatalf("mapping: %d %s", r.status, r.body)
	}
	waitStage(t, api, id)
	path := filepath.Join(t.TempDir(), "openpyxl.xlsx")
	script := `import sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["TÜR", "ne zaman", "nereden", "numara"])
ws.append(["BIREYSEL", sys.argv[2], "HS_WEB", "05321150002"])
wb.save(sys.argv[1])
`
	if out, err := exec.Command(python, "-c", script, path, at).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v %s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := waitStage(t, api, uploadWith(t, api, "openpyxl.xlsx", data, map[string]string{"brand_code": "955001"}))
	if v.Status != "preview" || v.Mapping.Source != "profile" || v.Summary["MESAJ"].New != 1 {
		t.Errorf("openpyxl workbook: %s %+v %+v", v.Status, v.Mapping, v.Error)
	}
}

// In the browser: a file with unknown headers stops at the mapping form; a
// mapping without a required field is refused in place; the columns
// mapped in the page read the file to the preview; a second file with the
// same headers (reordered, other case) reaches the preview without the
// question, saying which saved mapping it used.
func TestBrowserColumnMapping(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "956001")
	u := e.user("personel@ornek.com.tr", "personel", b.ID)
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04")
	dir := t.TempDir()
	first := filepath.Join(dir, "musteriler.xlsx")
	second := filepath.Join(dir, "musteriler-2.xlsx")
	os.WriteFile(first, sheet(t, [][]any{{"Numara", "Tür", "Nereden", "Ne Zaman"},
		{"05321160001", "BIREYSEL", "HS_WEB", at}, {"05321160002", "BIREYSEL", "HS_WEB", at}}), 0o644)
	os.WriteFile(second, sheet(t, [][]any{{"NE ZAMAN", "numara", "tür", "NEREDEN"}, {at, "05321160003", "BIREYSEL", "HS_WEB"}}), 0o644)

	ctx := browser(t)
	do, text := steps(t, ctx)
	do(
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", u.Email),
		chromedp.SendKeys("#password", u.Email+"-parola"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
		chromedp.Navigate(e.base+"/imports"),
		chromedp.WaitVisible("#upload-brand"),
		chromedp.SetUploadFiles("#upload-file", []string{first}),
		chromedp.Click("#upload-submit"),
		chromedp.WaitVisible("#mapping-form"), // the page polls, then reloads for the form
	)
	if s := text("#import-stage"); s != "Sütun eşleştirme bekliyor" {
		t.Errorf("stage %q", s)
	}
	if s := text(`#mapping-columns tr[data-column="0"] .mapping-samples`); !strings.Contains(s, "05321160001") || !strings.Contains(s, "05321160002") {
		t.Errorf("first values of Numara: %q", s)
	}
	// Without İzin Kaynağı: refused in place.
	do(
		chromedp.SetValue("#map-0", "telefon"),
		chromedp.SetValue("#map-1", "alici_tipi"),
		chromedp.Click("#mapping-submit"),
		chromedp.WaitVisible("#mapping-errors"),
	)
	if s := text("#mapping-errors"); !strings.Contains(s, "İzin Kaynağı zorunlu bir alan") {
		t.Errorf("refusal: %q", s)
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#map-0").value`)); err != nil || v != "telefon" {
		t.Errorf("the refused form lost a choice: %q %v", v, err)
	}
	do(
		chromedp.SetValue("#map-2", "izin_kaynagi"),
		chromedp.SetValue("#map-3", "izin_tarihi"),
		chromedp.Click("#mapping-submit"),
		chromedp.WaitVisible("#import-summary"),
	)
	if n := text(`#import-summary tr[data-channel="MESAJ"] td:nth-child(4)`); n != "2" {
		t.Errorf("MESAJ Yeni İleti %q, want 2", n)
	}
	if s := text("#mapping-user"); !strings.Contains(s, "«Numara» → Telefon") || !strings.Contains(s, "Örnek Market markası için kaydedildi") {
		t.Errorf("mapping note: %q", s)
	}
	if s := text("#upload-brand"); s != "Yüklenecek Marka: Örnek Market (Örnek Gıda A.Ş.)" {
		t.Errorf("upload brand: %q", s)
	}

	do(
		chromedp.Navigate(e.base+"/imports"),
		chromedp.WaitVisible("#upload-form"),
		chromedp.SetUploadFiles("#upload-file", []string{second}),
		chromedp.Click("#upload-submit"),
		chromedp.WaitVisible("#import-summary"),
	)
	if s := text("#profile-used"); !strings.Contains(s, "Kayıtlı eşleştirme kullanıldı") || !strings.Contains(s, "«numara» → Telefon") {
		t.Errorf("profile note: %q", s)
	}
	if asked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#mapping") !== null`)); err != nil || asked {
		t.Errorf("the second file was asked about (%v)", err)
	}
	if n := text(`#import-summary tr[data-channel="MESAJ"] td:nth-child(4)`); n != "1" {
		t.Errorf("second file MESAJ Yeni İleti %q, want 1", n)
	}
}
