package iystest

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"iysgate/app/iys/iysapi"
)

// list is one asynchronous list (consents/request): its items until they
// are decided, and their decisions.
type list struct {
	id      string
	n       int64 // its sequence, seed of its sub-request ids
	sp      uint32
	v2      bool
	arrived time.Time
	items   []item // nil once every item is decided
	results []decision
	decided int // results[:decided] are final and never change again
}

func (s *Sim) subRequestID(l *list, i int) string { return s.uuid("sub", l.n, int64(i)) }

// due is when item i is decided: the items are spread evenly over delay,
// the last one at arrival+delay.
func (l *list) due(i int, delay time.Duration) time.Time {
	if delay <= 0 {
		return l.arrived
	}
	return l.arrived.Add(time.Duration(float64(delay) * float64(i+1) / float64(len(l.results))))
}

// handleList: POST …/consents/request (V1 and V2). The list is checked when
// it arrives and refused whole, with each bad item's index, if any item
// breaks a rule of its own fields or repeats a key of the list (H194);
// otherwise it is queued and answered 202, and its items are decided later
// against what İYS holds.
func (s *Sim) handleList(c *call) {
	body, ok := c.body()
	if !ok {
		return
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		var v any
		if json.Unmarshal(body, &v) == nil {
			c.fail(apiErr("H092")) // JSON, but not a list
		} else {
			c.fail(apiErr("H014"))
		}
		return
	}
	if len(raws) == 0 {
		c.fail(apiErr("H092"))
		return
	}
	if len(raws) > iysapi.MaxListItems {
		c.fail(apiErr("H091"))
		return
	}
	items := make([]item, len(raws))
	for i, raw := range raws {
		items[i] = s.check(raw, c.now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(c.now)
	sp := s.spID(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"))
	if errs := s.listErrorsLocked(sp, items); len(errs) > 0 {
		c.fail(errs...)
		return
	}
	v2 := c.ep.Idempotent
	if v2 && !s.cfg.V2RecognisesQueued {
		for i := range items {
			if rec := s.records[items[i].key(sp)]; rec != nil {
				if j := rec.find(items[i].status, items[i].date, items[i].source); j >= 0 {
					items[i].recognised = &ref{items[i].key(sp), j}
				}
			}
		}
	}
	s.listSeq++
	l := &list{n: s.listSeq, sp: sp, v2: v2, arrived: c.now, items: items, results: make([]decision, len(items))}
	l.id = s.uuid("list", l.n)
	s.lists[l.id] = l
	s.kept = append(s.kept, l)
	s.queue = append(s.queue, l)
	s.settleLocked(c.now)

	// Each consent is echoed with its id, without the retailer fields, as
	// the document's example shows it.
	type subRequest map[string]json.RawMessage
	ans := struct {
		RequestID   string       `json:"requestId"`
		SubRequests []subRequest `json:"subRequests"`
	}{l.id, make([]subRequest, len(raws))}
	created, _ := json.Marshal(formatNano(c.now.UnixNano()))
	for i, raw := range raws {
		var sub subRequest
		_ = json.Unmarshal(raw, &sub) // checked above
		delete(sub, "retailerCode")
		delete(sub, "retailerAccess")
		sub["subRequestId"], _ = json.Marshal(s.subRequestID(l, i))
		sub["creationDate"] = created
		ans.SubRequests[i] = sub
	}
	c.answerMutation(ans)
}

// listErrorsLocked collects a list's synchronous refusals with each item's
// index: its own fields' errors, a key repeated in the list (H194, on the
// later item), and the operator's refusals of such codes. s.mu is held.
func (s *Sim) listErrorsLocked(sp uint32, items []item) []apiError {
	var errs []apiError
	seen := make(map[key]bool, len(items))
	for i := range items {
		it := &items[i]
		for _, e := range it.errs {
			errs = append(errs, e.at(i))
		}
		if len(it.errs) > 0 {
			continue
		}
		k := it.key(sp)
		if seen[k] {
			errs = append(errs, apiErr("H194").at(i))
			continue
		}
		seen[k] = true
		if code, ok := s.takeRefusalLocked(k, true); ok {
			errs = append(errs, apiErr(code, "recipient").withValue(it.recipient).at(i))
		}
	}
	return errs
}

// takeRefusalLocked consumes the operator's refusal of k's next movement:
// at arrival (sync) only one İYS answers synchronously (422, 403), at
// decision any. s.mu is held.
func (s *Sim) takeRefusalLocked(k key, sync bool) (string, bool) {
	code, ok := s.refusals[k]
	if !ok {
		return "", false
	}
	if st := statusOf(code); sync != (st == 422 || st == 403) {
		return "", false
	}
	delete(s.refusals, k)
	return code, true
}

// settleLocked decides every item that has fallen due by now, lists in
// arrival order and items in list order, each at its due time, as a
// punctual background worker would have. Every call that reads or changes
// İYS's state calls it first, so the outcome is the same as with one.
// s.mu is held.
func (s *Sim) settleLocked(now time.Time) {
	done := 0
	for _, l := range s.queue {
		for l.decided < len(l.results) {
			due := l.due(l.decided, s.cfg.AsyncDelay)
			if due.After(now) {
				break
			}
			it := &l.items[l.decided]
			var d decision
			if it.recognised != nil {
				s.counts.recognised++
				d = decision{ref: *it.recognised, recognised: true}
			} else {
				d = s.decideLocked(l.sp, it, due, origin{l, int32(l.decided)}, l.v2 && s.cfg.V2RecognisesQueued)
			}
			if d.code == "" {
				s.counts.itemsOK++
			} else {
				s.counts.itemsFailed++
			}
			l.results[l.decided] = d
			l.decided++
		}
		if l.decided < len(l.results) {
			break // later lists wait for this one
		}
		l.items = nil
		done++
	}
	if done > 0 {
		s.queue = append(s.queue[:0], s.queue[done:]...)
	}
	s.expireLocked(now)
}

// expireLocked forgets decided lists older than İYS keeps results.
func (s *Sim) expireLocked(now time.Time) {
	n := 0
	for _, l := range s.kept {
		if l.decided < len(l.results) || now.Sub(l.arrived) < iysapi.ResultRetention {
			break
		}
		delete(s.lists, l.id)
		n++
	}
	if n > 0 {
		s.kept = append(s.kept[:0], s.kept[n:]...)
	}
}

// resultItem is one entry of a list's result (SearchConsentResponse,
// SearchConsentResponseV2).
type resultItem struct {
	Index         int           `json:"index"`
	Status        string        `json:"status"`
	SubRequestID  string        `json:"subRequestId"`
	RequestID     string        `json:"requestId,omitempty"`
	TransactionID string        `json:"transactionId,omitempty"`
	CreationDate  string        `json:"creationDate,omitempty"`
	Error         *resultError  `json:"error,omitempty"`
	V2            string        `json:"isAddConsentV2Service,omitempty"`
	Original      *originalOfV2 `json:"originalRequestInformation,omitempty"`
}

type resultError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type originalOfV2 struct {
	RequestID    string `json:"requestId"`
	SubRequestID string `json:"subRequestId"`
}

// handleResult: GET …/consents/request/{requestId} (V1 and V2). A list not
// yet begun answers an empty list, as İYS does before it has worked it; an
// unknown or expired id also answers empty (expired: the document; unknown:
// not documented).
func (s *Sim) handleResult(c *call) {
	id := c.r.PathValue("requestId")
	if code := requestIDError(id); code != "" {
		c.fail(apiErr(code, "requestId").withValue(id))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(c.now)
	l := s.lists[id]
	sp, known := s.sps[spKey{c.r.PathValue("iysCode"), c.r.PathValue("brandCode")}]
	out := []resultItem{}
	if l == nil || !known || l.sp != sp || l.decided == 0 || l.v2 != (c.ep.Kind == iysapi.KindRequestResultV2) {
		c.answer(out)
		return
	}
	out = make([]resultItem, len(l.results))
	for i := range out {
		out[i] = s.resultItemLocked(l, i)
	}
	c.answer(out)
}

// resultItemLocked is item i of l as the result query shows it. s.mu is held.
func (s *Sim) resultItemLocked(l *list, i int) resultItem {
	a := resultItem{Index: i, SubRequestID: s.subRequestID(l, i)}
	if i >= l.decided {
		a.Status = iysapi.ItemEnqueue
		return a
	}
	d := &l.results[i]
	if d.code != "" {
		a.Status = iysapi.ItemFailure
		a.Error = &resultError{Code: d.code, Message: iysapi.Codes[d.code].Text}
		return a
	}
	v := &s.records[d.ref.key].versions[d.ref.index]
	a.Status, a.RequestID, a.TransactionID, a.CreationDate = iysapi.ItemSuccess, l.id, s.txID(v.seq), formatNano(v.created)
	if d.recognised {
		a.V2 = "true"
		if v.from.list != nil {
			a.Original = &originalOfV2{RequestID: v.from.list.id, SubRequestID: s.subRequestID(v.from.list, int(v.from.index))}
		}
	}
	return a
}

// requestIDError is İYS's refusal of a malformed requestId: longer than 36
// characters (H198), letters only (H199), digits only (H400).
func requestIDError(id string) string {
	switch {
	case len(id) > iysapi.MaxRequestIDLen:
		return "H198"
	case strings.IndexFunc(id, func(r rune) bool { return !unicode.IsLetter(r) }) < 0:
		return "H199"
	case strings.IndexFunc(id, func(r rune) bool { return !unicode.IsDigit(r) }) < 0:
		return "H400"
	}
	return ""
}
