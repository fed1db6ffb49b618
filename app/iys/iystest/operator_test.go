package iystest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The operator makes İYS refuse a recipient's next movement with a code:
// synchronously for İYS's synchronous codes (the list refused whole with
// the item's index), when decided for the others; once.
func TestRefuseNextMovement(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	refuse := func(recipient, code string) {
		t.Helper()
		if err := s.Refuse(Refusal{IYSCode: iysCode, BrandCode: brandOne, Recipient: recipient, Type: "MESAJ", Code: code}); err != nil {
			t.Fatal(err)
		}
	}
	refuse("+905320000002", "H467")
	a := c.call("POST", sp+"/consents/request", []consentBody{onay("+905320000001", at), onay("+905320000002", at)})
	wantCodes(t, a, 422, "H467")
	if e := a.apiErrors()[0]; *e.Index != 1 {
		t.Errorf("index %d, want 1", *e.Index)
	}
	refuse("+905320000001", "H178")
	l := c.list([]consentBody{onay("+905320000001", at), onay("+905320000002", at)}, true)
	r := c.result(l.RequestID, true)
	if errCode(r[0]) != "H178" || r[1].Status != "success" {
		t.Fatalf("decided refusal: %+v", r)
	}
	refuse("+905320000003", "H175")
	wantCodes(t, c.add(onay("+905320000003", at), true), 400, "H175")
	c.must(c.add(onay("+905320000003", at), true), 200, nil) // once
	if err := s.Refuse(Refusal{IYSCode: iysCode, BrandCode: brandOne, Recipient: "+905320000003", Type: "MESAJ", Code: "H999"}); err == nil {
		t.Error("an unknown code accepted")
	}
	// The same through the HTTP endpoint.
	post(t, c.base+"/_sim/refuse", `{"iys_code":"700100","brand_code":"700101","recipient":"+905320000004","type":"MESAJ","code":"H178"}`, 200)
	wantCodes(t, c.add(onay("+905320000004", at), false), 400, "H178")
}

func TestBlockCompany(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	post(t, c.base+"/_sim/company", `{"iys_code":"700100","code":"H521"}`, 200)
	wantCodes(t, c.add(onay("+905320000001", at), false), 403, "H521")
	wantCodes(t, c.call("GET", sp+"/consents/changes", nil), 403, "H521")
	if err := s.BlockCompany(iysCode, ""); err != nil {
		t.Fatal(err)
	}
	c.must(c.add(onay("+905320000001", at), false), 200, nil)
}

func TestBrandsAndIntegrator(t *testing.T) {
	s, c, clk := newSim(t, Config{Brands: map[string][]string{iysCode: {iysCode, brandOne}}})
	c.must(c.add(onay("+905320000001", clk.Now().Add(-time.Hour)), false), 200, nil)
	wantCodes(t, c.call("POST", "/sps/700100/brands/700199/consents", onay("+905320000001", clk.Now())), 403, "H353")
	var brands []struct {
		BrandCode json.Number
		Master    bool
		Stats     brandStats
	}
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, &brands)
	if len(brands) != 2 || brands[0].BrandCode != iysCode || !brands[0].Master || brands[1].Stats.Consents.Approval != 1 {
		t.Fatalf("brands %+v", brands)
	}
	// Unconfigured: every integrator is assigned every brand, with write.
	var ans struct{ List []map[string]any }
	c.must(c.call("GET", "/integrator/900900/sps/"+iysCode, nil), 200, &ans)
	if len(ans.List) != 2 || ans.List[1]["MESAJ"] != "write" {
		t.Fatalf("permissive integrator: %+v", ans)
	}
	s.SetGrants("900900", []Grant{{IYSCode: iysCode, BrandCode: brandOne, Access: map[string]string{"MESAJ": "write", "ARAMA": "read"}}})
	ans.List = nil
	c.must(c.call("GET", "/integrator/900900/sps/"+iysCode, nil), 200, &ans)
	if len(ans.List) != 1 || ans.List[0]["MESAJ"] != "write" || ans.List[0]["ARAMA"] != "read" || ans.List[0]["EPOSTA"] != nil {
		t.Fatalf("configured: %+v", ans)
	}
	wantCodes(t, c.call("GET", "/integrator/900900/sps/700200", nil), 403, "H353")
	wantCodes(t, c.call("GET", "/integrator/900901/sps/"+iysCode, nil), 404, "H031")
}

// Injected faults: each kind with İYS's code, before processing; lost
// answers after an add was processed.
func TestFaults(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	for _, tc := range []struct {
		mix    FaultMix
		status int
		code   string
	}{{FaultMix{TooMany: 1}, 429, "H124"}, {FaultMix{Server: 1}, 500, "H015"}, {FaultMix{Unavailable: 1}, 503, "H192"}} {
		s.SetFaults(Faults{FailRate: 1, Mix: tc.mix})
		wantCodes(t, c.add(onay("+905320000001", at), false), tc.status, tc.code)
	}
	s.SetFaults(Faults{FailRate: 1, Mix: FaultMix{Drop: 1}})
	if _, err := http.Post(c.base+sp+"/consents", "application/json", strings.NewReader("{}")); err == nil {
		t.Error("a dropped call answered")
	}
	s.SetFaults(Faults{LoseAnswers: 1})
	if _, err := http.Post(c.base+sp+"/consents", "application/json", strings.NewReader("{}")); err != nil {
		t.Fatal("a refused add is not lost: ", err)
	}
	req, _ := http.NewRequest("POST", c.base+sp+"/consents", strings.NewReader(fmt.Sprintf(`{"recipient":"+905320000005","type":"MESAJ","status":"ONAY","source":"HS_WEB","consentDate":%q}`, date(at))))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("the answer of a processed add was not lost")
	}
	s.SetFaults(Faults{})
	if c.status("+905320000005", "MESAJ") == nil {
		t.Error("the add whose answer was lost was not stored")
	}
	st := s.Stats()
	if st.Requests["consent_add"]["lost"] != 1 || st.Requests["consent_add"]["dropped"] != 1 || st.Requests["consent_add"]["429"] != 1 {
		t.Errorf("outcomes %+v", st.Requests["consent_add"])
	}
	post(t, c.base+"/_sim/faults", `{"fail_rate":0.5,"mix":{"drop":1},"latency":1000000}`, 200)
	if f := s.faults.get(); f.FailRate != 0.5 || f.Latency != time.Millisecond || f.Mix.Drop != 1 {
		t.Errorf("faults %+v", f)
	}
}

func post(t *testing.T, url, body string, status int) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != status {
		t.Fatalf("%s: %d %s", url, res.StatusCode, b)
	}
}

func TestUnknownPath(t *testing.T) {
	_, c, _ := newSim(t, Config{})
	wantCodes(t, c.call("POST", sp+"/consents/status/multiple", map[string]any{}), 404, "SIM_NOT_FOUND")
}
