package iystest

import (
	"strings"
	"testing"
	"time"
)

// TestFailRateAll: with FailRate 1 every API call fails, in each of the
// four ways, before anything is processed.
func TestFailRateAll(t *testing.T) {
	sim, c, _ := newSim(t, Config{Seed: 7})
	sim.SetFaults(1, 0, 0)
	seen := map[string]int{}
	const n = 200
	for i := range n {
		var a answer
		switch i % 3 {
		case 0:
			a = c.add(onay(phone, t0))
		case 1:
			a = c.call("GET", "/sps/"+iysCode+"/brands", nil)
		case 2:
			a = c.tokenCall(map[string]string{"username": "u", "password": "p", "grant_type": "password"})
		}
		switch {
		case a.err != nil:
			seen["dropped"]++
		case a.status == 429:
			wantCode(t, a, 429, CodeRateLimited)
			if a.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			seen["429"]++
		case a.status == 500:
			wantCode(t, a, 500, CodeServerError)
			seen["500"]++
		case a.status == 503:
			wantCode(t, a, 503, CodeUnavailable)
			seen["503"]++
		default:
			t.Fatalf("call %d succeeded: %d %s", i, a.status, a.body)
		}
	}
	for _, k := range []string{"dropped", "429", "500", "503"} {
		if seen[k] < n/10 {
			t.Errorf("%s: %d of %d", k, seen[k], n)
		}
	}
	st := sim.Stats()
	if st.ConsentsStored != 0 {
		t.Errorf("stored %d under faults", st.ConsentsStored)
	}
	total := 0
	for kind, m := range st.Requests {
		for outcome, k := range m {
			if kind != KindToken || outcome != "200" { // newSim's login
				total += k
			}
		}
	}
	if total != n || st.Requests[KindConsentAdd]["dropped"] == 0 {
		t.Errorf("requests %v", st.Requests)
	}
	// /_sim paths are never faulted.
	c.must(c.call("GET", "/_sim/stats", nil), 200, nil)

	sim.SetFaults(0, 0, 0)
	c.must(c.add(onay(phone, t0)), 200, nil)
}

// TestLoseAnswers: the consent is stored, the answer is lost, and the
// resend counts as a duplicate delivery.
func TestLoseAnswers(t *testing.T) {
	sim, c, _ := newSim(t, Config{LoseAnswers: 1})
	a := c.add(onay(phone, t0))
	if a.err == nil {
		t.Fatalf("answer arrived: %d %s", a.status, a.body)
	}
	if _, ok := sim.Consent(iysCode, brand, phone, "BIREYSEL", "MESAJ"); !ok {
		t.Fatal("not stored")
	}
	// Failed calls are not "successful mutating calls": their answers arrive.
	wantCode(t, c.add(ret("+905320000001", t0)), 422, CodeFirstRet)
	// Reads are never lost.
	c.must(c.call("POST", consents+"/status", map[string]string{"recipient": phone, "recipientType": "BIREYSEL", "type": "MESAJ"}), 200, nil)
	// An async request is registered and decided, its answer lost.
	const p2 = "+905320000002"
	if a := c.call("POST", consents+"/request", []wireConsent{onay(p2, t0)}); a.err == nil {
		t.Fatalf("request answer arrived: %d", a.status)
	}
	if _, ok := sim.Consent(iysCode, brand, p2, "BIREYSEL", "MESAJ"); !ok {
		t.Fatal("async item not stored")
	}

	sim.SetFaults(0, 0, 0)
	wantCode(t, c.add(onay(phone, t0)), 422, CodeSameStatus)
	id := c.request([]wireConsent{onay(p2, t0)})
	if r := c.result(id); r[0].Error == nil || r[0].Error.Code != CodeSameStatus {
		t.Fatalf("resend: %+v", r[0])
	}
	st := sim.Stats()
	if st.DuplicateDeliveries != 2 || st.Requests[KindConsentAdd]["lost"] != 1 || st.Requests[KindConsentRequest]["lost"] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestDuplicateDeliveries: only an identical resend counts, including a
// late one of a replaced version, whatever the answer.
func TestDuplicateDeliveries(t *testing.T) {
	sim, c, _ := newSim(t, Config{})
	h := time.Hour
	c.must(c.add(onay(phone, t0.Add(-2*h))), 200, nil)
	c.must(c.add(ret(phone, t0.Add(-h))), 200, nil)
	wantCode(t, c.add(onay(phone, t0.Add(-2*h))), 422, CodeDateNotLater) // old version again: duplicate
	wantCode(t, c.add(ret(phone, t0.Add(-h))), 422, CodeSameStatus)      // current again: duplicate
	wantCode(t, c.add(ret(phone, t0.Add(-h/2))), 422, CodeSameStatus)    // other date: not a duplicate
	other := ret(phone, t0.Add(-h))
	other.Source = "HS_MESAJ"
	wantCode(t, c.add(other), 422, CodeSameStatus) // other source: not a duplicate
	if st := sim.Stats(); st.DuplicateDeliveries != 2 {
		t.Errorf("duplicates %d, want 2", st.DuplicateDeliveries)
	}
}

func TestLatency(t *testing.T) {
	sim, c, _ := newSim(t, Config{Latency: 50 * time.Millisecond})
	start := time.Now()
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, nil)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %v", d)
	}
	sim.SetFaults(0, 0, 0)
	start = time.Now()
	c.must(c.call("GET", "/_sim/stats", nil), 200, nil)
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, nil)
	if d := time.Since(start); d > 40*time.Millisecond {
		t.Errorf("latency still applied: %v", d)
	}
}

func TestSimFaultsEndpoint(t *testing.T) {
	sim, c, _ := newSim(t, Config{})
	var got map[string]float64
	c.must(c.call("POST", "/_sim/faults", []byte(`{"fail_rate":1,"latency_ms":5}`)), 200, &got)
	if got["fail_rate"] != 1 || got["lose_answers"] != 0 || got["latency_ms"] != 5 {
		t.Fatalf("%v", got)
	}
	if a := c.call("GET", "/sps/"+iysCode+"/brands", nil); a.err == nil && a.status == 200 {
		t.Fatal("no fault")
	}
	sim.SetFaults(0, 0, 0)
	wantCode(t, c.call("POST", "/_sim/faults", []byte(`{`)), 400, CodeBadRequest)
	if !strings.Contains(string(c.call("GET", "/_sim/stats", nil).body), `"consents_stored"`) {
		t.Error("stats")
	}
}
