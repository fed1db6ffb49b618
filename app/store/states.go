package store

// The states of iysgate's records, each a named type with its stored
// values, the Turkish label a page shows, and the predicates the code and
// the templates ask instead of comparing strings. Stored values are
// English identifiers; labels are what people read. Adding a state means
// adding its constant, its label and, where it matters, its place in a
// predicate: here, and nowhere else.

// ImportStatus is where an import stands, in the order it goes through
// them.
type ImportStatus string

// The import statuses.
const (
	ImportUploaded   ImportStatus = "uploaded"   // stored, its parse job queued
	ImportMapping    ImportStatus = "mapping"    // its header did not map: waits for a user to map the columns
	ImportParsing    ImportStatus = "parsing"    // the file is being read
	ImportValidating ImportStatus = "validating" // the stateful rules run
	ImportPreview    ImportStatus = "preview"    // waits for a user to send or discard it
	ImportApproving  ImportStatus = "approving"  // sent by a user: its job writes the consents
	ImportApproved   ImportStatus = "approved"   // its consents are written and queued for İYS
	ImportSending    ImportStatus = "sending"    // delivery to İYS has begun
	ImportDone       ImportStatus = "done"       // every item is final at İYS
	ImportFailed     ImportStatus = "failed"     // the file could not be read; nothing was written
	ImportDiscarded  ImportStatus = "discarded"  // thrown away before sending ("Listeyi Sil")
)

var importLabels = map[ImportStatus]string{
	ImportUploaded: "Yüklendi", ImportMapping: "Sütun eşleştirme bekliyor", ImportParsing: "Okunuyor", ImportValidating: "Doğrulanıyor",
	ImportPreview: "Ön İzleme", ImportApproving: "Onaylanıyor", ImportApproved: "Onaylandı", ImportSending: "Gönderiliyor",
	ImportDone: "Tamamlandı", ImportFailed: "Hata", ImportDiscarded: "Silindi",
}

// Label is the status as the pages name it.
func (s ImportStatus) Label() string { return labelOf(importLabels, s) }

// Working reports whether a job is still reading or checking the file.
func (s ImportStatus) Working() bool {
	return s == ImportUploaded || s == ImportParsing || s == ImportValidating
}

// Sent reports whether the import was approved: its consents are written.
func (s ImportStatus) Sent() bool {
	return s == ImportApproved || s == ImportSending || s == ImportDone
}

// HasRows reports whether the import's rows can be shown (preview and
// after).
func (s ImportStatus) HasRows() bool { return s == ImportPreview || s == ImportApproving || s.Sent() }

// Discardable reports whether "Listeyi Sil" may throw the import away.
func (s ImportStatus) Discardable() bool {
	return s.Working() || s == ImportMapping || s == ImportPreview || s == ImportFailed
}

// Mappable reports whether the import's columns may be (re)mapped: while
// it waits for a mapping, and in preview (the file is read again).
func (s ImportStatus) Mappable() bool { return s == ImportMapping || s == ImportPreview }

// MappingSource is where the column mapping of an import came from.
type MappingSource string

// The mapping sources.
const (
	MappingAuto    MappingSource = "auto"    // the headers named the columns
	MappingProfile MappingSource = "profile" // a saved mapping (profile) of the brand
	MappingUser    MappingSource = "user"    // a user mapped the columns of this import
)

var mappingLabels = map[MappingSource]string{MappingAuto: "Başlıklardan", MappingProfile: "Kayıtlı eşleştirme", MappingUser: "Kullanıcı eşleştirmesi"}

// Label is the source as the import page names it.
func (m MappingSource) Label() string { return labelOf(mappingLabels, m) }

// importStatuses lists the statuses for which keep reports true, for SQL
// (status = ANY($n)).
func importStatuses(keep func(ImportStatus) bool) []string {
	var out []string
	for s := range importLabels {
		if keep(s) {
			out = append(out, string(s))
		}
	}
	return out
}

// ScrubStatus is where a list scrub (Tarama) stands.
type ScrubStatus string

// The scrub statuses.
const (
	ScrubUploaded ScrubStatus = "uploaded"
	ScrubWorking  ScrubStatus = "working"
	ScrubDone     ScrubStatus = "done"
	ScrubFailed   ScrubStatus = "failed"
)

var scrubLabels = map[ScrubStatus]string{ScrubUploaded: "Sırada", ScrubWorking: "Taranıyor", ScrubDone: "Tamamlandı", ScrubFailed: "Hata"}

// Label is the status as Tarama names it.
func (s ScrubStatus) Label() string { return labelOf(scrubLabels, s) }

// Working reports whether the scrub's job has yet to finish.
func (s ScrubStatus) Working() bool { return s == ScrubUploaded || s == ScrubWorking }

// Done reports whether the result workbook is ready.
func (s ScrubStatus) Done() bool { return s == ScrubDone }

// SubscriptionStatus is where a package purchase stands.
type SubscriptionStatus string

// The subscription statuses.
const (
	SubscriptionPending  SubscriptionStatus = "pending"  // requested, waits for the Admin
	SubscriptionActive   SubscriptionStatus = "active"   // approved: its units count until it ends
	SubscriptionRejected SubscriptionStatus = "rejected" // refused by the Admin, with a reason
)

// Valid reports whether s is a subscription status.
func (s SubscriptionStatus) Valid() bool {
	return s == SubscriptionPending || s == SubscriptionActive || s == SubscriptionRejected
}

// Label is the status as Abonelikler names it; an active package past its
// end reads as expired.
func (s SubscriptionStatus) Label(expired bool) string {
	switch {
	case s == SubscriptionActive && expired:
		return "Süresi doldu"
	case s == SubscriptionActive:
		return "Aktif"
	case s == SubscriptionPending:
		return "Onay Bekliyor"
	case s == SubscriptionRejected:
		return "Reddedildi"
	}
	return string(s)
}

// ItemOutcome is what the validation decided for an item of an import.
type ItemOutcome string

// The item outcomes.
const (
	OutcomeNew       ItemOutcome = "new"       // İYS has no record for the key: a new consent
	OutcomeChanged   ItemOutcome = "changed"   // a real change of a stored consent
	OutcomeUnchanged ItemOutcome = "unchanged" // the same status again: not sent, not charged
	OutcomeError     ItemOutcome = "error"     // refused; not sent
)

var outcomeLabels = map[ItemOutcome]string{OutcomeNew: "Yeni", OutcomeChanged: "Değişiklik",
	OutcomeUnchanged: "Değişiklik yok", OutcomeError: "Gönderilmeyecek"}

// Label is the outcome as the preview names it.
func (o ItemOutcome) Label() string { return labelOf(outcomeLabels, o) }

// Sent reports whether an item with this outcome is sent to İYS (by
// "Tümünü Gönder").
func (o ItemOutcome) Sent() bool { return o == OutcomeNew || o == OutcomeChanged }

// StepStatus is where one of a company's six onboarding steps stands.
type StepStatus string

// The step statuses, in the order a step goes through them.
const (
	StepWaiting    StepStatus = "waiting"
	StepInProgress StepStatus = "in_progress"
	StepDone       StepStatus = "done"
	StepProblem    StepStatus = "problem"
)

// StepStatuses lists the step statuses in order, for the form.
var StepStatuses = []StepStatus{StepWaiting, StepInProgress, StepDone, StepProblem}

var stepLabels = map[StepStatus]string{StepWaiting: "Bekliyor", StepInProgress: "Devam ediyor", StepDone: "Tamamlandı", StepProblem: "Sorun var"}

// Label is the status as İYS Ayarları names it.
func (s StepStatus) Label() string { return labelOf(stepLabels, s) }

// Valid reports whether s is a step status.
func (s StepStatus) Valid() bool { _, ok := stepLabels[s]; return ok }

func labelOf[K ~string](m map[K]string, k K) string {
	if l, ok := m[k]; ok {
		return l
	}
	return string(k)
}

// HookState is where a webhook delivery stands.
type HookState string

// The webhook delivery states.
const (
	HookPending   HookState = "pending"   // to send, or to retry at its time
	HookDelivered HookState = "delivered" // the endpoint answered 2xx
	HookFailed    HookState = "failed"    // given up after a day of failures; "Yeniden gönder" puts it back
)

var hookLabels = map[HookState]string{HookPending: "Bekliyor", HookDelivered: "Teslim edildi", HookFailed: "Vazgeçildi"}

// Label is the state as the delivery log names it.
func (s HookState) Label() string { return labelOf(hookLabels, s) }

// Valid reports whether s is a delivery state.
func (s HookState) Valid() bool { _, ok := hookLabels[s]; return ok }

// SyncState is where a consent event stands with İYS, in the order an
// event goes through them (a quota wait comes first, when there is one).
type SyncState string

// The delivery states of a consent event.
const (
	SyncQuota      SyncState = "quota"      // stored, waits for a package (kota bekliyor)
	SyncPending    SyncState = "pending"    // waits to be sent, or sent again
	SyncSent       SyncState = "sent"       // in a request to İYS, its outcome not yet known
	SyncRegistered SyncState = "registered" // İYS accepted it
	SyncRefused    SyncState = "refused"    // İYS refused it (iys_code, iys_message say why)
)

// syncOrder lists the sync states in order, so that the SQL fragments
// built from them read the same on every start.
var syncOrder = []SyncState{SyncQuota, SyncPending, SyncSent, SyncRegistered, SyncRefused}

var syncLabels = map[SyncState]string{SyncQuota: "kota bekliyor: paket onaylanınca gönderilecek", SyncPending: "sırada",
	SyncSent: "İYS'ye gönderildi, yanıt bekleniyor", SyncRegistered: "İYS'de kayıtlı", SyncRefused: "İYS reddetti"}

// Label is the state as Onaylar, İzin Geçmişi and the dashboard name it
// (lower case: it follows a status, "RET, sırada").
func (s SyncState) Label() string { return labelOf(syncLabels, s) }

// Valid reports whether s is a sync state.
func (s SyncState) Valid() bool { _, ok := syncLabels[s]; return ok }

// Open reports whether İYS has yet to give the event its final answer: it
// is a pending change of its consent, and a later change of its key waits
// for it.
func (s SyncState) Open() bool { return s == SyncQuota || s == SyncPending || s == SyncSent }

// Unsent reports whether the event is in no request to İYS: waiting for a
// package or for a batch to carry it.
func (s SyncState) Unsent() bool { return s == SyncQuota || s == SyncPending }

// Final reports whether İYS answered the event for good.
func (s SyncState) Final() bool { return s == SyncRegistered || s == SyncRefused }

// BatchState is where a sync batch (one list at İYS) stands: the states
// Gönderimler shows.
type BatchState string

// The batch states.
const (
	BatchPreparing BatchState = "preparing" // of an approval being written: never sent (see PublishApproval)
	BatchWaiting   BatchState = "waiting"   // to send (again)
	BatchSending   BatchState = "sending"   // sent, answer unknown: İYS is asked before anything is sent again
	BatchSent      BatchState = "sent"      // İYS has the request id: its result is queried
	BatchDone      BatchState = "done"      // every item final
	BatchFailed    BatchState = "failed"    // gave up (iysgate's call was at fault); items stay pending until retried
)

var batchOrder = []BatchState{BatchPreparing, BatchWaiting, BatchSending, BatchSent, BatchDone, BatchFailed}

var batchLabels = map[BatchState]string{BatchPreparing: "Hazırlanıyor", BatchWaiting: "Sırada", BatchSending: "Gönderildi, yanıt sorgulanıyor",
	BatchSent: "İYS işliyor", BatchDone: "Tamamlandı", BatchFailed: "Vazgeçildi (hata)"}

// Label is the state as Gönderimler names it.
func (s BatchState) Label() string { return labelOf(batchLabels, s) }

// Valid reports whether s is a batch state.
func (s BatchState) Valid() bool { _, ok := batchLabels[s]; return ok }

// Workable reports whether the company's delivery job works the batch
// when it falls due: to send, to ask about, or to query.
func (s BatchState) Workable() bool { return s == BatchWaiting || s == BatchSending || s == BatchSent }

// InFlight reports whether a request of the batch is at İYS or may be:
// its result is queried, or İYS is asked what it holds.
func (s BatchState) InFlight() bool { return s == BatchSending || s == BatchSent }

// Final reports whether every item of the batch has İYS's final answer.
func (s BatchState) Final() bool { return s == BatchDone }

// Retryable reports whether "Yeniden dene" may put the batch back in line.
func (s BatchState) Retryable() bool { return s == BatchFailed }

// The delivery states in SQL. They are written into the text of queries,
// not bound as parameters: the partial indexes on consent_events.iys_state
// and sync_batches.status (migration 00022) serve a query only when the
// planner can prove its condition implies the index's, which it cannot do
// for a parameter in a generic plan. The values are identifiers (lit
// refuses anything else), so the text is safe.

// lit is the SQL literal of a state.
func lit[S ~string](s S) string {
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			panic("store: a state is not an identifier: " + string(s))
		}
	}
	return "'" + string(s) + "'"
}

// sqlIn is "IN ('a', 'b', …)" of the states.
func sqlIn[S ~string](states ...S) string {
	out := ""
	for i, s := range states {
		if i > 0 {
			out += ", "
		}
		out += lit(s)
	}
	return "IN (" + out + ")"
}

// where lists the states of order for which keep reports true, in order.
func where[S ~string](order []S, keep func(S) bool) []S {
	var out []S
	for _, s := range order {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// The conditions, each after a state column ("e.iys_state " + eventOpen).
var (
	eventOpen   = sqlIn(where(syncOrder, SyncState.Open)...)       // the predicate of consent_events_open_key_idx
	eventUnsent = sqlIn(where(syncOrder, SyncState.Unsent)...)     // with batch_id IS NULL, the predicate of consent_events_unbatched_idx
	batchDue    = sqlIn(where(batchOrder, BatchState.Workable)...) // the predicate of sync_batches_due_idx
	batchFlying = sqlIn(where(batchOrder, BatchState.InFlight)...)
	batchOpen   = "<> " + lit(BatchDone) // the predicate of sync_batches_open_idx
)
