package pg_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"iysgate/app/pg"
	"iysgate/app/pg/pgtest"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite docs/schema.sql from the migrations")

const schemaFile = "../../docs/schema.sql"

const schemaHeader = `-- iysgate's database schema as the migrations leave it (pg_dump --schema-only,
-- tidied). Generated: do not edit. When a migration changes the schema, run
--   go test ./app/pg -run TestSchemaFile -update-schema
-- and commit the result with the migration.

`

// docs/schema.sql is the schema the migrations make: a reader sees
// today's tables without replaying every migration, and the file cannot
// drift from them.
func TestSchemaFile(t *testing.T) {
	got, err := pg.SchemaSQL(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if *updateSchema {
		if err := os.WriteFile(schemaFile, []byte(schemaHeader+got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (run go test ./app/pg -run TestSchemaFile -update-schema)", err)
	}
	if want := strings.TrimPrefix(string(b), schemaHeader); want != got {
		t.Fatal("docs/schema.sql differs from the migrations' schema: run go test ./app/pg -run TestSchemaFile -update-schema and commit it")
	}
}
