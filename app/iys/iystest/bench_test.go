package iystest

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkAsyncRequest pushes 10,000-consent requests through the HTTP API
// (request, then one poll that finds every item final) with new recipients
// each time, so the state grows as in a real bulk delivery. Building the
// request bodies is not timed; reading the answers is. -benchtime=100x
// delivers 1,000,000 consents.
func BenchmarkAsyncRequest(b *testing.B) {
	const n = 10000
	sim, srv := NewServer(b, Config{})
	c := &client{t: b, base: srv.URL, hc: srv.Client()}
	c.token = c.login("u", "p")
	consentDate := date(time.Now().Add(-time.Minute))
	success := []byte(`"status":"success"`)
	next := 0
	body := func() []byte {
		buf := make([]byte, 0, n*160)
		buf = append(buf, '[')
		for i := range n {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"recipient":"+905`...)
			buf = append(buf, strconv.Itoa(100000000+next)...)
			buf = append(buf, `","type":"MESAJ","status":"ONAY","recipientType":"BIREYSEL","source":"HS_WEB","consentDate":"`...)
			buf = append(buf, consentDate...)
			buf = append(buf, `"}`...)
			next++
		}
		return append(buf, ']')
	}
	post := func(method, path string, body []byte) []byte {
		req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			b.Fatalf("%s %s: %d %.200s", method, path, resp.StatusCode, out)
		}
		return out
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		reqBody := body()
		b.StartTimer()
		ans := post("POST", consents+"/request", reqBody)
		i := bytes.Index(ans, []byte(`"requestId":"`))
		id := ans[i+13 : i+13+bytes.IndexByte(ans[i+13:], '"')]
		res := post("GET", consents+"/request/"+string(id), nil)
		if got := bytes.Count(res, success); got != n {
			b.Fatalf("%d of %d items succeeded", got, n)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "items/s")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if st := sim.Stats(); st.ConsentsStored > 0 {
		b.ReportMetric(float64(ms.HeapAlloc)/float64(st.ConsentsStored), "heapB/consent")
	}
}

// BenchmarkAdd measures single consent_add calls, for comparison.
func BenchmarkAdd(b *testing.B) {
	_, srv := NewServer(b, Config{})
	c := &client{t: b, base: srv.URL, hc: srv.Client()}
	c.token = c.login("u", "p")
	at := time.Now().Add(-time.Minute)
	b.ResetTimer()
	for i := range b.N {
		a := c.add(onay("+905"+strconv.Itoa(100000000+i), at))
		if a.err != nil || a.status != 200 {
			b.Fatalf("%d %s %v", a.status, a.body, a.err)
		}
	}
}
