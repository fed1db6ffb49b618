package web

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// downgradeSchema writes each 3.1 form the 3.0 way and refuses what 3.0
// cannot say.
func TestDowngradeSchema(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{type: [string, "null"], format: date-time}`, `{"type":"string","format":"date-time","nullable":true}`},
		{`{type: [string, number, "null"]}`, `{"anyOf":[{"type":"string"},{"type":"number"}],"nullable":true}`},
		{`{oneOf: [{type: "null"}, {$ref: "#/components/schemas/JobError"}], description: d}`,
			`{"description":"d","allOf":[{"$ref":"#/components/schemas/JobError"}],"nullable":true}`},
		{`{type: string, const: NO_CHANGE}`, `{"type":"string","enum":["NO_CHANGE"]}`},
		{`{type: string, contentMediaType: application/octet-stream}`, `{"type":"string","format":"binary"}`},
		{`{type: object, examples: [{a: 1}, {a: 2}]}`, `{"type":"object","example":{"a":1}}`},
		{`{$ref: "#/components/schemas/X", description: d}`, `{"$ref":"#/components/schemas/X"}`},
		{`{type: object, properties: {p: {type: array, items: {type: [integer, "null"]}}}}`,
			`{"type":"object","properties":{"p":{"type":"array","items":{"type":"integer","nullable":true}}}}`},
	} {
		if got, err := downgraded(c.in); err != nil || got != c.want {
			t.Errorf("%s:\n got %s %v\nwant %s", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{`{type: array, prefixItems: [{type: string}]}`, `{type: "null"}`,
		`{type: integer, exclusiveMinimum: 0}`, `{properties: {p: {if: {type: string}}}}`} {
		if got, err := downgraded(in); err == nil {
			t.Errorf("%s: written as %s, want an error", in, got)
		}
	}
	// The served view is 3.0.3 and says nothing the 3.0 way cannot.
	doc, err := OpenAPI30()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte(`{"openapi":"3.0.3"`)) || bytes.Contains(doc, []byte(`"null"`)) {
		t.Errorf("the 3.0 view: %.100s", doc)
	}
}

func downgraded(src string) (string, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		return "", err
	}
	if err := downgradeSchema(n.Content[0]); err != nil {
		return "", err
	}
	var b bytes.Buffer
	err := writeJSON(&b, &n)
	return strings.TrimSpace(b.String()), err
}
