package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"iysgate/app/pg"
	"iysgate/app/store"
)

// api calls a running iysgate's JSON API with a bearer token.
type api struct {
	t     *testing.T
	base  string
	token string
}

// call sends body (JSON, or a ready multipart body with its content type)
// and returns the status and the answer.
func (a api) call(method, path string, body io.Reader, contentType string) (int, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return res.StatusCode, b
}

// post sends v as JSON, wants a 2xx and returns the answer's id.
func (a api) post(path string, v any) int64 {
	a.t.Helper()
	b, _ := json.Marshal(v)
	code, res := a.call("POST", path, bytes.NewReader(b), "application/json")
	var out struct{ ID int64 }
	json.Unmarshal(res, &out)
	if code/100 != 2 {
		a.t.Fatalf("POST %s: %d %s", path, code, res)
	}
	return out.ID
}

// upload posts a file with form fields and returns the new object's id.
func (a api) upload(path, name string, data []byte, fields map[string]string) int64 {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	code, res := a.call("POST", path, &body, mw.FormDataContentType())
	var out struct{ ID int64 }
	if err := json.Unmarshal(res, &out); err != nil || code != http.StatusAccepted || out.ID == 0 {
		a.t.Fatalf("upload to %s: %d %s", path, code, res)
	}
	return out.ID
}

// waitStatus polls an object of the API until its status is want.
func (a api) waitStatus(path, want string) {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var v struct{ Status string }
	for time.Now().Before(deadline) {
		_, res := a.call("GET", path, nil, "")
		json.Unmarshal(res, &v)
		if v.Status == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.t.Fatalf("%s is %q, not %q", path, v.Status, want)
}

func (a api) get(path string) []byte {
	a.t.Helper()
	code, res := a.call("GET", path, nil, "")
	if code != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, code, res)
	}
	return res
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// login signs in through the login form and reports whether it worked.
func login(t *testing.T, base, email, password string) bool {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		t.Fatal("the login page has no _csrf field")
	}
	res, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == "/"
}

// serveUntilCleanup is serve, stopped at the end of a test that failed
// before it stopped it: a serve left running would outlive its data
// directory.
func serveUntilCleanup(t *testing.T, dir string) *proc {
	t.Helper()
	p := serve(t, dir)
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.cmd.Wait()
		}
	})
	return p
}

func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "iysgate-data-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // the cluster may run as another user
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// withDB runs f on the database of a data directory, as the commands reach
// it: beside its serve, or started for f's duration. It is closed before f
// returns, so that a serve stopped afterwards stops its cluster.
func withDB(t *testing.T, dir string, f func(*pgxpool.Pool)) {
	t.Helper()
	ctx := context.Background()
	l, err := pg.OpenLocal(ctx, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	pool, err := pgxpool.New(ctx, l.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	f(pool)
}

// waitFor polls a query for one number until it is 0.
func waitFor(t *testing.T, dir, what, query string) {
	t.Helper()
	withDB(t, dir, func(pool *pgxpool.Pool) {
		deadline := time.Now().Add(60 * time.Second)
		var n int64
		for time.Now().Before(deadline) {
			if err := pool.QueryRow(context.Background(), query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: still %d", what, n)
	})
}

// volatile are River's tables that its client keeps writing on its own:
// the leader's lease, queue heartbeats, and jobs that periodic schedules
// insert and workers finish after the backup was taken. The jobs of the
// backup are restored as well; B's delivery below shows that River works.
var volatile = map[string]bool{"river_job": true, "river_leader": true, "river_queue": true, "sequence river_job_id_seq": true}

// leftOut are columns that a node writes on its own after the backup: the
// last use of API tokens is written in batches, up to 15 s late and once
// more as the node stops.
var leftOut = map[string]string{"api_tokens": "last_used_at"}

// fingerprint is every table of the public schema but the volatile ones
// (row count and a hash of its rows in any order, without the columns
// left out) and every sequence's position.
func fingerprint(t *testing.T, dir string) map[string]string {
	t.Helper()
	fp := map[string]string{}
	withDB(t, dir, func(pool *pgxpool.Pool) {
		ctx := context.Background()
		rows, err := pool.Query(ctx, `SELECT tablename, 'table' FROM pg_tables WHERE schemaname = 'public'
			UNION ALL SELECT sequencename, 'sequence' FROM pg_sequences WHERE schemaname = 'public'`)
		if err != nil {
			t.Fatal(err)
		}
		var names, kinds []string
		for rows.Next() {
			var name, kind string
			rows.Scan(&name, &kind)
			names, kinds = append(names, name), append(kinds, kind)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		for i, name := range names {
			row := "t::text"
			if col, ok := leftOut[name]; ok {
				row = fmt.Sprintf("(to_jsonb(t) - '%s')::text", col)
			}
			key, query := name, fmt.Sprintf(`SELECT count(*) || ' ' || md5(COALESCE(string_agg(md5(%s), ',' ORDER BY md5(%s)), ''))
				FROM public.%q t`, row, row, name)
			if kinds[i] == "sequence" {
				key, query = "sequence "+name, fmt.Sprintf(`SELECT last_value || ' ' || is_called FROM public.%q`, name)
			}
			if volatile[key] {
				continue
			}
			var v string
			if err := pool.QueryRow(ctx, query).Scan(&v); err != nil {
				t.Fatal(err)
			}
			fp[key] = v
		}
	})
	return fp
}

// runFails runs iysgate, wants it to fail and returns what it said.
func runFails(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	out, err := runErr(dataDir, "", args...)
	if err == nil {
		t.Fatalf("iysgate %v succeeded:\n%s", args, out)
	}
	return out
}

// The appliance's backup and restore: data dir A, populated through the API
// (a company, a brand, users and tokens, a package approved, consents by
// hand and from an import with its file, a scrub with its result, all
// delivered to the simulator), is backed up while serve runs; the backup
// restored into a fresh data dir B holds every row of A; serve on B takes
// the old password and token, serves the files byte for byte and delivers
// a new consent. Restore refuses a running serve, an occupied target
// without --force, a missing and a damaged file; --force replaces.
func TestBackupAndRestore(t *testing.T) {
	t.Setenv("IYSGATE_PG_UNSAFE_FAST", "1")
	// The simulator at İYS's limits per second instead of per minute, as
	// in the server's tests: a retried delivery does not wait a minute.
	t.Setenv("IYSGATE_IYS_RATE_WINDOW", "1s")
	t.Setenv("IYSGATE_SIM_ASYNC_DELAY", "200ms")
	t.Setenv("IYSGATE_IYS_POLL_INTERVAL", "100ms")
	t.Setenv("IYSGATE_IYS_RESOLVE_AFTER", "1s")
	dirA, dirB := dataDir(t), dataDir(t)
	p := serveUntilCleanup(t, dirA)
	admin := api{t, p.url, lastLine(run(t, dirA, "", "token", "create", "--email", "admin@ornek.com.tr"))}
	companyID := admin.post("/api/v1/companies", map[string]any{"title": "Yedek A.Ş.", "iys_code": "7750001", "integrator_assigned": true})
	brandID := admin.post("/api/v1/brands", map[string]any{"company_id": companyID, "name": "Yedek", "brand_code": "750001"})
	const email, password = "y@yedek.com.tr", "yonetici-parolasi-1"
	admin.post("/api/v1/users", map[string]any{"name": "Yedek Yönetici", "email": email, "role": "yonetici", "password": password, "brand_ids": []int64{brandID}})
	subID := admin.post("/api/v1/subscriptions", map[string]any{"company_id": companyID, "units": 5000})
	admin.post(fmt.Sprintf("/api/v1/subscriptions/%d/approve", subID), nil)
	y := api{t, p.url, lastLine(run(t, dirA, "", "token", "create", "--email", email))}

	at := time.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*3600)).Format("02.01.2006 15:04:05")
	for i := range 3 {
		y.post("/api/v1/consents", map[string]any{"brand_code": "750001", "recipient": fmt.Sprintf("0532 100 00 0%d", i), "type": "MESAJ",
			"status": "ONAY", "source": "HS_WEB", "consent_date": at, "recipient_type": "BIREYSEL"})
	}
	list := "marka_kodu,alici_tipi,ad,soyad,telefon,eposta,arama_izni,mesaj_izni,eposta_izni,kaynak,izin_tarihi\n"
	for i := range 20 {
		list += fmt.Sprintf("750001,BIREYSEL,Ayşe,Yılmaz,0533%07d,ayse%d@ornek.com.tr,ONAY,ONAY,ONAY,HS_WEB,%s\n", i, i, at)
	}
	importID := y.upload("/api/v1/imports", "liste.csv", []byte(list), nil)
	y.waitStatus(fmt.Sprintf("/api/v1/imports/%d", importID), "preview")
	y.post(fmt.Sprintf("/api/v1/imports/%d/approve", importID), map[string]any{"mode": "all", "confirmed": true})
	y.waitStatus(fmt.Sprintf("/api/v1/imports/%d", importID), "done")
	scrubID := y.upload("/api/v1/scrubs", "kampanya.csv", []byte("telefon\n05321000001\n05330000005\n05349999999\n"),
		map[string]string{"brand_code": "750001", "type": "MESAJ"})
	y.waitStatus(fmt.Sprintf("/api/v1/scrubs/%d", scrubID), "done")
	result := y.get(fmt.Sprintf("/api/v1/scrubs/%d/result.xlsx", scrubID))
	waitFor(t, dirA, "consents on their way to İYS", "SELECT count(*) FROM consent_events WHERE iys_state <> '"+string(store.SyncRegistered)+"'")
	// The pull that runs at start is over and nothing else is queued: A
	// holds still from the backup to its stop, for the comparison below.
	waitFor(t, dirA, "jobs to run", `SELECT count(*) FILTER (WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))
		+ (count(*) FILTER (WHERE kind = 'iys_pull_changes' AND state = 'completed') = 0)::int FROM river_job`)
	if !login(t, p.url, email, password) {
		t.Fatal("login on A")
	}

	file := filepath.Join(t.TempDir(), "iysgate.dump")
	if out := run(t, dirA, "", "backup", file); !strings.Contains(out, "yedek alındı") {
		t.Fatalf("backup: %s", out)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("the backup's mode is %v, want 0600", st.Mode().Perm())
	}
	if out := runFails(t, dirA, "restore", file); !strings.Contains(out, "çalışan bir iysgate") {
		t.Fatalf("restore over a running serve: %s", out)
	}
	p.stop(t, syscall.SIGTERM)
	want := fingerprint(t, dirA)
	for _, table := range []string{"consents", "consent_events", "import_chunks", "scrub_chunks", "quota_ledger", "api_tokens", "web_sessions"} {
		if strings.HasPrefix(want[table], "0 ") {
			t.Fatalf("A has no %s to restore", table)
		}
	}

	if out := run(t, dirB, "", "restore", file); !strings.Contains(out, "geri yüklendi") {
		t.Fatalf("restore: %s", out)
	}
	got := fingerprint(t, dirB)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: B has %q, A had %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("B has %d tables and sequences, A had %d", len(got), len(want))
	}
	withDB(t, dirB, func(pool *pgxpool.Pool) {
		var stored []byte
		if err := pool.QueryRow(context.Background(), "SELECT string_agg(data, ''::bytea ORDER BY seq) FROM import_chunks WHERE import_id = $1",
			importID).Scan(&stored); err != nil || string(stored) != list {
			t.Fatalf("the import's file on B: %q %v", stored, err)
		}
	})

	p = serveUntilCleanup(t, dirB)
	if !login(t, p.url, email, password) {
		t.Error("the old password does not sign in on B")
	}
	y.base = p.url
	if code := status(t, p.url+"/api/v1/me", y.token); code != http.StatusOK {
		t.Errorf("the old token on B: %d", code)
	}
	if b := y.get(fmt.Sprintf("/api/v1/scrubs/%d/result.xlsx", scrubID)); !bytes.Equal(b, result) {
		t.Errorf("the scrub's result on B: %d bytes, %d on A", len(b), len(result))
	}
	y.post("/api/v1/consents", map[string]any{"brand_code": "750001", "recipient": "0532 100 00 99", "type": "MESAJ",
		"status": "ONAY", "source": "HS_WEB", "consent_date": at, "recipient_type": "BIREYSEL"})
	waitFor(t, dirB, "the consent added on B on its way to İYS", "SELECT count(*) FROM consent_events WHERE iys_state <> '"+string(store.SyncRegistered)+"'")
	var quota struct{ Spent int }
	json.Unmarshal(y.get(fmt.Sprintf("/api/v1/quota?company_id=%d", companyID)), &quota)
	if wantSpent := 3 + 20*3 + 1; quota.Spent != wantSpent {
		t.Errorf("B's quota spent %d, want %d", quota.Spent, wantSpent)
	}
	p.stop(t, syscall.SIGTERM)

	if out := runFails(t, dirB, "restore", file); !strings.Contains(out, "--force") {
		t.Fatalf("restore over B: %s", out)
	}
	out, err := runErr(dirB, "", "restore", "--force", file)
	if err != nil || !strings.Contains(out, "geri yüklendi") || !strings.Contains(out, "siliniyor") || !strings.Contains(out, "64 izin") {
		t.Fatalf("restore --force: %v\n%s", err, out)
	}
	if got := fingerprint(t, dirB); got["consent_events"] != want["consent_events"] {
		t.Errorf("after restore --force B has events %q, the backup %q", got["consent_events"], want["consent_events"])
	}
	if out := runFails(t, dataDir(t), "restore", filepath.Join(t.TempDir(), "yok.dump")); !strings.Contains(out, "bulunamadı") {
		t.Errorf("restore of a missing file: %s", out)
	}
	whole, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(t.TempDir(), "eksik.dump")
	if err := os.WriteFile(damaged, whole[:len(whole)*9/10], 0o600); err != nil {
		t.Fatal(err)
	}
	if out := runFails(t, dataDir(t), "restore", damaged); !strings.Contains(out, "bozuk ya da eksik") && !strings.Contains(out, "başarısız") {
		t.Errorf("restore of a damaged file: %s", out)
	}
}

// With DATABASE_URL, a backup of one database restores into an empty one
// on the same server, whose users and tokens then work; a restore refuses
// the occupied source without --force, and a database a serve is connected
// to even with it.
func TestBackupAndRestoreDatabaseURL(t *testing.T) {
	t.Setenv("IYSGATE_PG_UNSAFE_FAST", "1")
	ctx := context.Background()
	c, err := pg.NewCluster(filepath.Join(dataDir(t), "pg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c.Adopt()
	t.Cleanup(func() { c.Stop() })
	dbURL := func(name string) string {
		if err := pg.CreateDatabase(ctx, c.AdminURL(), name, ""); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(c.AdminURL())
		u.Path = "/" + name
		return u.String()
	}
	source, target := dbURL("kaynak"), dbURL("hedef")
	dir := dataDir(t) // unused by the commands: DATABASE_URL wins
	run(t, dir, "admin-parolasi-1\n", "user", "add", "--database-url", source, "--email", "admin@ornek.com.tr", "--name", "Admin", "--role", "admin")
	file := filepath.Join(t.TempDir(), "iysgate.dump")
	run(t, dir, "", "backup", "--database-url", source, file)
	if out := run(t, dir, "", "restore", "--database-url", target, file); !strings.Contains(out, "DATABASE_URL") {
		t.Fatalf("restore: %s", out)
	}
	token := lastLine(run(t, dir, "", "token", "create", "--database-url", target, "--email", "admin@ornek.com.tr"))
	if out := runFails(t, dir, "restore", "--database-url", source, file); !strings.Contains(out, "--force") {
		t.Fatalf("restore over the source: %s", out)
	}

	t.Setenv("DATABASE_URL", target)
	p := serveUntilCleanup(t, dir)
	if out := runFails(t, dir, "restore", "--force", file); !strings.Contains(out, "çalışan bir iysgate") {
		t.Fatalf("restore under a serve: %s", out)
	}
	if code := status(t, p.url+"/api/v1/me", token); code != http.StatusOK {
		t.Fatalf("a token made on the restored database: %d", code)
	}
	p.stop(t, syscall.SIGTERM)
}
