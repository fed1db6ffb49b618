package iystest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
)

// The simulator's own endpoints, for operators, rehearsals and tests:
//
//	GET  /_sim/stats            what it has seen ([Stats])
//	POST /_sim/faults           {"fail_rate", "mix", "lose_answers", "latency"}: the faults ([Faults])
//	POST /_sim/citizen          a recipient's own movement in İYS ([Citizen])
//	POST /_sim/refuse           refuse a recipient's next movement with a code
//	POST /_sim/company          answer every call of a company with a code ("" lifts it)
//	POST /_sim/integrator       what the integrator query lists for a company
//	POST /_sim/tokens/expire    forget every token issued
func (s *Sim) operatorRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	m.HandleFunc("POST /_sim/faults", operator(func(f Faults) (any, error) { s.SetFaults(f); return f, nil }))
	m.HandleFunc("POST /_sim/citizen", operator(func(c Citizen) (any, error) {
		tx, err := s.CitizenMove(c)
		return map[string]string{"transactionId": tx}, err
	}))
	m.HandleFunc("POST /_sim/refuse", operator(func(r Refusal) (any, error) { return r, s.Refuse(r) }))
	m.HandleFunc("POST /_sim/company", operator(func(b struct {
		IYSCode string `json:"iys_code"`
		Code    string `json:"code"`
	}) (any, error) {
		return b, s.BlockCompany(b.IYSCode, b.Code)
	}))
	m.HandleFunc("POST /_sim/integrator", operator(func(b struct {
		IntegratorCode string  `json:"integrator_code"`
		Grants         []Grant `json:"grants"`
	}) (any, error) {
		s.SetGrants(b.IntegratorCode, b.Grants)
		return b, nil
	}))
	m.HandleFunc("POST /_sim/tokens/expire", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
}

// operator decodes an operator call's JSON body into T, runs fn and answers
// its result, or 400 with the error's text.
func operator[T any](fn func(T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v T
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&v); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "geçersiz JSON: " + err.Error()})
			return
		}
		out, err := fn(v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// Refusal makes İYS refuse a recipient's next movement (of any method) with
// Code. A code İYS answers synchronously (422, 403) refuses the single add
// or the whole list with the item's index; any other is the item's
// failure when it is decided (400 for a single add).
type Refusal struct {
	IYSCode       string `json:"iys_code"`
	BrandCode     string `json:"brand_code"`
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipient_type"` // "" = BIREYSEL
	Type          string `json:"type"`
	Code          string `json:"code"`
}

// Refuse arms a refusal; see [Refusal].
func (s *Sim) Refuse(r Refusal) error {
	if _, ok := iysapi.LookupCode(r.Code); !ok {
		return errors.New("bilinmeyen İYS kodu: " + r.Code)
	}
	k, err := s.keyOf(r.IYSCode, r.BrandCode, r.Recipient, r.RecipientType, r.Type)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.refusals[k] = r.Code
	s.mu.Unlock()
	return nil
}

// BlockCompany makes İYS answer every call for iysCode with code (H353,
// H521, H524, H586…); "" lifts it.
func (s *Sim) BlockCompany(iysCode, code string) error {
	if c, ok := iysapi.LookupCode(code); code != "" && (!ok || c.Status < 400) {
		return errors.New("bilinmeyen İYS kodu: " + code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.blocked, iysCode)
	} else {
		s.blocked[iysCode] = code
	}
	return nil
}

// Citizen is a recipient's own movement in İYS (e-Devlet, the İYS site and
// app, 3338, an operator's line closure): it is stored whatever the
// current state, since the recipient decides, and appears in the pull with
// source=IYS.
type Citizen struct {
	IYSCode       string `json:"iys_code"`
	BrandCode     string `json:"brand_code"`
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipient_type"` // "" = BIREYSEL
	Type          string `json:"type"`
	Status        string `json:"status"` // "" = RET
	// Source is an İYS-side source; "" = IYS_WEB_YENI for a first ONAY
	// (a recipient adding the brand), IYS_WEB otherwise.
	Source string `json:"source"`
	// CitizenName goes with a recipient adding the brand (IYS_WEB_YENI).
	CitizenName string `json:"citizen_name"`
}

// CitizenRet records a recipient's RET made in İYS (source IYS_WEB).
func (s *Sim) CitizenRet(iysCode, brandCode, recipient, typ, recipientType string) error {
	_, err := s.CitizenMove(Citizen{IYSCode: iysCode, BrandCode: brandCode, Recipient: recipient, Type: typ, RecipientType: recipientType})
	return err
}

// CitizenMove records c and returns its transactionId.
func (s *Sim) CitizenMove(c Citizen) (string, error) {
	k, err := s.keyOf(c.IYSCode, c.BrandCode, c.Recipient, c.RecipientType, c.Type)
	if err != nil {
		return "", err
	}
	status := statusRet
	if c.Status != "" {
		if status = parseStatus(c.Status); status == 0 {
			return "", errors.New("durum ONAY ya da RET olmalı")
		}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(now)
	source := c.Source
	if source == "" {
		source = string(consent.SourceIYSWeb)
		if status == statusOnay && s.records[k] == nil {
			source = string(consent.SourceIYSWebYeni)
		}
	}
	if !consent.Source(source).IsCitizen() {
		return "", errors.New("kaynak İYS tarafı bir kaynak (IYS_…) olmalı: " + source)
	}
	v := version{status: status, source: strings.Clone(source)}
	v.seq, v.created = s.stamp(now)
	v.date = v.created / 1e9
	s.storeLocked(k, v, familyIYS, c.CitizenName)
	return s.txID(v.seq), nil
}

// keyOf checks and interns a key given by an operator.
func (s *Sim) keyOf(iysCode, brandCode, recipient, recipientType, typ string) (key, error) {
	t := parseType(typ)
	rt := rtBireysel
	if recipientType != "" {
		rt = parseRecipientType(recipientType)
	}
	switch {
	case iysCode == "" || brandCode == "":
		return key{}, errors.New("iys_code ve brand_code gerekli")
	case t == 0:
		return key{}, errors.New("type ARAMA, MESAJ ya da EPOSTA olmalı")
	case rt == 0:
		return key{}, errors.New("recipient_type BIREYSEL ya da TACIR olmalı")
	case len(recipientErrors(t, recipient)) > 0:
		return key{}, errors.New("alıcı bu kanala uymuyor: " + recipient)
	}
	if t == typEposta {
		recipient = strings.ToLower(recipient)
	}
	s.mu.Lock()
	sp := s.spID(iysCode, brandCode)
	s.mu.Unlock()
	return key{sp: sp, typ: t, rt: rt, recipient: strings.Clone(recipient)}, nil
}

// StoredConsent is a key's current movement, for tests.
type StoredConsent struct {
	Recipient, Type, Status, RecipientType, Source string
	ConsentDate, CreationDate, TransactionID       string
	// Versions is how many movements the key has had.
	Versions int
}

// Consent returns a key's current movement; ok is false when İYS holds no
// record of it.
func (s *Sim) Consent(iysCode, brandCode, recipient, recipientType, typ string) (StoredConsent, bool) {
	t := parseType(typ)
	if t == typEposta {
		recipient = strings.ToLower(recipient)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.now())
	k, rec := s.lookupLocked(iysCode, brandCode, recipient, parseRecipientType(recipientType), t)
	if rec == nil {
		return StoredConsent{}, false
	}
	m := s.movement(k, rec.current())
	return StoredConsent{Recipient: m.Recipient, Type: m.Type, Status: m.Status, RecipientType: m.RecipientType, Source: m.Source,
		ConsentDate: m.ConsentDate, CreationDate: m.CreationDate, TransactionID: m.TransactionID, Versions: len(rec.versions)}, true
}
