package pg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Local is the private cluster of a data directory together with the lock
// that says who runs it. `serve` holds the lock exclusively for its lifetime
// and stops the cluster when it ends; the other commands (migrate, user,
// token) hold it shared, so that beside a running serve they use its cluster,
// and without one they start the cluster for their own duration.
type Local struct {
	Cluster *Cluster
	lock    *os.File
}

// OpenLocal starts (or joins) the private cluster under dataDir/postgres.
// serve selects the exclusive, long-lived mode of `iysgate serve`.
func OpenLocal(ctx context.Context, dataDir string, serve bool) (*Local, error) {
	c, f, err := openDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	l := &Local{Cluster: c, lock: f}
	if serve {
		if err := flockWait(ctx, f, syscall.LOCK_EX, 30*time.Second); err != nil {
			f.Close()
			return nil, fmt.Errorf("bu veri dizinini (%s) başka bir iysgate serve kullanıyor: %w", dataDir, err)
		}
		if err := c.Start(ctx); err != nil {
			l.release()
			return nil, err
		}
		// serve owns the cluster, including one left running by a killed serve.
		c.Adopt()
		return l, nil
	}
	fd := int(f.Fd())
	switch {
	case syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) == nil:
		// Alone: start the cluster under the exclusive lock (so two commands
		// never both start it), then share it.
		if err := c.Start(ctx); err != nil {
			l.release()
			return nil, err
		}
		if err := syscall.Flock(fd, syscall.LOCK_SH); err != nil {
			l.release()
			return nil, err
		}
	case syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB) == nil:
		// Another command runs the cluster; share it.
		if err := c.waitReady(ctx); err != nil {
			l.release()
			return nil, err
		}
	default:
		// A serve holds the directory: its cluster is running; just use it.
		f.Close()
		l.lock = nil
		if err := c.waitReady(ctx); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// URL is the connection string of the cluster's database.
func (l *Local) URL() string { return l.Cluster.URL() }

// Close stops the cluster if this process is its last user, then releases
// the lock.
func (l *Local) Close() error {
	var err error
	if l.lock != nil {
		// The last process out stops the cluster, whoever started it
		// (another command, or a serve that was killed).
		if syscall.Flock(int(l.lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if running, _ := l.Cluster.running(); running {
				l.Cluster.Adopt()
			}
			err = l.Cluster.Stop()
		}
	}
	l.release()
	return err
}

func (l *Local) release() {
	if l.lock != nil {
		_ = syscall.Flock(int(l.lock.Fd()), syscall.LOCK_UN)
		l.lock.Close()
		l.lock = nil
	}
}

func flockWait(ctx context.Context, f *os.File, how int, max time.Duration) error {
	deadline := time.Now().Add(max)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// openDataDir makes dataDir if need be and returns its cluster and its
// lock file (not yet locked: serve, a command and a restore lock it each
// their own way).
func openDataDir(dataDir string) (*Cluster, *os.File, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("veri dizini oluşturulamadı: %w", err)
	}
	c, err := NewCluster(filepath.Join(dataDir, "postgres"))
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(filepath.Join(dataDir, "iysgate.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return c, f, nil
}
