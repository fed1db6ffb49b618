package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"iysgate/app/store"
	"iysgate/app/store/storetest"
	"iysgate/jobs"
)

// showcase is an appliance in use: three client companies with their
// brands, a month of consents sent through imports to the simulator, some
// refused by İYS, citizens' RETs pulled back, and a user of each role.
type showcase struct {
	brands []*store.Brand
	users  map[string]*store.User // by role
}

var (
	firstNames = []string{"Ayşe", "Mehmet", "Fatma", "Mustafa", "Emine", "Ahmet", "Hatice", "Ali", "Zeynep", "Hüseyin", "Elif", "Hasan",
		"Meryem", "İbrahim", "Şerife", "Çağla", "Oğuz", "Gülşen", "Ümit", "Özlem"}
	lastNames = []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan",
		"Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek"}
)

// seedShowcase fills e through its own paths (imports, delivery to the
// simulator, İYS's pull); only the times of the consents are then spread
// over the last 30 days, as a month of use would have them.
func seedShowcase(t *testing.T, e *env) showcase {
	t.Helper()
	ctx := context.Background()
	market := e.company("Anadolu Gıda A.Ş.", "Anadolu Market", "600101")
	kafe := storetest.Brand(t, e.st, market.CompanyID, "Anadolu Kafe", "600102")
	moda := e.company("Ege Tekstil Ltd. Şti.", "Ege Moda", "600201")
	sigorta := e.company("Marmara Sigorta A.Ş.", "Marmara Sigorta", "600301")
	sizes := map[int64]int{market.ID: 420, kafe.ID: 160, moda.ID: 260, sigorta.ID: 340}
	for _, b := range []*store.Brand{market, moda, sigorta} {
		e.ready(b.CompanyID)
		e.grant(b.CompanyID, 25000)
	}
	sc := showcase{brands: []*store.Brand{market, kafe, moda, sigorta}, users: map[string]*store.User{"admin": e.adminUser()}}
	for role, name := range map[string]string{"yonetici": "Zeynep Kaya", "personel": "Oğuz Arslan", "musteri": "Gülşen Çetin"} {
		u := e.user(role+"@anadolugida.com.tr", role, market.ID, kafe.ID)
		if _, err := e.st.Pool().Exec(ctx, `UPDATE users SET name = $2 WHERE id = $1`, u.ID, name); err != nil {
			t.Fatal(err)
		}
		sc.users[role] = u
	}
	admin := e.apiClient(e.adminUser())
	e.waitPullIdle()
	phone := func(b *store.Brand, i int) string { return fmt.Sprintf("05%d%07d", 30+i%9, b.ID*100000+int64(i)) }
	// Some citizens said no at İYS before the agency's list was sent: İYS
	// refuses the list's older ONAY for them.
	for _, b := range sc.brands {
		for i := 7; i < sizes[b.ID]; i += 53 {
			if err := e.app.Sim.CitizenRet(b.IYSCode, b.BrandCode, "+90"+phone(b, i)[1:], "MESAJ", "BIREYSEL"); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	send := func(b *store.Brand, rows [][]any) {
		id := upload(t, admin, "liste-"+b.BrandCode+".xlsx", workbook(t, rows))
		waitImport(t, admin, id)
		approveAPI(t, admin, id, "all")
		waitDelivered(t, admin, id)
	}
	for _, b := range sc.brands {
		var rows [][]any
		for i := range sizes[b.ID] {
			first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames)+i)%len(lastNames)]
			email := ""
			if i%3 == 0 {
				email = fmt.Sprintf("musteri%d@ornek%d.com.tr", i, b.ID)
			}
			arama := "ONAY"
			if i%4 == 0 {
				arama = ""
			}
			rows = append(rows, []any{b.BrandCode, "BIREYSEL", first, last, phone(b, i), email, arama, "ONAY", "ONAY", "HS_WEB", at})
		}
		send(b, rows)
	}
	// A second list: the agency records RETs it was given.
	retAt := time.Now().Add(-30 * time.Minute).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	for _, b := range sc.brands {
		var rows [][]any
		for i := 1; i < sizes[b.ID]; i += 11 {
			rows = append(rows, []any{b.BrandCode, "BIREYSEL", "", "", phone(b, i), "", "", "RET", "", "HS_WEB", retAt})
		}
		send(b, rows)
	}
	// Citizens say no at İYS afterwards; the pull brings it back.
	for _, b := range sc.brands {
		for i := 2; i < sizes[b.ID]; i += 17 {
			if err := e.app.Sim.CitizenRet(b.IYSCode, b.BrandCode, "+90"+phone(b, i)[1:], "MESAJ", "BIREYSEL"); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := count(t, e, "SELECT count(*) FROM consent_events WHERE origin = 'iys'")
	if _, err := e.app.River.Insert(ctx, jobs.PullChangesArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); count(t, e, "SELECT count(*) FROM consent_events WHERE origin = 'iys'") == before; {
		if time.Now().After(deadline) {
			t.Fatal("the pull brought nothing back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.waitPullIdle()
	// A month of use: more consents lately than at the start.
	if _, err := e.st.Pool().Exec(ctx, `UPDATE consent_events SET created_at = now()
		- make_interval(days => floor(30 * power(((id * 2654435761) % 1000) / 1000.0, 1.3))::int, hours => (id % 7)::int)`); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestScreenshots writes the screenshots of the documentation (Gösterge,
// Onaylar, Raporlar at 1366 and 1920 px) into the folder
// IYSGATE_SCREENSHOTS names:
//
//	IYSGATE_SCREENSHOTS=$PWD/docs/screens go test ./app/server -run TestScreenshots -count=1
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("IYSGATE_SCREENSHOTS")
	if dir == "" {
		t.Skip("IYSGATE_SCREENSHOTS names no folder")
	}
	e := newEnv(t)
	sc := seedShowcase(t, e)
	// A list waiting in preview: new and changed consents, a corrected
	// phone, a first record RET and a malformed address.
	at := time.Now().Add(-30 * time.Minute).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	rows := [][]any{}
	for i := range 24 {
		mesaj, eposta := "ONAY", ""
		email := ""
		switch {
		case i%7 == 3:
			mesaj = "RET"
		case i%5 == 0:
			email, eposta = fmt.Sprintf("%s.%s@ornek.com.tr", strings.ToLower(firstNames[i%len(firstNames)][:1]), "kisi"), "ONAY"
		case i == 11:
			email, eposta = "adres-yok", "ONAY"
		}
		rows = append(rows, []any{sc.brands[0].BrandCode, "BIREYSEL", firstNames[i%len(firstNames)], lastNames[(i*7)%len(lastNames)],
			fmt.Sprintf("0 5%02d %03d %02d %02d", 30+i%9, 100+i, i, 50+i), email, "", mesaj, eposta, "HS_WEB", at})
	}
	admin := e.apiClient(e.adminUser())
	preview := upload(t, admin, "kasim-kampanyasi.xlsx", workbook(t, rows))
	if v := waitImport(t, admin, preview); v.Status != "preview" {
		t.Fatalf("the list for the preview: %+v", v)
	}
	ctx := browser(t)
	do, _ := steps(t, ctx)
	signIn(t, ctx, e, adminEmail, adminPassword)
	for _, width := range []int64{1366, 1920} {
		for _, p := range []struct {
			name, path, ready string
			whole             bool // the whole page, not the first screen
		}{
			{"gosterge", "/", "#trend-chart svg", true},
			{"onaylar", "/consents", "#consents-table", false},
			{"raporlar", "/reports", "#report-eklenen-chart svg", true},
			{"onizleme", "/imports/" + itoa(preview), "#import-rows", false},
		} {
			do(chromedp.EmulateViewport(width, width*9/16), chromedp.Navigate(e.base+p.path), chromedp.WaitVisible(p.ready))
			shot := chromedp.CaptureScreenshot()
			if p.whole {
				shot = chromedp.FullScreenshot(100)
			}
			img, err := chromedp.Run(ctx, shot)
			if err != nil {
				t.Fatal(err)
			}
			writePNG(t, filepath.Join(dir, fmt.Sprintf("%s-%d.png", p.name, width)), img)
		}
	}
}

// writePNG writes a screenshot compressed harder than chromium does.
func writePNG(t *testing.T, path string, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn signs in through the login form.
func signIn(t *testing.T, ctx context.Context, e *env, email, password string) {
	t.Helper()
	do, _ := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", email), chromedp.SendKeys("#password", password),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"))
}
