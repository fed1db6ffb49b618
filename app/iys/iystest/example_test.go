package iystest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iystest"
)

// A simulator with faults off, a token, one consent, and what the
// simulator saw. The appliance mounts Handler the same way.
func ExampleNew() {
	sim := iystest.New(iystest.Config{})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	post := func(path, token, body string) string {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}

	tok := post("/oauth2/token", "", `{"username":"u","password":"p","grant_type":"password"}`)
	token := strings.Split(strings.Split(tok, `"access_token":"`)[1], `"`)[0]

	consentDate := consent.FormatIYS(time.Now().Add(-time.Hour))
	ans := post("/sps/600001/brands/700001/consents", token,
		`{"recipient":"+905321234567","type":"MESAJ","status":"RET","recipientType":"BIREYSEL","source":"HS_WEB","consentDate":"`+consentDate+`"}`)
	fmt.Println(ans)

	st := sim.Stats()
	fmt.Println(st.ConsentsStored, st.Requests["consent_add"])
	// Output:
	// 422 {"errors":[{"code":"SIM_FIRST_RET","location":["status"],"message":"Alıcının ilk kaydı RET olamaz; önce ONAY kaydı gerekir."}]}
	// 0 map[422:1]
}
