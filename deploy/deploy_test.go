// Package deploy holds the files that run iysgate outside this repository:
// compose.yaml (PostgreSQL 17, iysgate, Prometheus), compose.multinode.yaml
// (PostgreSQL, two iysgate nodes, Caddy in front: caddy/Caddyfile) and, under prometheus/,
// Prometheus's configuration and iysgate's alert rules with their unit
// tests. Its tests check them with promtool and against the code.
package deploy

import (
	"maps"
	"net/netip"
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
	checkSettings(t, "compose.yaml", app.Environment)
	checkDatabaseURL(t, app.Environment["DATABASE_URL"], db.Environment)
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

// checkDatabaseURL fails the test unless u names the postgres service
// with the user and database its environment creates.
func checkDatabaseURL(t *testing.T, u string, db map[string]string) {
	t.Helper()
	dbURL, err := url.Parse(strings.ReplaceAll(u, "${POSTGRES_PASSWORD}", "parola"))
	if err != nil || dbURL.Hostname() != "postgres" || dbURL.User.Username() != db["POSTGRES_USER"] ||
		dbURL.Path != "/"+db["POSTGRES_DB"] {
		t.Errorf("DATABASE_URL %q does not name the postgres service's user and database (%v)", u, err)
	}
}

// checkSettings fails the test for a variable given to iysgate that
// app/config does not read.
func checkSettings(t *testing.T, file string, env map[string]string) {
	t.Helper()
	config := read(t, "../app/config/config.go")
	for name := range env {
		if !strings.Contains(config, `"`+name+`"`) {
			t.Errorf("%s sets %s, which app/config does not read", file, name)
		}
	}
}

type multinodeCompose struct {
	Services map[string]struct {
		Image string
		Build struct {
			Context, Dockerfile string
		}
		Environment map[string]string
		Volumes     []string
		Ports       []string
		Command     []string
		Profiles    []string
		Networks    map[string]struct {
			IPv4Address string `yaml:"ipv4_address"`
		}
	}
	Networks map[string]struct {
		IPAM struct {
			Config []struct{ Subnet string }
		} `yaml:"ipam"`
	}
	Volumes map[string]any
}

// compose.multinode.yaml parses, and what it names exists and fits: two
// serve nodes from the Dockerfile with the same settings, each one that
// app/config reads, on the postgres service, with an İYS account required
// (the in-process simulator would be one İYS per node) and the Admin's
// password given (no generated one in a node's own directory), reached
// only through the proxy; the proxy's Caddyfile, mounted where the caddy
// image reads it, sends to those nodes on the port they listen on and
// checks a route iysgate serves; the address the nodes trust is the
// proxy's, in the network's subnet; the simulator of the sim profile takes
// the flags it is given and listens where the file's comment points
// IYS_BASE_URL.
func TestComposeMultinode(t *testing.T) {
	t.Parallel()
	const file = "compose.multinode.yaml"
	raw := read(t, file)
	var c multinodeCompose
	if err := yaml.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	db, proxy, sim := c.Services["postgres"], c.Services["proxy"], c.Services["iys-sim"]
	if !strings.HasPrefix(db.Image, "postgres:17") {
		t.Errorf("database image %q, want PostgreSQL 17", db.Image)
	}
	var nodes []string
	for name, s := range c.Services {
		if s.Build.Dockerfile != "" && len(s.Command) == 0 { // the image's CMD: serve
			nodes = append(nodes, name)
		}
	}
	slices.Sort(nodes)
	if len(nodes) < 2 {
		t.Fatalf("serve nodes: %v, want at least two", nodes)
	}
	env := c.Services[nodes[0]].Environment
	for _, name := range nodes {
		n := c.Services[name]
		if _, err := os.Stat(filepath.Join(n.Build.Context, n.Build.Dockerfile)); err != nil {
			t.Errorf("%s is built from %s/%s: %v", name, n.Build.Context, n.Build.Dockerfile, err)
		}
		if !maps.Equal(n.Environment, env) {
			t.Errorf("%s's settings differ from %s's: every node needs the same", name, nodes[0])
		}
		if len(n.Ports) > 0 {
			t.Errorf("%s publishes %v: requests should reach the nodes through the proxy only", name, n.Ports)
		}
	}
	checkSettings(t, file, env)
	checkDatabaseURL(t, env["DATABASE_URL"], db.Environment)
	for _, name := range []string{"IYS_BASE_URL", "IYS_USERNAME", "IYS_PASSWORD", "IYSGATE_ADMIN_PASSWORD", "IYSGATE_METRICS_TOKEN"} {
		if !strings.Contains(env[name], "${"+name+":?") {
			t.Errorf("%s is %q; it should be required (${%s:?…})", name, env[name], name)
		}
	}

	if !strings.HasPrefix(proxy.Image, "caddy:2") {
		t.Errorf("proxy image %q, want Caddy 2", proxy.Image)
	}
	var caddyfile string
	for _, v := range proxy.Volumes {
		if src, dst, _ := strings.Cut(v, ":"); strings.HasPrefix(dst, "/etc/caddy/Caddyfile") {
			caddyfile = src
		} else if _, ok := c.Volumes[src]; !ok {
			t.Errorf("the proxy mounts the undeclared volume %s", src)
		}
	}
	if caddyfile == "" {
		t.Fatal("the proxy does not mount a Caddyfile at /etc/caddy/Caddyfile")
	}
	site, upstreams, health := parseCaddyfile(t, read(t, caddyfile))
	var want []string
	for _, name := range nodes {
		want = append(want, name+":8080") // the Dockerfile's IYSGATE_ADDR
	}
	if !slices.Equal(upstreams, want) || !strings.Contains(read(t, "../Dockerfile"), "IYSGATE_ADDR=0.0.0.0:8080") {
		t.Errorf("Caddy sends to %v, want the nodes %v", upstreams, want)
	}
	if !strings.Contains(read(t, "../app/web/routes.go"), `"`+health+`"`) {
		t.Errorf("Caddy checks %q, which iysgate does not serve", health)
	}
	if !slices.ContainsFunc(proxy.Ports, func(p string) bool { return strings.HasPrefix(p, "127.0.0.1:") && strings.HasSuffix(p, site) }) {
		t.Errorf("Caddy listens on %s; the proxy publishes %v", site, proxy.Ports)
	}
	proxyIP := proxy.Networks["default"].IPv4Address
	if env["IYSGATE_TRUSTED_PROXIES"] != proxyIP || proxyIP == "" {
		t.Errorf("the nodes trust %q, the proxy is at %q", env["IYSGATE_TRUSTED_PROXIES"], proxyIP)
	}
	if cfg := c.Networks["default"].IPAM.Config; len(cfg) != 1 || !netip.MustParsePrefix(cfg[0].Subnet).Contains(netip.MustParseAddr(proxyIP)) {
		t.Errorf("the proxy's address %s is not in the network's subnet %+v", proxyIP, cfg)
	}

	if !slices.Equal(sim.Profiles, []string{"sim"}) || len(sim.Command) == 0 || sim.Command[0] != "iys-sim" {
		t.Fatalf("iys-sim: profiles %v, command %v", sim.Profiles, sim.Command)
	}
	flags := read(t, "../app/cli/iyssim.go")
	for i, arg := range sim.Command[1:] {
		if name, ok := strings.CutPrefix(arg, "--"); ok && !strings.Contains(flags, `"`+name+`"`) {
			t.Errorf("iys-sim has no flag %s", arg)
		} else if ok && name == "addr" {
			_, port, _ := strings.Cut(sim.Command[i+2], ":")
			if !strings.Contains(raw, "IYS_BASE_URL=http://iys-sim:"+port+" ") {
				t.Errorf("the simulator listens on port %s; the comment points IYS_BASE_URL elsewhere", port)
			}
		}
	}
}

// parseCaddyfile reads the one site of a Caddyfile: its address, the
// upstreams of its reverse_proxy and the path of its health check.
func parseCaddyfile(t *testing.T, s string) (site string, upstreams []string, health string) {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case f[len(f)-1] == "{" && site == "" && len(f) == 2:
			site = f[0]
		case f[0] == "reverse_proxy":
			upstreams = f[1 : len(f)-1]
		case f[0] == "health_uri" && len(f) == 2:
			health = f[1]
		}
	}
	if site == "" || len(upstreams) == 0 || health == "" {
		t.Fatalf("Caddyfile: site %q, upstreams %v, health check %q", site, upstreams, health)
	}
	return site, upstreams, health
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
