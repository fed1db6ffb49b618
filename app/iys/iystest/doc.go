// Package iystest is iysgate's İYS simulator, written from İYS's own API
// document (version 3.2.0 of 25/02/2026): its paths (V1 and V2), statuses,
// JSON shapes, H codes, rules and published limits. It is a product
// feature, not a test double: the appliance runs it in-process when no İYS
// account is configured (SİMÜLASYON MODU), operators run it standalone
// ([ListenAndServe], `iysgate iys-sim`) for rehearsals, and tests and
// benchmarks use it ([NewServer]) to prove that delivery is exactly-once
// under faults. It shares only the vocabulary (package iysapi: paths,
// statuses, codes and their texts, limits) with the client; its behaviour
// is the document's, never the client's.
//
// What it does, as the document says:
//   - Tokens by the password or refresh_token grant, as JSON or as a form;
//     refusals the OAuth2 way (400 {"error", "error_description"}); API
//     calls without a valid token 401 H351.
//   - A single add (V1 and V2) answers 200 {transactionId, creationDate};
//     errors of the consent's own fields 422 all at once (location, value),
//     İYS's rules against the stored record 400 (H174 same status, H175 a
//     first RET, H178 a date not later, H462/H463 a TACIR update without
//     date or source). V2 answers an identical resend (path and body) of a
//     movement it stored with the same transactionId.
//   - A list (consents/request, V1 and V2) of at most 1000 (H091) is checked
//     when it arrives and refused whole (422) with each bad item's index
//     when any item breaks a rule of its own fields, H467 included, or
//     repeats a key of the list (H194, on the later one); otherwise it is
//     queued and answered 202 {requestId, subRequests}. Its items are
//     decided later, lists in arrival order and items in list order, spread
//     over Config.AsyncDelay; the result lists each as success, failure
//     (with the rule's code) or enqueue, and is empty until the first item
//     is decided, as İYS's may be before 300 seconds. V2 answers an item
//     that repeats a stored movement (same status, date and source) as
//     success with that movement's transactionId and
//     originalRequestInformation. Results are kept 60 days; an unknown or
//     expired requestId answers an empty list.
//   - E-mail addresses are stored lower-cased whole; phones are any E.164
//     number of at most 15 characters, a Turkish one +90 and ten digits.
//   - The multiple status query answers which recipients are ONAY, as
//     strings; the history lists every movement of a key, the latest first;
//     the pull lists the last seven days' movements (but the last
//     Config.ChangeDelay) in creation order with the cursor
//     "<epoch>_<transactionId>", and 204 when nothing is new; source
//     defaults to IYS. Recipients' own movements (/_sim/citizen) carry the
//     İYS-side sources, IYS_WEB_YENI and citizenName for a first addition.
//   - With Config.RateLimits, 10 requests a second per client IP (H124),
//     tokens, single status and history per hour (H084, H086, H089); a
//     token request during H084's hour restarts the hour.
//
// Where the document is silent or contradicts itself, Config chooses, and
// the default is the reading that is harder on a client: the token limit
// (10 an hour), the multiple status maximum (100), the retailer list
// maximum (100), ONAY over ONAY (accepted, per release 1.1.0), the answer to
// a same-date repeat (H178), V2's recognition of a resend whose first copy
// is still queued (not recognised), a TACIR exception to H175 (none), the
// three business days (checked with iysgate's Turkish holiday calendar; the
// calendar İYS uses is unknowable) and Retry-After on 429 (not sent). Also
// chosen here, without a setting: the single status of a key without a
// record answers 404 SIM_CONSENT_NOT_FOUND, an unknown path 404
// SIM_NOT_FOUND (the only SIM_ codes, listed in codes.go); refresh tokens
// are single-use; a malformed pull cursor answers 400 H098; the history's
// offset defaults to 0; brands are named after their codes; H467 answers
// 422 (the code table's; one example shows 400).
//
// Faults ([Faults]) inject 429, 500, 503 and dropped connections before a
// call is processed, lost answers after an add was processed, and latency.
// Operators make İYS refuse a recipient's next movement with a given code
// ([Sim.Refuse]), refuse a whole company ([Sim.BlockCompany]), change what
// the integrator query lists ([Sim.SetGrants]) and expire every token
// ([Sim.ExpireTokens]); [Stats] counts movements stored twice, resends
// recognised, calls by outcome, the highest rate per second and the token
// requests per hour.
package iystest
