package multinode

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"iysgate/app/pg"
)

// needPostgres skips the test when this machine has no PostgreSQL server
// programs to run the test database with (and no IYSGATE_TEST_DATABASE_URL
// names a server). In CI, which installs them, their absence fails it.
func needPostgres(t *testing.T) {
	t.Helper()
	if os.Getenv("IYSGATE_TEST_DATABASE_URL") != "" {
		return
	}
	// NewCluster only looks for the programs; it creates nothing.
	_, err := pg.NewCluster(filepath.Join(os.TempDir(), "iysgate-multinode-probe"))
	if !errors.Is(err, pg.ErrNoServerBinaries) {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("PostgreSQL server programs not found (apt-get install postgresql)")
	}
	t.Skip("PostgreSQL server programs not installed (apt-get install postgresql); the multi-node test did not run")
}

// buildBinary builds iysgate into dir, as `make build` does; the build
// cache, warm from compiling the tests, makes it a link.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not on PATH: %v", err)
	}
	mod, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(mod)) == "" {
		t.Fatalf("go env GOMOD: %v %q", err, mod)
	}
	bin := filepath.Join(dir, "iysgate")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a subprocess whose stdout and stderr go to a log file.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when it has exited
	waitErr error
	killed  bool // by the test, with SIGKILL
}

// cleanEnv is this process's environment less iysgate's own settings, so
// that the developer's environment does not change what the test runs,
// with env added.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "IYSGATE_") || strings.HasPrefix(k, "IYS_") || k == "DATABASE_URL" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}

// startProc starts bin with args in cleanEnv(env). It is stopped
// (SIGTERM, then SIGKILL) when the test ends.
func startProc(t *testing.T, dir, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = cleanEnv(env)
	p.cmd.Stdout, p.cmd.Stderr = f, f // a file: written directly, whatever happens to the process
	if err := p.cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(20 * time.Second) })
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to shut down and waits up to grace before killing
// it; it returns how it ended.
func (p *proc) stop(grace time.Duration) error {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = p.cmd.Process.Kill()
			<-p.done
			return errors.New(p.name + " did not stop within " + grace.String() + " of SIGTERM")
		}
	}
	return p.waitErr
}

// kill9 kills the process with SIGKILL, as a crashed machine would stop it.
func (p *proc) kill9() {
	p.killed = true
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// waitLog waits for a line of the log that matches re and returns its first
// group; it fails the test when the process exits first or time runs out.
func (p *proc) waitLog(t *testing.T, re *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(p.logPath)
		if m := re.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before logging %s:\n%s", p.name, p.waitErr, re, p.tail(40))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %s within %s:\n%s", p.name, re, timeout, p.tail(40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quiet matches the log lines a failure's tail leaves out: requests that
// succeeded (the test polls) and River's periodic counts.
var quiet = regexp.MustCompile(`msg=http .* status=[23]\d\d |msg="producer: Producer job counts"`)

// tail is the last n lines of the process's log, less the quiet ones.
func (p *proc) tail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	var lines [][]byte
	for _, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		if !quiet.Match(l) {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// runCmd runs bin to its end and returns its stdout.
func runCmd(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("iysgate %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
