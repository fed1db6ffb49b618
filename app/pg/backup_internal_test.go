package pg

import (
	"strings"
	"testing"
)

// The client of the server's version wins, else the oldest newer one; an
// older one only is refused with both versions named.
func TestPickClient(t *testing.T) {
	c := func(major int) client { return client{path: "/usr/lib/postgresql/x/bin/pg_dump", major: major} }
	for _, tc := range []struct {
		found  []client
		server int
		want   int // 0: refused
	}{
		{[]client{c(15)}, 15, 15},
		{[]client{c(17), c(15), c(16)}, 15, 15},
		{[]client{c(14), c(17), c(16)}, 15, 16},
		{[]client{c(18), c(17)}, 16, 17},
		{[]client{c(14), c(13)}, 15, 0},
		{nil, 15, 0},
	} {
		got, err := pickClient("pg_dump", tc.found, tc.server)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("%v for server %d: took %d, want a refusal", tc.found, tc.server, got.major)
			}
			continue
		}
		if err != nil || got.major != tc.want {
			t.Errorf("%v for server %d: %d %v, want %d", tc.found, tc.server, got.major, err, tc.want)
		}
	}
	_, err := pickClient("pg_dump", []client{c(14), c(13)}, 16)
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL 14") || !strings.Contains(err.Error(), "PostgreSQL 16") {
		t.Fatalf("refusal of an old pg_dump: %v", err)
	}
}

// A password leaves the command line for PGPASSWORD; the rest of the
// address is kept.
func TestLibpqConn(t *testing.T) {
	for _, tc := range []struct{ in, conn, env string }{
		{"postgres://iys:gizli%2Fparola@db.local:5433/iysgate?sslmode=require", "postgres://iys@db.local:5433/iysgate?sslmode=require", "PGPASSWORD=gizli/parola"},
		{"postgresql://iys@db.local/iysgate?password=gizli&sslmode=verify-full", "postgresql://iys@db.local/iysgate?sslmode=verify-full", "PGPASSWORD=gizli"},
		{"postgres://iysgate@/iysgate?host=%2Fvar%2Flib%2Fiysgate%2Frun&port=5432", "postgres://iysgate@/iysgate?host=%2Fvar%2Flib%2Fiysgate%2Frun&port=5432", ""},
		{"host=db.local user=iys password=gizli dbname=iysgate", "host=db.local user=iys password=gizli dbname=iysgate", ""},
	} {
		conn, env := libpqConn(tc.in)
		if conn != tc.conn || strings.Join(env, " ") != tc.env {
			t.Errorf("%s: %s %v, want %s %s", tc.in, conn, env, tc.conn, tc.env)
		}
	}
}

func TestAppliedVersion(t *testing.T) {
	script := "--\n-- PostgreSQL database dump\n--\n\n" +
		"COPY public.goose_db_version (id, version_id, is_applied, tstamp) FROM stdin;\n" +
		"1\t0\tt\t2026-01-01 10:00:00.1\n" +
		"2\t1\tt\t2026-01-01 10:00:00.2\n" +
		"3\t11\tt\t2026-01-01 10:00:00.3\n" +
		"4\t12\tf\t2026-01-01 10:00:00.4\n" +
		"\\.\n\n" +
		"COPY public.other (version_id, is_applied) FROM stdin;\n99\tt\n\\.\n"
	if v := appliedVersion(script); v != 11 {
		t.Fatalf("applied version %d, want 11", v)
	}
	if v := appliedVersion("--\n-- PostgreSQL database dump complete\n--\n"); v != 0 {
		t.Fatalf("a script without the table: %d, want 0", v)
	}
}
