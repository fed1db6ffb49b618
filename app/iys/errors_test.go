package iys

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		status                          int
		temporary, permanent, ambiguous bool // ambiguous for a mutating call
	}{
		{400, false, true, false},
		{403, false, true, false},
		{404, false, true, false},
		{422, false, true, false},
		{429, true, false, false},
		{500, true, false, true},
		{502, true, false, true},
		{503, true, false, false},
		{504, true, false, true},
	}
	for _, tt := range tests {
		f := newFake(t)
		c := f.client(nil)
		c.attempts = 1
		f.inject(KindConsentAdd, reply{status: tt.status, code: "CODE", field: "recipient"})
		f.inject(KindConsentStatus, reply{status: tt.status, code: "CODE", field: "recipient"})
		_, err := c.Add(context.Background(), sp, onay("+905321111111"))
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != tt.status || e.Code != "CODE" || e.Field != "recipient" || e.Kind != KindConsentAdd {
			t.Fatalf("%d: %#v", tt.status, err)
		}
		if Temporary(err) != tt.temporary || Permanent(err) != tt.permanent || Ambiguous(err) != tt.ambiguous {
			t.Errorf("%d on consent_add: temporary %v permanent %v ambiguous %v", tt.status, Temporary(err), Permanent(err), Ambiguous(err))
		}
		// The same answer to a read is never ambiguous.
		if _, err := c.Status(context.Background(), sp, "+905329999999", "BIREYSEL", "MESAJ"); Ambiguous(err) || Temporary(err) != tt.temporary {
			t.Errorf("%d on consent_status: %v", tt.status, err)
		}
	}
}

func TestUnprocessableKeepsCodeAndField(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	f.inject(KindConsentAdd, reply{status: 422, code: CodeRecipientInvalid, field: "recipient"})
	_, err := c.Add(context.Background(), sp, onay("+90532"))
	var e *Error
	if !errors.As(err, &e) || e.Code != "H114" || e.Field != "recipient" || e.Message != "fake H114" || !Permanent(err) {
		t.Fatalf("422: %#v", err)
	}
	if s := err.Error(); !strings.Contains(s, "consent_add") || !strings.Contains(s, "422") || !strings.Contains(s, "H114") {
		t.Fatalf("Error() = %q", s)
	}
	// A repeat refused as "same status" is already stored.
	c.Add(context.Background(), sp, onay("+905321111111"))
	_, err = c.Add(context.Background(), sp, onay("+905321111111"))
	if !errors.As(err, &e) || !IsAlreadyThere(e.Code) {
		t.Fatalf("repeat: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	f.inject(KindConsentAdd, reply{status: 429, code: CodeRateLimited, retryAfter: "7"})
	_, err := c.Add(context.Background(), sp, onay("+905321111111"))
	if RetryAfter(err) != 7*time.Second || !Temporary(err) || Ambiguous(err) || f.count(KindConsentAdd) != 1 {
		t.Fatalf("429: %v (retry after %v)", err, RetryAfter(err))
	}
	// İYS asked for 7 s: a caller that cannot wait that long is refused at
	// once instead of being sent into another 429.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = c.Add(ctx, sp, onay("+905322222222"))
	if !errors.Is(err, ErrRateLimited) || f.count(KindConsentAdd) != 1 || RetryAfter(err) < 5*time.Second {
		t.Fatalf("during the hold: %v", err)
	}
}

func TestReadRespectsRetryAfter(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	f.inject(KindBrands, reply{status: 429, code: CodeRateLimited, retryAfter: "1"})
	start := time.Now()
	if _, err := c.Brands(context.Background(), "123456"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, İYS asked for 1 s", d)
	}
	// A deadline shorter than Retry-After: the error, now.
	f.inject(KindBrands, reply{status: 429, code: CodeRateLimited, retryAfter: "30"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start = time.Now()
	_, err := c.Brands(ctx, "123456")
	if RetryAfter(err) != 30*time.Second || time.Since(start) > time.Second {
		t.Fatalf("429 with Retry-After past the deadline: %v after %v", err, time.Since(start))
	}
}

func TestDroppedConnection(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	f.inject(KindConsentRequest, reply{drop: true})
	_, err := c.AddAsync(context.Background(), sp, []Consent{onay("+905321111111")})
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 0 || !Ambiguous(err) || !Temporary(err) || Permanent(err) {
		t.Fatalf("dropped consent_request: %v", err)
	}
	if f.count(KindConsentRequest) != 1 {
		t.Fatal("a mutating call was resent")
	}
	// A read dropped the same way is retried.
	f.inject(KindConsentStatus, reply{drop: true})
	if _, err := c.Status(context.Background(), sp, "+905321111111", "BIREYSEL", "MESAJ"); err != nil {
		t.Fatalf("dropped status not retried: %v", err)
	}
}

func TestNothingSentIsNotAmbiguous(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	if _, err := c.Brands(context.Background(), "123456"); err != nil { // token cached
		t.Fatal(err)
	}
	// Connection refused: the request never left. (A request sent on an
	// idle connection the server closed meanwhile is ambiguous, rightly:
	// the client cannot tell that case from a server that died after
	// reading it.)
	c.hc.CloseIdleConnections()
	f.srv.Close()
	_, err := c.Add(context.Background(), sp, onay("+905321111111"))
	if err == nil || Ambiguous(err) || !Temporary(err) {
		t.Fatalf("refused connection: %v (ambiguous %v)", err, Ambiguous(err))
	}
}

func TestReadsRetriedWritesNot(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	f.inject(KindConsentStatus, reply{status: 503, code: "X"}, reply{status: 503, code: "X"})
	if _, err := c.Status(context.Background(), sp, "+905321111111", "BIREYSEL", "MESAJ"); err != nil {
		t.Fatal(err)
	}
	if got := f.count(KindConsentStatus); got != 3 {
		t.Fatalf("status attempts = %d, want 3", got)
	}
	// Attempts are bounded.
	f.inject(KindBrands, reply{status: 500}, reply{status: 502}, reply{status: 504}, reply{status: 503})
	if _, err := c.Brands(context.Background(), "123456"); err == nil || !Temporary(err) || Ambiguous(err) {
		t.Fatalf("brands after 3 failures: %v", err)
	}
	if got := f.count(KindBrands); got != 3 {
		t.Fatalf("brands attempts = %d, want 3", got)
	}
	// Permanent failures of reads are not retried.
	f.inject(KindConsentRequestResult, reply{status: 403, code: CodeBrandNotAllowed})
	if _, err := c.AsyncResult(context.Background(), sp, "x"); !Permanent(err) || f.count(KindConsentRequestResult) != 1 {
		t.Fatalf("403 read: %v, %d attempts", err, f.count(KindConsentRequestResult))
	}

	for _, kind := range []string{KindConsentAdd, KindConsentRequest} {
		f.inject(kind, reply{status: 503, code: "X"})
		var err error
		if kind == KindConsentAdd {
			_, err = c.Add(context.Background(), sp, onay("+905321111111"))
		} else {
			_, err = c.AddAsync(context.Background(), sp, []Consent{onay("+905321111111")})
		}
		if !Temporary(err) || Ambiguous(err) || f.count(kind) != 1 {
			t.Fatalf("%s 503: %v, %d attempts", kind, err, f.count(kind))
		}
	}
}

func TestTimeouts(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	seen := map[string]int{}
	c := f.client(func(cfg *Config) {
		cfg.Timeout = 100 * time.Millisecond
		cfg.Observe = func(kind, status string, d time.Duration) {
			mu.Lock()
			seen[kind+" "+status]++
			mu.Unlock()
		}
	})
	c.attempts = 2
	if _, err := c.Brands(context.Background(), "123456"); err != nil {
		t.Fatal(err)
	}
	f.inject(KindConsentAdd, reply{delay: 300 * time.Millisecond})
	start := time.Now()
	_, err := c.Add(context.Background(), sp, onay("+905321111111"))
	if !Ambiguous(err) || !Temporary(err) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 250*time.Millisecond {
		t.Fatalf("timed-out add: %v after %v", err, time.Since(start))
	}
	f.inject(KindConsentStatus, reply{delay: 300 * time.Millisecond}, reply{delay: 300 * time.Millisecond})
	_, err = c.Status(context.Background(), sp, "+905321111111", "BIREYSEL", "MESAJ")
	if Ambiguous(err) || !Temporary(err) || f.count(KindConsentStatus) != 2 {
		t.Fatalf("timed-out status: %v, %d attempts", err, f.count(KindConsentStatus))
	}
	// The caller's deadline counts too.
	f.inject(KindBrands, reply{delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Brands(ctx, "123456"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller deadline: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["token 200"] != 1 || seen["brands 200"] != 1 || seen["consent_add timeout"] != 1 || seen["consent_status timeout"] != 2 {
		t.Fatalf("observed %v", seen)
	}
}

func TestUnreadableAnswer(t *testing.T) {
	f := newFake(t)
	c := f.client(nil)
	f.inject(KindConsentAdd, reply{status: 200, body: `{"transactionId":"tx`})
	_, err := c.Add(context.Background(), sp, onay("+905321111111"))
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 200 || !Ambiguous(err) {
		t.Fatalf("cut 200 on add: %v", err)
	}
	// A non-JSON error answer keeps its text.
	f.inject(KindConsentAdd, reply{status: 502, body: "<html>Bad Gateway</html>"})
	_, err = c.Add(context.Background(), sp, onay("+905321111111"))
	if !errors.As(err, &e) || e.Message != "<html>Bad Gateway</html>" || !Ambiguous(err) {
		t.Fatalf("html 502: %#v", err)
	}
	// AddAsync answered 200 without a request id: may be queued.
	f.inject(KindConsentRequest, reply{status: 200, body: `{}`})
	if _, err := c.AddAsync(context.Background(), sp, []Consent{onay("+905321111111")}); !Ambiguous(err) {
		t.Fatalf("200 without requestId: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "5": 5 * time.Second, "-1": 0, "x": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	if Temporary(errors.New("x")) || Permanent(nil) || Ambiguous(nil) || RetryAfter(nil) != 0 {
		t.Fatal("helpers on foreign errors")
	}
}
