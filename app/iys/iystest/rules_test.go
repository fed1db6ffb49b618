package iystest

import (
	"testing"
	"time"
)

// İYS's rules against the stored record, for a single add: 400 with the
// rule's code; what is unknowable follows Config.
func TestAddRules(t *testing.T) {
	h := time.Hour
	type step struct {
		body   func(now time.Time) consentBody
		status int
		code   string
	}
	cases := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"first RET", Config{}, []step{{func(n time.Time) consentBody { return ret("+905320000001", n.Add(-h)) }, 400, "H175"}}},
		{"RET over RET", Config{}, []step{
			{func(n time.Time) consentBody { return onay("+905320000001", n.Add(-3*h)) }, 200, ""},
			{func(n time.Time) consentBody { return ret("+905320000001", n.Add(-2*h)) }, 200, ""},
			{func(n time.Time) consentBody { return ret("+905320000001", n.Add(-h)) }, 400, "H174"},
		}},
		{"ONAY over ONAY later: accepted (release 1.1.0)", Config{}, []step{
			{func(n time.Time) consentBody { return onay("+905320000001", n.Add(-2*h)) }, 200, ""},
			{func(n time.Time) consentBody { return onay("+905320000001", n.Add(-h)) }, 200, ""},
		}},
		{"ONAY over ONAY refused (setting)", Config{RefuseOnayOverOnay: true}, []step{
			{func(n time.Time) consentBody { return onay("+905320000001", n.Add(-2*h)) }, 200, ""},
			{func(n time.Time) consentBody { return onay("+905320000001", n.Add(-h)) }, 400, "H174"},
		}},
		{"earlier date", Config{}, []step{
			{func(n time.Time) consentBody { return onay("+905320000001", n.Add(-h)) }, 200, ""},
			{func(n time.Time) consentBody { return ret("+905320000001", n.Add(-2*h)) }, 400, "H178"},
		}},
		{"same date: H178 by default", Config{}, []step{
			{func(time.Time) consentBody { return onay("+905320000001", monday10.Add(-h)) }, 200, ""},
			{func(time.Time) consentBody { return onay("+905320000001", monday10.Add(-h)) }, 400, "H178"},
		}},
		{"same date stored again (worst case)", Config{SameDateStored: true}, []step{
			{func(time.Time) consentBody { return onay("+905320000001", monday10.Add(-h)) }, 200, ""},
			{func(time.Time) consentBody { return onay("+905320000001", monday10.Add(-h)) }, 200, ""},
		}},
		{"TACIR first RET refused by default", Config{}, []step{
			{func(n time.Time) consentBody { return ret("+905320000001", n.Add(-h)).with("recipientType", "TACIR") }, 400, "H175"},
		}},
		{"TACIR first RET allowed (setting)", Config{FirstRetTacir: true}, []step{
			{func(n time.Time) consentBody { return ret("+905320000001", n.Add(-h)).with("recipientType", "TACIR") }, 200, ""},
		}},
		{"TACIR first without date or source, update needs both", Config{}, []step{
			{func(n time.Time) consentBody {
				return onay("+905320000001", n).with("recipientType", "TACIR").with("consentDate", nil).with("source", nil)
			}, 200, ""},
			{func(n time.Time) consentBody {
				return ret("+905320000001", n).with("recipientType", "TACIR").with("consentDate", nil)
			}, 400, "H462"},
			{func(n time.Time) consentBody {
				return ret("+905320000001", n).with("recipientType", "TACIR").with("source", nil)
			}, 400, "H463"},
		}},
		{"three business days", Config{}, []step{
			{func(n time.Time) consentBody { return onay("+905320000001", n.AddDate(0, 0, -7)) }, 422, "H467"},
		}},
		{"three business days off (setting)", Config{SkipThreeDayCheck: true}, []step{
			{func(n time.Time) consentBody { return onay("+905320000001", n.AddDate(0, 0, -7)) }, 200, ""},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c, clk := newSim(t, tc.cfg)
			for i, st := range tc.steps {
				clk.Advance(time.Second)
				a := c.add(st.body(clk.Now()), false)
				if st.code == "" {
					c.must(a, st.status, nil)
				} else {
					wantCodes(t, a, st.status, st.code)
				}
				if t.Failed() {
					t.Fatalf("step %d", i)
				}
			}
		})
	}
}

// İYS stores e-mail addresses lower-cased whole, and takes any E.164 phone
// number of at most 15 characters.
func TestRecipients(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	c.must(c.add(onay("Ali.Veli@Ornek.COM.TR", at), false), 200, nil)
	if got := c.status("ali.veli@ornek.com.tr", "EPOSTA"); got == nil || got.Recipient != "ali.veli@ornek.com.tr" {
		t.Fatalf("status of the lower-cased address: %+v", got)
	}
	if _, ok := s.Consent(iysCode, brandOne, "ALI.VELI@ornek.com.tr", "BIREYSEL", "EPOSTA"); !ok {
		t.Error("another spelling of the address is another record")
	}
	for _, phone := range []string{"+902121230000", "+905992000000", "+4915112345678", "+12025550123"} {
		c.must(c.add(onay(phone, at), false), 200, nil)
	}
	for phone, codes := range map[string][]string{
		"+9005321234567": {"H121"}, "905321234567": {"H121"}, "+90532123456": {"H121"},
		"+4915112345678901": {"H160", "H121"}, "+90 532 123 45 67": {"H160", "H121"},
	} {
		wantCodes(t, c.add(onay(phone, at), false), 422, codes...)
	}
	wantCodes(t, c.add(onay("+905321234567", at).with("type", "EPOSTA"), false), 422, "H120")
	wantCodes(t, c.add(onay("a@b.com", at).with("type", "ARAMA"), false), 422, "H121")
	for _, bad := range []string{"ağa@ornek.com", "a b@ornek.com", "a@b.c", "a!@ornek.com", "@ornek.com"} {
		wantCodes(t, c.add(onay(bad, at), false), 422, "H120")
	}
	c.must(c.add(onay("ali+kampanya@ornek.com", at), false), 200, nil)
}

// recipientType defaults to BIREYSEL when omitted.
func TestRecipientTypeDefault(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	c.must(c.add(onay("+905320000001", clk.Now().Add(-time.Hour)).with("recipientType", nil), false), 200, nil)
	if c.status("+905320000001", "MESAJ") == nil {
		t.Fatal("a consent without recipientType is not stored as BIREYSEL")
	}
}

// V2 answers an identical resend of a single add with the same
// transactionId and stores nothing; V1 judges it again.
func TestSingleAddV2Identity(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	b := onay("+905320000001", clk.Now().Add(-time.Hour))
	var first, again addAnswer
	c.must(c.add(b, true), 200, &first)
	clk.Advance(time.Minute)
	c.must(c.add(b, true), 200, &again)
	if again != first {
		t.Errorf("resend answered %+v, first %+v", again, first)
	}
	wantCodes(t, c.add(b, false), 400, "H178")
	st := s.Stats()
	if st.Movements != 1 || st.StoredTwice != 0 || st.RecognisedResends != 1 {
		t.Errorf("stats %+v", st)
	}
	// A different body is a new movement.
	c.must(c.add(b.with("consentDate", date(clk.Now().Add(-time.Minute))), true), 200, nil)
}
