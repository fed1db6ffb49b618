package iystest

import (
	"encoding/json"
	"strconv"
	"strings"

	"iysgate/app/iys/iysapi"
)

// keyQuery is the body of the single status and history queries
// (ConsentDetailRequest).
type keyQuery struct {
	Recipient     *string `json:"recipient"`
	RecipientType *string `json:"recipientType"`
	Type          *string `json:"type"`
}

// check validates the query's fields, answering 422 with İYS's codes; it
// returns the key's parts with e-mail addresses lower-cased.
func (q *keyQuery) check(c *call) (recipient string, rt, typ uint8, ok bool) {
	var errs []apiError
	switch {
	case q.Type == nil || *q.Type == "":
		errs = append(errs, apiErr("H111", "type"))
	case parseType(*q.Type) == 0:
		errs = append(errs, apiErr("H117", "type").withValue(*q.Type))
	}
	switch {
	case q.RecipientType == nil || *q.RecipientType == "":
		errs = append(errs, apiErr("H170", "recipientType"))
	case parseRecipientType(*q.RecipientType) == 0:
		errs = append(errs, apiErr("H116", "recipientType").withValue(*q.RecipientType))
	}
	if len(errs) == 0 {
		typ, rt = parseType(*q.Type), parseRecipientType(*q.RecipientType)
		switch {
		case q.Recipient == nil || *q.Recipient == "":
			errs = append(errs, apiErr("H114", "recipient"))
		case typ == typEposta && !validEmail(*q.Recipient):
			errs = append(errs, apiErr("H120", "recipient").withValue(*q.Recipient))
		case typ != typEposta && len(*q.Recipient) > iysapi.MaxPhoneLen:
			errs = append(errs, apiErr("H166", "recipient").withValue(*q.Recipient))
		case typ != typEposta && !validPhone(*q.Recipient):
			errs = append(errs, apiErr("H121", "recipient").withValue(*q.Recipient))
		}
	}
	if len(errs) > 0 {
		c.fail(errs...)
		return "", 0, 0, false
	}
	recipient = *q.Recipient
	if typ == typEposta {
		recipient = strings.ToLower(recipient)
	}
	return recipient, rt, typ, true
}

// statusAnswer is the single status query's answer (ConsentDetailResponse).
type statusAnswer struct {
	ConsentDate   string `json:"consentDate,omitempty"`
	Source        string `json:"source,omitempty"`
	RecipientType string `json:"recipientType"`
	Status        string `json:"status"`
	Type          string `json:"type"`
	Recipient     string `json:"recipient"`
	CreationDate  string `json:"creationDate"`
	TransactionID string `json:"transactionId"`
}

func (s *Sim) movement(k key, v *version) statusAnswer {
	a := statusAnswer{Source: v.source, RecipientType: rtNames[k.rt], Status: statusNames[v.status], Type: typeNames[k.typ],
		Recipient: k.recipient, CreationDate: formatNano(v.created), TransactionID: s.txID(v.seq)}
	if v.date != 0 {
		a.ConsentDate = formatUnix(v.date)
	}
	return a
}

// handleStatus: POST …/consents/status, the key's current movement. The
// answer for a key without a record is not documented: 404
// SIM_CONSENT_NOT_FOUND.
func (s *Sim) handleStatus(c *call) {
	var q keyQuery
	if b, ok := c.body(); !ok {
		return
	} else if json.Unmarshal(b, &q) != nil {
		c.fail(apiErr("H097"))
		return
	}
	recipient, rt, typ, ok := q.check(c)
	if !ok {
		return
	}
	s.mu.Lock()
	s.settleLocked(c.now)
	k, rec := s.lookupLocked(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"), recipient, rt, typ)
	var a statusAnswer
	if rec != nil {
		a = s.movement(k, rec.current())
	}
	s.mu.Unlock()
	if rec == nil {
		c.fail(simError(codeConsentNotFound))
		return
	}
	c.answer(a)
}

// handleStatusMulti: POST …/consents/{recipientType}/status/{type}, which of
// the recipients are ONAY, as strings, in the order asked.
func (s *Sim) handleStatusMulti(c *call) {
	rtName, typName := c.r.PathValue("recipientType"), c.r.PathValue("type")
	rt, typ := parseRecipientType(rtName), parseType(typName)
	switch {
	case typ == 0:
		c.fail(apiErr("H117", "type").withValue(typName))
		return
	case rt == 0:
		c.fail(apiErr("H116", "recipientType").withValue(rtName))
		return
	}
	var body map[string]json.RawMessage
	if !c.decode(&body) {
		return
	}
	raw, present := body["recipients"]
	var recipients []string
	switch {
	case !present:
		c.fail(apiErr("H168", "recipients"))
		return
	case json.Unmarshal(raw, &recipients) != nil:
		c.fail(apiErr("H478", "recipients").withValue(raw))
		return
	case len(recipients) == 0:
		c.fail(apiErr("H164", "recipients").withValue(raw))
		return
	case len(recipients) > s.cfg.MaxRecipients:
		c.fail(apiErr("H127", "recipients"))
		return
	}
	seen := make(map[string]bool, len(recipients))
	for i, r := range recipients {
		if (typ == typEposta) != validEmail(r) || typ != typEposta && !validPhone(r) {
			c.fail(apiErr("H464", "recipient").withValue(r))
			return
		}
		if typ == typEposta {
			recipients[i] = strings.ToLower(r)
		}
		if seen[recipients[i]] {
			c.fail(apiErr("H193", "recipients", i).withValue(r))
			return
		}
		seen[recipients[i]] = true
	}
	ans := struct {
		RequestID string   `json:"requestId"`
		List      []string `json:"list"`
	}{List: []string{}}
	s.mu.Lock()
	s.settleLocked(c.now)
	s.listSeq++
	ans.RequestID = s.uuid("status", s.listSeq)
	for _, r := range recipients {
		if _, rec := s.lookupLocked(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"), r, rt, typ); rec != nil && rec.current().status == statusOnay {
			ans.List = append(ans.List, r)
		}
	}
	s.mu.Unlock()
	c.answer(ans)
}

// handleHistory: POST …/consents/history?limit&offset, every movement of a
// key, the latest consentDate first. A key without a record answers an
// empty list (not documented). offset defaults to 0: the document's
// "Varsayılan değer: 100" for it reads as a slip.
func (s *Sim) handleHistory(c *call) {
	limit, offset, ok := c.page()
	if !ok {
		return
	}
	var q keyQuery
	if !c.decode(&q) {
		return
	}
	recipient, rt, typ, ok := q.check(c)
	if !ok {
		return
	}
	type pagination struct {
		TotalCount int `json:"totalCount"`
		PageSize   int `json:"pageSize"`
		Offset     int `json:"offset"`
	}
	ans := struct {
		List       []statusAnswer `json:"list"`
		Pagination pagination     `json:"pagination"`
	}{List: []statusAnswer{}, Pagination: pagination{Offset: offset}}
	s.mu.Lock()
	s.settleLocked(c.now)
	if k, rec := s.lookupLocked(c.r.PathValue("iysCode"), c.r.PathValue("brandCode"), recipient, rt, typ); rec != nil {
		all := make([]statusAnswer, 0, len(rec.versions))
		for i := len(rec.versions) - 1; i >= 0; i-- { // stored in date order: the latest last
			all = append(all, s.movement(k, &rec.versions[i]))
		}
		ans.Pagination.TotalCount = len(all)
		if offset < len(all) {
			ans.List = all[offset:min(len(all), offset+limit)]
		}
	}
	s.mu.Unlock()
	ans.Pagination.PageSize = len(ans.List)
	c.answer(ans)
}

// page reads limit and offset: limit at most 100 (H186), not zero (H187),
// not negative (H182); offset not negative (H183). The codes for limit and
// offset are as the method's examples give them.
func (c *call) page() (limit, offset int, ok bool) {
	q := c.r.URL.Query()
	limit = iysapi.MaxPage
	var errs []apiError
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 0:
			errs = append(errs, apiErr("H182", "limit").withValue(v))
		case n == 0:
			errs = append(errs, apiErr("H187", "limit").withValue(n))
		case n > iysapi.MaxPage:
			errs = append(errs, apiErr("H186", "limit").withValue(n))
		default:
			limit = n
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, apiErr("H183", "offset").withValue(v))
		}
		offset = n
	}
	if len(errs) > 0 {
		c.fail(errs...)
		return 0, 0, false
	}
	return limit, offset, true
}
