package iys

import (
	"encoding/json"
	"testing"

	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iysapi/iysapitest"
)

// The client reads every success answer of the document's examples into
// its types, and every error answer with its code, index and location
// (numbers too, and the key "code:" some examples carry), classified as the
// vocabulary says.
func TestClientReadsTheDocumentsAnswers(t *testing.T) {
	outs := map[string]func() any{
		"token": func() any { return &tokenAnswer{} }, "brands": func() any { return &[]Brand{} },
		"consent_add": func() any { return &AddResult{} }, "consent_add_v2": func() any { return &AddResult{} },
		"consent_request": func() any { return &ListRequest{} }, "consent_request_v2": func() any { return &ListRequest{} },
		"consent_request_result": func() any { return &[]ItemResult{} }, "consent_request_result_v2": func() any { return &[]ItemResult{} },
		"consent_status": func() any { return &Stored{} }, "consent_status_multiple": func() any { return &struct{ List []string }{} },
		"consent_history": func() any { return &HistoryPage{} }, "consent_changes": func() any { return &ChangePage{} },
		"integrator_sps": func() any { return &struct{ List []IntegratorBrand }{} },
	}
	for kind, e := range iysapitest.Examples(t) {
		ep := iysapi.Lookup(iysapi.Kind(kind))
		for status, byName := range e.Responses {
			for name, raw := range byName {
				n := atoi(status)
				if ep.Succeeded(n) {
					if n == 204 {
						continue
					}
					if err := json.Unmarshal(raw, outs[kind]()); err != nil {
						t.Errorf("%s %s %s: %v", kind, status, name, err)
					}
					continue
				}
				e := &Error{Kind: ep.Kind, HTTPStatus: n}
				if !e.decodeAnswer(raw) || e.Code == "" {
					t.Errorf("%s %s %s: unreadable error %s", kind, status, name, raw)
					continue
				}
				if kind == "token" {
					continue
				}
				if c, ok := iysapi.LookupCode(e.Code); ok && e.Class() != c.Class {
					t.Errorf("%s %s %s: class %d, want %d", kind, status, name, e.Class(), c.Class)
				}
			}
		}
	}
}

// Particular answers of the document, read as they must be.
func TestClientReadsTheDocumentsDetails(t *testing.T) {
	var items []ItemResult
	if err := json.Unmarshal(iysapitest.Example(t, "consent_request_result_v2", "200", "success"), &items); err != nil {
		t.Fatal(err)
	}
	if !bool(items[1].V2) || items[1].Original == nil || items[1].Original.RequestID != "2d8ad598-936a-46e6-b758-7ff2aa74c3b8" ||
		items[2].SubRequestID != "7ed0f89d-15c7-457f-a16a-d689ef5dca62" || items[2].Final() || items[0].Error.Code != "H175" {
		t.Errorf("V2 result: %+v", items)
	}
	e := &Error{HTTPStatus: 403}
	e.decodeAnswer(iysapitest.Example(t, "consent_request_v2", "403", "retailerCodeNotFound2"))
	if f := e.Faults[0]; f.Code != "H180" || f.Index != 0 || len(f.Location) != 2 || f.Location[1] != "0" || e.Field != "retailerAccess.0" {
		t.Errorf("numeric location: %+v", e.Faults)
	}
	e = &Error{HTTPStatus: 403}
	e.decodeAnswer(iysapitest.Example(t, "consent_add", "403", "iysCodeNotMatched"))
	if e.Code != "H353" || e.Class() != iysapi.ClassCompany {
		t.Errorf(`"code:": %+v`, e)
	}
	e = &Error{HTTPStatus: 422}
	e.decodeAnswer(iysapitest.Example(t, "consent_request", "422", "invalidConsentDates"))
	if len(e.Faults) != 5 || e.Faults[3].Index != 2 || e.Faults[3].Code != "H155" {
		t.Errorf("several errors with indexes: %+v", e.Faults)
	}
	var brands []Brand
	if err := json.Unmarshal(iysapitest.Example(t, "brands", "200", "example-1"), &brands); err != nil || brands[0].BrandCode != "545454" || !brands[0].Master {
		t.Errorf("brands: %+v %v", brands, err)
	}
	var ib struct{ List []IntegratorBrand }
	if err := json.Unmarshal(iysapitest.Example(t, "integrator_sps", "200", "integrator"), &ib); err != nil ||
		ib.List[0].IYSCode != "1234567" || ib.List[0].Access("EPOSTA") != iysapi.AccessWrite {
		t.Errorf("integrator: %+v %v", ib, err)
	}
}

func atoi(s string) int { // a status code of the fixture
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
