package iystest

import (
	"testing"
	"time"
)

// TestRateLimitSliding: at most N starts in any window-length interval; a
// 429 carries Retry-After in whole seconds and does not count.
func TestRateLimitSliding(t *testing.T) {
	_, c, clk := newSim(t, Config{RateLimits: true, RateWindow: 10 * time.Second, Limits: map[string]int{KindBrands: 3}})
	brands := "/sps/" + iysCode + "/brands"
	for _, step := range []time.Duration{0, 4 * time.Second, 4 * time.Second} { // starts at 0, 4, 8 s
		clk.Advance(step)
		c.must(c.call("GET", brands, nil), 200, nil)
	}
	clk.Advance(time.Second) // 9 s: three starts within the last 10 s
	a := c.call("GET", brands, nil)
	wantCode(t, a, 429, CodeRateLimited)
	if got := a.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	clk.Advance(time.Second) // 10 s: the start at 0 has left the window
	c.must(c.call("GET", brands, nil), 200, nil)
	clk.Advance(time.Second) // 11 s: starts at 4, 8, 10
	a = c.call("GET", brands, nil)
	wantCode(t, a, 429, CodeRateLimited)
	if got := a.header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After %q, want 3", got)
	}
	// Other kinds have their own count.
	wantCode(t, c.call("POST", consents+"/status", map[string]string{"recipient": phone, "recipientType": "BIREYSEL", "type": "MESAJ"}), 404, CodeConsentNotFound)
}

// TestRateLimitDefaults: the contract's table with a one-minute window;
// token's window is an hour; accounts are counted apart.
func TestRateLimitDefaults(t *testing.T) {
	_, c, clk := newSim(t, Config{RateLimits: true})
	items := []wireConsent{onay(phone, t0)}
	c.request(items)
	c.request(items)
	a := c.call("POST", consents+"/request", items)
	wantCode(t, a, 429, CodeRateLimited)
	if got := a.header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After %q, want 60", got)
	}
	// Another account has its own budget.
	own := c.token
	c.token = c.login("baska", "p")
	c.request(items)
	c.token = own
	clk.Advance(time.Minute)
	c.request(items)

	// token: 10 per hour per account; newSim's login was the first for "user".
	for range 9 {
		c.login("user", "pass")
	}
	a = c.tokenCall(map[string]string{"username": "user", "password": "pass", "grant_type": "password"})
	wantCode(t, a, 429, CodeRateLimited)
	if got := a.header.Get("Retry-After"); got != "3540" {
		t.Errorf("token Retry-After %q, want 3540", got)
	}
	clk.Advance(59 * time.Minute)
	c.login("user", "pass")
}

// TestRateLimitRealTime: a shrunk window with the real clock, as benchmarks
// use it.
func TestRateLimitRealTime(t *testing.T) {
	window := 300 * time.Millisecond
	_, c, _ := newSim(t, Config{Now: time.Now, RateLimits: true, RateWindow: window, Limits: map[string]int{KindBrands: 2}})
	brands := "/sps/" + iysCode + "/brands"
	start := time.Now()
	c.must(c.call("GET", brands, nil), 200, nil)
	c.must(c.call("GET", brands, nil), 200, nil)
	a := c.call("GET", brands, nil)
	if time.Since(start) < window {
		wantCode(t, a, 429, CodeRateLimited)
	}
	time.Sleep(window)
	c.must(c.call("GET", brands, nil), 200, nil)
}

func TestRateLimitOff(t *testing.T) {
	_, c, _ := newSim(t, Config{Limits: map[string]int{KindBrands: 1}})
	for range 5 {
		c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, nil)
	}
}
