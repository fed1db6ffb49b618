package store

import (
	"strconv"
	"strings"

	"iysgate/app/consent"
)

// The vocabulary of an import's staging tables (migrations/00007):
// import_rows holds one row per workbook row, with its consents' status
// per channel in `channels` and its problems as bits in `flags`;
// import_verdicts holds the validation's verdict per row and channel, as
// a letter, for the rows that are not plain "new". This file names every
// bit, letter and channel number, and builds the SQL that reads them, so
// that no query spells a magic number.

// Channels are numbered 0, 1, 2 (ARAMA, MESAJ, EPOSTA) in Go, as in the
// bits of flags; SQL reads them from the 1-based positions of
// import_rows.channels and the columns arama, mesaj, eposta.
var channels = [3]consent.Type{consent.TypeArama, consent.TypeMesaj, consent.TypeEposta}

// verdictColumns are import_verdicts' columns, by channel.
var verdictColumns = [3]string{"arama", "mesaj", "eposta"}

func channelIndex(t consent.Type) int {
	for n, c := range channels {
		if c == t {
			return n
		}
	}
	return -1
}

// sqlChannel is the SQL position of channel n in import_rows.channels.
func sqlChannel(n int) string { return strconv.Itoa(n + 1) }

// The letters of import_rows.channels: the consent's status, or none.
const (
	chanOnay = 'O'
	chanRet  = 'R'
	chanNone = '-'
)

// The bits of import_rows.flags.
const (
	flagRowError   int16 = 1 << 0 // the row, or one of its items, has an error
	flagRowWarning int16 = 1 << 1 // the row has a warning (an automatic correction)
)

// flagItemError is the bit of an error in the item of channel n: 4, 8, 16.
func flagItemError(n int) int16 { return 4 << n }

// flagItemWarning is the bit of a warning in the item of channel n: 32, 64, 128.
func flagItemWarning(n int) int16 { return 32 << n }

// flagItemErrors are the bits of an error in any item (28).
const flagItemErrors = 4 | 8 | 16

// verdict is a letter of import_verdicts.
type verdict = string

// The verdicts.
const (
	verdictNew            verdict = "n" // İYS has no record: sent
	verdictChanged        verdict = "c" // a real change: sent
	verdictUnchanged      verdict = "u" // the same status again: NO_CHANGE
	verdictParseError     verdict = "e" // refused by the stateless rules
	verdictBrandForbidden verdict = "f" // BRAND_FORBIDDEN
	verdictFirstRet       verdict = "r" // FIRST_RECORD_RET
	verdictDateNotLater   verdict = "d" // DATE_NOT_LATER
)

// refusedVerdicts are the verdicts of the stateful rules that refuse an
// item, as an SQL list: 'f', 'r', 'd'.
var refusedVerdicts = sqlList(verdictBrandForbidden, verdictFirstRet, verdictDateNotLater)

// verdictProblem is the problem the validation found for an item with
// verdict v, if any.
func verdictProblem(v verdict) (consent.Problem, bool) {
	switch v {
	case verdictUnchanged:
		return consent.NewProblem(consent.CodeNoChange, consent.FieldStatus), true
	case verdictBrandForbidden:
		return consent.NewProblem(consent.CodeBrandForbidden, consent.FieldBrandCode), true
	case verdictFirstRet:
		return consent.NewProblem(consent.CodeFirstRecordRet, consent.FieldStatus), true
	case verdictDateNotLater:
		return consent.NewProblem(consent.CodeDateNotLater, consent.FieldConsentDate), true
	}
	return consent.Problem{}, false
}

// verdictOutcome is the outcome of verdict v.
func verdictOutcome(v verdict) ItemOutcome {
	switch v {
	case verdictNew:
		return OutcomeNew
	case verdictChanged:
		return OutcomeChanged
	case verdictUnchanged:
		return OutcomeUnchanged
	case verdictParseError, verdictBrandForbidden, verdictFirstRet, verdictDateNotLater:
		return OutcomeError
	}
	return ""
}

// importRowColumns are the columns a StagedBatch holds, in its order;
// importRowFields is their number, the field count of each binary COPY
// tuple.
const importRowColumns = "import_id, row_no, cells, problems, flags, channels, brand_code, recipient_type, source, " +
	"consent_date, first_name, last_name, phone, email, phone_as_written, email_as_written"

var importRowFields = uint16(strings.Count(importRowColumns, ",") + 1)

func sqlList(vs ...string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + v + "'"
	}
	return strings.Join(q, ", ")
}

func itoa16(n int16) string { return strconv.Itoa(int(n)) }

// The queries over the staging tables, with an example of what each
// produces for channel 1 (MESAJ).

// rowHasErrorSQL selects the rows (r) with an error, with their verdicts
// (v): (r.flags & 1 <> 0 OR v.arama IN ('f', 'r', 'd') OR …).
var rowHasErrorSQL = func() string {
	conds := []string{"r.flags & " + itoa16(flagRowError) + " <> 0"}
	for _, col := range verdictColumns {
		conds = append(conds, "v."+col+" IN ("+refusedVerdicts+")")
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}()

// noChannels is import_rows.channels of a row that yields no consent.
var noChannels = strings.Repeat(string(rune(chanNone)), len(channels))

// noConsentErrorSQL selects the error rows that yield no consent (no
// recipient, an unknown recipient type, …): (r.channels = '---' AND
// r.flags & 1 <> 0).
var noConsentErrorSQL = "(r.channels = '" + noChannels + "' AND r.flags & " + itoa16(flagRowError) + " <> 0)"

// itemRefusedSQL selects the rows with a refused item:
// r.flags & 28 <> 0 OR v.arama IN ('f', 'r', 'd') OR ….
var itemRefusedSQL = func() string {
	conds := []string{"r.flags & " + itoa16(flagItemErrors) + " <> 0"}
	for _, col := range verdictColumns {
		conds = append(conds, "v."+col+" IN ("+refusedVerdicts+")")
	}
	return strings.Join(conds, " OR ")
}()

// newRowSQL selects, in a validated import, the rows without a verdict row
// that hold a new item: (v.row_no IS NULL AND ((substr(r.channels, 1, 1)
// <> '-' AND r.flags & 4 = 0) OR …)).
var newRowSQL = func() string {
	var conds []string
	for n := range channels {
		conds = append(conds, "(substr(r.channels, "+sqlChannel(n)+", 1) <> '"+string(rune(chanNone))+"' AND r.flags & "+
			itoa16(flagItemError(n))+" = 0)")
	}
	return "(v.row_no IS NULL AND (" + strings.Join(conds, " OR ") + "))"
}()

// hasVerdictSQL selects rows with verdict v on some channel:
// 'u' IN (v.arama, v.mesaj, v.eposta).
func hasVerdictSQL(v verdict) string {
	return "'" + v + "' IN (v." + strings.Join(verdictColumns[:], ", v.") + ")"
}

// countParsedSQL counts the items of an import as the parse does, four
// figures per channel (items, errors, warnings, RET without an error):
// count(*) FILTER (WHERE substr(channels, 2, 1) <> '-'), count(*) FILTER
// (WHERE … AND flags & 8 <> 0), … (flags & 64) …, count(*) FILTER (WHERE
// substr(channels, 2, 1) = 'R' AND NOT flags & 8 <> 0).
var countParsedSQL = func() string {
	var q []string
	for n := range channels {
		ch := "substr(channels, " + sqlChannel(n) + ", 1)"
		e := "flags & " + itoa16(flagItemError(n)) + " <> 0"
		q = append(q, "count(*) FILTER (WHERE "+ch+" <> '-')", "count(*) FILTER (WHERE "+ch+" <> '-' AND "+e+")",
			"count(*) FILTER (WHERE "+ch+" <> '-' AND flags & "+itoa16(flagItemWarning(n))+" <> 0)",
			"count(*) FILTER (WHERE "+ch+" = 'R' AND NOT "+e+")")
	}
	q = append(q, "count(*) FILTER (WHERE channels = '"+noChannels+"')")
	return "SELECT " + strings.Join(q, ", ") + " FROM import_rows WHERE import_id = $1"
}()

// verdictCountSQL counts, for channel n, the verdicts that are not plain
// "new": RET items refused, items refused, unchanged and changed:
// count(*) FILTER (WHERE v.mesaj IN ('f', 'r', 'd') AND substr(r.channels,
// 2, 1) = 'R'), count(*) FILTER (WHERE v.mesaj IN ('f', 'r', 'd')), count(*)
// FILTER (WHERE v.mesaj = 'u'), count(*) FILTER (WHERE v.mesaj = 'c').
func verdictCountSQL(n int) string {
	v := "v." + verdictColumns[n]
	return `count(*) FILTER (WHERE ` + v + ` IN (` + refusedVerdicts + `) AND substr(r.channels, ` + sqlChannel(n) + `, 1) = 'R'),
		count(*) FILTER (WHERE ` + v + ` IN (` + refusedVerdicts + `)),
		count(*) FILTER (WHERE ` + v + ` = '` + verdictUnchanged + `'), count(*) FILTER (WHERE ` + v + ` = '` + verdictChanged + `')`
}

// verdictSQL is the verdict on channel n of a row r (see import_verdicts),
// with the row's stored consent c for that channel and m the verdict of
// collapseRepeatedKeys. A key that occurs once is decided as
// consent.Decide decides: no record and RET (but for TACIR) is
// FIRST_RECORD_RET, the stored status again is NO_CHANGE, a date not later
// than the stored one is DATE_NOT_LATER; anything else is sent, as new when
// İYS has no record. For MESAJ: CASE WHEN substr(r.channels, 2, 1) = '-'
// THEN NULL WHEN r.flags & 8 <> 0 THEN 'e' WHEN b.id IS NULL THEN 'f' WHEN
// m.v2 IS NOT NULL THEN m.v2 WHEN c2.status IS NULL THEN … END.
func verdictSQL(n int) string {
	ch := "substr(r.channels, " + sqlChannel(n) + ", 1)"
	c, m := "c"+sqlChannel(n), sqlChannel(n)
	return `CASE WHEN ` + ch + ` = '-' THEN NULL
		WHEN r.flags & ` + itoa16(flagItemError(n)) + ` <> 0 THEN '` + verdictParseError + `'
		WHEN b.id IS NULL THEN '` + verdictBrandForbidden + `'
		WHEN m.v` + m + ` IS NOT NULL THEN m.v` + m + `
		WHEN ` + projected(projectedStatus, c) + ` IS NULL THEN CASE WHEN ` + ch + ` = 'R' AND r.recipient_type <> 'TACIR' THEN '` + verdictFirstRet + `' ELSE '` + verdictNew + `' END
		WHEN ` + projected(projectedStatus, c) + ` = CASE ` + ch + ` WHEN 'O' THEN 'ONAY' ELSE 'RET' END THEN '` + verdictUnchanged + `'
		WHEN r.consent_date <= ` + projected(projectedDate, c) + ` THEN '` + verdictDateNotLater + `'
		ELSE '` + verdictChanged + `' END`
}

// projectedStatus and projectedDate are a consent c's state as it will be,
// which new changes are checked against: its pending change if it has
// one, else what İYS holds (see migrations/00014).
const (
	projectedStatus = `COALESCE(c.pending_status, c.status)`
	projectedDate   = `CASE WHEN c.pending_event_id IS NOT NULL THEN c.pending_consent_date ELSE c.consent_date END`
)

// projected is expr for a consent with the alias alias instead of c.
func projected(expr, alias string) string { return strings.ReplaceAll(expr, "c.", alias+".") }

// seenSQL is the key's last event for channel n when validated: CASE WHEN
// m.v2 IS NOT NULL THEN m.s2 WHEN b.id IS NULL OR r.flags & 8 <> 0 THEN
// NULL ELSE c2.last_event_id END.
func seenSQL(n int) string {
	c, m := "c"+sqlChannel(n), sqlChannel(n)
	return `CASE WHEN m.v` + m + ` IS NOT NULL THEN m.s` + m + `
		WHEN b.id IS NULL OR r.flags & ` + itoa16(flagItemError(n)) + ` <> 0 THEN NULL
		ELSE ` + c + `.last_event_id END`
}
