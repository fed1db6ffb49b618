package server_test

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"iysgate/jobs"
)

// A River job inserted by the app runs on its workers (here: the login
// attempt pruner), and /metrics shows HTTP and River figures in a format
// promtool accepts.
func TestJobsAndMetrics(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pool := e.st.Pool()
	if _, err := pool.Exec(ctx, `INSERT INTO login_attempts (email, ip, success, at) VALUES
		('eski@ornek.com.tr', '10.0.0.1', false, now() - interval '8 days'),
		('yeni@ornek.com.tr', '10.0.0.1', false, now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.River.Insert(ctx, jobs.PruneLoginAttemptsArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.get("/login")
	c.get("/bilinmeyen-sayfa")

	var body string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		body = c.get("/metrics").body
		if strings.Contains(body, `iysgate_river_jobs_total{kind="prune_login_attempts",outcome="completed"}`) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{
		`iysgate_river_jobs_total{kind="prune_login_attempts",outcome="completed"}`,
		`iysgate_http_requests_total{method="GET",route="/login",status="200"} 1`,
		`iysgate_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`iysgate_http_request_duration_seconds_bucket{method="GET",route="/login"`,
		`iysgate_river_job_duration_seconds_count{kind="prune_login_attempts"}`,
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var left []string
	rows, _ := pool.Query(ctx, "SELECT email FROM login_attempts ORDER BY email")
	for rows.Next() {
		var s string
		rows.Scan(&s)
		left = append(left, s)
	}
	if strings.Join(left, ",") != "yeni@ornek.com.tr" {
		t.Errorf("after the prune job: %v", left)
	}

	promtoolCheck(t, body)
}

// promtoolCheck runs promtool's format check on a /metrics body.
func promtoolCheck(t *testing.T, body string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not found (apt-get install prometheus)")
		}
		t.Skip("promtool not installed; the format check was skipped")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// /readyz answers once the database and River's tables are there.
func TestHealth(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if r := c.get("/healthz"); r.status != 200 || r.body != "ok" {
		t.Fatalf("/healthz: %d %q", r.status, r.body)
	}
	if r := c.get("/readyz"); r.status != 200 || !strings.Contains(r.body, `"ready"`) {
		t.Fatalf("/readyz: %d %q", r.status, r.body)
	}
	r := c.get("/login")
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-Request-Id"} {
		if r.header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	// The limit answers from the headers, before the body is read.
	if status := rawStatus(t, e, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2097152\r\n\r\n"+strings.Repeat("a", 64<<10)); status != "413" {
		t.Errorf("2 MB login body: %s, want 413", status)
	}
	if status := rawStatus(t, e, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n4\r\naaaa\r\n0\r\n\r\n"); status != "413" {
		t.Errorf("chunked login body: %s, want 413", status)
	}
}

// rawStatus sends a request's first bytes on a raw connection and returns
// the status code of the answer.
func rawStatus(t *testing.T, e *env, request string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("answer %q", line)
	}
	return f[1]
}
