package server_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"iysgate/app/config"
	"iysgate/app/iys/iystest"
)

// With a fifth of İYS's answers failing (429, 500, 503, dropped
// connections), some answers lost after İYS stored the request, and the
// worker killed mid-delivery, an import of 100,000 consents ends with every
// item final, none delivered twice, and the quota debited by exactly the
// accepted items.
func TestDeliveryUnderFaultsAndCrash(t *testing.T) {
	rows := 50000 // two channels each: 100,000 consents
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_FAULT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	sim, srv := iystest.NewServer(t, iystest.Config{RateLimits: true, Hour: time.Minute,
		AsyncDelay: 300 * time.Millisecond})
	e := newEnvWith(t, func(c *config.Config) {
		c.IYSBaseURL, c.IYSUsername, c.IYSPassword = srv.URL, "entegrator", "parola"
		c.IYSResolveAfter = 2 * time.Second
		c.JobTimeout = 3 * time.Second // runs hand over to the next often
	})
	b := e.company("Dayanıklı A.Ş.", "Dayanıklı", "730001")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 1000000)
	y := e.user("y@dayanikli.com.tr", "yonetici", b.ID)
	api := e.apiClient(y)

	var csv bytes.Buffer
	csv.WriteString("marka_kodu;alici_tipi;ad;soyad;telefon;eposta;arama_izni;mesaj_izni;eposta_izni;izin_kaynagi;izin_tarihi\n")
	at := time.Now().Add(-3 * time.Hour).Format("02.01.2006 15:04:05")
	for i := range rows {
		fmt.Fprintf(&csv, "730001;BIREYSEL;Ad;Soyad;0535%07d;;ONAY;ONAY;;HS_WEB;%s\n", i, at)
	}
	start := time.Now()
	id := upload(t, api, "dayanikli.csv", csv.Bytes())
	if v := waitImportFor(t, api, id, 3*time.Minute); v.Status != "preview" {
		t.Fatalf("import: %+v", v)
	}
	t.Logf("preview after %s", time.Since(start).Round(time.Millisecond))
	sim.SetFaults(iystest.Faults{FailRate: 0.2, LoseAnswers: 0.05})
	if r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true}); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	total := int64(2 * rows)
	t.Logf("approved after %s", time.Since(start).Round(time.Millisecond))

	// Kill the worker once a third is through.
	deadline := time.Now().Add(5 * time.Minute)
	for sim.Stats().ConsentsStored < int(total/3) {
		if time.Now().After(deadline) {
			t.Fatalf("delivery stalled before the crash: %+v", sim.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("crash after %s", time.Since(start).Round(time.Millisecond))
	e.crash()

	var d struct{ Pending, Accepted, Refused int64 }
	for {
		if err := e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE iys_state IN ('bekliyor', 'gonderildi', 'kota')),
			count(*) FILTER (WHERE iys_state = 'kayitli'), count(*) FILTER (WHERE iys_state = 'hata')
			FROM consent_events WHERE import_id = $1`, id).Scan(&d.Pending, &d.Accepted, &d.Refused); err != nil {
			t.Fatal(err)
		}
		if d.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every item final: %+v; simulator %+v", d, sim.Stats())
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := sim.Stats()
	t.Logf("all final after %s; simulator: %+v", time.Since(start).Round(time.Millisecond), st)
	if d.Accepted != total || d.Refused != 0 {
		t.Fatalf("items %+v, want all %d accepted", d, total)
	}
	if st.ConsentsStored != int(total) || st.StoredTwice != 0 {
		t.Fatalf("the simulator stored %d, with %d twice; want %d and 0", st.ConsentsStored, st.StoredTwice, total)
	}
	q := getQuota(t, api, b.CompanyID)
	if q.Spent != total || q.Reserved != 0 {
		t.Fatalf("quota %+v, want exactly %d spent and nothing held", q, total)
	}
	var faults int
	for _, byStatus := range st.Requests {
		for status, n := range byStatus {
			if status != "200" {
				faults += n
			}
		}
	}
	if faults == 0 {
		t.Fatal("no fault was injected: the test proves nothing")
	}
}
