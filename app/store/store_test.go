package store_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func setup(t testing.TB) (*store.Store, *store.Brand) {
	t.Helper()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	return st, storetest.Company(t, st, "Örnek", "Marka", "654321")
}

func onay(recipient string, typ consent.Type, status consent.Status, at time.Time) consent.Consent {
	return consent.Consent{BrandCode: "654321", Recipient: recipient, RecipientType: consent.RecipientBireysel,
		Type: typ, Status: status, Source: consent.Source("HS_WEB"), ConsentDate: at}
}

// Many requests adding the same new consent at once store it once: one
// event, one current row, counters of one.
func TestApplyConsentConcurrently(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	var wg sync.WaitGroup
	results := make(chan consent.Action, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := st.ApplyConsent(ctx, store.System, b.ID, onay("+905321234567", consent.TypeMesaj, consent.StatusOnay, at))
			if err != nil {
				t.Error(err)
				return
			}
			results <- res.Action
		}()
	}
	wg.Wait()
	close(results)
	sent := 0
	for a := range results {
		if a == consent.ActionSend {
			sent++
		}
	}
	if sent != 1 {
		t.Fatalf("%d of 16 parallel identical consents were stored, want 1", sent)
	}
	events, err := st.History(ctx, b.ID, "+905321234567")
	if err != nil || len(events) != 1 {
		t.Fatalf("events: %d %v", len(events), err)
	}
}

// The counters that Markalar and Gösterge read stay equal to a count of the
// consents through inserts and changes.
func TestBrandStatsFollowChanges(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	at := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	for i, r := range []string{"+905320000001", "+905320000002", "+905320000003"} {
		if _, err := st.ApplyConsent(ctx, store.System, b.ID, onay(r, consent.TypeArama, consent.StatusOnay, at)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyConsent(ctx, store.System, b.ID, onay(r, consent.TypeMesaj, consent.StatusOnay, at)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := st.ApplyConsent(ctx, store.System, b.ID, onay(r, consent.TypeMesaj, consent.StatusRet, at.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
	}
	stats, err := st.BrandStats(ctx, []int64{b.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range stats {
		got[s.Type+"/"+s.Status] += s.N
	}
	want := map[string]int64{"ARAMA/ONAY": 3, "MESAJ/ONAY": 2, "MESAJ/RET": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	// And a direct count agrees.
	var n int64
	st.Pool().QueryRow(ctx, "SELECT count(*) FROM consents WHERE brand_id = $1", b.ID).Scan(&n)
	if n != 6 {
		t.Fatalf("consents: %d", n)
	}
}

// Filtered pages (driven from the consents) return exactly the recipients a
// plain scan would, each once, newest first, across pages and brands.
func TestFilteredPagesMatchAScan(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	b2 := storetest.Company(t, st, "İkinci", "İkinci Marka", "333333")
	at := time.Now().Add(-5 * time.Hour).Truncate(time.Second)
	want := map[string]bool{}
	for i := range 40 {
		brand := b
		if i%3 == 0 {
			brand = b2
		}
		r := "+9053200001" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		c := onay(r, consent.TypeArama, consent.StatusOnay, at)
		c.BrandCode = brand.BrandCode
		st.ApplyConsent(ctx, store.System, brand.ID, c)
		c.Type = consent.TypeMesaj
		st.ApplyConsent(ctx, store.System, brand.ID, c)
		if i%4 == 0 { // RET on both channels: must be listed once
			c.Status, c.ConsentDate = consent.StatusRet, at.Add(time.Hour)
			st.ApplyConsent(ctx, store.System, brand.ID, c)
			c.Type = consent.TypeArama
			st.ApplyConsent(ctx, store.System, brand.ID, c)
			want[r] = true
		} else if i%5 == 0 { // RET on MESAJ only
			c.Status, c.ConsentDate = consent.StatusRet, at.Add(time.Hour)
			st.ApplyConsent(ctx, store.System, brand.ID, c)
			want[r] = true
		}
	}
	got := map[string]bool{}
	var last int64
	f := store.ConsentFilter{Kind: "phone", Status: "RET", Limit: 3}
	for {
		rows, next, err := st.ListRecipients(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if got[r.Recipient] {
				t.Fatalf("%s listed twice", r.Recipient)
			}
			if last != 0 && r.SortKey >= last {
				t.Fatalf("not newest first: %d after %d", r.SortKey, last)
			}
			last = r.SortKey
			got[r.Recipient] = true
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	if len(got) != len(want) {
		t.Fatalf("got %d RET recipients, want %d", len(got), len(want))
	}
	for r := range want {
		if !got[r] {
			t.Errorf("missing %s", r)
		}
	}
	// MESAJ-only RET in one brand.
	rows, _, err := st.ListRecipients(ctx, store.ConsentFilter{Kind: "phone", BrandIDs: []int64{b2.ID}, Type: "MESAJ", Status: "RET", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// A RET on its way counts at once: a person said no.
	for _, r := range rows {
		if r.BrandID != b2.ID || r.Mesaj == nil || r.Mesaj.Effective() != "RET" {
			t.Fatalf("wrong row %+v", r)
		}
	}
}

// Lists are sorted the Turkish way: Ç after C, İ after I, Ö after O, Ş
// after S, Ü after U, all before Y and Z.
func TestTurkishOrder(t *testing.T) {
	t.Parallel()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	for i, title := range []string{"Zeynep Gıda", "Yönetim A.Ş.", "Çağla Tekstil", "Cam Ltd.", "Şeker A.Ş.", "Ilgaz", "İnci", "Ördek", "Uğur", "Ünal"} {
		storetest.Company(t, st, title, "Marka "+title, "55500"+strconv.Itoa(i))
	}
	cs, err := st.ListCompanies(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Title)
	}
	want := []string{"Cam Ltd.", "Çağla Tekstil", "Ilgaz", "İnci", "Ördek", "Şeker A.Ş.", "Uğur", "Ünal", "Yönetim A.Ş.", "Zeynep Gıda"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("order: %v", got)
	}
}
