package web

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"go.yaml.in/yaml/v3"
)

// The API's description: openapi.yaml, written by hand next to the
// handlers it describes, is served as JSON at /api/v1/openapi.json and
// rendered on the API page (/tokens/api). The server tests check that it
// names every /api/v1 route and no other, and validate every API request
// and answer they make against it.

//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI returns the API's OpenAPI 3.1 description as JSON, in the order
// openapi.yaml is written.
var OpenAPI = sync.OnceValues(func() ([]byte, error) { return yamlToJSON(openAPIYAML) })

// OpenAPI30 returns the description as OpenAPI 3.0.3, for the tools that
// read only 3.0 (oapi-codegen 2.x, many validators): openapi.yaml with
// its JSON Schema written the 3.0 way (see downgradeSchema). It says the
// same as OpenAPI; what 3.0 cannot say at all is refused, so that the two
// never differ without a test failing.
var OpenAPI30 = sync.OnceValues(func() ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("openapi.yaml: want one mapping")
	}
	if err := downgrade(doc.Content[0], nil); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
})

// openAPI serves the description. It is public: it holds no data, only the
// shape of the API that every copy of iysgate has, and tools (client
// generators, validators) and the API page read it without a token.
func (s *Server) openAPI(c *fiber.Ctx) error {
	doc, err := OpenAPI()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(doc)
}

// openAPI30 serves the description as OpenAPI 3.0.3 (public, as openAPI).
func (s *Server) openAPI30(c *fiber.Ctx) error {
	doc, err := OpenAPI30()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(doc)
}

// apiDocsCSP is the API page's policy: the app's, with what Redoc (the
// renderer, static/redoc) needs on this page alone, and nothing that
// reaches another site:
//   - its style sheets (styled-components) carry the page's nonce;
//   - two style sheets its bundle injects before it reads the nonce
//     (perfect-scrollbar's, and an empty one) are allowed by their hashes;
//   - its search index runs in a worker it makes from a blob.
//
// Its logo is loaded from Redocly's CDN: img-src keeps it out (the page
// shows the words "API docs by Redocly" without it). A browser test
// (TestAPIPage) fails on any other violation, which is what a new Redoc
// whose injected style sheets changed would cause.
func apiDocsCSP(nonce string) string {
	return strings.Replace(contentSecurityPolicy, "style-src 'self';",
		"style-src 'self' 'nonce-"+nonce+"' "+redocStyleHashes+"; worker-src blob:;", 1)
}

// redocStyleHashes are the hashes of the style sheets Redoc 2.5.4 injects
// before it reads the nonce.
const redocStyleHashes = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='"

// apiDocsPage is the API page: how to call the API, in Turkish, and the
// description rendered by Redoc.
func (s *Server) apiDocsPage(c *fiber.Ctx) error {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	nonce := base64.StdEncoding.EncodeToString(b)
	c.Set(fiber.HeaderContentSecurityPolicy, apiDocsCSP(nonce))
	return s.render(c, fiber.StatusOK, "api", "API", map[string]string{"Nonce": nonce})
}

// yamlToJSON converts a YAML document to JSON, keeping the order of its
// mappings (a decoded map would sort them, and the description is read in
// its written order).
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return errors.New("openapi.yaml: want one document")
		}
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("openapi.yaml line %d: a key that is not a scalar", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(k.Value)
			buf.Write(key)
			buf.WriteByte(':')
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, v := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("openapi.yaml line %d: %w", n.Line, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("openapi.yaml line %d: %w", n.Line, err)
		}
		buf.Write(b)
	default:
		return fmt.Errorf("openapi.yaml line %d: unexpected YAML node", n.Line)
	}
	return nil
}

// downgrade turns the document node n (at path, its keys from the root)
// into OpenAPI 3.0.3: the version, the two fields of info that 3.0 lacks,
// and every schema (downgradeSchema). Schemas are where a "schema" key
// holds one (parameters, media types, headers) and components.schemas.
func downgrade(n *yaml.Node, path []string) error {
	if n.Kind == yaml.SequenceNode {
		for _, v := range n.Content {
			if err := downgrade(v, path); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	at := strings.Join(path, ".")
	switch at {
	case "":
		for _, k := range []string{"webhooks", "jsonSchemaDialect"} {
			if v := yamlValue(n, k); v != nil {
				return fmt.Errorf("openapi.yaml line %d: %s has no OpenAPI 3.0 form", v.Line, k)
			}
		}
		yamlValue(n, "openapi").Value = "3.0.3"
	case "info":
		mapDelete(n, "summary")
	case "info.license":
		mapDelete(n, "identifier")
	case "components.schemas":
		for i := 1; i < len(n.Content); i += 2 {
			if err := downgradeSchema(n.Content[i]); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		if k.Value == "schema" {
			err = downgradeSchema(v)
		} else {
			err = downgrade(v, append(path, k.Value))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// schema31Only are the JSON Schema keywords of OpenAPI 3.1 that 3.0 has
// no way to say: a schema using one is refused by downgradeSchema.
var schema31Only = []string{"$defs", "$id", "$schema", "$anchor", "$dynamicRef", "prefixItems", "contains",
	"if", "then", "else", "dependentSchemas", "dependentRequired", "unevaluatedProperties",
	"unevaluatedItems", "propertyNames", "patternProperties", "minContains", "maxContains"}

// downgradeSchema writes a 3.1 schema the 3.0 way:
//   - type [T, "null"] is type T with nullable: true; several types are an
//     anyOf of them;
//   - a oneOf or anyOf with {type: "null"} loses it and is nullable: what
//     is left alone is allOf [it] (a $ref has no siblings in 3.0);
//   - const is a one-value enum, examples its first as example;
//   - a file (contentMediaType) is format: binary;
//   - a $ref loses its siblings (3.0 ignores them).
func downgradeSchema(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	if ref := yamlValue(n, "$ref"); ref != nil {
		n.Content = []*yaml.Node{scalar("$ref"), ref}
		return nil
	}
	for _, k := range schema31Only {
		if v := yamlValue(n, k); v != nil {
			return fmt.Errorf("openapi.yaml line %d: %s has no OpenAPI 3.0 form", v.Line, k)
		}
	}
	nullable := false
	if t := yamlValue(n, "type"); t != nil && t.Kind == yaml.SequenceNode {
		var types []*yaml.Node
		for _, v := range t.Content {
			if v.Value == "null" {
				nullable = true
			} else {
				types = append(types, v)
			}
		}
		switch len(types) {
		case 0:
			return fmt.Errorf("openapi.yaml line %d: a type of null alone has no OpenAPI 3.0 form", t.Line)
		case 1:
			*t = *types[0]
		default:
			alts := &yaml.Node{Kind: yaml.SequenceNode}
			for _, v := range types {
				alts.Content = append(alts.Content, mapping("type", v))
			}
			mapDelete(n, "type")
			n.Content = append(n.Content, scalar("anyOf"), alts)
		}
	} else if t != nil && t.Value == "null" {
		return fmt.Errorf("openapi.yaml line %d: a type of null alone has no OpenAPI 3.0 form", t.Line)
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		alts := yamlValue(n, k)
		if alts == nil {
			continue
		}
		kept := alts.Content[:0:0]
		for _, v := range alts.Content {
			if t := yamlValue(v, "type"); t != nil && t.Value == "null" && len(v.Content) == 2 {
				nullable = true
				continue
			}
			kept = append(kept, v)
		}
		alts.Content = kept
		if len(kept) == 1 && nullable {
			mapDelete(n, k)
			n.Content = append(n.Content, scalar("allOf"), alts)
		}
	}
	if nullable {
		n.Content = append(n.Content, scalar("nullable"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	if v := yamlValue(n, "const"); v != nil {
		mapDelete(n, "const")
		n.Content = append(n.Content, scalar("enum"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{v}})
	}
	if v := yamlValue(n, "examples"); v != nil {
		mapDelete(n, "examples")
		if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			n.Content = append(n.Content, scalar("example"), v.Content[0])
		}
	}
	if yamlValue(n, "contentMediaType") != nil {
		mapDelete(n, "contentMediaType")
		mapDelete(n, "contentEncoding")
		n.Content = append(n.Content, scalar("format"), scalar("binary"))
	}
	for _, k := range []string{"exclusiveMinimum", "exclusiveMaximum"} {
		if v := yamlValue(n, k); v != nil {
			return fmt.Errorf("openapi.yaml line %d: write %s as minimum or maximum (3.0 reads it otherwise)", v.Line, k)
		}
	}
	if props := yamlValue(n, "properties"); props != nil {
		for i := 1; i < len(props.Content); i += 2 {
			if err := downgradeSchema(props.Content[i]); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"items", "additionalProperties", "not"} {
		if v := yamlValue(n, k); v != nil {
			if err := downgradeSchema(v); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if v := yamlValue(n, k); v != nil {
			for _, alt := range v.Content {
				if err := downgradeSchema(alt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// mapValue is the value of key k in the mapping n, or nil.
func yamlValue(n *yaml.Node, k string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i+1]
		}
	}
	return nil
}

// mapDelete removes key k from the mapping n.
func mapDelete(n *yaml.Node, k string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func mapping(k string, v *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(k), v}}
}
