// Package iys is iysgate's client for İYS (İleti Yönetim Sistemi), Turkey's
// national registry of commercial-message consents, written to İYS's own
// API document (version 3.2.0 of 25/02/2026) through the shared vocabulary
// of package iysapi.
//
// One [Client] serves one İYS account and is safe for use by any number of
// goroutines. It:
//
//   - obtains the OAuth2 token on first use, shares it, refreshes it ahead
//     of expiry and never has two token requests in flight; a token request
//     is never retried, and after İYS's 429 H084 none is made for the whole
//     hour (a request during it would restart İYS's lockout); with a
//     [TokenStore] the nodes of an installation share the token and one
//     renews it at a time;
//   - takes a turn from its [Limiter] before every request: İYS's 10
//     requests a second per IP and its hourly budgets (tokens, single
//     status, history), shared fairly between the companies the calls are
//     for ([WithParty]), slowing down when İYS still answers 429; over a
//     [Budget] ([NewSharedLimiter]) every node's calls count together, as
//     İYS counts them;
//   - sends adds by İYS's V2 methods (V1 is a setting), so that a resend of
//     a movement İYS already stored is recognised as the same movement: the
//     same transactionId for a single add, originalRequestInformation in a
//     list's result;
//   - reads 202 for lists and 204 for the pull, decodes every error answer
//     (several errors, item indexes, numeric locations, the token method's
//     OAuth2 shape) into an [*Error] whose [Error.Class] says what to do:
//     the consent refused for good, the company not authorised, rate
//     limited, transient, or iysgate's own call at fault.
//
// Mutating calls are sent once: the client never resends them by itself
// (except once after a 401, which means "not done"). A failure that may
// have taken effect is [Ambiguous]; whether V2 recognises a resend while the
// first list is still queued at İYS is not documented, so the caller asks
// İYS what it holds ([Client.ListResult], [Client.StatusMany],
// [Client.Status], [Client.History]) before sending a list again. Reads are
// retried a few times on transient failures.
//
// Times on the wire are strings in İYS's layout ([TimeLayout]) in Turkish
// time; [ParseTime] and [FormatTime] convert them.
package iys
