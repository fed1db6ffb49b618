package iystest

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

type changePage struct {
	After string       `json:"after"`
	List  []wireChange `json:"list"`
}

func (c *client) changes(source, after string, limit int) changePage {
	c.t.Helper()
	q := url.Values{"source": {source}, "after": {after}}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	var p changePage
	c.must(c.call("GET", consents+"/changes?"+q.Encode(), nil), 200, &p)
	return p
}

// TestChangesPaging: the cursor walks the feed without gaps or repeats, in
// creationDate then transactionId order; an empty page keeps the cursor.
func TestChangesPaging(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	var want []string
	for i := range 5 {
		var ans addAnswer
		c.must(c.add(onay(fmt.Sprintf("+90532000000%d", i), t0.Add(-time.Hour))), 200, &ans)
		want = append(want, ans.TransactionID)
		if i == 2 {
			clk.Advance(time.Second)
		}
	}
	var got []wireChange
	after := ""
	for range 10 {
		p := c.changes("HS", after, 2)
		if len(p.List) == 0 {
			if p.After != after {
				t.Fatalf("empty page moved the cursor: %q -> %q", after, p.After)
			}
			break
		}
		if p.After != p.List[len(p.List)-1].TransactionID {
			t.Fatalf("after %q, last %q", p.After, p.List[len(p.List)-1].TransactionID)
		}
		got = append(got, p.List...)
		after = p.After
	}
	var ids []string
	for _, ch := range got {
		ids = append(ids, ch.TransactionID)
	}
	if !slices.Equal(ids, want) || !slices.IsSortedFunc(got, func(a, b wireChange) int {
		if a.CreationDate != b.CreationDate {
			return map[bool]int{true: -1, false: 1}[a.CreationDate < b.CreationDate]
		}
		return map[bool]int{true: -1, false: 1}[a.TransactionID < b.TransactionID]
	}) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	first := got[0]
	if first.Recipient != "+905320000000" || first.Status != "ONAY" || first.Type != "MESAJ" || first.RecipientType != "BIREYSEL" ||
		first.Source != "HS_WEB" || first.ConsentDate != date(t0.Add(-time.Hour)) || first.CreationDate != date(t0) {
		t.Errorf("change %+v", first)
	}
	// A new change after the end is found from the saved cursor.
	c.must(c.add(ret("+905320000000", t0)), 200, nil)
	if p := c.changes("HS", after, 0); len(p.List) != 1 || p.List[0].Status != "RET" {
		t.Fatalf("after the end: %+v", p)
	}
	// Default and maximum page size.
	if p := c.changes("HS", "", 5000); len(p.List) != 6 {
		t.Fatalf("limit above maximum: %d", len(p.List))
	}
}

// TestChangesSources: provider changes are in the HS feed, citizens' RETs
// in the IYS feed, and a citizen RET changes the stored state.
func TestChangesSources(t *testing.T) {
	sim, c, clk := newSim(t, Config{})
	const p2 = "+905320000002"
	c.must(c.add(onay(phone, t0.Add(-time.Hour))), 200, nil)
	var ret1 struct {
		TransactionID string `json:"transactionId"`
	}
	c.must(c.call("POST", "/_sim/citizen-ret", map[string]string{
		"iys_code": iysCode, "brand_code": brand, "recipient": phone, "type": "MESAJ", "recipient_type": "BIREYSEL",
	}), 200, &ret1)
	clk.Advance(time.Second)
	if err := sim.CitizenRet(iysCode, brand, p2, "ARAMA", "BIREYSEL"); err != nil { // no record before: a citizen may refuse anyway
		t.Fatal(err)
	}
	c.must(c.call("POST", "/_sim/citizen-ret", map[string]string{
		"iys_code": iysCode, "brand_code": brand, "recipient": "ali@firma.com", "type": "EPOSTA", "recipient_type": "BIREYSEL", "source": "IYS_MOBIL",
	}), 200, nil)

	hs, iys := c.changes("HS", "", 0), c.changes("IYS", "", 0)
	if len(hs.List) != 1 || hs.List[0].Source != "HS_WEB" {
		t.Fatalf("HS feed %+v", hs)
	}
	if len(iys.List) != 3 {
		t.Fatalf("IYS feed %+v", iys)
	}
	r := iys.List[0]
	if r.TransactionID != ret1.TransactionID || r.Status != "RET" || r.Source != "IYS_WEB" || r.ConsentDate != date(t0) || r.Recipient != phone {
		t.Errorf("citizen RET %+v", r)
	}
	if iys.List[1].Type != "ARAMA" || iys.List[2].Source != "IYS_MOBIL" {
		t.Errorf("IYS feed %+v", iys.List)
	}
	got, _ := sim.Consent(iysCode, brand, phone, "BIREYSEL", "MESAJ")
	if got.Status != "RET" || got.Source != "IYS_WEB" {
		t.Fatalf("stored %+v", got)
	}
	// The provider now sees the citizen's RET.
	wantCode(t, c.add(ret(phone, t0)), 422, CodeSameStatus)
	wantCode(t, c.add(onay(phone, t0.Add(-time.Minute))), 422, CodeDateNotLater)
	c.must(c.add(onay(phone, t0.Add(time.Second))), 200, nil)
	if st := sim.Stats(); st.Changes != 5 || st.ChangesBySource["IYS"] != 3 || st.ChangesBySource["HS"] != 2 {
		t.Errorf("stats %+v", st)
	}

	for _, bad := range []map[string]string{
		{"iys_code": iysCode, "brand_code": brand, "recipient": "05321234567", "type": "MESAJ", "recipient_type": "BIREYSEL"},
		{"iys_code": iysCode, "brand_code": brand, "recipient": phone, "type": "SMS", "recipient_type": "BIREYSEL"},
		{"iys_code": iysCode, "brand_code": brand, "recipient": phone, "type": "MESAJ", "recipient_type": "BIREYSEL", "source": "HS_WEB"},
		{"iys_code": iysCode, "recipient": phone, "type": "MESAJ", "recipient_type": "BIREYSEL"},
	} {
		if a := c.call("POST", "/_sim/citizen-ret", bad); a.status != 400 || a.code() == "" {
			t.Errorf("%v: %d %s", bad, a.status, a.body)
		}
	}
}

// TestChangesWindowAndDelay: the feed serves the last 7 days minus
// ChangeDelay.
func TestChangesWindowAndDelay(t *testing.T) {
	_, c, clk := newSim(t, Config{ChangeDelay: time.Hour, TokenTTL: 30 * 24 * time.Hour})
	c.token = c.login("u", "p") // with the long TTL
	c.must(c.add(onay(phone, t0.Add(-time.Hour))), 200, nil)
	if p := c.changes("HS", "", 0); len(p.List) != 0 {
		t.Fatalf("visible at once: %+v", p)
	}
	clk.Advance(time.Hour - time.Second)
	if p := c.changes("HS", "", 0); len(p.List) != 0 {
		t.Fatalf("visible before an hour: %+v", p)
	}
	clk.Advance(time.Second)
	p := c.changes("HS", "", 0)
	if len(p.List) != 1 {
		t.Fatalf("not visible after an hour: %+v", p)
	}
	cursor := p.After

	// A second change, a day later; the first leaves the window.
	clk.Advance(24 * time.Hour)
	c.must(c.add(ret(phone, clk.Now().Add(-time.Minute))), 200, nil)
	clk.Set(t0.Add(7*24*time.Hour + time.Hour)) // first change is 7 days and 1 hour old
	if p := c.changes("HS", "", 0); len(p.List) != 1 || p.List[0].Status != "RET" {
		t.Fatalf("window: %+v", p)
	}
	if p := c.changes("HS", cursor, 0); len(p.List) != 1 || p.List[0].Status != "RET" {
		t.Fatalf("from the old cursor: %+v", p)
	}
	clk.Advance(7 * 24 * time.Hour)
	if p := c.changes("HS", "", 0); len(p.List) != 0 {
		t.Fatalf("after 7 days: %+v", p)
	}
}

func TestChangesParams(t *testing.T) {
	sim, c, _ := newSim(t, Config{})
	c.must(c.add(onay(phone, t0)), 200, nil)
	for _, q := range []string{"", "source=hs", "source=HS&limit=0", "source=HS&limit=x", "source=HS&after=abc", "source=HS&after=" + sim.instance + "-1"} {
		wantCode(t, c.call("GET", consents+"/changes?"+q, nil), 400, CodeBadRequest)
	}
	// A cursor of another instance (a restarted simulator) reads from the start.
	foreign := "ffffffff-000000000099"
	if sim.instance == "ffffffff" {
		foreign = "eeeeeeee-000000000099"
	}
	if p := c.changes("HS", foreign, 0); len(p.List) != 1 {
		t.Fatalf("foreign cursor: %+v", p)
	}
	// Another brand's feed is its own.
	var p changePage
	c.must(c.call("GET", "/sps/"+iysCode+"/brands/700002/consents/changes?source=HS", nil), 200, &p)
	if len(p.List) != 0 || p.After != "" {
		t.Fatalf("other brand: %+v", p)
	}
}

// TestFeedTrim: old changes are dropped from memory, never from the window.
func TestFeedTrim(t *testing.T) {
	f := &feed{}
	day := int64(24 * time.Hour)
	for i := range 8192 {
		created := int64(i) * day / 100
		f.append(change{seq: int64(i + 1), created: created}, created-int64(ChangeWindow))
	}
	// 7 days hold 700 changes; trimming is lazy, so fewer than 4096 are kept.
	if len(f.list) >= 4096 || f.list[len(f.list)-1].seq != 8192 {
		t.Fatalf("kept %d", len(f.list))
	}
	now := 8191 * day / 100
	if got := f.page(-1, 1000, now, 0); got[0].created < now-int64(ChangeWindow) || len(got) != 701 { // 7 days of 100 a day, both ends in
		t.Fatalf("page from %d", got[0].created)
	}
}
