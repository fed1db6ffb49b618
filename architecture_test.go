package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowedImports is the direction rule of the README's architecture: which
// of iysgate's packages each package may import. Domain packages (consent,
// validate, importer, iys) use consent at most and never store, web or
// jobs; store uses the domain; web and jobs use store and the domain;
// server assembles everything, and cli runs it. A package that is not
// listed, or an import not allowed here, fails TestImportDirection: adding
// either is a decision to write down.
var allowedImports = map[string][]string{
	"iysgate":                   {"app/cli"},
	"app/auth":                  {},
	"app/config":                {},
	"app/consent":               {},
	"app/validate":              {"app/consent"},
	"app/importer":              {"app/consent"},
	"app/iys":                   {"app/iys/iysapi", "app/consent"},
	"app/iys/iysapi":            {"app/consent"},
	"app/iys/iysapi/iysapitest": {},
	"app/iys/iystest":           {"app/iys/iysapi", "app/consent"},
	"app/metrics":               {},
	"app/multinode":             {},
	"app/webhook":               {},
	"app/pg":                    {"migrations"},
	"app/pg/pgtest":             {"app/pg"},
	"app/store/storetest":       {"app/auth", "app/store"},
	"app/store":                 {"app/consent", "app/iys", "app/iys/iysapi", "app/validate"},
	"policy":                    {},
	"jobs":                      {"app/consent", "app/importer", "app/iys", "app/iys/iysapi", "app/store", "app/webhook", "jobs/internal/pipeline"},
	"jobs/internal/pipeline":    {},
	"app/web":                   {"app/auth", "app/config", "app/consent", "app/importer", "app/iys", "app/iys/iysapi", "app/metrics", "app/store", "app/validate", "app/webhook", "jobs", "policy", "static"},
	"app/server":                {"app/auth", "app/config", "app/iys", "app/iys/iysapi", "app/iys/iystest", "app/metrics", "app/pg", "app/store", "app/web", "app/webhook", "jobs", "policy"},
	"app/cli":                   {"app/auth", "app/config", "app/iys", "app/iys/iysapi", "app/iys/iystest", "app/pg", "app/server", "app/store", "app/validate", "policy"},
	"deploy":                    {},
	"migrations":                {},
	"static":                    {},
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], "iysgate/"), "iysgate")
		if pkg == "" {
			pkg = "iysgate"
		}
		allowed, ok := allowedImports[pkg]
		if !ok {
			t.Errorf("package %s has no line in allowedImports", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, "iysgate/") {
				continue
			}
			if dep := strings.TrimPrefix(imp, "iysgate/"); !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s, which the direction rule does not allow", pkg, dep)
			}
		}
	}
}
