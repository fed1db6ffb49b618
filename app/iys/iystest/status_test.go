package iystest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	_, c, _ := newSim(t, Config{})
	q := map[string]string{"recipient": phone, "recipientType": "BIREYSEL", "type": "MESAJ"}
	wantCode(t, c.call("POST", consents+"/status", q), 404, CodeConsentNotFound)
	w := onay(phone, t0.Add(-time.Hour))
	w.RetailerCode, w.RetailerAccess = json.RawMessage(`12345`), json.RawMessage(`[12345, 67890]`)
	var added addAnswer
	c.must(c.add(w), 200, &added)
	var got map[string]any
	c.must(c.call("POST", consents+"/status", q), 200, &got)
	want := map[string]any{
		"recipient": phone, "type": "MESAJ", "status": "ONAY", "recipientType": "BIREYSEL", "source": "HS_WEB",
		"consentDate": date(t0.Add(-time.Hour)), "creationDate": date(t0), "transactionId": added.TransactionID,
		"retailerCode": 12345.0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
	if a, _ := got["retailerAccess"].([]any); len(a) != 2 {
		t.Errorf("retailerAccess %v", got["retailerAccess"])
	}
	for _, bad := range []struct {
		q    map[string]string
		code string
	}{
		{map[string]string{"recipient": "05321234567", "recipientType": "BIREYSEL", "type": "MESAJ"}, CodeRecipientInvalid},
		{map[string]string{"recipient": phone, "recipientType": "BIREYSEL", "type": "SMS"}, CodeTypeInvalid},
		{map[string]string{"recipient": phone, "recipientType": "bireysel", "type": "MESAJ"}, CodeRecipientTypeInvalid},
	} {
		wantCode(t, c.call("POST", consents+"/status", bad.q), 400, bad.code)
	}
}

func TestStatusMultiple(t *testing.T) {
	_, c, _ := newSim(t, Config{})
	var recipients []string
	for i := range 4 {
		r := fmt.Sprintf("+90532000000%d", i)
		recipients = append(recipients, r)
		if i%2 == 0 {
			c.must(c.add(onay(r, t0)), 200, nil)
		}
	}
	path := consents + "/status/multiple"
	q := map[string]any{"type": "MESAJ", "recipientType": "BIREYSEL", "recipients": append(recipients, recipients[2])}
	var ans struct {
		List []StoredConsent `json:"list"`
	}
	c.must(c.call("POST", path, q), 200, &ans)
	if len(ans.List) != 2 || ans.List[0].Recipient != recipients[0] || ans.List[1].Recipient != recipients[2] || ans.List[0].TransactionID == "" {
		t.Fatalf("%+v", ans)
	}
	q["type"] = "ARAMA"
	c.must(c.call("POST", path, q), 200, &ans)
	if len(ans.List) != 0 {
		t.Fatalf("ARAMA: %+v", ans)
	}
	many := make([]string, MaxRecipients+1)
	for i := range many {
		many[i] = fmt.Sprintf("+90532%07d", i)
	}
	wantCode(t, c.call("POST", path, map[string]any{"type": "MESAJ", "recipientType": "BIREYSEL", "recipients": many}), 400, CodeTooManyRecipients)
	c.must(c.call("POST", path, map[string]any{"type": "MESAJ", "recipientType": "BIREYSEL", "recipients": many[:MaxRecipients]}), 200, nil)
	wantCode(t, c.call("POST", path, map[string]any{"type": "MESAJ", "recipientType": "BIREYSEL", "recipients": []string{"5321234567"}}), 400, CodeRecipientInvalid)
}

// TestStats: the HTTP view equals Stats(), needs no token and counts calls
// by kind and status.
func TestStats(t *testing.T) {
	sim, c, _ := newSim(t, Config{})
	c.must(c.add(onay(phone, t0)), 200, nil)
	wantCode(t, c.add(onay(phone, t0)), 422, CodeSameStatus)
	id := c.request([]wireConsent{onay("+905320000001", t0), ret("+905320000002", t0)})
	c.result(id)
	c.token = ""
	var raw map[string]json.RawMessage
	c.must(c.call("GET", "/_sim/stats", nil), 200, &raw)
	for _, k := range []string{"consents_stored", "duplicate_deliveries", "requests", "items", "changes"} {
		if raw[k] == nil {
			t.Errorf("no %s in %v", k, raw)
		}
	}
	var st Stats
	c.must(c.call("GET", "/_sim/stats", nil), 200, &st)
	want := map[string]map[string]int{
		KindToken: {"200": 1}, KindConsentAdd: {"200": 1, "422": 1},
		KindConsentRequest: {"200": 1}, KindConsentRequestResult: {"200": 1},
	}
	if fmt.Sprint(st.Requests) != fmt.Sprint(want) {
		t.Errorf("requests %v, want %v", st.Requests, want)
	}
	if st.ConsentsStored != 2 || st.DuplicateDeliveries != 1 || st.Items != (ItemStats{Success: 1, Failure: 1}) || st.Changes != 2 || st.AsyncRequests != 1 {
		t.Errorf("stats %+v", st)
	}
	if fmt.Sprint(sim.Stats()) != fmt.Sprint(st) {
		t.Errorf("Stats() %+v differs from HTTP %+v", sim.Stats(), st)
	}
}
