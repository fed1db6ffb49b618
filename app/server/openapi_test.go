package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"iysgate/app/web"
)

// The API's description (app/web/openapi.yaml) is checked two ways: it
// names every /api/v1 route with its permission and no other
// (TestOpenAPIDescribesEveryRoute), and every API call any server test
// makes through its client is validated against it (apiValidator, the
// client's transport): a request the description refuses must be refused,
// and every answer must be one the description gives, with every field of
// every object in it (the description does not forbid other fields, so
// that clients accept fields added later; here it does).

// apiDoc is the description as the validator reads it.
type apiDoc struct {
	doc    *openapi3.T
	router routers.Router
	errs   *openapi3.Schema // the Error schema, for answers outside the description
}

// loadAPIDoc is the description, loadAPIDoc30 its OpenAPI 3.0 view
// (web.OpenAPI30): every call is validated against both, so that the view
// says what the description says.
var (
	loadAPIDoc   = sync.OnceValues(func() (*apiDoc, error) { return readAPIDoc(web.OpenAPI, true) })
	loadAPIDoc30 = sync.OnceValues(func() (*apiDoc, error) { return readAPIDoc(web.OpenAPI30, false) })
)

func readAPIDoc(get func() ([]byte, error), v31 bool) (*apiDoc, error) {
	src, err := get()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("not a valid OpenAPI %s document: %w", doc.OpenAPI, err)
	}
	if doc.IsOpenAPI31OrLater() != v31 {
		return nil, fmt.Errorf("OpenAPI %s, want 3.1: %v", doc.OpenAPI, v31)
	}
	// Requests are routed by their path (the test server's host is not
	// the description's).
	doc.Servers = nil
	seen := map[*openapi3.Schema]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, res := range op.Responses.Map() {
				for _, mt := range res.Value.Content {
					closeObjects(mt.Schema, seen)
				}
			}
		}
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiDoc{doc: doc, router: router, errs: doc.Components.Schemas["Error"].Value}, nil
}

// closeObjects gives every object schema of an answer that lists its
// properties additionalProperties: false, so that a field the
// description does not name fails the test that received it.
func closeObjects(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
		no := false
		s.AdditionalProperties.Has = &no
	}
	for _, p := range s.Properties {
		closeObjects(p, seen)
	}
	closeObjects(s.Items, seen)
	closeObjects(s.AdditionalProperties.Schema, seen)
	for _, alt := range append(append(slices.Clone(s.OneOf), s.AnyOf...), s.AllOf...) {
		closeObjects(alt, seen)
	}
}

func init() {
	// Workbooks and lists are files: read as such (the description gives
	// no schema for their content).
	for _, ct := range []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// bearer is the description's security scheme: a request carries a bearer
// token (whether the token is valid is the server's to say: 401).
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return nil
	}
	return errors.New("no bearer token")
}

// check returns what is wrong with an API call by the description, or "".
// The rules: a call to a route the description does not name must be
// answered 404 or 405; a request the description refuses must be answered
// with a 4xx; every answer must be one the description gives for the
// operation: its status, its content type, its schema (and no body where
// it gives none).
func (d *apiDoc) check(req *http.Request, reqBody []byte, status int, header http.Header, resBody []byte) string {
	ctx := context.Background()
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := d.router.FindRoute(r)
	if err != nil {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Sprintf("the description has no operation %s %s, but the server answered %d", req.Method, req.URL.Path, status)
		}
		var v any
		if err := json.Unmarshal(resBody, &v); err != nil {
			return "the answer is not JSON: " + err.Error()
		}
		var opts []openapi3.SchemaValidationOption
		if d.doc.IsOpenAPI31OrLater() {
			opts = append(opts, openapi3.EnableJSONSchema2020())
		}
		if err := d.errs.VisitJSON(v, opts...); err != nil {
			return "the answer is not an Error: " + err.Error()
		}
		return ""
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearer, MultiError: true}}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && (status < 400 || status >= 500) {
		return fmt.Sprintf("the description refuses the request, but the server answered %d:\n%v", status, err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(resBody)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Sprintf("the answer is not one the description gives:\n%v\nbody: %.600s", err, resBody)
	}
	if res := route.Operation.Responses.Status(status); res != nil && len(res.Value.Content) == 0 && len(resBody) > 0 {
		return fmt.Sprintf("the description gives no body for %d, the server sent %.200s", status, resBody)
	}
	return ""
}

// apiValidator is the transport of the test clients: it validates every
// /api/v1 call against the description and fails the test that made it.
type apiValidator struct {
	t    testing.TB
	next http.RoundTripper
}

func (v *apiValidator) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, bench := v.t.(*testing.B); bench || !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return v.next.RoundTrip(req) // benchmarks measure the server, not the validator
	}
	doc, err := loadAPIDoc()
	if err != nil {
		v.t.Errorf("openapi.yaml: %v", err)
		return v.next.RoundTrip(req)
	}
	doc30, err := loadAPIDoc30()
	if err != nil {
		v.t.Errorf("openapi.yaml as OpenAPI 3.0: %v", err)
		return v.next.RoundTrip(req)
	}
	var reqBody []byte
	out := req.Clone(req.Context())
	if req.Body != nil {
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		// The same body, sent the same way (chunked when its length was
		// not known).
		out.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := v.next.RoundTrip(out)
	if err != nil {
		return res, err // the server closed the connection: nothing to validate
	}
	resBody, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	if err != nil {
		return res, nil
	}
	if problem := doc.check(req, reqBody, res.StatusCode, res.Header, resBody); problem != "" {
		v.t.Errorf("API call %s %s → %d: %s", req.Method, req.URL.RequestURI(), res.StatusCode, problem)
	} else if problem := doc30.check(req, reqBody, res.StatusCode, res.Header, resBody); problem != "" {
		v.t.Errorf("API call %s %s → %d, by the OpenAPI 3.0 view (openapi-3.0.json) only: %s", req.Method, req.URL.RequestURI(), res.StatusCode, problem)
	}
	return res, nil
}

// fiberParam is a Fiber path parameter (:id), an OpenAPI one is {id}.
var fiberParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// The description names every route registered under /api/v1, with the
// permission routes.go gives it, and nothing else.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	perms := e.app.Web.Permissions()
	registered := map[string]bool{}
	for _, r := range e.app.Web.App().GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == "USE" || !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		path := fiberParam.ReplaceAllString(r.Path, "{$1}")
		key := r.Method + " " + path
		registered[key] = true
		item := d.doc.Paths.Find(path)
		var op *openapi3.Operation
		if item != nil {
			op = item.GetOperation(r.Method)
		}
		if op == nil {
			t.Errorf("route %s %s (routes.go) is not in app/web/openapi.yaml: add paths.%q.%s", r.Method, r.Path, path, strings.ToLower(r.Method))
			continue
		}
		if got, want := op.Extensions["x-iysgate-permission"], perms[r.Method+" "+r.Path]; got != want {
			t.Errorf("openapi.yaml: %s has x-iysgate-permission %v, routes.go guards it with %q", key, got, want)
		}
		if want := perms[r.Method+" "+r.Path]; want == "public" && (op.Security == nil || len(*op.Security) != 0) {
			t.Errorf("openapi.yaml: %s is public, its operation must say security: []", key)
		}
	}
	var documented []string
	for path, item := range d.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(documented)
	for _, key := range documented {
		if !registered[key] {
			t.Errorf("app/web/openapi.yaml describes %s, which routes.go does not register", key)
		}
	}
	if len(registered) == 0 {
		t.Fatal("no /api/v1 route found")
	}
}

// The validator refuses what the description does not allow: a field of
// the wrong type, a field it does not name, a missing field, a status it
// does not give, a body where it gives none, a refused request that
// succeeds, a route it does not name; and it passes a call that is right.
// Both the description and its OpenAPI 3.0 view refuse them.
func TestAPIValidatorRefuses(t *testing.T) {
	t.Parallel()
	for name, load := range map[string]func() (*apiDoc, error){"3.1": loadAPIDoc, "3.0": loadAPIDoc30} {
		t.Run(name, func(t *testing.T) {
			d, err := load()
			if err != nil {
				t.Fatal(err)
			}
			validatorRefuses(t, d)
		})
	}
}

func validatorRefuses(t *testing.T, d *apiDoc) {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	get := func(path string) *http.Request {
		r, _ := http.NewRequest("GET", "http://127.0.0.1:1"+path, nil)
		r.Header.Set("Authorization", "Bearer x")
		return r
	}
	post := func(path, body string) (*http.Request, []byte) {
		r, _ := http.NewRequest("POST", "http://127.0.0.1:1"+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer x")
		r.Header.Set("Content-Type", "application/json")
		return r, []byte(body)
	}
	brand := `{"id":1,"company_id":1,"company_title":"Örnek","iys_code":"7600001","name":"Market","brand_code":"600001","four_eyes":false}`
	page := `{"brands":[` + brand + `],"next_cursor":null}`
	if p := d.check(get("/api/v1/brands"), nil, 200, jsonHeader, []byte(page)); p != "" {
		t.Fatalf("a right answer is refused: %s", p)
	}
	approve, body := post("/api/v1/imports/1/approve", `{"mode":"herkes","confirmed":true}`)
	refusals := []struct {
		name   string
		req    *http.Request
		body   []byte
		status int
		answer string
	}{
		{"a field of the wrong type", get("/api/v1/brands"), nil, 200, strings.Replace(page, `"id":1`, `"id":"1"`, 1)},
		{"a field the description does not name", get("/api/v1/brands"), nil, 200, strings.Replace(page, `"four_eyes":false`, `"four_eyes":false,"secret":1`, 1)},
		{"a missing field", get("/api/v1/brands"), nil, 200, strings.Replace(page, `,"next_cursor":null`, ``, 1)},
		{"a cursor that is a number", get("/api/v1/brands"), nil, 200, strings.Replace(page, `null`, `7`, 1)},
		{"a status the description does not give", get("/api/v1/brands"), nil, 418, `{"error":{"code":"X","message":"x"}}`},
		{"an error of another shape", get("/api/v1/imports/1"), nil, 404, `{"code":"NOT_FOUND"}`},
		{"an error answer without its body", get("/api/v1/me"), nil, 401, ``},
		{"a refused request that succeeds", approve, body, 200, `{}`},
		{"a route the description does not name", get("/api/v1/nowhere"), nil, 200, `{}`},
	}
	for _, r := range refusals {
		if p := d.check(r.req, r.body, r.status, jsonHeader, []byte(r.answer)); p == "" {
			t.Errorf("%s: passes", r.name)
		} else {
			t.Logf("%s: %.300s", r.name, p)
		}
	}
	// A 204 with a body.
	del, _ := http.NewRequest("DELETE", "http://127.0.0.1:1/api/v1/tokens/1", nil)
	del.Header.Set("Authorization", "Bearer x")
	if p := d.check(del, nil, 204, http.Header{}, []byte(`{"ok":true}`)); p == "" {
		t.Error("a 204 with a body passes")
	}
}

// oapiCodegen is the client generator TestOpenAPIGeneratedClient runs, and
// oapiRuntime the version of its runtime library the generated client
// builds with.
const (
	oapiCodegen = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2"
	oapiRuntime = "github.com/oapi-codegen/runtime v1.9.0"
)

// A client generated from the served description by oapi-codegen (which
// reads OpenAPI 3.0 only: it is given /api/v1/openapi-3.0.json) builds, and
// a program on it (testdata/apiclient) lists imports, uploads a workbook,
// approves it, follows its approval job and reads the recipient's consents
// from a running appliance.
// Its answers are decoded into the generated types, so an answer the
// description misnames fails here too.
func TestOpenAPIGeneratedClient(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command, to generate and build the client: %v", err)
	}
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "900700")
	api := e.apiClient(e.user("p@ornek.com.tr", "personel", b.ID))

	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	spec := api.get("/api/v1/openapi-3.0.json")
	if spec.status != http.StatusOK {
		t.Fatalf("openapi-3.0.json: %d", spec.status)
	}
	write("openapi.json", []byte(spec.body))
	write("go.mod", []byte("module iysgateclient\n\ngo 1.24\n\nrequire "+oapiRuntime+"\n"))
	program, err := os.ReadFile("testdata/apiclient/main.go")
	if err != nil {
		t.Fatal(err)
	}
	write("main.go", program)
	write("iysgate/.keep", nil)
	run(goBin, "run", oapiCodegen, "-generate", "types,client", "-package", "iysgate", "-o", "iysgate/client.gen.go", "openapi.json")
	run(goBin, "mod", "tidy")
	run(goBin, "build", "-o", "apiclient", ".")

	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	write("izinler.xlsx", workbook(t, [][]any{
		{"900700", "BIREYSEL", "Ayşe", "Yılmaz", "0532 111 22 33", "", "ONAY", "ONAY", "", "HS_WEB", at},
	}))
	out := run(filepath.Join(dir, "apiclient"), e.base, api.token, "900700", filepath.Join(dir, "izinler.xlsx"), "+905321112233")
	t.Logf("apiclient:\n%s", out)
	for _, want := range []string{
		"imports before: 0\n",
		"preview: 1 rows\n",
		"approve: approving\n",
		"approved: 2 of 2 consents written\n", // ARAMA and MESAJ

		"import: 1 izinler.xlsx ", // the one import (this test's database), whatever its stage by now
		"consent: +905321112233 ARAMA ONAY HS_WEB\n",
		"consent: +905321112233 MESAJ ONAY HS_WEB\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apiclient did not print %q", want)
		}
	}
	if n := count(t, e, "SELECT count(*) FROM consents"); n != 2 {
		t.Errorf("consents after the generated client's import: %d, want 2", n)
	}
}

// The API page: linked from API Anahtarları, it explains the API in
// Turkish and Redoc (vendored, static/redoc) renders the description's
// operations, within the page's Content-Security-Policy: a violation other
// than Redocly's logo (an image from its CDN, kept out by img-src) fails.
func TestAPIPage(t *testing.T) {
	e := newEnv(t)
	b := e.brand("Örnek Gıda", "Örnek Market", "900800")
	u := e.user("p@ornek.com.tr", "personel", b.ID)
	ctx := browser(t)
	do, text := steps(t, ctx)
	do(chromedp.Navigate(e.base+"/login"), chromedp.WaitVisible("#login-submit"),
		chromedp.SendKeys("#email", u.Email), chromedp.SendKeys("#password", u.Email+"-parola"),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#current-user"))
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.cspViolations = [];
			document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`,
	}); err != nil {
		t.Fatal(err)
	}
	do(chromedp.Navigate(e.base+"/tokens"), chromedp.WaitVisible("#api-docs-link"), chromedp.Click("#api-docs-link"),
		chromedp.WaitVisible("#api-intro"),
		// Redoc has rendered the operations (one id per operation).
		chromedp.WaitVisible(`[id$="operation/listImports"]`))
	if intro := text("#api-intro"); !strings.Contains(intro, "Authorization: Bearer") || !strings.Contains(intro, "Listeler sayfa sayfa gelir") {
		t.Errorf("the page's introduction: %q", intro)
	}
	if op := text(`[id$="operation/uploadImport"]`); !strings.Contains(op, "multipart/form-data") {
		t.Errorf("uploadImport as rendered: %.300q", op)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		if !strings.HasPrefix(v, "img-src https://cdn.redoc.ly/") {
			t.Errorf("Content-Security-Policy violation on the API page: %s", v)
		}
	}
}
