package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/iys"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// maxCheckRecipients bounds one check call; longer lists go to Tarama.
const maxCheckRecipients = 10_000

// checkRecipient is a recipient as the caller wrote it: a JSON string, or
// a number (integrators send phones as numbers too).
type checkRecipient string

func (r *checkRecipient) UnmarshalJSON(b []byte) error {
	// The decoder has checked b already: a string of plain ASCII without
	// escapes is its bytes between the quotes, a number its literal (as
	// json.Number keeps it), without decoding each of 10,000 a second time.
	if len(b) >= 2 && b[0] == '"' && plainASCII(b[1:len(b)-1]) {
		*r = checkRecipient(b[1 : len(b)-1])
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		*r = checkRecipient(b)
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = checkRecipient(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*r = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*r = checkRecipient(n)
	return nil
}

// plainASCII reports whether a JSON string's inside needs no decoding.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

type checkRequest struct {
	BrandCode     string           `json:"brand_code"`
	Type          string           `json:"type"`
	RecipientType string           `json:"recipient_type"`
	Recipients    []checkRecipient `json:"recipients"`
}

// checkResult is one recipient's answer. Status is what to act on: RET
// when İYS holds RET or a RET is on its way, ONAY only when İYS holds ONAY
// (a pending ONAY is not yet İzinli), YOK when İYS holds nothing, GECERSIZ
// for a malformed recipient; the facts behind it are beside it.
type checkResult struct {
	Recipient   string         `json:"recipient"`
	Normalized  string         `json:"normalized"`
	Status      string         `json:"status"` // ONAY, RET, YOK or GECERSIZ
	IYSState    *checkIYSState `json:"iys_state"`
	Pending     *checkPending  `json:"pending"`
	Refused     *checkRefused  `json:"refused"`
	ConsentDate *time.Time     `json:"consent_date"` // İYS's, as in iys_state
	Source      string         `json:"source"`
	Code        string         `json:"code,omitempty"`
	Message     string         `json:"message,omitempty"`
}

// apiCheck answers "may I message these people?" for up to 10,000
// recipients of one brand and channel with one query. Malformed recipients
// are answered GECERSIZ with the consent package's code, not by failing
// the call; a TACIR recipient without a record carries TACIR_NO_RECORD.
func (s *Server) apiCheck(c *fiber.Ctx) error {
	var req checkRequest
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return s.fail(c, fiber.StatusBadRequest, "BAD_JSON", "İstek gövdesi geçerli bir JSON değil (recipients bir dizi olmalı).")
	}
	var errs validate.Problems
	typ, ok := consent.ParseType(req.Type)
	if !ok {
		errs.Add("type", consent.CodeTypeInvalid, "Kanal MESAJ, ARAMA ya da EPOSTA olmalı.")
	}
	rtype := consent.RecipientBireysel
	if strings.TrimSpace(req.RecipientType) != "" {
		if rtype, ok = consent.ParseRecipientType(req.RecipientType); !ok {
			errs.Add("recipient_type", consent.CodeRecipientTypeInvalid, "Alıcı tipi BIREYSEL ya da TACIR olmalı.")
		}
	}
	if strings.TrimSpace(req.BrandCode) == "" {
		errs.Add("brand_code", validate.CodeRequired, "Marka kodu (brand_code) zorunludur.")
	}
	if len(req.Recipients) == 0 {
		errs.Add("recipients", validate.CodeRequired, "En az bir alıcı gönderin.")
	}
	if len(req.Recipients) > maxCheckRecipients {
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "TOO_MANY_RECIPIENTS",
			Message: "Bir istekte en çok 10.000 alıcı sorgulanabilir (gönderilen: " + formatCount(len(req.Recipients)) +
				"). Daha uzun listeler için Tarama sayfasını ya da /api/v1/scrubs adresini kullanın.",
			Fields: []fieldError{{Field: "recipients", Code: "TOO_MANY_RECIPIENTS", Message: "En çok 10.000 alıcı."}}}
	}
	if len(errs) > 0 {
		return errs
	}

	results := make([]checkResult, len(req.Recipients))
	valid := make([]string, 0, len(req.Recipients))
	for i, raw := range req.Recipients {
		r := &results[i]
		r.Recipient = string(raw)
		var norm string
		var prob *consent.Problem
		if typ.IsPhone() {
			norm, _, prob = consent.NormalizePhone(r.Recipient)
		} else {
			norm, _, prob = consent.NormalizeEmail(r.Recipient)
		}
		if prob != nil {
			r.Status, r.Code, r.Message = store.CheckInvalid, prob.Code, prob.Message
			continue
		}
		r.Normalized = norm
		valid = append(valid, norm)
	}
	checkedAt := time.Now()
	brandID, states, err := s.deps.Store.CheckByCode(c.UserContext(), strings.TrimSpace(req.BrandCode), string(typ), string(rtype), valid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.deps.Policy.Can(currentUser(c).ID, brandID, policy.ConsentsView)) {
		return errBrandForbidden
	}
	if err != nil {
		return err
	}
	var counts [4]int // ONAY, RET, YOK, GECERSIZ
	loc := consent.Location()
	j := 0
	for i := range results {
		r := &results[i]
		if r.Status == store.CheckInvalid {
			counts[3]++
			continue
		}
		st := states[j]
		j++
		in := func(t *time.Time) *time.Time {
			if t == nil {
				return nil
			}
			d := t.In(loc)
			return &d
		}
		if st.Status != "" {
			r.ConsentDate, r.Source = in(st.ConsentDate), st.Source
			r.IYSState = &checkIYSState{Status: st.Status, ConsentDate: r.ConsentDate, Source: st.Source}
		}
		if st.PendingStatus != "" {
			r.Pending = &checkPending{Status: st.PendingStatus, Since: in(st.PendingSince)}
		}
		if st.RefusedCode != "" {
			msg, hint := iys.Describe(st.RefusedCode)
			r.Refused = &checkRefused{Code: st.RefusedCode, Message: msg, Hint: hint, At: in(st.RefusedAt)}
		}
		switch st.Effective() {
		case "":
			r.Status = store.CheckNoRecord
			if rtype == consent.RecipientTacir {
				r.Code, r.Message = store.CodeTacirNoRecord, store.MessageTacirNoRecord
			}
			counts[2]++
		case string(consent.StatusRet):
			r.Status = string(consent.StatusRet)
			counts[1]++
		default:
			r.Status = string(consent.StatusOnay)
			counts[0]++
		}
	}
	s.countChecks(string(typ), counts)
	return c.JSON(checkResponse{CheckedAt: checkedAt.In(loc).Format(time.RFC3339), BrandCode: strings.TrimSpace(req.BrandCode),
		Type: string(typ), RecipientType: string(rtype), Results: results})
}

// checkResponse is the answer of a check (a struct, not a map: it is
// encoded without sorting keys on every call).
type checkResponse struct {
	BrandCode     string        `json:"brand_code"`
	CheckedAt     string        `json:"checked_at"`
	RecipientType string        `json:"recipient_type"`
	Results       []checkResult `json:"results"`
	Type          string        `json:"type"`
}

// checkIYSState is the state İYS holds.
type checkIYSState struct {
	Status      string     `json:"status"`
	ConsentDate *time.Time `json:"consent_date"`
	Source      string     `json:"source"`
}

// checkPending is a change on its way to İYS.
type checkPending struct {
	Status string     `json:"status"`
	Since  *time.Time `json:"since"`
}

// checkRefused is İYS's refusal of the last change.
type checkRefused struct {
	Code    string     `json:"code"`
	Message string     `json:"message"`
	Hint    string     `json:"hint"`
	At      *time.Time `json:"at"`
}

var checkResults = [4]string{"ONAY", "RET", store.CheckNoRecord, store.CheckInvalid}

// countChecks adds a call's answers to iysgate_check_recipients_total.
func (s *Server) countChecks(channel string, counts [4]int) {
	if s.deps.Metrics == nil {
		return
	}
	for i, n := range counts {
		s.deps.Metrics.Checked(channel, checkResults[i], n)
	}
}
