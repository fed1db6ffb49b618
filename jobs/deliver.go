package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/consent"
	"iysgate/app/iys"
	"iysgate/app/store"
)

// Delivery settings of the İYS jobs.
type Delivery struct {
	// ResolveAfter is how long after an ambiguous asynchronous send the
	// batch is resolved by status queries: İYS may still be working the
	// request, and a status query too early would find nothing and lead to
	// sending twice.
	ResolveAfter time.Duration
	// PollInterval is the pause between result queries of a sent request.
	PollInterval time.Duration
	// JobTimeout bounds one run of a batch job; a longer delivery resumes
	// in the next run from the state stored so far.
	JobTimeout time.Duration
}

// SendBatchArgs delivers one sync batch to İYS and follows it to the end.
type SendBatchArgs struct {
	BatchID int64 `json:"batch_id"`
}

// Kind implements river.JobArgs.
func (SendBatchArgs) Kind() string { return "iys_send_batch" }

// batchUnique: one job per batch while it waits or runs; once it completed
// (a batch not at its company's head does nothing), the chain may enqueue
// the batch again when its turn comes.
var batchUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SendBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: batchUnique}
}

// SendBatchWorker sends a batch: once, then polls İYS until every item is
// final; an answer lost on the way is resolved by asking İYS what it has.
type SendBatchWorker struct {
	river.WorkerDefaults[SendBatchArgs]
	deps Deps
}

// Timeout implements river.Worker.
func (w *SendBatchWorker) Timeout(*river.Job[SendBatchArgs]) time.Duration {
	return w.deps.Delivery.JobTimeout
}

// NextRetry retries soon with jitter (River's default waits attempt⁴
// seconds, far too long for a 429 that asks for a few seconds).
func (w *SendBatchWorker) NextRetry(job *river.Job[SendBatchArgs]) time.Time {
	d := min(time.Second<<min(job.Attempt, 6), time.Minute)
	return time.Now().Add(d/2 + rand.N(d/2+1))
}

// Work implements river.Worker.
func (w *SendBatchWorker) Work(ctx context.Context, job *river.Job[SendBatchArgs]) error {
	err := w.deliver(ctx, job.Args.BatchID)
	var snooze *river.JobSnoozeError
	if err == nil || errors.As(err, &snooze) {
		return err
	}
	st := w.deps.Store
	_ = st.NoteBatchError(context.WithoutCancel(ctx), job.Args.BatchID, turkish(err))
	if job.Attempt >= job.MaxAttempts {
		// Give up: the items stay pending (nothing is lost), the batch shows
		// as failed on Gönderimler with a retry button, and the company's
		// next batch may go.
		if ferr := st.FailBatch(context.WithoutCancel(ctx), job.Args.BatchID, turkish(err)); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	}
	if d := iys.RetryAfter(err); d > 0 {
		return river.JobSnooze(d)
	}
	return err
}

// inJobRetries is how many transient İYS failures in a row a run rides
// out itself (with short backoff) before leaving the retry to River, whose
// delays grow with every attempt of the job.
const inJobRetries = 8

func (w *SendBatchWorker) deliver(ctx context.Context, batchID int64) error {
	st := w.deps.Store
	failures := 0
	// A run ends (snoozed, which costs no attempt) well before its timeout,
	// so that the timeout, and River's rescue of the job of a node that
	// died, can be short: after a kill -9, delivery resumes within minutes.
	ctx = context.WithValue(ctx, runEndsKey{}, time.Now().Add(w.deps.Delivery.JobTimeout*4/5))
	for {
		b, err := st.Batch(ctx, batchID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if b.Status == store.BatchDone || b.Status == store.BatchFailed || b.Status == store.BatchPreparing {
			return nil // a prepared batch is enqueued again when its approval is published
		}
		// A company's batches go one at a time, in order; the chain
		// enqueues this one again when its turn comes.
		if head, err := st.Head(ctx, b); err != nil || !head {
			return err
		}
		switch b.Status {
		case store.BatchWaiting:
			err = w.send(ctx, b)
		case store.BatchSending:
			err = w.resolve(ctx, b)
		case store.BatchSent:
			err = w.poll(ctx, b)
		}
		if err == nil {
			failures = 0
			continue
		}
		if failures++; failures > inJobRetries || !(iys.Temporary(err) || iys.Ambiguous(err)) {
			return err
		}
		_ = st.NoteBatchError(ctx, b.ID, turkish(err))
		d := min(100*time.Millisecond<<failures, 5*time.Second)
		d = max(d/2+rand.N(d/2+1), iys.RetryAfter(err))
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

func sp(b *store.Batch) iys.SP { return iys.SP{IYSCode: b.IYSCode, BrandCode: b.BrandCode} }

func wire(it store.BatchItem) iys.Consent {
	c := iys.Consent{Recipient: it.Recipient, Type: it.Type, Status: it.Status, RecipientType: it.RecipientType, Source: it.Source}
	if it.ConsentDate != nil {
		c.ConsentDate = consent.FormatIYS(*it.ConsentDate)
	}
	return c
}

// refusal turns İYS's code into an outcome: a repeat refused as "same
// status" is already there (final, but nothing was spent for it).
func refusal(eventID int64, code, message string) store.Outcome {
	if iys.IsAlreadyThere(code) {
		return store.Outcome{EventID: eventID, Accepted: true, Code: code, Message: "İYS'de zaten kayıtlı"}
	}
	msg, _ := iys.Describe(code)
	if msg == "" {
		msg = message
	}
	return store.Outcome{EventID: eventID, Code: code, Message: msg}
}

func (w *SendBatchWorker) send(ctx context.Context, b *store.Batch) error {
	st := w.deps.Store
	items, err := st.OpenItems(ctx, b.ID)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return st.FailBatch(ctx, b.ID, "gönderilecek kayıt kalmadı")
	}
	// Written before the request leaves: a crash from here on leaves the
	// batch in "gonderiliyor", which is resolved by querying İYS.
	if ok, err := st.MarkSending(ctx, b.ID); err != nil || !ok {
		return err // !ok: another run has it; the loop reads it again
	}
	if b.ImportID != nil {
		if err := st.MarkImportSending(ctx, *b.ImportID); err != nil {
			return err
		}
	}
	if b.Kind == store.BatchKindOne {
		it := items[0]
		res, err := w.deps.IYS.Add(ctx, sp(b), wire(it))
		var ie *iys.Error
		switch {
		case err == nil:
			return w.record(ctx, b, []store.Outcome{{EventID: it.EventID, Accepted: true, Charged: true, TransactionID: res.TransactionID}})
		case errors.As(err, &ie) && ie.HTTPStatus == 422:
			return w.record(ctx, b, []store.Outcome{refusal(it.EventID, ie.Code, ie.Message)})
		case iys.Ambiguous(err):
			return nil // resolved by a status query in the next round
		default:
			return w.unsent(ctx, b, err)
		}
	}
	consents := make([]iys.Consent, len(items))
	ids := make([]int64, len(items))
	for i, it := range items {
		consents[i], ids[i] = wire(it), it.EventID
	}
	req, err := w.deps.IYS.AddAsync(ctx, sp(b), consents)
	switch {
	case err == nil:
		return st.MarkSent(ctx, b.ID, req.RequestID, ids)
	case iys.Ambiguous(err):
		return fmt.Errorf("gönderimin yanıtı alınamadı, İYS'de ne kaydedildiği sorgulanacak: %w", err)
	case isRefusal(err):
		// İYS refused the whole request for its content: each item
		// carries the reason and nothing is charged.
		var ie *iys.Error
		errors.As(err, &ie)
		outs := make([]store.Outcome, len(items))
		for i, it := range items {
			outs[i] = refusal(it.EventID, ie.Code, ie.Message)
		}
		return w.record(ctx, b, outs)
	default:
		return w.unsent(ctx, b, err)
	}
}

// isRefusal reports an answer that judged the consents themselves (422,
// 400), as opposed to a call İYS did not take (403 brand not assigned, 404,
// missing codes on our side): those leave the items pending.
func isRefusal(err error) bool {
	var ie *iys.Error
	return errors.As(err, &ie) && (ie.HTTPStatus == 422 || ie.HTTPStatus == 400)
}

// unsent puts the batch back: İYS said it did not take the request.
func (w *SendBatchWorker) unsent(ctx context.Context, b *store.Batch, err error) error {
	if uerr := w.deps.Store.MarkUnsent(ctx, b.ID, turkish(err)); uerr != nil {
		return uerr
	}
	return err
}

func (w *SendBatchWorker) record(ctx context.Context, b *store.Batch, outs []store.Outcome) error {
	if _, err := w.deps.Store.RecordOutcomes(ctx, b.ID, outs); err != nil {
		return err
	}
	if w.deps.Items != nil {
		for _, o := range outs {
			switch {
			case o.Accepted && o.Charged:
				w.deps.Items("accepted")
			case o.Accepted:
				w.deps.Items("already_there")
			default:
				w.deps.Items("refused")
			}
		}
	}
	return nil
}

// resolve finds out what İYS stored of a batch whose answer was lost:
// items found as sent are final; the rest are certainly not there and go
// back to sending.
func (w *SendBatchWorker) resolve(ctx context.Context, b *store.Batch) error {
	// İYS may still be storing what it got (an async request, or a single
	// add whose answer timed out): asking too early finds nothing and
	// leads to sending twice.
	if b.SentAt != nil {
		if wait := time.Until(b.SentAt.Add(w.deps.Delivery.ResolveAfter)); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
	items, err := w.deps.Store.OpenItems(ctx, b.ID)
	if err != nil {
		return err
	}
	type group struct{ typ, rtype string }
	byGroup := map[group][]store.BatchItem{}
	for _, it := range items {
		g := group{it.Type, it.RecipientType}
		byGroup[g] = append(byGroup[g], it)
	}
	var outs []store.Outcome
	for g, its := range byGroup {
		recipients := make([]string, len(its))
		for i, it := range its {
			recipients[i] = it.Recipient
		}
		stored, err := w.deps.IYS.StatusMany(ctx, sp(b), g.typ, g.rtype, recipients)
		if err != nil {
			return err
		}
		have := map[string]iys.Stored{}
		for _, s := range stored {
			have[s.Recipient] = s
		}
		for _, it := range its {
			s, ok := have[it.Recipient]
			if ok && s.Status == it.Status && s.ConsentDate == wire(it).ConsentDate {
				outs = append(outs, store.Outcome{EventID: it.EventID, Accepted: true, Charged: true, TransactionID: s.TransactionID})
			}
		}
	}
	if len(outs) > 0 {
		if err := w.record(ctx, b, outs); err != nil {
			return err
		}
	}
	if len(outs) == len(items) {
		return nil
	}
	return w.deps.Store.MarkUnsent(ctx, b.ID, "")
}

func (w *SendBatchWorker) poll(ctx context.Context, b *store.Batch) error {
	for {
		results, err := w.deps.IYS.AsyncResult(ctx, sp(b), b.RequestID)
		var ie *iys.Error
		if errors.As(err, &ie) && ie.HTTPStatus == 404 {
			// İYS no longer knows the request: ask what it stored.
			return w.deps.Store.MarkResolving(ctx, b.ID, "İYS istek numarasını tanımıyor; durum sorgulanacak")
		}
		if err != nil {
			return err
		}
		items, err := w.deps.Store.OpenItems(ctx, b.ID)
		if err != nil {
			return err
		}
		at := map[int]int64{}
		for _, it := range items {
			at[it.RequestIndex] = it.EventID
		}
		var outs []store.Outcome
		for _, r := range results {
			id, ok := at[r.Index]
			if !ok || !r.Final() {
				continue
			}
			if r.Status == iys.ItemSuccess {
				outs = append(outs, store.Outcome{EventID: id, Accepted: true, Charged: true, TransactionID: r.TransactionID})
			} else if r.Error != nil {
				outs = append(outs, refusal(id, r.Error.Code, r.Error.Message))
			} else {
				outs = append(outs, refusal(id, "", "İYS nedenini bildirmedi"))
			}
		}
		if len(outs) > 0 {
			if err := w.record(ctx, b, outs); err != nil {
				return err
			}
		}
		if len(outs) == len(items) {
			return nil
		}
		if end, ok := ctx.Value(runEndsKey{}).(time.Time); ok && time.Now().After(end) {
			return river.JobSnooze(w.deps.Delivery.PollInterval)
		}
		if err := sleep(ctx, w.deps.Delivery.PollInterval); err != nil {
			return err
		}
	}
}

// runEndsKey holds when a batch job's run should hand over to the next.
type runEndsKey struct{}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// turkish is the last error as Gönderimler shows it.
func turkish(err error) string {
	if errors.Is(err, iys.ErrInvalidCall) {
		return "İYS numarası ya da marka kodu eksik: İYS Ayarları'nı tamamlayın, sonra Yeniden dene"
	}
	var ie *iys.Error
	if errors.As(err, &ie) {
		msg, _ := iys.Describe(ie.Code)
		switch {
		case ie.HTTPStatus == 429:
			return "İYS istek sınırı doldu; bekleyip yeniden denenecek"
		case ie.HTTPStatus >= 500:
			return fmt.Sprintf("İYS geçici hata verdi (HTTP %d); yeniden denenecek", ie.HTTPStatus)
		case ie.HTTPStatus == 0:
			return "İYS'ye ulaşılamadı; yeniden denenecek"
		case msg != "":
			return ie.Code + ": " + msg
		}
	}
	return err.Error()
}

// SweepDeliveryArgs batches consents whose company became ready for İYS and
// mends any broken chain of batch jobs.
type SweepDeliveryArgs struct{}

// Kind implements river.JobArgs.
func (SweepDeliveryArgs) Kind() string { return "iys_sweep_delivery" }

// SweepDeliveryWorker runs SweepDeliveryArgs.
type SweepDeliveryWorker struct {
	river.WorkerDefaults[SweepDeliveryArgs]
	deps Deps
}

// Work implements river.Worker.
func (w *SweepDeliveryWorker) Work(ctx context.Context, _ *river.Job[SweepDeliveryArgs]) error {
	n, err := w.deps.Store.SweepUnbatched(ctx)
	if n > 0 {
		w.deps.Log.Info("consents batched for İYS", "batches", n)
	}
	return err
}

// NewSendBatchWorker is the batch worker on its own, for benchmarks that
// drive deliveries without a River client.
func NewSendBatchWorker(d Deps) *SendBatchWorker { return &SendBatchWorker{deps: d} }
