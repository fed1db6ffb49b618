package iystest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"iysgate/app/consent"
)

// spKey is a service provider's İYS code and one of its brand codes.
type spKey struct{ iysCode, brandCode string }

// key identifies one İYS record: (iysCode, brandCode) interned as sp.
type key struct {
	sp        uint32
	typ, rt   uint8
	recipient string
}

// version is one movement İYS stored for a key.
type version struct {
	status  uint8
	source  string
	date    int64 // consentDate, Unix seconds; 0: not given (TACIR)
	seq     int64 // the transaction's sequence
	created int64 // creationDate, Unix ns
	from    origin
}

// origin is where a movement came from: a list's item, or nil for a single
// add or a recipient's own movement.
type origin struct {
	list  *list
	index int32
}

// effective is the time the date rule compares: the consent date or, for
// a TACIR consent without one, when it was stored.
func (v *version) effective() int64 {
	if v.date != 0 {
		return v.date
	}
	return v.created / int64(time.Second)
}

// record holds a key's movements, oldest first; the last is current.
type record struct {
	versions    []version
	citizenName string // the recipient who added the brand in İYS, if any
}

func (r *record) current() *version { return &r.versions[len(r.versions)-1] }

// find returns the first movement with the same status, date and source,
// the "aynı bilgiler ve aynı izin tarihi" V2 recognises.
func (r *record) find(status uint8, date int64, source string) int {
	for i := range r.versions {
		if v := &r.versions[i]; v.status == status && v.date == date && v.source == source {
			return i
		}
	}
	return -1
}

// ref names one stored movement.
type ref struct {
	key   key
	index int
}

// spID interns (iysCode, brandCode). s.mu is held.
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
// never goes back even if the clock does, so the pull stays ordered.
func (s *Sim) stamp(now time.Time) (seq, created int64) {
	created = max(now.UnixNano(), s.lastStamp)
	s.lastStamp = created
	s.seq++
	return s.seq, created
}

// hash64 is 32 bytes derived from the instance and the parts: the source of
// every id.
func (s *Sim) hash64(tag string, parts ...int64) [32]byte {
	h := sha256.New()
	h.Write(s.instance[:])
	h.Write([]byte(tag))
	var b [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(b[:], uint64(p))
		h.Write(b[:])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// txID is a transactionId: 64 hexadecimal characters, as İYS's.
func (s *Sim) txID(seq int64) string {
	h := s.hash64("tx", seq)
	return hex.EncodeToString(h[:])
}

// uuid formats 16 bytes of a hash as a UUID, the form of İYS's requestId
// and subRequestId since 2.3.9.
func (s *Sim) uuid(tag string, parts ...int64) string {
	h := s.hash64(tag, parts...)
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// decision is the outcome of deciding one movement.
type decision struct {
	code string // İYS's refusal; "" when stored or recognised
	ref  ref    // the movement stored, or the one recognised
	// recognised: a V2 add repeating a stored movement, answered with it.
	recognised bool
}

// decideLocked applies İYS's rules against the stored record to a checked
// movement at now and stores it when they pass. v2 with recognise set
// answers a repeat of a stored movement with that movement. s.mu is held.
func (s *Sim) decideLocked(sp uint32, it *item, now time.Time, from origin, recognise bool) decision {
	k := it.key(sp)
	rec := s.records[k]
	if recognise && rec != nil {
		if i := rec.find(it.status, it.date, it.source); i >= 0 {
			s.counts.recognised++
			return decision{ref: ref{k, i}, recognised: true}
		}
	}
	if code, ok := s.takeRefusalLocked(k, false); ok {
		return decision{code: code}
	}
	if code := s.ruleLocked(rec, it); code != "" {
		return decision{code: code}
	}
	v := version{status: it.status, source: it.source, date: it.date, from: from}
	v.seq, v.created = s.stamp(now)
	if rec != nil && rec.find(v.status, v.date, v.source) >= 0 {
		s.counts.storedTwice++
	}
	return decision{ref: s.storeLocked(k, v, familyHS, "")}
}

// ruleLocked is the first of İYS's rules against the record that the
// movement breaks, or "".
func (s *Sim) ruleLocked(rec *record, it *item) string {
	if rec == nil {
		if it.status == statusRet && !(it.rt == rtTacir && s.cfg.FirstRetTacir) {
			return "H175"
		}
		return ""
	}
	cur := rec.current()
	switch {
	case it.rt == rtTacir && it.date == 0:
		return "H462"
	case it.rt == rtTacir && it.source == "":
		return "H463"
	case it.status == cur.status && (it.status == statusRet || s.cfg.RefuseOnayOverOnay):
		return "H174"
	case it.date < cur.effective() || it.date == cur.effective() && !s.cfg.SameDateStored:
		return "H178"
	}
	return ""
}

// storeLocked makes v the current movement of k and records it in the
// pull of its family; it returns where v is.
func (s *Sim) storeLocked(k key, v version, family uint8, citizenName string) ref {
	rec := s.records[k]
	if rec == nil {
		rec = &record{}
		s.records[k] = rec
	}
	rec.versions = append(rec.versions, v)
	if citizenName != "" {
		rec.citizenName = citizenName
	}
	s.counts.movements++
	s.counts.changes[family]++
	f := s.feeds[feedKey{k.sp, family}]
	if f == nil {
		f = &feed{}
		s.feeds[feedKey{k.sp, family}] = f
	}
	f.append(change{key: k, status: v.status, source: v.source, date: v.date, seq: v.seq, created: v.created, citizenName: citizenName},
		v.created-int64(changeWindow))
	return ref{k, len(rec.versions) - 1}
}

// lookupLocked finds a record by its wire values, interning nothing.
func (s *Sim) lookupLocked(iysCode, brandCode, recipient string, rt, typ uint8) (key, *record) {
	sp, ok := s.sps[spKey{iysCode, brandCode}]
	if !ok {
		return key{}, nil
	}
	k := key{sp: sp, typ: typ, rt: rt, recipient: recipient}
	return k, s.records[k]
}

// formatUnix writes Unix seconds in İYS's layout, Turkish time.
func formatUnix(sec int64) string {
	return time.Unix(sec, 0).In(consent.Location()).Format(consent.IYSLayout)
}

func formatNano(ns int64) string { return formatUnix(ns / int64(time.Second)) }
