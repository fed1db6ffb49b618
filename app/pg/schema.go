package pg

import (
	"bytes"
	"context"
	"strings"
)

// SchemaSQL is the schema of the database at dbURL as pg_dump writes it,
// without what changes from one machine or dump to the next (version
// comments, SET lines, owners, grants), for docs/schema.sql: today's
// tables at a glance, without replaying every migration.
func SchemaSQL(ctx context.Context, dbURL string) (string, error) {
	db, err := inspect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	dump, err := findClient(ctx, "pg_dump", db.major)
	if err != nil {
		return "", err
	}
	conn, env := libpqConn(dbURL)
	var out bytes.Buffer
	if err := dump.run(ctx, env, &out, "--schema-only", "--no-owner", "--no-privileges", "--no-comments", "--dbname="+conn); err != nil {
		return "", err
	}
	var b strings.Builder
	blank := true
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "--"), strings.HasPrefix(line, "SET "), strings.HasPrefix(line, "SELECT pg_catalog.set_config"),
			strings.HasPrefix(line, `\restrict`), strings.HasPrefix(line, `\unrestrict`):
			continue
		case strings.TrimSpace(line) == "":
			if blank {
				continue
			}
			blank = true
		default:
			blank = false
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSpace(b.String()) + "\n", nil
}
