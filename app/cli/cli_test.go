package cli_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "iysgate-cli-")
	if err != nil {
		panic(err)
	}
	os.Chmod(dir, 0o755)
	binary = filepath.Join(dir, "iysgate")
	out, err := exec.Command("go", "build", "-o", binary, "iysgate").CombinedOutput()
	if err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type proc struct {
	cmd *exec.Cmd
	url string
	out strings.Builder
}

// serve starts `iysgate serve` on a free port and waits for its URL.
func serve(t *testing.T, dataDir string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, "serve")}
	p.cmd.Env = append(os.Environ(), "IYSGATE_DATA_DIR="+dataDir, "IYSGATE_ADDR=127.0.0.1:0",
		"IYSGATE_ADMIN_EMAIL=admin@ornek.com.tr", "IYSGATE_ADMIN_PASSWORD=ilk-admin-parolasi", "IYSGATE_PG_UNSAFE_FAST=1")
	stdout, _ := p.cmd.StdoutPipe()
	p.cmd.Stderr = io.Discard
	if testing.Verbose() {
		p.cmd.Stderr = os.Stderr
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(90 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited early:\n%s", p.out.String())
			}
			p.out.WriteString(l + "\n")
			if _, after, found := strings.Cut(l, "iysgate çalışıyor: "); found {
				p.url = strings.Fields(after)[0]
				go func() {
					for range lines {
					}
				}()
				return p
			}
		case <-deadline:
			p.cmd.Process.Kill()
			t.Fatalf("serve did not start:\n%s", p.out.String())
		}
	}
}

func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	p.cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if (sig == syscall.SIGTERM || sig == syscall.SIGINT) && err != nil {
			t.Fatalf("serve exited with %v after %v", err, sig)
		}
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		t.Fatal("serve did not stop within 60 s of SIGTERM")
	}
}

func run(t *testing.T, dataDir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "IYSGATE_DATA_DIR="+dataDir, "IYSGATE_PG_UNSAFE_FAST=1")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("iysgate %v: %v\n%s%s", args, err, out, stderr)
	}
	return string(out)
}

// runErr runs iysgate and returns its combined output and error.
func runErr(dataDir, stdin string, args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "IYSGATE_DATA_DIR="+dataDir, "IYSGATE_PG_UNSAFE_FAST=1")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func status(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// The appliance's life: first start creates the admin; token create and
// user add work beside a running serve; SIGTERM stops everything cleanly; a
// restart reuses the data; so does a restart after kill -9.
func TestServeLifecycle(t *testing.T) {
	dir, err := os.MkdirTemp("", "iysgate-data-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	defer os.RemoveAll(dir)

	p := serve(t, dir)
	if !strings.Contains(p.out.String(), "İlk Admin hesabı oluşturuldu") {
		t.Fatalf("first start did not announce the admin:\n%s", p.out.String())
	}
	if code := status(t, p.url+"/login", ""); code != 200 {
		t.Fatalf("/login: %d", code)
	}
	token := lastLine(run(t, dir, "", "token", "create", "--email", "admin@ornek.com.tr"))
	if !strings.HasPrefix(token, "iys_") {
		t.Fatalf("token create printed %q", token)
	}
	if code := status(t, p.url+"/api/v1/me", token); code != 200 {
		t.Fatalf("token from the command line: %d", code)
	}
	out := run(t, dir, "ikinci-admin-parolasi\n", "user", "add", "--email", "ikinci@ornek.com.tr", "--name", "İkinci Admin", "--role", "admin")
	if !strings.Contains(out, "kullanıcı oluşturuldu") {
		t.Fatalf("user add: %s", out)
	}
	if code := status(t, p.url+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz beside the commands: %d", code)
	}
	// A lost password is set again from the command line.
	if out := run(t, dir, "kurtarilan-parola-1\n", "user", "password", "--email", "ikinci@ornek.com.tr"); !strings.Contains(out, "parola değiştirildi") {
		t.Fatalf("user password: %s", out)
	}
	if out, err := runErr(dir, "kisa\n", "user", "password", "--email", "ikinci@ornek.com.tr"); err == nil || !strings.Contains(out, "en az 10") {
		t.Fatalf("user password with a short one: %v %s", err, out)
	}
	p.stop(t, syscall.SIGTERM)
	if _, err := os.Stat(filepath.Join(dir, "postgres", "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatal("PostgreSQL still running after SIGTERM")
	}

	p = serve(t, dir)
	if strings.Contains(p.out.String(), "İlk Admin") {
		t.Fatal("second start created another admin")
	}
	if code := status(t, p.url+"/api/v1/me", token); code != 200 {
		t.Fatalf("token after restart: %d", code)
	}
	p.stop(t, syscall.SIGKILL)

	p = serve(t, dir)
	if code := status(t, p.url+"/api/v1/me", token); code != 200 {
		t.Fatalf("token after kill -9 and restart: %d", code)
	}
	p.stop(t, syscall.SIGTERM)
	// Without serve, a command starts the cluster for its own duration.
	token2 := lastLine(run(t, dir, "", "token", "create", "--email", "ikinci@ornek.com.tr"))
	if !strings.HasPrefix(token2, "iys_") {
		t.Fatalf("token create without serve printed %q", token2)
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres", "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatal("the command left PostgreSQL running")
	}
}

func TestVersionAndUsage(t *testing.T) {
	if out := run(t, t.TempDir(), "", "version"); !strings.HasPrefix(out, "iysgate ") {
		t.Fatalf("version: %q", out)
	}
	cmd := exec.Command(binary, "bilinmeyen")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "bilinmeyen komut") {
		t.Fatalf("unknown command: %v %s", err, out)
	}
}

// A setting that cannot be read stops the command with a message naming
// it, instead of running on a silent default.
func TestBadSettingFailsStart(t *testing.T) {
	for env, want := range map[string]string{
		"IYSGATE_MAX_UPLOAD_MB=iki-yuz": "IYSGATE_MAX_UPLOAD_MB",
		"IYSGATE_JOB_TIMEOUT=beş":       "IYSGATE_JOB_TIMEOUT",
		"IYSGATE_LOG_FORMAT=xml":        "IYSGATE_LOG_FORMAT",
	} {
		cmd := exec.Command(binary, "serve", "--data-dir", t.TempDir())
		cmd.Env = append(os.Environ(), env)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: %v %s", env, err, out)
		}
	}
}

// Ctrl+C with a tab open (an idle keep-alive connection, as a page that
// polls leaves) stops serve cleanly and at once: exit status 0.
func TestInterruptWithAnOpenTab(t *testing.T) {
	dir, err := os.MkdirTemp("", "iysgate-data-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	defer os.RemoveAll(dir)
	p := serve(t, dir)
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.stop(t, syscall.SIGINT) // fails unless the exit status is 0
	t.Logf("stopped in %s with a keep-alive connection open", time.Since(start).Round(10*time.Millisecond))
}
