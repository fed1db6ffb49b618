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
	"iysgate/app/store"
)

// An import of 100,000 consents delivered through everything İYS can do
// wrong: a fifth of the calls failing (500s, 503s, dropped connections),
// answers lost after İYS stored the list, lists refused whole for one bad
// item, refusals decided later (400's codes), a storm of 429s, İYS's token
// lockout, and the worker killed mid-delivery within the lockout's hour.
// The simulator takes the hardest reading of what İYS's document leaves
// open: a resend of a stored ONAY with its date is stored again, and V2
// does not recognise a resend whose first copy is still queued, so any
// resend of a movement İYS holds shows. It ends with every item final, the
// bad ones refused with İYS's codes, nothing stored twice, no token asked
// for during the lockout (by either process), and the quota debited by
// exactly the accepted items.
func TestDeliveryUnderFaultsAndCrash(t *testing.T) {
	rows := 50000 // two channels each: 100,000 consents
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_FAULT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	const hour = 6 * time.Second // İYS's hour, shortened alike on both sides
	// The multiple status query takes 1000 recipients on both sides (the
	// method's reading; the default of 100 is the client tests'), so that
	// asking about a list whose answer was lost costs one call.
	sim, srv := iystest.NewServer(t, iystest.Config{RateLimits: true, Hour: hour, TokensPerHour: 3, MaxRecipients: 1000,
		AsyncDelay: 300 * time.Millisecond, SameDateStored: true})
	e := newEnvWith(t, func(c *config.Config) {
		c.IYSBaseURL, c.IYSUsername, c.IYSPassword = srv.URL, "entegrator", "parola"
		c.IYSRateWindow = hour / 60
		c.IYSTokensPerHour = 10 // more than İYS grants here: its H084 must stop the client
		c.IYSMultiStatusMax = 1000
		c.IYSResolveAfter = 2 * time.Second
		c.IYSPollInterval = 500 * time.Millisecond
		c.JobTimeout = 10 * time.Second // runs hand over to the next every 5 s
	})
	b := e.company("Dayanıklı A.Ş.", "Dayanıklı", "730001")
	e.ready(b.CompanyID)
	e.grant(b.CompanyID, 1000000)
	api := e.apiClient(e.user("y@dayanikli.com.tr", "yonetici", b.ID))

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

	// İYS will refuse some items: on arrival (the list refused whole, the
	// item's index named) and when deciding (a failure in the result, 400's
	// codes). The simulator refuses once: an item whose list's answer was
	// lost is resent after asking, and then accepted.
	refusals := map[string]string{}
	for i, code := range []string{"H467", "H467", "H408", "H178", "H178", "H462"} {
		r := fmt.Sprintf("+90535%07d", i*(rows/6))
		refusals[r] = code
		if err := sim.Refuse(iystest.Refusal{IYSCode: "7730001", BrandCode: "730001", Recipient: r, Type: "MESAJ", Code: code}); err != nil {
			t.Fatal(err)
		}
	}
	steady := iystest.Faults{FailRate: 0.2, Mix: iystest.FaultMix{Server: 2, Unavailable: 1, Drop: 2}, LoseAnswers: 0.05}
	sim.SetFaults(steady)
	if v := approveAPI(t, api, id, "all"); v.Error != nil {
		t.Fatalf("approve: %+v", v)
	}
	total := int64(2 * rows)
	t.Logf("approved after %s", time.Since(start).Round(time.Millisecond))

	deadline := time.Now().Add(4 * time.Minute)
	waitStored := func(what string, n int) {
		t.Helper()
		for sim.Stats().ConsentsStored < n {
			if time.Now().After(deadline) {
				t.Fatalf("stalled before %s: %+v", what, sim.Stats())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// A storm of 429s.
	waitStored("the 429 storm", int(total/6))
	sim.SetFaults(iystest.Faults{FailRate: 1, Mix: iystest.FaultMix{TooMany: 1}})
	time.Sleep(2 * time.Second)
	sim.SetFaults(steady)
	// İYS forgets its tokens until the client's renewals run into İYS's
	// hourly token limit (H084): then it must wait the whole hour.
	waitStored("the token lockout", int(total/4))
	tokenCalls := func() (n int) {
		for _, c := range sim.Stats().Requests["token"] {
			n += c
		}
		return n
	}
	for sim.Stats().Requests["token"]["429"] == 0 {
		n := tokenCalls()
		sim.ExpireTokens()
		for tokenCalls() == n {
			if time.Now().After(deadline) {
				t.Fatalf("no token request after İYS forgot its tokens: %+v", sim.Stats())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The worker dies within the lockout's hour, lists on their way: the
	// next process must take the hold over, not ask for a token.
	t.Logf("crash after %s, %d stored; at most %d calls a second so far", time.Since(start).Round(time.Millisecond),
		sim.Stats().ConsentsStored, sim.Stats().MaxRequestsPerSecond)
	e.crash()

	var d store.Delivery
	for {
		var err error
		if d, err = e.st.ImportDelivery(context.Background(), id); err != nil {
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
	refused := 0
	for r, code := range refusals {
		var got string
		var state store.SyncState
		if err := e.st.Pool().QueryRow(context.Background(), `SELECT COALESCE(e.iys_code, ''), e.iys_state FROM consent_events e
			JOIN recipients x ON x.id = e.recipient_id WHERE x.recipient = $1 AND e.type = 'MESAJ'`, r).Scan(&got, &state); err != nil {
			t.Fatal(err)
		}
		_, stored := sim.Consent("7730001", "730001", r, "BIREYSEL", "MESAJ")
		switch {
		case state == store.SyncRefused && got == code && !stored:
			refused++
		case state == store.SyncRegistered && stored && code != "H467" && code != "H408":
			// Decided refusal whose list's answer was lost: asked, resent, accepted.
		default:
			t.Errorf("%s: %s with %q (stored at İYS: %v); İYS refused it with %s", r, state, got, stored, code)
		}
	}
	want := total - int64(refused)
	if d.Accepted != want || d.Refused != int64(refused) || refused < 3 {
		t.Fatalf("items %+v, want %d accepted and %d refused (at least the 3 refused on arrival)", d, want, refused)
	}
	if st.ConsentsStored != int(want) || st.StoredTwice != 0 {
		t.Fatalf("the simulator stored %d, %d of them twice; want %d and none", st.ConsentsStored, st.StoredTwice, want)
	}
	if st.TokenRequestsInLockout != 0 || st.Requests["token"]["429"] == 0 {
		t.Fatalf("token requests: %v, %d during the lockout (İYS restarts its hour on each)", st.Requests["token"], st.TokenRequestsInLockout)
	}
	if q := getQuota(t, api, b.CompanyID); q.Spent != want || q.Reserved != 0 {
		t.Fatalf("quota %+v, want exactly %d spent and nothing held", q, want)
	}
	lost, failed, tooMany := 0, 0, 0
	for kind, byOutcome := range st.Requests {
		lost += byOutcome["lost"]
		if kind != "token" {
			tooMany += byOutcome["429"]
		}
		for outcome, n := range byOutcome {
			if outcome != "200" && outcome != "202" && outcome != "204" {
				failed += n
			}
		}
	}
	if lost == 0 || failed == 0 || tooMany == 0 {
		t.Fatalf("faults injected: %d lost, %d failed, %d refused with 429: the test proves nothing", lost, failed, tooMany)
	}
}
