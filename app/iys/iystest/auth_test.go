package iystest

import (
	"testing"
	"time"
)

func TestCredentials(t *testing.T) {
	_, c, _ := newSim(t, Config{Credentials: &[2]string{"ali", "gizli-parola"}})
	wantCode(t, c.tokenCall(map[string]string{"username": "ali", "password": "yanlis", "grant_type": "password"}), 401, CodeUnauthorized)
	wantCode(t, c.tokenCall(map[string]string{"username": "veli", "password": "gizli-parola", "grant_type": "password"}), 401, CodeUnauthorized)
	wantCode(t, c.tokenCall(map[string]string{"username": "ali", "password": "gizli-parola", "grant_type": "client_credentials"}), 400, CodeBadRequest)
	wantCode(t, c.tokenCall([]byte(`{"username":`)), 400, CodeBadRequest)

	var tok tokenAnswer
	c.must(c.tokenCall(map[string]string{"username": "ali", "password": "gizli-parola", "grant_type": "password"}), 200, &tok)
	if tok.ExpiresIn != 7200 || tok.RefreshExpiresIn != 14400 || tok.TokenType != "bearer" || tok.RefreshToken == "" {
		t.Fatalf("token answer %+v", tok)
	}
	c.token = tok.AccessToken
	c.must(c.add(onay(phone, t0)), 200, nil)

	for _, bad := range []string{"", "yanlis-anahtar", tok.RefreshToken} {
		c.token = bad
		a := c.add(onay(phone, t0))
		wantCode(t, a, 401, CodeUnauthorized)
		if a.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
}

// TestTokenExpiryAndRefresh: access tokens live TokenTTL, refresh tokens
// twice that; a refresh token is single-use.
func TestTokenExpiryAndRefresh(t *testing.T) {
	ttl := 100 * time.Second
	_, c, clk := newSim(t, Config{TokenTTL: ttl})
	var tok tokenAnswer
	c.must(c.tokenCall(map[string]string{"username": "u", "password": "p", "grant_type": "password"}), 200, &tok)
	if tok.ExpiresIn != 100 || tok.RefreshExpiresIn != 200 {
		t.Fatalf("lifetimes %+v", tok)
	}
	c.token = tok.AccessToken
	brands := "/sps/" + iysCode + "/brands"
	clk.Advance(ttl - time.Second)
	c.must(c.call("GET", brands, nil), 200, nil)
	clk.Advance(time.Second)
	wantCode(t, c.call("GET", brands, nil), 401, CodeUnauthorized)

	// Refresh while the refresh token lives: a new pair.
	clk.Advance(ttl / 2)
	var fresh tokenAnswer
	c.must(c.tokenCall(map[string]string{"refresh_token": tok.RefreshToken, "grant_type": "refresh_token"}), 200, &fresh)
	c.token = fresh.AccessToken
	c.must(c.call("GET", brands, nil), 200, nil)
	// The used refresh token is retired.
	wantCode(t, c.tokenCall(map[string]string{"refresh_token": tok.RefreshToken, "grant_type": "refresh_token"}), 401, CodeUnauthorized)
	wantCode(t, c.tokenCall(map[string]string{"refresh_token": "bilinmeyen", "grant_type": "refresh_token"}), 401, CodeUnauthorized)

	// A refresh token expires after twice the TTL.
	clk.Advance(2 * ttl)
	wantCode(t, c.tokenCall(map[string]string{"refresh_token": fresh.RefreshToken, "grant_type": "refresh_token"}), 401, CodeUnauthorized)
}

func TestBrandNotAllowed(t *testing.T) {
	_, c, _ := newSim(t, Config{Brands: map[string][]string{iysCode: {brand, "700003"}}})
	c.must(c.add(onay(phone, t0)), 200, nil)
	for _, path := range []string{
		"/sps/" + iysCode + "/brands/700002/consents",
		"/sps/600002/brands/" + brand + "/consents",
	} {
		wantCode(t, c.call("POST", path, onay(phone, t0)), 403, CodeBrandNotAllowed)
		wantCode(t, c.call("POST", path+"/status", map[string]string{"recipient": phone, "recipientType": "BIREYSEL", "type": "MESAJ"}), 403, CodeBrandNotAllowed)
		wantCode(t, c.call("GET", path+"/changes?source=HS", nil), 403, CodeBrandNotAllowed)
	}
	var list []wireBrand
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, &list)
	if len(list) != 2 || list[0].BrandCode != brand || list[1].BrandCode != "700003" {
		t.Fatalf("brands %+v", list)
	}
	wantCode(t, c.call("GET", "/sps/600002/brands", nil), 403, CodeBrandNotAllowed)
}

// TestBrandsWithoutConfig: any brand is accepted, and the brands call lists
// the ones used so far.
func TestBrandsWithoutConfig(t *testing.T) {
	_, c, _ := newSim(t, Config{})
	var list []wireBrand
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, &list)
	if len(list) != 0 {
		t.Fatalf("brands %+v", list)
	}
	c.must(c.call("POST", "/sps/"+iysCode+"/brands/700009/consents", onay(phone, t0)), 200, nil)
	c.must(c.add(onay(phone, t0)), 200, nil)
	c.must(c.call("GET", "/sps/"+iysCode+"/brands", nil), 200, &list)
	if len(list) != 2 || list[0].BrandCode != brand || list[1].BrandCode != "700009" {
		t.Fatalf("brands %+v", list)
	}
}

func TestUnknownPath(t *testing.T) {
	_, c, _ := newSim(t, Config{})
	wantCode(t, c.call("GET", "/sps/"+iysCode+"/nope", nil), 404, CodeNotFound)
	wantCode(t, c.call("DELETE", consents, nil), 404, CodeNotFound)
}
