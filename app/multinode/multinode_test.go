package multinode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
	"iysgate/app/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	adminEmail, adminPassword = "admin@dugum.com.tr", "yonetici-parolasi-1"
	metricsToken              = "olcum-anahtari-0123456789"
	simUser, simPassword      = "entegrator", "parola"
	companies                 = 4
)

var (
	nodeReady = regexp.MustCompile(`iysgate çalışıyor: (http://\S+)`)
	simReady  = regexp.MustCompile(`msg="İYS simulator listening" addr=(\S+)`)
)

// Two `iysgate serve` nodes share one PostgreSQL behind a load balancer
// that is not sticky (the test reaches them in turn), and one İYS account
// at a standalone simulator that fails a tenth of the calls and loses a
// tenth of the adds' answers. Four companies' imports (24,000 consents;
// IYSGATE_MULTINODE_CONSENTS changes it) are approved; while the lists are
// on their way one node is killed with SIGKILL, and the other finishes.
// Every consent ends final, İYS stores none twice, each company's quota is
// debited by exactly its accepted consents, and the installation as a
// whole keeps İYS's limits: at most 10 calls a second and one token, as İYS
// counts per integrator account and address, not per process. Before that:
// a web session made on one node is valid on the other, and a role taken
// away on one node is enforced on the other within a second.
func TestSeveralNodes(t *testing.T) {
	needPostgres(t)
	total := 24000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_MULTINODE_CONSENTS")); err == nil && v >= 2*companies {
		total = v
	}
	rows := total / companies / 2 // each row: MESAJ and ARAMA
	total = rows * 2 * companies
	start := time.Now()
	dir := t.TempDir()
	var procs []*proc
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range procs {
			t.Logf("--- %s (exit: %v; the whole log was %s) ---\n%s", p.name, p.waitErr, p.logPath, p.tail(60))
		}
	})

	// An empty database: the nodes migrate it as they start, side by side.
	dbURL := pgtest.EmptyURL(t)
	bin := buildBinary(t, dir)
	t.Logf("built in %s", time.Since(start).Round(time.Millisecond))

	// İYS decides a list within the nodes' IYSGATE_IYS_RESOLVE_AFTER, as it
	// should within the 300 s of the real setting.
	sim := startProc(t, dir, "iys-sim", bin, nil, "iys-sim", "--addr", "127.0.0.1:0",
		"--fail-rate", "0.1", "--lose-answers", "0.1", "--async-delay", "500ms", "--rate-limits", "on",
		"--credentials", simUser+":"+simPassword, "--max-recipients", "1000")
	procs = append(procs, sim)
	simURL := "http://" + sim.waitLog(t, simReady, 30*time.Second)

	nodeEnv := func(name string) []string {
		return []string{
			"DATABASE_URL=" + dbURL,
			"IYSGATE_ADDR=127.0.0.1:0",
			"IYSGATE_DATA_DIR=" + filepath.Join(dir, name),
			"IYSGATE_ADMIN_EMAIL=" + adminEmail, "IYSGATE_ADMIN_PASSWORD=" + adminPassword,
			"IYSGATE_METRICS_TOKEN=" + metricsToken,
			"IYS_BASE_URL=" + simURL, "IYS_USERNAME=" + simUser, "IYS_PASSWORD=" + simPassword,
			// İYS's hour stays an hour; its waits are shortened.
			"IYSGATE_IYS_RESOLVE_AFTER=1s", "IYSGATE_IYS_POLL_INTERVAL=500ms",
			"IYSGATE_IYS_LIST_SIZE=250", "IYSGATE_IYS_MULTI_STATUS_MAX=1000",
			// A killed node's jobs are run again after 70 s (River's
			// rescuer looks every 30 s); runs hand over to the next every 5 s.
			"IYSGATE_JOB_TIMEOUT=10s", "IYSGATE_JOB_RESCUE_AFTER=70s",
			"IYSGATE_SHUTDOWN_TIMEOUT=5s",
		}
	}
	var nodes []*node
	for _, name := range []string{"node-a", "node-b"} {
		p := startProc(t, dir, name, bin, nodeEnv(name), "serve")
		procs = append(procs, p)
		nodes = append(nodes, &node{name: name, proc: p})
	}
	for _, n := range nodes {
		n.base = n.proc.waitLog(t, nodeReady, 60*time.Second)
	}
	a, b := nodes[0], nodes[1]
	t.Logf("nodes ready after %s: %s, %s; simulator %s", time.Since(start).Round(time.Millisecond), a.base, b.base, simURL)

	token := strings.TrimSpace(runCmd(t, bin, []string{"DATABASE_URL=" + dbURL}, "token", "create", "--email", adminEmail, "--name", "multinode"))
	lb := &balancer{t: t, nodes: nodes, token: token[strings.LastIndexByte(token, '\n')+1:], http: &http.Client{Timeout: 60 * time.Second}}

	// Companies, brands and packages, ready for İYS, made through the API
	// of either node.
	type company struct {
		id       int64
		brandID  int64
		code     string
		importID int64
	}
	cs := make([]*company, companies)
	for k := range cs {
		c := &company{code: fmt.Sprintf("76%04d", k+1)}
		var out struct{ ID int64 }
		lb.mustCall(http.StatusCreated, "POST", "/api/v1/companies", map[string]any{"title": fmt.Sprintf("Düğüm %d A.Ş.", k+1),
			"iys_code": "7" + c.code, "integrator_assigned": true}, &out)
		c.id = out.ID
		lb.mustCall(http.StatusCreated, "POST", "/api/v1/brands", map[string]any{"company_id": c.id, "name": fmt.Sprintf("Düğüm %d", k+1),
			"brand_code": c.code}, &out)
		c.brandID = out.ID
		lb.mustCall(http.StatusCreated, "POST", "/api/v1/subscriptions", map[string]any{"company_id": c.id, "units": packageFor(2 * rows)}, &out)
		lb.mustCall(http.StatusOK, "POST", "/api/v1/subscriptions/"+strconv.FormatInt(out.ID, 10)+"/approve", nil, nil)
		cs[k] = c
	}

	sessionsAndRoles(t, lb, a, b, cs[0].brandID)

	// The imports, uploaded and approved through either node.
	at := time.Now().Add(-3 * time.Hour).Format("02.01.2006 15:04:05")
	for k, c := range cs {
		var csv bytes.Buffer
		csv.WriteString("marka_kodu;alici_tipi;ad;soyad;telefon;eposta;arama_izni;mesaj_izni;eposta_izni;izin_kaynagi;izin_tarihi\n")
		for i := range rows {
			fmt.Fprintf(&csv, "%s;BIREYSEL;Ad;Soyad;05%d%07d;;ONAY;ONAY;;HS_WEB;%s\n", c.code, 32+k, i, at)
		}
		c.importID = lb.upload(fmt.Sprintf("dugum-%d.csv", k+1), csv.Bytes())
	}
	for _, c := range cs {
		lb.waitImport(c.importID, 2*time.Minute, "preview")
	}
	t.Logf("%d consents in preview after %s", total, time.Since(start).Round(time.Millisecond))
	for _, c := range cs {
		lb.mustCall(http.StatusAccepted, "POST", "/api/v1/imports/"+strconv.FormatInt(c.importID, 10)+"/approve",
			map[string]any{"mode": "all", "confirmed": true}, nil)
	}
	for _, c := range cs {
		lb.waitImport(c.importID, 2*time.Minute, "approved", "sending", "done")
	}
	t.Logf("approved after %s", time.Since(start).Round(time.Millisecond))

	// Kill the node that is sending right now, once some lists are at İYS
	// and most are not.
	stats := func() iystest.Stats {
		t.Helper()
		res, err := http.Get(simURL + "/_sim/stats")
		if err != nil {
			t.Fatalf("simulator stats: %v", err)
		}
		defer res.Body.Close()
		var st iystest.Stats
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	deadline := time.Now().Add(3 * time.Minute)
	var victim, survivor *node
	prev := map[*node]float64{a: 0, b: 0}
	for victim == nil {
		time.Sleep(250 * time.Millisecond)
		st := stats()
		now := map[*node]float64{a: iysCalls(t, a, metricsToken), b: iysCalls(t, b, metricsToken)}
		if st.ConsentsStored >= total/10 {
			switch {
			case now[a] > prev[a]:
				victim, survivor = a, b
			case now[b] > prev[b]:
				victim, survivor = b, a
			}
		}
		if st.ConsentsStored >= total/2 || time.Now().After(deadline) {
			t.Fatalf("no node was seen sending while some lists were at İYS: %d of %d stored, İYS calls %v and %v", st.ConsentsStored, total, now[a], now[b])
		}
		if victim != nil {
			t.Logf("killing %s after %s: %d of %d consents stored; İYS calls so far: %s %v, %s %v; at most %d calls a second so far",
				victim.name, time.Since(start).Round(time.Millisecond), st.ConsentsStored, total, a.name, now[a], b.name, now[b], st.MaxRequestsPerSecond)
		}
		prev = now
	}
	victim.proc.kill9()

	// The survivor finishes: after the dead node's jobs are rescued (70 s,
	// and up to 30 s for River's rescuer to look), with room for a loaded
	// machine.
	deadline = time.Now().Add(4 * time.Minute)
	for _, c := range cs {
		v := lb.waitImport(c.importID, time.Until(deadline), "done")
		if v.Delivery == nil || v.Delivery.Pending != 0 || v.Delivery.Accepted != int64(2*rows) || v.Delivery.Refused != 0 {
			t.Errorf("import of %s: %+v, want all %d accepted", c.code, v.Delivery, 2*rows)
		}
	}
	st := stats()
	t.Logf("all final after %s; simulator: %+v", time.Since(start).Round(time.Millisecond), st)
	if survivor.proc.exited() {
		t.Fatalf("%s exited: %v", survivor.name, survivor.proc.waitErr)
	}

	if st.ConsentsStored != total || st.StoredTwice != 0 {
		t.Errorf("İYS holds %d consents, %d movements of them stored twice; want %d and none", st.ConsentsStored, st.StoredTwice, total)
	}
	for _, c := range cs {
		var q struct{ Spent, Reserved int64 }
		lb.mustCall(http.StatusOK, "GET", "/api/v1/quota?company_id="+strconv.FormatInt(c.id, 10), nil, &q)
		if q.Spent != int64(2*rows) || q.Reserved != 0 {
			t.Errorf("quota of %s: %+v, want exactly %d spent and nothing held", c.code, q, 2*rows)
		}
	}
	lost, failed := 0, 0
	for _, byOutcome := range st.Requests {
		lost += byOutcome["lost"]
		for outcome, n := range byOutcome {
			if outcome != "200" && outcome != "202" && outcome != "204" {
				failed += n
			}
		}
	}
	if lost == 0 || failed == 0 {
		t.Errorf("faults injected: %d answers lost, %d calls failed: the test proves nothing", lost, failed)
	}

	// İYS's limits are per integrator account and address: the nodes share
	// them. The simulator counts every call that arrived, refused or not.
	if st.MaxRequestsPerSecond > iysapi.PerSecond {
		t.Errorf("İYS got up to %d calls a second from the installation; it allows %d", st.MaxRequestsPerSecond, iysapi.PerSecond)
	}
	// A token lives two hours: the installation asks for one and every
	// node uses it.
	if issued := st.Requests[string(iysapi.KindToken)]["200"]; issued != 1 || st.MaxTokenRequestsPerHour > iysapi.TokensPerHourMethod ||
		st.TokenRequestsInLockout != 0 {
		t.Errorf("İYS issued %d tokens (want 1 for the installation); at most %d token requests in an hour (İYS allows %d), %d during a lockout; token calls %v",
			issued, st.MaxTokenRequestsPerHour, iysapi.TokensPerHourMethod, st.TokenRequestsInLockout, st.Requests[string(iysapi.KindToken)])
	}

	if err := survivor.proc.stop(30 * time.Second); err != nil {
		t.Errorf("%s on SIGTERM: %v", survivor.name, err)
	}
	t.Logf("done after %s", time.Since(start).Round(time.Millisecond))
}

// packageFor is the smallest package of the default price list
// (migrations/00005_quota.sql) that holds n units.
func packageFor(n int) int {
	for _, units := range []int{5000, 25000, 75000, 150000, 250000, 500000, 1000000} {
		if units >= n {
			return units
		}
	}
	return 1000000
}

// sessionsAndRoles checks what a load balancer without sticky sessions
// needs: a session and its CSRF token made on one node serve on the other,
// and a role taken away on one node is enforced on the other within a
// second (the assignments are broadcast with NOTIFY iysgate_policy).
func sessionsAndRoles(t *testing.T, lb *balancer, a, b *node, brandID int64) {
	t.Helper()
	const email, password = "personel@dugum.com.tr", "personel-parolasi-1"
	var u struct{ ID int64 }
	lb.mustCall(http.StatusCreated, "POST", "/api/v1/users", map[string]any{"name": "Personel Düğüm", "email": email,
		"password": password, "role": "personel", "brand_ids": []int64{brandID}}, &u)

	personel := newBrowser(t)
	personel.login(a, email, password)
	if p := personel.get(b, "/consents/new"); p.status != http.StatusOK || !strings.Contains(p.body, "Personel Düğüm") {
		t.Fatalf("the session made on %s, on %s: %d %s, want İzin Ekle for the Personel", a.name, b.name, p.status, p.location)
	}

	// The Admin signs in on B, opens the user's form on B and saves it on A:
	// the form's CSRF token is the session's, whichever node made it.
	admin := newBrowser(t)
	admin.login(b, adminEmail, adminPassword)
	id := strconv.FormatInt(u.ID, 10)
	if p := admin.get(b, "/users/"+id+"/edit"); p.status != http.StatusOK {
		t.Fatalf("edit form on %s: %d", b.name, p.status)
	}
	form := url.Values{"name": {"Personel Düğüm"}, "email": {email}, "role_" + strconv.FormatInt(brandID, 10): {"musteri"}}
	p := admin.post(a, "/users/"+id, form)
	changed := time.Now()
	if p.status != http.StatusSeeOther {
		t.Fatalf("the role change on %s with the form from %s: %d %.300s", a.name, b.name, p.status, p.body)
	}
	for {
		p := personel.get(b, "/consents/new")
		if p.status == http.StatusForbidden {
			break
		}
		if p.status != http.StatusOK {
			t.Fatalf("İzin Ekle on %s after the role change: %d %s", b.name, p.status, p.location)
		}
		if time.Since(changed) > time.Second {
			t.Fatalf("%s still lets the user add consents %s after %s made them Müşteri", b.name, time.Since(changed).Round(time.Millisecond), a.name)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the role change on %s was enforced on %s after %s", a.name, b.name, time.Since(changed).Round(time.Millisecond))
	// Only the right went: the session stays, read access too.
	if p := personel.get(b, "/consents"); p.status != http.StatusOK {
		t.Errorf("Onaylar on %s for the Müşteri: %d %s", b.name, p.status, p.location)
	}
}
