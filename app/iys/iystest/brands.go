package iystest

import (
	"encoding/json"
	"slices"

	"iysgate/app/iys/iysapi"
)

// code writes a numeric code as a JSON number, as İYS does (brandCode,
// iysCode), and anything else as a string.
func code(s string) json.RawMessage {
	if s != "" && allDigits(s) && (s == "0" || s[0] != '0') {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// brandsLocked lists an iysCode's brand codes: Config.Brands', or its
// master brand (whose code is the iysCode, as in İYS's sandbox) and the
// brands used so far. s.mu is held.
func (s *Sim) brandsLocked(iysCode string) []string {
	if len(s.cfg.Brands) > 0 {
		return slices.Sorted(slices.Values(s.cfg.Brands[iysCode]))
	}
	codes := []string{iysCode}
	for _, k := range s.spNames {
		if k.iysCode == iysCode && !slices.Contains(codes, k.brandCode) {
			codes = append(codes, k.brandCode)
		}
	}
	slices.Sort(codes)
	return codes
}

// brandName: the simulator knows no names; a brand is named after its code.
func brandName(brandCode string) string { return "Marka " + brandCode }

type brandStats struct {
	Consents struct {
		Approval  int `json:"approval"`
		Rejection int `json:"rejection"`
		Total     int `json:"total"`
	} `json:"consents"`
	Retailers struct {
		Total int `json:"total"`
	} `json:"retailers"`
}

// handleBrands: GET /sps/{iysCode}/brands, the brands with their master
// flag and consent counts.
func (s *Sim) handleBrands(c *call) {
	iysCode := c.r.PathValue("iysCode")
	type brand struct {
		BrandCode json.RawMessage `json:"brandCode"`
		Name      string          `json:"name"`
		Master    bool            `json:"master"`
		Stats     brandStats      `json:"stats"`
	}
	s.mu.Lock()
	s.settleLocked(c.now)
	codes := s.brandsLocked(iysCode)
	stats := make(map[uint32]*brandStats, len(codes))
	out := make([]brand, len(codes))
	for i, b := range codes {
		out[i] = brand{BrandCode: code(b), Name: brandName(b), Master: b == iysCode}
		if sp, ok := s.sps[spKey{iysCode, b}]; ok {
			stats[sp] = &out[i].Stats
		}
	}
	for k, rec := range s.records {
		if st := stats[k.sp]; st != nil {
			st.Consents.Total++
			if rec.current().status == statusOnay {
				st.Consents.Approval++
			} else {
				st.Consents.Rejection++
			}
		}
	}
	s.mu.Unlock()
	c.answer(out)
}

// SetGrants replaces what the integrator query lists for integratorCode
// (nil: nothing, so İYS answers that the company is not its).
func (s *Sim) SetGrants(integratorCode string, grants []Grant) {
	s.mu.Lock()
	s.grants[integratorCode] = append([]Grant(nil), grants...)
	s.cfg.Integrators = s.grants
	s.mu.Unlock()
}

// handleIntegrator: GET /integrator/{integratorCode}/sps/{iysCode}, the
// company's brands the integrator is assigned, with its access per channel.
// Without Config.Integrators every integrator is assigned every brand with
// write access. An unknown integrator answers 404 H031, a company not
// assigned to it 403 H353.
func (s *Sim) handleIntegrator(c *call) {
	integrator, iysCode := c.r.PathValue("integratorCode"), c.r.PathValue("iysCode")
	s.mu.Lock()
	var grants []Grant
	known := true
	if s.cfg.Integrators == nil {
		for _, b := range s.brandsLocked(iysCode) {
			grants = append(grants, Grant{IYSCode: iysCode, BrandCode: b,
				Access: map[string]string{"ARAMA": iysapi.AccessWrite, "MESAJ": iysapi.AccessWrite, "EPOSTA": iysapi.AccessWrite}})
		}
	} else {
		var all []Grant
		all, known = s.grants[integrator]
		for _, g := range all {
			if g.IYSCode == iysCode {
				grants = append(grants, g)
			}
		}
	}
	s.mu.Unlock()
	switch {
	case !known:
		c.fail(apiErr("H031"))
		return
	case len(grants) == 0:
		c.fail(apiErr("H353"))
		return
	}
	type entry struct {
		BrandCode        json.RawMessage `json:"brandCode"`
		Name             string          `json:"name"`
		Master           bool            `json:"master"`
		Title            string          `json:"title"`
		IYSCode          json.RawMessage `json:"iysCode"`
		AgreementControl bool            `json:"agreementControl"`
		Mesaj            string          `json:"MESAJ,omitempty"`
		Arama            string          `json:"ARAMA,omitempty"`
		Eposta           string          `json:"EPOSTA,omitempty"`
		ViaControl       bool            `json:"viaControl"`
	}
	ans := struct {
		Pagination struct {
			Offset     int `json:"offset"`
			PageSize   int `json:"pageSize"`
			TotalCount int `json:"totalCount"`
		} `json:"pagination"`
		List []entry `json:"list"`
	}{}
	for _, g := range grants {
		ans.List = append(ans.List, entry{BrandCode: code(g.BrandCode), Name: brandName(g.BrandCode), Master: g.BrandCode == iysCode,
			Title: "Firma " + iysCode, IYSCode: code(iysCode), AgreementControl: true,
			Mesaj: g.Access["MESAJ"], Arama: g.Access["ARAMA"], Eposta: g.Access["EPOSTA"]})
	}
	ans.Pagination.PageSize, ans.Pagination.TotalCount = len(ans.List), len(ans.List)
	c.answer(ans)
}
