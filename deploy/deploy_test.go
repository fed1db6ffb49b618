// Package deploy holds the files that run iysgate outside this repository:
// compose.yaml (PostgreSQL 17, iysgate, Prometheus) and, under prometheus/,
// Prometheus's configuration and iysgate's alert rules with their unit
// tests. Its tests check them with promtool and against the code.
package deploy

import (
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// promtool finds Debian's promtool (package prometheus); outside CI a
// machine without it skips these tests.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not found (apt-get install prometheus)")
		}
		t.Skip("promtool not installed (apt-get install prometheus); the alert rules were not checked")
	}
	return p
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
}

// The alert rules are valid and behave as their unit tests say: each
// alert fires on its series and stays quiet on the others.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	p := promtool(t)
	run(t, "prometheus", p, "check", "rules", "iysgate.rules.yml")
	run(t, "prometheus", p, "test", "rules", "iysgate.rules.test.yml")
}

// prometheus.yml is a valid configuration that loads the rules. promtool
// also checks that the token file exists: it reads a copy that names a
// token file here instead of the compose secret.
func TestPrometheusConfig(t *testing.T) {
	t.Parallel()
	p := promtool(t)
	dir := t.TempDir()
	raw := read(t, "prometheus/prometheus.yml")
	if strings.Count(raw, metricsTokenPath) != 1 {
		t.Fatalf("prometheus.yml should name the token file %s once", metricsTokenPath)
	}
	token := filepath.Join(dir, "metrics_token")
	write(t, token, "test-token")
	write(t, filepath.Join(dir, "prometheus.yml"), strings.Replace(raw, metricsTokenPath, token, 1))
	write(t, filepath.Join(dir, "iysgate.rules.yml"), read(t, "prometheus/iysgate.rules.yml"))
	run(t, dir, p, "check", "config", "prometheus.yml")
}

// metricsTokenPath is where compose.yaml mounts the metrics_token secret
// and prometheus.yml reads it.
const metricsTokenPath = "/run/secrets/metrics_token"

type composeFile struct {
	Services map[string]struct {
		Image string
		Build struct {
			Context, Dockerfile string
		}
		Environment map[string]string
		Volumes     []string
		Secrets     []string
		Ports       []string
		Command     []string
	}
	Secrets map[string]struct {
		Environment string
	}
	Volumes map[string]any
}

// compose.yaml parses, and what it names exists: the Dockerfile, the
// files it mounts, the settings it gives iysgate, the database service
// DATABASE_URL points at, the target Prometheus scrapes, the rule file
// Prometheus loads, and the secret that carries the metrics token.
func TestCompose(t *testing.T) {
	t.Parallel()
	var c composeFile
	if err := yaml.Unmarshal([]byte(read(t, "compose.yaml")), &c); err != nil {
		t.Fatal(err)
	}
	db, app, prom := c.Services["postgres"], c.Services["iysgate"], c.Services["prometheus"]
	if !strings.HasPrefix(db.Image, "postgres:17") {
		t.Errorf("database image %q, want PostgreSQL 17", db.Image)
	}
	if _, err := os.Stat(filepath.Join(app.Build.Context, app.Build.Dockerfile)); err != nil || app.Build.Dockerfile == "" {
		t.Errorf("iysgate is built from %s/%s: %v", app.Build.Context, app.Build.Dockerfile, err)
	}

	// Every variable iysgate gets is a setting of app/config.
	config := read(t, "../app/config/config.go")
	for name := range app.Environment {
		if !strings.Contains(config, `"`+name+`"`) {
			t.Errorf("compose.yaml sets %s, which app/config does not read", name)
		}
	}
	dbURL, err := url.Parse(strings.ReplaceAll(app.Environment["DATABASE_URL"], "${POSTGRES_PASSWORD}", "parola"))
	if err != nil || dbURL.Hostname() != "postgres" || dbURL.User.Username() != db.Environment["POSTGRES_USER"] ||
		dbURL.Path != "/"+db.Environment["POSTGRES_DB"] {
		t.Errorf("DATABASE_URL %q does not name the postgres service's user and database (%v)", app.Environment["DATABASE_URL"], err)
	}
	if !strings.Contains(app.Environment["IYSGATE_METRICS_TOKEN"], "${IYSGATE_METRICS_TOKEN") ||
		c.Secrets["metrics_token"].Environment != "IYSGATE_METRICS_TOKEN" || !slices.Contains(prom.Secrets, "metrics_token") {
		t.Error("iysgate's IYSGATE_METRICS_TOKEN and Prometheus's metrics_token secret should come from the same variable")
	}
	// The Dockerfile listens on 8080 in the container.
	if !strings.Contains(read(t, "../Dockerfile"), "IYSGATE_ADDR=0.0.0.0:8080") || !slices.Contains(app.Ports, "127.0.0.1:8080:8080") {
		t.Error("iysgate should listen on 8080 (Dockerfile) and be published on 127.0.0.1:8080")
	}

	// Prometheus's mounts exist, and its config and rules are mounted
	// side by side, where the config's relative rule_files finds them.
	mounts := map[string]string{} // container path → source
	for _, v := range prom.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			t.Fatalf("volume %q", v)
		}
		if strings.HasPrefix(parts[0], ".") {
			if _, err := os.Stat(parts[0]); err != nil {
				t.Errorf("Prometheus mounts %s: %v", parts[0], err)
			}
		} else if _, ok := c.Volumes[parts[0]]; !ok {
			t.Errorf("Prometheus mounts the undeclared volume %s", parts[0])
		}
		mounts[parts[1]] = parts[0]
	}
	var configPath string
	for _, arg := range prom.Command {
		if p, ok := strings.CutPrefix(arg, "--config.file="); ok {
			configPath = p
		}
	}
	if mounts[configPath] != "./prometheus/prometheus.yml" {
		t.Errorf("Prometheus reads %q, which is not prometheus/prometheus.yml", configPath)
	}
	var pc struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			Authorization struct {
				CredentialsFile string `yaml:"credentials_file"`
			}
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "prometheus/prometheus.yml")), &pc); err != nil {
		t.Fatal(err)
	}
	if len(pc.RuleFiles) != 1 || mounts[path.Join(path.Dir(configPath), pc.RuleFiles[0])] != "./prometheus/iysgate.rules.yml" {
		t.Errorf("Prometheus loads %v, which is not the mounted prometheus/iysgate.rules.yml", pc.RuleFiles)
	}
	if len(pc.ScrapeConfigs) != 1 {
		t.Fatalf("scrape configs: %+v", pc.ScrapeConfigs)
	}
	sc := pc.ScrapeConfigs[0]
	if sc.Authorization.CredentialsFile != metricsTokenPath || len(sc.StaticConfigs) != 1 ||
		!slices.Equal(sc.StaticConfigs[0].Targets, []string{"iysgate:8080"}) {
		t.Errorf("Prometheus should scrape iysgate:8080 with the token in %s: %+v", metricsTokenPath, sc)
	}
	// IYSGateDown watches up{job="iysgate"}.
	if !regexp.MustCompile(`up\{job="` + regexp.QuoteMeta(sc.JobName) + `"\}`).MatchString(read(t, "prometheus/iysgate.rules.yml")) {
		t.Errorf("the rules do not watch up{job=%q}", sc.JobName)
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
