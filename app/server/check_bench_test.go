package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// seedCheck writes the data set of the check benchmark with set-based SQL:
// n consents as in the store's Onaylar benchmark (2/5 of n phone
// recipients with ARAMA and MESAJ, 1/5 e-mail recipients, in 20 brands of
// 5 companies, 10% RET), without their events, which a check never reads.
// Phone i (+905 and i in nine digits) belongs to the brand of index i % 20.
func seedCheck(b *testing.B, e *env, n int) {
	ctx := context.Background()
	phones, emails := n*2/5, n/5
	steps := []string{
		`INSERT INTO companies (title, iys_code) SELECT 'Firma ' || i, (100000 + i)::text FROM generate_series(1, 5) i`,
		`INSERT INTO brands (company_id, name, brand_code)
		 SELECT c.id, 'Marka ' || c.id || '-' || j, (200000 + c.id * 10 + j)::text FROM companies c, generate_series(1, 4) j`,
		`INSERT INTO recipients (brand_id, kind, recipient, recipient_type)
		 SELECT (SELECT min(id) FROM brands) + i % 20, 'phone', '+905' || lpad(i::text, 9, '0'),
		        CASE WHEN (i / 20) % 10 = 0 THEN 'TACIR' ELSE 'BIREYSEL' END
		 FROM generate_series(1, ` + strconv.Itoa(phones) + `) i`,
		`INSERT INTO recipients (brand_id, kind, recipient, recipient_type)
		 SELECT (SELECT min(id) FROM brands) + i % 20, 'email', 'kisi' || i || '@ornek.com.tr', 'BIREYSEL'
		 FROM generate_series(1, ` + strconv.Itoa(emails) + `) i`,
		`INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, sort_key)
		 SELECT r.id, t.type, r.brand_id, r.recipient_type,
		        CASE WHEN (r.id / 20 + length(t.type)) % 10 = 0 THEN 'RET' ELSE 'ONAY' END, 'HS_WEB',
		        now() - (r.id % 2000) * interval '1 hour', r.sort_key
		 FROM recipients r JOIN (VALUES ('phone', 'ARAMA'), ('phone', 'MESAJ'), ('email', 'EPOSTA')) t(kind, type) ON t.kind = r.kind`,
		`VACUUM ANALYZE`,
	}
	start := time.Now()
	for i, q := range steps {
		t := time.Now()
		if _, err := e.st.Pool().Exec(ctx, q); err != nil {
			b.Fatalf("seed step %d: %v", i, err)
		}
		b.Logf("seed step %d: %s", i, time.Since(t).Round(time.Millisecond))
	}
	b.Logf("seeded %d consents in %s", 2*phones+emails, time.Since(start).Round(time.Second))
}

// benchPhone is the i-th phone of the first brand's numbers (in the
// seed, i*20 belongs to it), written the way campaign lists write phones.
func benchPhone(i int) string {
	d := fmt.Sprintf("%09d", i*20)
	return "0 5" + d[:2] + " " + d[2:5] + " " + d[5:]
}

// checkBodies prepares request bodies of size recipients each: 80% are
// stored consents of the first brand, 20% unknown numbers.
func checkBodies(code string, size, count, phones int) [][]byte {
	rng := rand.New(rand.NewPCG(7, uint64(size)))
	bodies := make([][]byte, count)
	for k := range bodies {
		rs := make([]string, size)
		for j := range rs {
			if rng.IntN(5) == 0 {
				rs[j] = fmt.Sprintf("+90 549 %07d", rng.IntN(10_000_000)) // never stored
			} else {
				rs[j] = benchPhone(1 + rng.IntN(phones/20-1))
			}
		}
		bodies[k], _ = json.Marshal(map[string]any{"brand_code": code, "type": "MESAJ", "recipients": rs})
	}
	return bodies
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// load runs clients goroutines that each call do in a loop for dur and
// returns the calls per second and the latencies. With rate > 0 the
// clients together start rate calls per second (open loop, each on its
// own schedule) instead of calling back to back.
func load(clients int, dur time.Duration, rate float64, do func(c *http.Client, k int) error) (float64, []time.Duration, error) {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for g := range clients {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			var every time.Duration
			next := start
			if rate > 0 {
				every = time.Duration(float64(clients) / rate * float64(time.Second))
				next = start.Add(every * time.Duration(g) / time.Duration(clients))
			}
			for k := g; time.Now().Before(deadline); k += clients {
				if every > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(every)
				}
				t0 := time.Now()
				err := do(hc, k)
				lat = append(lat, time.Since(t0))
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return float64(len(all)) / time.Since(start).Seconds(), all, firstErr
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func post(hc *http.Client, url, token string, body []byte) error {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// BenchmarkCheck measures the consent check against
// IYSGATE_BENCH_CONSENTS stored consents (default 5,000,000), on
// loopback, in one run:
//
//   - store/batch=N: the check query alone (N = 1, 100, 10,000);
//   - api/batch=N: POST /api/v1/check through the real server, one
//     client: recipients/s, p50 and p99 latency;
//   - load/check-1/clients=200: single-recipient checks from 200
//     concurrent clients, back to back, for IYSGATE_BENCH_LOAD_SECONDS
//     (default 10): calls/s (the throughput), p50, p99;
//   - load/check-1/clients=200/rate=R: the same clients starting R calls
//     per second together (IYSGATE_BENCH_LOAD_RATE, default 1000): the
//     latency below saturation;
//   - load/hello/clients=200: the same generator against a Fiber
//     hello-world handler on the same machine, the ceiling;
//   - scrub/rows=N: upload-to-workbook of an N-row xlsx list
//     (IYSGATE_BENCH_SCRUB_ROWS, default 1,000,000).
//
// The parent runs once; each part runs for -benchtime (the load parts and
// the scrub once, as one run outlasts it):
//
//	go test ./app/server -run '^$' -bench BenchmarkCheck -benchtime 3s -timeout 60m -v
func BenchmarkCheck(b *testing.B) {
	n := 5_000_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_CONSENTS")); err == nil && v > 0 {
		n = v
	}
	loadFor := 10 * time.Second
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_LOAD_SECONDS")); err == nil && v > 0 {
		loadFor = time.Duration(v) * time.Second
	}
	loadRate := 1000.0
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_LOAD_RATE")); err == nil && v > 0 {
		loadRate = float64(v)
	}
	scrubRows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_SCRUB_ROWS")); err == nil && v > 0 {
		scrubRows = v
	}
	e := newEnv(b)
	seedCheck(b, e, n)
	ctx := context.Background()
	var brandID int64
	var code string
	if err := e.st.Pool().QueryRow(ctx, "SELECT id, brand_code FROM brands ORDER BY id LIMIT 1").Scan(&brandID, &code); err != nil {
		b.Fatal(err)
	}
	u := e.user("personel@ornek.com.tr", "personel", brandID)
	token := e.apiClient(u).token
	phones := n * 2 / 5

	for _, size := range []int{1, 100, 10_000} {
		bodies := checkBodies(code, size, 64, phones)
		lists := make([][]string, len(bodies))
		for k, body := range bodies {
			var req struct{ Recipients []string }
			json.Unmarshal(body, &req)
			for _, r := range req.Recipients {
				p, _, _ := consent.NormalizePhone(r)
				lists[k] = append(lists[k], p)
			}
		}
		b.Run("store/batch="+strconv.Itoa(size), func(b *testing.B) {
			var lat []time.Duration
			k := 0
			for b.Loop() {
				t0 := time.Now()
				states, err := e.st.Check(ctx, brandID, "MESAJ", "BIREYSEL", lists[k%len(lists)])
				lat = append(lat, time.Since(t0))
				if err != nil || len(states) != size {
					b.Fatal(err)
				}
				k++
			}
			report(b, size, lat)
		})
		b.Run("api/batch="+strconv.Itoa(size), func(b *testing.B) {
			hc := &http.Client{}
			var lat []time.Duration
			k := 0
			for b.Loop() {
				t0 := time.Now()
				if err := post(hc, e.base+"/api/v1/check", token, bodies[k%len(bodies)]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				k++
			}
			report(b, size, lat)
		})
	}

	const clients = 200
	single := checkBodies(code, 1, 4096, phones)
	b.Run(fmt.Sprintf("load/check-1/clients=%d", clients), func(b *testing.B) {
		for b.Loop() {
			rps, lat, err := load(clients, loadFor, 0, func(hc *http.Client, k int) error {
				return post(hc, e.base+"/api/v1/check", token, single[k%len(single)])
			})
			if err != nil {
				b.Fatal(err)
			}
			reportLoad(b, rps, lat)
		}
	})
	b.Run(fmt.Sprintf("load/check-1/clients=%d/rate=%.0f", clients, loadRate), func(b *testing.B) {
		for b.Loop() {
			rps, lat, err := load(clients, loadFor, loadRate, func(hc *http.Client, k int) error {
				return post(hc, e.base+"/api/v1/check", token, single[k%len(single)])
			})
			if err != nil {
				b.Fatal(err)
			}
			reportLoad(b, rps, lat)
		}
	})
	b.Run(fmt.Sprintf("load/hello/clients=%d", clients), func(b *testing.B) {
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Post("/", func(c *fiber.Ctx) error { return c.SendString("Hello, World!") })
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go app.Listener(ln)
		defer app.Shutdown()
		url := "http://" + ln.Addr().String() + "/"
		for b.Loop() {
			rps, lat, err := load(clients, loadFor, 0, func(hc *http.Client, k int) error {
				return post(hc, url, token, single[k%len(single)])
			})
			if err != nil {
				b.Fatal(err)
			}
			reportLoad(b, rps, lat)
		}
	})

	b.Run("scrub/rows="+strconv.Itoa(scrubRows), func(b *testing.B) {
		data := scrubWorkbook(b, scrubRows, phones)
		api := e.apiClient(u)
		for b.Loop() {
			start := time.Now()
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("brand_code", code)
			mw.WriteField("type", "MESAJ")
			fw, _ := mw.CreateFormFile("file", "kampanya.xlsx")
			fw.Write(data)
			mw.Close()
			r := api.do("POST", "/api/v1/scrubs", &body, mw.FormDataContentType())
			var v scrubView
			if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.ID == 0 {
				b.Fatalf("upload: %d %s", r.status, r.body)
			}
			for v.Status != "done" && v.Status != "failed" {
				time.Sleep(100 * time.Millisecond)
				json.Unmarshal([]byte(api.get("/api/v1/scrubs/"+itoa(v.ID)).body), &v)
			}
			el := time.Since(start)
			if v.Status != "done" {
				b.Fatalf("scrub failed: %+v", v.Error)
			}
			sc, _ := e.st.Scrub(ctx, v.ID)
			b.ReportMetric(el.Seconds(), "s/scrub")
			b.ReportMetric(float64(scrubRows)/el.Seconds(), "rows/s")
			b.ReportMetric(float64(len(data))/(1<<20), "list_MB")
			b.ReportMetric(float64(sc.ResultBytes)/(1<<20), "result_MB")
			b.Logf("scrub of %d rows: %s; ONAY %d RET %d YOK %d GECERSIZ %d", scrubRows, el.Round(time.Millisecond), v.Counts["ONAY"],
				v.Counts["RET"], v.Counts["YOK"], v.Counts["GECERSIZ"])
		}
	})
}

func report(b *testing.B, size int, lat []time.Duration) {
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	b.ReportMetric(float64(size*len(lat))/total.Seconds(), "recipients/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
}

func reportLoad(b *testing.B, rps float64, lat []time.Duration) {
	b.ReportMetric(rps, "calls/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
}

// scrubWorkbook writes an n-row campaign list: names and phones written in
// the usual ways, 70% stored consents of the first brand, 25% unknown
// numbers, 5% malformed.
func scrubWorkbook(b *testing.B, n, phones int) []byte {
	b.Helper()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"Ad Soyad", "Cep Telefonu", "Şehir"})
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		var phone string
		switch k := rng.IntN(100); {
		case k < 70:
			phone = benchPhone(1 + rng.IntN(phones/20-1))
		case k < 95:
			phone = fmt.Sprintf("0549%07d", rng.IntN(10_000_000))
		default:
			phone = "12345"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{"Ayşe Yılmaz", phone, "İstanbul"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
