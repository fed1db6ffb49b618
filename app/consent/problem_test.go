package consent

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// codeConstants reads every `Code… = "…"` constant declared in the
// package's source, so a code added without a table entry fails the test.
func codeConstants(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					out[name.Name] = v
				}
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d Code constants", len(out))
	}
	return out
}

func TestEveryCodeHasText(t *testing.T) {
	t.Parallel()
	consts := codeConstants(t)
	values := map[string]bool{}
	for name, code := range consts {
		values[code] = true
		txt, ok := Describe(code)
		if !ok {
			t.Errorf("%s (%s) has no entry in the table", name, code)
			continue
		}
		if strings.TrimSpace(txt.Message) == "" {
			t.Errorf("%s has no message", code)
		}
		if txt.Hint == "" && txt.Severity != SeverityInfo {
			t.Errorf("%s has no hint", code)
		}
		switch txt.Severity {
		case SeverityError, SeverityWarning, SeverityInfo:
		default:
			t.Errorf("%s has severity %q", code, txt.Severity)
		}
		for _, r := range code {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
				t.Errorf("code %q is not UPPER_SNAKE", code)
				break
			}
		}
	}
	for _, code := range Codes() {
		if !values[code] {
			t.Errorf("table entry %s has no Code constant", code)
		}
	}
}

func TestBrandForbiddenMessage(t *testing.T) {
	t.Parallel()
	const want = "Size ait İYS numarası dışında bir numara ile izin gönderemezsiniz"
	p := CheckBrand("650123", func(string) bool { return false })
	if p == nil || p.Code != CodeBrandForbidden || p.Message != want || !p.IsError() {
		t.Fatalf("CheckBrand = %+v, want BRAND_FORBIDDEN with %q", p, want)
	}
	if p := CheckBrand("  650123 ", func(c string) bool { return c == "650123" }); p != nil {
		t.Fatalf("own brand: %+v", p)
	}
	if p := CheckBrand("650123.0", func(c string) bool { return c == "650123" }); p != nil {
		t.Fatalf("own brand with Excel .0: %+v", p)
	}
	if p := CheckBrand(" ", func(string) bool { return true }); p == nil || p.Code != CodeBrandMissing {
		t.Fatalf("empty brand: %+v", p)
	}
	if p := CheckBrand("650123", nil); p == nil || p.Code != CodeBrandForbidden {
		t.Fatalf("nil allowed: %+v", p)
	}
}

func TestNewProblemUnknownCode(t *testing.T) {
	t.Parallel()
	p := NewProblem("NOPE", FieldType)
	if p.Message != "NOPE" || !p.IsError() || p.Field != FieldType {
		t.Fatalf("%+v", p)
	}
	if got := NewProblem(CodeNoChange, "").Error(); !strings.HasPrefix(got, "NO_CHANGE: Değişiklik yok") {
		t.Fatalf("Error() = %q", got)
	}
}

func TestValidCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{"123456": true, "7": true, "1234567890": true, "": false,
		"12345678901": false, "12a456": false, " 123456": false, "12.34": false} {
		if got := ValidCode(code); got != want {
			t.Errorf("ValidCode(%q) = %v, want %v", code, got, want)
		}
	}
}
