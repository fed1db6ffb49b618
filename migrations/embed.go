// Package migrations holds the application's SQL migrations, numbered and
// embedded in the binary. They run with goose (see app/pg.Migrate) after
// River's own migrations.
package migrations

import "embed"

// FS holds the *.sql files of this directory.
//
//go:embed *.sql
var FS embed.FS
