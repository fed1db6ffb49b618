// Package consent is the pure domain core of iysgate: it normalises and
// validates the fields of a commercial-message consent (ONAY) or rejection
// (RET) before it is registered in İYS (İleti Yönetim Sistemi), knows the
// Turkish business-day calendar that İYS's three-business-day rule needs,
// and decides what an incoming change means against the stored state.
//
// The package has no database, no HTTP and imports no other package of the
// application. Everything a user reads (problem messages, hints, labels) is
// Turkish; identifiers and comments are English.
//
// The flow is: normalise, then validate. [Validate] checks one consent given
// as raw strings, [ValidateRow] one workbook row that may yield up to three
// consents (ARAMA and MESAJ for its phone, EPOSTA for its e-mail). Every rule
// reports a [Problem] with a stable code (see [Codes]); auto-corrections are
// warnings and errors reject the consent. The stateful rules ([Decide],
// [Collapse]) compare a validated [Consent] with the stored [State] of its
// [Key].
//
// All times are Europe/Istanbul (GMT+3), as İYS has them; see [Location] and
// [FormatIYS].
package consent
