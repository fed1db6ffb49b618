// Package server assembles iysgate: the database (private cluster or
// DATABASE_URL), migrations, the policy, River with its workers, and the web
// server; and takes them down again in order.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/auth"
	"iysgate/app/config"
	"iysgate/app/iys"
	"iysgate/app/iys/iystest"
	"iysgate/app/metrics"
	"iysgate/app/pg"
	"iysgate/app/store"
	"iysgate/app/web"
	"iysgate/app/webhook"
	"iysgate/jobs"
	"iysgate/policy"
)

// DB is an open database with what it takes to close it.
type DB struct {
	Pool  *pgxpool.Pool
	local *pg.Local
}

// OpenDB connects to DATABASE_URL or to the private cluster of the data
// directory (serve runs it; other commands join it or run it briefly), and
// migrates.
func OpenDB(ctx context.Context, cfg config.Config, serve bool, log *slog.Logger) (*DB, error) {
	db := &DB{}
	url := cfg.DatabaseURL
	if url == "" {
		l, err := pg.OpenLocal(ctx, cfg.DataDir, serve)
		if err != nil {
			return nil, err
		}
		db.local, url = l, l.URL()
	}
	pool, err := pg.Connect(ctx, url)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Pool = pool
	if err := pg.Migrate(ctx, pool, log); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool and stops the private cluster if this process runs it.
func (db *DB) Close() error {
	if db.Pool != nil {
		db.Pool.Close()
	}
	if db.local != nil {
		return db.local.Close()
	}
	return nil
}

// App is a running iysgate: HTTP, River and the policy listener.
type App struct {
	Web    *web.Server
	River  *river.Client[pgx.Tx]
	Store  *store.Store
	Policy *policy.Enforcer
	IYS    *iys.Client
	// Sim is the in-process İYS simulator when no İYS account is set.
	Sim *iystest.Sim
	// Metrics is the registry /metrics serves.
	Metrics *metrics.Metrics
	stopSim func()
	cancel  context.CancelFunc
	log     *slog.Logger
	cfg     config.Config
}

// iysClient connects to the configured İYS account, or starts the
// simulator on a loopback port and connects to it. Its limits and its token
// are shared with the other nodes through the database: İYS counts per IP
// address. The scope of what is shared is the İYS called, by its address:
// a rehearsal against a simulator leaves no hold or token to the real İYS
// configured after it, and each process's in-process simulator is its
// own. It returns
// the limiter too, whose rate the metrics show.
func iysClient(ctx context.Context, cfg config.Config, st *store.Store, m *metrics.Metrics, log *slog.Logger) (*iys.Client, *iys.FairLimiter, *iystest.Sim, func(), error) {
	base, user, pass := cfg.IYSBaseURL, cfg.IYSUsername, cfg.IYSPassword
	var sim *iystest.Sim
	stop := func() {}
	if cfg.Simulation() {
		sim = iystest.New(iystest.Config{RateLimits: true, Hour: cfg.IYSHour(), AsyncDelay: cfg.SimAsyncDelay,
			TokensPerHour: cfg.IYSTokensPerHour, MaxRecipients: cfg.IYSMultiStatusMax})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, nil, err
		}
		srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		stop = func() { srv.Close() }
		base, user, pass = "http://"+ln.Addr().String(), "iysgate", "simulasyon"
		log.Info("İYS hesabı tanımlı değil: SİMÜLASYON MODU", "simulator", base)
	}
	scope := iysScope(base)
	budget, err := st.IYSBudget(ctx, scope)
	if err != nil {
		stop()
		return nil, nil, nil, nil, err
	}
	holds, err := budget.Holds(ctx)
	if err != nil {
		stop()
		return nil, nil, nil, nil, err
	}
	for kind, until := range holds {
		log.Warn("İYS saatlik sınırı nedeniyle bekleniyor", "kind", kind, "until", until)
	}
	lim := iys.NewSharedLimiter(iys.Limits{PerSecond: cfg.IYSPerSecond, TokensPerHour: cfg.IYSTokensPerHour, Hour: cfg.IYSHour()}, budget,
		func(err error) {
			log.Error("İYS istek sınırları veritabanında okunamadı veya yazılamadı", "err", err)
		})
	c := iys.New(iys.Config{BaseURL: base, Username: user, Password: pass, Limiter: lim, Tokens: st.IYSTokens(scope, user),
		V1: cfg.IYSV1, MaxRecipients: cfg.IYSMultiStatusMax, Observe: m.ObserveIYS})
	return c, lim, sim, stop, nil
}

// iysScope is the key of an İYS's shared limits and token: its address,
// with the scheme and host in lower case and no trailing slash, so that
// the nodes agree however their settings spell it.
func iysScope(base string) string {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return base
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	return u.String()
}

// deliveryHook enqueues each company's delivery job in the transaction that
// gives it work. New work must not wait for a job that sleeps until its
// next batch falls due: a sleeping job is woken; beside a running one (it
// may be about to finish without seeing the work) a second run is
// enqueued, and the two share the batches by their leases.
func deliveryHook(rc **river.Client[pgx.Tx]) store.BatchHook {
	return func(ctx context.Context, tx pgx.Tx, companies []int64) error {
		args := make([]jobs.DeliverArgs, len(companies))
		for i, id := range companies {
			args[i] = jobs.DeliverArgs{CompanyID: id}
		}
		for len(args) > 0 {
			params := make([]river.InsertManyParams, len(args))
			for i, a := range args {
				params[i] = river.InsertManyParams{Args: a}
			}
			res, err := (*rc).InsertManyTx(ctx, tx, params)
			if err != nil {
				return err
			}
			var wake []jobs.DeliverArgs
			for i, r := range res {
				switch {
				case !r.UniqueSkippedAsDuplicate:
				case r.Job.State == rivertype.JobStateScheduled || r.Job.State == rivertype.JobStateRetryable:
					if _, err := (*rc).JobRetryTx(ctx, tx, r.Job.ID); err != nil {
						return err
					}
				case r.Job.State == rivertype.JobStateRunning && !args[i].Wake:
					wake = append(wake, jobs.DeliverArgs{CompanyID: args[i].CompanyID, Wake: true})
				}
			}
			args = wake
		}
		return nil
	}
}

// Start builds and starts everything over an open pool. The returned App
// serves HTTP once Serve is called.
func Start(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (*App, error) {
	// The store hands new batches to River in the writing transaction;
	// the client is made below, with workers that need the store.
	var rc *river.Client[pgx.Tx]
	st := store.New(pool, store.Dispatch{Hook: deliveryHook(&rc), ListSize: cfg.IYSListSize})
	enf, err := policy.New(ctx, func(ctx context.Context) ([]policy.Assignment, error) {
		as, err := st.Assignments(ctx)
		out := make([]policy.Assignment, len(as))
		for i, a := range as {
			out[i] = policy.Assignment{UserID: a.UserID, BrandID: a.BrandID, Role: a.Role}
		}
		return out, err
	})
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	client, limiter, sim, stopSim, err := iysClient(ctx, cfg, st, m, log)
	if err != nil {
		return nil, err
	}
	allow, err := webhook.ParseAllow(cfg.WebhookAllow)
	if err != nil {
		stopSim()
		return nil, err
	}
	hooks := jobs.Webhooks{Sender: webhook.NewSender(allow, cfg.WebhookTimeout), RetryMin: cfg.WebhookRetryMin,
		DisableAfter: cfg.WebhookDisableAfter, Concurrency: 8}
	rc, err = river.NewClient(riverpgxv5.New(pool), &river.Config{
		// Delivery jobs, one per company with work, mostly wait for İYS's
		// turns and results: a queue of their own keeps them from holding
		// the workers of imports and scrubs.
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}, jobs.QueueIYS: {MaxWorkers: 32}},
		Workers: jobs.Workers(jobs.Deps{Store: st, Log: log, BrandCodes: func(ctx context.Context, userID int64) ([]string, error) {
			ids, all := enf.BrandsWith(userID, policy.ConsentsEdit)
			if all {
				ids = nil
			}
			brands, err := st.ListBrands(ctx, ids)
			if err != nil {
				return nil, err
			}
			codes := []string{}
			for _, b := range brands {
				if b.BrandCode != "" {
					codes = append(codes, b.BrandCode)
				}
			}
			return codes, nil
		},
			IYS: client,
			Delivery: jobs.Delivery{ResultWait: cfg.IYSResolveAfter, PollInterval: cfg.IYSPollInterval, JobTimeout: cfg.JobTimeout,
				ListSize: cfg.IYSListSize, Concurrency: cfg.IYSConcurrency, IntegratorCode: cfg.IYSIntegratorCode},
			Items:         m.IYSItem,
			Pulled:        m.IYSPulled,
			Checked:       m.Checked,
			FileRetention: cfg.FileRetention,
			ApproveChunk:  cfg.ApproveChunk,
			Webhooks:      hooks,
		}),
		PeriodicJobs:         jobs.Periodic(cfg.IYSPullInterval, integratorInterval(cfg)),
		RescueStuckJobsAfter: cfg.JobRescueAfter,
		Logger:               log.With("component", "river"),
	})
	if err != nil {
		stopSim()
		return nil, err
	}
	registerGauges(m, st, limiter, log)
	w, err := web.New(web.Deps{Config: cfg, Store: st, Policy: enf, River: rc, Metrics: m, Log: log, Simulation: cfg.Simulation(), WebhookAllow: allow})
	if err != nil {
		stopSim()
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.WatchRiver(bg, rc)
	m.RegisterQueueDepth(pool, log)
	go st.Listen(bg, log.With("component", "listener"), enf.Reload)
	// Retries come due on the kicker's tick: as often as the first retry,
	// at most every 5 s.
	go jobs.KickWebhooks(bg, pool, st, rc, min(max(cfg.WebhookRetryMin, 20*time.Millisecond), 5*time.Second), log.With("component", "webhooks"))
	if err := rc.Start(bg); err != nil {
		cancel()
		stopSim()
		return nil, err
	}
	return &App{Web: w, River: rc, Store: st, Policy: enf, IYS: client, Sim: sim, Metrics: m, stopSim: stopSim, cancel: cancel, log: log, cfg: cfg}, nil
}

// integratorInterval is how often İYS's integrator query runs: never
// without an integrator code.
func integratorInterval(cfg config.Config) time.Duration {
	if cfg.IYSIntegratorCode == "" {
		return 0
	}
	return cfg.IYSIntegratorCheckInterval
}

// registerGauges adds the gauges read at each scrape: from the database, so
// that every node reports the same truth, and the limiter's rate.
func registerGauges(m *metrics.Metrics, st *store.Store, limiter *iys.FairLimiter, log *slog.Logger) {
	m.RegisterGauges("iysgate_quota_remaining_units", "Units left to spend per company (valid packages).", []string{"company_id"},
		func(ctx context.Context) ([]metrics.Sample, error) {
			qs, err := st.QuotaOf(ctx, nil)
			out := make([]metrics.Sample, len(qs))
			for i, q := range qs {
				out[i] = metrics.Sample{Labels: []string{strconv.FormatInt(q.CompanyID, 10)}, Value: float64(q.Remaining)}
			}
			return out, err
		}, log)
	m.RegisterGauges("iysgate_quota_units", "Units of the valid packages per company (spent, reserved and remaining together).", []string{"company_id"},
		func(ctx context.Context) ([]metrics.Sample, error) {
			qs, err := st.QuotaOf(ctx, nil)
			out := make([]metrics.Sample, len(qs))
			for i, q := range qs {
				out[i] = metrics.Sample{Labels: []string{strconv.FormatInt(q.CompanyID, 10)}, Value: float64(q.Total)}
			}
			return out, err
		}, log)
	m.RegisterGauges("iysgate_iys_open_batches", "Sync batches not yet final at İYS.", nil,
		func(ctx context.Context) ([]metrics.Sample, error) {
			d, err := st.DeliveryMetrics(ctx)
			return []metrics.Sample{{Value: float64(d.OpenBatches)}}, err
		}, log)
	m.RegisterGauges("iysgate_iys_failed_batches", "Sync batches delivery gave up on, per company: they wait for a retry, and the company's later batches wait behind them.", []string{"company_id"},
		func(ctx context.Context) ([]metrics.Sample, error) {
			failed, err := st.FailedBatches(ctx)
			out := make([]metrics.Sample, 0, len(failed))
			for company, n := range failed {
				out = append(out, metrics.Sample{Labels: []string{strconv.FormatInt(company, 10)}, Value: float64(n)})
			}
			return out, err
		}, log)
	m.RegisterGauges("iysgate_iys_lists_in_flight", "Lists sent to İYS whose outcome is not yet known.", nil,
		func(ctx context.Context) ([]metrics.Sample, error) {
			d, err := st.DeliveryMetrics(ctx)
			return []metrics.Sample{{Value: float64(d.InFlight)}}, err
		}, log)
	m.RegisterGauges("iysgate_iys_held_companies", "Companies whose delivery İYS's answer stopped until a person resumes it.", nil,
		func(ctx context.Context) ([]metrics.Sample, error) {
			d, err := st.DeliveryMetrics(ctx)
			return []metrics.Sample{{Value: float64(d.HeldCompanies)}}, err
		}, log)
	m.RegisterGauges("iysgate_iys_rate_per_second", "Requests per second the limiter lets go to İYS now (lowered after İYS's 429s).", nil,
		func(context.Context) ([]metrics.Sample, error) {
			return []metrics.Sample{{Value: float64(limiter.Rate())}}, nil
		}, log)
	m.RegisterGauges("iysgate_iys_oldest_unsent_seconds", "Age of the oldest consent change without a final İYS answer.", nil,
		func(ctx context.Context) ([]metrics.Sample, error) {
			d, err := st.DeliveryMetrics(ctx)
			return []metrics.Sample{{Value: d.OldestUnsentAge.Seconds()}}, err
		}, log)
	m.RegisterGauges("iysgate_iys_seconds_since_pull", "Time since the last successful pull of both İYS sources, per brand code.", []string{"brand_code"},
		func(ctx context.Context) ([]metrics.Sample, error) {
			d, err := st.DeliveryMetrics(ctx)
			out := make([]metrics.Sample, 0, len(d.LastPullByBrand))
			for code, at := range d.LastPullByBrand {
				out = append(out, metrics.Sample{Labels: []string{code}, Value: time.Since(at).Seconds()})
			}
			return out, err
		}, log)
}

// Serve serves HTTP on ln until Shutdown.
func (a *App) Serve(ln net.Listener) error {
	return a.Web.App().Listener(ln)
}

// Shutdown stops taking HTTP requests, lets running jobs finish within the
// configured bound (then cancels them), and stops the background work.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if err := a.Web.Shutdown(10 * time.Second); errors.Is(err, context.DeadlineExceeded) {
		// Requests still running after the bound (a slow upload) are cut
		// off: what they did not commit is not stored. Not a failed stop.
		a.log.Warn("HTTP requests still running at shutdown were cut off")
	} else if err != nil {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	stopCtx, cancel := context.WithTimeout(ctx, a.cfg.ShutdownTimeout)
	defer cancel()
	if err := a.River.Stop(stopCtx); err != nil {
		a.log.Warn("jobs did not finish in time; cancelling them", "timeout", a.cfg.ShutdownTimeout)
		hard, cancel2 := context.WithTimeout(ctx, 10*time.Second)
		defer cancel2()
		if err := a.River.StopAndCancel(hard); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, fmt.Errorf("river: %w", err))
		}
	}
	a.cancel()
	a.stopSim()
	return errors.Join(errs...)
}

// EnsureAdmin creates the first admin when there are no users: with the
// configured e-mail and password, or a generated password printed once to out.
// Nodes starting together on one database create it once.
func EnsureAdmin(ctx context.Context, st *store.Store, cfg config.Config, out io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	email, password := cfg.AdminEmail, cfg.AdminPassword
	if email == "" {
		email = "admin@iysgate.local"
	}
	generated := password == ""
	if generated {
		password = auth.RandomPassword()
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fmt.Errorf("IYSGATE_ADMIN_PASSWORD: %w", err)
	}
	_, err = st.CreateUser(ctx, store.Actor{Label: "kurulum"}, store.UserInput{Email: email, Name: "Admin", PasswordHash: hash, IsAdmin: true})
	if errors.Is(err, store.ErrDuplicate) {
		// Another node starting beside this one on the same database
		// created the first Admin between the count and the insert.
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nİlk Admin hesabı oluşturuldu.\n  E-posta: %s\n", email)
	if !generated {
		fmt.Fprintf(out, "  Parola:  IYSGATE_ADMIN_PASSWORD ile verdiğiniz parola\n\n")
		return nil
	}
	// The generated password goes to a file only the service user reads,
	// not to the terminal, whose output stays in docker logs and journald.
	path, err := writeFirstAdminPassword(cfg.DataDir, email, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  Parola:  %s dosyasında (yalnızca bu hizmetin kullanıcısı okuyabilir).\n"+
		"  Giriş yapıp Hesabım sayfasından parolayı değiştirdiğinizde dosya silinir.\n\n", path)
	return nil
}

// writeFirstAdminPassword writes the first Admin's generated password to
// web.FirstAdminPasswordFile in the data directory, mode 0600.
func writeFirstAdminPassword(dataDir, email, password string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dataDir, web.FirstAdminPasswordFile)
	text := "iysgate ilk Admin hesabı\nE-posta: " + email + "\nParola:  " + password + "\n" +
		"Giriş yaptıktan sonra Hesabım sayfasından parolanızı değiştirin; bu dosya o zaman silinir.\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}
