// Package iysapi is İYS's interface as İYS's own API document (version
// 3.2.0 of 25/02/2026, OpenAPI 3.0) describes it: the endpoints iysgate uses
// with their methods, paths and success statuses; every H code iysgate
// meets with its HTTP status, İYS's own message, a Turkish explanation and
// what the user should do; and the limits İYS publishes.
//
// It is the one vocabulary the client (package iys) and the simulator
// (package iystest) share, and nothing else: how to behave (the simulator's
// rules and ordering, the client's retries) is written by each side from the
// document, never from the other. Because a wrong entry here would be
// agreed on by both sides, the tables are tested against fixtures
// transcribed from the document (testdata: the code table's statuses and
// messages, and the request and answer examples of every endpoint used).
//
// Where the document contradicts itself or is silent, the entry names both
// readings and the safer one is the default; the settings that choose are
// in the client's and the simulator's configuration.
package iysapi
