// Package metrics holds iysgate's Prometheus metrics: Go and process
// collectors, HTTP requests by route and status, River jobs by kind and
// outcome, and the depth and age of the job queue.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
)

// Metrics is the registry of one process.
type Metrics struct {
	Registry     *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	jobs         *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	iysCalls     *prometheus.CounterVec
	iysDuration  *prometheus.HistogramVec
	iysItems     *prometheus.CounterVec
	iysPulled    *prometheus.CounterVec
	checks       *prometheus.CounterVec
}

// New creates the registry with the Go and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iysgate_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "iysgate_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iysgate_river_jobs_total",
			Help: "River jobs worked by kind and outcome (completed, failed, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "iysgate_river_job_duration_seconds",
			Help:    "Run time of River jobs by kind.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10),
		}, []string{"kind"}),
		iysCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iysgate_iys_calls_total",
			Help: "Calls to İYS by endpoint kind and result (HTTP status, error, timeout).",
		}, []string{"endpoint", "result"}),
		iysDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "iysgate_iys_call_duration_seconds",
			Help:    "Latency of calls to İYS by endpoint kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		iysItems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iysgate_iys_items_total",
			Help: "Consents with a final İYS answer, by outcome (accepted, already_there, refused).",
		}, []string{"outcome"}),
		iysPulled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iysgate_iys_pulled_changes_total",
			Help: "Changes pulled from İYS by source (HS, IYS) and result (applied, skipped, conflict).",
		}, []string{"source", "result"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iysgate_check_recipients_total",
			Help: "Recipients checked (API and Tarama), by channel and result (ONAY, RET, YOK, GECERSIZ).",
		}, []string{"channel", "result"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.jobs, m.jobDuration, m.iysCalls, m.iysDuration, m.iysItems, m.iysPulled, m.checks,
	)
	return m
}

// ObserveIYS records one call to İYS (the client's Observe hook).
func (m *Metrics) ObserveIYS(kind, result string, d time.Duration) {
	m.iysCalls.WithLabelValues(kind, result).Inc()
	m.iysDuration.WithLabelValues(kind).Observe(d.Seconds())
}

// IYSItem counts one consent's final İYS answer.
func (m *Metrics) IYSItem(outcome string) { m.iysItems.WithLabelValues(outcome).Inc() }

// IYSPulled counts pulled changes.
func (m *Metrics) IYSPulled(source, result string, n int) {
	m.iysPulled.WithLabelValues(source, result).Add(float64(n))
}

// Checked counts n recipients checked with one result.
func (m *Metrics) Checked(channel, result string, n int) {
	if n > 0 {
		m.checks.WithLabelValues(channel, result).Add(float64(n))
	}
}

// Sample is one value of a gauge read at scrape time.
type Sample struct {
	Labels []string
	Value  float64
}

// RegisterGauges adds a gauge whose samples fn reads at each scrape (from
// the database: quota per company, the age of the delivery queue), so that
// every node reports the same truth.
func (m *Metrics) RegisterGauges(name, help string, labels []string, fn func(context.Context) ([]Sample, error), log *slog.Logger) {
	m.Registry.MustRegister(&gaugeFunc{fn: fn, log: log, desc: prometheus.NewDesc(name, help, labels, nil)})
}

type gaugeFunc struct {
	fn   func(context.Context) ([]Sample, error)
	log  *slog.Logger
	desc *prometheus.Desc
}

func (g *gaugeFunc) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *gaugeFunc) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	samples, err := g.fn(ctx)
	if err != nil {
		g.log.Warn("metric query failed", "metric", g.desc.String(), "err", err)
		return
	}
	for _, s := range samples {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, s.Value, s.Labels...)
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveHTTP records one request. route is the pattern ("/users/:id"), never
// the raw path, so that the number of series stays bounded.
func (m *Metrics) ObserveHTTP(method, route string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

// outcomes names River's events in the jobs counter.
var outcomes = map[river.EventKind]string{
	river.EventKindJobCompleted: "completed",
	river.EventKindJobFailed:    "failed",
	river.EventKindJobCancelled: "cancelled",
	river.EventKindJobSnoozed:   "snoozed",
}

// WatchRiver counts the jobs that client works until ctx ends.
func (m *Metrics) WatchRiver(ctx context.Context, client *river.Client[pgx.Tx]) {
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				m.jobs.WithLabelValues(ev.Job.Kind, outcomes[ev.Kind]).Inc()
				if ev.JobStats != nil {
					m.jobDuration.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.RunDuration.Seconds())
				}
			}
		}
	}()
}

// RegisterQueueDepth adds the gauges that report, at each scrape, how many
// jobs wait or run, by kind and state, and how long the oldest due job of
// each kind has waited.
func (m *Metrics) RegisterQueueDepth(pool *pgxpool.Pool, log *slog.Logger) {
	m.RegisterGauges("iysgate_river_queue_jobs", "River jobs not yet finished, by kind and state.", []string{"kind", "state"},
		func(ctx context.Context) ([]Sample, error) {
			rows, _ := pool.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job
				WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending') GROUP BY 1, 2`)
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Sample, error) {
				var kind, state string
				var n int64
				err := r.Scan(&kind, &state, &n)
				return Sample{Labels: []string{kind, state}, Value: float64(n)}, err
			})
		}, log)
	// A count alone does not tell a busy queue from a stuck one: the age of
	// the oldest job that is due and not taken does. (River's fetch index
	// leads with state, so this reads only the available jobs.)
	m.RegisterGauges("iysgate_river_oldest_available_seconds", "Time the oldest due job of each kind has waited for a worker.", []string{"kind"},
		func(ctx context.Context) ([]Sample, error) {
			rows, _ := pool.Query(ctx, `SELECT kind, greatest(0, extract(epoch FROM now() - min(scheduled_at)))::float8
				FROM river_job WHERE state = 'available' GROUP BY 1`)
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Sample, error) {
				var kind string
				var age float64
				err := r.Scan(&kind, &age)
				return Sample{Labels: []string{kind}, Value: age}, err
			})
		}, log)
}
