package iystest

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
)

// Config sets up a simulator. The zero value is a fault-free İYS that
// accepts any account, brand and integrator, does not enforce its limits,
// runs on real time and follows the document wherever it speaks; the
// fields marked "unknowable" choose where it does not (see the package
// documentation).
type Config struct {
	// Credentials are the one account's username and password; nil: any
	// username with any password.
	Credentials *[2]string
	// Brands maps an iysCode to the brand codes the account may use; a
	// call for others answers 403 H353. Nil: any.
	Brands map[string][]string
	// Integrators maps an integrator code to the brands it is assigned
	// (see [Grant]); nil: any integrator code is assigned every brand
	// seen, with write access to every channel.
	Integrators map[string][]Grant
	// Retailers are the retailer codes İYS knows; a consent naming
	// another answers 403 H180. Nil: any.
	Retailers []int64

	// RateLimits enforces İYS's published limits per client IP: 10
	// requests a second (H124), the token and the single status and
	// history queries per hour (H084, H086, H089).
	RateLimits bool
	// Hour is the window of the hourly limits; 0 = an hour. Tests shrink it.
	Hour time.Duration
	// TokensPerHour: unknowable, 10 (the token method's text, default) or
	// 100 (the document's introduction).
	TokensPerHour int
	// MaxRecipients of a multiple status query: unknowable, 100 (H127's
	// text, default) or 1000 (the method's description).
	MaxRecipients int
	// MaxRetailerAccess of a consent: unknowable, 100 (H126's text,
	// default) or 3000 (the schema).
	MaxRetailerAccess int

	// RefuseOnayOverOnay: unknowable. İYS's release 1.1.0 accepts a later
	// ONAY over ONAY (the default); true refuses it with H174, as an older
	// rules page says.
	RefuseOnayOverOnay bool
	// SameDateStored: unknowable which answer a repeat with the same date
	// as the stored movement gets. By default H178 (the date must be later,
	// release 1.1.0); true stores it again, the worst case for a client
	// that resends.
	SameDateStored bool
	// V2RecognisesQueued: unknowable whether V2 recognises a resend whose
	// first copy is still queued. By default it does not (the worst case):
	// identity is checked against what is stored when the list arrives.
	V2RecognisesQueued bool
	// FirstRetTacir: unknowable; no source documents a TACIR exception to
	// H175, so by default a first RET is refused for TACIR too.
	FirstRetTacir bool
	// SkipThreeDayCheck turns H467 off (the business-day calendar İYS uses
	// is unknowable; tests replaying the document's old examples need it).
	SkipThreeDayCheck bool
	// RetryAfter: unknowable whether İYS sends Retry-After with a 429; by
	// default it does not (the document shows no response headers).
	RetryAfter bool

	// AsyncDelay spreads the decisions of a list's items over this time
	// after it arrives (the last one exactly at AsyncDelay); 0: decided
	// before the answer.
	AsyncDelay time.Duration
	// ChangeDelay hides the changes younger than this from the pull (İYS:
	// an hour); 0: none.
	ChangeDelay time.Duration
	// TokenTTL is the access token's lifetime; 0 = 2 hours. Refresh tokens
	// live twice as long.
	TokenTTL time.Duration

	Faults Faults
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Seed makes the faults reproducible; 0 = random.
	Seed int64
}

// Grant is an integrator's assignment to one brand of a company, as the
// integrator query lists it: per channel "write", "read" or "" (none).
type Grant struct {
	IYSCode, BrandCode string
	Access             map[string]string // ARAMA, MESAJ, EPOSTA → access
}

// Sim is a running simulator, safe for concurrent use; all state is in
// memory.
type Sim struct {
	cfg      Config
	instance [8]byte // seeds every id, so ids of two instances differ
	cal      *consent.Calendar

	// mu guards İYS's state: records, feeds, lists, identities, operator
	// settings.
	mu        sync.Mutex
	sps       map[spKey]uint32
	spNames   []spKey
	records   map[key]*record
	feeds     map[feedKey]*feed
	lists     map[string]*list // by requestId
	queue     []*list          // lists with undecided items, in arrival order
	kept      []*list          // every list in arrival order, for expiry
	singles   map[string]ref   // V2 single adds: fingerprint → the movement stored
	refusals  map[key]string   // operator: refuse the key's next movement with this code
	blocked   map[string]string
	grants    map[string][]Grant
	seq       int64 // last movement sequence
	listSeq   int64
	lastStamp int64 // last creation time (Unix ns); creation times never go back
	counts    counts

	auth   authState
	limits limiter
	faults faultState

	statsMu sync.Mutex
	calls   map[iysapi.Kind]map[string]int

	mux *http.ServeMux
}

// counts are the state's counters behind [Stats].
type counts struct {
	movements, storedTwice, recognised int
	itemsOK, itemsFailed               int
	changes                            [2]int
}

// New returns a simulator for cfg.
func New(cfg Config) *Sim {
	if cfg.Hour <= 0 {
		cfg.Hour = iysapi.Hour
	}
	if cfg.TokensPerHour <= 0 {
		cfg.TokensPerHour = iysapi.TokensPerHourMethod
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = iysapi.MaxRecipientsH127
	}
	if cfg.MaxRetailerAccess <= 0 {
		cfg.MaxRetailerAccess = maxRetailerAccessH126
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = iysapi.AccessTokenLife
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	seed := uint64(cfg.Seed)
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Sim{
		cfg:      cfg,
		cal:      consent.DefaultCalendar(),
		sps:      map[spKey]uint32{},
		records:  map[key]*record{},
		feeds:    map[feedKey]*feed{},
		lists:    map[string]*list{},
		singles:  map[string]ref{},
		refusals: map[key]string{},
		blocked:  map[string]string{},
		grants:   map[string][]Grant{},
		auth:     newAuthState(),
		limits:   newLimiter(),
		faults:   faultState{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), Faults: cfg.Faults},
		calls:    map[iysapi.Kind]map[string]int{},
	}
	for code, gs := range cfg.Integrators {
		s.grants[code] = append([]Grant(nil), gs...)
	}
	_, _ = crand.Read(s.instance[:]) // never fails (crypto/rand panics instead)
	s.mux = s.routes()
	return s
}

// maxRetailerAccessH126 is H126's figure; the schema says 3000.
const maxRetailerAccessH126 = 100

// Handler serves İYS's paths and the simulator's own /_sim/ paths.
func (s *Sim) Handler() http.Handler { return s.mux }

func (s *Sim) now() time.Time { return s.cfg.Now() }

// Instance names this simulator in logs (its ids' seed).
func (s *Sim) Instance() string { return hex.EncodeToString(s.instance[:4]) }

// Stats is a snapshot of what the simulator has seen, also served as JSON
// by GET /_sim/stats.
type Stats struct {
	ConsentsStored int `json:"consents_stored"` // keys with a record
	Movements      int `json:"movements"`       // movements stored, citizens' included
	// StoredTwice counts movements stored identical (status, consentDate,
	// source) to one the key already had: a delivery İYS registered twice.
	StoredTwice int `json:"stored_twice"`
	// RecognisedResends counts V2 adds answered with a movement already
	// stored (the same transactionId, originalRequestInformation).
	RecognisedResends int `json:"recognised_resends"`
	// Requests counts API calls per endpoint kind and outcome: the HTTP
	// status as text, "dropped" (connection closed before processing),
	// "lost" (processed, then the connection closed) or "canceled".
	Requests        map[string]map[string]int `json:"requests"`
	Items           ItemStats                 `json:"items"`
	Changes         int                       `json:"changes"`
	ChangesBySource map[string]int            `json:"changes_by_source"`
	AsyncRequests   int                       `json:"async_requests"`
	// MaxRequestsPerSecond is the most API calls that arrived within any
	// one second (refused ones included).
	MaxRequestsPerSecond int `json:"max_requests_per_second"`
	// TokenRequestsPerHour counts token requests per clock hour (of
	// Config.Hour), keyed by the hour's start; MaxTokenRequestsPerHour is
	// the most within any one hour.
	TokenRequestsPerHour    map[string]int `json:"token_requests_per_hour"`
	MaxTokenRequestsPerHour int            `json:"max_token_requests_per_hour"`
	// TokenRequestsInLockout counts token requests made while İYS had
	// refused them with H084: each restarted the hour.
	TokenRequestsInLockout int `json:"token_requests_in_lockout"`
}

// ItemStats counts decided items of lists, and those still waiting.
type ItemStats struct {
	Success int `json:"success"`
	Failure int `json:"failure"`
	Enqueue int `json:"enqueue"`
}

// Stats returns the current counters.
func (s *Sim) Stats() Stats {
	st := Stats{Requests: map[string]map[string]int{}}
	s.statsMu.Lock()
	for kind, m := range s.calls {
		c := make(map[string]int, len(m))
		for outcome, n := range m {
			c[outcome] = n
		}
		st.Requests[string(kind)] = c
	}
	s.statsMu.Unlock()
	s.limits.fill(&st, s.cfg.Hour)

	s.mu.Lock()
	s.settleLocked(s.now())
	st.ConsentsStored = len(s.records)
	st.Movements, st.StoredTwice, st.RecognisedResends = s.counts.movements, s.counts.storedTwice, s.counts.recognised
	st.Items = ItemStats{Success: s.counts.itemsOK, Failure: s.counts.itemsFailed}
	for _, l := range s.queue {
		st.Items.Enqueue += len(l.results) - l.decided
	}
	st.Changes = s.counts.changes[familyHS] + s.counts.changes[familyIYS]
	st.ChangesBySource = map[string]int{iysapi.ChangesHS: s.counts.changes[familyHS], iysapi.ChangesIYS: s.counts.changes[familyIYS]}
	st.AsyncRequests = len(s.lists)
	s.mu.Unlock()
	return st
}

func (s *Sim) count(kind iysapi.Kind, outcome string) {
	s.statsMu.Lock()
	m := s.calls[kind]
	if m == nil {
		m = map[string]int{}
		s.calls[kind] = m
	}
	m[outcome]++
	s.statsMu.Unlock()
}
