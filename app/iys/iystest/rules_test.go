package iystest

import (
	"slices"
	"testing"
	"time"

	"iysgate/app/consent"
)

// TestAddRules pins every rule of a single add and its code: each case
// may store earlier consents first.
func TestAddRules(t *testing.T) {
	hour := time.Hour
	with := func(f func(*wireConsent)) wireConsent {
		w := onay(phone, t0.Add(-hour))
		f(&w)
		return w
	}
	tacir := func(w *wireConsent) { w.RecipientType = "TACIR" }
	tests := []struct {
		name   string
		before []wireConsent
		c      wireConsent
		status int
		code   string
		field  string
	}{
		{name: "ONAY", c: onay(phone, t0.Add(-hour)), status: 200},
		{name: "ONAY dated now", c: onay(phone, t0), status: 200},
		{name: "EPOSTA", c: with(func(w *wireConsent) { w.Type, w.Recipient = "EPOSTA", "ali.veli@firma.com.tr" }), status: 200},
		{name: "ARAMA", c: with(func(w *wireConsent) { w.Type = "ARAMA" }), status: 200},
		{name: "every provider source", c: with(func(w *wireConsent) { w.Source = "HS_FIZIKSEL_ORTAM" }), status: 200},
		{name: "retailer fields", c: with(func(w *wireConsent) {
			w.RetailerCode, w.RetailerAccess = []byte(`"B1"`), []byte(`["B1","B2"]`)
		}), status: 200},

		{name: "first record RET", c: ret(phone, t0.Add(-hour)), status: 422, code: CodeFirstRet, field: "status"},
		{name: "first record RET allowed for TACIR", c: with(func(w *wireConsent) { tacir(w); w.Status = "RET" }), status: 200},
		{name: "TACIR without source and date", c: with(func(w *wireConsent) { tacir(w); w.Source, w.ConsentDate = "", "" }), status: 200},
		{name: "ONAY over ONAY", before: []wireConsent{onay(phone, t0.Add(-2*hour))}, c: onay(phone, t0.Add(-hour)), status: 422, code: CodeSameStatus, field: "status"},
		{name: "RET over RET", before: []wireConsent{onay(phone, t0.Add(-3*hour)), ret(phone, t0.Add(-2*hour))}, c: ret(phone, t0.Add(-hour)), status: 422, code: CodeSameStatus},
		{name: "same status wins over date", before: []wireConsent{onay(phone, t0.Add(-hour))}, c: onay(phone, t0.Add(-hour)), status: 422, code: CodeSameStatus},
		{name: "RET later", before: []wireConsent{onay(phone, t0.Add(-2*hour))}, c: ret(phone, t0.Add(-hour)), status: 200},
		{name: "RET same date", before: []wireConsent{onay(phone, t0.Add(-hour))}, c: ret(phone, t0.Add(-hour)), status: 422, code: CodeDateNotLater, field: "consentDate"},
		{name: "RET earlier", before: []wireConsent{onay(phone, t0.Add(-hour))}, c: ret(phone, t0.Add(-2*hour)), status: 422, code: CodeDateNotLater},
		{name: "RET one second later", before: []wireConsent{onay(phone, t0.Add(-hour))}, c: ret(phone, t0.Add(-hour+time.Second)), status: 200},

		{name: "future", c: onay(phone, t0.Add(time.Second)), status: 422, code: CodeDateFuture, field: "consentDate"},
		{name: "before 2015-05-01", c: with(func(w *wireConsent) { w.ConsentDate = "2015-04-30 23:59:59" }), status: 422, code: CodeDateBefore2015, field: "consentDate"},
		{name: "HS_2015 on its date", c: with(func(w *wireConsent) { w.Source, w.ConsentDate = "HS_2015", "2015-05-01 00:00:00" }), status: 200},
		{name: "HS_2015 other date", c: with(func(w *wireConsent) { w.Source = "HS_2015" }), status: 422, code: CodeHS2015Date, field: "consentDate"},
		{name: "HS_2015 one second late", c: with(func(w *wireConsent) { w.Source, w.ConsentDate = "HS_2015", "2015-05-01 00:00:01" }), status: 422, code: CodeHS2015Date},
		{name: "IYS_ source from provider", c: with(func(w *wireConsent) { w.Source = "IYS_WEB" }), status: 422, code: CodeCitizenSource, field: "source"},
		{name: "unknown IYS_ source from provider", c: with(func(w *wireConsent) { w.Source = "IYS_YENI" }), status: 422, code: CodeCitizenSource},

		{name: "type SMS", c: with(func(w *wireConsent) { w.Type = "SMS" }), status: 422, code: CodeTypeInvalid, field: "type"},
		{name: "type lower case", c: with(func(w *wireConsent) { w.Type = "mesaj" }), status: 422, code: CodeTypeInvalid},
		{name: "type empty", c: with(func(w *wireConsent) { w.Type = "" }), status: 422, code: CodeTypeInvalid},
		{name: "source unknown", c: with(func(w *wireConsent) { w.Source = "HS_FOO" }), status: 422, code: CodeSourceInvalid, field: "source"},
		{name: "source lower case", c: with(func(w *wireConsent) { w.Source = "hs_web" }), status: 422, code: CodeSourceInvalid},
		{name: "source with spaces", c: with(func(w *wireConsent) { w.Source = "HS FIZIKSEL ORTAM" }), status: 422, code: CodeSourceInvalid},
		{name: "source missing for BIREYSEL", c: with(func(w *wireConsent) { w.Source = "" }), status: 422, code: CodeSourceInvalid},
		{name: "recipient national", c: with(func(w *wireConsent) { w.Recipient = "05321234567" }), status: 422, code: CodeRecipientInvalid, field: "recipient"},
		{name: "recipient +900", c: with(func(w *wireConsent) { w.Recipient = "+900532123456" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient landline", c: with(func(w *wireConsent) { w.Recipient = "+902121234567" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient short", c: with(func(w *wireConsent) { w.Recipient = "+90532123456" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient long", c: with(func(w *wireConsent) { w.Recipient = "+9053212345678" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient with space", c: with(func(w *wireConsent) { w.Recipient = "+90532 1234567" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient e-mail for MESAJ", c: with(func(w *wireConsent) { w.Recipient = "ali@firma.com" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient phone for EPOSTA", c: with(func(w *wireConsent) { w.Type = "EPOSTA" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient bad e-mail", c: with(func(w *wireConsent) { w.Type, w.Recipient = "EPOSTA", "ali@" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient e-mail not canonical", c: with(func(w *wireConsent) { w.Type, w.Recipient = "EPOSTA", "ali@Firma.com" }), status: 422, code: CodeRecipientInvalid},
		{name: "recipient e-mail with space", c: with(func(w *wireConsent) { w.Type, w.Recipient = "EPOSTA", " ali@firma.com" }), status: 422, code: CodeRecipientInvalid},
		{name: "status lower case", c: with(func(w *wireConsent) { w.Status = "onay" }), status: 422, code: CodeStatusInvalid, field: "status"},
		{name: "status RED", c: with(func(w *wireConsent) { w.Status = "RED" }), status: 422, code: CodeStatusInvalid},
		{name: "recipientType mixed case", c: with(func(w *wireConsent) { w.RecipientType = "Bireysel" }), status: 422, code: CodeRecipientTypeInvalid, field: "recipientType"},
		{name: "recipientType Turkish letters", c: with(func(w *wireConsent) { w.RecipientType = "BİREYSEL" }), status: 422, code: CodeRecipientTypeInvalid},
		{name: "date ISO T", c: with(func(w *wireConsent) { w.ConsentDate = "2025-03-12T10:00:00" }), status: 422, code: CodeDateFormat, field: "consentDate"},
		{name: "date Turkish", c: with(func(w *wireConsent) { w.ConsentDate = "12.03.2025 10:00:00" }), status: 422, code: CodeDateFormat},
		{name: "date without seconds", c: with(func(w *wireConsent) { w.ConsentDate = "2025-03-12 10:00" }), status: 422, code: CodeDateFormat},
		{name: "date one-digit month", c: with(func(w *wireConsent) { w.ConsentDate = "2025-3-12 10:00:00" }), status: 422, code: CodeDateFormat},
		{name: "date impossible", c: with(func(w *wireConsent) { w.ConsentDate = "2025-02-30 10:00:00" }), status: 422, code: CodeDateFormat},
		{name: "date with zone", c: with(func(w *wireConsent) { w.ConsentDate = "2025-03-12 10:00:00+03:00" }), status: 422, code: CodeDateFormat},
		{name: "date missing for BIREYSEL", c: with(func(w *wireConsent) { w.ConsentDate = "" }), status: 422, code: CodeDateFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newSim(t, Config{})
			for _, b := range tt.before {
				c.must(c.add(b), 200, nil)
			}
			a := c.add(tt.c)
			if tt.status == 200 {
				var ans addAnswer
				c.must(a, 200, &ans)
				if ans.TransactionID == "" || ans.CreationDate != date(t0) {
					t.Fatalf("answer %+v", ans)
				}
				return
			}
			wantCode(t, a, tt.status, tt.code)
			if tt.field != "" && !slices.Equal(a.location(), []string{tt.field}) {
				t.Errorf("location %v, want [%s]", a.location(), tt.field)
			}
			var e struct {
				Errors []wireError `json:"errors"`
			}
			c.must(a, tt.status, &e)
			if e.Errors[0].Message == "" {
				t.Error("no message")
			}
		})
	}
}

// TestAddMalformed: bodies that are not a consent answer 400.
func TestAddMalformed(t *testing.T) {
	_, c, _ := newSim(t, Config{})
	for _, body := range []string{`{`, `[]`, `{"recipient": 5}`, `{"recipient":"+905321234567","retailerAccess":"B1"}`} {
		wantCode(t, c.call("POST", consents, []byte(body)), 400, CodeBadRequest)
	}
}

// TestTooOld: three Turkish business days, weekends and holidays not
// counted, the consent's own day not counted.
func TestTooOld(t *testing.T) {
	ist := consent.Location()
	tests := []struct {
		name    string
		consent time.Time
		now     time.Time
		tooOld  bool
	}{
		// Friday 7 March 2025: Mon 10, Tue 11, Wed 12 count; too old from Thu 13.
		{"weekend, last second", time.Date(2025, 3, 7, 10, 0, 0, 0, ist), time.Date(2025, 3, 12, 23, 59, 59, 0, ist), false},
		{"weekend, day after", time.Date(2025, 3, 7, 10, 0, 0, 0, ist), time.Date(2025, 3, 13, 0, 0, 0, 0, ist), true},
		// Wednesday 4 June 2025, before Kurban Bayramı: arife 5 June is half
		// a day, 6-9 June are off; by weekends alone it would be too old from
		// Tuesday 10 June, with the holidays only from Friday 13 June.
		{"holiday, weekends alone would refuse", time.Date(2025, 6, 4, 10, 0, 0, 0, ist), time.Date(2025, 6, 11, 12, 0, 0, 0, ist), false},
		{"holiday, last second", time.Date(2025, 6, 4, 10, 0, 0, 0, ist), time.Date(2025, 6, 12, 23, 59, 59, 0, ist), false},
		{"holiday, day after", time.Date(2025, 6, 4, 10, 0, 0, 0, ist), time.Date(2025, 6, 13, 0, 0, 0, 0, ist), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, clk := newSim(t, Config{})
			clk.Set(tt.now)
			c.token = c.login("user", "pass") // the clock jump expired the first token
			a := c.add(onay(phone, tt.consent))
			if tt.tooOld {
				wantCode(t, a, 422, CodeTooOld)
			} else {
				c.must(a, 200, nil)
			}
		})
	}
}

// TestBireyselTacirCoexist: one address holds a BIREYSEL and a TACIR
// record, each with its own rules.
func TestBireyselTacirCoexist(t *testing.T) {
	sim, c, _ := newSim(t, Config{})
	c.must(c.add(onay(phone, t0.Add(-time.Hour))), 200, nil)
	tr := ret(phone, t0.Add(-2*time.Hour))
	tr.RecipientType = "TACIR"
	c.must(c.add(tr), 200, nil) // first TACIR record may be RET, and its date is its own
	b, ok1 := sim.Consent(iysCode, brand, phone, "BIREYSEL", "MESAJ")
	tc, ok2 := sim.Consent(iysCode, brand, phone, "TACIR", "MESAJ")
	if !ok1 || !ok2 || b.Status != "ONAY" || tc.Status != "RET" || b.TransactionID == tc.TransactionID {
		t.Fatalf("BIREYSEL %+v %v, TACIR %+v %v", b, ok1, tc, ok2)
	}
	if _, ok := sim.Consent(iysCode, brand, phone, "BIREYSEL", "ARAMA"); ok {
		t.Error("ARAMA stored without being sent")
	}
	if st := sim.Stats(); st.ConsentsStored != 2 {
		t.Errorf("stored %d", st.ConsentsStored)
	}
}

// TestTacirWithoutDate: a TACIR consent without consentDate is ordered by
// its creation time and shows no consentDate.
func TestTacirWithoutDate(t *testing.T) {
	sim, c, clk := newSim(t, Config{})
	w := wireConsent{Recipient: phone, Type: "ARAMA", Status: "ONAY", RecipientType: "TACIR"}
	c.must(c.add(w), 200, nil)
	r := ret(phone, t0.Add(-time.Minute))
	r.Type, r.RecipientType = "ARAMA", "TACIR"
	wantCode(t, c.add(r), 422, CodeDateNotLater)
	clk.Advance(time.Minute)
	w.Status = "RET"
	c.must(c.add(w), 200, nil)
	got, _ := sim.Consent(iysCode, brand, phone, "TACIR", "ARAMA")
	if got.Status != "RET" || got.ConsentDate != "" || got.Source != "" || got.CreationDate != date(t0.Add(time.Minute)) {
		t.Fatalf("%+v", got)
	}
}
