package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

type checkView struct {
	CheckedAt string `json:"checked_at"`
	Results   []struct {
		Recipient   string
		Normalized  string
		Status      string
		ConsentDate *string `json:"consent_date"`
		Source      string
		Code        string
		Message     string
	}
}

func postCheck(t *testing.T, c *client, body map[string]any) (response, checkView) {
	t.Helper()
	r := c.postJSON("/api/v1/check", body)
	var v checkView
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &v); err != nil {
			t.Fatalf("check: %v: %s", err, r.body)
		}
	}
	return r, v
}

// The check API answers a list in order: a number written five ways finds
// the same consent, RET and missing records are told apart, malformed
// recipients are answered GECERSIZ with their code, a TACIR recipient
// without a record says so; other companies' brands are refused and the
// size limit is a clear 422.
func TestCheckAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "810001")
	other := e.brand("Başka Firma", "Başka Marka", "810002")
	personel := e.apiClient(e.user("personel@ornek.com.tr", "personel", b.ID))
	musteri := e.apiClient(e.user("musteri@ornek.com.tr", "musteri", b.ID))
	stranger := e.apiClient(e.user("musteri@baska.com.tr", "musteri", other.ID))
	record := func(recipient, typ, status, date string) {
		t.Helper()
		r := personel.postJSON("/api/v1/consents", map[string]string{"brand_code": "810001", "recipient": recipient,
			"recipient_type": "BIREYSEL", "type": typ, "status": status, "source": "HS_WEB", "consent_date": date})
		if r.status != http.StatusCreated {
			t.Fatalf("record %s %s: %d %s", recipient, status, r.status, r.body)
		}
	}
	at := func(ago time.Duration) string {
		return time.Now().Add(-ago).In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05")
	}
	record("+905321112233", "MESAJ", "ONAY", at(time.Hour))
	record("+905321112244", "MESAJ", "ONAY", at(time.Hour))
	record("+905321112244", "MESAJ", "RET", at(time.Minute))
	record("Ayse@Ornek.COM.TR", "EPOSTA", "ONAY", at(time.Hour))
	e.waitFinal("the recorded consents") // the check answers what İYS holds

	var five = []any{"05321112233", "+90 532 111 22 33", "0090 (532) 111-22-33", "532.111.22.33", 905321112233}
	list := append(append([]any{}, five...), "+905321112244", "+905329999999", "12345", "")
	r, v := postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "sms", "recipients": list})
	if r.status != http.StatusOK || len(v.Results) != len(list) || v.CheckedAt == "" {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	for i := range five {
		got := v.Results[i]
		if got.Status != "ONAY" || got.Normalized != "+905321112233" || got.Source != "HS_WEB" || got.ConsentDate == nil ||
			got.Recipient != fmt.Sprint(five[i]) {
			t.Errorf("written as %v: %+v", five[i], got)
		}
	}
	want := []struct{ status, code string }{{"RET", ""}, {"YOK", ""}, {"GECERSIZ", "PHONE_INVALID"}, {"GECERSIZ", "RECIPIENT_MISSING"}}
	for i, w := range want {
		got := v.Results[len(five)+i]
		if got.Status != w.status || got.Code != w.code || (w.code != "" && got.Message == "") {
			t.Errorf("result %d: want %s %s, got %+v", len(five)+i, w.status, w.code, got)
		}
	}

	// E-mail: the domain's case does not matter; the phone consents are
	// not e-mail consents.
	_, v = postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "EPOSTA", "recipients": []string{"Ayse@ornek.com.tr", "nobody@ornek.com.tr", "not-an-address"}})
	if len(v.Results) != 3 || v.Results[0].Status != "ONAY" || v.Results[1].Status != "YOK" || v.Results[2].Code != "EMAIL_INVALID" {
		t.Fatalf("e-mail check: %+v", v.Results)
	}
	// A TACIR recipient without a record is reported as such.
	_, v = postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "MESAJ", "recipient_type": "TACIR", "recipients": []string{"05321112233"}})
	if len(v.Results) != 1 || v.Results[0].Status != "YOK" || v.Results[0].Code != "TACIR_NO_RECORD" {
		t.Fatalf("TACIR: %+v", v.Results)
	}
	// ARAMA has no record for the MESAJ consents.
	_, v = postCheck(t, personel, map[string]any{"brand_code": "810001", "type": "ARAMA", "recipients": []string{"05321112233"}})
	if len(v.Results) != 1 || v.Results[0].Status != "YOK" || v.Results[0].Code != "" {
		t.Fatalf("ARAMA: %+v", v.Results)
	}

	// One recipient (its own query) and none well-formed.
	_, v = postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "MESAJ", "recipients": []string{"0532 111 22 44"}})
	if len(v.Results) != 1 || v.Results[0].Status != "RET" || v.Results[0].ConsentDate == nil || v.Results[0].Normalized != "+905321112244" {
		t.Fatalf("one RET: %+v", v.Results)
	}
	_, v = postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "MESAJ", "recipients": []string{"x", "0532"}})
	if len(v.Results) != 2 || v.Results[0].Status != "GECERSIZ" || v.Results[1].Status != "GECERSIZ" {
		t.Fatalf("none well-formed: %+v", v.Results)
	}

	// Another company's brand, and a brand that does not exist: 403.
	for _, code := range []string{"810001", "999999"} {
		r, _ = postCheck(t, stranger, map[string]any{"brand_code": code, "type": "MESAJ", "recipients": []string{"05321112233"}})
		if r.status != http.StatusForbidden || decodeErr(t, r).Error.Code != "BRAND_FORBIDDEN" || strings.Contains(r.body, "+90532") {
			t.Fatalf("brand %s for a stranger: %d %s", code, r.status, r.body)
		}
	}
	// Bad channel or recipient type, no recipients: 422 with the field.
	for field, body := range map[string]map[string]any{
		"type":           {"brand_code": "810001", "type": "FAX", "recipients": []string{"05321112233"}},
		"recipient_type": {"brand_code": "810001", "type": "MESAJ", "recipient_type": "KURUM", "recipients": []string{"05321112233"}},
		"recipients":     {"brand_code": "810001", "type": "MESAJ", "recipients": []string{}},
	} {
		r, _ = postCheck(t, musteri, body)
		if r.status != http.StatusUnprocessableEntity || len(decodeErr(t, r).Error.Fields) == 0 || decodeErr(t, r).Error.Fields[0].Field != field {
			t.Errorf("bad %s: %d %s", field, r.status, r.body)
		}
	}
	// 10,000 recipients are answered; 10,001 are a clear 422.
	big := make([]string, 10_000)
	for i := range big {
		big[i] = fmt.Sprintf("0532%07d", i)
	}
	r, v = postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "MESAJ", "recipients": big})
	if r.status != http.StatusOK || len(v.Results) != 10_000 {
		t.Fatalf("10,000: %d (%d results)", r.status, len(v.Results))
	}
	r, _ = postCheck(t, musteri, map[string]any{"brand_code": "810001", "type": "MESAJ", "recipients": append(big, "05320000000")})
	if r.status != http.StatusUnprocessableEntity || decodeErr(t, r).Error.Code != "TOO_MANY_RECIPIENTS" || !strings.Contains(r.body, "10.000") {
		t.Fatalf("10,001: %d %s", r.status, r.body)
	}

	// The answers are counted by channel and result.
	m := e.client().get("/metrics").body
	for series, n := range map[string]int{`channel="MESAJ",result="ONAY"`: 5, `channel="MESAJ",result="RET"`: 2,
		`channel="MESAJ",result="GECERSIZ"`: 4, `channel="EPOSTA",result="ONAY"`: 1} {
		re := regexp.MustCompile(`iysgate_check_recipients_total\{` + regexp.QuoteMeta(series) + `\} (\d+)`)
		got := re.FindStringSubmatch(m)
		if got == nil || got[1] != fmt.Sprint(n) {
			t.Errorf("metric %s: want %d, got %v", series, n, got)
		}
	}
}
