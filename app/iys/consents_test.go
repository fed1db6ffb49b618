package iys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAddAndStatus(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	ctx := context.Background()
	got, err := c.Status(ctx, sp, "+905321111111", "BIREYSEL", "MESAJ")
	if got != nil || err != nil {
		t.Fatalf("Status of nothing = %v, %v; want nil, nil", got, err)
	}
	res, err := c.Add(ctx, sp, onay("+905321111111"))
	if err != nil || res.TransactionID == "" || res.CreationDate == "" {
		t.Fatalf("Add = %+v, %v", res, err)
	}
	got, err = c.Status(ctx, sp, "+905321111111", "BIREYSEL", "MESAJ")
	if err != nil || got == nil || got.Status != "ONAY" || got.TransactionID != res.TransactionID || got.Source != "HS_WEB" {
		t.Fatalf("Status = %+v, %v", got, err)
	}
	// Another 404 is an error, not "not there".
	f.inject(KindConsentStatus, reply{status: 404, code: CodeNotFound})
	if got, err := c.Status(ctx, sp, "+905321111111", "BIREYSEL", "MESAJ"); got != nil || !Permanent(err) {
		t.Fatalf("404 SIM_NOT_FOUND = %v, %v", got, err)
	}
	// Missing scope: refused before sending.
	if _, err := c.Add(ctx, SP{IYSCode: "123456"}, onay("+905321111111")); !Permanent(err) || !errors.Is(err, ErrInvalidCall) {
		t.Fatalf("no brand: %v", err)
	}
}

func TestConsentJSON(t *testing.T) {
	b, _ := json.Marshal(Consent{Recipient: "a@b.com", Type: "EPOSTA", Status: "ONAY", RecipientType: "TACIR"})
	if got, want := string(b), `{"recipient":"a@b.com","type":"EPOSTA","status":"ONAY","recipientType":"TACIR"}`; got != want {
		t.Fatalf("TACIR consent = %s, want %s", got, want)
	}
	c := onay("+905321111111")
	c.RetailerCode, c.RetailerAccess = "12345", []RetailerCode{"1", "0042"}
	b, _ = json.Marshal(c)
	if !strings.Contains(string(b), `"retailerCode":12345,"retailerAccess":[1,"0042"]`) {
		t.Fatalf("retailer fields = %s", b)
	}
	var back Stored
	if err := json.Unmarshal([]byte(`{"recipient":"x","retailerCode":"77","retailerAccess":[5,"6"],"creationDate":"2025-06-02 10:00:00","transactionId":"t"}`), &back); err != nil ||
		back.RetailerCode != "77" || len(back.RetailerAccess) != 2 || back.RetailerAccess[0] != "5" || back.TransactionID != "t" {
		t.Fatalf("Stored = %+v, %v", back, err)
	}
}

func TestAddAsyncAndPoll(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	ctx := context.Background()
	batch := []Consent{onay("+905321111111"), onay("+905322222222"), {Recipient: "+905323333333", Type: "ARAMA", Status: "RET", RecipientType: "BIREYSEL", Source: "HS_WEB", ConsentDate: "2025-06-02 09:00:00"}}
	req, err := c.AddAsync(ctx, sp, batch)
	if err != nil || req.RequestID == "" || len(req.SubRequests) != 3 || req.SubRequests[2].Recipient != "+905323333333" || req.SubRequests[0].SubrequestID == "" {
		t.Fatalf("AddAsync = %+v, %v", req, err)
	}
	var items []ItemResult
	for polls := 0; ; polls++ {
		if polls > 5 {
			t.Fatal("never final")
		}
		if items, err = c.AsyncResult(ctx, sp, req.RequestID); err != nil {
			t.Fatal(err)
		}
		final := true
		for _, it := range items {
			final = final && it.Final()
		}
		if final {
			break
		}
	}
	if len(items) != 3 || items[0].Status != ItemSuccess || items[0].TransactionID == "" || items[2].Status != ItemFailure || items[2].Error.Code != CodeFirstRet {
		t.Fatalf("items = %+v", items)
	}
	if _, err := c.AsyncResult(ctx, sp, "nope"); !Permanent(err) {
		t.Fatalf("unknown request: %v", err)
	}

	// Batches: none, and one over MaxBatch, are refused without a call.
	c = f.client(func(cfg *Config) { cfg.MaxBatch = 2 })
	if c.MaxBatch() != 2 || New(Config{}).MaxBatch() != 10000 {
		t.Fatal("MaxBatch")
	}
	n := f.count(KindConsentRequest)
	_, err = c.AddAsync(ctx, sp, batch)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeBatchTooLarge || !Permanent(err) || Temporary(err) || Ambiguous(err) {
		t.Fatalf("batch too large: %v", err)
	}
	if _, err := c.AddAsync(ctx, sp, nil); !Permanent(err) {
		t.Fatalf("empty batch: %v", err)
	}
	if f.count(KindConsentRequest) != n {
		t.Fatal("refused batch was sent")
	}
}

func TestStatusManyChunks(t *testing.T) {
	f := newFake(t)
	c := f.client(func(cfg *Config) { cfg.Limiter = noLimit{} })
	ctx := context.Background()
	recipients := make([]string, 2500)
	for i := range recipients {
		recipients[i] = fmt.Sprintf("+90532%07d", i)
	}
	for _, i := range []int{0, 999, 1000, 2499} {
		if _, err := c.Add(ctx, sp, onay(recipients[i])); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.StatusMany(ctx, sp, "MESAJ", "BIREYSEL", recipients)
	if err != nil || len(got) != 4 || got[3].Recipient != recipients[2499] {
		t.Fatalf("StatusMany = %d found, %v", len(got), err)
	}
	f.mu.Lock()
	bodies := f.bodies[KindConsentStatusMultiple]
	f.mu.Unlock()
	var sizes []int
	for _, b := range bodies {
		var q struct {
			Type, RecipientType string
			Recipients          []string
		}
		json.Unmarshal(b, &q)
		if q.Type != "MESAJ" || q.RecipientType != "BIREYSEL" {
			t.Fatalf("query %s", b)
		}
		sizes = append(sizes, len(q.Recipients))
	}
	if fmt.Sprint(sizes) != "[1000 1000 500]" {
		t.Fatalf("chunks %v", sizes)
	}
	if got, err := c.StatusMany(ctx, sp, "MESAJ", "BIREYSEL", nil); got != nil || err != nil || f.count(KindConsentStatusMultiple) != 3 {
		t.Fatalf("no recipients: %v, %v", got, err)
	}
	// A failing chunk returns what was found before it.
	f.inject(KindConsentStatusMultiple, reply{}, reply{status: 403, code: CodeBrandNotAllowed})
	got, err = c.StatusMany(ctx, sp, "MESAJ", "BIREYSEL", recipients)
	if len(got) != 2 || !Permanent(err) {
		t.Fatalf("partial: %d, %v", len(got), err)
	}
}

func TestChangesCursor(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	ctx := context.Background()
	for i := range 5 {
		f.changes = append(f.changes, Change{Recipient: fmt.Sprintf("+90532000000%d", i), Source: "IYS_WEB", Status: "RET", Type: "MESAJ",
			RecipientType: "BIREYSEL", TransactionID: strconv.Itoa(i), CreationDate: "2025-06-02 10:00:0" + strconv.Itoa(i)})
	}
	var seen []string
	after := ""
	for range 10 {
		page, err := c.Changes(ctx, sp, SourceIYS, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.List) == 0 {
			if page.After != after {
				t.Fatalf("empty page moved the cursor %q → %q", after, page.After)
			}
			break
		}
		for _, ch := range page.List {
			seen = append(seen, ch.TransactionID)
		}
		after = page.After
	}
	if fmt.Sprint(seen) != "[0 1 2 3 4]" {
		t.Fatalf("seen %v", seen)
	}
	f.mu.Lock()
	queries := f.queries[KindConsentChanges]
	f.mu.Unlock()
	if q, _ := url.ParseQuery(queries[0]); q.Get("source") != "IYS" || q.Has("after") || q.Get("limit") != "2" {
		t.Fatalf("first query %q", queries[0])
	}
	if q, _ := url.ParseQuery(queries[1]); q.Get("after") != "2" {
		t.Fatalf("second query %q", queries[1])
	}
	if _, err := c.Changes(ctx, sp, SourceHS, "", 5000); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	last := f.queries[KindConsentChanges][len(f.queries[KindConsentChanges])-1]
	f.mu.Unlock()
	if q, _ := url.ParseQuery(last); q.Get("limit") != "1000" || q.Get("source") != "HS" {
		t.Fatalf("capped query %q", last)
	}
	if _, err := c.Changes(ctx, sp, "hs", "", 0); !Permanent(err) {
		t.Fatalf("bad source: %v", err)
	}
}

func TestBrands(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	got, err := c.Brands(context.Background(), "123456")
	if err != nil || len(got) != 2 || got[0].BrandCode != "654321" || got[0].Name != "Marka A" || got[1].BrandCode != "000123" {
		t.Fatalf("Brands = %+v, %v", got, err)
	}
}

func TestDescribe(t *testing.T) {
	msg, hint := Describe(CodeRecipientInvalid)
	if !strings.Contains(msg, "Alıcı") || hint == "" {
		t.Fatalf("H114: %q %q", msg, hint)
	}
	msg, hint = Describe("H999")
	if !strings.Contains(msg, "H999") || hint == "" {
		t.Fatalf("unknown: %q %q", msg, hint)
	}
	if msg, hint := Describe(""); msg == "" || hint == "" {
		t.Fatal("empty code")
	}
	for _, code := range []string{"H111", "H113", "H114", "H155", CodeStatusInvalid, CodeRecipientTypeInvalid, CodeDateFormat, CodeDateFuture,
		CodeHS2015Date, CodeTooOld, CodeCitizenSource, CodeFirstRet, CodeSameStatus, CodeDateNotLater, CodeBatchTooLarge,
		CodeTooManyRecipients, CodeUnauthorized, CodeBrandNotAllowed, CodeNotFound, CodeConsentNotFound, CodeRateLimited} {
		if text := Codes[code]; text.Message == "" || text.Hint == "" {
			t.Errorf("no text for %s", code)
		}
	}
	if !IsAlreadyThere(CodeSameStatus) || IsAlreadyThere(CodeDateNotLater) {
		t.Fatal("IsAlreadyThere")
	}
}

func TestTime(t *testing.T) {
	tm, err := ParseTime("2025-06-02 10:00:00")
	if err != nil || tm.UTC().Hour() != 7 {
		t.Fatalf("ParseTime = %v, %v", tm, err)
	}
	if got := FormatTime(time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)); got != "2025-06-02 10:00:00" {
		t.Fatalf("FormatTime = %q", got)
	}
}
