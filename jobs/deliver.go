package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/store"
)

// Delivery settings of the İYS jobs.
type Delivery struct {
	// ResultWait is how long after sending a list İYS is first asked about
	// it: its result, or after a lost answer what it holds. İYS asks for at
	// least 300 s.
	ResultWait time.Duration
	// PollInterval is the pause between result queries of a list İYS has
	// not finished.
	PollInterval time.Duration
	// JobTimeout bounds one run of a company's delivery job; the run hands
	// over before it, and the next resumes from the state stored.
	JobTimeout time.Duration
	// ListSize is the most consents of one list (İYS takes 1000).
	ListSize int
	// Concurrency is how many requests of one company may be on their way
	// at once (sends and queries); the limiter spreads İYS's budget between
	// companies.
	Concurrency int
	// IntegratorCode is the agency's integrator code at İYS; set, İYS's
	// integrator query decides which brands and channels may be written.
	IntegratorCode string
}

// DeliverArgs works a company's batches: sends those due, queries the
// results of those sent, asks İYS about those whose answer was lost. Wake
// is the run enqueued beside a running one when new work comes (a job
// about to finish may miss it); the two share the work by the batches'
// leases.
type DeliverArgs struct {
	CompanyID int64 `json:"company_id"`
	Wake      bool  `json:"wake,omitempty"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "iys_deliver" }

// liveStates are the states in which a job counts for uniqueness: one job
// per company while it waits, runs or is put off.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// QueueIYS is the queue of the delivery jobs.
const QueueIYS = "iys"

// InsertOpts implements river.JobArgsWithInsertOpts.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueIYS, MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// DeliverWorker runs DeliverArgs.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	deps Deps
}

// NewDeliverWorker is the worker on its own, for benchmarks that drive
// deliveries without a River client.
func NewDeliverWorker(d Deps) *DeliverWorker { return &DeliverWorker{deps: d} }

// Timeout implements river.Worker.
func (w *DeliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.deps.Delivery.JobTimeout
}

// NextRetry retries soon with jitter: a run fails only when the database
// does.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	d := min(time.Second<<min(job.Attempt, 6), time.Minute)
	return time.Now().Add(d/2 + rand.N(d/2+1))
}

const (
	// maxSnooze bounds a run's sleep when nothing is due: new work of the
	// company usually wakes the job at once (see the server's hook), and
	// this bounds the delay when that races with the job going to sleep.
	maxSnooze = 30 * time.Second
	// emptyResultLimit is how long a list's result may stay empty before
	// İYS is asked what it holds instead (İYS keeps results 60 days; an
	// empty answer before then means "not worked yet").
	emptyResultLimit = 24 * time.Hour
)

// Work implements river.Worker: it works the company's due batches, up to
// Concurrency at once, until nothing is due (it sleeps until the next
// falls due), nothing is open (done), İYS stopped the company (done until
// a person resumes it) or the run's time is up (it hands over).
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	r := &run{w: w, company: job.Args.CompanyID, done: make(chan struct{}, 1),
		sem: make(chan struct{}, max(w.deps.Delivery.Concurrency, 1))}
	ctx = iys.WithParty(ctx, "firma:"+strconv.FormatInt(r.company, 10))
	// No new step after half the run's time, so that the steps on their way
	// end before River's timeout cuts them short.
	ends := time.Now().Add(w.deps.Delivery.JobTimeout / 2)
	defer r.wg.Wait()
	for {
		if err := r.failure(); err != nil {
			return err
		}
		if ctx.Err() != nil || time.Now().After(ends) {
			r.wg.Wait()
			return river.JobSnooze(0)
		}
		if hold, err := w.deps.Store.DeliveryHold(ctx, r.company); err != nil || hold != nil {
			return err
		}
		b, err := w.deps.Store.NextDue(ctx, r.company, w.deps.Delivery.JobTimeout)
		if err != nil {
			return err
		}
		if b == nil {
			if r.active() {
				r.waitOne(ctx)
				continue
			}
			at, open, err := w.deps.Store.NextWake(ctx, r.company)
			if err != nil || !open {
				return err
			}
			if d := time.Until(at); d > time.Second {
				return river.JobSnooze(min(d, maxSnooze))
			}
			if err := sleep(ctx, max(time.Until(at), 50*time.Millisecond)); err != nil {
				return river.JobSnooze(0)
			}
			continue
		}
		r.start(ctx, b)
	}
}

// run is one run of a company's delivery job.
type run struct {
	w       *DeliverWorker
	company int64
	sem     chan struct{} // a slot per request on its way
	done    chan struct{} // an action ended
	wg      sync.WaitGroup

	mu    sync.Mutex
	steps int   // steps on their way
	err   error // the first failure of the database
}

func (r *run) active() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.steps > 0
}

func (r *run) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// waitOne waits until an action ends (or a second passes: one may fall due).
func (r *run) waitOne(ctx context.Context) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-r.done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// start works b, leased, in its own goroutine once a slot is free (a
// step not started leaves its lease to lapse).
func (r *run) start(ctx context.Context, b *store.Batch) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	r.mu.Lock()
	r.steps++
	r.mu.Unlock()
	r.wg.Go(func() {
		err := r.act(ctx, b)
		r.mu.Lock()
		r.steps--
		if err != nil && r.err == nil && ctx.Err() == nil {
			r.err = err
		}
		r.mu.Unlock()
		<-r.sem
		select {
		case r.done <- struct{}{}:
		default:
		}
	})
}

// act moves b one step on. Every answer of İYS, failures included, ends
// in the batch's state; only a failure of the database is returned. The
// run's context ends with the job's time: what İYS answered by then is
// still recorded, and a call cut short is not taken for İYS's answer.
func (r *run) act(ctx context.Context, b *store.Batch) error {
	db, cancel := keep(ctx)
	defer cancel()
	var err error
	switch b.Status {
	case store.BatchWaiting:
		err = r.send(ctx, db, b)
	case store.BatchSending:
		err = r.resolve(ctx, db, b)
	case store.BatchSent:
		err = r.poll(ctx, db, b)
	}
	if err != nil {
		return fmt.Errorf("batch %d (%s): %w", b.ID, b.Status, err)
	}
	return nil
}

// keep is ctx for recording what İYS answered: not cancelled with the run,
// but bounded well past a step's İYS call (a turn, then the HTTP timeout).
func keep(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
}

func (r *run) st() *store.Store    { return r.w.deps.Store }
func (r *run) client() *iys.Client { return r.w.deps.IYS }
func (r *run) cfg() Delivery       { return r.w.deps.Delivery }

func sp(b *store.Batch) iys.SP { return iys.SP{IYSCode: b.IYSCode, BrandCode: b.BrandCode} }

// send sends the batch's items that may go: by a single add for a consent
// given by hand, as one list otherwise.
func (r *run) send(ctx, db context.Context, b *store.Batch) error {
	claim := store.Claim{Max: r.cfg().ListSize, Write: r.cfg().IntegratorCode != "", V2: r.client().V2(), Wait: r.cfg().ResultWait}
	if b.Kind == store.BatchKindOne {
		claim.Max, claim.Wait = 1, 0 // a single add left unknown by a crash is resolved at once
	}
	items, err := r.st().ClaimSend(db, b.ID, claim)
	if err != nil || len(items) == 0 {
		return err
	}
	if b.Kind == store.BatchKindOne {
		return r.sendOne(ctx, db, b, items[0])
	}
	consents := make([]iys.Consent, len(items))
	for i, it := range items {
		consents[i] = wire(it)
	}
	req, err := r.client().AddList(ctx, sp(b), consents)
	if err != nil {
		return r.listFailed(ctx, db, b, items, err)
	}
	var subs []string
	if len(req.SubRequests) == len(items) {
		subs = make([]string, len(items))
		for i, s := range req.SubRequests {
			subs[i] = s.SubRequestID
		}
	}
	return r.st().MarkSent(db, b.ID, req.RequestID, subs, time.Now().Add(r.cfg().ResultWait))
}

// listFailed turns a list's failure into the batch's next state.
func (r *run) listFailed(ctx, db context.Context, b *store.Batch, items []store.BatchItem, err error) error {
	if ctx.Err() != nil && !iys.Ambiguous(err) { // the run ended before the list left
		return r.st().Unsend(db, b.ID, time.Now(), false, false, "")
	}
	if iys.Ambiguous(err) {
		// İYS may have queued it: ask what it holds once it has had time.
		return r.st().Defer(db, b.ID, time.Now().Add(r.cfg().ResultWait), true,
			"İYS'nin cevabı alınamadı; İYS'de ne kayıtlı olduğu sorulmadan yeniden gönderilmeyecek")
	}
	switch classOf(err) {
	case iysapi.ClassRefused, iysapi.ClassResend:
		return r.listRefused(db, b, items, err)
	case iysapi.ClassCompany:
		if err := r.hold(db, err); err != nil {
			return err
		}
		return r.st().Unsend(db, b.ID, time.Now(), false, false, turkish(err))
	case iysapi.ClassRateLimit, iysapi.ClassTransient, iysapi.ClassAuth:
		return r.st().Unsend(db, b.ID, r.retryAt(b, err), true, false, turkish(err))
	}
	return r.st().FailBatch(db, b.ID, turkish(err), true)
}

// listRefused handles a list İYS refused whole for some of its items: those
// are refused for good with their codes (an item whose key was twice in
// the list goes again), the others are sent again at once.
func (r *run) listRefused(db context.Context, b *store.Batch, items []store.BatchItem, err error) error {
	byIndex := map[int][]iys.Fault{}
	for _, f := range iys.Faults(err) {
		if f.Index < 0 || f.Index >= len(items) || !sameItem(items[f.Index], f) {
			// The refusal cannot be pinned on its items (İYS's indexes
			// counted otherwise, say): a person must look.
			return r.st().FailBatch(db, b.ID, "İYS listeyi reddetti ama hatalı kayıtlar eşleştirilemedi: "+turkish(err), true)
		}
		byIndex[f.Index] = append(byIndex[f.Index], f)
	}
	var outs []store.Outcome
	for i, faults := range byIndex {
		if c, _ := iysapi.LookupCode(faults[0].Code); c.Class == iysapi.ClassResend {
			continue
		}
		outs = append(outs, refused(items[i], codes(faults)...))
	}
	if err := r.record(db, b, outs); err != nil {
		return err
	}
	return r.st().Unsend(db, b.ID, time.Now(), false, false,
		strconv.Itoa(len(outs))+" kayıt İYS'ce reddedildi; listenin kalanı yeniden gönderiliyor")
}

// sameItem reports whether a fault naming a field and its value agrees
// with the item at its index (İYS's indexes are 0-based in its document;
// an answer counting otherwise would pin refusals on the wrong items).
func sameItem(it store.BatchItem, f iys.Fault) bool {
	if len(f.Location) == 0 || len(f.Value) == 0 {
		return true
	}
	var v string
	if jsonString(f.Value, &v) != nil {
		return true
	}
	w := wire(it)
	switch f.Location[0] {
	case "recipient":
		return equalFold(v, w.Recipient)
	case "consentDate":
		return v == w.ConsentDate
	case "status":
		return v == w.Status
	case "type":
		return v == w.Type
	case "source":
		return v == w.Source
	}
	return true
}

// sendOne sends a consent given by hand by a single add.
func (r *run) sendOne(ctx, db context.Context, b *store.Batch, it store.BatchItem) error {
	res, err := r.client().Add(ctx, sp(b), wire(it))
	if err == nil {
		return r.record(db, b, []store.Outcome{accepted(it, res.TransactionID)})
	}
	if ctx.Err() != nil && !iys.Ambiguous(err) { // the run ended before it left
		return r.st().Unsend(db, b.ID, time.Now(), false, false, "")
	}
	if iys.Ambiguous(err) {
		if r.client().V2() {
			// V2 answers the identical resend with the stored movement.
			return r.st().Unsend(db, b.ID, r.retryAt(b, err), true, true, "İYS'nin cevabı alınamadı; aynı izin yeniden gönderilecek (İYS aynı hareketi tanır)")
		}
		return r.st().Defer(db, b.ID, r.retryAt(b, err), true, "İYS'nin cevabı alınamadı; İYS'ye sorulacak")
	}
	switch classOf(err) {
	case iysapi.ClassRefused:
		out, err := r.judge(ctx, b, it, codes(iys.Faults(err))...)
		if err != nil {
			return r.st().Unsend(db, b.ID, r.retryAt(b, err), true, false, turkish(err))
		}
		return r.record(db, b, []store.Outcome{out})
	case iysapi.ClassCompany:
		if err := r.hold(db, err); err != nil {
			return err
		}
		return r.st().Unsend(db, b.ID, time.Now(), false, false, turkish(err))
	case iysapi.ClassRateLimit, iysapi.ClassTransient, iysapi.ClassAuth:
		return r.st().Unsend(db, b.ID, r.retryAt(b, err), true, false, turkish(err))
	}
	return r.st().FailBatch(db, b.ID, turkish(err), true)
}

// poll queries a list's result and records the items İYS has finished.
func (r *run) poll(ctx, db context.Context, b *store.Batch) error {
	results, err := r.client().ListResult(ctx, sp(b), b.RequestID, b.V2)
	if err != nil {
		if ctx.Err() != nil { // the run ended: the next one queries
			return r.st().Defer(db, b.ID, time.Now(), false, "")
		}
		switch classOf(err) {
		case iysapi.ClassInvalid: // İYS refuses the request id
			return r.st().ToResolve(db, b.ID, "İYS istek numarasını kabul etmedi; İYS'de ne kayıtlı olduğu sorulacak")
		case iysapi.ClassCompany:
			if err := r.hold(db, err); err != nil {
				return err
			}
		}
		return r.st().Defer(db, b.ID, r.retryAt(b, err), true, turkish(err))
	}
	items, err := r.st().InFlight(db, b.ID, false)
	if err != nil {
		return err
	}
	byKey := map[string]iys.ItemResult{}
	for _, res := range results {
		byKey[res.SubRequestID] = res
		byKey["#"+strconv.Itoa(res.Index)] = res
	}
	var outs []store.Outcome
	for _, it := range items {
		res, ok := byKey[resultKey(b, it)]
		if !ok || !res.Final() {
			continue
		}
		if res.Status == iysapi.ItemSuccess {
			outs = append(outs, succeeded(it, res))
			continue
		}
		code := ""
		if res.Error != nil {
			code = res.Error.Code
		}
		out, err := r.judge(ctx, b, it, code)
		if err != nil {
			break // asked again at the next query
		}
		outs = append(outs, out)
	}
	if err := r.record(db, b, outs); err != nil {
		return err
	}
	if len(outs) == len(items) {
		return nil
	}
	if len(results) == 0 && b.SentAt != nil && time.Since(*b.SentAt) > emptyResultLimit {
		return r.st().ToResolve(db, b.ID, "İYS bu isteğin sonucunu göstermiyor; İYS'de ne kayıtlı olduğu sorulacak")
	}
	return r.st().Defer(db, b.ID, time.Now().Add(r.cfg().PollInterval), false, "")
}

// resultKey finds an item in the result: by its subRequestId when the 202
// answer gave them, else by its index in the request.
func resultKey(b *store.Batch, it store.BatchItem) string {
	if it.RequestIndex >= 0 && it.RequestIndex < len(b.SubRequestIDs) && b.SubRequestIDs[it.RequestIndex] != "" {
		return b.SubRequestIDs[it.RequestIndex]
	}
	return "#" + strconv.Itoa(it.RequestIndex)
}

// succeeded is a success in a list's result. A movement V2 recognised as
// stored by another request is this item's own only if an earlier request
// of it may have delivered it; otherwise it was there already.
func succeeded(it store.BatchItem, res iys.ItemResult) store.Outcome {
	if res.Original != nil && !it.Uncertain {
		return alreadyThere(it, res.TransactionID)
	}
	return accepted(it, res.TransactionID)
}

// classOf is the class of a call's failure for delivery. A refused token
// (bad credentials) concerns every company, not the batch: it is waited
// out, with the token's own hourly budget keeping the tries few, until the
// account is put right.
func classOf(err error) iysapi.Class {
	var e *iys.Error
	if errors.As(err, &e) && e.Kind == iysapi.KindToken && e.Class() == iysapi.ClassInvalid {
		return iysapi.ClassAuth
	}
	return iys.ClassOf(err)
}

// hold stops the company's delivery for İYS's refusal.
func (r *run) hold(db context.Context, err error) error {
	var e *iys.Error
	errors.As(err, &e)
	msg, hint := iys.Describe(e.Code)
	return r.st().HoldCompany(db, r.company, e.Code, msg+" "+hint)
}

// retryAt is when to try again after a failure: as İYS asked, else after a
// backoff growing with the batch's failures in a row, with jitter. A limit
// met says nothing of the batch: it goes again as soon as the limiter (or
// İYS's hold) gives a turn, not after a backoff the hold's refusals grew.
func (r *run) retryAt(b *store.Batch, err error) time.Time {
	d := min(time.Second<<min(b.Failures, 8), 5*time.Minute)
	if classOf(err) == iysapi.ClassRateLimit {
		d = time.Second
	}
	d = d/2 + rand.N(d/2+1)
	return time.Now().Add(max(d, iys.RetryAfter(err)))
}

// record stores outcomes and counts them for the metrics.
func (r *run) record(db context.Context, b *store.Batch, outs []store.Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	if _, err := r.st().RecordOutcomes(db, b.ID, outs); err != nil {
		return err
	}
	if count := r.w.deps.Items; count != nil {
		for _, o := range outs {
			switch {
			case o.Accepted && o.Charged:
				count("accepted")
			case o.Accepted:
				count("already_there")
			default:
				count("refused")
			}
		}
	}
	return nil
}

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

// SweepDeliveryArgs batches consents whose company became ready for İYS and
// enqueues the delivery job of every company with work.
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
