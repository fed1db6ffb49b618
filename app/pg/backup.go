package pg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"iysgate/migrations"
)

// Backups are pg_dump archives in the custom format: one file, compressed,
// taken from one snapshot (consistent while serve keeps writing), restored
// by pg_restore in one transaction.

// Backup is what a backup holds, as its archive says.
type Backup struct {
	// Created is when pg_dump took it, as pg_dump wrote it.
	Created string
	// ServerMajor is the major version of the server it was taken from.
	ServerMajor int
	// Schema is the application's last migration in it.
	Schema int64
	// Size is the file's size in bytes.
	Size int64
}

// archiveMagic opens every pg_dump archive that pg_restore reads.
const archiveMagic = "PGDMP"

// Dump writes a backup of the iysgate database at dbURL to path. The file
// is readable by its owner only (it holds password hashes, API token
// hashes and web sessions) and appears whole or not at all: pg_dump writes
// a temporary file beside it, which is synced and then renamed over path.
func Dump(ctx context.Context, dbURL, path string) (*Backup, error) {
	db, err := inspect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if db.schema == 0 {
		return nil, errors.New("bu veritabanında iysgate verisi yok; yedeklenecek bir şey yok")
	}
	dump, err := findClient(ctx, "pg_dump", db.major)
	if err != nil {
		return nil, err
	}
	conn, env := libpqConn(dbURL)
	err = writeAtomic(path, func(f *os.File) error {
		// pg_dump writes to the file it is given: a seekable one, so that the
		// archive records where each table's data is (pg_restore then finds
		// one table without reading the others).
		return dump.run(ctx, env, f, "--format=custom", "--dbname="+conn)
	})
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &Backup{ServerMajor: db.major, Schema: db.schema, Size: st.Size()}, nil
}

// writeAtomic creates path through a temporary file in its directory:
// write fills it, then it is synced, renamed over path, and the directory
// synced, so that a crash leaves either the old file or the new one.
func writeAtomic(path string, write func(*os.File) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// CreateTemp makes the file with mode 0600 whatever the umask.
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("yedek dosyası oluşturulamadı: %w", err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CheckArchive tells whether path is a file pg_restore can start to read,
// before anything is started or changed for a restore.
func CheckArchive(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("yedek dosyası bulunamadı: %s", path)
	}
	if err != nil {
		return fmt.Errorf("yedek dosyası açılamadı: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(archiveMagic))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != archiveMagic {
		return fmt.Errorf("%s bir iysgate yedeği değil (iysgate backup'ın yazdığı pg_dump dosyası bekleniyor)", path)
	}
	return nil
}

// Restore loads the backup at path into the database at dbURL, which must
// be empty (no table in its public schema). With force, a target holding
// an iysgate database is emptied first, after replacing has been told what
// it holds and after the whole backup has been read once, so that a damaged
// file is found before anything is dropped. A target with tables of
// something else is refused even with force. The backup is restored in one
// transaction: it is there whole or not at all.
//
// The schema stays at the backup's version; the next serve migrates it
// forward. A backup of a newer iysgate than this one is refused.
func Restore(ctx context.Context, dbURL, path string, force bool, replacing func(what string)) (*Backup, error) {
	db, err := inspect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	switch {
	case db.clients > 0:
		return nil, fmt.Errorf("hedef veritabanına bağlı çalışan bir iysgate var (%d bağlantı); geri yüklemeden önce serve'ü ve diğer iysgate komutlarını durdurun", db.clients)
	case db.tables > 0 && db.schema == 0:
		return nil, fmt.Errorf("hedef veritabanı boş değil (%d tablo) ve iysgate'e ait değil; boş bir veritabanı verin", db.tables)
	case db.tables > 0 && !force:
		return nil, fmt.Errorf("hedefte bir iysgate veritabanı var (%s); yalnızca boş bir veri dizinine ya da veritabanına geri yüklenir. "+
			"Onu silip yedekle değiştirmek için --force verin", db.contents)
	}
	restore, err := findClient(ctx, "pg_restore", db.major)
	if err != nil {
		return nil, err
	}
	b, err := readArchive(ctx, restore, path)
	if err != nil {
		return nil, err
	}
	if b.ServerMajor > db.major {
		return nil, fmt.Errorf("yedek PostgreSQL %d sunucusundan alınmış, hedef sunucu PostgreSQL %d; daha eski bir sunucuya geri yüklenemez", b.ServerMajor, db.major)
	}
	if known := KnownSchema(); b.Schema > known {
		return nil, fmt.Errorf("yedek daha yeni bir iysgate sürümünden alınmış (şema sürümü %d, bu sürümün bildiği son şema sürümü %d); yedeği alan sürümle ya da daha yenisiyle geri yükleyin", b.Schema, known)
	}
	conn, env := libpqConn(dbURL)
	if db.tables > 0 {
		if err := restore.run(ctx, nil, nil, "--file="+os.DevNull, path); err != nil {
			return nil, fmt.Errorf("yedek baştan sona okunamadı; hedefe dokunulmadı: %w", err)
		}
		replacing(db.contents)
		if err := dropPublic(ctx, dbURL); err != nil {
			return nil, err
		}
	}
	// Ownership and grants are the restoring role's: the target may be
	// another server with another role.
	if err := restore.run(ctx, env, nil, "--dbname="+conn, "--single-transaction", "--no-owner", "--no-privileges", path); err != nil {
		return nil, fmt.Errorf("geri yükleme başarısız, hedef boş kaldı: %w", err)
	}
	return b, nil
}

// dropPublic replaces the public schema, which holds every table, view,
// function and extension of iysgate and River, with an empty one. Dropping
// tables fires no trigger: the append-only ledgers do not stand in the way.
func dropPublic(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("veritabanına bağlanılamadı: %w", err)
	}
	defer conn.Close(ctx)
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
		return err
	})
}

// database is what a backup or a restore needs to know of its database.
type database struct {
	major    int    // the server's major version
	tables   int    // tables in the public schema
	schema   int64  // the application's last migration; 0: no iysgate schema
	clients  int    // other sessions of iysgate (serve or a command) on it
	contents string // what it holds, in words, when schema > 0
}

// contentTables are counted to tell an operator which database --force
// replaces.
var contentTables = []struct{ table, label string }{
	{"companies", "firma"}, {"users", "kullanıcı"}, {"consents", "izin"}, {"imports", "içe aktarım"},
}

func inspect(ctx context.Context, dbURL string) (*database, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("veritabanına bağlanılamadı: %w", err)
	}
	defer conn.Close(ctx)
	var db database
	var migrated bool
	// Connect names every session of iysgate's pools "iysgate" (the
	// listener of change notifications "iysgate listener").
	err = conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int / 10000,
		(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')),
		to_regclass('public.goose_db_version') IS NOT NULL,
		(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'iysgate%')`).
		Scan(&db.major, &db.tables, &migrated, &db.clients)
	if err != nil {
		return nil, err
	}
	if !migrated {
		return &db, nil
	}
	if err := conn.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&db.schema); err != nil {
		return nil, err
	}
	parts := []string{fmt.Sprintf("şema sürümü %d", db.schema)}
	for _, t := range contentTables {
		// An old schema may lack a table; it is then not mentioned.
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", "public."+t.table).Scan(&exists); err != nil {
			return nil, err
		}
		if !exists {
			continue
		}
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM public."+pgx.Identifier{t.table}.Sanitize()).Scan(&n); err != nil {
			return nil, err
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, t.label))
	}
	db.contents = strings.Join(parts, ", ")
	return &db, nil
}

// KnownSchema is the last migration this binary has.
func KnownSchema() int64 {
	var last int64
	names, _ := fs.Glob(migrations.FS, "*.sql")
	for _, name := range names {
		if v, err := goose.NumericComponent(name); err == nil {
			last = max(last, v)
		}
	}
	return last
}

// readArchive asks pg_restore what the backup at path holds: its header,
// and the application's schema version from the data of goose_db_version.
// A file pg_restore cannot read, or one without that table, is refused.
func readArchive(ctx context.Context, restore client, path string) (*Backup, error) {
	if err := CheckArchive(path); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var list, versions bytes.Buffer
	if err := restore.run(ctx, nil, &list, "--list", path); err != nil {
		return nil, fmt.Errorf("%s okunamadı; dosya bozuk ya da eksik: %w", path, err)
	}
	b := &Backup{Size: st.Size()}
	for line := range strings.Lines(list.String()) {
		line = strings.TrimSpace(strings.TrimPrefix(line, ";"))
		if v, ok := strings.CutPrefix(line, "Archive created at "); ok {
			b.Created = v
		}
		if v, ok := strings.CutPrefix(line, "Dumped from database version: "); ok {
			b.ServerMajor = leadingInt(v)
		}
	}
	if err := restore.run(ctx, nil, &versions, "--data-only", "--table=goose_db_version", "--file=-", path); err != nil {
		return nil, fmt.Errorf("%s okunamadı; dosya bozuk ya da eksik: %w", path, err)
	}
	if b.Schema = appliedVersion(versions.String()); b.Schema == 0 {
		return nil, fmt.Errorf("%s bir iysgate yedeği değil: şema sürümü tablosu (goose_db_version) yok", path)
	}
	return b, nil
}

// appliedVersion is the highest applied version in the COPY block of
// goose_db_version in a pg_restore script; 0 when there is none.
func appliedVersion(script string) int64 {
	var last int64
	version, applied := -1, -1
	for line := range strings.Lines(script) {
		line = strings.TrimSuffix(line, "\n")
		if cols, ok := strings.CutPrefix(line, "COPY public.goose_db_version ("); ok {
			cols, _, _ = strings.Cut(cols, ")")
			names := strings.Split(cols, ", ")
			version, applied = slices.Index(names, "version_id"), slices.Index(names, "is_applied")
			continue
		}
		if version < 0 || applied < 0 {
			continue
		}
		if line == `\.` {
			break
		}
		f := strings.Split(line, "\t")
		if len(f) <= max(version, applied) || f[applied] != "t" {
			continue
		}
		if v, err := strconv.ParseInt(f[version], 10, 64); err == nil {
			last = max(last, v)
		}
	}
	return last
}

// libpqConn returns how a libpq program (pg_dump, pg_restore) reaches the
// database at dbURL: the URL without its password, and an environment with
// the password in PGPASSWORD, because a command line is readable by every
// user of the machine and the environment is not. A key=value string is
// passed unchanged.
func libpqConn(dbURL string) (string, []string) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dbURL, nil
	}
	q := u.Query()
	password, set := u.User.Password()
	if p := q.Get("password"); p != "" {
		password, set = p, true
	}
	if !set {
		return dbURL, nil
	}
	u.User = url.User(u.User.Username())
	q.Del("password")
	u.RawQuery = q.Encode()
	return u.String(), []string{"PGPASSWORD=" + password}
}

// client is a PostgreSQL client program of a known major version.
type client struct {
	path  string
	major int
}

// clientVersion reads the major version from `prog --version`:
// "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
var clientVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// findClient looks for prog as the cluster code looks for the server
// programs, on PATH and under /usr/lib/postgresql/*/bin, and takes the one
// of the server's major version, else the oldest newer one: pg_dump reads
// older servers but not newer ones, and a newer pg_restore may send
// commands an older server does not know.
func findClient(ctx context.Context, prog string, serverMajor int) (client, error) {
	paths, _ := filepath.Glob(filepath.Join("/usr/lib/postgresql/*/bin", prog))
	if p, err := exec.LookPath(prog); err == nil {
		// Debian links the PATH names to pg_wrapper, which picks a version
		// by rules of its own; the versioned programs are under
		// /usr/lib/postgresql.
		if real, err := filepath.EvalSymlinks(p); err == nil && filepath.Base(real) == prog {
			paths = append(paths, real)
		}
	}
	var found []client
	for _, p := range paths {
		out, err := exec.CommandContext(ctx, p, "--version").Output()
		if m := clientVersion.FindSubmatch(out); err == nil && m != nil {
			major, _ := strconv.Atoi(string(m[1]))
			found = append(found, client{path: p, major: major})
		}
	}
	return pickClient(prog, found, serverMajor)
}

func pickClient(prog string, found []client, serverMajor int) (client, error) {
	if len(found) == 0 {
		return client{}, fmt.Errorf("%s bulunamadı; Debian/Ubuntu'da kurmak için: sudo apt-get install postgresql-client-%d", prog, serverMajor)
	}
	best := client{major: -1}
	newest := 0
	for _, c := range found {
		newest = max(newest, c.major)
		if c.major >= serverMajor && (best.major < 0 || c.major < best.major) {
			best = c
		}
	}
	if best.major < 0 {
		return client{}, fmt.Errorf("bu makinedeki %s (PostgreSQL %d) sunucudan (PostgreSQL %d) eski; sunucunun sürümünü kurun: sudo apt-get install postgresql-client-%d",
			prog, newest, serverMajor, serverMajor)
	}
	return best, nil
}

// run runs the program with env added to iysgate's environment and its
// output to stdout (discarded when nil); a failure carries what the
// program said. Its messages are in English, as the cluster's are, so that
// the archive's header can be read.
func (c client) run(ctx context.Context, env []string, stdout io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		said := strings.TrimSpace(stderr.String())
		if said == "" {
			said = filepath.Base(c.path)
		}
		return fmt.Errorf("%s (%w)", said, err)
	}
	return nil
}

func leadingInt(s string) int {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

// LocalExists tells whether dataDir holds a private cluster.
func LocalExists(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, "postgres", "pgdata", "PG_VERSION"))
	return err == nil
}

// OpenLocalAlone takes the private cluster of dataDir for this process
// alone, as serve does, but refuses at once when a serve or another command
// holds the directory: a restore never replaces a database under a running
// appliance. It initialises the cluster in a fresh directory; Close stops
// it.
func OpenLocalAlone(ctx context.Context, dataDir string) (*Local, error) {
	c, f, err := openDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("bu veri dizinini (%s) çalışan bir iysgate kullanıyor (serve ya da başka bir komut); önce onu durdurun", dataDir)
		}
		return nil, err
	}
	l := &Local{Cluster: c, lock: f}
	if err := c.Start(ctx); err != nil {
		l.release()
		return nil, err
	}
	c.Adopt()
	return l, nil
}
