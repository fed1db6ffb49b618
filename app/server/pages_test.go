package server_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"iysgate/app/store"
)

// Every page renders, for the Admin and for a Müşteri, with data in every
// state a page shows (an import being read, failed, in preview and sent; a
// finished scrub; a pending and an active package): templates run with
// missingkey=error, so a mistyped key fails here instead of showing
// "<no value>" to a user.
func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "990001")
	e.ready(b.CompanyID)
	personel := e.user("p@ornek.com.tr", "personel", b.ID)
	musteri := e.user("m@ornek.com.tr", "musteri", b.ID)
	api := e.apiClient(personel)
	// A webhook whose address the guard refuses at every attempt: its log
	// fills with pending deliveries and their errors, without a request.
	hook, err := e.st.CreateWebhook(t.Context(), store.System, store.WebhookInput{BrandID: b.ID, URL: "https://10.0.0.1/iys",
		Events: []string{"consent.changed", "import.previewed", "import.finished"}, Enabled: true}, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	csv := "marka_kodu,alici_tipi,ad,soyad,telefon,eposta,arama_izni,mesaj_izni,eposta_izni,kaynak,izin_tarihi\n" +
		"990001,BIREYSEL,Ayşe,Yılmaz,05321112233,ayse@ornek.com.tr,ONAY,ONAY,ONAY,HS_WEB," + at + "\n" +
		"990001,BIREYSEL,,,12345,,ONAY,,,HS_WEB," + at + "\n"
	sent := upload(t, api, "gonderilen.csv", []byte(csv))
	waitImport(t, api, sent)
	if v := approveAPI(t, api, sent, "all"); v.Error != nil {
		t.Fatalf("approve: %+v", v)
	}
	preview := upload(t, api, "onizleme.csv", []byte(strings.ReplaceAll(csv, "0532111", "0532999")))
	waitImport(t, api, preview)
	failed := upload(t, api, "bozuk.xlsx", []byte("bu bir çalışma kitabı değil"))
	waitImport(t, api, failed)
	sc := scrubList(t, api, "liste.csv", []byte("telefon\n05321112233\n"), map[string]string{"brand_code": "990001", "type": "MESAJ"})
	if _, err := e.st.RequestSubscription(t.Context(), store.System, b.CompanyID, 5000); err != nil {
		t.Fatal(err)
	}

	ids := map[string]string{"/users/": itoa(personel.ID), "/companies/": itoa(b.CompanyID), "/scrubs/": itoa(sc.ID),
		"/imports/template/": "bireysel", "/webhooks/": itoa(hook.ID)}
	var routes []string
	for key := range e.app.Web.Permissions() {
		method, path, _ := strings.Cut(key, " ")
		if method != "GET" || strings.HasPrefix(path, "/api/") || path == "/static/*" || path == "/metrics" || path == "/login" {
			continue
		}
		routes = append(routes, path)
	}
	sort.Strings(routes)
	for _, who := range []*store.User{e.adminUser(), musteri} {
		c := e.client()
		pw := who.Email + "-parola"
		if who.IsAdmin {
			pw = adminPassword
		}
		c.login(who.Email, pw)
		for _, route := range routes {
			var paths []string
			switch {
			case strings.HasPrefix(route, "/imports/:id"):
				importIDs := []int64{sent, preview}
				if who.IsAdmin {
					importIDs = append(importIDs, failed) // a failed import names no brand: its uploader's and the Admin's
				}
				for _, id := range importIDs {
					paths = append(paths, strings.Replace(route, ":id", itoa(id), 1))
				}
			case strings.Contains(route, ":"):
				p := route
				for prefix, id := range ids {
					if strings.HasPrefix(route, prefix) {
						p = prefix + id + route[strings.Index(route[len(prefix):], "/")+len(prefix):]
						if !strings.Contains(route[len(prefix):], "/") {
							p = prefix + id
						}
					}
				}
				paths = append(paths, p)
			case route == "/consents/history":
				paths = append(paths, route+"?brand_id="+itoa(b.ID)+"&recipient=%2B905321112233")
			default:
				paths = append(paths, route)
			}
			for _, p := range paths {
				c.header = http.Header{}
				if strings.HasPrefix(route, "/scrubs/:id") && !strings.HasSuffix(route, "download") {
					c.header.Set("HX-Request", "true") // a fragment htmx polls
				}
				r := c.get(p)
				allowed := e.app.Policy.CanAny(who.ID, e.app.Web.Permissions()["GET "+route])
				switch {
				case !allowed && r.status != http.StatusForbidden:
					t.Errorf("%s GET %s: %d, want 403", who.Email, p, r.status)
				case allowed && r.status != http.StatusOK:
					t.Errorf("%s GET %s: %d %.300s", who.Email, p, r.status, r.body)
				case allowed && strings.Contains(r.body, "<no value>"):
					t.Errorf("%s GET %s shows <no value>", who.Email, p)
				}
			}
		}
	}
}
