// Package iysapitest holds the fixtures transcribed from İYS's API document
// (version 3.2.0 of 25/02/2026) that hold the vocabulary, the simulator and
// the client to the document: the request and answer examples of every
// endpoint iysgate uses, the code table's rows for the codes it uses, and
// the sentences that publish the limits. Only tests import it.
package iysapitest

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

//go:embed testdata
var files embed.FS

// Endpoint is the document's examples of one endpoint.
type Endpoint struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Requests are the request examples by name.
	Requests map[string]Request `json:"requests"`
	// Responses are the answer examples by status and name; a null value
	// is an answer without a body (204).
	Responses map[string]map[string]json.RawMessage `json:"responses"`
}

// Request is one request example.
type Request struct {
	ContentType string          `json:"contentType"`
	Value       json.RawMessage `json:"value"`
}

// Examples returns the examples of every endpoint iysgate uses, by kind.
func Examples(t testing.TB) map[string]Endpoint {
	t.Helper()
	b, err := files.ReadFile("testdata/examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]Endpoint
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Example returns one answer example of an endpoint; the test fails when
// the fixture lacks it.
func Example(t testing.TB, kind, status, name string) json.RawMessage {
	t.Helper()
	v, ok := Examples(t)[kind].Responses[status][name]
	if !ok {
		t.Fatalf("no example %s %s %q", kind, status, name)
	}
	return v
}

// RequestExample returns one request example of an endpoint.
func RequestExample(t testing.TB, kind, name string) Request {
	t.Helper()
	v, ok := Examples(t)[kind].Requests[name]
	if !ok {
		t.Fatalf("no request example %s %q", kind, name)
	}
	return v
}

// ExampleStatuses maps every H code the answer examples carry to the
// statuses they carry it with. (Some examples spell the key "code:".)
func ExampleStatuses(t testing.TB) map[string][]int {
	t.Helper()
	out := map[string][]int{}
	for _, e := range Examples(t) {
		for status, byName := range e.Responses {
			n, _ := strconv.Atoi(status)
			for _, raw := range byName {
				var body struct {
					Errors []map[string]any `json:"errors"`
				}
				if json.Unmarshal(raw, &body) != nil {
					continue // not an error answer
				}
				for _, e := range body.Errors {
					for _, key := range []string{"code", "code:"} {
						if code, ok := e[key].(string); ok && !slices.Contains(out[code], n) {
							out[code] = append(out[code], n)
						}
					}
				}
			}
		}
	}
	return out
}

// CodeTable returns the code table's rows: code → status, İYS's text.
func CodeTable(t testing.TB) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for code, f := range readTSV(t, "testdata/codes.tsv") {
		out[code] = [2]string{f[0], f[1]}
	}
	return out
}

// OtherExamples returns codes missing from the code table that only
// examples of endpoints iysgate does not call show: code → status, İYS's
// text.
func OtherExamples(t testing.TB) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for code, f := range readTSV(t, "testdata/codes-examples.tsv") {
		out[code] = [2]string{f[0], f[2]}
	}
	return out
}

// LimitSentences returns the document's sentences that publish limits, by
// a short name (per-second, token-hour-method, list-items…).
func LimitSentences(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, f := range readTSV(t, "testdata/limits.txt") {
		out[name] = f[0]
	}
	return out
}

// readTSV reads tab-separated lines keyed by their first field; # starts a
// comment line.
func readTSV(t testing.TB, path string) map[string][]string {
	t.Helper()
	b, err := files.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			fields := strings.Split(line, "\t")
			out[fields[0]] = fields[1:]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
