package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"iysgate/app/config"
	"iysgate/app/pg"
)

// backup writes a backup of the appliance's database to a file: DATABASE_URL,
// or the private cluster of the data directory, joined beside a running
// serve (pg_dump's snapshot keeps it consistent) or started for the
// backup's duration.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Flags(fs)
	file, err := parseFile(fs, args, "iysgate backup DOSYA")
	if err != nil {
		return err
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		// A backup never creates a cluster: a directory without one is a
		// mistyped path, not an empty appliance.
		if !pg.LocalExists(cfg.DataDir) {
			return fmt.Errorf("veri dizininde (%s) iysgate veritabanı yok; IYSGATE_DATA_DIR ya da --data-dir doğru mu?", cfg.DataDir)
		}
		l, err := pg.OpenLocal(ctx, cfg.DataDir, false)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, l.Close()) }()
		dbURL = l.URL()
	}
	b, err := pg.Dump(ctx, dbURL, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "yedek alındı: %s (%s, şema sürümü %d, PostgreSQL %d; yalnızca sahibi okuyabilir)\n",
		file, megabytes(b.Size), b.Schema, b.ServerMajor)
	return nil
}

// restore loads a backup into a fresh data directory or an empty
// DATABASE_URL database; --force replaces an iysgate database there.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Flags(fs)
	force := fs.Bool("force", false, "hedefteki iysgate veritabanını silip yedekle değiştirir")
	file, err := parseFile(fs, args, "iysgate restore [--force] DOSYA")
	if err != nil {
		return err
	}
	// Nothing is started or created for a file that is no backup.
	if err := pg.CheckArchive(file); err != nil {
		return err
	}
	dbURL, target := cfg.DatabaseURL, "DATABASE_URL veritabanı"
	if dbURL == "" {
		l, err := pg.OpenLocalAlone(ctx, cfg.DataDir)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, l.Close()) }()
		dbURL, target = l.URL(), "veri dizini "+cfg.DataDir
	}
	b, err := pg.Restore(ctx, dbURL, file, *force, func(what string) {
		fmt.Fprintf(stderr, "--force: %s içindeki iysgate veritabanı (%s) siliniyor ve yedekle değiştiriliyor\n", target, what)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "geri yüklendi: %s → %s (yedek %s tarihli, şema sürümü %d)\n", file, target, b.Created, b.Schema)
	if known := pg.KnownSchema(); b.Schema < known {
		fmt.Fprintf(stdout, "iysgate serve ilk açılışta şemayı %d sürümünden %d sürümüne günceller\n", b.Schema, known)
	}
	return nil
}

// parseFile parses the flags around a command's one file argument, so that
// both `restore --force FILE` and `restore FILE --force` work.
func parseFile(fs *flag.FlagSet, args []string, use string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", fmt.Errorf("kullanım: %s", use)
	}
	file := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() != 0 {
		return "", fmt.Errorf("kullanım: %s", use)
	}
	return file, nil
}

// megabytes writes a size as Turkish does: "12,5 MB".
func megabytes(n int64) string {
	return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/(1<<20)), ".", ",", 1)
}
