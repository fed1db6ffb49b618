package iystest

import (
	"encoding/json"
	"strconv"
)

type addAnswer struct {
	TransactionID string `json:"transactionId"`
	CreationDate  string `json:"creationDate"`
}

// handleAdd: POST …/consents (V1 and V2), one consent decided at once: its
// own fields' errors answer 422 together, İYS's rules against the stored
// record answer 400. V2 answers an identical resend (path and body) of a
// movement it stored with that movement's transactionId.
func (s *Sim) handleAdd(c *call) {
	body, ok := c.body()
	if !ok {
		return
	}
	var fields map[string]json.RawMessage
	if !json.Valid(body) {
		c.fail(apiErr("H014"))
		return
	}
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		c.fail(apiErr("H085")) // JSON, but not a consent
		return
	}
	it := s.check(body, c.now)
	if len(it.errs) > 0 {
		c.fail(it.errs...)
		return
	}
	s.mu.Lock()
	s.settleLocked(c.now)
	sp := s.spID(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"))
	fp := fingerprint(sp, fields)
	if r, ok := s.singles[fp]; ok && c.ep.Idempotent {
		s.counts.recognised++
		ans := s.addAnswerLocked(r)
		s.mu.Unlock()
		c.answerMutation(ans)
		return
	}
	k := it.key(sp)
	if code, ok := s.takeRefusalLocked(k, true); ok {
		s.mu.Unlock()
		c.fail(apiErr(code, "recipient").withValue(it.recipient))
		return
	}
	d := s.decideLocked(sp, &it, c.now, origin{}, false)
	if d.code != "" {
		s.mu.Unlock()
		c.fail(apiErr(d.code))
		return
	}
	if c.ep.Idempotent {
		s.singles[fp] = d.ref
	}
	ans := s.addAnswerLocked(d.ref)
	s.mu.Unlock()
	c.answerMutation(ans)
}

func (s *Sim) addAnswerLocked(r ref) addAnswer {
	v := &s.records[r.key].versions[r.index]
	return addAnswer{TransactionID: s.txID(v.seq), CreationDate: formatNano(v.created)}
}

// fingerprint identifies a single add by its brand and its body, whatever
// the order of its fields or its spacing.
func fingerprint(sp uint32, fields map[string]json.RawMessage) string {
	canon := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		var x any
		_ = json.Unmarshal(v, &x)
		canon[k], _ = json.Marshal(x)
	}
	b, _ := json.Marshal(canon) // map keys sorted
	return strconv.FormatUint(uint64(sp), 10) + ":" + string(b)
}
