package consent

import (
	"testing"
	"time"
)

func change(status Status, date time.Time) Consent {
	return Consent{BrandCode: "650123", Recipient: "+905321234567", RecipientType: RecipientBireysel, Type: TypeMesaj, Status: status, Source: SourceWeb, ConsentDate: date}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	d1, d2 := ist(2025, 6, 10, 10, 0, 0), ist(2025, 6, 11, 10, 0, 0)
	tacir := func(c Consent) Consent { c.RecipientType = RecipientTacir; return c }
	tests := []struct {
		name    string
		current *State
		c       Consent
		action  Action
		code    string
	}{
		{"first ONAY", nil, change(StatusOnay, d1), ActionSend, ""},
		{"first RET", nil, change(StatusRet, d1), ActionReject, CodeFirstRecordRet},
		{"first RET, TACIR", nil, tacir(change(StatusRet, d1)), ActionSend, ""},
		{"ONAY after ONAY", &State{StatusOnay, d1}, change(StatusOnay, d2), ActionSkip, CodeNoChange},
		{"RET after RET", &State{StatusRet, d1}, change(StatusRet, d2), ActionSkip, CodeNoChange},
		{"same status, older date", &State{StatusOnay, d2}, change(StatusOnay, d1), ActionSkip, CodeNoChange},
		{"RET after ONAY", &State{StatusOnay, d1}, change(StatusRet, d2), ActionSend, ""},
		{"ONAY after RET", &State{StatusRet, d1}, change(StatusOnay, d2), ActionSend, ""},
		{"RET with the same date", &State{StatusOnay, d1}, change(StatusRet, d1), ActionReject, CodeDateNotLater},
		{"RET with an older date", &State{StatusOnay, d2}, change(StatusRet, d1), ActionReject, CodeDateNotLater},
		{"stored without date (TACIR)", &State{Status: StatusRet}, tacir(change(StatusOnay, d1)), ActionSend, ""},
	}
	for _, tt := range tests {
		d := Decide(tt.current, tt.c)
		code := ""
		if d.Problem != nil {
			code = d.Problem.Code
		}
		if d.Action != tt.action || code != tt.code {
			t.Errorf("%s: %s %s, want %s %s", tt.name, d.Action, code, tt.action, tt.code)
		}
		if tt.action == ActionSkip && (d.Problem.Severity != SeverityInfo || d.Problem.IsError()) {
			t.Errorf("%s: NO_CHANGE must be info: %+v", tt.name, d.Problem)
		}
		if tt.action == ActionReject && !d.Problem.IsError() {
			t.Errorf("%s: rejection must be an error: %+v", tt.name, d.Problem)
		}
	}
}

func TestCollapse(t *testing.T) {
	t.Parallel()
	d := func(n int) time.Time { return ist(2025, 6, n, 10, 0, 0) }
	type exp struct {
		index  int
		action Action
	}
	tests := []struct {
		name    string
		current *State
		changes []Consent
		want    []exp
	}{
		{"brief example", nil,
			[]Consent{change(StatusOnay, d(1)), change(StatusOnay, d(2)), change(StatusRet, d(3))},
			[]exp{{0, ActionSend}, {1, ActionSkip}, {2, ActionSend}}},
		{"out of order in the file", nil,
			[]Consent{change(StatusRet, d(3)), change(StatusOnay, d(2)), change(StatusOnay, d(1))},
			[]exp{{2, ActionSend}, {1, ActionSkip}, {0, ActionSend}}},
		{"first RET then ONAY", nil,
			[]Consent{change(StatusRet, d(1)), change(StatusOnay, d(2))},
			[]exp{{0, ActionReject}, {1, ActionSend}}},
		{"against a stored ONAY", &State{StatusOnay, d(1)},
			[]Consent{change(StatusOnay, d(2)), change(StatusRet, d(3)), change(StatusOnay, d(4))},
			[]exp{{0, ActionSkip}, {1, ActionSend}, {2, ActionSend}}},
		{"older than stored", &State{StatusOnay, d(5)},
			[]Consent{change(StatusRet, d(3)), change(StatusRet, d(6))},
			[]exp{{0, ActionReject}, {1, ActionSend}}},
		{"tie keeps file order", nil,
			[]Consent{change(StatusRet, d(2)), change(StatusOnay, d(1)), change(StatusOnay, d(2))},
			[]exp{{1, ActionSend}, {0, ActionSend}, {2, ActionReject}}},
		{"exact duplicates", nil,
			[]Consent{change(StatusOnay, d(1)), change(StatusOnay, d(1))},
			[]exp{{0, ActionSend}, {1, ActionSkip}}},
		{"empty", nil, nil, nil},
	}
	for _, tt := range tests {
		var before State
		if tt.current != nil {
			before = *tt.current
		}
		got := Collapse(tt.current, tt.changes)
		if len(got) != len(tt.want) {
			t.Fatalf("%s: %d decisions, want %d", tt.name, len(got), len(tt.want))
		}
		for i, w := range tt.want {
			if got[i].Index != w.index || got[i].Action != w.action {
				t.Errorf("%s: decision %d = %d %s, want %d %s", tt.name, i, got[i].Index, got[i].Action, w.index, w.action)
			}
		}
		if tt.current != nil && *tt.current != before {
			t.Errorf("%s: Collapse modified the stored state", tt.name)
		}
	}
}
