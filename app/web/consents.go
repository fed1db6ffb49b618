package web

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/policy"
)

// brandScope returns the brands in which the user holds perm (nil: all).
func (s *Server) brandScope(c *fiber.Ctx, perm string) []int64 {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, perm)
	if all {
		return nil
	}
	return ids
}

// brandFor loads a brand the user holds perm in; ok is false otherwise, so
// another company's brand looks like a missing one.
func (s *Server) brandFor(c *fiber.Ctx, brandID int64, perm string) (*store.Brand, bool, error) {
	if brandID == 0 || !s.deps.Policy.Can(currentUser(c).ID, brandID, perm) {
		return nil, false, nil
	}
	b, err := s.deps.Store.Brand(c.UserContext(), brandID)
	if err == store.ErrNotFound {
		return nil, false, nil
	}
	return b, err == nil, err
}

// brandByCode loads the brand of a code in which the user holds perm, or
// refuses it with errBrandForbidden (an empty code: as missing).
func (s *Server) brandByCode(c *fiber.Ctx, code, perm string) (*store.Brand, error) {
	if code = strings.TrimSpace(code); code == "" {
		return nil, required("brand_code", "Marka kodu (brand_code) zorunludur.")
	}
	b, err := s.deps.Store.BrandByCode(c.UserContext(), code)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && !s.deps.Policy.Can(currentUser(c).ID, b.ID, perm)):
		return nil, errBrandForbidden
	case err != nil:
		return nil, err
	}
	return b, nil
}

// consentForm is İzin Ekle and Düzenle.
type consentForm struct {
	BrandID       int64
	Recipient     string
	FirstName     string
	LastName      string
	Source        string
	Types         []string
	Status        string
	RecipientType string
	ConsentDate   string // as the datetime-local input gives it
	Errors        map[string]string
	Warnings      []string
	Brands        []store.Brand
	Editing       bool
	// Refused is İYS's refusal being corrected ("Düzelt ve yeniden
	// gönder"): the form holds the refused movement.
	Refused *store.LastRefusal
}

// formField maps the consent package's fields to the form's.
var formField = map[string]string{
	consent.FieldBrandCode: "brand", consent.FieldRecipient: "recipient", consent.FieldPhone: "recipient",
	consent.FieldEmail: "recipient", consent.FieldRecipientType: "recipient_type", consent.FieldType: "types",
	consent.FieldStatus: "status", consent.FieldSource: "source", consent.FieldConsentDate: "consent_date",
	consent.FieldFirstName: "first_name", consent.FieldLastName: "last_name",
}

func consentFormFrom(c *fiber.Ctx) *consentForm {
	f := &consentForm{Recipient: c.FormValue("recipient"), FirstName: c.FormValue("first_name"), LastName: c.FormValue("last_name"),
		Source: c.FormValue("source"), Status: c.FormValue("status"), RecipientType: c.FormValue("recipient_type"),
		ConsentDate: c.FormValue("consent_date"), Editing: c.FormValue("editing") == "1"}
	f.BrandID, _ = strconv.ParseInt(c.FormValue("brand_id"), 10, 64)
	for _, v := range c.Request().PostArgs().PeekMulti("types") {
		f.Types = append(f.Types, string(v))
	}
	return f
}

func (s *Server) newConsentPage(c *fiber.Ctx) error {
	f := &consentForm{Status: "ONAY", RecipientType: "BIREYSEL", Types: []string{"MESAJ"}, Errors: map[string]string{},
		ConsentDate: time.Now().In(istanbul).Format("2006-01-02T15:04:05")}
	if id, _ := strconv.ParseInt(c.Query("recipient_id"), 10, 64); id > 0 {
		row, err := s.deps.Store.Recipient(c.UserContext(), id, s.brandScope(c, policy.ConsentsEdit))
		if err != nil {
			return err
		}
		f.Editing, f.BrandID, f.Recipient, f.FirstName, f.LastName, f.RecipientType = true, row.BrandID, row.Recipient, row.FirstName, row.LastName, row.RecipientType
		f.Types = nil
		for _, t := range []string{"ARAMA", "MESAJ", "EPOSTA"} {
			if ch := row.Channel(t); ch != nil {
				f.Types = append(f.Types, t)
				// Offer the change people come here for: the opposite of the
				// state as it will be (a change on its way, else İYS's).
				status, source := ch.Status, ch.Source
				if ch.Pending != nil {
					status, source = ch.Pending.Status, ch.Pending.Source
				}
				f.Source = source
				f.Status = map[string]string{"ONAY": "RET", "RET": "ONAY"}[status]
			}
		}
		// "Düzelt ve yeniden gönder": the movement İYS refused, on its
		// channel, to be corrected and sent again.
		if t := c.Query("fix"); t != "" {
			if ch := row.Channel(t); ch != nil && ch.Refused != nil {
				r := ch.Refused
				f.Types, f.Status, f.Source, f.Refused = []string{t}, r.Status, r.Source, r
				f.ConsentDate = r.ConsentDate.In(istanbul).Format("2006-01-02T15:04:05")
			}
		}
	}
	return s.renderConsentForm(c, fiber.StatusOK, f)
}

func (s *Server) renderConsentForm(c *fiber.Ctx, status int, f *consentForm) error {
	brands, err := s.deps.Store.ListBrands(c.UserContext(), s.brandScope(c, policy.ConsentsEdit))
	if err != nil {
		return err
	}
	f.Brands = brands
	title := "İzin Ekle"
	if f.Editing {
		title = "İzni Düzenle"
	}
	if c.Get("HX-Request") == "true" {
		return s.render(c, status, "consent_form", title, f, "consent_form")
	}
	return s.render(c, status, "consent_form", title, f)
}

// consentOutcome is what saving one channel did, for the page and the API.
type consentOutcome struct {
	Type    string              `json:"type"`
	Result  string              `json:"result"` // kaydedildi, kota_bekliyor, degisiklik_yok
	Message string              `json:"message"`
	Row     *store.RecipientRow `json:"consent,omitempty"`
}

// saveConsents validates and stores one consent per channel. Field errors
// (stateless or state rules) stop everything before anything is written.
func (s *Server) saveConsents(ctx context.Context, c *fiber.Ctx, b *store.Brand, in consent.Input, types []string) ([]consentOutcome, map[string]string, []string, error) {
	errs := map[string]string{}
	var warnings []string
	if b.BrandCode == "" {
		errs["brand"] = "Markanın İYS marka numarası (BrandKod) girilmemiş; önce İYS Ayarları'nda girin."
		return nil, errs, nil, nil
	}
	if len(types) == 0 {
		errs["types"] = "En az bir onay tipi seçin (Arama, Mesaj, E-posta)."
		return nil, errs, nil, nil
	}
	in.BrandCode = b.BrandCode
	var valid []consent.Consent
	for _, t := range types {
		in.Type = t
		cs, problems := consent.Validate(in, time.Now(), nil)
		for _, p := range problems {
			if p.IsError() {
				f := formField[p.Field]
				if f == "" {
					f = "_form"
				}
				if _, dup := errs[f]; !dup {
					errs[f] = p.Message
				}
			} else if !slices.Contains(warnings, p.Message) {
				warnings = append(warnings, p.Message)
			}
		}
		valid = append(valid, cs)
	}
	if len(errs) > 0 {
		return nil, errs, warnings, nil
	}
	var out []consentOutcome
	for _, cs := range valid {
		res, err := s.deps.Store.ApplyConsent(ctx, actor(c), b.ID, cs)
		if err != nil {
			return nil, nil, nil, err
		}
		o := consentOutcome{Type: string(cs.Type), Row: res.Row}
		switch res.Action {
		case consent.ActionSend:
			o.Result, o.Message = "kaydedildi", cs.Type.Label()+": kaydedildi, İYS'ye gönderilmeyi bekliyor."
			if res.QuotaWaiting {
				o.Result = "kota_bekliyor"
				o.Message = cs.Type.Label() + ": kaydedildi, ancak firmanın kalan izin kotası yok; paket onaylanınca İYS'ye kendiliğinden gönderilir. " +
					"O zamana dek İYS'de kayıtlı değildir."
			}
		case consent.ActionSkip:
			o.Result, o.Message = "degisiklik_yok", cs.Type.Label()+": "+res.Problem.Message
		default:
			errs[formField[res.Problem.Field]] = cs.Type.Label() + ": " + res.Problem.Message
		}
		out = append(out, o)
	}
	if len(errs) > 0 {
		return out, errs, warnings, nil
	}
	return out, nil, warnings, nil
}

func (s *Server) createConsent(c *fiber.Ctx) error {
	f := consentFormFrom(c)
	b, ok, err := s.brandFor(c, f.BrandID, policy.ConsentsEdit)
	if err != nil {
		return err
	}
	if !ok {
		f.Errors = map[string]string{"brand": "Bir marka seçin."}
		return s.renderConsentForm(c, fiber.StatusUnprocessableEntity, f)
	}
	in := consent.Input{Recipient: f.Recipient, RecipientType: f.RecipientType, Status: f.Status, Source: f.Source,
		ConsentDate: strings.Replace(f.ConsentDate, "T", " ", 1), FirstName: f.FirstName, LastName: f.LastName}
	outcomes, errs, warnings, err := s.saveConsents(c.UserContext(), c, b, in, f.Types)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		f.Errors, f.Warnings = errs, warnings
		return s.renderConsentForm(c, fiber.StatusUnprocessableEntity, f)
	}
	var msgs []string
	msgs = append(msgs, warnings...)
	recipient := ""
	for _, o := range outcomes {
		msgs = append(msgs, o.Message)
		if o.Row != nil {
			recipient = o.Row.Recipient
		}
	}
	to := "/consents"
	if recipient != "" {
		to = "/consents/history?brand_id=" + itoa(b.ID) + "&recipient=" + url.QueryEscape(recipient)
	}
	return s.saved(c, to, strings.Join(msgs, " "))
}

// consentFilter reads Onaylar's filters from the query string.
func (s *Server) consentFilter(c *fiber.Ctx) (store.ConsentFilter, map[string]string, error) {
	q := map[string]string{}
	for _, k := range []string{"tab", "q", "type", "status", "recipient_type", "brand_id", "from", "to"} {
		q[k] = strings.TrimSpace(c.Query(k))
	}
	var err error
	if q["q"], err = validate.Query("q", "Arama", q["q"], validate.MaxSearch); err != nil {
		return store.ConsentFilter{}, q, err
	}
	f := store.ConsentFilter{Kind: "phone", BrandIDs: s.brandScope(c, policy.ConsentsView), Limit: 50}
	if q["tab"] == "email" {
		f.Kind = "email"
	} else {
		q["tab"] = "phone"
	}
	if id, _ := strconv.ParseInt(q["brand_id"], 10, 64); id > 0 {
		if f.BrandIDs == nil || slices.Contains(f.BrandIDs, id) {
			f.BrandIDs = []int64{id}
		} else {
			f.BrandIDs = []int64{} // a brand the user may not see shows nothing
		}
	}
	if t, ok := consent.ParseType(q["type"]); ok && (f.Kind == "phone") == t.IsPhone() {
		f.Type = string(t)
	}
	if st, ok := consent.ParseStatus(q["status"]); ok {
		f.Status = string(st)
	}
	if rt, ok := consent.ParseRecipientType(q["recipient_type"]); ok {
		f.RecipientType = string(rt)
	}
	if t, err := time.ParseInLocation("2006-01-02", q["from"], istanbul); err == nil {
		f.From = &t
	}
	if t, err := time.ParseInLocation("2006-01-02", q["to"], istanbul); err == nil {
		end := t.AddDate(0, 0, 1)
		f.To = &end
	}
	f.Search = strings.TrimSpace(q["q"])
	f.After, _ = strconv.ParseInt(c.Query("after"), 10, 64)
	return f, q, nil
}

func (s *Server) consentsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f, q, err := s.consentFilter(c)
	if err != nil {
		return err
	}
	rows, next, err := s.deps.Store.ListRecipients(ctx, f)
	if err != nil {
		return err
	}
	stats, err := s.deps.Store.BrandStats(ctx, f.BrandIDs)
	if err != nil {
		return err
	}
	// Registered at İYS; the pending ones beside them.
	var total, ret, pending int64
	for _, st := range stats {
		if (f.Kind == "email") != (st.Type == "EPOSTA") {
			continue
		}
		if st.Kind == store.StatPending {
			pending += st.N
			continue
		}
		total += st.N
		if st.Status == "RET" {
			ret += st.N
		}
	}
	brands, err := s.deps.Store.ListBrands(ctx, s.brandScope(c, policy.ConsentsView))
	if err != nil {
		return err
	}
	query := c.Context().QueryArgs()
	query.Del("after")
	data := map[string]any{"Rows": rows, "Q": q, "Brands": brands, "Total": total, "Ret": ret, "Pending": pending,
		"Next": next, "Query": string(query.QueryString()),
		"CanEdit": s.deps.Policy.CanAny(currentUser(c).ID, policy.ConsentsEdit)}
	if c.Get("HX-Request") == "true" && c.Get("HX-Target") == "consent-rows" {
		return s.render(c, fiber.StatusOK, "consents", "Onaylar", data, "consent_rows")
	}
	if data["Quota"], err = s.quotaBoxes(c); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "consents", "Onaylar", data)
}

func (s *Server) historyPage(c *fiber.Ctx) error {
	brandID, _ := strconv.ParseInt(c.Query("brand_id"), 10, 64)
	b, ok, err := s.brandFor(c, brandID, policy.ConsentsView)
	if err != nil {
		return err
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Marka bulunamadı.")
	}
	recipient, err := validate.Query("recipient", "Alıcı", c.Query("recipient"), validate.MaxSearch)
	if err != nil {
		return err
	}
	events, err := s.deps.Store.History(c.UserContext(), b.ID, recipient)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "history", "İzin Geçmişi", map[string]any{"Brand": b, "Recipient": recipient, "Events": events})
}

// API

type consentJSON struct {
	BrandCode     string `json:"brand_code"`
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipient_type"`
	Type          string `json:"type"`
	Status        string `json:"status"`
	Source        string `json:"source"`
	ConsentDate   string `json:"consent_date"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
}

func (s *Server) apiCreateConsent(c *fiber.Ctx) error {
	var body consentJSON
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	ctx := c.UserContext()
	b, err := s.brandByCode(c, body.BrandCode, policy.ConsentsEdit)
	if err != nil {
		return err
	}
	in := consent.Input{BrandCode: b.BrandCode, Recipient: body.Recipient, RecipientType: body.RecipientType, Type: body.Type,
		Status: body.Status, Source: body.Source, ConsentDate: body.ConsentDate, FirstName: body.FirstName, LastName: body.LastName}
	cs, problems := consent.Validate(in, time.Now(), nil)
	if consent.HasErrors(problems) {
		return consentErrors(problems)
	}
	res, err := s.deps.Store.ApplyConsent(ctx, actor(c), b.ID, cs)
	if err != nil {
		return err
	}
	warnings := []consent.Problem{}
	for _, p := range problems {
		if !p.IsError() {
			warnings = append(warnings, p)
		}
	}
	switch res.Action {
	case consent.ActionSend:
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"consent": res.Row, "event_id": res.EventID, "warnings": warnings})
	case consent.ActionSkip:
		return c.Status(fiber.StatusOK).JSON(fiber.Map{"result": "NO_CHANGE", "message": res.Problem.Message, "warnings": warnings})
	}
	return consentErrors([]consent.Problem{*res.Problem})
}

// consentErrors is the 422 refusal of a consent, with the rule codes of
// the consent package; a single problem's code and message are the
// answer's own.
func consentErrors(problems []consent.Problem) error {
	e := &Error{Status: fiber.StatusUnprocessableEntity, Code: "VALIDATION", Message: "İzin İYS kurallarına uymuyor."}
	for _, p := range problems {
		if p.IsError() {
			e.Fields = append(e.Fields, fieldError{Field: apiField(p.Field), Code: p.Code, Message: p.Message})
		}
	}
	if len(e.Fields) == 1 {
		e.Code, e.Message = e.Fields[0].Code, e.Fields[0].Message
	}
	return e
}

// apiFields names the consent package's fields as the JSON API does.
var apiFields = map[string]string{consent.FieldBrandCode: "brand_code", consent.FieldRecipientType: "recipient_type",
	consent.FieldConsentDate: "consent_date", consent.FieldPhone: "recipient", consent.FieldEmail: "recipient"}

func apiField(f string) string {
	if v, ok := apiFields[f]; ok {
		return v
	}
	return f
}

func (s *Server) apiConsents(c *fiber.Ctx) error {
	f, _, err := s.consentFilter(c)
	if err != nil {
		return err
	}
	if bc := c.Query("brand_code"); bc != "" {
		b, err := s.brandByCode(c, bc, policy.ConsentsView)
		if err != nil {
			return err
		}
		f.BrandIDs = []int64{b.ID}
	}
	page, err := pageFrom(c, store.MaxConsentPage)
	if err != nil {
		return err
	}
	f.After, f.Limit = page.After, page.Limit
	rows, next, err := s.deps.Store.ListRecipients(c.UserContext(), f)
	if err != nil {
		return err
	}
	return list(c, "consents", rows, next)
}

func (s *Server) apiHistory(c *fiber.Ctx) error {
	if c.Query("brand_code") == "" || c.Query("recipient") == "" {
		var p validate.Problems
		p.Add("brand_code", validate.CodeRequired, "brand_code ve recipient parametreleri zorunludur.")
		return p
	}
	b, err := s.brandByCode(c, c.Query("brand_code"), policy.ConsentsView)
	if err != nil {
		return err
	}
	recipient, err := validate.Query("recipient", "Alıcı", c.Query("recipient"), validate.MaxSearch)
	if err != nil {
		return err
	}
	if p, _, prob := consent.NormalizePhone(recipient); prob == nil {
		recipient = p
	} else if e, _, prob := consent.NormalizeEmail(recipient); prob == nil {
		recipient = e
	}
	events, err := s.deps.Store.History(c.UserContext(), b.ID, recipient)
	if err != nil {
		return err
	}
	if events == nil {
		events = []store.Event{}
	}
	return c.JSON(fiber.Map{"brand_code": b.BrandCode, "recipient": recipient, "events": events})
}
