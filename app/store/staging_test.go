package store

import (
	"strings"
	"testing"
)

// The staging vocabulary is consistent: every flag bit is its own, every
// verdict has an outcome, and the COPY tuple has a field per column.
func TestStagingVocabulary(t *testing.T) {
	t.Parallel()
	seen := flagRowError | flagRowWarning
	if flagRowError&flagRowWarning != 0 {
		t.Fatal("row flags overlap")
	}
	for n := range channels {
		for _, bit := range []int16{flagItemError(n), flagItemWarning(n)} {
			if seen&bit != 0 {
				t.Fatalf("channel %d: bit %d already used", n, bit)
			}
			seen |= bit
		}
	}
	if flagItemError(0)|flagItemError(1)|flagItemError(2) != flagItemErrors {
		t.Fatal("flagItemErrors is not the item error bits")
	}
	for _, v := range []verdict{verdictNew, verdictChanged, verdictUnchanged, verdictParseError, verdictBrandForbidden,
		verdictFirstRet, verdictDateNotLater} {
		if verdictOutcome(v) == "" {
			t.Errorf("verdict %q has no outcome", v)
		}
		if _, refused := verdictProblem(v); refused != (v == verdictUnchanged || strings.Contains(refusedVerdicts, "'"+v+"'")) {
			t.Errorf("verdict %q: problem and refused list disagree", v)
		}
	}
	if int(importRowFields) != len(strings.Split(importRowColumns, ",")) || importRowFields != 16 {
		t.Fatalf("COPY fields %d for %q", importRowFields, importRowColumns)
	}
	if got := verdictCountSQL(1); !strings.Contains(got, "v.mesaj IN ('f', 'r', 'd') AND substr(r.channels, 2, 1) = 'R'") {
		t.Fatalf("verdictCountSQL(1) = %s", got)
	}
}
