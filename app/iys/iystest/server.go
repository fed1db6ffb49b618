package iystest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// NewServer starts a simulator for cfg on a local httptest server, for
// other packages' tests; both are closed when the test ends.
func NewServer(t testing.TB, cfg Config) (*Sim, *httptest.Server) {
	t.Helper()
	s := New(cfg)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv
}

// ListenAndServe runs a simulator for cfg on addr until ctx is cancelled,
// then shuts down gracefully (at most 5 s for calls in flight). It returns
// nil after a shutdown caused by ctx.
func ListenAndServe(ctx context.Context, addr string, cfg Config, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s := New(cfg)
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("İYS simulator listening", "addr", ln.Addr().String(), "instance", s.Instance(),
		"rate_limits", cfg.RateLimits, "faults", cfg.Faults, "async_delay", cfg.AsyncDelay, "change_delay", cfg.ChangeDelay)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	log.Info("İYS simulator stopped")
	return err
}
