// Package iys is iysgate's client for İYS (İleti Yönetim Sistemi), Turkey's
// national registry of commercial-message consents.
//
// One [Client] serves one İYS account (username) and is safe for use by any
// number of goroutines. It:
//
//   - obtains the OAuth2 token on first use, shares it between goroutines,
//     refreshes it ahead of expiry and never has two token requests in
//     flight at once;
//   - limits its own calls per endpoint kind ([DefaultLimits]) before they
//     are sent, so that İYS's rate limits are not exceeded (see [Limiter]);
//   - turns every failure into an [*Error] that keeps İYS's code and field
//     and says whether the call may be retried ([Temporary]), must not be
//     ([Permanent]) or may already have taken effect ([Ambiguous]).
//
// Mutating calls ([Client.Add], [Client.AddAsync]) are sent once: the client
// never resends them by itself (except once after a 401, which means "not
// done"), because a resend of a call that did take effect is refused as
// SIM_SAME_STATUS or, worse, registers a stale change after a newer one. A
// caller that gets an ambiguous error resolves it with [Client.Status] or
// [Client.StatusMany]. Reads are retried a few times on transient failures.
//
// Times on the wire are strings in İYS's layout ([TimeLayout]) in
// Europe/Istanbul (GMT+3); [ParseTime] and [FormatTime] convert them.
package iys
