package server_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

type scrubView struct {
	ID        int64
	Status    string
	Counts    map[string]int
	Error     *struct{ Code, Message string }
	ResultURL string `json:"result_url"`
}

// uploadList posts a list to the scrub API (or, with csrf set, the page).
func uploadList(t *testing.T, c *client, path, name string, data []byte, fields map[string]string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return c.do("POST", path, &body, mw.FormDataContentType())
}

func waitScrub(t *testing.T, c *client, id int64) scrubView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r := c.get("/api/v1/scrubs/" + itoa(id))
		var v scrubView
		json.Unmarshal([]byte(r.body), &v)
		if v.Status == "done" || v.Status == "failed" {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("scrub %d did not finish", id)
	return scrubView{}
}

func scrubList(t *testing.T, c *client, name string, data []byte, fields map[string]string) scrubView {
	t.Helper()
	r := uploadList(t, c, "/api/v1/scrubs", name, data, fields)
	var v scrubView
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || r.status != http.StatusAccepted || v.ID == 0 {
		t.Fatalf("scrub upload: %d %s", r.status, r.body)
	}
	return waitScrub(t, c, v.ID)
}

func listWorkbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sheets reads every sheet of a workbook: name → rows.
func sheets(t *testing.T, data []byte) (map[string][][]string, []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("result workbook: %v", err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = rows
	}
	return out, f.GetSheetList()
}

// column returns the cells of column i below the header.
func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows[1:] {
		v := ""
		if i < len(r) {
			v = r[i]
		}
		out = append(out, v)
	}
	return out
}

// A campaign list (xlsx with a "Cep Telefonu" column, CSV with "Email")
// is checked by a job; the result workbook has the İzinli, Ret and
// Kayıtsız-Geçersiz sheets with the right rows and an Özet sheet with
// time, brand, channel and user. Lists without a usable column fail with
// a Turkish message; other companies' brands are refused.
func TestScrub(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "820001")
	other := e.brand("Başka Firma", "Başka Marka", "820002")
	pu := e.user("personel@ornek.com.tr", "personel", b.ID)
	personel := e.apiClient(pu)
	mu := e.user("musteri@ornek.com.tr", "musteri", b.ID)
	musteri := e.apiClient(mu)
	at := func(ago time.Duration) string {
		return time.Now().Add(-ago).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05")
	}
	for _, c := range []struct{ recipient, typ, status, date string }{
		{"+905321112233", "MESAJ", "ONAY", at(time.Hour)},
		{"+905321112244", "MESAJ", "ONAY", at(time.Hour)},
		{"+905321112244", "MESAJ", "RET", at(time.Minute)},
		{"ali@ornek.com.tr", "EPOSTA", "ONAY", at(time.Hour)},
	} {
		r := personel.postJSON("/api/v1/consents", map[string]string{"brand_code": "820001", "recipient": c.recipient,
			"recipient_type": "BIREYSEL", "type": c.typ, "status": c.status, "source": "HS_WEB", "consent_date": c.date})
		if r.status != http.StatusCreated {
			t.Fatalf("record: %d %s", r.status, r.body)
		}
	}
	e.waitFinal("the recorded consents") // a scrub answers what İYS holds

	// A Müşteri scrubs an xlsx list with a title row and other columns.
	data := listWorkbook(t, [][]any{
		{"Kasım kampanyası"},
		{"Ad Soyad", "Cep Telefonu", "Şehir"},
		{"Ayşe Yılmaz", "0532 111 22 33", "İstanbul"},
		{"Mehmet Kaya", "+905321112244", "Ankara"},
		{"Fatma Demir", "05329998877", "İzmir"},
		{"Ali Veli", "12345", "Bursa"},
		{"Aynı Kişi", "5321112233", "İstanbul"},
		{"Telefonsuz", "", "Adana"},
	})
	v := scrubList(t, musteri, "kampanya.xlsx", data, map[string]string{"brand_code": "820001", "type": "SMS"})
	if v.Status != "done" || v.Counts["ONAY"] != 2 || v.Counts["RET"] != 1 || v.Counts["YOK"] != 1 || v.Counts["GECERSIZ"] != 2 {
		t.Fatalf("xlsx scrub: %+v", v)
	}
	r := musteri.get(v.ResultURL)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), "tarama-") {
		t.Fatalf("download: %d", r.status)
	}
	got, order := sheets(t, []byte(r.body))
	if strings.Join(order, "|") != "Özet|İzinli|Ret|Bekleyen|Kayıtsız-Geçersiz" {
		t.Fatalf("sheets: %v", order)
	}
	if rows := got["İzinli"]; strings.Join(column(rows, 0), ",") != "3,7" || strings.Join(column(rows, 2), ",") != "+905321112233,+905321112233" ||
		strings.Join(column(rows, 3), ",") != "ONAY,ONAY" || column(rows, 1)[0] != "0532 111 22 33" || column(rows, 5)[0] != "HS_WEB" || column(rows, 4)[0] == "" {
		t.Errorf("İzinli: %v", rows)
	}
	if rows := got["Ret"]; strings.Join(column(rows, 0), ",") != "4" || column(rows, 3)[0] != "RET" {
		t.Errorf("Ret: %v", rows)
	}
	if rows := got["Kayıtsız-Geçersiz"]; strings.Join(column(rows, 0), ",") != "5,6,8" ||
		strings.Join(column(rows, 3), ",") != "YOK,GECERSIZ,GECERSIZ" || strings.Join(column(rows, 4), ",") != ",PHONE_INVALID,RECIPIENT_MISSING" {
		t.Errorf("Kayıtsız-Geçersiz: %v", rows)
	}
	summary := map[string]string{}
	for _, row := range got["Özet"] {
		if len(row) >= 2 {
			summary[row[0]] = row[1]
		}
	}
	if summary["Marka"] != "Örnek Market (820001)" || summary["Kanal"] != "Mesaj" || summary["Kontrol eden"] != mu.Email ||
		summary["Satır"] != "6" || summary["İzinli (ONAY)"] != "2" || !strings.Contains(summary["Kontrol zamanı"], time.Now().In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006")) {
		t.Errorf("Özet: %v", summary)
	}

	// A CSV list with an "Email" column, uploaded from the Tarama page.
	page := e.client()
	page.login(pu.Email, pu.Email+"-parola")
	page.get("/scrubs")
	csv := "Ad;Email\nAli;ALI@ORNEK.COM.TR\nVeli;veli@ornek.com.tr\nHatalı;veli@\n"
	r = uploadList(t, page, "/scrubs", "liste.csv", []byte(csv), map[string]string{"brand_id": itoa(b.ID), "type": "EPOSTA", "recipient_type": "BIREYSEL"})
	if r.status != http.StatusSeeOther {
		t.Fatalf("page upload: %d %s", r.status, r.body)
	}
	var list struct{ Scrubs []scrubView }
	json.Unmarshal([]byte(personel.get("/api/v1/scrubs").body), &list)
	if len(list.Scrubs) != 2 {
		t.Fatalf("scrubs listed: %+v", list)
	}
	v = waitScrub(t, personel, list.Scrubs[0].ID)
	if v.Status != "done" || v.Counts["ONAY"] != 1 || v.Counts["YOK"] != 1 || v.Counts["GECERSIZ"] != 1 {
		// ALI@ORNEK.COM.TR is ali@ornek.com.tr, as at İYS: its ONAY.
		t.Fatalf("csv scrub: %+v", v)
	}
	body := page.get("/scrubs").body
	if !strings.Contains(body, "liste.csv") || !strings.Contains(body, "kampanya.xlsx") || !strings.Contains(body, `href="/scrubs/`+itoa(v.ID)+`/download"`) {
		t.Fatalf("Tarama page does not list the scrubs: %s", body)
	}
	if r := page.get("/scrubs/" + itoa(v.ID) + "/download"); r.status != http.StatusOK || len(r.body) < 100 {
		t.Fatalf("page download: %d", r.status)
	}

	// Lists the job cannot use fail with a Turkish message.
	v = scrubList(t, personel, "adlar.xlsx", listWorkbook(t, [][]any{{"Ad", "Soyad"}, {"Ayşe", "Yılmaz"}}), map[string]string{"brand_code": "820001", "type": "MESAJ"})
	if v.Status != "failed" || v.Error == nil || v.Error.Code != "HEADER_MISSING_COLUMNS" || !strings.Contains(v.Error.Message, "telefon ya da e-posta sütunu bulunamadı") {
		t.Fatalf("list without phone or e-mail: %+v", v)
	}
	v = scrubList(t, personel, "telefonlar.csv", []byte("GSM\n05321112233\n"), map[string]string{"brand_code": "820001", "type": "EPOSTA"})
	if v.Status != "failed" || v.Error == nil || v.Error.Code != "LIST_NO_EMAIL" || !strings.Contains(v.Error.Message, "e-posta sütunu yok") {
		t.Fatalf("phone list for e-mail: %+v", v)
	}
	if r := personel.get("/api/v1/scrubs/" + itoa(v.ID) + "/result.xlsx"); r.status != http.StatusConflict {
		t.Fatalf("download of a failed scrub: %d", r.status)
	}

	// Another company's brand is refused, on the API and on the page; its
	// scrubs are not visible.
	r = uploadList(t, personel, "/api/v1/scrubs", "k.csv", []byte("Telefon\n05321112233\n"), map[string]string{"brand_code": "820002", "type": "MESAJ"})
	if r.status != http.StatusForbidden || decodeErr(t, r).Error.Code != "BRAND_FORBIDDEN" {
		t.Fatalf("other brand, API: %d %s", r.status, r.body)
	}
	r = uploadList(t, page, "/scrubs", "k.csv", []byte("Telefon\n05321112233\n"), map[string]string{"brand_id": itoa(other.ID), "type": "MESAJ"})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Size ait İYS numarası") {
		t.Fatalf("other brand, page: %d", r.status)
	}
	stranger := e.apiClient(e.user("musteri@baska.com.tr", "musteri", other.ID))
	if r := stranger.get("/api/v1/scrubs/" + itoa(list.Scrubs[0].ID)); r.status != http.StatusNotFound {
		t.Fatalf("another company's scrub: %d", r.status)
	}
	if r := stranger.get("/api/v1/scrubs/" + itoa(list.Scrubs[0].ID) + "/result.xlsx"); r.status != http.StatusNotFound {
		t.Fatalf("another company's result: %d", r.status)
	}

	// Past the retention period a scrub is gone from lists and downloads,
	// and the sweep deletes it with its files.
	e.st.Pool().Exec(t.Context(), "UPDATE scrubs SET expires_at = now() - interval '1 second' WHERE id = $1", list.Scrubs[0].ID)
	if r := personel.get("/api/v1/scrubs/" + itoa(list.Scrubs[0].ID) + "/result.xlsx"); r.status != http.StatusNotFound {
		t.Fatalf("expired result: %d", r.status)
	}
	if n, err := e.st.DeleteExpiredScrubs(t.Context()); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n := count(t, e, "SELECT count(*) FROM scrub_chunks WHERE scrub_id = "+itoa(list.Scrubs[0].ID)); n != 0 {
		t.Fatalf("expired scrub's files: %d chunks left", n)
	}
	// The uploaded list is dropped once checked; the result stays.
	if n := count(t, e, "SELECT count(*) FROM scrub_chunks WHERE part = 'in' AND scrub_id IN (SELECT id FROM scrubs WHERE status = 'done')"); n != 0 {
		t.Fatalf("checked lists kept: %d chunks", n)
	}
}

// A Müşteri opens Tarama from the menu, uploads a CSV list for its brand
// and channel; the list's line polls until the scrub is done and offers
// the result workbook.
func TestBrowserScrub(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda A.Ş.", "Örnek Market", "830001")
	u := e.user("musteri@ornek.com.tr", "musteri", b.ID)
	personel := e.apiClient(e.user("personel@ornek.com.tr", "personel", b.ID))
	r := personel.postJSON("/api/v1/consents", map[string]string{"brand_code": "830001", "recipient": "05321112233",
		"recipient_type": "BIREYSEL", "type": "MESAJ", "status": "ONAY", "source": "HS_WEB", "consent_date": now()})
	if r.status != http.StatusCreated {
		t.Fatalf("record: %d %s", r.status, r.body)
	}
	e.waitFinal("the ONAY")
	path := filepath.Join(t.TempDir(), "kampanya.csv")
	if err := os.WriteFile(path, []byte("Ad Soyad;GSM\nAyşe;0532 111 22 33\nAli;0532 999 88 77\nVeli;abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	do, text := steps(t, ctx)
	do(
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", u.Email),
		chromedp.SendKeys("#password", u.Email+"-parola"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#current-user"),
		chromedp.Click(`header nav a[href="/scrubs"]`),
		chromedp.WaitVisible("#scrub-form"),
		chromedp.SetValue("#scrub-brand", itoa(b.ID)),
		chromedp.SetValue("#scrub-type", "MESAJ"),
		chromedp.SetUploadFiles("#scrub-file", []string{path}),
		chromedp.Click("#scrub-submit"),
		chromedp.WaitVisible(".alert.success"),
		chromedp.WaitVisible(`#scrubs tr[data-status="done"] .scrub-download`), // the line polls until the job is done
	)
	row := `#scrubs tr[data-status="done"]`
	if got := []string{text(row + " .scrub-onay"), text(row + " .scrub-yok"), text(row + " .scrub-invalid")}; strings.Join(got, ",") != "1,1,1" {
		t.Fatalf("counts on the page: %v (%s)", got, text(row))
	}
	if s := text(row); !strings.Contains(s, "kampanya.csv") || !strings.Contains(s, "Örnek Market") || !strings.Contains(s, "Tamamlandı") {
		t.Fatalf("scrub line: %q", s)
	}
}
