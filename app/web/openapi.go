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
