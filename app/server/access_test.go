package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// objectRoute is a route that acts on one import, scrub or batch.
type objectRoute struct {
	method, path string
	api          bool
}

var (
	importRoutes = []objectRoute{
		{"GET", "/imports/:id", false}, {"GET", "/imports/:id/errors.xlsx", false},
		{"POST", "/imports/:id/approve", false}, {"POST", "/imports/:id/discard", false},
		{"GET", "/api/v1/imports/:id", true}, {"GET", "/api/v1/imports/:id/rows", true},
		{"GET", "/api/v1/imports/:id/errors.xlsx", true}, {"POST", "/api/v1/imports/:id/approve", true},
		{"DELETE", "/api/v1/imports/:id", true},
		{"POST", "/imports/:id/mapping", false}, {"POST", "/api/v1/imports/:id/mapping", true},
	}
	scrubRoutes = []objectRoute{
		{"GET", "/scrubs/:id", false}, {"GET", "/scrubs/:id/download", false},
		{"GET", "/api/v1/scrubs/:id", true}, {"GET", "/api/v1/scrubs/:id/result.xlsx", true},
	}
	deliveryRoutes = []objectRoute{
		{"POST", "/deliveries/:id/retry", false}, {"POST", "/api/v1/deliveries/:id/retry", true},
	}
)

// call sends route for object id as c, with what a browser or an API
// client would send (an approval's confirmation included).
func (c *client) call(r objectRoute, id int64) response {
	c.e.t.Helper()
	path := strings.Replace(r.path, ":id", itoa(id), 1)
	switch {
	case r.method == "GET":
		return c.get(path)
	case r.method == "DELETE":
		return c.do("DELETE", path, nil, "")
	case r.api:
		return c.postJSON(path, map[string]any{"mode": "all", "confirmed": true})
	default:
		return c.post(path, url.Values{"mode": {"all"}, "confirmed": {"on"}})
	}
}

// refused reports whether an answer refuses access (and shows nothing).
func refused(r response) bool {
	return r.status == http.StatusNotFound || r.status == http.StatusForbidden
}

// Access to an import, a scrub or a batch follows its brands: every role of
// another company, a user moved off the brand after the upload, and a user
// whose brand only a refused row names are all refused, and nothing
// changes. The users who hold the brand are the control: without them the
// test would pass on a server that refuses everybody.
func TestObjectsFollowTheirBrands(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.brand("A Gıda", "A Market", "910001")
	a2 := storetest.Brand(t, e.st, a.CompanyID, "A Kafe", "910002")
	b := e.brand("B Tekstil", "B Moda", "920001")
	e.ready(a.CompanyID)

	uploader := e.user("a-personel@a.com.tr", "personel", a.ID)
	aYonetici := e.user("a-yonetici@a.com.tr", "yonetici", a.ID)
	aMusteri := e.user("a-musteri@a.com.tr", "musteri", a.ID)
	moved := e.user("a-tasinan@a.com.tr", "personel", a.ID)
	strangers := map[string]*store.User{
		"yonetici": e.user("b-yonetici@b.com.tr", "yonetici", b.ID),
		"personel": e.user("b-personel@b.com.tr", "personel", b.ID),
		"musteri":  e.user("b-musteri@b.com.tr", "musteri", b.ID),
		"a2":       e.user("a2-yonetici@a.com.tr", "yonetici", a2.ID), // same company, other brand
	}

	// A's list with one row that names B's brand (a typo): refused, and no
	// door into the import for B.
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	csv := "marka_kodu,alici_tipi,ad,soyad,telefon,eposta,arama_izni,mesaj_izni,eposta_izni,kaynak,izin_tarihi\n" +
		"910001,BIREYSEL,Ayşe,Yılmaz,05321112233,,ONAY,ONAY,,HS_WEB," + at + "\n" +
		"920001,BIREYSEL,Can,Kaya,05321112244,,ONAY,ONAY,,HS_WEB," + at + "\n"
	id := upload(t, e.apiClient(uploader), "liste.csv", []byte(csv))
	if v := waitImport(t, e.apiClient(uploader), id); v.Status != "preview" {
		t.Fatalf("import: %+v", v)
	}
	movedID := upload(t, e.apiClient(moved), "tasinan.csv", []byte(csv))
	waitImport(t, e.apiClient(moved), movedID)

	// Admin moves the Personel off brand A (to A2) after the upload.
	if _, err := e.st.UpdateUser(ctx, store.System, moved.ID, store.UserInput{Email: moved.Email, Name: moved.Name,
		Memberships: store.SameRole("personel", []int64{a2.ID})}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Policy.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	strangers["moved"] = moved

	state := func() string {
		var s string
		// The import being delivered moves on its own (sending → done).
		if err := e.st.Pool().QueryRow(ctx, `SELECT
			(SELECT string_agg(CASE WHEN status = 'sending' THEN 'done' ELSE status END, ',' ORDER BY id) FROM imports) || '/' ||
			(SELECT count(*) FROM consent_events) || '/' || (SELECT count(*) FROM quota_ledger) || '/' ||
			COALESCE((SELECT string_agg(status || ':' || attempts, ',' ORDER BY id) FROM sync_batches), '') || '/' ||
			COALESCE((SELECT string_agg(status, ',' ORDER BY id) FROM scrubs), '')`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	walk := func(who string, u *store.User, routes []objectRoute, ids ...int64) {
		t.Helper()
		ui := e.client()
		ui.login(u.Email, u.Email+"-parola")
		api := e.apiClient(u)
		for _, id := range ids {
			for _, r := range routes {
				c := ui
				if r.api {
					c = api
				}
				if res := c.call(r, id); !refused(res) {
					t.Errorf("%s %s %s (id %d): %d, want refused", who, r.method, r.path, id, res.status)
				}
			}
		}
		// Lists name nothing of A's.
		for _, path := range []string{"/imports", "/imports/errors", "/scrubs", "/deliveries"} {
			if res := ui.get(path); strings.Contains(res.body, "liste.csv") || strings.Contains(res.body, "05321112233") ||
				strings.Contains(res.body, "A Market") {
				t.Errorf("%s: %s shows A's data", who, path)
			}
		}
		for _, path := range []string{"/api/v1/scrubs", "/api/v1/deliveries"} {
			if res := api.get(path); strings.Contains(res.body, "910001") {
				t.Errorf("%s: %s shows A's data: %s", who, path, res.body)
			}
		}
	}
	for who, u := range strangers {
		walk(who, u, importRoutes, id, movedID)
	}
	if after := state(); after != before {
		t.Fatalf("refused requests changed state: %s → %s", before, after)
	}

	// The control: A's Müşteri reads but may not send; A's Yönetici sends.
	mus := e.apiClient(aMusteri)
	if r := mus.get("/api/v1/imports/" + itoa(id) + "/rows"); r.status != 200 || !strings.Contains(r.body, "+905321112233") {
		t.Fatalf("A's Müşteri reading rows: %d", r.status)
	}
	if r := mus.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true}); r.status != 403 {
		t.Fatalf("A's Müşteri approving: %d", r.status)
	}
	yon := e.apiClient(aYonetici)
	if v := approveAPI(t, yon, id, "all"); v.Status != "approved" && v.Status != "sending" && v.Status != "done" {
		t.Fatalf("A's Yönetici approving: %+v", v)
	}
	// Only A's row was written, under A's brand.
	var n int
	var brands string
	e.st.Pool().QueryRow(ctx, `SELECT count(*), string_agg(DISTINCT brand_id::text, ',') FROM consent_events WHERE import_id = $1`, id).Scan(&n, &brands)
	if n != 2 || brands != itoa(a.ID) {
		t.Fatalf("approval wrote %d events for brands %s, want 2 for %d", n, brands, a.ID)
	}

	// A scrub of A's brand and A's delivery batch: the same walk.
	sv := scrubList(t, e.apiClient(aMusteri), "kampanya.csv", []byte("telefon\n05321112233\n"),
		map[string]string{"brand_code": "910001", "type": "MESAJ"})
	var batchID int64
	deadline := time.Now().Add(20 * time.Second)
	for batchID == 0 && time.Now().Before(deadline) {
		e.st.Pool().QueryRow(ctx, "SELECT COALESCE(max(id), 0) FROM sync_batches WHERE brand_id = $1", a.ID).Scan(&batchID)
		time.Sleep(50 * time.Millisecond)
	}
	if batchID == 0 {
		t.Fatal("no sync batch for the approved import")
	}
	waitDelivered(t, yon, id)
	before = state()
	for who, u := range strangers {
		walk(who, u, scrubRoutes, sv.ID)
		walk(who, u, deliveryRoutes, batchID)
	}
	if after := state(); after != before {
		t.Fatalf("refused requests changed state: %s → %s", before, after)
	}
	// The control: A's Müşteri downloads its scrub.
	if r := e.apiClient(aMusteri).get("/api/v1/scrubs/" + itoa(sv.ID) + "/result.xlsx"); r.status != 200 {
		t.Fatalf("A's Müşteri downloading its scrub: %d", r.status)
	}
}

// A user who may read an import but not send for every brand in it is
// refused with the brands they lack.
func TestSendNeedsEveryBrand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.brand("A Gıda", "A Market", "930001")
	a2 := storetest.Brand(t, e.st, a.CompanyID, "A Kafe", "930002")
	both := e.user("iki@a.com.tr", "personel", a.ID, a2.ID)
	one := e.user("bir@a.com.tr", "yonetici", a.ID)
	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	csv := "marka_kodu,alici_tipi,telefon,mesaj_izni,kaynak,izin_tarihi\n" +
		"930001,BIREYSEL,05321112233,ONAY,HS_WEB," + at + "\n930002,BIREYSEL,05321112244,ONAY,HS_WEB," + at + "\n"
	id := upload(t, e.apiClient(both), "iki.csv", []byte(csv))
	waitImport(t, e.apiClient(both), id)
	api := e.apiClient(one)
	if r := api.get("/api/v1/imports/" + itoa(id)); r.status != 200 {
		t.Fatalf("reading with one of the brands: %d", r.status)
	}
	for _, r := range []response{
		api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true}),
		api.do("DELETE", "/api/v1/imports/"+itoa(id), nil, ""),
	} {
		var body struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal([]byte(r.body), &body)
		if r.status != 403 || body.Error.Code != "BRAND_FORBIDDEN" || !strings.Contains(body.Error.Message, "A Kafe") {
			t.Errorf("acting without A Kafe: %d %s", r.status, r.body)
		}
	}
	if n := count(t, e, "SELECT count(*) FROM consent_events"); n != 0 {
		t.Fatalf("refused approval wrote %d events", n)
	}
	if v := approveAPI(t, e.apiClient(both), id, "all"); v.Error != nil {
		t.Fatalf("approval by the holder of both brands: %+v", v)
	}
}
