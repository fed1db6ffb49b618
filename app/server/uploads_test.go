package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"iysgate/app/config"
)

// multipartBody is a form with a file of size bytes (and fields first).
func multipartBody(size int, fields map[string]string) (*bytes.Buffer, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "buyuk.csv")
	fw.Write(bytes.Repeat([]byte("a"), size))
	mw.Close()
	return &body, mw.FormDataContentType()
}

// rawDo sends a request and returns the answer, or the error of a
// connection the server closed before answering.
func (c *client) rawDo(method, path string, body io.Reader, contentType string) (response, error) {
	req, err := http.NewRequest(method, c.e.base+path, body)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", contentType)
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(b), header: res.Header}, nil
}

// A file over the upload limit is refused with a Turkish 413 while it
// streams in, with or without a Content-Length, on every upload route, and
// nothing of it is stored.
func TestUploadLimit(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *config.Config) { c.MaxUploadBytes = 1 << 20 })
	b := e.brand("Örnek Gıda", "Örnek Market", "940001")
	u := e.user("p@ornek.com.tr", "personel", b.ID)
	api := e.apiClient(u)
	ui := e.client()
	ui.login(u.Email, u.Email+"-parola")
	stored := func() int {
		return count(t, e, "SELECT (SELECT count(*) FROM imports) + (SELECT count(*) FROM import_chunks) + (SELECT count(*) FROM scrubs) + (SELECT count(*) FROM scrub_chunks)")
	}
	fields := map[string]string{"brand_code": "940001", "type": "MESAJ"}
	for _, tc := range []struct {
		c       *client
		path    string
		chunked bool
	}{
		{api, "/api/v1/imports", false}, {api, "/api/v1/imports", true},
		{api, "/api/v1/scrubs", false}, {api, "/api/v1/scrubs", true},
		{ui, "/imports", false}, {ui, "/imports", true}, {ui, "/scrubs", true},
	} {
		f := map[string]string{}
		for k, v := range fields {
			f[k] = v
		}
		if tc.c == ui {
			f["_csrf"] = ui.csrf
		}
		body, ct := multipartBody(3<<20, f)
		var r io.Reader = body
		if tc.chunked {
			r = io.MultiReader(body) // no length known: sent chunked
		}
		res, err := tc.c.rawDo("POST", tc.path, r, ct)
		if err != nil {
			t.Logf("%s (chunked %v): connection closed before the answer was read: %v", tc.path, tc.chunked, err)
		} else if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "en çok 1 MB") {
			t.Errorf("%s (chunked %v): %d %.200s", tc.path, tc.chunked, res.status, res.body)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%s (chunked %v): %d rows stored for a refused upload", tc.path, tc.chunked, n)
		}
	}
	// Just under the limit is taken.
	body, ct := multipartBody(1<<20-100, map[string]string{})
	if res, err := api.rawDo("POST", "/api/v1/imports", body, ct); err != nil || res.status != http.StatusAccepted {
		t.Fatalf("upload under the limit: %v %d %s", err, res.status, res.body)
	}
}

// One company holds at most IYSGATE_MAX_STORED_MB of files; ended imports
// free their part when their files are deleted after the retention period.
func TestUploadBudget(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *config.Config) { c.MaxUploadBytes = 1 << 20; c.MaxStoredBytes = 3 << 20 })
	b := e.brand("Örnek Gıda", "Örnek Market", "950001")
	other := e.brand("Başka", "Başka Marka", "950002")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))
	send := func(c *client) response {
		body, ct := multipartBody(900<<10, map[string]string{})
		res, err := c.rawDo("POST", "/api/v1/imports", body, ct)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var ids []int64
	for range 3 {
		r := send(api)
		var v struct{ ID int64 }
		json.Unmarshal([]byte(r.body), &v)
		if r.status != http.StatusAccepted {
			t.Fatalf("upload within the budget: %d %s", r.status, r.body)
		}
		ids = append(ids, v.ID)
	}
	for _, id := range ids {
		waitImport(t, api, id) // not a workbook: failed, its file kept
	}
	r := send(api)
	var body struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal([]byte(r.body), &body)
	if r.status != http.StatusInsufficientStorage || body.Error.Code != "STORAGE_FULL" || !strings.Contains(body.Error.Message, "3 MB") {
		t.Fatalf("upload over the budget: %d %s", r.status, r.body)
	}
	// Another company's budget is its own.
	otherAPI := e.apiClient(e.user("q@baska.com.tr", "personel", other.ID))
	r = send(otherAPI)
	if r.status != http.StatusAccepted {
		t.Fatalf("another company's upload: %d %s", r.status, r.body)
	}
	var theirs struct{ ID int64 }
	json.Unmarshal([]byte(r.body), &theirs)
	waitImport(t, otherAPI, theirs.ID)
	// Discarding a list frees its part at once.
	if r := api.do("DELETE", "/api/v1/imports/"+itoa(ids[0]), nil, ""); r.status != http.StatusNoContent {
		t.Fatalf("discard: %d %s", r.status, r.body)
	}
	r = send(api)
	if r.status != http.StatusAccepted {
		t.Fatalf("upload after a discard: %d %s", r.status, r.body)
	}
	var last struct{ ID int64 }
	json.Unmarshal([]byte(r.body), &last)
	waitImport(t, api, last.ID) // failed too before its file is looked at
	// After the retention period the failed imports' files go.
	n, err := e.st.DeleteEndedFiles(context.Background(), 0)
	if err != nil || n < 2 {
		t.Fatalf("DeleteEndedFiles: %d %v", n, err)
	}
	if c := count(t, e, "SELECT count(*) FROM import_chunks c JOIN imports i ON i.id = c.import_id WHERE i.status = 'failed'"); c != 0 {
		t.Fatalf("%d chunks of failed imports left", c)
	}
	if r := send(api); r.status != http.StatusAccepted {
		t.Fatalf("upload after the retention sweep: %d %s", r.status, r.body)
	}
}
