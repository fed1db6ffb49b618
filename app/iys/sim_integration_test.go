package iys_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"iysgate/app/iys"
	"iysgate/app/iys/iystest"
)

// TestAgainstSimulator runs the client's happy path against the simulator
// with its rate limits on (1 s windows on both sides): no call may be
// refused.
func TestAgainstSimulator(t *testing.T) {
	const window = time.Second
	sim, srv := iystest.NewServer(t, iystest.Config{
		Credentials: &[2]string{"user", "pass"},
		Brands:      map[string][]string{"123456": {"654321"}},
		RateLimits:  true,
		RateWindow:  window,
		AsyncDelay:  300 * time.Millisecond,
	})
	c := iys.New(iys.Config{BaseURL: srv.URL, Username: "user", Password: "pass", RateWindow: window, Timeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sp := iys.SP{IYSCode: "123456", BrandCode: "654321"}
	date := iys.FormatTime(time.Now().Add(-time.Minute))
	onay := func(recipient string) iys.Consent {
		return iys.Consent{Recipient: recipient, Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: date}
	}

	brands, err := c.Brands(ctx, "123456")
	if err != nil || len(brands) != 1 || brands[0].BrandCode != "654321" {
		t.Fatalf("Brands = %+v, %v", brands, err)
	}

	res, err := c.Add(ctx, sp, onay("+905321000000"))
	if err != nil || res.TransactionID == "" {
		t.Fatalf("Add = %+v, %v", res, err)
	}
	// A repeat is refused as "already there".
	_, err = c.Add(ctx, sp, onay("+905321000000"))
	if e, ok := err.(*iys.Error); !ok || e.HTTPStatus != 422 || !iys.IsAlreadyThere(e.Code) || !iys.Permanent(err) {
		t.Fatalf("repeat Add: %v", err)
	}

	batch := make([]iys.Consent, 5)
	for i := range batch {
		batch[i] = onay(fmt.Sprintf("+90532200000%d", i))
	}
	batch[4].Status = "RET" // a first RET: refused per item
	req, err := c.AddAsync(ctx, sp, batch)
	if err != nil || req.RequestID == "" || len(req.SubRequests) != len(batch) {
		t.Fatalf("AddAsync = %+v, %v", req, err)
	}
	var items []iys.ItemResult
	for final := false; !final; {
		if items, err = c.AsyncResult(ctx, sp, req.RequestID); err != nil {
			t.Fatal(err)
		}
		final = len(items) == len(batch)
		for _, it := range items {
			final = final && it.Final()
		}
		if !final {
			time.Sleep(100 * time.Millisecond)
		}
	}
	for i, it := range items[:4] {
		if it.Index != i || it.Status != iys.ItemSuccess || it.TransactionID == "" {
			t.Fatalf("item %d = %+v", i, it)
		}
	}
	if it := items[4]; it.Status != iys.ItemFailure || it.Error == nil || it.Error.Code != iys.CodeFirstRet {
		t.Fatalf("RET item = %+v", it)
	}

	st, err := c.Status(ctx, sp, "+905322000002", "BIREYSEL", "MESAJ")
	if err != nil || st == nil || st.Status != "ONAY" || st.TransactionID != items[2].TransactionID || st.ConsentDate != date {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	if st, err := c.Status(ctx, sp, "+905329999999", "BIREYSEL", "MESAJ"); st != nil || err != nil {
		t.Fatalf("Status of nothing = %+v, %v", st, err)
	}
	many, err := c.StatusMany(ctx, sp, "MESAJ", "BIREYSEL", []string{"+905321000000", "+905322000004", "+905322000001"})
	if err != nil || len(many) != 2 {
		t.Fatalf("StatusMany = %+v, %v", many, err)
	}

	if err := sim.CitizenRet("123456", "654321", "+905321000000", "MESAJ", "BIREYSEL"); err != nil {
		t.Fatal(err)
	}
	var hs []iys.Change
	after := ""
	for {
		page, err := c.Changes(ctx, sp, iys.SourceHS, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.List) == 0 {
			if page.After != after {
				t.Fatalf("empty page moved the cursor")
			}
			break
		}
		hs, after = append(hs, page.List...), page.After
	}
	if len(hs) != 5 || hs[0].TransactionID != res.TransactionID {
		t.Fatalf("HS changes = %+v", hs)
	}
	page, err := c.Changes(ctx, sp, iys.SourceIYS, "", 0)
	if err != nil || len(page.List) != 1 || page.List[0].Status != "RET" || page.List[0].Recipient != "+905321000000" {
		t.Fatalf("IYS changes = %+v, %v", page, err)
	}

	for kind, outcomes := range sim.Stats().Requests {
		for outcome, n := range outcomes {
			if outcome != "200" && !(kind == iys.KindConsentAdd && outcome == "422") && !(kind == iys.KindConsentStatus && outcome == "404") {
				t.Errorf("%s answered %s %d times", kind, outcome, n)
			}
		}
	}
	if n := sim.Stats().Requests[iys.KindToken]["200"]; n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

// TestSimulatorUnderLoadAndFaults sends from many goroutines through a
// simulator that enforces the limits, then injects faults (429, 500, 503,
// dropped connections, lost answers). The client must stay within the
// limits and never report as "not done" an add that was stored.
func TestSimulatorUnderLoadAndFaults(t *testing.T) {
	const window = 1000 * time.Millisecond
	sim, srv := iystest.NewServer(t, iystest.Config{RateLimits: true, RateWindow: window, Seed: 7})
	c := iys.New(iys.Config{BaseURL: srv.URL, Username: "u", Password: "p", RateWindow: window, Timeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sp := iys.SP{IYSCode: "123456", BrandCode: "654321"}
	date := iys.FormatTime(time.Now().Add(-time.Minute))

	// Phase 1: no faults; nothing may be refused for exceeding a limit.
	// (Ten goroutines: with more, a starved test process delays calls
	// between the limiter and the simulator by more than the margin.)
	errs := make(chan error, 200)
	done := make(chan struct{})
	for g := range 10 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 12 {
				r := fmt.Sprintf("+9053210%02d%03d", g, i)
				if _, err := c.Add(ctx, sp, iys.Consent{Recipient: r, Type: "ARAMA", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: date}); err != nil {
					errs <- err
				}
				if _, err := c.Status(ctx, sp, r, "BIREYSEL", "ARAMA"); err != nil {
					errs <- err
				}
			}
		}()
	}
	for range 10 {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for kind, outcomes := range sim.Stats().Requests {
		if outcomes["429"] > 0 {
			t.Errorf("%s refused %d times for the rate limit", kind, outcomes["429"])
		}
	}

	// Phase 2: faults. Every add reported as not ambiguous must really not
	// be stored (or be stored if it succeeded).
	sim.SetFaults(0.3, 0.3, 0)
	type outcome struct {
		recipient string
		err       error
	}
	results := make(chan outcome, 200)
	for g := range 40 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 3 {
				r := fmt.Sprintf("+9053220%02d%03d", g, i)
				_, err := c.Add(ctx, sp, iys.Consent{Recipient: r, Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: date})
				results <- outcome{r, err}
			}
		}()
	}
	for range 40 {
		<-done
	}
	close(results)
	sim.SetFaults(0, 0, 0)
	var ambiguous, notDone, ok int
	for o := range results {
		_, stored := sim.Consent("123456", "654321", o.recipient, "BIREYSEL", "MESAJ")
		switch {
		case o.err == nil:
			ok++
			if !stored {
				t.Errorf("%s: success reported, not stored", o.recipient)
			}
		case iys.Ambiguous(o.err):
			ambiguous++
		default:
			notDone++
			if stored {
				t.Errorf("%s: stored, but reported as not done: %v", o.recipient, o.err)
			}
			if !iys.Temporary(o.err) {
				t.Errorf("%s: fault not temporary: %v", o.recipient, o.err)
			}
		}
	}
	if ambiguous == 0 || notDone == 0 || ok == 0 {
		t.Errorf("faults not exercised: ok %d, ambiguous %d, not done %d", ok, ambiguous, notDone)
	}
	t.Logf("ok %d, ambiguous %d, not done %d; sim: %v", ok, ambiguous, notDone, sim.Stats().Requests[iys.KindConsentAdd])
}
