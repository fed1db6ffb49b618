package consent

import (
	"slices"
	"time"
)

// Key identifies one İYS record: İYS keeps one current consent per brand,
// recipient, recipient type and channel.
type Key struct {
	BrandCode     string
	Recipient     string
	RecipientType RecipientType
	Type          Type
}

// State is the stored current state of a key, as far as the rules need it.
type State struct {
	Status Status
	// ConsentDate is the stored consent's date; zero if İYS has none (a
	// TACIR record may lack one), which any date is later than.
	ConsentDate time.Time
}

// Action is what to do with an incoming change.
type Action string

// The actions.
const (
	// ActionSend: a real change; send it to İYS (and charge it).
	ActionSend Action = "send"
	// ActionSkip: nothing changes (NO_CHANGE); not sent, not charged.
	ActionSkip Action = "skip"
	// ActionReject: İYS would refuse it; not sent.
	ActionReject Action = "reject"
)

// Decision is the verdict on one change.
type Decision struct {
	// Index is the change's position in the slice given to [Collapse] (0
	// for [Decide]).
	Index int
	// Action says what to do.
	Action Action
	// Problem is nil for ActionSend, NO_CHANGE (info) for ActionSkip, and
	// the error for ActionReject.
	Problem *Problem
}

// Decide applies İYS's stateful rules to one validated change c of a key
// whose stored state is current (nil when İYS has no record for the key):
//   - no record and status RET: FIRST_RECORD_RET, rejected, because İYS
//     needs an earlier ONAY for a RET. The exception is TACIR, for which İYS
//     accepts a RET as the first record (a merchant is presumed to accept
//     messages until it rejects them; İYS: "TACIR: one BIREYSEL and one
//     TACIR record may exist; consentDate and source optional");
//   - the same status as stored (ONAY after ONAY, RET after RET): NO_CHANGE,
//     skipped, not an error and not charged;
//   - a consent date not later than the stored one: DATE_NOT_LATER,
//     rejected;
//   - anything else is sent.
func Decide(current *State, c Consent) Decision {
	if current == nil {
		if c.Status == StatusRet && c.RecipientType != RecipientTacir {
			return Decision{Action: ActionReject, Problem: newProblem(CodeFirstRecordRet, FieldStatus)}
		}
		return Decision{Action: ActionSend}
	}
	if c.Status == current.Status {
		return Decision{Action: ActionSkip, Problem: newProblem(CodeNoChange, FieldStatus)}
	}
	if !c.ConsentDate.After(current.ConsentDate) {
		return Decision{Action: ActionReject, Problem: newProblem(CodeDateNotLater, FieldConsentDate)}
	}
	return Decision{Action: ActionSend}
}

// Collapse decides several changes of one key from one file (the caller
// groups them by [Consent.Key]). It orders them by consent date, keeping the
// file's order for equal dates, and decides each against the stored state as
// updated by the changes sent before it, so that only real changes go to
// İYS, in the order İYS needs. For example, with no stored record, ONAY d1,
// ONAY d2, RET d3 send ONAY d1 and RET d3; ONAY d2 is NO_CHANGE.
//
// The result has one decision per change, in the order they are to be sent
// (consent-date order); Index refers back to changes. current is not
// modified.
func Collapse(current *State, changes []Consent) []Decision {
	order := make([]int, len(changes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return changes[a].ConsentDate.Compare(changes[b].ConsentDate)
	})
	var st *State
	if current != nil {
		s := *current
		st = &s
	}
	out := make([]Decision, 0, len(changes))
	for _, i := range order {
		d := Decide(st, changes[i])
		d.Index = i
		if d.Action == ActionSend {
			st = &State{Status: changes[i].Status, ConsentDate: changes[i].ConsentDate}
		}
		out = append(out, d)
	}
	return out
}
