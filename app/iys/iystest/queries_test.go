package iystest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	if got := c.status("+905320000001", "MESAJ"); got != nil {
		t.Fatalf("a key without a record: %+v", got)
	}
	wantCodes(t, c.call("POST", sp+"/consents/status", map[string]string{"recipient": "+905320000001", "recipientType": "BIREYSEL", "type": "MESAJ"}),
		404, "SIM_CONSENT_NOT_FOUND")
	var added addAnswer
	c.must(c.add(onay("+905320000001", at), false), 200, &added)
	got := c.status("+905320000001", "MESAJ")
	if got == nil || got.Status != "ONAY" || got.ConsentDate != date(at) || got.TransactionID != added.TransactionID || got.Source != "HS_WEB" {
		t.Fatalf("status %+v after adding %+v", got, added)
	}
	if c.status("+905320000001", "ARAMA") != nil {
		t.Error("another channel has no record")
	}
}

// The multiple status query answers the ONAY recipients as strings, in the
// order asked, lower-cased for e-mail; its maximum follows Config.
func TestStatusMulti(t *testing.T) {
	for _, max := range []int{0, 1000} {
		t.Run(fmt.Sprint("max ", max), func(t *testing.T) {
			_, c, clk := newSim(t, Config{MaxRecipients: max})
			at := clk.Now().Add(-time.Hour)
			c.must(c.add(onay("+905320000002", at), false), 200, nil)
			c.must(c.add(onay("+905320000003", at), false), 200, nil)
			c.must(c.add(ret("+905320000003", at.Add(time.Minute)), false), 200, nil)
			c.must(c.add(onay("Bir@Ornek.com", at), false), 200, nil)
			var ans struct {
				RequestID string
				List      []string
			}
			c.must(c.call("POST", sp+"/consents/BIREYSEL/status/MESAJ", map[string][]string{
				"recipients": {"+905320000003", "+905320000002", "+905320000001"}}), 200, &ans)
			if !slices.Equal(ans.List, []string{"+905320000002"}) || ans.RequestID == "" {
				t.Errorf("ONAY ones: %+v", ans)
			}
			c.must(c.call("POST", sp+"/consents/BIREYSEL/status/EPOSTA", map[string][]string{"recipients": {"BIR@ornek.com"}}), 200, &ans)
			if !slices.Equal(ans.List, []string{"bir@ornek.com"}) {
				t.Errorf("e-mail: %+v", ans.List)
			}
			n := 100
			if max > 0 {
				n = max
			}
			recipients := make([]string, n+1)
			for i := range recipients {
				recipients[i] = fmt.Sprintf("+90533%07d", i)
			}
			c.must(c.call("POST", sp+"/consents/BIREYSEL/status/MESAJ", map[string][]string{"recipients": recipients[:n]}), 200, nil)
			wantCodes(t, c.call("POST", sp+"/consents/BIREYSEL/status/MESAJ", map[string][]string{"recipients": recipients}), 422, "H127")
		})
	}
}

// The history lists every movement, the latest first, in pages of at most
// 100.
func TestHistory(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	for i := range 5 {
		b := onay("+905320000001", at.Add(time.Duration(i)*time.Minute))
		if i%2 == 1 {
			b = ret("+905320000001", at.Add(time.Duration(i)*time.Minute))
		}
		c.must(c.add(b, false), 200, nil)
	}
	type page struct {
		List       []statusAnswer
		Pagination struct{ TotalCount, PageSize, Offset int }
	}
	var p page
	q := map[string]string{"recipient": "+905320000001", "recipientType": "BIREYSEL", "type": "MESAJ"}
	c.must(c.call("POST", sp+"/consents/history?limit=2&offset=1", q), 200, &p)
	if p.Pagination.TotalCount != 5 || p.Pagination.PageSize != 2 || len(p.List) != 2 ||
		p.List[0].ConsentDate != date(at.Add(3*time.Minute)) || p.List[1].Status != "ONAY" {
		t.Fatalf("page %+v", p)
	}
	c.must(c.call("POST", sp+"/consents/history", map[string]string{"recipient": "+905320000009", "recipientType": "BIREYSEL", "type": "MESAJ"}), 200, &p)
	if len(p.List) != 0 || p.Pagination.TotalCount != 0 {
		t.Errorf("a key without a record: %+v", p)
	}
}

// The pull: 204 when nothing is new, the cursor as İYS gives it, pages of
// at most the limit, the last hour hidden, seven days kept, both families.
func TestChanges(t *testing.T) {
	s, c, clk := newSim(t, Config{ChangeDelay: time.Hour})
	at := clk.Now().Add(-time.Hour)
	type page struct {
		After string
		List  []wireChange
	}
	get := func(query string) (page, int) {
		var p page
		a := c.call("GET", sp+"/consents/changes"+query, nil)
		if a.status == 200 {
			_ = json.Unmarshal(a.body, &p)
		}
		return p, a.status
	}
	if _, st := get("?source=HS"); st != 204 {
		t.Fatalf("empty feed: %d", st)
	}
	for i := range 5 {
		c.must(c.add(onay(fmt.Sprintf("+90532000000%d", i), at), false), 200, nil)
	}
	if _, err := s.CitizenMove(Citizen{IYSCode: iysCode, BrandCode: brandOne, Recipient: "+905320000001", Type: "MESAJ"}); err != nil {
		t.Fatal(err)
	}
	if _, st := get("?source=HS"); st != 204 {
		t.Fatalf("within the last hour: %d", st)
	}
	clk.Advance(time.Hour + time.Second)
	p, _ := get("?source=HS&limit=3")
	if len(p.List) != 3 || p.List[0].Recipient != "+905320000000" {
		t.Fatalf("first page: %+v", p)
	}
	p2, _ := get("?source=HS&after=" + p.After)
	if len(p2.List) != 2 || p2.List[0].Recipient != "+905320000003" {
		t.Fatalf("second page: %+v", p2)
	}
	if _, st := get("?source=HS&after=" + p2.After); st != 204 {
		t.Fatalf("after the last: %d", st)
	}
	iys, _ := get("")
	if len(iys.List) != 1 || iys.List[0].Source != "IYS_WEB" || iys.List[0].Status != "RET" {
		t.Fatalf("source defaults to IYS: %+v", iys)
	}
	// A cursor of another instance reads from its second on.
	if p, _ := get("?source=HS&after=1_" + "0000"); len(p.List) != 5 {
		t.Errorf("a foreign cursor: %d changes", len(p.List))
	}
	clk.Advance(7 * 24 * time.Hour)
	c.token = c.login("entegrator", "parola")
	if _, st := get("?source=HS"); st != 204 {
		t.Errorf("older than seven days: %d", st)
	}
	wantCodes(t, c.call("GET", sp+"/consents/changes?after=bozuk", nil), 400, "H098")
}

// A recipient adding the brand in İYS comes as IYS_WEB_YENI with the name.
func TestCitizenFirstAddition(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	if _, err := s.CitizenMove(Citizen{IYSCode: iysCode, BrandCode: brandOne, Recipient: "Ayse@Ornek.com", Type: "EPOSTA", Status: "ONAY", CitizenName: "Ayşe Yılmaz"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	var p struct{ List []wireChange }
	c.must(c.call("GET", sp+"/consents/changes?source=IYS", nil), 200, &p)
	if len(p.List) != 1 || p.List[0].Source != "IYS_WEB_YENI" || p.List[0].CitizenName != "Ayşe Yılmaz" || p.List[0].Recipient != "ayse@ornek.com" {
		t.Fatalf("%+v", p.List)
	}
	if _, err := s.CitizenMove(Citizen{IYSCode: iysCode, BrandCode: brandOne, Recipient: "+905320000001", Type: "MESAJ", Source: "HS_WEB"}); err == nil {
		t.Error("a provider source accepted as a recipient's own")
	}
}
