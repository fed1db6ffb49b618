package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"iysgate/app/store"
	"iysgate/app/webhook"
)

// Webhook delivery. The outbox (webhook_deliveries) is filled by triggers
// in the transactions of the changes; one job per endpoint sends what is
// due, in rounds: a round takes the endpoint's first pending deliveries in
// order and sends, at once, the first one of each order key (a recipient,
// an import, a company) that is due; the next of a key goes only after the
// one before it was delivered (or given up), so a recipient's ONAY, RET,
// ONAY arrive in that order while other recipients' go in parallel. A
// failed delivery is retried with exponential backoff; a round that failed
// whole pauses the endpoint (it is down, and every other delivery would
// fail too), and an endpoint failing for Webhooks.DisableAfter is turned
// off. Delivery is at least once: a receiver drops repeats by webhook-id
// (an answer lost on the way, or a crash between the answer and its
// record, sends that delivery again).

// Webhooks are the delivery settings.
type Webhooks struct {
	Sender *webhook.Sender
	// RetryMin is the first retry's delay; each next one doubles, up to
	// an hour (less when DisableAfter is short).
	RetryMin time.Duration
	// DisableAfter turns off an endpoint failing this long.
	DisableAfter time.Duration
	// Concurrency is how many requests one endpoint's round sends at once.
	Concurrency int
}

// backoff is the delay before the n-th retry (n ≥ 1), with jitter.
func (h Webhooks) backoff(n int) time.Duration {
	ceiling := min(time.Hour, max(h.RetryMin, h.DisableAfter/8))
	d := h.RetryMin << min(n-1, 30)
	if d <= 0 || d > ceiling {
		d = ceiling
	}
	return d*3/4 + rand.N(d/4+1)
}

// The size of a round: how many pending deliveries it looks at, and how
// many it sends at most.
const (
	hookWindow = 500
	hookRound  = 64
)

// DeliverWebhooksArgs sends the due deliveries of one endpoint.
type DeliverWebhooksArgs struct {
	EndpointID int64 `json:"endpoint_id"`
}

// Kind implements river.JobArgs.
func (DeliverWebhooksArgs) Kind() string { return "webhook_deliver" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per endpoint
// while it waits or runs, so that its order holds.
func (DeliverWebhooksArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// DeliverWebhooksWorker runs DeliverWebhooksArgs.
type DeliverWebhooksWorker struct {
	river.WorkerDefaults[DeliverWebhooksArgs]
	deps Deps
}

// Timeout implements river.Worker.
func (w *DeliverWebhooksWorker) Timeout(*river.Job[DeliverWebhooksArgs]) time.Duration {
	return w.deps.Delivery.JobTimeout
}

// Work implements river.Worker: rounds until nothing is due, the endpoint
// is off or paused, or the run's time is up (then it goes on at once in a
// new run). Delivery failures are the deliveries' business, not the job's:
// only a database error fails the job.
func (w *DeliverWebhooksWorker) Work(ctx context.Context, job *river.Job[DeliverWebhooksArgs]) error {
	st, h := w.deps.Store, w.deps.Webhooks
	ends := time.Now().Add(w.deps.Delivery.JobTimeout * 4 / 5)
	for time.Now().Before(ends) {
		t, err := st.WebhookTarget(ctx, job.Args.EndpointID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !t.Enabled || (t.PausedUntil != nil && t.PausedUntil.After(time.Now())) {
			return nil
		}
		pending, err := st.PendingWebhookDeliveries(ctx, t.ID, hookWindow)
		if err != nil {
			return err
		}
		round := dueInOrder(pending, hookRound)
		if len(round) == 0 {
			return nil
		}
		atts := w.send(ctx, t, round)
		if ctx.Err() != nil {
			// Cut off (shutdown, timeout): nothing of this round is
			// recorded; it is sent again by the next run.
			return river.JobSnooze(0)
		}
		off, err := st.RecordWebhookAttempts(context.WithoutCancel(ctx), t.ID, atts,
			store.HookPolicy{DisableAfter: h.DisableAfter, Pause: h.backoff(t.Failures + 1)})
		if err != nil {
			return err
		}
		if off {
			w.deps.Log.Warn("webhook endpoint is off", "endpoint", t.ID, "last_error", atts[len(atts)-1].Error)
			return nil
		}
	}
	return river.JobSnooze(0)
}

// dueInOrder picks a round from an endpoint's first pending deliveries
// (in id order): the first delivery of each order key, if it is due. A
// key's later deliveries wait behind it, due or not.
func dueInOrder(pending []store.OutgoingHook, max int) []store.OutgoingHook {
	seen := map[string]bool{}
	var out []store.OutgoingHook
	for _, p := range pending {
		if seen[p.OrderKey] {
			continue
		}
		seen[p.OrderKey] = true
		if p.Ready {
			out = append(out, p)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// send makes one attempt of each delivery of the round, several at once.
func (w *DeliverWebhooksWorker) send(ctx context.Context, t *store.HookTarget, round []store.OutgoingHook) []store.HookAttempt {
	h := w.deps.Webhooks
	atts := make([]store.HookAttempt, len(round))
	sem := make(chan struct{}, max(h.Concurrency, 1))
	var wg sync.WaitGroup
	for i, d := range round {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			body, err := json.Marshal(webhook.Payload{Type: d.Type, Timestamp: d.CreatedAt.UTC(), Data: d.Data})
			var res webhook.Result
			if err != nil {
				res.Error = "Yük hazırlanamadı: " + err.Error()
			} else {
				res = h.Sender.Send(ctx, t.URL, t.Key, webhook.MessageID(d.ID), body)
			}
			atts[i] = store.HookAttempt{ID: d.ID, OK: res.OK, Code: res.Code, Error: res.Error,
				Retry: time.Now().Add(h.backoff(d.Attempts + 1))}
		})
	}
	wg.Wait()
	return atts
}

// KickWebhooks enqueues the delivery job of every endpoint with a delivery
// due: when the database announces new ones (NOTIFY iysgate_webhooks, sent
// at commit by the outbox triggers), and every tick, for retries that came
// due and for anything a notification missed (a job that was finishing
// when it came). It runs on every node until ctx ends; the jobs are
// unique per endpoint, so nodes do not double them.
func KickWebhooks(ctx context.Context, pool *pgxpool.Pool, st *store.Store, rc *river.Client[pgx.Tx], tick time.Duration, log *slog.Logger) {
	for ctx.Err() == nil {
		if err := kickLoop(ctx, pool, st, rc, tick); err != nil && ctx.Err() == nil {
			log.Warn("webhook kicker stopped, retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}
}

func kickLoop(ctx context.Context, pool *pgxpool.Pool, st *store.Store, rc *river.Client[pgx.Tx], tick time.Duration) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection keeps listening, so it must not return to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN iysgate_webhooks"); err != nil {
		return err
	}
	notes, errc, done := make(chan struct{}, 1), make(chan error, 1), make(chan struct{})
	wctx, stop := context.WithCancel(ctx)
	// The waiter is over before the connection closes.
	defer func() { stop(); <-done }()
	go func() {
		defer close(done)
		for {
			if _, err := conn.WaitForNotification(wctx); err != nil {
				errc <- err
				return
			}
			select {
			case notes <- struct{}{}:
			default:
			}
		}
	}()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := kickWebhooks(ctx, st, rc); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errc:
			return err
		case <-notes:
		case <-t.C:
		}
		// Many commits in a row (single consents) make one kick.
		select {
		case <-ctx.Done():
		case <-time.After(min(tick, 50*time.Millisecond)):
		}
	}
}

func kickWebhooks(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx]) error {
	ids, err := st.ReadyWebhookEndpoints(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: DeliverWebhooksArgs{EndpointID: id}}
	}
	_, err = rc.InsertMany(ctx, params)
	return err
}
