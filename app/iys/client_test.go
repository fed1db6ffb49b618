package iys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
)

var sp = SP{IYSCode: "700100", BrandCode: "700101"}

// clock is a settable clock shared by the simulator and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// simClient starts a simulator for cfg and a client of it, on one clock
// that starts on a Monday morning.
func simClient(t *testing.T, cfg iystest.Config, mod func(*Config)) (*iystest.Sim, *Client, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, time.March, 2, 10, 0, 0, 0, consent.Location())}
	if cfg.Now == nil {
		cfg.Now = clk.now
	}
	sim, srv := iystest.NewServer(t, cfg)
	c := Config{BaseURL: srv.URL, Username: "entegrator", Password: "parola", Now: clk.now, Limits: Limits{PerSecond: 1000}}
	if mod != nil {
		mod(&c)
	}
	return sim, New(c), clk
}

func onay(recipient string, at time.Time) Consent {
	return Consent{Recipient: recipient, Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: FormatTime(at)}
}

func ret(recipient string, at time.Time) Consent {
	c := onay(recipient, at)
	c.Status = "RET"
	return c
}

// The client speaks every endpoint it uses as the simulator does.
func TestClientAgainstSimulator(t *testing.T) {
	sim, c, clk := simClient(t, iystest.Config{}, nil)
	ctx := context.Background()
	at := clk.now().Add(-time.Hour)

	res, err := c.Add(ctx, sp, onay("+905320000001", at))
	if err != nil || len(res.TransactionID) != 64 {
		t.Fatalf("Add: %+v %v", res, err)
	}
	again, err := c.Add(ctx, sp, onay("+905320000001", at))
	if err != nil || again != res {
		t.Fatalf("V2 resend: %+v %v, first %+v", again, err, res)
	}
	_, err = c.Add(ctx, sp, ret("+905320000009", at))
	if ClassOf(err) != iysapi.ClassRefused || Faults(err)[0].Code != "H175" {
		t.Fatalf("first RET: %v", err)
	}

	list := []Consent{onay("+905320000002", at), onay("+905320000001", at), ret("+905320000003", at)}
	req, err := c.AddList(ctx, sp, list)
	if err != nil || req.RequestID == "" || len(req.SubRequests) != 3 || !req.V2 {
		t.Fatalf("AddList: %+v %v", req, err)
	}
	items, err := c.ListResult(ctx, sp, req.RequestID, true)
	if err != nil || len(items) != 3 {
		t.Fatalf("ListResult: %+v %v", items, err)
	}
	if items[0].Status != iysapi.ItemSuccess || items[0].SubRequestID != req.SubRequests[0].SubRequestID || items[0].Original != nil {
		t.Errorf("item 0: %+v", items[0])
	}
	if !items[1].Final() || !bool(items[1].V2) || items[1].Original != nil || items[1].TransactionID != res.TransactionID {
		t.Errorf("item 1, stored by a single add: %+v", items[1])
	}
	if items[2].Error == nil || items[2].Error.Code != "H175" {
		t.Errorf("item 2: %+v", items[2])
	}

	_, err = c.AddList(ctx, sp, []Consent{onay("+905320000004", at), onay("+9005320000005", at), onay("+905320000004", at)})
	faults := Faults(err)
	if ClassOf(err) != iysapi.ClassRefused || len(faults) != 2 || faults[0].Index != 1 || faults[0].Code != "H121" || faults[1].Index != 2 || faults[1].Code != "H194" {
		t.Fatalf("list refused whole: %v %+v", err, faults)
	}

	st, err := c.Status(ctx, sp, Key{"+905320000001", "BIREYSEL", "MESAJ"})
	if err != nil || st == nil || st.TransactionID != res.TransactionID || st.ConsentDate != FormatTime(at) {
		t.Fatalf("Status: %+v %v", st, err)
	}
	if st, err := c.Status(ctx, sp, Key{"+905329999999", "BIREYSEL", "MESAJ"}); st != nil || err != nil {
		t.Fatalf("Status of a key without a record: %+v %v", st, err)
	}
	recipients := []string{"+905320000001", "+905320000003"}
	for i := range 150 {
		recipients = append(recipients, fmt.Sprintf("+90533%07d", i))
	}
	before := sim.Stats().Requests["consent_status_multiple"]["200"]
	onays, err := c.StatusMany(ctx, sp, "BIREYSEL", "MESAJ", recipients)
	if err != nil || !slices.Equal(onays, []string{"+905320000001"}) {
		t.Fatalf("StatusMany: %v %v", onays, err)
	}
	if n := sim.Stats().Requests["consent_status_multiple"]["200"] - before; n != 2 {
		t.Errorf("%d multiple status queries for 152 recipients, want 2 of at most 100", n)
	}
	h, err := c.History(ctx, sp, Key{"+905320000001", "BIREYSEL", "MESAJ"}, 0, 100)
	if err != nil || len(h.List) != 1 || h.Pagination.TotalCount != 1 {
		t.Fatalf("History: %+v %v", h, err)
	}

	page, err := c.Changes(ctx, sp, iysapi.ChangesIYS, "", 0)
	if err != nil || len(page.List) != 0 || page.After != "" {
		t.Fatalf("Changes with nothing new (204): %+v %v", page, err)
	}
	page, err = c.Changes(ctx, sp, iysapi.ChangesHS, "", 1) // of the two movements stored
	if err != nil || len(page.List) != 1 || page.After == "" {
		t.Fatalf("Changes: %+v %v", page, err)
	}
	next, err := c.Changes(ctx, sp, iysapi.ChangesHS, page.After, 0)
	if err != nil || len(next.List) != 1 {
		t.Fatalf("Changes after the cursor: %+v %v", next, err)
	}
	empty, err := c.Changes(ctx, sp, iysapi.ChangesHS, next.After, 0)
	if err != nil || len(empty.List) != 0 || empty.After != next.After {
		t.Fatalf("Changes after the last: %+v %v", empty, err)
	}

	brands, err := c.Brands(ctx, sp.IYSCode)
	if err != nil || len(brands) != 2 || brands[1].BrandCode != Code(sp.BrandCode) || brands[1].Stats.Consents.Approval != 2 {
		t.Fatalf("Brands: %+v %v", brands, err)
	}
	ib, err := c.IntegratorBrands(ctx, "900900", sp.IYSCode)
	if err != nil || len(ib) != 2 || ib[1].Access("MESAJ") != iysapi.AccessWrite {
		t.Fatalf("IntegratorBrands: %+v %v", ib, err)
	}
	sim.SetGrants("900900", nil)
	if _, err = c.IntegratorBrands(ctx, "900900", sp.IYSCode); ClassOf(err) != iysapi.ClassCompany { // H353
		t.Fatalf("IntegratorBrands of a company not assigned: %v", err)
	}
	if _, err = c.IntegratorBrands(ctx, "900901", sp.IYSCode); ClassOf(err) != iysapi.ClassInvalid { // H031
		t.Fatalf("IntegratorBrands of an unknown integrator: %v", err)
	}
}

// V1 sends by İYS's V1 methods; their resends are judged again.
func TestClientV1(t *testing.T) {
	sim, c, clk := simClient(t, iystest.Config{}, func(cfg *Config) { cfg.V1 = true })
	ctx := context.Background()
	at := clk.now().Add(-time.Hour)
	if _, err := c.Add(ctx, sp, onay("+905320000001", at)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Add(ctx, sp, onay("+905320000001", at))
	if ClassOf(err) != iysapi.ClassRefused || Faults(err)[0].Code != "H178" {
		t.Fatalf("V1 resend: %v", err)
	}
	req, err := c.AddList(ctx, sp, []Consent{onay("+905320000002", at)})
	if err != nil || req.V2 {
		t.Fatalf("V1 list: %+v %v", req, err)
	}
	if items, err := c.ListResult(ctx, sp, req.RequestID, req.V2); err != nil || len(items) != 1 {
		t.Fatalf("V1 result: %+v %v", items, err)
	}
	if n := sim.Stats().Requests["consent_add"]["200"]; n != 1 {
		t.Errorf("V1 adds: %d", n)
	}
}

// A lost answer to an add is ambiguous; an answer lost before İYS acted
// is too when the request was written, and not when it was not; 503 is
// "not done", 500 may hide a success.
func TestAmbiguity(t *testing.T) {
	sim, c, clk := simClient(t, iystest.Config{}, nil)
	ctx := context.Background()
	at := clk.now().Add(-time.Hour)
	if _, err := c.Brands(ctx, sp.IYSCode); err != nil { // a token first
		t.Fatal(err)
	}
	for _, tc := range []struct {
		faults    iystest.Faults
		ambiguous bool
		class     iysapi.Class
	}{
		{iystest.Faults{LoseAnswers: 1}, true, iysapi.ClassTransient},
		{iystest.Faults{FailRate: 1, Mix: iystest.FaultMix{Server: 1}}, true, iysapi.ClassTransient},
		{iystest.Faults{FailRate: 1, Mix: iystest.FaultMix{Unavailable: 1}}, false, iysapi.ClassTransient},
		{iystest.Faults{FailRate: 1, Mix: iystest.FaultMix{TooMany: 1}}, false, iysapi.ClassRateLimit},
	} {
		sim.SetFaults(tc.faults)
		_, err := c.AddList(ctx, sp, []Consent{onay("+905320000001", at)})
		if Ambiguous(err) != tc.ambiguous || ClassOf(err) != tc.class {
			t.Errorf("%+v: %v (class %d)", tc.faults, err, ClassOf(err))
		}
	}
	sim.SetFaults(iystest.Faults{FailRate: 1, Mix: iystest.FaultMix{Server: 1}})
	start := time.Now()
	_, err := c.Brands(ctx, sp.IYSCode) // a read is retried
	if sim.Stats().Requests["brands"]["500"] != 3 || err == nil || time.Since(start) < 250*time.Millisecond {
		t.Errorf("a read failing with 500: %v after %d tries", err, sim.Stats().Requests["brands"]["500"])
	}
	sim.SetFaults(iystest.Faults{})
	bad := New(Config{BaseURL: "http://127.0.0.1:1", Username: "u", Password: "p"})
	_, err = bad.AddList(ctx, sp, []Consent{onay("+905320000001", at)})
	if Ambiguous(err) || !Temporary(err) {
		t.Errorf("nothing sent: %v", err)
	}
}

func TestTokenSharedAndRenewed(t *testing.T) {
	sim, c, clk := simClient(t, iystest.Config{}, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := c.Brands(ctx, sp.IYSCode); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := sim.Stats().Requests["token"]["200"]; n != 1 {
		t.Fatalf("%d token requests for 50 concurrent calls", n)
	}
	clk.add(110 * time.Minute) // past 90% of 2 h: renewed by the refresh grant
	if _, err := c.Brands(ctx, sp.IYSCode); err != nil {
		t.Fatal(err)
	}
	sim.ExpireTokens() // İYS forgets every token: a 401, then the password grant
	if _, err := c.Brands(ctx, sp.IYSCode); err != nil {
		t.Fatal(err)
	}
	if st := sim.Stats().Requests["token"]; st["200"] != 3 || st["400"] != 1 {
		t.Fatalf("token requests %v: want a refresh, a refused refresh and a password grant", st)
	}
}

func TestBadCredentials(t *testing.T) {
	_, c, _ := simClient(t, iystest.Config{Credentials: &[2]string{"entegrator", "başka"}}, nil)
	_, err := c.Brands(context.Background(), sp.IYSCode)
	var e *Error
	if !errors.As(err, &e) || e.Kind != iysapi.KindToken || e.Code != iysapi.TokenInvalidRequest || e.Message != iysapi.TokenDescriptions.BadCredentials {
		t.Fatalf("bad credentials: %#v", err)
	}
	if Temporary(err) || Ambiguous(err) || ClassOf(err) != iysapi.ClassInvalid {
		t.Fatalf("bad credentials classified %d: %v", ClassOf(err), err)
	}
}

// Over İYS's token budget the client stops asking for the whole hour: no
// token request restarts İYS's lockout.
func TestTokenLockoutRespected(t *testing.T) {
	sim, c, clk := simClient(t, iystest.Config{RateLimits: true, TokensPerHour: 2, Hour: time.Hour},
		func(cfg *Config) { cfg.Limits.TokensPerHour = 5 }) // the client believes in more than İYS grants
	ctx := context.Background()
	for range 3 {
		sim.ExpireTokens()
		c.Brands(ctx, sp.IYSCode)
		clk.add(time.Second)
	}
	_, err := c.Brands(ctx, sp.IYSCode)
	if !errors.Is(err, ErrRateLimited) || RetryAfter(err) < 50*time.Minute {
		t.Fatalf("after H084: %v (retry after %v)", err, RetryAfter(err))
	}
	if st := sim.Stats(); st.TokenRequestsInLockout != 0 || st.Requests["token"]["429"] != 1 {
		t.Fatalf("token requests during the lockout: %+v", st)
	}
}
