package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// reportSeed is a company ready for İYS with a package, whose consents are
// recorded by hand, by an import and by İYS's pull, and answered by İYS.
type reportSeed struct {
	t     *testing.T
	st    *store.Store
	at    time.Time // consent dates, one second apart per consent
	brand *store.Brand
}

func newReportSeed(t *testing.T, st *store.Store, title, name, code string) *reportSeed {
	t.Helper()
	b := storetest.Company(t, st, title, name, code)
	if _, err := st.Pool().Exec(context.Background(), `UPDATE companies SET integrator_assigned = true WHERE id = $1`, b.CompanyID); err != nil {
		t.Fatal(err)
	}
	grant(t, st, b.CompanyID, 5000)
	return &reportSeed{t: t, st: st, brand: b, at: time.Now().Add(-2 * time.Hour).Truncate(time.Second)}
}

// manual records a consent by hand and gives İYS's answer: accepted (and
// charged) when code is "ok", none when code is "-" (it stays on its way),
// else refused with code.
func (s *reportSeed) manual(brandID int64, recipient string, typ consent.Type, status consent.Status, code string) int64 {
	s.t.Helper()
	ctx := context.Background()
	s.at = s.at.Add(time.Second)
	res, err := s.st.ApplyConsent(ctx, store.System, brandID, onay(recipient, typ, status, s.at))
	if err != nil || res.Action != consent.ActionSend {
		s.t.Fatalf("%s %s %s: %+v %v", recipient, typ, status, res, err)
	}
	if code == "-" {
		return res.EventID
	}
	var batch int64
	if err := s.st.Pool().QueryRow(ctx, `SELECT batch_id FROM consent_events WHERE id = $1`, res.EventID).Scan(&batch); err != nil {
		s.t.Fatal(err)
	}
	out := store.Outcome{EventID: res.EventID, Accepted: code == "ok", Charged: code == "ok"}
	if !out.Accepted {
		out.Code = code
	}
	if _, err := s.st.RecordOutcomes(ctx, batch, []store.Outcome{out}); err != nil {
		s.t.Fatal(err)
	}
	return res.EventID
}

// imported writes an event as an approved import does, accepted by İYS.
func (s *reportSeed) imported(recipient string, typ consent.Type, status consent.Status) {
	s.t.Helper()
	_, err := s.st.Pool().Exec(context.Background(), `WITH r AS (
			INSERT INTO recipients (brand_id, kind, recipient, recipient_type) VALUES ($1, 'phone', $2, 'BIREYSEL') RETURNING id)
		INSERT INTO consent_events (recipient_id, type, brand_id, status, origin, actor, iys_state)
		SELECT r.id, $3, $1, $4, 'import', 'personel@ornek', '`+string(store.SyncRegistered)+`' FROM r`, s.brand.ID, recipient, string(typ), string(status))
	if err != nil {
		s.t.Fatal(err)
	}
}

// pulled applies a citizen's change from İYS's feed.
func (s *reportSeed) pulled(recipient string, typ consent.Type, status consent.Status) {
	s.t.Helper()
	s.at = s.at.Add(time.Second)
	ch := store.PulledChange{Recipient: recipient, RecipientType: "BIREYSEL", Type: string(typ), Status: string(status),
		Source: "IYS_WEB", ConsentDate: s.at}
	if _, err := s.st.ApplyPulled(context.Background(), s.brand.ID, "IYS", []store.PulledChange{ch}, "c"); err != nil {
		s.t.Fatal(err)
	}
}

// The report counts, per brand and channel, the consents İYS holds, the
// RETs by who made them, the changes on their way, İYS's refusals by code
// and the quota spent, for the brands asked only, leaving out what the
// period does not hold.
func TestReportFigures(t *testing.T) {
	t.Parallel()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	s := newReportSeed(t, st, "Örnek Gıda", "Örnek Market", "654321")
	a := s.brand
	a2 := storetest.Brand(t, st, a.CompanyID, "Örnek Kafe", "654322")
	s.manual(a.ID, "+905320000001", consent.TypeMesaj, consent.StatusOnay, "ok")
	s.manual(a.ID, "+905320000001", consent.TypeArama, consent.StatusOnay, "H114")
	s.manual(a.ID, "ayse@ornek.com.tr", consent.TypeEposta, consent.StatusOnay, "ok")
	s.manual(a.ID, "+905320000001", consent.TypeMesaj, consent.StatusRet, "ok")
	s.manual(a.ID, "+905320000003", consent.TypeMesaj, consent.StatusOnay, "SIM_TOO_OLD")
	s.manual(a.ID, "+905320000004", consent.TypeMesaj, consent.StatusOnay, "")
	s.manual(a.ID, "+905320000010", consent.TypeMesaj, consent.StatusOnay, "-")
	s.manual(a.ID, "+905320000010", consent.TypeArama, consent.StatusOnay, "-")
	s.imported("+905320000005", consent.TypeMesaj, consent.StatusRet)
	s.pulled("+905320000006", consent.TypeMesaj, consent.StatusRet)
	s.pulled("+905320000006", consent.TypeArama, consent.StatusRet)
	s.pulled("mehmet@ornek.com.tr", consent.TypeEposta, consent.StatusOnay)
	old := s.manual(a.ID, "+905320000007", consent.TypeMesaj, consent.StatusOnay, "ok")
	if _, err := st.Pool().Exec(ctx, `UPDATE consent_events SET created_at = now() - interval '40 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	s.manual(a2.ID, "+905320000008", consent.TypeMesaj, consent.StatusOnay, "ok")
	other := newReportSeed(t, st, "Başka Firma", "Başka Marka", "777001")
	other.manual(other.brand.ID, "+905320000009", consent.TypeMesaj, consent.StatusOnay, "ok")

	period := func(ids ...int64) store.ReportFilter {
		return store.ReportFilter{BrandIDs: ids, From: start, To: time.Now().Add(time.Minute)}
	}
	rep, err := st.Report(ctx, period(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	wantChannels := []store.ChannelFigures{
		{BrandID: a.ID, Type: "ARAMA", RetCitizen: 1, Pending: 1},
		{BrandID: a.ID, Type: "EPOSTA", Onay: 2},
		{BrandID: a.ID, Type: "MESAJ", Onay: 1, RetAgency: 2, RetCitizen: 1, Pending: 1},
	}
	if !slices.Equal(rep.Channels, wantChannels) {
		t.Errorf("channels:\n got %+v\nwant %+v", rep.Channels, wantChannels)
	}
	wantRefusals := []store.RefusalFigures{
		{BrandID: a.ID, Type: "ARAMA", Code: "H114", N: 1},
		{BrandID: a.ID, Type: "MESAJ", Code: "", N: 1},
		{BrandID: a.ID, Type: "MESAJ", Code: "SIM_TOO_OLD", N: 1},
	}
	if !slices.Equal(rep.Refusals, wantRefusals) {
		t.Errorf("refusals:\n got %+v\nwant %+v", rep.Refusals, wantRefusals)
	}
	// The old consent's unit was spent now, when İYS accepted it: the
	// ledger's time is when the quota moved.
	if want := []store.SpentFigures{{BrandID: a.ID, Units: 4}}; !slices.Equal(rep.Spent, want) {
		t.Errorf("spent %+v, want %+v", rep.Spent, want)
	}

	// Another brand of the same company pays from the same package, and
	// is reported on its own; another company's brand only when asked.
	both, err := st.Report(ctx, period(a.ID, a2.ID))
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.SpentFigures{{BrandID: a.ID, Units: 4}, {BrandID: a2.ID, Units: 1}}; !slices.Equal(both.Spent, want) {
		t.Errorf("spent of both brands %+v, want %+v", both.Spent, want)
	}
	all, err := st.Report(ctx, period())
	if err != nil {
		t.Fatal(err)
	}
	brands := map[int64]bool{}
	for _, c := range all.Channels {
		brands[c.BrandID] = true
	}
	if len(brands) != 3 || !brands[other.brand.ID] || len(all.Spent) != 3 {
		t.Errorf("every brand (nil): channels of %v, spent %+v", brands, all.Spent)
	}
	none, err := st.Report(ctx, store.ReportFilter{BrandIDs: []int64{}, From: start, To: time.Now().Add(time.Minute)})
	if err != nil || len(none.Channels)+len(none.Refusals)+len(none.Spent) != 0 {
		t.Errorf("no brand in view: %+v %v", none, err)
	}
	before, err := st.Report(ctx, store.ReportFilter{BrandIDs: []int64{a.ID}, From: start.Add(-24 * time.Hour), To: start})
	if err != nil || len(before.Channels) != 0 || len(before.Spent) != 0 {
		t.Errorf("the day before the seed: %+v %v", before, err)
	}
}

// Days are Istanbul's: an event at 22:30 UTC counts on the next day there;
// changes İYS refused or does not have yet are left out.
func TestDailyConsents(t *testing.T) {
	t.Parallel()
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	ctx := context.Background()
	s := newReportSeed(t, st, "Örnek Gıda", "Örnek Market", "654321")
	late := s.manual(s.brand.ID, "+905320000001", consent.TypeMesaj, consent.StatusOnay, "ok")
	noon := s.manual(s.brand.ID, "+905320000002", consent.TypeMesaj, consent.StatusOnay, "ok")
	ret := s.manual(s.brand.ID, "+905320000002", consent.TypeMesaj, consent.StatusRet, "ok")
	refused := s.manual(s.brand.ID, "+905320000003", consent.TypeMesaj, consent.StatusOnay, "H114")
	pending := s.manual(s.brand.ID, "+905320000004", consent.TypeMesaj, consent.StatusOnay, "-")
	times := map[int64]string{late: "2026-03-09 22:30:00+00", noon: "2026-03-10 09:00:00+00", ret: "2026-03-10 20:59:59+00",
		refused: "2026-03-10 10:00:00+00", pending: "2026-03-10 11:00:00+00"}
	for id, at := range times {
		if _, err := st.Pool().Exec(ctx, `UPDATE consent_events SET created_at = $2 WHERE id = $1`, id, at); err != nil {
			t.Fatal(err)
		}
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	days, err := st.DailyConsents(ctx, store.ReportFilter{BrandIDs: []int64{s.brand.ID}, From: from, To: from.AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.DayFigures{{Day: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), Onay: 2, Ret: 1}}
	if len(days) != 1 || !days[0].Day.Equal(want[0].Day) || days[0].Onay != 2 || days[0].Ret != 1 {
		t.Fatalf("days %+v, want %+v", days, want)
	}
}
