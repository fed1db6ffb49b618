package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/store"
	"iysgate/jobs"
)

// upload posts a file to the import API and returns the import id.
func upload(t testing.TB, c *client, name string, data []byte) int64 {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
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

type importView struct {
	Status   string
	Progress struct {
		RowsDone  int `json:"rows_done"`
		RowsTotal int `json:"rows_total"`
	} `json:"progress"`
	Approval struct {
		ItemsDone  int `json:"items_done"`
		ItemsTotal int `json:"items_total"`
	} `json:"approval"`
	Summary map[string]store.ChannelSummary
	Error   *struct{ Code, Message string }
}

// approveAPI sends an import through the API: the request is accepted
// (202, the import approving) and the approval job's end is waited for.
// It returns the import as the job left it: approved, or back in preview
// with the reason.
func approveAPI(t testing.TB, c *client, id int64, mode string) importView {
	t.Helper()
	r := c.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": mode, "confirmed": true})
	if r.status != http.StatusAccepted || !strings.Contains(r.body, `"status":"approving"`) {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	return waitImportFor(t, c, id, 3*time.Minute) // 100,000 consents on a busy machine
}

// sentStatus reports whether an import's status is one of an approved
// import: approved, or already on its way to İYS or through it.
func sentStatus(s string) bool { return s == "approved" || s == "sending" || s == "done" }

// waitImport polls until the import leaves the working stages.
func waitImport(t testing.TB, c *client, id int64) importView {
	t.Helper()
	return waitImportFor(t, c, id, 60*time.Second)
}

func waitImportFor(t testing.TB, c *client, id int64, max time.Duration) importView {
	t.Helper()
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		r := c.get("/api/v1/imports/" + itoa(id))
		var v importView
		json.Unmarshal([]byte(r.body), &v)
		switch v.Status {
		case "preview", "failed", "approved", "sending", "done", "discarded":
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("import %d did not reach preview", id)
	return importView{}
}

func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	header := []any{"Marka Kodu", "Alıcı Tipi", "Ad", "Soyad", "Telefon", "E-Posta", "Arama İzni", "Mesaj İzni", "E-posta İzni", "Kaynak", "İzin Tarihi"}
	f.SetSheetRow("Sheet1", "A1", &header)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A workbook goes upload → parse → validate → preview with the right
// counts and per-row problems, and approval writes the consents once.
func TestImportPipeline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "900100")
	foreign := e.brand("Başka", "Başka Marka", "900200")
	ctx := context.Background()
	personel := e.user("p@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(personel)
	// A stored consent: the same status in the file is "unchanged".
	at := time.Now().Add(-2 * time.Hour).In(time.FixedZone("TRT", 3*3600))
	r := api.postJSON("/api/v1/consents", map[string]string{"brand_code": "900100", "recipient": "05329998877", "recipient_type": "BIREYSEL",
		"type": "MESAJ", "status": "ONAY", "source": "HS_WEB", "consent_date": at.Format("2006-01-02 15:04:05")})
	if r.status != 201 {
		t.Fatalf("seed consent: %d %s", r.status, r.body)
	}
	d := func(off time.Duration) string { return at.Add(off).Format("02.01.2006 15:04:05") }
	data := workbook(t, [][]any{
		{"900100", "Bireysel", "Ayşe", "Yılmaz", "0532 111 22 33", "ayse@ornek.com.tr", "ONAY", "ONAY", "ONAY", "HS_WEB", d(time.Minute)}, // 3 new, nothing to correct
		{"900100", "BIREYSEL", "Ali", "Veli", 5321112244, "", "", "", "", "HS_FIZIKSEL_ORTAM", d(time.Minute)},                            // numeric phone, permissions defaulted
		{"900100", "BIREYSEL", "Can", "Kaya", "05321112255", "", "RET", "", "", "HS_WEB", d(time.Minute)},                                 // first record RET: error
		{"900100", "BIREYSEL", "", "", "05329998877", "", "", "ONAY", "", "HS_WEB", d(time.Minute)},                                       // unchanged
		{"900200", "BIREYSEL", "", "", "05321112266", "", "ONAY", "", "", "HS_WEB", d(time.Minute)},                                       // foreign brand
		{"900100", "BIREYSEL", "", "", "12345", "", "ONAY", "", "", "HS_WEB", d(time.Minute)},                                             // malformed phone
		{"900100", "BIREYSEL", "", "", "05321112277", "", "", "ONAY", "", "HS_WEB", d(time.Minute)},                                       // ONAY then…
		{"900100", "BIREYSEL", "", "", "05321112277", "", "", "RET", "", "HS_WEB", d(2 * time.Minute)},                                    // …RET: both sent in order
	})
	id := upload(t, api, "izinler.xlsx", data)
	v := waitImport(t, api, id)
	if v.Status != "preview" {
		t.Fatalf("import ended %s: %+v", v.Status, v.Error)
	}
	mesaj, arama := v.Summary["MESAJ"], v.Summary["ARAMA"]
	// MESAJ: rows 1, 2 (defaulted), 7 and 8 (a key new to İYS, twice) new; row 4 unchanged.
	if mesaj.New != 4 || mesaj.Changed != 0 || mesaj.Unchanged != 1 || mesaj.Ret != 1 {
		t.Errorf("MESAJ summary: %+v", mesaj)
	}
	// ARAMA: row1 new, row2 new, row3 error (first RET), row5 error (brand), row6 error (phone).
	if arama.New != 2 || arama.Errors != 3 {
		t.Errorf("ARAMA summary: %+v", arama)
	}
	if v.Summary["EPOSTA"].New != 1 {
		t.Errorf("EPOSTA summary: %+v", v.Summary["EPOSTA"])
	}
	if v.Progress.RowsDone != 8 {
		t.Errorf("rows done %d", v.Progress.RowsDone)
	}
	// The errors filter names each problem with its code.
	r = api.get("/api/v1/imports/" + itoa(id) + "/rows?filter=errors")
	for _, code := range []string{"FIRST_RECORD_RET", "BRAND_FORBIDDEN", "PHONE_INVALID"} {
		if !strings.Contains(r.body, code) {
			t.Errorf("errors filter lacks %s", code)
		}
	}
	if strings.Contains(r.body, `"row":2,`) {
		t.Error("a valid row is listed among the errors")
	}
	// The error workbook lists the three refused rows with their codes.
	r = api.get("/api/v1/imports/" + itoa(id) + "/errors.xlsx")
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("error workbook: %d %v", r.status, err)
	}
	sheet := x.GetSheetName(0)
	xrows, _ := x.GetRows(sheet)
	joined := ""
	for _, xr := range xrows {
		joined += strings.Join(xr, "|") + "\n"
	}
	if len(xrows) != 4 || !strings.Contains(joined, "FIRST_RECORD_RET") || !strings.Contains(joined, "PHONE_INVALID") || !strings.Contains(joined, "Marka Kodu") {
		t.Errorf("error workbook rows:\n%s", joined)
	}
	// Hata Bildirimleri lists the refused rows with their messages.
	pc := e.client()
	pc.login(personel.Email, personel.Email+"-parola")
	if page := pc.get("/imports/errors"); page.status != 200 || !strings.Contains(page.body, "FIRST_RECORD_RET") || !strings.Contains(page.body, "izinler.xlsx") {
		t.Errorf("Hata Bildirimleri: %d", page.status)
	}
	// The preview's notice counts the consents with a warning (row 2's two
	// defaulted permissions), not the phones written the ordinary way.
	warned := 0
	for _, cs := range v.Summary {
		warned += cs.Warnings
	}
	if page := pc.get("/imports/" + itoa(id)); warned != 2 || !strings.Contains(page.body, `id="autocorrected">2 izinde`) {
		t.Errorf("correction notice for %d warnings: %s", warned, between(page.body, `id="autocorrected"`, "</div>"))
	}
	// Nothing is stored before approval.
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 1 {
		t.Fatalf("consents before approval: %d", n)
	}
	if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all"}); r.status != 422 {
		t.Fatalf("approval without confirmation: %d", r.status)
	}
	if v := approveAPI(t, api, id, "all"); !sentStatus(v.Status) {
		t.Fatalf("approve: %+v", v)
	}
	// 3 (row 1) + 2 (row 2) + 1 (row 7's final state) new consents besides the seed.
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 7 {
		t.Errorf("consents after approval: %d, want 7", n)
	}
	if n := count(t, e, "SELECT count(*) FROM consent_events WHERE origin = 'import'"); n != 7 {
		t.Errorf("import events: %d, want 7", n)
	}
	e.waitFinal("the import") // the state is what İYS holds
	var status string
	e.st.Pool().QueryRow(ctx, `SELECT c.status FROM consents c JOIN recipients r ON r.id = c.recipient_id
		WHERE r.recipient = '+905321112277' AND c.type = 'MESAJ'`).Scan(&status)
	if status != "RET" {
		rows, _ := e.st.Pool().Query(ctx, `SELECT e.id, e.status, e.iys_state, COALESCE(e.iys_code, ''), e.consent_date::text, COALESCE(e.batch_id, 0) FROM consent_events e JOIN recipients r ON r.id = e.recipient_id
			WHERE r.recipient = '+905321112277' AND e.type = 'MESAJ' ORDER BY e.id`)
		for rows.Next() {
			var id, b int64
			var st, is, code, cd string
			rows.Scan(&id, &st, &is, &code, &cd, &b)
			t.Logf("event %d %s %s %s %s batch %d", id, st, is, code, cd, b)
		}
		rows.Close()
		t.Errorf("ONAY then RET in one file ends as %q", status)
	}
	// Approving twice does nothing the second time; discarding is refused.
	if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true}); r.status != 202 ||
		!strings.Contains(r.body, `"status":"approved"`) && !strings.Contains(r.body, `"status":"sending"`) && !strings.Contains(r.body, `"status":"done"`) {
		t.Errorf("second approval: %d %s", r.status, r.body)
	}
	waitImport(t, api, id)
	if n := count(t, e, "SELECT count(*) FROM consent_events WHERE origin = 'import'"); n != 7 {
		t.Errorf("second approval wrote events: %d", n)
	}
	if r := api.do("DELETE", "/api/v1/imports/"+itoa(id), nil, ""); r.status != 409 {
		t.Errorf("discard after approval: %d", r.status)
	}
	// A colleague of the brand (a Müşteri too) sees the import; the user of
	// the brand a refused row names does not.
	colleague := e.apiClient(e.user("musteri@ornek.com.tr", "musteri", b.ID))
	if r := colleague.get("/api/v1/imports/" + itoa(id)); r.status != 200 {
		t.Errorf("a Müşteri of the import's brand: %d", r.status)
	}
	other := e.apiClient(e.user("baska@ornek.com.tr", "yonetici", foreign.ID))
	if r := other.get("/api/v1/imports/" + itoa(id)); r.status != 404 {
		t.Errorf("the Yönetici of the brand of a refused row: %d", r.status)
	}
}

// Broken files end the import with a Turkish message; nothing is stored.
// (A readable file whose headers do not map waits for a column mapping:
// import_mapping_test.go.)
func TestImportBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "900300")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	for name, data := range map[string][]byte{
		"eski.xls":   append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
		"bozuk.xlsx": []byte("PK\x03\x04 bu bir zip değil"),
	} {
		id := upload(t, api, name, data)
		v := waitImport(t, api, id)
		if v.Status != "failed" || v.Error == nil || v.Error.Message == "" {
			t.Errorf("%s: %s %+v", name, v.Status, v.Error)
			continue
		}
		t.Logf("%s → %s: %s", name, v.Error.Code, v.Error.Message)
	}
	if n := count(t, e, "SELECT count(*) FROM import_rows"); n != 0 {
		t.Errorf("rows stored from broken files: %d", n)
	}
}

func count(t testing.TB, e *env, q string) int {
	t.Helper()
	var n int
	if err := e.st.Pool().QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A parse that restarts after a crash starts clean (no half-written
// preview), and two uploads at once both complete with their own rows.
func TestImportRestartAndConcurrentUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "900400")
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	file := func(prefix string, n int) []byte {
		var rows [][]any
		for i := range n {
			rows = append(rows, []any{"900400", "BIREYSEL", "", "", prefix + strconv.Itoa(1000+i), "", "ONAY", "ONAY", "", "HS_WEB", at})
		}
		return workbook(t, rows)
	}
	// Two uploads at once (the uploads run in parallel; ids come back in
	// any order).
	done := make(chan int64, 2)
	for _, p := range []string{"0532110", "0532220"} {
		data := file(p, 300)
		c := e.apiClient(e.user(p+"@ornek.com.tr", "personel", b.ID))
		go func() {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", p+".xlsx")
			fw.Write(data)
			mw.Close()
			req, _ := http.NewRequest("POST", e.base+"/api/v1/imports", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+c.token)
			res, err := http.DefaultClient.Do(req)
			var out struct{ ID int64 }
			if err == nil {
				json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
			}
			done <- out.ID
		}()
	}
	ids := []int64{<-done, <-done}
	if ids[0] == 0 || ids[1] == 0 {
		t.Fatalf("parallel uploads: %v", ids)
	}
	adminUser, _ := e.st.UserByEmail(context.Background(), adminEmail)
	api := e.apiClient(adminUser) // an Admin sees every import
	for _, id := range ids {
		v := waitImport(t, api, id)
		if v.Status != "preview" || v.Summary["MESAJ"].New != 300 || v.Summary["ARAMA"].New != 300 {
			t.Fatalf("import %d: %s %+v", id, v.Status, v.Summary)
		}
	}
	// Simulate a parse job that died half-way: the import is back in
	// "parsing" with stray rows, and River runs the job again.
	ctx := context.Background()
	id := ids[0]
	pool := e.st.Pool()
	for _, q := range []string{"UPDATE imports SET status = 'parsing', summary = NULL WHERE id = $1",
		"DELETE FROM import_rows WHERE import_id = $1 AND row_no > 100",
		"DELETE FROM import_verdicts WHERE import_id = $1 AND row_no > 50",
		`INSERT INTO import_rows (import_id, row_no, cells) VALUES ($1, 99999, 'yarım')`} {
		if _, err := pool.Exec(ctx, q, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.app.River.Insert(ctx, jobs.ParseImportArgs{ImportID: id}, nil); err != nil {
		t.Fatal(err)
	}
	v := waitImport(t, api, id)
	if v.Status != "preview" || v.Summary["MESAJ"].New != 300 {
		t.Fatalf("after the restart: %s %+v", v.Status, v.Summary)
	}
	if n := count(t, e, "SELECT count(*) FROM import_rows WHERE import_id = "+itoa(id)); n != 300 {
		t.Fatalf("rows after the restart: %d, want 300", n)
	}
	if n := count(t, e, "SELECT count(*) FROM import_items WHERE import_id = "+itoa(id)); n != 600 {
		t.Fatalf("items after the restart: %d, want 600", n)
	}
	// A job that died after parsing, before its validation committed,
	// resumes with the validation.
	for _, q := range []string{"UPDATE imports SET status = 'validating', summary = NULL WHERE id = $1",
		"DELETE FROM import_verdicts WHERE import_id = $1"} {
		if _, err := pool.Exec(ctx, q, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.app.River.Insert(ctx, jobs.ParseImportArgs{ImportID: id}, nil); err != nil {
		t.Fatal(err)
	}
	v = waitImport(t, api, id)
	if v.Status != "preview" || v.Summary["MESAJ"].New != 300 || v.Summary["ARAMA"].New != 300 {
		t.Fatalf("after resuming the validation: %s %+v", v.Status, v.Summary)
	}
}

// Approval refuses a preview that no longer tells the truth, and
// "Mevcuttakileri Güncellemeden Gönder" sends new recipients only.
func TestImportStaleAndNewOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "900500")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	trt := time.FixedZone("TRT", 3*3600)
	at := time.Now().Add(-3 * time.Hour).In(trt)
	seed := func(recipient string, off time.Duration) {
		r := api.postJSON("/api/v1/consents", map[string]string{"brand_code": "900500", "recipient": recipient, "recipient_type": "BIREYSEL",
			"type": "MESAJ", "status": "ONAY", "source": "HS_WEB", "consent_date": at.Add(off).Format("2006-01-02 15:04:05")})
		if r.status != 201 {
			t.Fatalf("seed %s: %d %s", recipient, r.status, r.body)
		}
	}
	seed("05320000001", 0)
	d := at.Add(time.Hour).Format("02.01.2006 15:04:05")
	data := workbook(t, [][]any{
		{"900500", "BIREYSEL", "", "", "05320000001", "", "", "RET", "", "HS_WEB", d},  // a change of a stored consent
		{"900500", "BIREYSEL", "", "", "05320000002", "", "", "ONAY", "", "HS_WEB", d}, // new
	})
	id := upload(t, api, "a.xlsx", data)
	if v := waitImport(t, api, id); v.Status != "preview" || v.Summary["MESAJ"].Changed != 1 || v.Summary["MESAJ"].New != 1 {
		t.Fatalf("preview: %+v", v)
	}
	// Someone records the new recipient by hand after the preview.
	seed("05320000002", 30*time.Minute)
	// The job refuses it: the import is back in preview with the reason.
	if v := approveAPI(t, api, id, "all"); v.Status != "preview" || v.Error == nil || v.Error.Code != "IMPORT_STALE" ||
		v.Error.Message != store.MessageImportChanged {
		t.Fatalf("stale approval: %+v", v)
	}
	if n := count(t, e, "SELECT count(*) FROM consent_events WHERE origin = 'import'"); n != 0 {
		t.Fatalf("a stale approval wrote %d events", n)
	}
	// A fresh upload of the same file, approved for new recipients only.
	data = workbook(t, [][]any{
		{"900500", "BIREYSEL", "", "", "05320000001", "", "", "RET", "", "HS_WEB", d},
		{"900500", "BIREYSEL", "", "", "05320000003", "", "", "ONAY", "", "HS_WEB", d},
	})
	id = upload(t, api, "b.xlsx", data)
	waitImport(t, api, id)
	if v := approveAPI(t, api, id, "new_only"); !sentStatus(v.Status) {
		t.Fatalf("new_only approval: %+v", v)
	}
	e.waitFinal("the new_only import")
	var status string
	e.st.Pool().QueryRow(context.Background(), `SELECT c.status FROM consents c JOIN recipients r ON r.id = c.recipient_id
		WHERE r.recipient = '+905320000001' AND c.type = 'MESAJ'`).Scan(&status)
	if status != "ONAY" {
		t.Fatalf("new_only changed an existing consent to %s", status)
	}
	if n := count(t, e, "SELECT count(*) FROM consent_events WHERE origin = 'import'"); n != 1 {
		t.Fatalf("new_only wrote %d events, want 1", n)
	}
	// A discarded import cannot be approved.
	id = upload(t, api, "c.xlsx", data)
	waitImport(t, api, id)
	if r := api.do("DELETE", "/api/v1/imports/"+itoa(id), nil, ""); r.status != 204 {
		t.Fatalf("discard: %d", r.status)
	}
	if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true}); r.status != 409 {
		t.Fatalf("approving a discarded import: %d %s", r.status, r.body)
	}
}

// A file that breaks after thousands of good rows ends failed with the
// reader's message and leaves no partial preview.
func TestImportBrokenHalfWay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "900600")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	var csv strings.Builder
	csv.WriteString("marka_kodu;alici_tipi;telefon;mesaj_izni;izin_kaynagi\n")
	for i := range 6000 {
		fmt.Fprintf(&csv, "900600;BIREYSEL;0532%07d;ONAY;HS_WEB\n", i)
	}
	csv.WriteString("900600;BIREYSEL;\"05320000000;ONAY;HS_WEB\n") // an unterminated quote…
	csv.WriteString(strings.Repeat("x", 40000) + "\n")             // …swallows the rest
	id := upload(t, api, "bozuk.csv", []byte(csv.String()))
	v := waitImport(t, api, id)
	if v.Status != "failed" || v.Error == nil || v.Error.Message == "" {
		t.Fatalf("broken file: %s %+v", v.Status, v.Error)
	}
	if n := count(t, e, "SELECT count(*) FROM import_rows WHERE import_id = "+itoa(id)); n != 0 {
		t.Fatalf("%d rows of a failed import kept", n)
	}
	t.Logf("%s: %s", v.Error.Code, v.Error.Message)
}

// Formulas, merged cells and fifty columns of junk go through the whole
// pipeline: the junk is ignored, a merged brand cell counts for its first
// row only (the others are empty, as Excel stores them), and nothing fails.
func TestImportOddWorkbook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "900700")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	f := excelize.NewFile()
	header := []any{"Marka Kodu", "Alıcı Tipi", "GSM", "SMS İzni", "Kaynak", "İzin Tarihi"}
	for i := range 50 {
		header = append(header, fmt.Sprintf("Çöp %d", i))
	}
	f.SetSheetRow("Sheet1", "A1", &header)
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	for i := range 3 {
		row := []any{"900700", "BIREYSEL", fmt.Sprintf("0532765432%d", i), "ONAY", "HS_WEB", at}
		for j := range 50 {
			row = append(row, fmt.Sprintf("=%d+%d", i, j))
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	f.SetCellFormula("Sheet1", "AZ2", "SUM(1,2)")
	f.MergeCell("Sheet1", "A3", "A4") // rows 3 and 4 share one brand cell
	var buf bytes.Buffer
	f.Write(&buf)
	id := upload(t, api, "tuhaf.xlsx", buf.Bytes())
	v := waitImport(t, api, id)
	if v.Status != "preview" {
		t.Fatalf("odd workbook: %s %+v", v.Status, v.Error)
	}
	// Rows 2 and 3 are fine; row 4's brand cell is empty under the merge.
	if m := v.Summary["MESAJ"]; m.New != 2 || m.Errors != 1 {
		t.Fatalf("MESAJ summary: %+v", m)
	}
	r := api.get("/api/v1/imports/" + itoa(id) + "/rows?filter=errors")
	if !strings.Contains(r.body, "BRAND_MISSING") {
		t.Fatalf("merged cell row: %s", r.body)
	}
}

// Four eyes: with the rule on, a Personel prepares an import and its
// Yönetici sends it; the Personel's approval is refused.
func TestImportFourEyes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Firma", "Marka", "900800")
	p := e.user("p@ornek.com.tr", "personel", b.ID)
	y := e.user("y@ornek.com.tr", "yonetici", b.ID)
	yc := e.client()
	yc.login(y.Email, y.Email+"-parola")
	if r := yc.post("/brands/"+itoa(b.ID)+"/four-eyes", url.Values{"four_eyes": {"on"}}); r.status != 303 {
		t.Fatalf("four eyes on: %d %s", r.status, r.body)
	}
	papi := e.apiClient(p)
	at := time.Now().Add(-time.Hour).Format("02.01.2006 15:04:05")
	id := upload(t, papi, "a.xlsx", workbook(t, [][]any{{"900800", "BIREYSEL", "", "", "05327770001", "", "", "ONAY", "", "HS_WEB", at}}))
	waitImport(t, papi, id)
	r := papi.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true})
	if r.status != 403 || !strings.Contains(r.body, "FOUR_EYES") {
		t.Fatalf("Personel approving under four eyes: %d %s", r.status, r.body)
	}
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 0 {
		t.Fatalf("refused approval stored %d consents", n)
	}
	// The Yönetici sees the list among its brand's imports and sends it.
	if page := yc.get("/imports"); !strings.Contains(page.body, "a.xlsx") {
		t.Fatal("the Yönetici does not see its Personel's import")
	}
	if v := approveAPI(t, e.apiClient(y), id, "all"); v.Error != nil {
		t.Fatalf("Yönetici approving: %+v", v)
	}
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 1 {
		t.Fatalf("consents after the Yönetici's approval: %d", n)
	}
}

// An import whose parse was running on a node that died (kill -9: the job
// stays "running" in River's table) is taken up again within minutes: the
// first attempt's timeout is IYSGATE_JOB_TIMEOUT, not half an hour, so
// River's rescuer gives it to a live node once IYSGATE_JOB_RESCUE_AFTER
// has passed.
func TestImportOfADeadNodeRestarts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.brand("Örnek Gıda", "Örnek Market", "960001")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	// This node's workers stop; the upload's job is then left as a dead
	// node leaves it, started seven minutes ago (past the 6-minute rescue
	// and the 5-minute first-attempt timeout, far from the old 30).
	if err := e.app.River.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	id := upload(t, api, "liste.csv", []byte("marka_kodu,alici_tipi,telefon,mesaj_izni,kaynak,izin_tarihi\n960001,BIREYSEL,05321112233,ONAY,HS_WEB,"+at+"\n"))
	if _, err := e.st.Pool().Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '7 minutes',
		attempted_by = ARRAY['olu-dugum'] WHERE kind = 'import_parse'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Pool().Exec(ctx, "UPDATE imports SET status = 'parsing' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	e.app.Shutdown(ctx)
	e.start()
	if v := waitImportFor(t, api, id, 90*time.Second); v.Status != "preview" {
		t.Fatalf("the dead node's import: %+v", v)
	}
}
