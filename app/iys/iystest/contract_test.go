package iystest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi/iysapitest"
)

// The document's examples are dated 2018–2020 and name retailers: a
// simulator at the examples' creationDate, without the three-day check.
func exampleSim(t *testing.T, mod func(*Config)) (*Sim, *client, *clock) {
	cfg := Config{SkipThreeDayCheck: true}
	if mod != nil {
		mod(&cfg)
	}
	s, c, clk := newSim(t, cfg)
	clk.Advance(time.Date(2020, 8, 21, 14, 45, 24, 0, consent.Location()).Sub(clk.Now()))
	return s, c, clk
}

// keys returns the key set of a JSON object (of the first element of a
// list), recursively, as "a", "a.b", "a[].c".
func keys(t testing.TB, raw json.RawMessage) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				out = append(out, prefix+k)
				walk(prefix+k+".", y)
			}
		case []any:
			if len(x) > 0 {
				walk(strings.TrimSuffix(prefix, ".")+"[].", x[0])
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return out
}

// sameShape fails unless the answer has the example's keys; except lists
// the example's keys the simulator does not produce.
func sameShape(t testing.TB, what string, got, example json.RawMessage, except ...string) {
	t.Helper()
	want := slices.DeleteFunc(keys(t, example), func(k string) bool { return slices.Contains(except, k) })
	g := keys(t, got)
	for _, k := range want {
		if !slices.Contains(g, k) {
			t.Errorf("%s: the answer lacks %q (document: %s; answer: %s)", what, k, example, got)
		}
	}
	for _, k := range g {
		if !slices.Contains(keys(t, example), k) {
			t.Errorf("%s: the answer has %q, which the document's example does not", what, k)
		}
	}
}

// The simulator answers the document's request examples with the
// document's success statuses and shapes.
func TestContractSuccessExamples(t *testing.T) {
	ex := func(kind, status, name string) json.RawMessage { return iysapitest.Example(t, kind, status, name) }
	req := func(kind, name string) json.RawMessage { return iysapitest.RequestExample(t, kind, name).Value }

	t.Run("token", func(t *testing.T) {
		_, c, _ := exampleSim(t, nil)
		saved := c.token
		c.token = ""
		a := c.call("POST", "/oauth2/token", req("token", "JSON login with password"))
		c.must(a, 200, nil)
		sameShape(t, "JSON login", a.body, ex("token", "200", "success"))
		var form map[string]string
		_ = json.Unmarshal(req("token", "Form login with password"), &form)
		v := url.Values{}
		for k, x := range form {
			v.Set(k, x)
		}
		a = c.form("/oauth2/token", v)
		c.must(a, 200, nil)
		var tok tokenAnswer
		_ = json.Unmarshal(a.body, &tok)
		a = c.form("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
		c.must(a, 200, nil)
		sameShape(t, "form refresh", a.body, ex("token", "200", "success"))
		c.token = saved
	})
	t.Run("adds and lists", func(t *testing.T) {
		for _, v2 := range []bool{false, true} {
			_, c, clk := exampleSim(t, nil)
			add := c.call("POST", prefix(v2)+sp+"/consents", req("consent_add", "AddOneConsentRequest"))
			c.must(add, 200, nil)
			sameShape(t, "single add", add.body, ex("consent_add", "200", "AddSingleConsentResponse"))
			var tx addAnswer
			_ = json.Unmarshal(add.body, &tx)
			if len(tx.TransactionID) != 64 {
				t.Errorf("transactionId %q is not 64 characters", tx.TransactionID)
			}
			kind := "consent_request"
			if v2 {
				kind = "consent_request_v2"
			}
			a := c.call("POST", prefix(v2)+sp+"/consents/request", req(kind, "AddMultipleConsent"))
			c.must(a, 202, nil)
			sameShape(t, kind, a.body, ex(kind, "202", "AddMultipleConsentResponse"))
			var la listAnswer
			_ = json.Unmarshal(a.body, &la)
			clk.Advance(time.Second)
			res := c.call("GET", prefix(v2)+sp+"/consents/request/"+la.RequestID, nil)
			c.must(res, 200, nil)
			var items []json.RawMessage
			_ = json.Unmarshal(res.body, &items)
			if len(items) != 3 {
				t.Fatalf("result of 3: %s", res.body)
			}
			sameShape(t, "success item", items[0], json.RawMessage(mustIndex(t, ex("consent_request_result", "200", "success"), 1)))
		}
	})
	t.Run("V2 recognises a resend", func(t *testing.T) {
		_, c, clk := exampleSim(t, nil)
		first := c.list(nil2(t, req("consent_request_v2", "AddMultipleConsent")), true)
		clk.Advance(time.Second)
		again := c.list(nil2(t, req("consent_request_v2", "AddMultipleConsent")), true)
		clk.Advance(time.Second)
		res := c.call("GET", "/v2"+sp+"/consents/request/"+again.RequestID, nil)
		var items []json.RawMessage
		c.must(res, 200, &items)
		sameShape(t, "recognised item", items[1], json.RawMessage(mustIndex(t, ex("consent_request_result_v2", "200", "success"), 1)))
		var it resultItem
		_ = json.Unmarshal(items[1], &it)
		if it.Original == nil || it.Original.RequestID != first.RequestID || it.Original.SubRequestID != first.SubRequests[1]["subRequestId"] {
			t.Errorf("originalRequestInformation %+v, want the first list's %s", it.Original, first.RequestID)
		}
	})
	t.Run("queries", func(t *testing.T) {
		_, c, clk := exampleSim(t, nil)
		c.must(c.call("POST", sp+"/consents", req("consent_add", "AddOneConsentRequest")), 200, nil)
		for _, r := range []string{"+905055566790", "+905056566791"} {
			c.must(c.add(onay(r, clk.Now().Add(-time.Hour)), false), 200, nil)
		}
		st := c.call("POST", sp+"/consents/status", req("consent_status", "ConsentDetail"))
		c.must(st, 200, nil)
		// The simulator manages no retailers: it cannot name one.
		sameShape(t, "status", st.body, ex("consent_status", "200", "ConsentDetailSuccess"), "retailerCode", "retailerTitle", "retailerAccessCount")
		multi := c.call("POST", sp+"/consents/BIREYSEL/status/MESAJ", req("consent_status_multiple", "phoneNumber"))
		c.must(multi, 200, nil)
		sameShape(t, "multiple status", multi.body, ex("consent_status_multiple", "200", "phoneNumber"))
		var m struct{ List []string }
		_ = json.Unmarshal(multi.body, &m)
		if want := []string{"+905055566790", "+905056566791"}; !slices.Equal(m.List, want) {
			t.Errorf("ONAY recipients %v, want %v (as the document's example)", m.List, want)
		}
		h := c.call("POST", sp+"/consents/history", req("consent_history", "epostaRequest"))
		c.must(h, 200, nil)
		sameShape(t, "history", h.body, ex("consent_history", "200", "example-1"))
	})
	t.Run("changes", func(t *testing.T) {
		s, c, clk := exampleSim(t, nil)
		c.must(c.call("GET", sp+"/consents/changes?source=IYS", nil), 204, nil)
		if _, err := s.CitizenMove(Citizen{IYSCode: iysCode, BrandCode: brandOne, Recipient: "ornek@adiniz.com", Type: "EPOSTA", Status: "ONAY", CitizenName: "Ahmet Tuna Yılmaz"}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		a := c.call("GET", sp+"/consents/changes", nil) // source defaults to IYS
		c.must(a, 200, nil)
		sameShape(t, "changes", a.body, ex("consent_changes", "200", "agreementPullSample"))
		var page struct{ After string }
		_ = json.Unmarshal(a.body, &page)
		if epoch, tx, ok := strings.Cut(page.After, "_"); !ok || len(tx) != 64 || epoch == "" {
			t.Errorf("after %q is not <epoch>_<transactionId>", page.After)
		}
		c.must(c.call("GET", sp+"/consents/changes?after="+page.After, nil), 204, nil)
	})
	t.Run("brands and integrator", func(t *testing.T) {
		_, c, _ := exampleSim(t, nil)
		a := c.call("GET", "/sps/"+iysCode+"/brands", nil)
		c.must(a, 200, nil)
		sameShape(t, "brands", a.body, ex("brands", "200", "example-1"))
		a = c.call("GET", "/integrator/900900/sps/"+iysCode, nil)
		c.must(a, 200, nil)
		sameShape(t, "integrator", a.body, ex("integrator_sps", "200", "integrator"))
	})
}

func mustIndex(t testing.TB, raw json.RawMessage, i int) []byte {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || i >= len(list) {
		t.Fatalf("no item %d in %s", i, raw)
	}
	return list[i]
}

// nil2 turns a request example into list items.
func nil2(t testing.TB, raw json.RawMessage) []consentBody {
	t.Helper()
	var items []consentBody
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

// exampleError is an error entry as the document writes it (some with the
// key "code:").
type exampleError struct {
	Code     string          `json:"code"`
	CodeTypo string          `json:"code:"`
	Index    *int            `json:"index"`
	Location json.RawMessage `json:"location"`
}

// The simulator refuses as the document's error examples show: the same
// status, codes in the same order, the same item indexes and locations.
func TestContractErrorExamples(t *testing.T) {
	at := "2020-08-21 10:00:00"
	item := func(kv ...any) consentBody {
		b := consentBody{"type": "MESAJ", "source": "HS_WEB", "recipient": "+905311333449", "status": "ONAY", "consentDate": at, "recipientType": "BIREYSEL"}
		for i := 0; i < len(kv); i += 2 {
			b = b.with(kv[i].(string), kv[i+1])
		}
		return b
	}
	long := strings.Repeat("ornek", 60) + "@adiniz.com"
	retailers := make([]int, 102)
	for i := range retailers {
		retailers[i] = i
	}
	type tc struct {
		kind, status, example string
		send                  func(c *client, s *Sim, clk *clock) answer
	}
	add := func(b consentBody) func(*client, *Sim, *clock) answer {
		return func(c *client, _ *Sim, _ *clock) answer { return c.add(b, false) }
	}
	list := func(items ...consentBody) func(*client, *Sim, *clock) answer {
		return func(c *client, _ *Sim, _ *clock) answer { return c.call("POST", sp+"/consents/request", items) }
	}
	state := func(first, then consentBody) func(*client, *Sim, *clock) answer {
		return func(c *client, _ *Sim, _ *clock) answer {
			if first != nil {
				c.must(c.add(first, false), 200, nil)
			}
			return c.add(then, false)
		}
	}
	tacir := item("recipientType", "TACIR")
	cases := []tc{
		{"consent_add", "400", "unknownError", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("POST", sp+"/consents", json.RawMessage(`["bir izin değil"]`))
		}},
		{"consent_add", "400", "retailerCodeEmpty", add(item("retailerCode", ""))},
		{"consent_add", "400", "initialConsentRetErrorAddOneConsentRequest", state(nil, item("status", "RET"))},
		{"consent_add", "400", "retOverrideErrorAddOneConsentRequest", func(c *client, _ *Sim, _ *clock) answer {
			c.must(c.add(item("consentDate", "2020-08-21 09:00:00"), false), 200, nil)
			c.must(c.add(item("status", "RET"), false), 200, nil)
			return c.add(item("status", "RET", "consentDate", "2020-08-21 11:00:00"), false)
		}},
		{"consent_add", "400", "wrongConsentDate", state(item(), item("status", "RET", "consentDate", "2020-08-21 09:00:00"))},
		{"consent_add", "400", "secondUpdateTACIRsourceRequirement", state(tacir.with("source", nil).with("consentDate", nil), tacir.with("source", nil).with("status", "RET"))},
		{"consent_add", "400", "secondUpdateTACIRconsentDateRequirement", state(tacir.with("consentDate", nil), tacir.with("consentDate", nil).with("status", "RET"))},
		{"consent_add", "401", "missingToken", func(c *client, _ *Sim, _ *clock) answer {
			saved := c.token
			c.token = "bilinmeyen"
			defer func() { c.token = saved }()
			return c.add(item(), false)
		}},
		{"consent_add", "403", "iysCodeNotMatched", func(c *client, s *Sim, _ *clock) answer {
			_ = s.BlockCompany(iysCode, "H353")
			return c.add(item(), false)
		}},
		{"consent_add", "403", "retailerCodeNotFound", add(item("retailerAccess", []int{12786531}))},
		{"consent_add", "403", "subscriptionStatusClosed", func(c *client, s *Sim, _ *clock) answer {
			_ = s.BlockCompany(iysCode, "H521")
			return c.add(item(), false)
		}},
		{"consent_add", "422", "OneConsentRequestMissingType", add(item("type", nil))},
		{"consent_add", "422", "OneConsentRequestMissingSource", add(item("source", nil))},
		{"consent_add", "422", "OneConsentRequestMissingRecipient", add(item("recipient", nil))},
		{"consent_add", "422", "OneConsentRequestMissingStatus", add(item("status", nil))},
		{"consent_add", "422", "OneConsentRequestMissingConsentDate", add(item("consentDate", nil))},
		{"consent_add", "422", "OneConsentRequestInvalidType", add(item("type", "EPOSTAa"))},
		{"consent_add", "422", "OneConsentRequestInvalidSource", add(item("source", "HS_FIZIKSEL_OTAM"))},
		{"consent_add", "422", "OneConsentRequestInvalidEmail", add(item("type", "EPOSTA", "recipient", long))},
		{"consent_add", "422", "OneConsentRequestInvalidPhoneNumber", add(item("recipient", "9055436100000000"))},
		{"consent_add", "422", "OneConsentRequestInvalidStatus", add(item("status", "ONAYY"))},
		{"consent_add", "422", "OneConsentRequestInvalidConsentDate", add(item("consentDate", "2020-15-01 13:35:00"))},
		{"consent_add", "422", "OneConsentRequestInvalidConsentDate2", add(item("consentDate", "2015-04-30 23:59:00"))},
		{"consent_add", "422", "OneConsentRequestInvalidConsentDate3", add(item("source", "HS_2015", "consentDate", "2020-04-30 23:59:00"))},
		{"consent_add", "422", "OneConsentRequestUnacceptableProperty", add(item("unacceptableProperty", "unacceptableValue"))},
		{"consent_add", "422", "OneConsentRequestInvalidRecipientType", add(item("recipientType", "TACIRR"))},
		{"consent_add", "422", "OneConsentTurkishCharsProblem", add(item("type", "EPOSTA", "recipient", "örnek@mail.com"))},
		{"consent_add", "422", "HS_KARAR_statusError", add(item("source", "HS_KARAR"))},
		{"consent_add", "422", "threeDay", func(c *client, s *Sim, clk *clock) answer {
			s.cfg.SkipThreeDayCheck = false
			return c.add(item("consentDate", "2020-08-10 13:35:13"), false)
		}},
		{"consent_add", "422", "insufficientConsentLimit", func(c *client, s *Sim, _ *clock) answer {
			_ = s.BlockCompany(iysCode, "H525")
			return c.add(item(), false)
		}},
		{"consent_add", "429", "requestLimitExceeded", func(c *client, s *Sim, _ *clock) answer {
			s.cfg.RateLimits = true
			var a answer
			for range 11 {
				a = c.add(item(), false)
			}
			return a
		}},

		{"consent_request", "400", "jsonException", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("POST", sp+"/consents/request", json.RawMessage(`[{`))
		}},
		{"consent_request", "400", "invalidRequest", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("POST", sp+"/consents/request", json.RawMessage(`{}`))
		}},
		{"consent_request", "403", "retailerCodeNotFound", list(item("retailerCode", 12786531))},
		{"consent_request", "403", "retailerCodeNotFound2", list(item("retailerAccess", []int{73064462}))},
		{"consent_request", "422", "missingType", list(item("type", nil))},
		{"consent_request", "422", "longRequest", func(c *client, _ *Sim, _ *clock) answer {
			items := make([]consentBody, 1001)
			for i := range items {
				items[i] = item("recipient", fmt.Sprintf("+90532%07d", i))
			}
			return c.call("POST", sp+"/consents/request", items)
		}},
		{"consent_request", "422", "missingSource", list(item(), item("recipient", "+905311333450", "source", nil))},
		{"consent_request", "422", "missingRecipient", list(item(), item("recipient", nil))},
		{"consent_request", "422", "invalidType", list(item("type", "EPOSTAA"))},
		{"consent_request", "422", "invalidSource", list(item("source", "HS_201"))},
		{"consent_request", "422", "invalidStatus", list(item("status", "RETT"))},
		{"consent_request", "422", "invalidRecipientType", list(item("recipientType", "BIREYSL"))},
		{"consent_request", "422", "invalidConsentDates", list(
			item("consentDate", "2042-02-10 09:30:00"), item("recipient", "+905311333450", "consentDate", "2020-15-10 09:30:00"),
			item("recipient", "+905311333451", "source", "HS_2015", "consentDate", "2015-02-10 09:30:00"),
			item("recipient", "+905311333452", "consentDate", "2014-02-10 09:30:00"))},
		{"consent_request", "422", "invalidRecipients", list(
			item("type", "EPOSTA", "recipient", "ornekadiniz.com"), item("type", "EPOSTA", "recipient", long),
			item("recipient", "905313334455999999999999"))},
		{"consent_request", "422", "emptyRetailerAccess", list(item("retailerAccess", []int{}))},
		{"consent_request", "422", "longRetailerAccess", list(item("retailerAccess", retailers))},
		{"consent_request", "422", "statusOrderError", list(item(), item("status", "RET"))},
		{"consent_request", "422", "HS_KARAR_statusError", list(item("source", "HS_KARAR"))},
		{"consent_request", "422", "threeDay", func(c *client, s *Sim, clk *clock) answer {
			s.cfg.SkipThreeDayCheck = false
			return c.call("POST", sp+"/consents/request", []consentBody{item("consentDate", "2020-08-10 13:35:13")})
		}},

		{"consent_request_result", "422", "longRequestId", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("GET", sp+"/consents/request/a9817bd8-0642-4d8c-946b-cc47d5aac41ab-cc47d5aac41a", nil)
		}},
		{"consent_request_result", "422", "onlyCharactersError", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("GET", sp+"/consents/request/abcde", nil)
		}},
		{"consent_request_result_v2", "422", "onlyDigitsError", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("GET", "/v2"+sp+"/consents/request/12345", nil)
		}},

		{"consent_status", "400", "unknownError", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("POST", sp+"/consents/status", json.RawMessage(`[]`))
		}},
		{"consent_status", "422", "InvalidType", statusQuery("ornek@ornek.com", "BIREYSEL", "ARAMAA")},
		{"consent_status", "422", "missingType", statusQuery("ornek@ornek.com", "BIREYSEL", "")},
		{"consent_status", "422", "missingRecipientType", statusQuery("ornek@ornek.com", "", "EPOSTA")},
		{"consent_status", "422", "invalidRecipientType", statusQuery("ornek@ornek.com", "TACIRR", "EPOSTA")},
		{"consent_status", "422", "invalidEmailAddress", statusQuery("ornekmail.com", "BIREYSEL", "EPOSTA")},
		{"consent_status", "422", "invalidPhoneNumber", statusQuery("+05543213232", "BIREYSEL", "MESAJ")},
		{"consent_status", "422", "longPhoneNumber", statusQuery("+0554321323223333333333", "BIREYSEL", "MESAJ")},

		{"consent_status_multiple", "400", "invalidJson", multiQuery("MESAJ", `{"recipients": [`)},
		{"consent_status_multiple", "422", "recipientsNotFound", multiQuery("MESAJ", `{}`)},
		{"consent_status_multiple", "422", "invalidRecipientFormat", multiQuery("MESAJ", `{"recipients": {}}`)},
		{"consent_status_multiple", "422", "emptyRecipientList", multiQuery("MESAJ", `{"recipients": []}`)},
		{"consent_status_multiple", "422", "invalidRecipientType", multiQuery("MESAJ", `{"recipients": ["test@gmail.com"]}`)},
		{"consent_status_multiple", "422", "invalidRecipientType2", multiQuery("EPOSTA", `{"recipients": ["+905312560714"]}`)},
		{"consent_status_multiple", "422", "nonRepeatableRecipient", multiQuery("MESAJ", `{"recipients": ["+905055566789", "+905055566790", "+905055566791", "+905055566791"]}`)},

		{"consent_history", "400", "invalidRequest", func(c *client, _ *Sim, _ *clock) answer {
			return c.call("POST", sp+"/consents/history", json.RawMessage(`{`))
		}},
		{"consent_history", "422", "invalidEposta", historyQuery("", "+905320000000", "BIREYSEL", "EPOSTA")},
		{"consent_history", "422", "invalidPhone", historyQuery("", "example@iys.com", "BIREYSEL", "MESAJ")},
		{"consent_history", "422", "typeNotFound", historyQuery("", "+905320000000", "BIREYSEL", "")},
		{"consent_history", "422", "recipientTypeNotFound", historyQuery("", "+905320000000", "", "MESAJ")},
		{"consent_history", "422", "invalidLimit", historyQuery("?limit=-1", "+905320000000", "BIREYSEL", "MESAJ")},
		{"consent_history", "422", "invalidLimit2", historyQuery("?limit=0", "+905320000000", "BIREYSEL", "MESAJ")},
		{"consent_history", "422", "overPaginationLimit", historyQuery("?limit=1000", "+905320000000", "BIREYSEL", "MESAJ")},
		{"consent_history", "422", "invalidOffset", historyQuery("?offset=-1", "+905320000000", "BIREYSEL", "MESAJ")},

		{"consent_changes", "422", "invalidSource", changesQuery("?source=SH")},
		{"consent_changes", "422", "invalidLimit", changesQuery("?limit=1500")},

		{"integrator_sps", "403", "iysCodeNotMatched", func(c *client, s *Sim, _ *clock) answer {
			s.SetGrants("900900", []Grant{{IYSCode: "111111", BrandCode: "111111"}})
			return c.call("GET", "/integrator/900900/sps/"+iysCode, nil)
		}},
		{"integrator_sps", "404", "userNotFound", func(c *client, s *Sim, _ *clock) answer {
			s.SetGrants("900900", nil)
			return c.call("GET", "/integrator/900901/sps/"+iysCode, nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.kind+"/"+tc.example, func(t *testing.T) {
			s, c, clk := exampleSim(t, func(cfg *Config) { cfg.Retailers = []int64{55550127, 58795354, 30143398} })
			a := tc.send(c, s, clk)
			var want struct{ Errors []exampleError }
			if err := json.Unmarshal(iysapitest.Example(t, tc.kind, tc.status, tc.example), &want); err != nil {
				t.Fatal(err)
			}
			got := a.apiErrors()
			if fmt.Sprint(a.status) != tc.status || len(got) != len(want.Errors) {
				t.Fatalf("got %d %s, the document shows %s %+v", a.status, a.body, tc.status, want.Errors)
			}
			for i, w := range want.Errors {
				g := got[i]
				code := w.Code + w.CodeTypo
				loc, _ := json.Marshal(g.Location)
				if len(g.Location) == 0 {
					loc = nil
				}
				if g.Code != code || fmt.Sprint(deref(g.Index)) != fmt.Sprint(deref(w.Index)) || !sameJSON(loc, w.Location) {
					t.Errorf("error %d: %s index %v location %s; the document: %s index %v location %s",
						i, g.Code, deref(g.Index), loc, code, deref(w.Index), w.Location)
				}
			}
		})
	}
}

func statusQuery(recipient, rt, typ string) func(*client, *Sim, *clock) answer {
	return func(c *client, _ *Sim, _ *clock) answer {
		return c.call("POST", sp+"/consents/status", optional(recipient, rt, typ))
	}
}

func historyQuery(query, recipient, rt, typ string) func(*client, *Sim, *clock) answer {
	return func(c *client, _ *Sim, _ *clock) answer {
		return c.call("POST", sp+"/consents/history"+query, optional(recipient, rt, typ))
	}
}

func optional(recipient, rt, typ string) map[string]string {
	q := map[string]string{}
	for k, v := range map[string]string{"recipient": recipient, "recipientType": rt, "type": typ} {
		if v != "" {
			q[k] = v
		}
	}
	return q
}

func multiQuery(typ, body string) func(*client, *Sim, *clock) answer {
	return func(c *client, _ *Sim, _ *clock) answer {
		return c.call("POST", sp+"/consents/BIREYSEL/status/"+typ, json.RawMessage(body))
	}
}

func changesQuery(query string) func(*client, *Sim, *clock) answer {
	return func(c *client, _ *Sim, _ *clock) answer { return c.call("GET", sp+"/consents/changes"+query, nil) }
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	return fmt.Sprint(x) == fmt.Sprint(y)
}
