// Package config holds every setting of iysgate with its default and its
// environment variable, in one place an operator can read.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config is the configuration of every command.
type Config struct {
	// Addr is where the HTTP server listens (IYSGATE_ADDR).
	Addr string
	// DataDir holds the private PostgreSQL cluster and the lock (IYSGATE_DATA_DIR).
	DataDir string
	// DatabaseURL selects an external PostgreSQL instead of the private
	// cluster (DATABASE_URL).
	DatabaseURL string
	// AdminEmail and AdminPassword create the first admin when there are no
	// users (IYSGATE_ADMIN_EMAIL, IYSGATE_ADMIN_PASSWORD).
	AdminEmail    string
	AdminPassword string
	// SecureCookies marks cookies Secure (IYSGATE_SECURE_COOKIES=1). iysgate
	// serves plain HTTP itself; set it when users reach it through a
	// TLS-terminating proxy, as they should outside a closed network.
	SecureCookies bool
	// MaxUploadBytes bounds an uploaded file (IYSGATE_MAX_UPLOAD_MB); a
	// larger one is refused while it streams in, and nothing is kept.
	MaxUploadBytes int
	// MaxStoredBytes bounds the uploaded files one company holds at once
	// (IYSGATE_MAX_STORED_MB): lists waiting, being read or in preview,
	// and finished ones until FileRetention has passed.
	MaxStoredBytes int64
	// UploadSpoolDir is where an upload is kept while it streams in, before
	// it goes to PostgreSQL (IYSGATE_UPLOAD_SPOOL_DIR; default: the system's
	// temporary directory). On a machine whose /tmp is in memory (tmpfs),
	// point it at a disk.
	UploadSpoolDir string
	// FileRetention is how long the file of an import that has ended
	// (sent, failed, discarded) is kept (IYSGATE_FILE_RETENTION).
	FileRetention time.Duration
	// TrustedProxies are the addresses (IPs or CIDRs, comma-separated) of
	// the reverse proxies in front of iysgate (IYSGATE_TRUSTED_PROXIES): a
	// request from one of them is taken to come from the address it names
	// in X-Forwarded-For. Without it, the peer's address is the client's.
	TrustedProxies string
	// MetricsToken, when set, is the bearer token /metrics requires
	// (IYSGATE_METRICS_TOKEN). Without it /metrics answers loopback
	// clients only: it names companies and their quota.
	MetricsToken string
	// SessionTTL is how long an idle web session lives (IYSGATE_SESSION_TTL).
	SessionTTL time.Duration
	// ShutdownTimeout bounds how long running jobs may take to finish on
	// shutdown before they are cancelled (IYSGATE_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// LogFormat is "text" or "json" (IYSGATE_LOG_FORMAT).
	LogFormat string

	// İYS: the account, delivery and the simulator. Where İYS's document is
	// silent or contradicts itself the default is the safer reading; the
	// comment says which.
	//
	// IYSBaseURL, IYSUsername and IYSPassword are the integrator account
	// (IYS_BASE_URL, IYS_USERNAME, IYS_PASSWORD). With none set, serve runs
	// the İYS simulator in-process ("SİMÜLASYON MODU").
	IYSBaseURL  string
	IYSUsername string
	IYSPassword string
	// IYSIntegratorCode is the agency's integrator (iş ortağı) code at İYS
	// (IYS_INTEGRATOR_CODE). Set, İYS's integrator query decides which
	// brands and channels each company lets the agency write, and delivery
	// waits where it grants none; empty, the manual "integrator assigned"
	// tick decides (İYS's sandbox has no integrator accounts).
	IYSIntegratorCode string
	// IYSIntegratorCheckInterval is how often İYS's integrator query is asked
	// (IYSGATE_IYS_INTEGRATOR_CHECK_INTERVAL).
	IYSIntegratorCheckInterval time.Duration
	// IYSV1 sends adds by İYS's V1 methods (IYSGATE_IYS_V1=1) instead of V2,
	// whose recognition of a resend makes a lost answer safe to settle.
	IYSV1 bool
	// IYSListSize is the most consents per list (IYSGATE_IYS_LIST_SIZE); İYS
	// takes at most 1000 (H091).
	IYSListSize int
	// IYSConcurrency is how many requests of one company may be on their way
	// at once (IYSGATE_IYS_CONCURRENCY): several lists in flight, so the
	// result wait does not idle the budget.
	IYSConcurrency int
	// IYSPerSecond is the requests per second from this installation
	// (IYSGATE_IYS_PER_SECOND): İYS allows 10 per IP; lower it when other
	// systems share the address.
	IYSPerSecond int
	// IYSTokensPerHour is the token requests per hour (IYSGATE_IYS_TOKENS_PER_HOUR):
	// İYS's document says 10 on its token method and 100 elsewhere; 10.
	IYSTokensPerHour int
	// IYSMultiStatusMax is the most recipients of one multiple status query
	// (IYSGATE_IYS_MULTI_STATUS_MAX): 1000 by the method's description, 100
	// by H127's text; 100.
	IYSMultiStatusMax int
	// IYSResolveAfter is how long after sending a list İYS is first asked
	// about it, its result or, after a lost answer, what it holds
	// (IYSGATE_IYS_RESOLVE_AFTER): İYS asks for at least 300 s.
	IYSResolveAfter time.Duration
	// IYSPollInterval is the pause between result queries of a list İYS has
	// not finished (IYSGATE_IYS_POLL_INTERVAL).
	IYSPollInterval time.Duration
	// IYSPullInterval is how often changes are pulled from İYS per brand
	// (IYSGATE_IYS_PULL_INTERVAL); İYS keeps them for 7 days.
	IYSPullInterval time.Duration
	// IYSRateWindow is a sixtieth of the window of İYS's hourly limits
	// (IYSGATE_IYS_RATE_WINDOW, 1m: an hour); only tests and benchmarks
	// shorten it.
	IYSRateWindow time.Duration
	// SimAsyncDelay is how long the in-process simulator takes to decide a
	// list (IYSGATE_SIM_ASYNC_DELAY).
	SimAsyncDelay time.Duration
	// JobRescueAfter is when a job of a vanished process is run again
	// (IYSGATE_JOB_RESCUE_AFTER); it must exceed JobTimeout.
	JobRescueAfter time.Duration
	// JobTimeout bounds one run of an İYS delivery job (IYSGATE_JOB_TIMEOUT).
	JobTimeout time.Duration
	// ApproveChunk is how many consents an approval writes per
	// transaction (IYSGATE_APPROVE_CHUNK; 0: the job's default).
	ApproveChunk int

	// WebhookAllow is the Admin's allow-list for webhook URLs
	// (IYSGATE_WEBHOOK_ALLOW): CIDRs, addresses or host names that an
	// endpoint may reach although they are loopback, private or link-local,
	// also over plain http. Read by webhook.ParseAllow at start.
	WebhookAllow string
	// WebhookTimeout bounds one webhook request (IYSGATE_WEBHOOK_TIMEOUT).
	WebhookTimeout time.Duration
	// WebhookRetryMin is the delay of a failed delivery's first retry; each
	// next one doubles, up to an hour (IYSGATE_WEBHOOK_RETRY_MIN).
	WebhookRetryMin time.Duration
	// WebhookDisableAfter turns off an endpoint that failed every attempt
	// for this long (IYSGATE_WEBHOOK_DISABLE_AFTER).
	WebhookDisableAfter time.Duration
}

// Simulation reports whether no İYS account is configured.
func (c Config) Simulation() bool {
	return c.IYSBaseURL == "" && c.IYSUsername == "" && c.IYSPassword == ""
}

// Load returns the configuration from the environment, with defaults. A
// setting that is set but cannot be read (a number that is not one, a
// duration, a log format) is an error naming it: the appliance does not
// start on a silent fallback.
func Load() (Config, error) {
	loadErrs = nil
	c := fromEnv()
	if c.LogFormat != "text" && c.LogFormat != "json" {
		loadErrs = append(loadErrs, fmt.Errorf("IYSGATE_LOG_FORMAT %q olamaz: text ya da json", c.LogFormat))
	}
	if c.MaxUploadBytes <= 0 || c.MaxStoredBytes <= 0 {
		loadErrs = append(loadErrs, errors.New("IYSGATE_MAX_UPLOAD_MB ve IYSGATE_MAX_STORED_MB sıfırdan büyük olmalı"))
	}
	if c.JobRescueAfter <= c.JobTimeout {
		loadErrs = append(loadErrs, fmt.Errorf("IYSGATE_JOB_RESCUE_AFTER (%s) IYSGATE_JOB_TIMEOUT'tan (%s) uzun olmalı: yoksa çalışan işler yeniden başlatılır",
			c.JobRescueAfter, c.JobTimeout))
	}
	// River runs the jobs without a timeout of their own for up to a minute
	// (river.JobTimeoutDefault) and refuses to start when it would rescue
	// them sooner.
	if c.JobRescueAfter < time.Minute {
		loadErrs = append(loadErrs, fmt.Errorf("IYSGATE_JOB_RESCUE_AFTER (%s) en az 1m olmalı: kendi süresi olmayan işler bir dakikaya kadar çalışır", c.JobRescueAfter))
	}
	if c.WebhookTimeout <= 0 || c.WebhookRetryMin <= 0 || c.WebhookDisableAfter <= 0 {
		loadErrs = append(loadErrs, errors.New("IYSGATE_WEBHOOK_TIMEOUT, IYSGATE_WEBHOOK_RETRY_MIN ve IYSGATE_WEBHOOK_DISABLE_AFTER sıfırdan uzun olmalı"))
	}
	err := errors.Join(loadErrs...)
	loadErrs = nil
	return c, err
}

// IYSHour is the window of İYS's hourly limits: an hour, shortened with
// IYSRateWindow by tests.
func (c Config) IYSHour() time.Duration { return 60 * c.IYSRateWindow }

// Default is the configuration of Load, for tests, which set what they
// need and have no environment to get wrong.
func Default() Config {
	c, _ := Load()
	return c
}

// loadErrs collects the settings Load could not read; Load runs once, at
// start, before anything else reads the configuration.
var loadErrs []error

func fromEnv() Config {
	return Config{
		Addr:            env("IYSGATE_ADDR", "127.0.0.1:8080"),
		DataDir:         env("IYSGATE_DATA_DIR", "./data"),
		DatabaseURL:     os.Getenv("DATABASE_URL"),
		AdminEmail:      os.Getenv("IYSGATE_ADMIN_EMAIL"),
		AdminPassword:   os.Getenv("IYSGATE_ADMIN_PASSWORD"),
		SecureCookies:   os.Getenv("IYSGATE_SECURE_COOKIES") == "1",
		MaxUploadBytes:  envInt("IYSGATE_MAX_UPLOAD_MB", 200) << 20,
		MaxStoredBytes:  int64(envInt("IYSGATE_MAX_STORED_MB", 4096)) << 20,
		FileRetention:   envDuration("IYSGATE_FILE_RETENTION", 7*24*time.Hour),
		UploadSpoolDir:  os.Getenv("IYSGATE_UPLOAD_SPOOL_DIR"),
		TrustedProxies:  os.Getenv("IYSGATE_TRUSTED_PROXIES"),
		MetricsToken:    os.Getenv("IYSGATE_METRICS_TOKEN"),
		SessionTTL:      envDuration("IYSGATE_SESSION_TTL", 12*time.Hour),
		ShutdownTimeout: envDuration("IYSGATE_SHUTDOWN_TIMEOUT", 30*time.Second),
		LogFormat:       env("IYSGATE_LOG_FORMAT", "text"),

		// İYS
		IYSBaseURL:                 os.Getenv("IYS_BASE_URL"),
		IYSUsername:                os.Getenv("IYS_USERNAME"),
		IYSPassword:                os.Getenv("IYS_PASSWORD"),
		IYSIntegratorCode:          os.Getenv("IYS_INTEGRATOR_CODE"),
		IYSIntegratorCheckInterval: envDuration("IYSGATE_IYS_INTEGRATOR_CHECK_INTERVAL", time.Hour),
		IYSV1:                      os.Getenv("IYSGATE_IYS_V1") == "1",
		IYSListSize:                envInt("IYSGATE_IYS_LIST_SIZE", 1000),
		IYSConcurrency:             envInt("IYSGATE_IYS_CONCURRENCY", 8),
		IYSPerSecond:               envInt("IYSGATE_IYS_PER_SECOND", 10),
		IYSTokensPerHour:           envInt("IYSGATE_IYS_TOKENS_PER_HOUR", 10),
		IYSMultiStatusMax:          envInt("IYSGATE_IYS_MULTI_STATUS_MAX", 100),
		IYSResolveAfter:            envDuration("IYSGATE_IYS_RESOLVE_AFTER", 300*time.Second),
		IYSPollInterval:            envDuration("IYSGATE_IYS_POLL_INTERVAL", 30*time.Second),
		IYSPullInterval:            envDuration("IYSGATE_IYS_PULL_INTERVAL", 15*time.Minute),
		IYSRateWindow:              envDuration("IYSGATE_IYS_RATE_WINDOW", time.Minute),
		SimAsyncDelay:              envDuration("IYSGATE_SIM_ASYNC_DELAY", 2*time.Second),

		JobRescueAfter: envDuration("IYSGATE_JOB_RESCUE_AFTER", 6*time.Minute),
		JobTimeout:     envDuration("IYSGATE_JOB_TIMEOUT", 5*time.Minute),
		ApproveChunk:   envInt("IYSGATE_APPROVE_CHUNK", 0),

		WebhookAllow:        os.Getenv("IYSGATE_WEBHOOK_ALLOW"),
		WebhookTimeout:      envDuration("IYSGATE_WEBHOOK_TIMEOUT", 10*time.Second),
		WebhookRetryMin:     envDuration("IYSGATE_WEBHOOK_RETRY_MIN", 5*time.Second),
		WebhookDisableAfter: envDuration("IYSGATE_WEBHOOK_DISABLE_AFTER", 24*time.Hour),
	}
}

// Flags registers the common flags on fs, defaulting to the values in c.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "veri dizini (IYSGATE_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "harici PostgreSQL adresi (DATABASE_URL)")
}

// ServeFlags registers the flags that only serve has.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.Flags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP dinleme adresi (IYSGATE_ADDR)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "günlük biçimi: text ya da json (IYSGATE_LOG_FORMAT)")
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			loadErrs = append(loadErrs, fmt.Errorf("%s %q bir tam sayı değil", name, v))
			return def
		}
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			loadErrs = append(loadErrs, fmt.Errorf("%s %q bir süre değil (ör. 30s, 5m, 168h)", name, v))
			return def
		}
		return d
	}
	return def
}
