package iystest

import (
	"fmt"
	"testing"
	"time"
)

func TestBatchLimits(t *testing.T) {
	_, c, _ := newSim(t, Config{MaxBatch: 3})
	items := func(n int) []wireConsent {
		out := make([]wireConsent, n)
		for i := range out {
			out[i] = onay(fmt.Sprintf("+90532000000%d", i), t0)
		}
		return out
	}
	wantCode(t, c.call("POST", consents+"/request", items(4)), 400, CodeBatchTooLarge)
	c.request(items(3))
	wantCode(t, c.call("POST", consents+"/request", []byte(`[]`)), 400, CodeBadRequest)
	wantCode(t, c.call("POST", consents+"/request", onay(phone, t0)), 400, CodeBadRequest)
	wantCode(t, c.call("POST", consents+"/request", []byte(`[{"recipient":1}]`)), 400, CodeBadRequest)
	wantCode(t, c.call("POST", consents+"/request", []byte(`[{"recipient":"x"}`)), 400, CodeBadRequest)
}

// TestAsyncOrderWithinRequest: the items of a request are decided in
// request order, each seeing the effect of those before it.
func TestAsyncOrderWithinRequest(t *testing.T) {
	sim, c, _ := newSim(t, Config{})
	const p2, p3 = "+905320000002", "+905320000003"
	h := time.Hour
	bad := onay(phone, t0)
	bad.Type = "SMS"
	items := []wireConsent{
		onay(phone, t0.Add(-3*h)), // 0 success
		ret(phone, t0.Add(-2*h)),  // 1 success: sees 0
		ret(phone, t0.Add(-h)),    // 2 RET over RET
		ret(p2, t0.Add(-h)),       // 3 first record RET
		bad,                       // 4 H111
		ret(p3, t0.Add(-h)),       // 5 first record RET: 6 comes too late
		onay(p3, t0.Add(-2*h)),    // 6 success
		onay(phone, t0.Add(-3*h)), // 7 a late duplicate of 0: date not later
	}
	id := c.request(items)
	res := c.result(id)
	want := []struct{ status, code string }{
		{"success", ""}, {"success", ""}, {"failure", CodeSameStatus}, {"failure", CodeFirstRet},
		{"failure", CodeTypeInvalid}, {"failure", CodeFirstRet}, {"success", ""}, {"failure", CodeDateNotLater},
	}
	if len(res) != len(want) {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.Index != i || r.Status != want[i].status || r.SubrequestID == "" {
			t.Errorf("item %d: %+v, want %v", i, r, want[i])
			continue
		}
		if r.Status == "success" && (r.TransactionID == "" || r.CreationDate != date(t0) || r.Error != nil) {
			t.Errorf("item %d: success %+v", i, r)
		}
		if r.Status == "failure" && (r.Error == nil || r.Error.Code != want[i].code || r.Error.Message == "" || r.TransactionID != "") {
			t.Errorf("item %d: failure %+v, want %s", i, r, want[i].code)
		}
	}
	if got, _ := sim.Consent(iysCode, brand, phone, "BIREYSEL", "MESAJ"); got.Status != "RET" || got.TransactionID != res[1].TransactionID {
		t.Errorf("stored %+v", got)
	}
	st := sim.Stats()
	if st.Items.Success != 3 || st.Items.Failure != 5 || st.DuplicateDeliveries != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestAsyncEnqueueToFinal: items stay enqueue until their time, decided in
// order, spread over AsyncDelay.
func TestAsyncEnqueueToFinal(t *testing.T) {
	sim, c, clk := newSim(t, Config{AsyncDelay: 10 * time.Second})
	items := make([]wireConsent, 4)
	for i := range items {
		items[i] = onay(fmt.Sprintf("+90532000000%d", i), t0.Add(-time.Hour))
	}
	id := c.request(items)
	statuses := func() (s string) {
		for _, r := range c.result(id) {
			s += r.Status[:1]
		}
		return s
	}
	if got := statuses(); got != "eeee" {
		t.Fatalf("at once: %s", got)
	}
	if _, ok := sim.Consent(iysCode, brand, items[0].Recipient, "BIREYSEL", "MESAJ"); ok {
		t.Fatal("stored while enqueue")
	}
	if st := sim.Stats(); st.Items.Enqueue != 4 {
		t.Fatalf("stats %+v", st.Items)
	}
	clk.Advance(5 * time.Second)
	if got := statuses(); got != "ssee" {
		t.Fatalf("after 5 s: %s", got)
	}
	clk.Advance(4 * time.Second)
	if got := statuses(); got != "ssse" {
		t.Fatalf("after 9 s: %s", got)
	}
	clk.Advance(time.Second)
	res := c.result(id)
	if got := statuses(); got != "ssss" {
		t.Fatalf("after 10 s: %s", got)
	}
	// Each item was created at its due time, not at the poll.
	if res[0].CreationDate != date(t0.Add(2*time.Second)) || res[3].CreationDate != date(t0.Add(10*time.Second)) {
		t.Errorf("creation dates %s, %s", res[0].CreationDate, res[3].CreationDate)
	}
	if st := sim.Stats(); st.Items.Enqueue != 0 || st.Items.Success != 4 {
		t.Fatalf("stats %+v", st.Items)
	}
}

// TestAsyncRequestsInArrivalOrder: a later request's items wait for the
// earlier request, even when their own time has come.
func TestAsyncRequestsInArrivalOrder(t *testing.T) {
	sim, c, clk := newSim(t, Config{AsyncDelay: 10 * time.Second})
	a := c.request([]wireConsent{onay("+905320000009", t0.Add(-time.Hour)), onay(phone, t0.Add(-2*time.Hour))}) // due at 5 s and 10 s
	clk.Advance(time.Second)
	b := make([]wireConsent, 10) // due at 2 s, 3 s, ... 11 s
	b[0] = ret(phone, t0.Add(-time.Hour))
	for i := 1; i < len(b); i++ {
		b[i] = onay(fmt.Sprintf("+90533000000%d", i), t0.Add(-time.Hour))
	}
	bid := c.request(b)
	clk.Advance(2 * time.Second) // 3 s: b[0] is due but waits for a
	if r := c.result(bid); r[0].Status != "enqueue" {
		t.Fatalf("b[0] decided before a: %+v", r[0])
	}
	clk.Advance(8 * time.Second) // 11 s
	if r := c.result(bid); r[0].Status != "success" {
		t.Fatalf("b[0]: %+v (a: %+v)", r[0], c.result(a))
	}
	if got, _ := sim.Consent(iysCode, brand, phone, "BIREYSEL", "MESAJ"); got.Status != "RET" {
		t.Fatalf("stored %+v", got)
	}
}

// TestAsyncSingleAddInterleaved: a single add decides after whatever of a
// request has fallen due before it.
func TestAsyncSingleAddInterleaved(t *testing.T) {
	_, c, clk := newSim(t, Config{AsyncDelay: 10 * time.Second})
	c.request([]wireConsent{onay(phone, t0.Add(-2*time.Hour))})
	wantCode(t, c.add(ret(phone, t0.Add(-time.Hour))), 422, CodeFirstRet) // the ONAY is still enqueue
	clk.Advance(10 * time.Second)
	c.must(c.add(ret(phone, t0.Add(-time.Hour))), 200, nil)
}

func TestAsyncResultNotFound(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	id := c.request([]wireConsent{onay(phone, t0)})
	wantCode(t, c.call("GET", consents+"/request/bilinmeyen", nil), 404, CodeNotFound)
	wantCode(t, c.call("GET", "/sps/"+iysCode+"/brands/700002/consents/request/"+id, nil), 404, CodeNotFound)
	clk.Advance(7*24*time.Hour - time.Second)
	c.token = c.login("u", "p")
	c.result(id)
	clk.Advance(time.Second)
	wantCode(t, c.call("GET", consents+"/request/"+id, nil), 404, CodeNotFound)
}
