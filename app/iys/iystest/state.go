package iystest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// spKey is a service provider's İYS code and one of its brand codes.
type spKey struct{ iysCode, brandCode string }

// key identifies one İYS record: (iysCode, brandCode) interned as sp.
type key struct {
	sp        uint32
	typ, rt   uint8
	recipient string
}

// version is one stored state of a key.
type version struct {
	status  uint8
	source  string
	date    int64 // consentDate, Unix seconds; 0: not given (TACIR)
	seq     int64 // transaction sequence
	created int64 // creationDate, Unix ns
	retail  *retail
}

// effective is the time the rules order versions by: the consent date, or
// for a TACIR consent without one, its creation.
func (v *version) effective() int64 {
	if v.date != 0 {
		return v.date
	}
	return v.created / int64(time.Second)
}

// record is a key's current version and the ones it replaced (kept to
// recognise a late duplicate of an older delivery).
type record struct {
	version
	older []version
}

func (r *record) has(status uint8, date int64, source string) bool {
	if r.status == status && r.date == date && r.source == source {
		return true
	}
	for i := range r.older {
		if v := &r.older[i]; v.status == status && v.date == date && v.source == source {
			return true
		}
	}
	return false
}

// spID interns (iysCode, brandCode).
func (s *Sim) spID(iysCode, brandCode string) uint32 {
	k := spKey{iysCode, brandCode}
	id, ok := s.sps[k]
	if !ok {
		id = uint32(len(s.spNames))
		s.sps[k] = id
		s.spNames = append(s.spNames, k)
	}
	return id
}

// stamp gives the next transaction: its sequence and creation time, which
// never goes back even if the clock does, so the feed stays ordered by
// creationDate.
func (s *Sim) stamp(now time.Time) (seq, created int64) {
	created = max(now.UnixNano(), s.lastCreated)
	s.lastCreated = created
	s.seq++
	return s.seq, created
}

func (s *Sim) txID(seq int64) string { return fmt.Sprintf("%s-%012d", s.instance, seq) }

// parseTxID reads a transactionId: its sequence, and whether this instance
// made it. ok is false when it is not a transactionId at all.
func (s *Sim) parseTxID(id string) (seq int64, ours, ok bool) {
	inst, num, found := strings.Cut(id, "-")
	if !found || len(inst) != len(s.instance) || len(num) != 12 {
		return 0, false, false
	}
	seq, err := strconv.ParseInt(num, 10, 64)
	if err != nil || seq < 0 {
		return 0, false, false
	}
	return seq, inst == s.instance, true
}

// result is the outcome of deciding one consent.
type result struct {
	problem *ruleError // nil: stored
	seq     int64
	created int64
}

// decideLocked applies the stateful rules to a validated consent at now
// and stores it if they pass. s.mu is held.
func (s *Sim) decideLocked(sp uint32, it *item, now time.Time) result {
	k := key{sp: sp, typ: it.typ, rt: it.rt, recipient: it.recipient}
	rec := s.consents[k]
	if it.comparable && rec != nil && rec.has(it.status, it.date, it.source) {
		s.dups++
	}
	if it.problem != nil {
		return result{problem: it.problem}
	}
	if rec == nil {
		if it.status == statusRet && it.rt != rtTacir {
			return result{problem: refuse(CodeFirstRet)}
		}
	} else {
		if it.status == rec.status {
			return result{problem: refuse(CodeSameStatus)}
		}
		eff := it.date
		if eff == 0 {
			eff = now.Unix()
		}
		if eff <= rec.effective() {
			return result{problem: refuse(CodeDateNotLater)}
		}
	}
	v := version{status: it.status, source: it.source, date: it.date, retail: it.retail}
	v.seq, v.created = s.stamp(now)
	s.store(k, rec, v, familyHS)
	return result{seq: v.seq, created: v.created}
}

// store makes v the current version of k (rec is its record or nil) and
// records the change in the feed of its family.
func (s *Sim) store(k key, rec *record, v version, family uint8) {
	if rec == nil {
		s.consents[k] = &record{version: v}
	} else {
		rec.older = append(rec.older, rec.version)
		rec.version = v
	}
	f := s.feeds[feedKey{k.sp, family}]
	if f == nil {
		f = &feed{}
		s.feeds[feedKey{k.sp, family}] = f
	}
	f.append(change{
		recipient: k.recipient, typ: k.typ, rt: k.rt, status: v.status,
		source: v.source, date: v.date, seq: v.seq, created: v.created,
	}, v.created-int64(ChangeWindow))
	s.changes[family]++
}

// StoredConsent is a key's current consent as İYS answers consent_status.
type StoredConsent struct {
	Recipient      string          `json:"recipient"`
	Type           string          `json:"type"`
	Status         string          `json:"status"`
	RecipientType  string          `json:"recipientType"`
	Source         string          `json:"source,omitempty"`
	ConsentDate    string          `json:"consentDate,omitempty"`
	RetailerCode   json.RawMessage `json:"retailerCode,omitempty"`   // as sent
	RetailerAccess json.RawMessage `json:"retailerAccess,omitempty"` // as sent
	CreationDate   string          `json:"creationDate"`
	TransactionID  string          `json:"transactionId"`
	// Versions is how many versions the key has had (not sent by İYS; for
	// tests).
	Versions int `json:"-"`
}

func (s *Sim) stored(k key, r *record) StoredConsent {
	c := StoredConsent{
		Recipient:     k.recipient,
		Type:          typeNames[k.typ],
		Status:        statusNames[r.status],
		RecipientType: rtNames[k.rt],
		Source:        r.source,
		CreationDate:  formatNano(r.created),
		TransactionID: s.txID(r.seq),
		Versions:      len(r.older) + 1,
	}
	if r.date != 0 {
		c.ConsentDate = formatUnix(r.date)
	}
	if r.retail != nil {
		c.RetailerCode, c.RetailerAccess = r.retail.code, r.retail.access
	}
	return c
}

// lookupLocked finds a stored consent by its wire values, without
// interning anything. s.mu is held.
func (s *Sim) lookupLocked(iysCode, brandCode, recipient string, rt, typ uint8) (key, *record) {
	sp, ok := s.sps[spKey{iysCode, brandCode}]
	if !ok {
		return key{}, nil
	}
	k := key{sp: sp, typ: typ, rt: rt, recipient: recipient}
	return k, s.consents[k]
}

// Consent returns the stored consent of a key, for tests. ok is false when
// there is none.
func (s *Sim) Consent(iysCode, brandCode, recipient, recipientType, typ string) (StoredConsent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.now())
	k, r := s.lookupLocked(iysCode, brandCode, recipient, parseRecipientType(recipientType), parseType(typ))
	if r == nil {
		return StoredConsent{}, false
	}
	return s.stored(k, r), true
}

// CitizenRet records a RET that the citizen made on İYS's side (source
// IYS_WEB, consentDate now), as POST /_sim/citizen-ret does: it is stored
// whatever the current state, since a citizen may always refuse, and
// appears in the IYS change feed.
func (s *Sim) CitizenRet(iysCode, brandCode, recipient, typ, recipientType string) error {
	_, err := s.citizenRet(iysCode, brandCode, recipient, typ, recipientType, "")
	return err
}

// citizenRet is [Sim.CitizenRet] with a source (default IYS_WEB); it
// returns the transactionId.
func (s *Sim) citizenRet(iysCode, brandCode, recipient, typ, recipientType, source string) (string, error) {
	t, rt := parseType(typ), parseRecipientType(recipientType)
	switch {
	case iysCode == "" || brandCode == "":
		return "", refuse(CodeBadRequest)
	case t == 0:
		return "", refuse(CodeTypeInvalid)
	case rt == 0:
		return "", refuse(CodeRecipientTypeInvalid)
	case !validRecipient(t, recipient):
		return "", refuse(CodeRecipientInvalid)
	}
	if source == "" {
		source = "IYS_WEB"
	}
	if !strings.HasPrefix(source, "IYS_") || len(source) == len("IYS_") {
		return "", refuse(CodeSourceInvalid)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(now)
	sp := s.spID(iysCode, brandCode)
	k := key{sp: sp, typ: t, rt: rt, recipient: strings.Clone(recipient)}
	v := version{status: statusRet, source: strings.Clone(source)}
	v.seq, v.created = s.stamp(now)
	v.date = v.created / int64(time.Second)
	s.store(k, s.consents[k], v, familyIYS)
	return s.txID(v.seq), nil
}
