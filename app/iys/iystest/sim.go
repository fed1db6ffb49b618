package iystest

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"iysgate/app/consent"
)

// Endpoint kinds: the names used for rate limits, stats and metrics.
const (
	KindToken                 = "token"
	KindConsentAdd            = "consent_add"
	KindConsentRequest        = "consent_request"
	KindConsentRequestResult  = "consent_request_result"
	KindConsentStatus         = "consent_status"
	KindConsentStatusMultiple = "consent_status_multiple"
	KindConsentChanges        = "consent_changes"
	KindBrands                = "brands"
)

// DefaultLimits are İYS's reported rate limits: calls per window and per
// account. The window is [Config.RateWindow] (a minute), except for token,
// whose window is 60 times as long (an hour). Do not modify; use
// [Config.Limits] to override.
var DefaultLimits = map[string]int{
	KindToken:                 10,
	KindConsentAdd:            50,
	KindConsentRequest:        2,
	KindConsentRequestResult:  20,
	KindConsentStatus:         50,
	KindConsentStatusMultiple: 10,
	KindConsentChanges:        50,
	KindBrands:                50,
}

// Limits of the simulated API that are not settings.
const (
	MaxRecipients = 1000               // recipients per consent_status_multiple
	MaxChanges    = 1000               // changes per consent_changes page (and its default)
	ChangeWindow  = 7 * 24 * time.Hour // how far back the change feed reaches
	keepRequests  = ChangeWindow       // how long async results stay readable
	defaultBatch  = 10000              // consents per consent_request
	defaultTTL    = 7200 * time.Second // access token lifetime
)

// Config sets up a simulator. The zero value is a permissive, fault-free
// İYS with default limits (not enforced) and real time.
type Config struct {
	Credentials *[2]string          // username and password; nil: any accepted
	Brands      map[string][]string // iysCode -> allowed brand codes; nil/empty: any accepted
	FailRate    float64             // fraction of API calls answered, before processing, with 429, 500, 503 or a dropped connection (equally likely)
	LoseAnswers float64             // fraction of successful consent_add and consent_request calls processed but answered with a closed connection
	Latency     time.Duration       // added to every API call
	RateLimits  bool                // enforce the limits table
	RateWindow  time.Duration       // the "per minute" window; 0 = 1 minute; token's window is 60 times it
	Limits      map[string]int      // per endpoint kind, overrides DefaultLimits; a limit <= 0 means unlimited
	MaxBatch    int                 // consents per consent_request; 0 = 10000
	AsyncDelay  time.Duration       // a request's items are decided spread over this time after it arrives (the last at AsyncDelay); 0 = decided before the answer
	ChangeDelay time.Duration       // the change feed hides changes younger than this (İYS: 1 hour); 0 = none
	TokenTTL    time.Duration       // access token lifetime; 0 = 7200 s; refresh tokens live twice as long
	Now         func() time.Time    // nil = time.Now; for tests
	Seed        int64               // fault randomness; 0 = random
}

// Sim is a running simulator. It is safe for concurrent use; all state is
// in memory.
type Sim struct {
	cfg      Config
	limits   map[string]int
	instance string // prefix of every id, so ids of two instances never collide
	cal      *consent.Calendar

	// mu guards the İYS state: consents, feeds, async requests, counters.
	mu          sync.Mutex
	sps         map[spKey]uint32 // interned (iysCode, brandCode)
	spNames     []spKey
	consents    map[key]*record
	feeds       map[feedKey]*feed
	requests    map[string]*asyncReq
	queue       []*asyncReq // requests with undecided items, in arrival order
	kept        []*asyncReq // every request in arrival order, for expiry
	seq         int64       // last transaction sequence
	reqSeq      int64       // last request sequence
	lastCreated int64       // last creation time (Unix ns); creation times never go back
	dups        int
	itemsOK     int
	itemsFailed int
	changes     [2]int // per feed family

	auth   authState
	limit  limiter
	faults faultState

	statsMu sync.Mutex
	calls   map[string]map[string]int // kind -> outcome -> count

	mux *http.ServeMux
}

// New returns a simulator for cfg.
func New(cfg Config) *Sim {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = defaultBatch
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = defaultTTL
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	limits := make(map[string]int, len(DefaultLimits))
	for k, v := range DefaultLimits {
		limits[k] = v
	}
	for k, v := range cfg.Limits {
		limits[k] = v
	}
	seed := uint64(cfg.Seed)
	if seed == 0 {
		seed = rand.Uint64()
	}
	var inst [4]byte
	_, _ = crand.Read(inst[:]) // never fails (crypto/rand panics instead)
	s := &Sim{
		cfg:      cfg,
		limits:   limits,
		instance: hex.EncodeToString(inst[:]),
		cal:      consent.DefaultCalendar(),
		sps:      make(map[spKey]uint32),
		consents: make(map[key]*record),
		feeds:    make(map[feedKey]*feed),
		requests: make(map[string]*asyncReq),
		auth:     newAuthState(),
		limit:    limiter{logs: make(map[limitKey]*startLog)},
		faults: faultState{
			rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
			failRate:    cfg.FailRate,
			loseAnswers: cfg.LoseAnswers,
			latency:     cfg.Latency,
		},
		calls: make(map[string]map[string]int),
	}
	s.mux = s.routes()
	return s
}

// Handler serves the İYS paths and the simulator's own /_sim/ paths.
func (s *Sim) Handler() http.Handler { return s.mux }

func (s *Sim) now() time.Time { return s.cfg.Now() }

// SetFaults changes the fault settings at runtime (tests turn faults on and
// off around the steps they exercise).
func (s *Sim) SetFaults(failRate, loseAnswers float64, latency time.Duration) {
	s.faults.set(failRate, loseAnswers, latency)
}

// Stats is a snapshot of what the simulator has seen, also served as JSON
// by GET /_sim/stats.
type Stats struct {
	ConsentsStored int `json:"consents_stored"`
	// DuplicateDeliveries counts consents submitted again identical (key,
	// status, consentDate, source) to a version already stored, whatever
	// the answer: each is a delivery that was not needed.
	DuplicateDeliveries int `json:"duplicate_deliveries"`
	// Requests counts API calls per endpoint kind and outcome: the HTTP
	// status as text, "dropped" (connection closed before processing),
	// "lost" (processed, then the connection closed) or "canceled" (the
	// client gave up during the injected latency).
	Requests        map[string]map[string]int `json:"requests"`
	Items           ItemStats                 `json:"items"`
	Changes         int                       `json:"changes"`           // changes recorded in the feeds, both sources
	ChangesBySource map[string]int            `json:"changes_by_source"` // "HS", "IYS"
	AsyncRequests   int                       `json:"async_requests"`    // async requests kept
}

// ItemStats counts decided items of async requests, and those still waiting.
type ItemStats struct {
	Success int `json:"success"`
	Failure int `json:"failure"`
	Enqueue int `json:"enqueue"`
}

// Stats returns the current counters.
func (s *Sim) Stats() Stats {
	st := Stats{Requests: make(map[string]map[string]int)}
	s.statsMu.Lock()
	for kind, m := range s.calls {
		c := make(map[string]int, len(m))
		for status, n := range m {
			c[status] = n
		}
		st.Requests[kind] = c
	}
	s.statsMu.Unlock()

	s.mu.Lock()
	s.settleLocked(s.now())
	st.ConsentsStored = len(s.consents)
	st.DuplicateDeliveries = s.dups
	st.Items = ItemStats{Success: s.itemsOK, Failure: s.itemsFailed}
	for _, r := range s.queue {
		st.Items.Enqueue += len(r.results) - r.decided
	}
	st.Changes = s.changes[familyHS] + s.changes[familyIYS]
	st.ChangesBySource = map[string]int{"HS": s.changes[familyHS], "IYS": s.changes[familyIYS]}
	st.AsyncRequests = len(s.requests)
	s.mu.Unlock()
	return st
}

func (s *Sim) count(kind, outcome string) {
	s.statsMu.Lock()
	m := s.calls[kind]
	if m == nil {
		m = make(map[string]int)
		s.calls[kind] = m
	}
	m[outcome]++
	s.statsMu.Unlock()
}
