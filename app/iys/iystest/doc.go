// Package iystest is iysgate's İYS simulator: an in-memory implementation of
// the İYS API as iysgate speaks it (see docs/IYS-API.md and the wire
// contract). It is a product feature, not a test double: the appliance runs
// it in-process when no İYS credentials are configured (SİMÜLASYON MODU),
// operators run it standalone ([ListenAndServe], `iysgate iys-sim`), and
// tests and benchmarks use it ([NewServer]) to prove that delivery is
// exactly-once under faults.
//
// It is strict the way İYS is: enum values exactly upper-case, recipients
// exactly +905XXXXXXXXX or a canonical e-mail address, dates exactly
// "YYYY-MM-DD HH:mm:ss" in Europe/Istanbul; nothing is normalised. Known İYS
// error codes (H111, H113, H114, H155) are used where İYS has them; every
// other rule answers with a SIM_ code so that no guess passes for an İYS
// code (see [Message] for the Turkish texts).
//
// Behaviour where İYS's documentation is silent, chosen here:
//   - Validation of a consent's own fields (format and date rules) runs when
//     the call is received; the rules that compare with the stored record
//     (SIM_FIRST_RET, SIM_SAME_STATUS, SIM_DATE_NOT_LATER) run when the item
//     is decided. Same status is checked before dates, so a repeat of a
//     stored consent always answers SIM_SAME_STATUS ("already there").
//   - Async requests are worked in arrival order by one virtual worker. The
//     items of a request are decided in order, spread evenly over
//     [Config.AsyncDelay] (the last one exactly AsyncDelay after the request
//     arrived), so a poller sees partly decided requests. With AsyncDelay 0
//     every item is decided before consent_request answers. Deciding is lazy
//     but exact: every call first decides whatever has fallen due, with the
//     due time as the item's creationDate, so the result is the same as a
//     punctual background worker. Results are kept for 7 days.
//   - A TACIR consent without consentDate is ordered by its creationDate;
//     its consentDate stays empty in answers.
//   - The first record of a key may be RET only for TACIR. A citizen-side
//     RET ([Sim.CitizenRet]) is stored whatever the current state, as a
//     citizen may always refuse.
//   - Transaction ids are "<instance>-<12-digit sequence>" and the change
//     feed's cursor is the transactionId of the last change returned. A
//     well-formed cursor of another simulator instance (the in-process
//     simulator restarted) reads from the start of the window rather than
//     failing, so a stored cursor never blocks pulling.
//   - Refresh tokens are single-use: a refresh grant returns a new pair and
//     retires the refresh token it used (access tokens stay valid until they
//     expire).
//   - Rate limits count, per account, the calls that passed authentication
//     and every well-formed token call (right password or not, so a storm
//     of failed logins spends the budget too); a refused (429) call does not
//     count. Fault injection comes first, so a faulted call never reaches
//     authentication or the limits.
//   - Query endpoints (consent_status, consent_status_multiple) answer 400
//     with the field's code (H111, H114, ...) for invalid input; 422 is
//     only for consent_add, as the contract says.
//   - Malformed bodies or parameters answer 400 SIM_BAD_REQUEST, injected
//     500 and 503 answer SIM_SERVER_ERROR and SIM_UNAVAILABLE.
package iystest
