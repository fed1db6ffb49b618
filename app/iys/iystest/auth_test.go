package iystest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	_, c, clk := newSim(t, Config{Credentials: &[2]string{"entegrator", "parola"}, TokenTTL: time.Minute})
	c.token = ""
	for body, desc := range map[string]string{
		`{"username":"entegrator","password":"yanlış","grant_type":"password"}`: "Kullanıcı kimlik bilgileri geçersiz.",
		`{"username":"entegrator","password":"parola"}`:                         "Giriş yöntemi belirtilmemiş.",
		`{"password":"parola","grant_type":"password"}`:                         "Kullanıcı adı verilmemiş.",
		`{"grant_type":"refresh_token"}`:                                        "Yenileme jetonu verilmemiş.",
		`{"grant_type":"client_credentials"}`:                                   "Bilinmeyen giriş yöntemi.",
	} {
		a := c.do("POST", "/oauth2/token", "application/json", stringReader(body))
		var e struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		c.must(a, 400, &e)
		if e.ErrorDescription != desc || e.Error == "" {
			t.Errorf("%s: %+v, want %q", body, e, desc)
		}
	}
	a := c.form("/oauth2/token", url.Values{"username": {"entegrator"}, "password": {"parola"}, "grant_type": {"password"}})
	var tok tokenAnswer
	c.must(a, 200, &tok)
	if tok.ExpiresIn != 60 || tok.RefreshExpiresIn != 120 || tok.TokenType != "bearer" {
		t.Errorf("token %+v", tok)
	}
	c.token = tok.AccessToken
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, nil)
	clk.Advance(time.Minute)
	wantCodes(t, c.call("GET", "/sps/"+iysCode+"/brands", nil), 401, "H351")
	// A refresh token works once.
	c.must(c.form("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}), 200, nil)
	c.must(c.form("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}), 400, nil)
}

// Over the token budget İYS refuses with H084 for an hour, and a request
// before the hour is over restarts it.
func TestTokenLockout(t *testing.T) {
	s, c, clk := newSim(t, Config{RateLimits: true, TokensPerHour: 3, Hour: time.Minute})
	for range 2 { // the login of newSim was the first
		c.login("entegrator", "parola")
		clk.Advance(time.Second)
	}
	login := func() answer {
		return c.do("POST", "/oauth2/token", "application/json", stringReader(`{"username":"a","password":"b","grant_type":"password"}`))
	}
	wantCodes(t, login(), 429, "H084")
	clk.Advance(50 * time.Second)
	wantCodes(t, login(), 429, "H084") // restarts the hour
	clk.Advance(50 * time.Second)
	wantCodes(t, login(), 429, "H084")
	clk.Advance(61 * time.Second)
	if a := login(); a.status != 200 {
		t.Fatalf("after a quiet hour: %d %s", a.status, a.body)
	}
	st := s.Stats()
	if st.TokenRequestsInLockout != 2 || st.MaxTokenRequestsPerHour < 4 || len(st.TokenRequestsPerHour) == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPerSecondAndHourlyLimits(t *testing.T) {
	s, c, clk := newSim(t, Config{RateLimits: true})
	for i := range 9 { // the login was the first of the second
		if a := c.call("GET", "/sps/"+iysCode+"/brands", nil); a.status != 200 {
			t.Fatalf("call %d: %d", i, a.status)
		}
	}
	wantCodes(t, c.call("GET", "/sps/"+iysCode+"/brands", nil), 429, "H124")
	if st := s.Stats(); st.MaxRequestsPerSecond != 11 { // the refused one too
		t.Errorf("max per second %d, want 11", st.MaxRequestsPerSecond)
	}
	q := map[string]string{"recipient": "+905320000001", "recipientType": "BIREYSEL", "type": "MESAJ"}
	clk.Advance(time.Second)
	hist := 0
	for range 120 {
		clk.Advance(101 * time.Millisecond)
		a := c.call("POST", sp+"/consents/history", q)
		if a.status == 429 {
			wantCodes(t, a, 429, "H089")
			break
		}
		hist++
	}
	if hist != 100 {
		t.Errorf("%d history queries before H089, want 100", hist)
	}
	for i := 0; ; i++ {
		clk.Advance(101 * time.Millisecond)
		a := c.call("POST", sp+"/consents/status", q)
		if a.status == 429 {
			wantCodes(t, a, 429, "H086")
			if i != 1000 {
				t.Errorf("%d status queries before H086, want 1000", i)
			}
			break
		}
	}
}

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }
