package server_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"go.yaml.in/yaml/v3"

	"iysgate/app/store"
	"iysgate/jobs"
)

// The gauges the alert rules read (deploy/prometheus/iysgate.rules.yml)
// report the database's state: a company's package size next to what is
// left of it, the batches delivery gave up on per company, and how long
// the oldest due River job has waited.
func TestAlertMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	pool := e.st.Pool()
	stuck := e.company("Takılan A.Ş.", "Takılan", "730001")
	e.grant(stuck.CompanyID, 25000)
	e.grant(stuck.CompanyID, 5000)
	// Spent as delivery spends, without the deliveries: the package's
	// counter (the ledger does not matter to the gauges).
	if _, err := pool.Exec(ctx, `UPDATE subscriptions SET spent = 1000 WHERE company_id = $1 AND units = 25000`, stuck.CompanyID); err != nil {
		t.Fatal(err)
	}
	calm := e.company("Sakin A.Ş.", "Sakin", "730002")
	e.grant(calm.CompanyID, 5000)

	// Two of the stuck company's batches given up on, one still waiting
	// and one done; none of the calm company's.
	var failed []int64
	for _, status := range []store.BatchState{store.BatchWaiting, store.BatchWaiting, store.BatchWaiting, store.BatchDone} {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO sync_batches (company_id, brand_id, kind, status, items)
			VALUES ($1, $2, 'async', $3, 1) RETURNING id`, stuck.CompanyID, stuck.ID, status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		failed = append(failed, id)
	}
	for _, id := range failed[:2] {
		if err := e.st.FailBatch(ctx, id, "İYS yanıt vermedi", true); err != nil {
			t.Fatal(err)
		}
	}

	// A job in a queue no worker reads, due for an hour.
	res, err := e.app.River.Insert(ctx, jobs.PruneLoginAttemptsArgs{}, &river.InsertOpts{Queue: "kimsenin_kuyrugu"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE river_job SET scheduled_at = now() - interval '1 hour' WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}

	body := e.client().get("/metrics").body
	for _, want := range []string{
		`iysgate_quota_units{company_id="` + itoa(stuck.CompanyID) + `"} 30000`,
		`iysgate_quota_remaining_units{company_id="` + itoa(stuck.CompanyID) + `"} 29000`,
		`iysgate_quota_units{company_id="` + itoa(calm.CompanyID) + `"} 5000`,
		`iysgate_iys_failed_batches{company_id="` + itoa(stuck.CompanyID) + `"} 2`,
		`iysgate_river_queue_jobs{kind="prune_login_attempts",state="available"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `iysgate_iys_failed_batches{company_id="`+itoa(calm.CompanyID)+`"}`) {
		t.Error("/metrics reports failed batches for a company that has none")
	}
	age := regexp.MustCompile(`(?m)^iysgate_river_oldest_available_seconds\{kind="prune_login_attempts"\} (\S+)$`).FindStringSubmatch(body)
	if age == nil {
		t.Fatal("/metrics lacks the age of the waiting job")
	}
	// An hour, plus the moments between the update and the scrape.
	if v, err := strconv.ParseFloat(age[1], 64); err != nil || v < 3600 || v > 3600+600 {
		t.Errorf("oldest available job waited %s seconds, want about 3600", age[1])
	}
	promtoolCheck(t, body)
}

// Every metric the alert rules name is one the appliance registers, so
// that a renamed metric cannot leave a rule silently watching nothing.
func TestAlertRulesUseExportedMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	exported := map[string]bool{}
	descs := make(chan *prometheus.Desc)
	go func() { e.app.Metrics.Registry.Describe(descs); close(descs) }()
	// A Desc exposes its name only in its String form.
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			exported[m[1]] = true
		}
	}
	if !exported["iysgate_http_requests_total"] || !exported["iysgate_quota_units"] {
		t.Fatalf("the registry's descriptors were not read: %v", exported)
	}

	raw, err := os.ReadFile("../../deploy/prometheus/iysgate.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`\biysgate_[a-z0-9_]+`)
	var used []string
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if r.Expr == "" {
				t.Errorf("rule %s%s has no expression", r.Alert, r.Record)
			}
			for _, n := range name.FindAllString(r.Expr, -1) {
				if !slices.Contains(used, n) {
					used = append(used, n)
				}
			}
		}
	}
	if len(used) < 6 {
		t.Fatalf("the rules name only %v", used)
	}
	for _, n := range used {
		base := n
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if s, ok := strings.CutSuffix(n, suffix); ok && exported[s] {
				base = s
			}
		}
		if !exported[base] {
			t.Errorf("the rules use %s, which iysgate does not export", n)
		}
	}
}
